/* Read-write locks, glibc's default kind: readers share and may enter while a
 * writer waits; an unlock wakes every waiter to contend again. */
#include "px.h"

struct prw {
    uint32_t stamp;
    uint32_t readers;
    int32_t writer;         /* task id, -1: none */
    uint32_t pad;
    struct waitq q;
};
_Static_assert(sizeof(struct prw) <= sizeof(pthread_rwlock_t), "pthread_rwlock_t holds the layer's rwlock");

static struct prw *get(pthread_rwlock_t *l)
{
    struct prw *p = (struct prw *)(void *)l;
    if (px__fresh(&p->stamp)) {
        p->readers = 0;
        p->writer = -1;
        p->q = (struct waitq){0};
    }
    return p;
}

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_rwlock_init, pthread_rwlock_t *, const pthread_rwlockattr_t *);
        return real_pthread_rwlock_init(l, a);
    }
    memset(l, 0, sizeof *l);
    get(l);
    return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_rwlock_destroy, pthread_rwlock_t *);
        return real_pthread_rwlock_destroy(l);
    }
    struct prw *p = get(l);
    return p->readers || p->writer >= 0 ? EBUSY : 0;
}

/* try: fail at once with EBUSY instead of waiting until the deadline (then ETIMEDOUT). */
static int lock(pthread_rwlock_t *l, bool write, bool try, fg_time deadline, const char *call, void *pc)
{
    px_point(call, pc);
    struct prw *p = get(l);
    int self = S->cur->id;
    if (p->writer == self)
        return EDEADLK;
    while (p->writer >= 0 || (write && p->readers)) {
        if (try)
            return EBUSY;
        if (deadline <= fg_now() || px__wait(&p->q, deadline, call, pc) == -ETIMEDOUT)
            return ETIMEDOUT;
    }
    if (write)
        p->writer = self;
    else
        p->readers++;
    px_race_acquire(p);
    return 0;
}

#define RW(name, write, try)                                                   \
    int name(pthread_rwlock_t *l)                                                   \
    {                                                                               \
        if (!px_in_sim()) {                                                         \
            PX_REAL(int, name, pthread_rwlock_t *);                                 \
            return real_##name(l);                                                  \
        }                                                                           \
        return lock(l, write, try, FG_FOREVER, #name, __builtin_return_address(0));  \
    }
RW(pthread_rwlock_rdlock, false, false)
RW(pthread_rwlock_wrlock, true, false)
RW(pthread_rwlock_tryrdlock, false, true)
RW(pthread_rwlock_trywrlock, true, true)

int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict l, const struct timespec *restrict abs)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_rwlock_timedrdlock, pthread_rwlock_t *, const struct timespec *);
        return real_pthread_rwlock_timedrdlock(l, abs);
    }
    if (px_bad_abstime(abs))
        return EINVAL;
    return lock(l, false, false, px__deadline(abs, CLOCK_REALTIME), "pthread_rwlock_timedrdlock", __builtin_return_address(0));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict l, const struct timespec *restrict abs)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_rwlock_timedwrlock, pthread_rwlock_t *, const struct timespec *);
        return real_pthread_rwlock_timedwrlock(l, abs);
    }
    if (px_bad_abstime(abs))
        return EINVAL;
    return lock(l, true, false, px__deadline(abs, CLOCK_REALTIME), "pthread_rwlock_timedwrlock", __builtin_return_address(0));
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_rwlock_unlock, pthread_rwlock_t *);
        return real_pthread_rwlock_unlock(l);
    }
    PX_POINT("pthread_rwlock_unlock");
    struct prw *p = get(l);
    if (p->writer == S->cur->id)
        p->writer = -1;
    else if (p->readers)
        p->readers--;
    else   /* POSIX: undefined when the caller holds no lock */
        px__misuse("pthread_rwlock_unlock", __builtin_return_address(0), "of a rwlock nobody holds");
    px_race_release(p);
    px_wake_all(&p->q);
    return 0;
}
