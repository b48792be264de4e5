/* libFuzzer entry: one input, one sim. The schedule feedback goes into
 * libFuzzer's extra counters, next to the code coverage. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t extra[1 << 12];

static const fg_target *target;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A schedule needs about one byte per choice from the start: libFuzzer's
 * default slow growth of input length (-len_control=100) starves it. Flags
 * given on the command line win. */
static void default_flags(int *argc, char ***argv)
{
    for (int i = 1; i < *argc; i++)
        if (!strncmp((*argv)[i], "-len_control=", 13))
            return;
    static char **args;
    args = malloc(((size_t)*argc + 2) * sizeof *args);
    if (!args)
        return;
    memcpy(args, *argv, (size_t)*argc * sizeof *args);
    args[(*argc)++] = "-len_control=0";
    args[*argc] = NULL;
    *argv = args;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    default_flags(argc, argv);
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
