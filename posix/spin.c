/* Spinlocks: the int holds the owner's task id plus one. A contender yields
 * until it is free (the holder must run for that), so spinning on a lock
 * whose holder is blocked ends as fugue's livelock report. */
#include "px.h"

int pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
    (void)pshared;
    *l = 0;
    return 0;
}

int pthread_spin_destroy(pthread_spinlock_t *l)
{
    (void)l;
    return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
    if (!px_in_sim())
        return __atomic_exchange_n((int *)l, 1, __ATOMIC_ACQUIRE) ? EBUSY : 0;
    PX_POINT("pthread_spin_trylock");
    if (*l)
        return EBUSY;
    *l = S->cur->id + 1;
    px_race_acquire((const void *)(uintptr_t)l);
    return 0;
}

int pthread_spin_lock(pthread_spinlock_t *l)
{
    if (!px_in_sim()) {
        while (__atomic_exchange_n((int *)l, 1, __ATOMIC_ACQUIRE))
            ;
        return 0;
    }
    PX_POINT("pthread_spin_lock");
    if (*l == S->cur->id + 1)
        return EDEADLK;
    while (*l) {
        px__yield(__builtin_return_address(0));
    }
    *l = S->cur->id + 1;
    px_race_acquire((const void *)(uintptr_t)l);
    return 0;
}

int pthread_spin_unlock(pthread_spinlock_t *l)
{
    if (!px_in_sim()) {
        __atomic_store_n((int *)l, 0, __ATOMIC_RELEASE);
        return 0;
    }
    PX_POINT("pthread_spin_unlock");
    px_race_release((const void *)(uintptr_t)l);
    *l = 0;
    return 0;
}
