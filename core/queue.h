/* Queues inside the core: the layout, so a channel's hot path over a bare
 * FIFO (the common case) runs inline; every other queue goes through its ops. */
#ifndef FUGUE_QUEUE_H
#define FUGUE_QUEUE_H

#include "por.h"

struct qops {
    int (*push)(fg_queue *q, fg_item *it, fg_item *back);
    int (*pop)(fg_queue *q, fg_item *out);
    const fg_item *(*peek)(const fg_queue *q);
    size_t (*len)(const fg_queue *q);
    bool (*full)(const fg_queue *q);
};

struct hent {
    fg_item it;
    uint64_t seq;   /* equal priorities leave in push order */
};

struct fg_queue {
    const struct qops *ops;
    fg_stats stats;
    fg_queue *inner;         /* stages */
    fg_time delay, jitter;   /* latency */
    uint32_t num, den;       /* loss */
    /* containers: a ring (FIFO, LIFO) or a binary min-heap (priority) */
    fg_item *ring;
    struct hent *heap;
    size_t head, n, alloc, limit;
    uint64_t seq;
    fg_overflow policy;
};

extern const struct qops fg__fifo_ops;

int fg__queue_put_slow(fg_queue *q, void *data, size_t size, fg_item *back);
int fg__queue_take_slow(fg_queue *q, void **data, size_t *size);

/* A bare FIFO with room takes the item in place: true. Anything else: false, nothing done. */
static inline bool fg__queue_put_inline(fg_queue *q, void *data, size_t size)
{
    if (FG_LIKELY(q->ops == &fg__fifo_ops && (!q->limit || q->n < q->limit) && q->n < q->alloc)) {
        fg_item *slot = &q->ring[(q->head + q->n++) & (q->alloc - 1)];
        slot->data = data;
        slot->size = size;
        slot->prio = 0;
        slot->since = slot->ripe = 0;
        q->stats.pushes++;
        return true;
    }
    return false;
}

/* Pushes a bare item, as fg__queue_push does. */
static inline int fg__queue_put(fg_queue *q, void *data, size_t size, fg_item *back)
{
    return fg__queue_put_inline(q, data, size) ? 0 : fg__queue_put_slow(q, data, size, back);
}

/* A bare FIFO's head item, taken: true. Anything else (empty, another queue): false, nothing done. */
static inline bool fg__queue_take_inline(fg_queue *q, void **data, size_t *size)
{
    if (FG_LIKELY(q->ops == &fg__fifo_ops && q->n)) {
        const fg_item *slot = &q->ring[q->head];
        *data = slot->data;
        *size = slot->size;
        q->head = (q->head + 1) & (q->alloc - 1);
        q->n--;
        q->stats.pops++;
        return true;
    }
    return false;
}

static inline int fg__queue_take(fg_queue *q, void **data, size_t *size)
{
    if (fg__queue_take_inline(q, data, size))
        return 0;
    return q->ops == &fg__fifo_ops ? -EAGAIN : fg__queue_take_slow(q, data, size);
}

/* An empty bare FIFO lets an item pass straight to a waiting receiver: counts it, returns true. */
static inline bool fg__queue_pass(fg_queue *q)
{
    if (q->ops != &fg__fifo_ops || q->n)
        return false;
    q->stats.pushes++;
    q->stats.pops++;
    return true;
}

#endif
