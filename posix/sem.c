/* Unnamed semaphores: a post wakes every waiter to contend for the count, so
 * which one gets it is the schedule's choice. Named ones fail loudly. */
#include "px.h"

#include <limits.h>
#include <semaphore.h>

struct psem {
    uint32_t stamp;
    uint32_t value;
    struct waitq q;
};
_Static_assert(sizeof(struct psem) <= sizeof(sem_t), "sem_t holds the layer's semaphore");

static struct psem *get(sem_t *s)
{
    struct psem *p = (struct psem *)(void *)s;
    if (px__fresh(&p->stamp)) {
        p->value = 0;
        p->q = (struct waitq){0};
    }
    return p;
}

int sem_init(sem_t *s, int pshared, unsigned value)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_init, sem_t *, int, unsigned);
        return real_sem_init(s, pshared, value);
    }
    if (value > SEM_VALUE_MAX) {
        errno = EINVAL;
        return -1;
    }
    memset(s, 0, sizeof *s);
    get(s)->value = value;
    return 0;
}

int sem_destroy(sem_t *s)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_destroy, sem_t *);
        return real_sem_destroy(s);
    }
    return 0;
}

static int wait(sem_t *s, fg_time deadline, const char *call, void *pc)
{
    px_point(call, pc);
    struct psem *p = get(s);
    while (!p->value) {
        if (deadline <= fg_now() || px__wait(&p->q, deadline, call, pc) == -ETIMEDOUT)
            return -1;   /* the caller says why: EAGAIN (trywait) or ETIMEDOUT */
    }
    p->value--;
    px_race_acquire(p);
    return 0;
}

int sem_wait(sem_t *s)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_wait, sem_t *);
        return real_sem_wait(s);
    }
    return wait(s, FG_FOREVER, "sem_wait", __builtin_return_address(0));
}

int sem_trywait(sem_t *s)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_trywait, sem_t *);
        return real_sem_trywait(s);
    }
    int r = wait(s, fg_now(), "sem_trywait", __builtin_return_address(0));
    if (r)
        errno = EAGAIN;
    return r;
}

int sem_timedwait(sem_t *restrict s, const struct timespec *restrict abs)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_timedwait, sem_t *, const struct timespec *);
        return real_sem_timedwait(s, abs);
    }
    if (px_bad_abstime(abs)) {
        errno = EINVAL;
        return -1;
    }
    fg_time d = px__deadline(abs, CLOCK_REALTIME);
    int r = wait(s, d, "sem_timedwait", __builtin_return_address(0));
    if (r)
        errno = ETIMEDOUT;
    return r;
}

int sem_post(sem_t *s)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_post, sem_t *);
        return real_sem_post(s);
    }
    PX_POINT("sem_post");
    struct psem *p = get(s);
    if (p->value == SEM_VALUE_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    p->value++;
    px_race_release(p);
    px_wake_all(&p->q);
    return 0;
}

int sem_getvalue(sem_t *restrict s, int *restrict v)
{
    if (!px_in_sim()) {
        PX_REAL(int, sem_getvalue, sem_t *, int *);
        return real_sem_getvalue(s, v);
    }
    PX_POINT("sem_getvalue");
    *v = (int)get(s)->value;
    return 0;
}
