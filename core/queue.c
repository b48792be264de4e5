/* Composable queues, after bach's queue stack: containers (FIFO, LIFO,
 * priority) with a capacity and an overflow policy, and stages that wrap any
 * queue (latency, loss, sojourn). A channel is a queue plus waiting tasks. */
#include "queue.h"

#include <stdlib.h>

static void free_storage(void *ud)
{
    fg_queue *q = ud;
    fg__sim_free(q->ring);
    fg__sim_free(q->heap);
    q->ring = NULL;
    q->heap = NULL;
}

/* ---- ring: FIFO pops the oldest, LIFO the newest; both evict the oldest ---- */

/* At least doubles the storage, to `want` items if more (a power of two). */
static bool grow(fg_queue *q, size_t esize, size_t want)
{
    size_t alloc = q->alloc ? q->alloc * 2 : 16;
    while (alloc < want)
        alloc *= 2;
    void *p = fg__sim_malloc(alloc * esize);
    if (!p)
        return false;
    if (q->ring) {
        fg_item *r = p;
        for (size_t i = 0; i < q->n; i++)
            r[i] = q->ring[(q->head + i) & (q->alloc - 1)];
        fg__sim_free(q->ring);
        q->ring = r;
        q->head = 0;
    } else if (q->heap) {
        memcpy(p, q->heap, q->n * esize);
        fg__sim_free(q->heap);
        q->heap = p;
    } else if (esize == sizeof(fg_item)) {
        q->ring = p;
    } else {
        q->heap = p;
    }
    q->alloc = alloc;
    return true;
}

static bool full(const fg_queue *q)
{
    return q->limit && q->n >= q->limit;
}

static bool container_full(const fg_queue *q)
{
    return full(q) && q->policy == FG_REJECT_NEWEST;
}

static size_t container_len(const fg_queue *q)
{
    return q->n;
}

static int ring_push(fg_queue *q, fg_item *it, fg_item *back)
{
    int r = 0;
    q->stats.pushes++;
    if (FG_UNLIKELY(full(q))) {
        if (q->policy == FG_REJECT_NEWEST) {
            q->stats.overflows++;
            return -ENOBUFS;
        }
        *back = q->ring[q->head];
        q->head = (q->head + 1) & (q->alloc - 1);
        q->n--;
        q->stats.evictions++;
        r = 1;
    }
    if (FG_UNLIKELY(q->n == q->alloc) && !grow(q, sizeof *q->ring, 0)) {
        q->stats.overflows++;
        return -ENOMEM;
    }
    q->ring[(q->head + q->n++) & (q->alloc - 1)] = *it;
    return r;
}

static int fifo_pop(fg_queue *q, fg_item *out)
{
    if (!q->n)
        return -EAGAIN;
    *out = q->ring[q->head];
    q->head = (q->head + 1) & (q->alloc - 1);
    q->n--;
    q->stats.pops++;
    return 0;
}

static const fg_item *fifo_peek(const fg_queue *q)
{
    return q->n ? &q->ring[q->head] : NULL;
}

static int lifo_pop(fg_queue *q, fg_item *out)
{
    if (!q->n)
        return -EAGAIN;
    *out = q->ring[(q->head + --q->n) & (q->alloc - 1)];
    q->stats.pops++;
    return 0;
}

static const fg_item *lifo_peek(const fg_queue *q)
{
    return q->n ? &q->ring[(q->head + q->n - 1) & (q->alloc - 1)] : NULL;
}

/* ---- priority: a binary heap on (prio, seq) ---- */

static bool before(const struct hent *a, const struct hent *b)
{
    return a->it.prio != b->it.prio ? a->it.prio < b->it.prio : a->seq < b->seq;
}

static void sift_up(struct hent *h, size_t i)
{
    while (i && before(&h[i], &h[(i - 1) / 2])) {
        struct hent t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void sift_down(struct hent *h, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && before(&h[l], &h[m]))
            m = l;
        if (r < n && before(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        struct hent t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static fg_item heap_remove(fg_queue *q, size_t i)
{
    fg_item it = q->heap[i].it;
    q->heap[i] = q->heap[--q->n];
    if (i < q->n) {
        sift_down(q->heap, q->n, i);
        sift_up(q->heap, i);
    }
    return it;
}

static int prio_push(fg_queue *q, fg_item *it, fg_item *back)
{
    int r = 0;
    q->stats.pushes++;
    if (FG_UNLIKELY(full(q))) {
        if (q->policy == FG_REJECT_NEWEST) {
            q->stats.overflows++;
            return -ENOBUFS;
        }
        /* the least urgent item lies among the leaves */
        size_t worst = q->n / 2;
        for (size_t i = worst + 1; i < q->n; i++)
            if (before(&q->heap[worst], &q->heap[i]))
                worst = i;
        *back = heap_remove(q, worst);
        q->stats.evictions++;
        r = 1;
    }
    if (q->n == q->alloc && !grow(q, sizeof *q->heap, 0)) {
        q->stats.overflows++;
        return -ENOMEM;
    }
    q->heap[q->n] = (struct hent){*it, q->seq++};
    sift_up(q->heap, q->n++);
    return r;
}

static int prio_pop(fg_queue *q, fg_item *out)
{
    if (!q->n)
        return -EAGAIN;
    *out = heap_remove(q, 0);
    q->stats.pops++;
    return 0;
}

static const fg_item *prio_peek(const fg_queue *q)
{
    return q->n ? &q->heap[0].it : NULL;
}

const struct qops fg__fifo_ops = {ring_push, fifo_pop, fifo_peek, container_len, container_full};
#define fifo_ops fg__fifo_ops
static const struct qops lifo_ops = {ring_push, lifo_pop, lifo_peek, container_len, container_full};
static const struct qops prio_ops = {prio_push, prio_pop, prio_peek, container_len, container_full};

/* Bounds up to this many items are allocated whole at creation; larger ones grow by
 * doubling as they fill. Big presized rings (160 KiB each at 4096) made a chaos sim with
 * hundreds of queues hold 40 MiB, and glibc kept it: RSS crept run after run. */
#define PRESIZE_MAX 256

static fg_queue *container(const struct qops *ops, size_t capacity, fg_overflow policy, const char *call)
{
    if (!fg__current(call))
        return NULL;
    if (policy != FG_REJECT_NEWEST && policy != FG_EVICT_OLDEST) {
        fg__misuse(call, -EINVAL, "unknown overflow policy %d", (int)policy);
        return NULL;
    }
    fg_queue *q = fg_alloc(sizeof *q);
    if (!q)
        return NULL;
    memset(q, 0, sizeof *q);
    fg__stats_track(&q->stats, FG__ST_QUEUE);
    q->ops = ops;
    q->limit = capacity;
    q->policy = policy;
    if (fg__at_end(free_storage, q) < 0)
        return NULL;
    /* a small bounded ring is sized once, so the hot path never allocates; a big bound
     * (SIZE_MAX, say) grows on demand instead of costing memory up front in every sim */
    size_t esize = ops == &prio_ops ? sizeof(struct hent) : sizeof(fg_item);
    if (capacity && !grow(q, esize, capacity < PRESIZE_MAX ? capacity : PRESIZE_MAX))
        return NULL;
    return q;
}

fg_queue *fg_queue_fifo(size_t capacity, fg_overflow policy)
{
    return container(&fifo_ops, capacity, policy, "fg_queue_fifo");
}

fg_queue *fg_queue_lifo(size_t capacity, fg_overflow policy)
{
    return container(&lifo_ops, capacity, policy, "fg_queue_lifo");
}

fg_queue *fg_queue_prio(size_t capacity, fg_overflow policy)
{
    return container(&prio_ops, capacity, policy, "fg_queue_prio");
}

/* ---- stages ---- */

static const fg_item *stage_peek(const fg_queue *q)
{
    return q->inner->ops->peek(q->inner);
}

static size_t stage_len(const fg_queue *q)
{
    return q->inner->ops->len(q->inner);
}

static bool stage_full(const fg_queue *q)
{
    return q->inner->ops->full(q->inner);
}

static int stage_pop(fg_queue *q, fg_item *out)
{
    int r = q->inner->ops->pop(q->inner, out);
    q->stats.pops += r == 0;
    return r;
}

static int latency_push(fg_queue *q, fg_item *it, fg_item *back)
{
    fg_time now = S->wheel.now;
    fg_time extra = q->jitter ? fg_rand_range(0, q->jitter) : 0;
    /* saturate: a huge delay plus jitter must not wrap into the past */
    fg_time d = extra > FG_FOREVER - q->delay ? FG_FOREVER : q->delay + extra;
    /* nested latency stages add up */
    fg_time from = it->ripe > now ? it->ripe : now;
    it->ripe = d > FG_FOREVER - from ? FG_FOREVER : from + d;
    q->stats.pushes++;
    return q->inner->ops->push(q->inner, it, back);
}

static int latency_pop(fg_queue *q, fg_item *out)
{
    const fg_item *h = q->inner->ops->peek(q->inner);
    if (!h || h->ripe > S->wheel.now)
        return -EAGAIN;
    return stage_pop(q, out);
}

static int loss_push(fg_queue *q, fg_item *it, fg_item *back)
{
    q->stats.pushes++;
    if (fg_rand_chance(q->num, q->den)) {
        q->stats.drops++;
        *back = *it;
        return 1;
    }
    return q->inner->ops->push(q->inner, it, back);
}

static int sojourn_push(fg_queue *q, fg_item *it, fg_item *back)
{
    it->since = S->wheel.now;
    q->stats.pushes++;
    return q->inner->ops->push(q->inner, it, back);
}

static int sojourn_pop(fg_queue *q, fg_item *out)
{
    int r = stage_pop(q, out);
    if (r == 0)
        fg__hist_add(&q->stats.sojourn, S->wheel.now - out->since);
    return r;
}

static const struct qops latency_ops = {latency_push, latency_pop, stage_peek, stage_len, stage_full};
static const struct qops loss_ops = {loss_push, stage_pop, stage_peek, stage_len, stage_full};
static const struct qops sojourn_ops = {sojourn_push, sojourn_pop, stage_peek, stage_len, stage_full};

static fg_queue *stage(const struct qops *ops, fg_queue *inner, const char *call)
{
    if (!fg__current(call))
        return NULL;
    if (!inner) {
        fg__misuse(call, -EINVAL, "no inner queue");
        return NULL;
    }
    fg_queue *q = fg_alloc(sizeof *q);
    if (!q)
        return NULL;
    memset(q, 0, sizeof *q);
    fg__stats_track(&q->stats, FG__ST_QUEUE);
    q->ops = ops;
    q->inner = inner;
    return q;
}

fg_queue *fg_queue_latency(fg_queue *inner, fg_time delay, fg_time jitter)
{
    if (delay < 0 || jitter < 0) {
        fg__misuse("fg_queue_latency", -EINVAL, "negative delay or jitter");
        return NULL;
    }
    fg_queue *q = stage(&latency_ops, inner, "fg_queue_latency");
    if (q) {
        q->delay = delay;
        q->jitter = jitter;
    }
    return q;
}

fg_queue *fg_queue_loss(fg_queue *inner, uint32_t num, uint32_t den)
{
    if (!den) {
        fg__misuse("fg_queue_loss", -EINVAL, "zero denominator");
        return NULL;
    }
    fg_queue *q = stage(&loss_ops, inner, "fg_queue_loss");
    if (q) {
        q->num = num;
        q->den = den;
    }
    return q;
}

fg_queue *fg_queue_sojourn(fg_queue *inner)
{
    return stage(&sojourn_ops, inner, "fg_queue_sojourn");
}

/* ---- the API ---- */

int fg__queue_put_slow(fg_queue *q, void *data, size_t size, fg_item *back)
{
    fg_item it = {data, size, 0, 0, 0};
    return q->ops->push(q, &it, back);
}

int fg__queue_take_slow(fg_queue *q, void **data, size_t *size)
{
    fg_item it;
    int r = q->ops->pop(q, &it);
    if (r == 0) {
        *data = it.data;
        *size = it.size;
    }
    return r;
}

bool fg__queue_timed(const fg_queue *q)
{
    for (; q; q = q->inner)
        if (q->ops == &latency_ops)
            return true;
    return false;
}

int fg__queue_push(fg_queue *q, fg_item *it, fg_item *back)
{
    return q->ops->push(q, it, back);
}

int fg__queue_pop(fg_queue *q, fg_item *out)
{
    return q->ops->pop(q, out);
}

bool fg__queue_full(const fg_queue *q)
{
    return q->ops->full(q);
}

static bool usable(const fg_queue *q, const char *call)
{
    if (FG_UNLIKELY(!S->active)) {
        fg__misuse(call, -EPERM, "called outside a running sim");
        return false;
    }
    if (FG_UNLIKELY(!q)) {
        fg__misuse(call, -EINVAL, "NULL queue");
        return false;
    }
    return true;
}

int fg_queue_push(fg_queue *q, fg_item item, fg_item *back)
{
    if (!usable(q, "fg_queue_push"))
        return S->active ? -EINVAL : -EPERM;
    fg_item spare;
    item.since = item.ripe = 0;
    return q->ops->push(q, &item, back ? back : &spare);
}

int fg_queue_pop(fg_queue *q, fg_item *out)
{
    if (!usable(q, "fg_queue_pop"))
        return S->active ? -EINVAL : -EPERM;
    fg_item spare;
    return q->ops->pop(q, out ? out : &spare);
}

size_t fg_queue_len(const fg_queue *q)
{
    return q ? q->ops->len(q) : 0;
}

fg_time fg_queue_ready_at(const fg_queue *q)
{
    const fg_item *h = q ? q->ops->peek(q) : NULL;
    return h ? h->ripe : FG_FOREVER;
}

const fg_stats *fg_queue_stats(const fg_queue *q)
{
    return q ? &q->stats : NULL;
}
