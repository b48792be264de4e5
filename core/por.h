/* Shared by the sync objects: who may act at once, who goes first among
 * contenders, and the statistics they keep. */
#ifndef FUGUE_POR_H
#define FUGUE_POR_H

#include "internal.h"
#include "fugue/sync.h"

/* Under POR an operation may complete at once only when nobody else could
 * contend in this instant: nothing else is ready and no idle hook may wake anyone. */
static inline bool fg__por_quiet(void)
{
    return S->o.strategy != FG_POR || (S->rq_len == 0 && S->idle_head == NULL);
}

static inline bool fg__por(void)
{
    return S->o.strategy == FG_POR;
}

/* Like fg__por_pick over the waiters for which ok(t, ud) holds (NULL: all); NULL if none. */
struct task *fg__por_pick_if(struct waitq *q, bool (*ok)(struct task *t, void *ud), void *ud);

/* The waiter that goes first: a choice among all of `q` under POR, its head otherwise. */
static inline struct task *fg__por_pick(struct waitq *q)
{
    if (!fg__por() || !q->head || !q->head->wq_next)
        return q->head;
    return fg__por_pick_if(q, NULL, NULL);
}

void fg__hist_add(fg_hist *h, int64_t v);

/* queue.c: the channel's way in, without the API's checks */
int fg__queue_push(fg_queue *q, fg_item *it, fg_item *back);
int fg__queue_pop(fg_queue *q, fg_item *out);
/* True when items can be unripe (a latency stage is in the stack). */
bool fg__queue_timed(const fg_queue *q);
/* A push would be refused for lack of room. */
bool fg__queue_full(const fg_queue *q);

/* mutex.c: the holder, for fg_cond_wait */
struct task *fg__mutex_owner(const fg_mutex *m);

/* Entry checks: the current task, or NULL after a misuse message (outside a sim,
 * NULL or destroyed object). */
static inline struct task *fg__sync_entry(const void *obj, bool dead, const char *call)
{
    if (FG_UNLIKELY(!S->active || !S->cur)) {
        fg__misuse(call, -EPERM, "called outside a running sim");
        return NULL;
    }
    if (FG_UNLIKELY(!obj || dead)) {
        fg__misuse(call, -EINVAL, obj ? "object was destroyed" : "NULL object");
        return NULL;
    }
    return S->cur;
}

/* What a call returns after fg__sync_entry refused it, matching its message. */
static inline int fg__sync_err(void)
{
    return S->active && S->cur ? -EINVAL : -EPERM;
}

#endif
