/* PCT and POS (core/prio.c): golden traces pin their encoding, the strategy
 * tag's version check refuses what it cannot read, every run replays from its
 * input, and PCT meets its probability bound on depth-2 and depth-3 bugs. */
#include "fugue.h"
#include "golden.h"

#include <criterion/criterion.h>
#include <string.h>


/* 16 first priorities, then 7 change points (u32 LE), then the stream */
static const char header[] = "\x03\x09\x01\x07\x05\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                             "\x04\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                             "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                             "\x01\x02\x03\x04\x05\x06\x07\x08\x09";
#define HEADER_LEN (sizeof header - 1)

Test(prio, golden_traces)
{
    static const struct { fg_strategy s; unsigned d; bool hdr; uint64_t hash; } g[] = {
        {FG_PCT, 3, false, 0xc37eb54f131133b4ull},
        {FG_PCT, 3, true, 0x10da5dc600106f2dull},
        {FG_PCT, 1, true, 0xb40dce3600b2eb45ull},
        {FG_POS, 0, false, 0xc17991f03eddfbb1ull},
        {FG_POS, 0, true, 0xf969c07aaea5eef4ull},
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        fg_opts o = {.strategy = g[i].s, .depth = g[i].d};
        fg_result r;
        cr_assert_eq(fg_run_bytes(golden_root, NULL, &o, (const uint8_t *)header, g[i].hdr ? HEADER_LEN : 0, &r), 0);
        cr_expect_eq(r.hash, g[i].hash, "golden %zu: trace hash 0x%016llxull", i, (unsigned long long)r.hash);
    }
}

/* The same header behind a strategy tag replays the same trace under any options. */
Test(prio, tag_names_the_strategy)
{
    for (fg_strategy k = FG_POR; k <= FG_POS; k++) {
        fg_opts own = {.strategy = k, .depth = 2}, other = {.strategy = k == FG_POR ? FG_FIFO : FG_POR};
        uint8_t in[FG_TAG_LEN + HEADER_LEN];
        cr_assert_eq(fg_strategy_tag(k, 2, in), FG_TAG_LEN);
        memcpy(in + FG_TAG_LEN, header, HEADER_LEN);
        fg_result a, b;
        cr_assert_eq(fg_run_bytes(golden_root, NULL, &own, (const uint8_t *)header, HEADER_LEN, &a), 0);
        uint64_t h = a.hash;
        cr_assert_eq(fg_run_bytes(golden_root, NULL, &other, in, sizeof in, &b), 0);
        cr_expect_eq(b.hash, h, "strategy %d: the tagged input gives the untagged trace", (int)k);
        cr_expect_eq(b.input, in, "the input read starts with its tag");
    }
}

/* Tag version 2: past the input's end the bytes come from a generator seeded by
 * the tag. Golden traces pin that; the seed matters, the same input replays, and
 * a tag cut short reads its missing seed bytes as 0. */
Test(prio, tail_tag)
{
    static const struct { fg_strategy s; uint32_t seed; uint64_t hash; } g[] = {
        {FG_RANDOM, 1, 0xff34ec4f3c704e29ull},
        {FG_RANDOM, 2, 0x0d9d2b1ce42370fbull},
        {FG_POS, 1, 0x1a3a0db7d94bea36ull},
        {FG_POR, 1, 0x32a7789176e63e12ull},
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        uint8_t in[FG_TAG_TAIL_LEN + 2] = {0};
        cr_assert_eq(fg_tail_tag(g[i].s, 0, g[i].seed, in), FG_TAG_TAIL_LEN);
        in[FG_TAG_TAIL_LEN] = 1;   /* one byte of the stream, then the tail */
        fg_result a, b, zeros;
        cr_assert_eq(fg_run_bytes(golden_root, NULL, NULL, in, FG_TAG_TAIL_LEN + 1, &a), 0);
        cr_expect_eq(a.hash, g[i].hash, "golden %zu: trace hash 0x%016llxull", i, (unsigned long long)a.hash);
        cr_expect_eq(a.input_len, (size_t)FG_TAG_TAIL_LEN + 1, "the whole input was read");
        cr_assert_eq(fg_run_bytes(golden_root, NULL, NULL, in, FG_TAG_TAIL_LEN + 1, &b), 0);
        cr_expect_eq(b.hash, a.hash, "golden %zu replays", i);
        in[2] = FG_TAG_VERSION;   /* the same bytes behind a version-1 tag: zeros past the end */
        memmove(in + FG_TAG_LEN, in + FG_TAG_TAIL_LEN, 1);
        cr_assert_eq(fg_run_bytes(golden_root, NULL, NULL, in, FG_TAG_LEN + 1, &zeros), 0);
        cr_expect_neq(zeros.hash, a.hash, "golden %zu: the tail is read", i);
    }
    cr_expect_neq(g[0].hash, g[1].hash, "the seed matters");
    uint8_t full[FG_TAG_TAIL_LEN], cut[FG_TAG_TAIL_LEN];
    fg_tail_tag(FG_RANDOM, 0, 0, full);
    fg_tail_tag(FG_RANDOM, 0, 0, cut);
    fg_result f, c;
    cr_assert_eq(fg_run_bytes(golden_root, NULL, NULL, full, sizeof full, &f), 0);
    cr_assert_eq(fg_run_bytes(golden_root, NULL, NULL, cut, FG_TAG_LEN + 1, &c), 0);
    cr_expect_eq(c.hash, f.hash, "a tag cut short reads its missing seed bytes as 0");
}

/* An unknown version, strategy or depth is refused, never misread as a schedule. */
Test(prio, unknown_tag_is_refused)
{
    static const char *bad[] = {"\xfe\x5c", "\xfe\x5c\x03\x03\x03", "\xfe\x5c\x01\x09\x00", "\xfe\x5c\x01\x03\x09"};
    static const size_t len[] = {2, 5, 5, 5};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fg_result r;
        cr_expect_eq(fg_run_bytes(golden_root, NULL, NULL, (const uint8_t *)bad[i], len[i], &r), -EPROTO, "tag %zu", i);
        cr_expect_eq(r.steps, 0u, "nothing ran");
    }
    /* one byte of the magic alone is an ordinary input */
    fg_result r;
    cr_expect_eq(fg_run_bytes(golden_root, NULL, NULL, (const uint8_t *)"\xfe\x00", 2, &r), 0);
}

Test(prio, misuse_is_refused)
{
    fg_opts deep = {.strategy = FG_PCT, .depth = FG_PCT_MAX_DEPTH + 1}, odd = {.strategy = (fg_strategy)9};
    fg_result r;
    cr_expect_eq(fg_run_seed(golden_root, NULL, &deep, 1, &r), -EINVAL);
    cr_expect_eq(fg_run_seed(golden_root, NULL, &odd, 1, &r), -EINVAL);
    for (fg_strategy k = FG_PCT; k <= FG_POS; k++) {
        fg_opts o = {.strategy = k};
        cr_expect_eq(fg_explore(golden_root, NULL, &o, 10, NULL, NULL, NULL), -EINVAL, "exhaustive PCT/POS");
    }
}

/* Every seeded run replays from its recorded input, and different seeds give different schedules. */
Test(prio, seeded_runs_replay)
{
    for (fg_strategy k = FG_PCT; k <= FG_POS; k++) {
        fg_opts o = {.strategy = k};
        uint64_t first = 0;
        int distinct = 0;
        for (uint64_t seed = 1; seed <= 200; seed++) {
            fg_result a, b;
            cr_assert_eq(fg_run_seed(golden_root, NULL, &o, seed, &a), 0);
            uint64_t h = a.hash;
            uint8_t in[4096];
            size_t n = a.input_len < sizeof in ? a.input_len : sizeof in;
            memcpy(in, a.input, n);
            cr_assert_eq(fg_run_bytes(golden_root, NULL, &o, in, n, &b), 0);
            cr_assert_eq(b.hash, h, "strategy %d seed %llu replays", (int)k, (unsigned long long)seed);
            if (seed == 1)
                first = h;
            distinct += h != first;
        }
        cr_expect_gt(distinct, 100, "seeds give different schedules (%d of 199 differ)", distinct);
    }
}

/* ---- PCT's bound, Burckhardt et al.: a depth-d bug is found with probability
 * at least 1/(n k^(d-1)) per run, n tasks, k steps ---- */

#define LEN 8
static int stage, depth;

/* Event j (0..depth) belongs to task j % 2 and happens at its step pos(j):
 * the bug needs all depth+1 events in order, depth orderings across tasks. */
static int pos(int j)
{
    return 1 + j * (LEN - 2) / (depth + 1);
}

static void chain(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int s = 0; s < LEN; s++) {
        if (stage <= depth && stage % 2 == me && pos(stage) == s && ++stage > depth)
            fg_fail("depth-%d bug", depth);
        fg_yield();
    }
}

static void chain_root(void *arg)
{
    (void)arg;
    stage = 0;
    int a = fg_spawn(chain, (void *)0, .name = "a"), b = fg_spawn(chain, (void *)1, .name = "b");
    fg_join(a, FG_FOREVER);
    fg_join(b, FG_FOREVER);
}

static void bound(int d, uint64_t runs)
{
    depth = d;
    fg_opts o = {.strategy = FG_PCT, .depth = (unsigned)d, .return_on_failure = true, .quiet = true};
    uint64_t found = 0, k = 0;
    for (uint64_t seed = 1; seed <= runs; seed++) {
        fg_result r;
        cr_assert_eq(fg_run_seed(chain_root, NULL, &o, seed, &r), 0);
        found += r.outcome == FG_FAIL_ASSERT;
        /* steps bound the steps with a choice from above: a weaker bound, still one PCT owes */
        if (r.steps > k)
            k = r.steps;
    }
    double rate = (double)found / (double)runs, want = 1.0 / 3;   /* n = 3: root and two */
    for (int i = 1; i < d; i++)
        want /= (double)k;
    cr_log_info("depth %d: %llu of %llu runs (%.5f), bound %.5f, k <= %llu", d, (unsigned long long)found,
                (unsigned long long)runs, rate, want, (unsigned long long)k);
    cr_expect_geq(rate, want, "depth %d: PCT found it in %llu of %llu runs (%.5f), bound 1/(n k^(d-1)) = %.5f",
                  d, (unsigned long long)found, (unsigned long long)runs, rate, want);
    cr_expect_gt(found * 4, (uint64_t)(want * (double)runs), "enough runs to tell");
}

Test(prio, pct_bound_depth_2)
{
    bound(2, 4000);
}

Test(prio, pct_bound_depth_3)
{
    bound(3, 40000);
}
