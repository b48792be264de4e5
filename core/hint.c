/* What a run offers whoever guides it (opts.on_feature): hand-offs between
 * tasks on fugue objects, and the user's hints fg_cover and fg_sometimes.
 * Features are hashes of stable things (lines, task ids, values), never of
 * addresses, so the same schedule gives the same features in every run. */
#include "internal.h"

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/* A blocked task is woken by the running one: a hand-off on the object it waited
 * on (mutex owner to next owner, sender to receiver, signal to waiter). */
void fg__handoff(struct task *t)
{
    struct task *by = S->cur;
    /* for a timeline: the running task, or the one a scheduler's wake acts for (fg__waker) */
    struct task *from = S->waker ? S->waker : by && by->state == T_RUNNING ? by : NULL;
    if (S->o.on_event && from && from != t)
        fg__event(FG_EV_WAKE, t->id, from->id, 0, t->call, t->file, t->line);
    if (!by || by == t || !S->o.on_feature)
        return;
    uint64_t sites = fg__mix(fg__mix(fg__mix(1, (uint64_t)by->line), (uint64_t)t->line), str_hash(t->call));
    S->o.on_feature(sites, S->o.ud);
    S->o.on_feature(fg__mix(fg__mix(sites, (uint64_t)by->id), (uint64_t)t->id), S->o.ud);
}

/* AFL's hit-count buckets: 0, 1, 2, 3, 4-7, 8-15, ... */
static uint64_t bucket(uint64_t v)
{
    return v < 4 ? v : 66 - (uint64_t)__builtin_clzll(v);
}

void fg_cover_(uint64_t id, uint64_t value)
{
    if (S->active && S->o.on_feature)
        S->o.on_feature(fg__mix(fg__mix(2, id), bucket(value)), S->o.ud);
}

/* ---- fg_sometimes: properties some run should make true ---- */

#define SOMETIMES 256
struct prop { const char *msg, *file; int line; uint64_t reached, held; };
static struct prop props[SOMETIMES];
static size_t nprops;

bool fg_sometimes_(bool cond, const char *msg, const char *file, int line)
{
    size_t i = 0;
    while (i < nprops && !(props[i].line == line && props[i].file == file && props[i].msg == msg))
        i++;
    if (i == nprops && nprops < SOMETIMES)
        props[nprops++] = (struct prop){msg, file, line, 0, 0};
    if (i < nprops) {
        props[i].reached++;
        props[i].held += cond;
    }
    if (cond && S->active && S->o.on_feature)
        S->o.on_feature(fg__mix(fg__mix(fg__mix(3, str_hash(file)), (uint64_t)line), str_hash(msg)), S->o.ud);
    return cond;
}

size_t fg_sometimes_report(FILE *f)
{
    size_t never = 0;
    for (size_t i = 0; i < nprops; i++)
        if (!props[i].held) {
            if (f)
                fprintf(f, "fugue: sometimes never true: %s (%s:%d), reached %llu time%s\n", props[i].msg,
                        props[i].file, props[i].line, (unsigned long long)props[i].reached,
                        props[i].reached == 1 ? "" : "s");
            never++;
        }
    return never;
}
