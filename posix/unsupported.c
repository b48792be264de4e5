/* What the layer cannot model fails loudly inside a sim, naming the call,
 * instead of running for real; outside a sim libc does it as usual. */
#include "px.h"

#include <signal.h>
#include <semaphore.h>
#include <stdarg.h>
#include <unistd.h>

#define UNSUPPORTED(call, why)                                                                              \
    do {                                                                                                     \
        char site_[512];                                                                                     \
        fg__fail(FG_FAIL_ASSERT, "unsupported call in a fugue sim: %s (%s), by thread %s at %s", call, why, S->cur->name, \
                 px__site_text(__builtin_return_address(0), site_, sizeof site_));                            \
    } while (0)

pid_t fork(void)
{
    if (px_in_sim())
        UNSUPPORTED("fork", "a sim is one process");
    PX_REAL(pid_t, fork, void);
    return real_fork();
}

pid_t vfork(void)
{
    if (px_in_sim())
        UNSUPPORTED("vfork", "a sim is one process");
    PX_REAL(pid_t, fork, void);
    return real_fork();
}

int system(const char *cmd)
{
    if (px_in_sim())
        UNSUPPORTED("system", "a sim is one process");
    PX_REAL(int, system, const char *);
    return real_system(cmd);
}

int pthread_cancel(pthread_t t)
{
    if (px_in_sim())
        UNSUPPORTED("pthread_cancel", "thread cancellation is not modelled");
    PX_REAL(int, pthread_cancel, pthread_t);
    return real_pthread_cancel(t);
}

int pthread_kill(pthread_t t, int sig)
{
    if (px_in_sim()) {
        if (sig == 0)
            return t && t <= (pthread_t)S->ntasks && S->tasks[t - 1]->state != T_DONE ? 0 : ESRCH;
        UNSUPPORTED("pthread_kill", "signals between threads are not modelled");
    }
    PX_REAL(int, pthread_kill, pthread_t, int);
    return real_pthread_kill(t, sig);
}

sem_t *sem_open(const char *name, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    unsigned value = va_arg(ap, unsigned);
    va_end(ap);
    if (px_in_sim())
        UNSUPPORTED("sem_open", "named semaphores live outside the process");
    PX_REAL(sem_t *, sem_open, const char *, int, ...);
    return real_sem_open(name, flags, mode, value);
}

int pthread_setcancelstate(int state, int *old)
{
    if (px_in_sim()) {
        if (old)
            *old = PTHREAD_CANCEL_ENABLE;
        (void)state;
        return 0;
    }
    PX_REAL(int, pthread_setcancelstate, int, int *);
    return real_pthread_setcancelstate(state, old);
}
