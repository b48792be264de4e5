/* AFL++ entry: persistent mode with test cases in shared memory. The schedule
 * feedback takes its own slots of AFL++'s map: we register a block of
 * trace-pc-guards, which afl-clang-fast's runtime numbers like real edges. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__AFL_FUZZ_INIT();

#define FB_GUARDS (1 << 14)
static uint32_t guards[FB_GUARDS];
static uint8_t counters[FB_GUARDS];

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);
void __sanitizer_cov_trace_pc_guard(uint32_t *guard);

/* Hands this run's counters to AFL++'s map, one guard hit per distinct bucket. */
static void flush_feedback(void)
{
    for (size_t i = 0; i < FB_GUARDS; i++) {
        uint8_t c = counters[i];
        if (!c)
            continue;
        counters[i] = 0;
        /* AFL++ buckets hit counts itself: replay the count, capped */
        for (unsigned k = 0; k < c && k < 32; k++)
            __sanitizer_cov_trace_pc_guard(&guards[i]);
    }
}

static bool feedback;

/* The guards must be numbered before the forkserver reports the map size, so
 * this runs with the sanitizer-coverage constructors, ahead of AFL++'s own. */
__attribute__((constructor(2))) static void feedback_init(void)
{
    const char *fb = getenv("FUGUE_FEEDBACK");
    feedback = !fb || strcmp(fb, "0");
    if (feedback)
        __sanitizer_cov_trace_pc_guard_init(guards, guards + FB_GUARDS);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *name = getenv("FUGUE_TARGET");
    const fg_target *t = name && *name ? fg_target_find(name) : fg_targets();
    if (!t) {
        fprintf(stderr, "fugue: no target %s linked in\n", name ? name : "");
        return 2;
    }
    if (feedback) {
        fg__fb_counters = counters;
        fg__fb_size = FB_GUARDS;
    }
#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(100000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        fg_target_fuzz_one(t, buf, len);
        if (feedback)
            flush_feedback();
    }
    return 0;
}
