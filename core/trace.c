/* The trace: every step folded into a hash that identifies the run, the last
 * few kept for failure reports, and each one shown to on_step if asked. */
#include "internal.h"

void fg__trace_step(struct task *t)
{
    fg_time now = S->wheel.now;
    S->hash = fg__mix(S->hash, ((uint64_t)(uint32_t)t->id << 32) ^ (uint64_t)now);
    struct steprec *r = &S->last[S->steps % LAST_STEPS];
    r->index = S->steps;
    r->time = now;
    r->task = t->id;
    r->call = t->call;
    r->file = t->file;
    r->line = t->line;
    if (FG_UNLIKELY(S->o.on_step != NULL)) {
        fg_step s = {S->steps, now, t->id, t->name, S->groups[t->group], t->call, t->file, t->line};
        S->o.on_step(&s, S->o.ud);
    }
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
        fg__rep("    #%llu %s %s resumes from %s", (unsigned long long)r->index, tb, t->name, r->call);
        if (r->file)
            fg__rep(" (%s:%d)", r->file, r->line);
        fg__rep("\n");
    }
}
