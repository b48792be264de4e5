/* Schedule-level feedback. Code coverage barely changes between interleavings
 * of the same code, so the fuzzers also see which task's step followed which
 * other task's step, and where each was: every such pair is one counter. */
#include "harness.h"

uint8_t *fg__fb_counters;
size_t fg__fb_size;

static uint64_t prev_site;
static int prev_task = -1;

void fg__fb_reset(void)
{
    prev_site = 0;
    prev_task = -1;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

void fg__fb_step(const fg_step *s, void *ud)
{
    (void)ud;
    /* a site: the task and the line it resumes from (ids and lines are stable across runs) */
    uint64_t site = ((uint64_t)(uint32_t)s->task << 20) ^ (uint64_t)(uint32_t)s->line;
    if (s->task == prev_task)
        return;
    size_t i = (size_t)mix(prev_site * 0x9e3779b97f4a7c15ull + site) & (fg__fb_size - 1);
    uint8_t c = fg__fb_counters[i];
    fg__fb_counters[i] = (uint8_t)(c + (c != 255));
    prev_site = site;
    prev_task = s->task;
}
