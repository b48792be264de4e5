/* fugue sync: locks, semaphores, conditions, channels, one-shot values,
 * composable queues and the statistics they keep. Included by fugue.h.
 *
 * Every object is created inside a running sim (memory from fg_alloc) and lives
 * until the sim ends; whatever it allocates is freed then too. Blocking calls
 * take an absolute deadline (FG_FOREVER for none) and return 0, -ETIMEDOUT or
 * -ECANCELED (the sim is ending, or the task was aborted); `try_` variants
 * never block and return -EAGAIN instead. Misuse returns an error and prints a
 * message naming the task and the call.
 *
 * Under the FG_POR strategy the tasks that contend for one object in the same
 * instant are ordered by fg_choose over the contenders, per object: two
 * mutexes with two contenders each give 2*2 schedules. Under FG_FIFO and
 * FG_RANDOM contenders are served in arrival order. */
#ifndef FUGUE_SYNC_H
#define FUGUE_SYNC_H

#include "../fugue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- statistics ------------------------------------------------------------ */

/* Log2 histogram of non-negative values (nanoseconds here): bucket[0] counts 0,
 * bucket[i] counts [2^(i-1), 2^i). */
typedef struct fg_hist {
    uint64_t count;
    uint64_t sum;
    int64_t min, max;
    uint64_t bucket[65];
} fg_hist;

typedef struct fg_stats {
    /* queues and channels */
    uint64_t pushes;      /* items offered */
    uint64_t pops;        /* items taken out */
    uint64_t drops;       /* items lost by a loss stage */
    uint64_t overflows;   /* pushes rejected because the queue was full */
    uint64_t evictions;   /* items evicted to make room */
    fg_hist sojourn;      /* time items spent in the queue (sojourn stage) */
    /* mutexes, read-write locks, semaphores */
    uint64_t acquires;    /* successful acquisitions */
    uint64_t contended;   /* acquisitions that had to wait */
    fg_hist wait;         /* how long waiting acquisitions waited */
} fg_stats;

/* Sim memory is freed when the sim ends: this copies *live into *out (caller's
 * memory) at that moment, so the figures can be read after fg_run returns. */
FG_API int fg_stats_keep(const fg_stats *live, fg_stats *out);
/* Every object's figures summed by kind, for the sim that ended last (fg_sim_stats_last):
 * what `--stats out.json` writes. Channels count in `queue` (each has one inside). */
typedef struct fg_sim_stats {
    unsigned mutexes, rwlocks, sems, queues;   /* objects made */
    fg_stats mutex, rwlock, sem, queue;
    bool net_used;
    fg_net_stats net;
} fg_sim_stats;
/* 0, or -EBUSY inside a sim (its figures are not final), -ENOENT before any sim ran. */
FG_API int fg_sim_stats_last(fg_sim_stats *out);

/* Mean of the recorded values (0 when empty). */
FG_API double fg_hist_mean(const fg_hist *h);
/* An upper bound of the q-quantile (0 <= q <= 1): the top of the bucket holding it. */
FG_API int64_t fg_hist_quantile(const fg_hist *h, double q);

/* ---- mutex ----------------------------------------------------------------- */

typedef struct fg_mutex fg_mutex;
FG_API fg_mutex *fg_mutex_new(void);
/* 0 once held; -ETIMEDOUT, -ECANCELED; -EDEADLK if this task holds it already. */
#define fg_mutex_lock(m, deadline) (fg__here(__FILE__, __LINE__), fg_mutex_lock_((m), (deadline)))
FG_API int fg_mutex_lock_(fg_mutex *m, fg_time deadline);
/* 0 once held, -EAGAIN if held or contended. */
FG_API int fg_mutex_try_lock(fg_mutex *m);
/* -EPERM (misuse) if this task does not hold it. */
FG_API int fg_mutex_unlock(fg_mutex *m);
/* -EBUSY (misuse) while held or waited for. Further use is -EINVAL. */
FG_API int fg_mutex_destroy(fg_mutex *m);
FG_API const fg_stats *fg_mutex_stats(const fg_mutex *m);

/* ---- read-write lock ----------------------------------------------------------- */

typedef struct fg_rwlock fg_rwlock;
FG_API fg_rwlock *fg_rwlock_new(void);
#define fg_rwlock_rdlock(l, deadline) (fg__here(__FILE__, __LINE__), fg_rwlock_rdlock_((l), (deadline)))
#define fg_rwlock_wrlock(l, deadline) (fg__here(__FILE__, __LINE__), fg_rwlock_wrlock_((l), (deadline)))
FG_API int fg_rwlock_rdlock_(fg_rwlock *l, fg_time deadline);
FG_API int fg_rwlock_wrlock_(fg_rwlock *l, fg_time deadline);
FG_API int fg_rwlock_try_rdlock(fg_rwlock *l);
FG_API int fg_rwlock_try_wrlock(fg_rwlock *l);
/* Releases this task's read or write hold; -EPERM (misuse) if it has none. */
FG_API int fg_rwlock_unlock(fg_rwlock *l);
FG_API int fg_rwlock_destroy(fg_rwlock *l);
FG_API const fg_stats *fg_rwlock_stats(const fg_rwlock *l);

/* ---- counting semaphore -------------------------------------------------------- */

typedef struct fg_sem fg_sem;
FG_API fg_sem *fg_sem_new(uint64_t permits);
#define fg_sem_acquire(s, deadline) (fg__here(__FILE__, __LINE__), fg_sem_acquire_((s), (deadline)))
FG_API int fg_sem_acquire_(fg_sem *s, fg_time deadline);
FG_API int fg_sem_try_acquire(fg_sem *s);
FG_API int fg_sem_release(fg_sem *s);
FG_API uint64_t fg_sem_permits(const fg_sem *s);
FG_API int fg_sem_destroy(fg_sem *s);
FG_API const fg_stats *fg_sem_stats(const fg_sem *s);

/* ---- condition / notify --------------------------------------------------------- */

typedef struct fg_cond fg_cond;
FG_API fg_cond *fg_cond_new(void);
/* Releases `m` (which this task must hold), waits for a notify, then takes `m`
 * again. 0 when notified; -ETIMEDOUT (with `m` held again); -ECANCELED (without `m`). */
#define fg_cond_wait(c, m, deadline) (fg__here(__FILE__, __LINE__), fg_cond_wait_((c), (m), (deadline)))
FG_API int fg_cond_wait_(fg_cond *c, fg_mutex *m, fg_time deadline);
/* Wakes the longest waiter / every waiter; returns how many were woken. */
FG_API int fg_cond_notify_one(fg_cond *c);
FG_API int fg_cond_notify_all(fg_cond *c);
FG_API int fg_cond_destroy(fg_cond *c);

/* ---- queues ----------------------------------------------------------------------- */

/* An opaque item: fugue never reads `data`. `prio` orders priority queues (lower
 * first); `since` and `ripe` are kept by the sojourn and latency stages. */
typedef struct fg_item {
    void *data;
    size_t size;
    int64_t prio;
    fg_time since;
    fg_time ripe;
} fg_item;

typedef enum fg_overflow {
    FG_REJECT_NEWEST = 0,  /* a full queue refuses the push (-ENOBUFS) */
    FG_EVICT_OLDEST,       /* a full queue evicts the item it would serve last-in-age and hands it back */
} fg_overflow;

typedef struct fg_queue fg_queue;
/* Containers. capacity 0: unbounded. For a priority queue "oldest" means the
 * item it would serve last (the least urgent). */
FG_API fg_queue *fg_queue_fifo(size_t capacity, fg_overflow policy);
FG_API fg_queue *fg_queue_lifo(size_t capacity, fg_overflow policy);
FG_API fg_queue *fg_queue_prio(size_t capacity, fg_overflow policy);
/* Stages wrap a queue. Items ripen `delay` plus fg_rand_range(0, jitter) after
 * the push and leave in the inner queue's order (a ripe item waits behind an unripe head). */
FG_API fg_queue *fg_queue_latency(fg_queue *inner, fg_time delay, fg_time jitter);
/* Drops each push with probability num/den, drawn from the choice stream
 * (choice value 0, the natural one, is "no loss"). */
FG_API fg_queue *fg_queue_loss(fg_queue *inner, uint32_t num, uint32_t den);
/* Records each item's time in the queue into its stats' sojourn histogram. */
FG_API fg_queue *fg_queue_sojourn(fg_queue *inner);

/* 0: queued. 1: queued or lost, and *back holds an item the queue let go (the
 * evicted oldest, or this one when a loss stage dropped it): dispose of it.
 * -ENOBUFS: full (reject policy), nothing taken. */
FG_API int fg_queue_push(fg_queue *q, fg_item item, fg_item *back);
/* 0 and the head item, or -EAGAIN when empty or the head has not ripened. */
FG_API int fg_queue_pop(fg_queue *q, fg_item *out);
FG_API size_t fg_queue_len(const fg_queue *q);
/* When the head ripens: <= fg_now() if it can be popped, FG_FOREVER when empty. */
FG_API fg_time fg_queue_ready_at(const fg_queue *q);
/* This stage's own counters (a container counts pushes, pops, overflows,
 * evictions; a loss stage drops; a sojourn stage pops and sojourn times). */
FG_API const fg_stats *fg_queue_stats(const fg_queue *q);

/* ---- channels -------------------------------------------------------------------------- */

/* Many senders, many receivers, either side may close. Items are (data, size)
 * pairs that fugue never reads; a full channel (reject policy) blocks senders. */
typedef struct fg_chan fg_chan;
/* Over any queue (NULL: an unbounded FIFO), e.g.
 * fg_chan_new(fg_queue_latency(fg_queue_loss(fg_queue_fifo(64, FG_REJECT_NEWEST), 1, 100), FG_MS, 0)). */
FG_API fg_chan *fg_chan_new(fg_queue *q);
/* A FIFO channel of `capacity` items (0: unbounded). */
FG_API fg_chan *fg_chan_bounded(size_t capacity);
/* Declares that one task only will ever send (FG_CHAN_ONE_SENDER) and/or
 * receive (FG_CHAN_ONE_RECEIVER) on `c`. That side then has no contenders, so
 * under POR its operations complete at once instead of waiting for every ready
 * task to have its turn (a stream between two tasks runs at FIFO speed). A
 * second task on a declared side is misuse (-EPERM). */
#define FG_CHAN_ONE_SENDER 1u
#define FG_CHAN_ONE_RECEIVER 2u
FG_API int fg_chan_single(fg_chan *c, unsigned flags);
/* Items the queue lets go (lost or evicted) go to `drop` (by default they are
 * forgotten). It may run inside the scheduler: a blocking call there is -EPERM. */
FG_API void fg_chan_on_drop(fg_chan *c, void (*drop)(void *data, size_t size, void *ud), void *ud);

/* 0 once queued (or lost by a loss stage); -EPIPE (misuse) once closed; -ETIMEDOUT, -ECANCELED. */
#define fg_chan_send(c, data, size, deadline) \
    (fg__here(__FILE__, __LINE__), fg_chan_send_((c), (data), (size), (deadline)))
FG_API int fg_chan_send_(fg_chan *c, void *data, size_t size, fg_time deadline);
FG_API int fg_chan_try_send(fg_chan *c, void *data, size_t size);
/* 0 and an item; -EPIPE once closed and drained; -ETIMEDOUT, -ECANCELED. size may be NULL. */
#define fg_chan_recv(c, data, size, deadline) \
    (fg__here(__FILE__, __LINE__), fg_chan_recv_((c), (data), (size), (deadline)))
FG_API int fg_chan_recv_(fg_chan *c, void **data, size_t *size, fg_time deadline);
FG_API int fg_chan_try_recv(fg_chan *c, void **data, size_t *size);
/* Ends the channel: senders get -EPIPE, receivers drain what is queued, then -EPIPE. */
FG_API int fg_chan_close(fg_chan *c);
FG_API bool fg_chan_closed(const fg_chan *c);
FG_API int fg_chan_destroy(fg_chan *c);
FG_API fg_queue *fg_chan_queue(const fg_chan *c);

/* ---- one-shot value ---------------------------------------------------------------------- */

/* Set once, read by any number of waiters. */
typedef struct fg_oneshot fg_oneshot;
FG_API fg_oneshot *fg_oneshot_new(void);
/* -EALREADY (misuse) if set or closed before. */
FG_API int fg_oneshot_set(fg_oneshot *o, void *data, size_t size);
/* Closing without a value: waiters get -EPIPE. */
FG_API int fg_oneshot_close(fg_oneshot *o);
#define fg_oneshot_wait(o, data, size, deadline) \
    (fg__here(__FILE__, __LINE__), fg_oneshot_wait_((o), (data), (size), (deadline)))
FG_API int fg_oneshot_wait_(fg_oneshot *o, void **data, size_t *size, fg_time deadline);
FG_API int fg_oneshot_try(fg_oneshot *o, void **data, size_t *size);

/* ---- join of a set of tasks -------------------------------------------------------------- */

/* Joins every task in ids[0..n) in order: 0, or the first error fg_join gave. */
#define fg_join_all(ids, n, deadline) (fg__here(__FILE__, __LINE__), fg_join_all_((ids), (n), (deadline)))
FG_API int fg_join_all_(const int *ids, size_t n, fg_time deadline);

#ifdef __cplusplus
}
#endif
#endif
