/* Schedule-level feedback. Code coverage barely changes between interleavings
 * of the same code, so the fuzzers also see, at every switch, which task's
 * step followed which: (this task, its site) x (the task that ran before, its
 * site, how far it had come, in log buckets), and how far a task got before
 * the others started. An input where one task got further before another
 * reached a site is new coverage, which gives the fuzzer a gradient toward
 * orders that chance rarely produces. The core adds conflict features: each
 * hand-off on a fugue object as (waker's site, woken's site and call), with
 * and without the task ids, and the user's fg_cover/fg_sometimes hints. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

uint8_t *fg__fb_counters;
size_t fg__fb_size;

#define TRACKED 16   /* tasks followed, by id modulo */

static struct {
    int task;
    uint32_t line, steps;
} last[TRACKED];
static int prev_task, started;
static uint32_t prev_line;

void fg__fb_reset(void)
{
    memset(last, 0, sizeof last);
    prev_task = -1;
    prev_line = started = 0;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, ... */
static uint32_t bucket(uint32_t n)
{
    return n < 4 ? n : 34 - (uint32_t)__builtin_clz(n);
}

static void bump(uint64_t feature)
{
    size_t i = (size_t)mix(feature) & (fg__fb_size - 1);
    uint8_t c = fg__fb_counters[i];
    fg__fb_counters[i] = (uint8_t)(c + (c != 255));
}

/* A feature of the run (opts.on_feature: hand-offs, fg_cover, fg_sometimes): a set,
 * so its counter is set once, never counted up. */
void fg__fb_feature(uint64_t feature, void *ud)
{
    (void)ud;
    size_t i = (size_t)mix(feature ^ 0x5bd1e995u) & (fg__fb_size - 1);
    fg__fb_counters[i] |= 1;
}

void fg__fb_step(const fg_step *s, void *ud)
{
    (void)ud;
    /* ids and lines are stable across runs, unlike pointers */
    int t = s->task;
    uint32_t line = (uint32_t)s->line;
    uint64_t self = ((uint64_t)(uint32_t)t << 20 | line) * 0x9e3779b97f4a7c15ull;
    if (t != prev_task)
        bump(self ^ ((uint64_t)(uint32_t)prev_task << 40 | (uint64_t)prev_line << 8 | 1));
    /* where the task that ran before stood, and how far it had come */
    if (prev_task >= 0 && t != prev_task) {
        int p = prev_task & (TRACKED - 1);
        bump(self ^ ((uint64_t)(uint32_t)prev_task << 44 | (uint64_t)prev_line << 12 |
                     bucket(last[p].steps) << 2 | 2));
    }
    prev_task = t;
    prev_line = line;
    int k = t & (TRACKED - 1);
    if (last[k].task != t || !last[k].steps) {
        last[k].steps = 0;
        started++;
    }
    last[k].task = t;
    last[k].line = line;
    last[k].steps++;
    /* how far this task got while others had not started yet: rewards starving a task */
    bump(self ^ ((uint64_t)(uint32_t)started << 48 | bucket(last[k].steps) << 2 | 3));
}

int fg__fb_mode(void)
{
    const char *v = getenv("FUGUE_FEEDBACK");
    if (v && !strcmp(v, "0"))
        return 0;
    if (v && !strcmp(v, "steps"))
        return FG__FB_STEPS;
    if (v && !strcmp(v, "conflicts"))
        return FG__FB_CONFLICTS;
    return FG__FB_STEPS | FG__FB_CONFLICTS;
}
