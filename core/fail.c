/* Failures: the report a person can act on, then abort (so fuzzers keep the
 * input) or, when asked, a return to fg_run. Crash signals and stack overflows
 * are caught on an alternate stack so the report can still be written. */
#include "internal.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static bool reported;   /* our own abort() after a report must not report again */

void fg__rep(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = sizeof S->report - S->report_len;
    int n = vsnprintf(S->report + S->report_len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        S->report_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void report(const char *msg)
{
    S->report_len = 0;
    fg__rep("fugue: %s\n", msg);
    struct task *t = S->cur;
    char tb[32];
    fg__fmt_time(tb, sizeof tb, S->wheel.now);
    if (t && t->state == T_RUNNING) {
        fg__rep("  task %s (group %s) ", t->name, S->groups[t->group]);
        if (t->nspans)
            fg__span_path(t, t->nspans, t->spans[t->nspans - 1]);
        fg__rep("at %s, step %llu\n", tb, (unsigned long long)S->steps);
    }
    else if (t)   /* failed in the scheduler: that task is only the last to have run */
        fg__rep("  at %s, step %llu (last ran: %s, group %s)\n", tb, (unsigned long long)S->steps, t->name,
                S->groups[t->group]);
    else
        fg__rep("  at %s, step %llu\n", tb, (unsigned long long)S->steps);
    int shown = 0, blocked = 0;
    for (int i = 0; i < S->ntasks; i++) {
        struct task *b = S->tasks[i];
        if (b->state != T_BLOCKED)
            continue;
        if (!blocked++)
            fg__rep("  blocked tasks:\n");
        if (shown++ < 32) {
            fg__rep("    %s (group %s): ", b->name, S->groups[b->group]);
            if (b->nspans)
                fg__span_path(b, b->nspans, b->spans[b->nspans - 1]);
            fg__rep("%s", b->call);
            const char *file = b->file;
            int line = b->line;
            fg__site_fix(&file, &line);
            if (file)
                fg__rep(" (%s:%d)", file, line);
            fg__rep("\n");
        }
    }
    if (shown > 32)
        fg__rep("    ... and %d more\n", shown - 32);
    fg__report_faults();
    if (S->steps)
        fg__report_last_steps();
}

/* Prints the report, lets the harness save the input, and says what the caller does next. */
static void conclude(fg_outcome kind)
{
    S->outcome = kind;
    S->failed = true;
    bool returns = S->o.return_on_failure && kind != FG_FAIL_CRASH && kind != FG_FAIL_OVERFLOW;
    if (!(returns && S->o.quiet)) {
        fflush(stdout);
        (void)!write(2, S->report, S->report_len);
    }
    if (S->o.on_event)   /* a timeline draws who waits where */
        for (int i = 0; i < S->ntasks; i++)
            if (S->tasks[i]->state == T_BLOCKED)
                fg__event(FG_EV_BLOCKED, i, -1, 0, S->tasks[i]->call, S->tasks[i]->file, S->tasks[i]->line);
    if (S->o.on_failure) {
        fg_result r;
        fg__result(&r);
        fg__hook_enter();
        S->o.on_failure(&r, S->o.ud);
        fg__hook_leave();
    }
}

struct failing { fg_outcome kind; const char *fmt; va_list *ap; };

static void fail_v(void *arg);

void fg__fail(fg_outcome kind, const char *fmt, ...)
{
    if (S->failed)  /* failing while failing (say, in on_failure): no second report */
        abort();
    va_list ap;
    va_start(ap, fmt);
    fg__spare_run(fail_v, &(struct failing){kind, fmt, &ap});
    va_end(ap);
    abort();
}

static void fail_v(void *arg)
{
    const struct failing *f = arg;
    fg_outcome kind = f->kind;
    char msg[1024];
    vsnprintf(msg, sizeof msg, f->fmt, *f->ap);
    report(msg);
    conclude(kind);
    if (S->o.return_on_failure && kind != FG_FAIL_OVERFLOW && kind != FG_FAIL_CRASH && S->cur)
        fg__switch_main();
    reported = true;
    abort();
}

struct user_fail { const char *file; int line; const char *fmt; va_list *ap; };

static void user_fail_v(void *arg)
{
    const struct user_fail *u = arg;
    char msg[768];
    vsnprintf(msg, sizeof msg, u->fmt, *u->ap);
    if (!S->active || !S->cur) {
        fprintf(stderr, "fugue: %s (%s:%d)\n", msg, u->file, u->line);
        abort();
    }
    fg__fail(FG_FAIL_ASSERT, "%s (%s:%d)", msg, u->file, u->line);
}

void fg_fail_(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fg__spare_run(user_fail_v, &(struct user_fail){file, line, fmt, &ap});
    va_end(ap);
    abort();
}

/* ---- signals ---- */

static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define NSIGS (sizeof sigs / sizeof *sigs)
static struct sigaction old[NSIGS];

static void restore(int sig)
{
    for (size_t i = 0; i < NSIGS; i++)
        if (sigs[i] == sig)
            sigaction(sig, &old[i], NULL);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    restore(sig);
    if (reported || !S->active || S->failed) {
        if (sig == SIGABRT)
            raise(sig);
        return;  /* a fault re-executes and meets the previous handler */
    }
    struct task *t = S->cur;
    if ((sig == SIGSEGV || sig == SIGBUS) && t && t->stack && fg__stack_in_guard(t->stack, si->si_addr)) {
        char msg[256];
        snprintf(msg, sizeof msg, "stack overflow: task %s ran past the end of its %zu-byte stack "
                 "(give it .stack_size)", t->name, (size_t)t->stack->size);
        report(msg);
        conclude(FG_FAIL_OVERFLOW);
        reported = true;
        restore(SIGABRT);
        abort();
    }
    struct task *o = sig == SIGSEGV ? fg__copy_owner(si->si_addr) : NULL;
    if (o) {
        char msg[320];
        snprintf(msg, sizeof msg, "task %s used the stack of task %s while it was copied out: a pointer into "
                 "a copied stack (fg_opts.stack_copy) holds only while its task runs (docs/tasks.md)",
                 t ? t->name : "main", o->name);
        report(msg);
        conclude(FG_FAIL_CRASH);
        reported = true;
        restore(SIGABRT);
        abort();
    }
    char msg[128];
    if (sig == SIGABRT)
        snprintf(msg, sizeof msg, "abort() called");
    else
        snprintf(msg, sizeof msg, "crash: signal %d (%s) at address %p", sig, strsignal(sig), si->si_addr);
    report(msg);
    conclude(FG_FAIL_CRASH);
    reported = true;
    if (sig == SIGABRT)
        raise(sig);
}

void fg__signals_install(void)
{
#ifdef __EMSCRIPTEN__
    return;   /* wasm has no signals: a trap ends the program, abort() too */
#endif
    static bool done;
    if (done)
        return;
    done = true;
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    stack_t cur;
    /* keep a sanitizer's or fuzzer's alternate stack if one is set */
    if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE))
        sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGS; i++)
        sigaction(sigs[i], &sa, &old[i]);
}
