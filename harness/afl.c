/* AFL++ entry: persistent mode with test cases in shared memory. The schedule
 * feedback takes its own slots of AFL++'s map: we register a block of
 * trace-pc-guards, which afl-clang-fast's runtime numbers like real edges,
 * then bump those slots of the map directly. */
#include "harness.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__AFL_FUZZ_INIT();

/* small: AFL++ walks its whole map after every run */
#define FB_GUARDS (1 << 12)
static uint32_t guards[FB_GUARDS];
static bool feedback;

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);

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
    /* before the fork server starts: every child begins warm */
    fg__fuzz_warm(t);
#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    /* the runtime numbers one block of guards consecutively: those are our map slots */
    /* the map pointer by name: afl-clang-fast's pass owns the symbol in our IR,
     * and its runtime exports it (dynamic_list.txt) */
    uint8_t **area = dlsym(RTLD_DEFAULT, "__afl_area_ptr");
    if (feedback && area && *area && guards[0] && guards[FB_GUARDS - 1] == guards[0] + FB_GUARDS - 1) {
        fg__fb_counters = *area + guards[0];
        fg__fb_size = FB_GUARDS;
    }
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(100000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        fg_target_fuzz_one(t, buf, len);
    }
    return 0;
}
