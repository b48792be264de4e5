/* The choice stream's encoding is a public contract (docs/choice-stream.md):
 * these tests pin it, so a change to it cannot pass silently. */
#include "fugue.h"
#include "golden.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

static const uint64_t *bounds;
static size_t nbounds;
static uint64_t got[64];

static void choose_all(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < nbounds; i++)
        got[i] = fg_choose(bounds[i]);
}

static fg_result run_bytes(const uint64_t *b, size_t n, const uint8_t *in, size_t len)
{
    bounds = b;
    nbounds = n;
    memset(got, 0xee, sizeof got);
    fg_result r;
    cr_assert_eq(fg_run_bytes(choose_all, NULL, NULL, in, len, &r), 0);
    return r;
}

Test(choice, widths_little_endian_and_modulo)
{
    static const uint64_t b[] = {1, 0, 2, 256, 257, 65536, 65537, 300, 3};
    static const uint8_t in[] = {0x07, 0xff, 0x34, 0x12, 0xff, 0xff, 0x01, 0x00, 0x00, 0x2b, 0x01, 0x05};
    fg_result r = run_bytes(b, 9, in, sizeof in);
    cr_assert_eq(got[0], 0, "n=1 reads nothing");
    cr_assert_eq(got[1], 0, "n=0 reads nothing");
    cr_assert_eq(got[2], 1, "0x07 %% 2");
    cr_assert_eq(got[3], 0xff, "n=256: one byte");
    cr_assert_eq(got[4], 0x1234 % 257, "n=257: two bytes, little-endian, modulo");
    cr_assert_eq(got[5], 0xffff, "n=65536: two bytes");
    cr_assert_eq(got[6], 1, "n=65537: three bytes");
    cr_assert_eq(got[7], 0x012b, "n=300: two bytes");
    cr_assert_eq(got[8], 5 % 3);
    cr_assert_eq(r.input_len, sizeof in, "every byte was read");
    cr_assert_eq(r.choices, 7, "choices with one option or fewer are not counted");
}

Test(choice, exhausted_input_reads_as_zero)
{
    static const uint64_t b[] = {10, 1000, 7, 2};
    static const uint8_t in[] = {0x09, 0xe7};
    run_bytes(b, 4, in, sizeof in);
    cr_assert_eq(got[0], 9);
    cr_assert_eq(got[1], 0xe7, "a choice cut short reads its missing bytes as 0");
    cr_assert_eq(got[2], 0);
    cr_assert_eq(got[3], 0);
    fg_result r = run_bytes(b, 4, NULL, 0);
    cr_assert_eq(got[0] | got[1] | got[2] | got[3], 0, "the empty input is the natural run");
    cr_assert_eq(r.input_len, 0);
}

static bool chances[4];
static int64_t ranges[3];
static void rand_all(void *arg)
{
    (void)arg;
    chances[0] = fg_rand_chance(1, 100);
    chances[1] = fg_rand_chance(0, 5);
    chances[2] = fg_rand_chance(5, 5);
    chances[3] = fg_rand_chance(1, 2);
    ranges[0] = fg_rand_range(-5, 5);
    ranges[1] = fg_rand_range(10, 10);
    ranges[2] = (int64_t)fg_rand_u32();
}

Test(choice, natural_value_means_no_event)
{
    fg_result r;
    fg_run_bytes(rand_all, NULL, NULL, NULL, 0, &r);
    cr_assert_not(chances[0], "a 1%% loss does not happen on the natural run");
    cr_assert_not(chances[1]);
    cr_assert(chances[2], "certain events happen without reading");
    cr_assert_not(chances[3]);
    cr_assert_eq(ranges[0], -5);
    cr_assert_eq(ranges[1], 10);
    cr_assert_eq(ranges[2], 0);
    static const uint8_t in[] = {99, 1, 10, 0x78, 0x56, 0x34, 0x12};
    fg_run_bytes(rand_all, NULL, NULL, in, sizeof in, &r);
    cr_assert(chances[0], "the top value of [0,100) is the 1%%");
    cr_assert(chances[3]);
    cr_assert_eq(ranges[0], 5);
    cr_assert_eq(ranges[2], 0x12345678, "fg_rand_u32 reads four bytes little-endian");
}

static uint64_t rec_vals[40];
static void many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 40; i++)
        rec_vals[i] = fg_choose((uint64_t)(i * 37 + 2));
}

Test(choice, seeded_runs_record_bytes_that_replay_identically)
{
    for (uint64_t seed = 1; seed <= 200; seed++) {
        fg_result r;
        cr_assert_eq(fg_run_seed(many, NULL, NULL, seed, &r), 0);
        uint64_t vals[40];
        memcpy(vals, rec_vals, sizeof vals);
        uint8_t saved[1024];
        cr_assert(r.input_len <= sizeof saved);
        memcpy(saved, r.input, r.input_len);
        uint64_t h = r.hash;
        fg_run_bytes(many, NULL, NULL, saved, r.input_len, &r);
        cr_assert_eq(r.hash, h, "seed %llu: replay gave another trace", (unsigned long long)seed);
        cr_assert_arr_eq(rec_vals, vals, sizeof vals);
    }
}

Test(choice, different_seeds_differ)
{
    fg_result r;
    fg_run_seed(many, NULL, NULL, 1, &r);
    uint64_t h1 = r.hash;
    fg_run_seed(many, NULL, NULL, 2, &r);
    cr_assert_neq(r.hash, h1);
}

static uint64_t tree_n;
static void tree(void *arg)
{
    (void)arg;
    /* a tree whose shape depends on earlier answers */
    uint64_t a = fg_choose(3);
    if (a == 1)
        fg_choose(4);
    if (a == 2) {
        fg_choose(2);
        fg_choose(2);
    }
    tree_n++;
}

static bool collect(const fg_result *r, void *ud)
{
    uint64_t *hashes = ud;
    hashes[tree_n - 1] = r->hash;
    return true;
}

Test(choice, odometer_enumerates_every_leaf_once)
{
    uint64_t hashes[16];
    fg_explore_stats st;
    tree_n = 0;
    cr_assert_eq(fg_explore(tree, NULL, NULL, 0, collect, hashes, &st), 0);
    cr_assert_eq(st.runs, 1 + 4 + 4, "leaves: a=0 (1), a=1 (4), a=2 (4)");
    cr_assert(st.complete);
    for (unsigned i = 0; i < st.runs; i++)
        for (unsigned j = 0; j < i; j++)
            cr_assert_neq(hashes[i], hashes[j], "runs %u and %u were the same", i, j);
    tree_n = 0;
    fg_explore(tree, NULL, NULL, 5, collect, hashes, &st);
    cr_assert_eq(st.runs, 5);
    cr_assert_not(st.complete, "a bound on runs leaves the tree incomplete");
}

Test(choice, outside_a_sim_is_a_clear_error)
{
    cr_redirect_stderr();
    cr_assert_eq(fg_choose(10), 0);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: fg_choose: called outside a running sim\n");
}

/* Golden trace hashes: fixed inputs give fixed traces on every compiler and
 * engine. If one changes, the encoding or the scheduler changed: that breaks
 * every checked-in corpus, so it must be deliberate (docs/choice-stream.md);
 * the scenario is golden.h's. */
Test(choice, golden_traces)
{
    static const struct { const char *in; uint64_t hash; fg_time end; } g[] = {
        {"", 0x8497f4b269e5bb67ull, 0},
        {"\x01\x02\x03\x04\x05\x06\x07\x08\x09", 0x73ff70937dfc702cull, 8 * FG_MS},
        {"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0", 0x08e7b65ad2b70750ull, 6 * FG_MS},
    };
    fg_opts o = {.strategy = FG_RANDOM};
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        fg_result r;
        fg_run_bytes(golden_root, NULL, &o, (const uint8_t *)g[i].in, strlen(g[i].in), &r);
        cr_expect_eq(r.hash, g[i].hash, "input %zu: trace hash %016llx", i, (unsigned long long)r.hash);
        cr_expect_eq(r.time, g[i].end, "input %zu: end time %lld", i, (long long)r.time);
    }
}
