/* Threads: pthread_create/join/detach/exit/self/equal over fugue tasks. A
 * thread starts at a later scheduling point, in creation order; pthread_t is
 * the task id plus one, so 0 is never a thread. */
#include "px.h"

#include <stdlib.h>

static struct px_thread *threads;
static int nthreads, threads_cap;
static int live;               /* threads other than main still running */
static struct waitq all_done;  /* main's pthread_exit waits here for the others */

struct px_thread *px__thread(int id)
{
    if (id < 0)
        return NULL;
    if (id >= threads_cap) {
        int cap = threads_cap ? threads_cap * 2 : 64;
        while (cap <= id)
            cap *= 2;
        struct px_thread *v = realloc(threads, (size_t)cap * sizeof *v);
        if (!v)
            fg__fail(FG_FAIL_CRASH, "out of memory in the pthread layer's thread table");
        memset(v + threads_cap, 0, (size_t)(cap - threads_cap) * sizeof *v);
        threads = v;
        threads_cap = cap;
    }
    if (id >= nthreads)
        nthreads = id + 1;
    return &threads[id];
}

void px__threads_reset(void)
{
    if (threads)
        memset(threads, 0, (size_t)nthreads * sizeof *threads);
    nthreads = 0;
    live = 0;
    all_done = (struct waitq){0};
}

static void ended(struct px_thread *th)
{
    px__keys_exit(th);
    if (--live == 0)
        px_wake_all(&all_done);
}

static void start(void *arg)
{
    (void)arg;
    if (S->cur->cancelled)
        return;   /* main ended before this thread first ran: it never runs */
    int id = S->cur->id;
    struct px_thread *th = px__thread(id);
    void *ret = th->fn(th->arg);
    /* the table may have moved meanwhile (threads created): look it up again */
    th = px__thread(id);
    th->ret = ret;
    ended(th);
}

int pthread_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_create, pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
        return real_pthread_create(tid, attr, fn, arg);
    }
    PX_POINT("pthread_create");
    size_t stack = PX_STACK_DEFAULT;
    int detach = PTHREAD_CREATE_JOINABLE;
    if (attr) {
        pthread_attr_getstacksize(attr, &stack);
        pthread_attr_getdetachstate(attr, &detach);
        if (stack > FG_STACK_MAX)
            return EINVAL;
    }
    char name[32];
    snprintf(name, sizeof name, "thread_%d", S->ntasks);
    int id = fg__spawn(start, NULL, name, S->cur->group, false, stack);
    if (id < 0)
        return id == -ENOMEM ? EAGAIN : -id;
    struct px_thread *th = px__thread(id);
    *th = (struct px_thread){.fn = fn, .arg = arg, .detached = detach == PTHREAD_CREATE_DETACHED, .used = true};
    live++;
    if (px__races)
        px__race_create_(id);
    *tid = (pthread_t)id + 1;
    return 0;
}

static struct task *task_of(pthread_t t)
{
    if (t == 0 || t > (pthread_t)S->ntasks)
        return NULL;
    return S->tasks[t - 1];
}

int pthread_join(pthread_t t, void **ret)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_join, pthread_t, void **);
        return real_pthread_join(t, ret);
    }
    PX_POINT("pthread_join");
    struct task *tk = task_of(t);
    if (!tk)
        return ESRCH;
    if (tk == S->cur)
        return EDEADLK;
    struct px_thread *th = px__thread(tk->id);
    if (th->detached || tk->join_claimed)
        return EINVAL;
    tk->join_claimed = true;
    if (tk->state != T_DONE)
        px__wait(&tk->joiners, FG_FOREVER, "pthread_join", __builtin_return_address(0));
    if (px__races)
        px__race_join_(tk->id);
    if (ret)
        *ret = px__thread(tk->id)->ret;
    return 0;
}

int pthread_tryjoin_np(pthread_t t, void **ret)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_tryjoin_np, pthread_t, void **);
        return real_pthread_tryjoin_np(t, ret);
    }
    PX_POINT("pthread_tryjoin_np");
    struct task *tk = task_of(t);
    if (!tk)
        return ESRCH;
    if (tk->state != T_DONE)
        return EBUSY;
    return pthread_join(t, ret);
}

int pthread_detach(pthread_t t)
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_detach, pthread_t);
        return real_pthread_detach(t);
    }
    PX_POINT("pthread_detach");
    struct task *tk = task_of(t);
    if (!tk)
        return ESRCH;
    struct px_thread *th = px__thread(tk->id);
    if (th->detached || tk->join_claimed)
        return EINVAL;
    th->detached = true;
    return 0;
}

void pthread_exit(void *ret)
{
    if (!px_in_sim()) {
        PX_REAL(void, pthread_exit, void *);
        real_pthread_exit(ret);
        abort();
    }
    PX_POINT("pthread_exit");
    struct task *t = S->cur;
    if (t->id == 0) {
        /* main leaving by pthread_exit: the process lives until the last thread ends */
        while (live > 0)
            px__wait(&all_done, FG_FOREVER, "pthread_exit", __builtin_return_address(0));
        px__exit_sim(0);
    }
    struct px_thread *th = px__thread(t->id);
    th->ret = ret;
    ended(th);
    fg__task_exit();
}

pthread_t pthread_self(void)
{
    if (!px_in_sim()) {
        PX_REAL(pthread_t, pthread_self, void);
        return real_pthread_self();
    }
    return (pthread_t)S->cur->id + 1;
}

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}
