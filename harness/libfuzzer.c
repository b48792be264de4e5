/* libFuzzer entry: one input, one sim. The schedule feedback goes into
 * libFuzzer's extra counters, next to the code coverage. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t extra[1 << 12];

static const fg_target *target;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *name = getenv("FUGUE_TARGET");
    target = name && *name ? fg_target_find(name) : fg_targets();
    if (!target) {
        fprintf(stderr, "fugue: no target %s linked in\n", name ? name : "");
        exit(2);
    }
    const char *fb = getenv("FUGUE_FEEDBACK");
    if (!fb || strcmp(fb, "0")) {
        fg__fb_counters = extra;
        fg__fb_size = sizeof extra;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fg_target_fuzz_one(target, data, size);
    return 0;
}
