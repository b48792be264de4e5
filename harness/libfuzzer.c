/* libFuzzer entry: one input, one sim. The schedule feedback goes into
 * libFuzzer's extra counters, next to the code coverage. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t extra[1 << 12];

static const fg_target *target;
static struct fg__strat forced = FG__STRAT_TARGET;   /* FUGUE_STRATEGY: mutated inputs carry its tag */
static unsigned header_every = 4;   /* PCT/POS: one mutation in N edits the header; 0: never */
static unsigned random_tail = 2;   /* one mutation in N keeps a prefix and randomizes the rest; 0: never (docs/harness.md: 2 measured best) */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* Flags fugue gives libFuzzer; the same flag on the command line wins.
 * -len_control=0: a schedule needs about one byte per choice from the start,
 * and libFuzzer's slow growth of input length (-len_control=100) starves it.
 * -entropic=0: the entropic schedule's per-feature bookkeeping was ~10% of a
 * run, and without it runs-to-bug on the planted bugs were no worse (deep_3,
 * deep_5 better; docs/harness.md). */
static const char *const defaults[] = {"-len_control=0", "-entropic=0"};
#define NDEFAULTS (sizeof defaults / sizeof *defaults)

static void default_flags(int *argc, char ***argv)
{
    static char **args;
    args = malloc(((size_t)*argc + NDEFAULTS + 1) * sizeof *args);
    if (!args)
        return;
    memcpy(args, *argv, (size_t)*argc * sizeof *args);
    int n = *argc;
    for (size_t d = 0; d < NDEFAULTS; d++) {
        size_t len = strcspn(defaults[d], "=") + 1;
        int given = 0;
        for (int i = 1; i < *argc; i++)
            given |= !strncmp((*argv)[i], defaults[d], len);
        if (!given)
            args[n++] = (char *)defaults[d];
    }
    args[n] = NULL;
    *argc = n;
    *argv = args;
}

static void sometimes_summary(void)
{
    size_t n = fg_sometimes_report(stderr);
    if (n)
        fprintf(stderr, "fugue: %zu fg_sometimes never true in this run of the fuzzer\n", n);
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
    if (!fg__env_count("FUGUE_RANDOM_TAIL", &random_tail) || !fg__strategy_env(&forced) ||
        !fg__env_count("FUGUE_HEADER_MUTATIONS", &header_every))
        exit(2);
    atexit(sometimes_summary);
    if (fg__fb_mode()) {
        fg__fb_counters = extra;
        fg__fb_size = sizeof extra;
    }
    return 0;
}

static bool pct_stream;   /* a PCT run read the stream: losses, delays, fg_rand_* */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fg_target_fuzz_one(target, data, size);
    fg_strategy s = fg__tag_len(data, size) ? (fg_strategy)data[3] : target->strategy;
    if (s == FG_PCT && fg__fuzz_last_choices)
        pct_stream = true;
    return 0;
}

/* Structured mutation of the PCT/POS header (docs/choice-stream.md): move a
 * change point a little or anywhere in the longest run seen, swap two tasks'
 * ranks, or re-draw one. Returns the new size. */
static size_t mutate_header(uint8_t *data, size_t size, size_t max_size, size_t at, unsigned depth, uint64_t x)
{
    if (max_size < at + FG__HDR_LEN)
        return size;
    if (size < at + FG__HDR_LEN) {
        memset(data + size, 0, at + FG__HDR_LEN - size);
        size = at + FG__HDR_LEN;
    }
    uint8_t *h = data + at;
    unsigned what = (unsigned)(x % 4), cps = depth > 1 ? depth - 1 : 0;
    x /= 4;
    if (what < 2 && cps) {
        uint8_t *p = h + FG__HDR_PRIOS + 4 * (x % cps);
        uint32_t cp = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint64_t k = fg__fuzz_max_steps ? fg__fuzz_max_steps : 64;
        x /= cps;
        if (what == 0)
            cp = (uint32_t)(1 + x % k);
        else
            cp += (x & 1) ? (uint32_t)(1 + (x >> 1) % 8) : (uint32_t)-(1 + (x >> 1) % 8);
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(cp >> (8 * i));
    } else if (what == 2) {
        size_t a = x % 8, b = (x / 8) % 8;
        uint8_t t = h[a];
        h[a] = h[b];
        h[b] = t;
    } else {
        h[x % FG__HDR_PRIOS] = (uint8_t)(x >> 8);
    }
    return size;
}

/* Under PCT the header is the whole schedule (the stream is read only for the
 * 17th task on, and for what is not scheduling: losses, delays, fg_rand_*),
 * and a byte mutation there is a blind jump: a PCT input gets one or two
 * header edits, and one time in 8 a header drawn afresh the way random mode
 * does (distinct first priorities, d - 1 change points uniform in the longest
 * run seen). Once a PCT run has read the stream, half of the mutations are the
 * byte mutations below instead. Measured with 5 seeds (median runs-to-bug
 * under FUGUE_STRATEGY=pct): deep_3 3,259 against 70,897 with byte mutations
 * only, 107,415 with header edits 1 in 4 and 13,157 with an even mix;
 * five_events 257 against 34 with byte mutations only. The fuzzer keeps what
 * reaches new coverage and edits from there, so a bug that needs d - 1 exact
 * change points can be found one change point at a time, about k tries each,
 * instead of k^(d-1) for all at once. */
static size_t mutate_pct(uint8_t *data, size_t size, size_t max_size, size_t at, unsigned depth, unsigned seed)
{
    uint64_t x = fg__mix(seed);
    if (max_size < at + FG__HDR_LEN)
        return size;
    if (x % 8 == 0) {
        if (size < at + FG__HDR_LEN)
            size = at + FG__HDR_LEN;
        uint8_t *h = data + at;
        uint64_t k = fg__fuzz_max_steps ? fg__fuzz_max_steps : 64;
        for (int i = 0; i < FG__HDR_PRIOS; i++)
            h[i] = (uint8_t)i;
        for (int i = FG__HDR_PRIOS - 1; i > 0; i--) {   /* a random permutation: distinct priorities */
            x = fg__mix(x);
            int j = (int)(x % (uint64_t)(i + 1));
            uint8_t t = h[i];
            h[i] = h[j];
            h[j] = t;
        }
        for (unsigned c = 0; c < FG_PCT_MAX_DEPTH - 1; c++) {
            x = fg__mix(x);
            uint32_t cp = c + 1 < depth ? (uint32_t)(1 + x % k) : 0;
            for (int i = 0; i < 4; i++)
                h[FG__HDR_PRIOS + 4 * c + i] = (uint8_t)(cp >> (8 * i));
        }
        return size;
    }
    unsigned edits = 1 + (unsigned)(x >> 3) % 2;
    for (unsigned e = 0; e < edits; e++) {
        x = fg__mix(x);
        size = mutate_header(data, size, max_size, at, depth, x);
    }
    return size;
}

/* Every mutated input starts with a version-2 tag (its tail is a random run;
 * FUGUE_RANDOM_TAIL=0: none, and a version-1 tag under FUGUE_STRATEGY only),
 * so a crash libFuzzer saves replays in the driver with no flag. */
static size_t force_tag(uint8_t *data, size_t size, size_t max_size, unsigned seed)
{
    if (!random_tail && forced.kind < 0 && !forced.depth)
        return size;
    fg_opts o = fg_target_opts(target);
    fg__strategy_apply(&forced, &o, seed);
    return fg__tag_put(data, size, max_size, &o, random_tail != 0, seed);
}

/* the tail's body mutation: libFuzzer's own */
static size_t lf_mutate(uint8_t *body, size_t size, size_t max_size, void *ud)
{
    (void)ud;
    return LLVMFuzzerMutate(body, size, max_size);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size = force_tag(data, size, max_size, seed);
    size_t at = fg__tag_len(data, size);
    fg_strategy s = at ? (fg_strategy)data[3] : target->strategy;
    unsigned depth = at ? data[4] : target->depth;
    /* PCT runs that read the stream (losses, delays, fg_rand_*) need its bytes mutated too: half the time */
    if (s == FG_PCT && header_every && (!pct_stream || (fg__mix(seed) >> 40) % 2 == 0))
        return mutate_pct(data, size, max_size, at, depth ? depth : 3, seed);
    if ((s == FG_PCT || s == FG_POS) && header_every && seed % header_every == 1)
        return mutate_header(data, size, max_size, at, s == FG_PCT ? (depth ? depth : 3) : 0,
                             (uint64_t)seed * 0x9e3779b97f4a7c15ull >> 7);
    return fg__tail_mutate(data, size, max_size, random_tail, seed, lf_mutate, NULL);
}
