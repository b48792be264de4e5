/* Condition variables: wait releases the mutex and blocks as one step (no
 * wakeup is lost between them); signal wakes one waiter, which one a choice;
 * broadcast wakes all, and the order they take the mutex back is the
 * schedule's. timedwait's deadline is in sim time on the cond's clock. */
#include "px.h"

#include <stdlib.h>

uint32_t px__mutex_release(pthread_mutex_t *pm);
int px__mutex_check_held(pthread_mutex_t *pm, const char *call, void *pc);
void px__mutex_reacquire(pthread_mutex_t *pm, uint32_t depth, void *pc);

struct pcond {
    uint32_t stamp;
    int32_t clock;          /* 0: CLOCK_REALTIME (glibc's default) */
    uint32_t nwait;
    uint32_t pad;
    struct waitq q;
};
_Static_assert(sizeof(struct pcond) <= sizeof(pthread_cond_t), "pthread_cond_t holds the layer's cond");

static struct pcond *get(pthread_cond_t *pc)
{
    struct pcond *c = (struct pcond *)(void *)pc;
    if (px__fresh(&c->stamp)) {
        c->nwait = 0;
        c->q = (struct waitq){0};
    }
    return c;
}

int pthread_cond_init(pthread_cond_t *pc, const pthread_condattr_t *a)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_cond_init, pthread_cond_t *, const pthread_condattr_t *);
        return real_pthread_cond_init(pc, a);
    }
    clockid_t clock = CLOCK_REALTIME;
    if (a)
        pthread_condattr_getclock(a, &clock);
    memset(pc, 0, sizeof *pc);
    get(pc)->clock = (int32_t)clock;
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *pc)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_cond_destroy, pthread_cond_t *);
        return real_pthread_cond_destroy(pc);
    }
    /* POSIX: destroying a cond threads wait on is undefined */
    if (get(pc)->q.head)
        px__misuse("pthread_cond_destroy", __builtin_return_address(0), "of a condition variable threads wait on");
    return 0;
}

/* FUGUE_SPURIOUS=1: every wait may also return without a signal, a choice of its own
 * (off by default: it adds a question to every wait, so inputs would read differently). */
static bool spurious(void)
{
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("FUGUE_SPURIOUS");
        on = v && *v && strcmp(v, "0");
    }
    return on;
}

static int wait(pthread_cond_t *pc, pthread_mutex_t *pm, fg_time deadline, const char *call, void *site)
{
    px_point(call, site);
    struct pcond *c = get(pc);
    int held = px__mutex_check_held(pm, call, site);
    if (held)
        return held;
    uint32_t depth = px__mutex_release(pm);
    int r = 0;
    if (spurious() && fg_choose(2)) {
        px_point(call, site);   /* woken at once: others may run before it takes the mutex back */
    } else {
        c->nwait++;
        r = px__wait(&c->q, deadline, call, site);
        if (r == -ETIMEDOUT)
            c->nwait--;
        else
            px_race_acquire(c);   /* the signal happens before the wakeup */
    }
    px__mutex_reacquire(pm, depth, site);
    return r == -ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *pc, pthread_mutex_t *pm)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_cond_wait, pthread_cond_t *, pthread_mutex_t *);
        return real_pthread_cond_wait(pc, pm);
    }
    return wait(pc, pm, FG_FOREVER, "pthread_cond_wait", __builtin_return_address(0));
}

int pthread_cond_timedwait(pthread_cond_t *pc, pthread_mutex_t *pm, const struct timespec *abs)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_cond_timedwait, pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
        return real_pthread_cond_timedwait(pc, pm, abs);
    }
    if (px_bad_abstime(abs))
        return EINVAL;
    struct pcond *c = get(pc);
    return wait(pc, pm, px__deadline(abs, (clockid_t)c->clock), "pthread_cond_timedwait",
                __builtin_return_address(0));
}

int pthread_cond_signal(pthread_cond_t *pc)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_cond_signal, pthread_cond_t *);
        return real_pthread_cond_signal(pc);
    }
    PX_POINT("pthread_cond_signal");
    struct pcond *c = get(pc);
    if (!c->q.head)
        return 0;
    struct task *t = c->q.head;
    if (c->nwait > 1)
        for (uint64_t k = fg_choose(c->nwait); k > 0 && t->wq_next; k--)
            t = t->wq_next;
    c->nwait--;
    px_race_release(c);
    fg__wake(t, 0);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *pc)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_cond_broadcast, pthread_cond_t *);
        return real_pthread_cond_broadcast(pc);
    }
    PX_POINT("pthread_cond_broadcast");
    struct pcond *c = get(pc);
    if (c->q.head)
        px_race_release(c);
    px_wake_all(&c->q);
    c->nwait = 0;
    return 0;
}
