/* The trace: each step is folded into a hash that identifies the run and
 * kept among the last few for reports (fg__trace_step, inline in the hot
 * path); here, the slow parts: on_step, on_event and printing. */
#include "internal.h"

void fg__trace_hook(struct task *t)
{
    size_t pos = S->src == SRC_BYTES ? S->in_pos : S->src == SRC_RNG ? S->rec_len : S->odo_pos;
    fg_step s = {S->steps, S->wheel.now, t->id,       t->name, S->groups[t->group], t->call, t->file,
                 t->line,  S->choices,   pos};
    fg__hook_enter();
    S->o.on_step(&s, S->o.ud);
    fg__hook_leave();
}

void fg__event(fg_event_kind kind, int task, int from, uint64_t id, const char *name, const char *file, int line)
{
    fg__site_fix(&file, &line);
    fg_event e = {kind, S->steps, S->wheel.now, task, from, id, name, file, line};
    fg__hook_enter();
    S->o.on_event(&e, S->o.ud);
    fg__hook_leave();
}

void fg__fmt_time(char *buf, size_t n, fg_time t)
{
    snprintf(buf, n, "%lld.%06lldms", (long long)(t / FG_MS), (long long)(t % FG_MS));
}

/* "crash db", "partition a | b", "heal every host": for the report and on_event alike */
static void fault_name(char *buf, size_t n, const struct faultrec *f)
{
    snprintf(buf, n, "%s %s%s%s", f->what, f->a < 0 ? "every host" : S->groups[f->a], f->b < 0 ? "" : " | ",
             f->b < 0 ? "" : S->groups[f->b]);
}

static void fault_event(void *arg)
{
    const struct faultrec *f = arg;
    char name[160];
    fault_name(name, sizeof name, f);
    fg__event(FG_EV_FAULT, f->task, -1, 0, name, NULL, 0);
}

void fg__fault(const char *what, int a, int b)
{
    struct faultrec *f = &S->faults[S->nfaults++ % LAST_FAULTS];
    *f = (struct faultrec){S->wheel.now, S->steps, S->cur ? S->cur->id : -1, a, b, what};
    if (S->o.on_event)
        fg__spare_run(fault_event, f);   /* formatting needs more room than a dense stack has */
}

void fg__report_faults(void)
{
    if (!S->nfaults)
        return;
    uint64_t first = S->nfaults > LAST_FAULTS ? S->nfaults - LAST_FAULTS : 0;
    fg__rep("  host faults");
    if (first)
        fg__rep(" (the last %d of %llu)", LAST_FAULTS, (unsigned long long)S->nfaults);
    fg__rep(":\n");
    for (uint64_t i = first; i < S->nfaults; i++) {
        const struct faultrec *f = &S->faults[i % LAST_FAULTS];
        char tb[32], name[160];
        fg__fmt_time(tb, sizeof tb, f->time);
        fault_name(name, sizeof name, f);
        fg__rep("    %s step %llu, by %s: %s\n", tb, (unsigned long long)f->step,
                f->task >= 0 ? S->tasks[f->task]->name : "the sim", name);
    }
}

/* The time of step `i`: that of the last instant begun before it. */
static fg_time step_time(uint64_t i)
{
    for (uint64_t k = S->ninstants; k > 0 && k + LAST_INSTANTS > S->ninstants; k--)
        if (S->instants[(k - 1) % LAST_INSTANTS].step < i)
            return S->instants[(k - 1) % LAST_INSTANTS].time;
    return 0;
}

void fg__report_last_steps(void)
{
    uint64_t first = S->steps > LAST_STEPS ? S->steps - LAST_STEPS + 1 : 1;
    fg__rep("  last steps:\n");
    for (uint64_t i = first; i <= S->steps; i++) {
        struct steprec *r = &S->last[i % LAST_STEPS];
        char tb[32];
        fg__fmt_time(tb, sizeof tb, step_time(i));
        struct task *t = S->tasks[r->task];
        fg__rep("    #%llu %s %s ", (unsigned long long)i, tb, t->name);
        if (r->nspans)
            fg__span_path(t, r->nspans, r->span);
        fg__rep("resumes from %s", r->call);
        const char *file = r->file;
        int line = r->line;
        fg__site_fix(&file, &line);
        if (file)
            fg__rep(" (%s:%d)", file, line);
        fg__rep("\n");
    }
}
