/* Counting semaphore: a mutex with a count. Under POR, permits go to waiting
 * contenders one by one from an idle hook, each grant one fg_choose. */
#include "por.h"

struct fg_sem {
    uint64_t permits;
    struct waitq waiters;
    struct idle_hook hook;
    bool dead;
    fg_stats stats;
};

static void grant(fg_sem *s, struct task *t)
{
    s->permits--;
    s->stats.acquires++;
    fg__wake(t, 0);
}

static bool grant_hook(struct idle_hook *h)
{
    fg_sem *s = FG_CONTAINER(h, fg_sem, hook);
    if (!s->permits || !s->waiters.head)
        return false;
    grant(s, fg__por_pick(&s->waiters));
    /* one grant per quiet moment: the winner may contend again before the next */
    if (s->permits && s->waiters.head)
        fg__idle_hook(&s->hook);
    return true;
}

fg_sem *fg_sem_new(uint64_t permits)
{
    if (!fg__current("fg_sem_new"))
        return NULL;
    fg_sem *s = fg_alloc(sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->permits = permits;
    s->hook.run = grant_hook;
    fg__stats_track(&s->stats, FG__ST_SEM);
    return s;
}

int fg_sem_acquire_(fg_sem *s, fg_time deadline)
{
    struct task *t = fg__sync_entry(s, s && s->dead, "fg_sem_acquire");
    if (FG_UNLIKELY(!t))
        return fg__sync_err();
    if (FG_LIKELY(s->permits && !s->waiters.head && fg__por_quiet() && !t->cancelled)) {
        s->permits--;
        s->stats.acquires++;
        return 0;
    }
    if (deadline <= S->wheel.now && !t->cancelled) {
        /* no time to wait is a try: nothing to order against */
        if (!s->permits || s->waiters.head)
            return -ETIMEDOUT;
        s->permits--;
        s->stats.acquires++;
        return 0;
    }
    if (s->permits && fg__por())
        fg__idle_hook(&s->hook);
    fg_time t0 = S->wheel.now;
    int r = fg__wait(&s->waiters, deadline, "fg_sem_acquire");
    if (r == 0) {
        s->stats.contended++;
        fg__hist_add(&s->stats.wait, S->wheel.now - t0);
    }
    return r;
}

int fg_sem_try_acquire(fg_sem *s)
{
    if (!fg__sync_entry(s, s && s->dead, "fg_sem_try_acquire"))
        return fg__sync_err();
    if (!s->permits || s->waiters.head)
        return -EAGAIN;
    s->permits--;
    s->stats.acquires++;
    return 0;
}

int fg_sem_release(fg_sem *s)
{
    if (FG_UNLIKELY(!fg__sync_entry(s, s && s->dead, "fg_sem_release")))
        return fg__sync_err();
    if (FG_UNLIKELY(s->permits == UINT64_MAX))
        return fg__misuse("fg_sem_release", -EOVERFLOW, "too many permits");
    s->permits++;
    if (s->waiters.head) {
        if (fg__por())
            fg__idle_hook(&s->hook);
        else
            grant(s, s->waiters.head);
    }
    return 0;
}

uint64_t fg_sem_permits(const fg_sem *s)
{
    return s ? s->permits : 0;
}

int fg_sem_destroy(fg_sem *s)
{
    if (!fg__sync_entry(s, s && s->dead, "fg_sem_destroy"))
        return fg__sync_err();
    if (s->waiters.head)
        return fg__misuse("fg_sem_destroy", -EBUSY, "tasks wait for this semaphore (%s first)",
                          s->waiters.head->name);
    s->dead = true;
    return 0;
}

const fg_stats *fg_sem_stats(const fg_sem *s)
{
    return s ? &s->stats : NULL;
}
