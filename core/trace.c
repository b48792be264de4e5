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

void fg__report_last_steps(void)
{
    uint64_t first = S->steps > LAST_STEPS ? S->steps - LAST_STEPS + 1 : 1;
    fg__rep("  last steps:\n");
    for (uint64_t i = first; i <= S->steps; i++) {
        struct steprec *r = &S->last[i % LAST_STEPS];
        char tb[32];
        fg__fmt_time(tb, sizeof tb, r->time);
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
