/* The scheduling point every pthread call and shared access goes through,
 * blocking for the layer, sched_yield, and the real libc behind each name. */
#include "px.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdlib.h>

__thread bool px__on_sim __attribute__((tls_model("initial-exec")));
uint32_t px__epoch;

void *px__real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "fugue: pthread layer: libc has no %s\n", name);
        abort();
    }
    return f;
}

void px__die(void)
{
    struct px_thread *th = px__thread(S->cur->id);
    if (th)
        th->ret = NULL;
    fg__task_exit();
}

struct task *px__streak_task;
uint32_t px__streak;
#define streak_task px__streak_task
#define streak px__streak

void px__point(const char *call, void *pc)
{
    struct task *t = S->cur;
    if (FG_UNLIKELY(t->cancelled))
        px__die();
    if (t != streak_task) {
        streak_task = t;
        streak = 0;
    }
    if (FG_UNLIKELY(++streak >= PX_STREAK)) {
        /* no choice: round-robin if someone is ready, else spinning takes a microsecond */
        streak = 0;
        fg__line = px__site(pc, &fg__file);
        fg__prio_yield();   /* under PCT/POS a spinner goes below the thread it waits for */
        if ((S->rq_len ? fg_yield_() : fg_sleep_(FG_US)) == -ECANCELED || t->cancelled)
            px__die();
        return;
    }
    if (S->rq_len) {
        const char *file;
        int line = px__site(pc, &file);
        fg__preempt(call, file, line);
        if (FG_UNLIKELY(t->cancelled))
            px__die();
    }
}

void px__sched_reset(void)
{
    streak_task = NULL;
    streak = 0;
}

int px__wait(struct waitq *q, fg_time deadline, const char *call, void *pc)
{
    fg__line = px__site(pc, &fg__file);
    int r = fg__wait(q, deadline, call);
    if (r == -ECANCELED || S->cur->cancelled)
        px__die();
    return r;
}

void px__yield(void *pc)
{
    fg__line = px__site(pc, &fg__file);
    fg__prio_yield();
    if (fg_yield_() == -ECANCELED || S->cur->cancelled)
        px__die();
}

int sched_yield(void)
{
    if (!px_in_sim()) {
        PX_REAL(int, sched_yield, void);
        return real_sched_yield();
    }
    /* a choice like any call; if it kept running, it goes behind the others as POSIX says */
    uint64_t before = S->steps;
    PX_POINT("sched_yield");
    if (S->steps == before && S->rq_len) {
        px__yield(__builtin_return_address(0));
    }
    return 0;
}
