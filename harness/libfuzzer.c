/* libFuzzer entry: one input, one sim. The schedule feedback goes into
 * libFuzzer's extra counters, next to the code coverage. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t extra[1 << 12];

static const fg_target *target;
static unsigned random_tail = 8;   /* one mutation in N keeps a prefix and randomizes the rest; 0: never */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

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
    const char *rt = getenv("FUGUE_RANDOM_TAIL");
    if (rt && *rt)
        random_tail = (unsigned)strtoul(rt, NULL, 10);
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

/* Some mutations keep a prefix of a corpus input (a schedule that got
 * somewhere) and make the rest of the run uniformly random: random mode's
 * strength, started from the fuzzer's progress. The others are libFuzzer's. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    uint64_t x = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1;
    if (!random_tail || seed % random_tail || !max_size)
        return LLVMFuzzerMutate(data, size, max_size);
    x ^= x >> 31, x *= 0xbf58476d1ce4e5b9ull;
    size_t cut = size ? (size_t)(x % (size + 1)) : 0;
    size_t len = cut + 8 + (size_t)((x >> 32) % 64);
    if (len > max_size)
        len = max_size;
    for (size_t i = cut; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (uint8_t)(x >> 24);
    }
    return len;
}
