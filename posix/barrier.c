/* Barriers: the last thread to arrive releases the others and returns
 * PTHREAD_BARRIER_SERIAL_THREAD; a generation count makes them reusable. */
#include "px.h"

struct pbarrier {
    uint32_t stamp;
    uint32_t count, arrived, generation;
    struct waitq q;
};
_Static_assert(sizeof(struct pbarrier) <= sizeof(pthread_barrier_t), "pthread_barrier_t holds the layer's barrier");

int pthread_barrier_init(pthread_barrier_t *pb, const pthread_barrierattr_t *a, unsigned count)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_barrier_init, pthread_barrier_t *, const pthread_barrierattr_t *, unsigned);
        return real_pthread_barrier_init(pb, a, count);
    }
    if (!count)
        return EINVAL;
    struct pbarrier *b = (struct pbarrier *)(void *)pb;
    memset(pb, 0, sizeof *pb);
    px__fresh(&b->stamp);
    b->count = count;
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *pb)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_barrier_destroy, pthread_barrier_t *);
        return real_pthread_barrier_destroy(pb);
    }
    return ((struct pbarrier *)(void *)pb)->arrived ? EBUSY : 0;
}

int pthread_barrier_wait(pthread_barrier_t *pb)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_barrier_wait, pthread_barrier_t *);
        return real_pthread_barrier_wait(pb);
    }
    PX_POINT("pthread_barrier_wait");
    struct pbarrier *b = (struct pbarrier *)(void *)pb;
    if (b->stamp != px__epoch)
        fg_fail("pthread_barrier_wait: thread %s waits at a barrier that was never initialised", S->cur->name);
    px_race_release(b);   /* everyone's past before the barrier, every thread's after it */
    if (++b->arrived == b->count) {
        b->arrived = 0;
        b->generation++;
        px_wake_all(&b->q);
        px_race_acquire(b);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    uint32_t gen = b->generation;
    while (gen == b->generation)
        px__wait(&b->q, FG_FOREVER, "pthread_barrier_wait", __builtin_return_address(0));
    px_race_acquire(b);
    return 0;
}
