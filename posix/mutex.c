/* Mutexes with pthread's semantics, not fugue's fair ones: an unlock frees the
 * mutex and wakes every waiter to contend again, so whoever runs next takes it
 * (barging), the unlocking thread included. Normal, recursive, errorcheck. */
#include "px.h"

/* Laid over pthread_mutex_t, keeping glibc's __kind where its static initialisers put it. */
struct pmutex {
    uint32_t stamp;
    int32_t owner;          /* task id, -1: free */
    uint32_t count;         /* recursive depth */
    uint32_t pad;
    int32_t kind;           /* PTHREAD_MUTEX_{NORMAL,RECURSIVE,ERRORCHECK,ADAPTIVE_NP} */
    uint32_t pad2;
    struct waitq q;
};
_Static_assert(sizeof(struct pmutex) <= sizeof(pthread_mutex_t), "pthread_mutex_t holds the layer's mutex");
_Static_assert(offsetof(struct pmutex, kind) == 16, "glibc keeps the kind at offset 16");

static struct pmutex *get(pthread_mutex_t *pm)
{
    struct pmutex *m = (struct pmutex *)(void *)pm;
    if (px__fresh(&m->stamp)) {
        m->owner = -1;
        m->count = 0;
        m->q = (struct waitq){0};
    }
    return m;
}

int pthread_mutex_init(pthread_mutex_t *pm, const pthread_mutexattr_t *a)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_mutex_init, pthread_mutex_t *, const pthread_mutexattr_t *);
        return real_pthread_mutex_init(pm, a);
    }
    int kind = PTHREAD_MUTEX_NORMAL;
    if (a)
        pthread_mutexattr_gettype(a, &kind);
    memset(pm, 0, sizeof *pm);
    struct pmutex *m = get(pm);
    m->kind = kind;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *pm)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_mutex_destroy, pthread_mutex_t *);
        return real_pthread_mutex_destroy(pm);
    }
    struct pmutex *m = get(pm);
    /* POSIX: destroying a locked mutex is undefined; glibc says EBUSY and the program goes on wrong */
    if (m->owner >= 0 || m->q.head)
        px__misuse("pthread_mutex_destroy", __builtin_return_address(0),
                   m->owner >= 0 ? "of a locked mutex" : "of a mutex threads wait for");
    return 0;
}

/* Takes the mutex if free: 0, or EBUSY / EDEADLK / EAGAIN as the kind says. */
static int try(struct pmutex *m, int self)
{
    if (m->owner < 0) {
        m->owner = self;
        m->count = 1;
        px_race_acquire(m);
        return 0;
    }
    if (m->owner != self)
        return EBUSY;
    if (m->kind == PTHREAD_MUTEX_RECURSIVE)
        return m->count == UINT32_MAX ? EAGAIN : (m->count++, 0);
    if (m->kind == PTHREAD_MUTEX_ERRORCHECK)
        return EDEADLK;
    return EBUSY;   /* normal: relocking blocks forever, a deadlock the sim reports */
}

static int lock(pthread_mutex_t *pm, fg_time deadline, const char *call, void *pc)
{
    px_point(call, pc);
    struct pmutex *m = get(pm);
    int self = S->cur->id;
    for (;;) {
        int r = try(m, self);
        if (r != EBUSY)
            return r;
        if (px__wait(&m->q, deadline, call, pc) == -ETIMEDOUT)
            return ETIMEDOUT;
    }
}

int pthread_mutex_lock(pthread_mutex_t *pm)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_mutex_lock, pthread_mutex_t *);
        return real_pthread_mutex_lock(pm);
    }
    return lock(pm, FG_FOREVER, "pthread_mutex_lock", __builtin_return_address(0));
}

int pthread_mutex_timedlock(pthread_mutex_t *pm, const struct timespec *abs)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_mutex_timedlock, pthread_mutex_t *, const struct timespec *);
        return real_pthread_mutex_timedlock(pm, abs);
    }
    if (px_bad_abstime(abs))
        return EINVAL;
    return lock(pm, px__deadline(abs, CLOCK_REALTIME), "pthread_mutex_timedlock", __builtin_return_address(0));
}

int pthread_mutex_trylock(pthread_mutex_t *pm)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_mutex_trylock, pthread_mutex_t *);
        return real_pthread_mutex_trylock(pm);
    }
    PX_POINT("pthread_mutex_trylock");
    struct pmutex *m = get(pm);
    int r = try(m, S->cur->id);
    return r == EDEADLK ? EBUSY : r;
}

static int unlock(struct pmutex *m, void *pc);

int pthread_mutex_unlock(pthread_mutex_t *pm)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_mutex_unlock, pthread_mutex_t *);
        return real_pthread_mutex_unlock(pm);
    }
    PX_POINT("pthread_mutex_unlock");
    return unlock(get(pm), __builtin_return_address(0));
}

/* Errorcheck and recursive mutexes say EPERM, as POSIX says; for the others it is undefined: a failure. */
static bool not_owner_is_ub(const struct pmutex *m)
{
    return m->kind != PTHREAD_MUTEX_ERRORCHECK && m->kind != PTHREAD_MUTEX_RECURSIVE;
}

static int unlock(struct pmutex *m, void *pc)
{
    if (m->owner != S->cur->id) {
        if (not_owner_is_ub(m))
            px__misuse("pthread_mutex_unlock", pc,
                       m->owner < 0 ? "of a mutex nobody holds" : "of a mutex another thread holds");
        return EPERM;
    }
    if (--m->count)
        return 0;
    m->owner = -1;
    px_race_release(m);
    /* every waiter contends again; the schedule decides who gets there first */
    px_wake_all(&m->q);
    return 0;
}

/* For pthread_cond_wait: releases fully (whatever the depth) and says how deep it was. */
uint32_t px__mutex_release(pthread_mutex_t *pm)
{
    struct pmutex *m = get(pm);
    uint32_t depth = m->count;
    m->count = 1;
    m->owner = S->cur->id;
    unlock(m, NULL);
    return depth;
}

/* For pthread_cond_wait: 0 when the caller holds pm; EPERM (errorcheck, recursive) or a failure when not. */
int px__mutex_check_held(pthread_mutex_t *pm, const char *call, void *pc)
{
    struct pmutex *m = get(pm);
    if (m->owner == S->cur->id)
        return 0;
    if (not_owner_is_ub(m))
        px__misuse(call, pc, m->owner < 0 ? "with a mutex nobody holds" : "with a mutex another thread holds");
    return EPERM;
}

void px__mutex_reacquire(pthread_mutex_t *pm, uint32_t depth, void *pc)
{
    lock(pm, FG_FOREVER, "pthread_cond_wait", pc);
    get(pm)->count = depth;
}
