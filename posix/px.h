/* Internal interfaces of the pthread layer: which OS thread runs the sim, the
 * per-thread table, the scheduling point every call starts with, and the real
 * libc functions used outside a sim. core/ knows nothing of this layer. */
#ifndef FUGUE_PX_H
#define FUGUE_PX_H

#include "internal.h"

#include <pthread.h>

/* The OS thread the sim runs on; other OS threads (libFuzzer's, Criterion's) get libc. */
extern __thread bool px__on_sim __attribute__((tls_model("initial-exec")));
/* Bumped per sim: a sync object whose stamp differs is fresh (statics, reused memory). */
extern uint32_t px__epoch;

static inline bool px_in_sim(void)
{
    return px__on_sim && S->active && S->cur;
}

/* The real function behind an interposed name, found once with dlsym(RTLD_NEXT). */
void *px__real(const char *name);
#define PX_REAL(ret, name, ...)                                                \
    static ret (*real_##name)(__VA_ARGS__);                                    \
    if (!real_##name)                                                          \
        real_##name = (ret(*)(__VA_ARGS__))px__real(#name)

/* A visible operation of the program: a choice whether another thread runs first.
 * The caller's return address names the site. */
void px__point(const char *call, void *pc);
/* Points a thread may pass without switching before it must let others run:
 * a spin loop on shared memory would otherwise never end on the natural schedule. */
#define PX_STREAK 1000
extern struct task *px__streak_task;
extern uint32_t px__streak;
/* px__point's common case inline: nobody else ready, nothing to decide */
static inline void px_point(const char *call, void *pc)
{
    struct task *t = S->cur;
    if (FG_LIKELY(t == px__streak_task && px__streak < PX_STREAK - 1 && !S->rq_len && !t->cancelled)) {
        px__streak++;
        return;
    }
    px__point(call, pc);
}
#define PX_POINT(call) px_point(call, __builtin_return_address(0))
/* Names the program site at return address pc ("prog+0x11a3"); returns the line (0: unknown). */
int px__site(void *pc, const char **file);
/* The site at pc as "a.c:12" (symbolized now: for messages of a failing sim only). */
const char *px__site_text(void *pc, char *buf, size_t n);
/* Fails the sim for a misuse POSIX leaves undefined, naming the thread, the call and its site. */
FG_NORETURN void px__misuse(const char *call, void *pc, const char *what);
/* Blocks in q as fg__wait; a thread of a sim that is ending never returns. */
int px__wait(struct waitq *q, fg_time deadline, const char *call, void *pc);
/* Wakes every waiter of q to contend again (who wins is the schedule's). */
static inline void px_wake_all(struct waitq *q)
{
    while (q->head)   /* tested here: an unlock with no waiter makes no call */
        fg__wake_first(q, 0);
}
/* Lets the others run (round robin, no choice) while the caller waits for them, at site pc. */
void px__yield(void *pc);
/* Ends the calling thread now (a cancelled thread at its next call). */
FG_NORETURN void px__die(void);

/* Threads: one per fugue task, by task id. */
struct px_thread {
    void *(*fn)(void *);
    void *arg;
    void *ret;
    bool detached, used;
    void **keys;            /* pthread_key values, by key */
    uint32_t nkeys;
    struct px_tls *tls;     /* its thread-local variables (tls.c), sim memory */
    uint32_t ntls, tls_cap;
};
struct px_thread *px__thread(int id);
/* The layer's per-sim state starts over (called by the root task before main). */
void px__threads_reset(void);
void px__keys_exit(struct px_thread *th);
/* Ends the sim as the program ending with `status` (main's return, exit()). */
FG_NORETURN void px__exit_sim(int status);
/* The stack a thread gets by default, like glibc's (RLIMIT_STACK-sized). */
#define PX_STACK_DEFAULT ((size_t)8 << 20)

/* Sim time as a timespec, and back into an absolute deadline. */
fg_time px__deadline(const struct timespec *abs, clockid_t clock);
/* An absolute timeout the timed calls refuse with EINVAL (POSIX: nanoseconds out of range). */
static inline bool px_bad_abstime(const struct timespec *abs)
{
    return abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000;
}
/* The spin guard starts over (sched.c). */
void px__sched_reset(void);
/* Shared-memory bookkeeping starts over (tsan.c). */
void px__shadow_reset(void);
/* The program's own globals go back to how they were before the first run (data.c). */
void px__data_reset(void);

/* --races (race.c): happens-before as vector clocks, checked at every instrumented access */
extern bool px__races;
void px__race_reset(void);
void px__race_acquire_(const void *obj);
void px__race_release_(const void *obj);
void px__race_create_(int child);
void px__race_join_(int child);
void px__race_access_(const void *addr, void *pc, bool write);
/* A block of n bytes at p is freed: its history goes (free.c). */
void px__race_free_(void *p, size_t n);
/* The calling thread acquires what earlier releases of obj (a sync object's address) published. */
static inline void px_race_acquire(const void *obj)
{
    if (FG_UNLIKELY(px__races))
        px__race_acquire_(obj);
}
/* The calling thread publishes its past through obj. */
static inline void px_race_release(const void *obj)
{
    if (FG_UNLIKELY(px__races))
        px__race_release_(obj);
}

/* Marks a sync object's stamp: true when it was fresh and must be initialised. */
static inline bool px__fresh(uint32_t *stamp)
{
    if (*stamp == px__epoch)
        return false;
    *stamp = px__epoch;
    return true;
}

#endif
