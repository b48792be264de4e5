/* Whole sims: time, determinism over many seeds, sim-lifetime memory. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "leakcheck.h"

static fg_time woke[4];
static void timed(void *arg)
{
    (void)arg;
    fg_time t0 = fg_now();
    fg_sleep(250 * FG_MS);
    woke[0] = fg_now() - t0;
    fg_sleep_until(FG_SEC);
    woke[1] = fg_now();
    fg_sleep_until(FG_MS);  /* in the past: a yield, no time */
    woke[2] = fg_now();
    woke[3] = fg_after(FG_FOREVER);
}

Test(sim, time_jumps_to_the_next_timer)
{
    fg_result r;
    fg_run_bytes(timed, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(woke[0], 250 * FG_MS);
    cr_assert_eq(woke[1], FG_SEC);
    cr_assert_eq(woke[2], FG_SEC);
    cr_assert_eq(woke[3], FG_FOREVER, "deadlines saturate");
    cr_assert_eq(r.time, FG_SEC);
}

/* A scenario with sleeps, yields, spawns, joins and random delays. */
static void worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++) {
        if (fg_rand_bool())
            fg_sleep(fg_rand_range(0, 20) * FG_US);
        else
            fg_yield();
    }
}
static void busy_root(void *arg)
{
    (void)arg;
    int ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = fg_spawn(worker, (void *)(intptr_t)(3 + i), .group = fg_fmt("g%d", i % 2));
    for (int i = 0; i < 5; i++)
        fg_join(ids[(i * 3) % 5], FG_FOREVER);
}

Test(sim, a_thousand_seeds_run_twice_and_replayed_agree)
{
    fg_opts strategies[] = {{.strategy = FG_RANDOM}, {.strategy = FG_POR}};
    for (int s = 0; s < 2; s++) {
        for (uint64_t seed = 0; seed < 1000; seed++) {
            fg_result r;
            fg_run_seed(busy_root, NULL, &strategies[s], seed, &r);
            uint64_t h = r.hash;
            uint8_t *in = malloc(r.input_len + 1);
            memcpy(in, r.input, r.input_len);
            size_t len = r.input_len;
            fg_run_seed(busy_root, NULL, &strategies[s], seed, &r);
            cr_assert_eq(r.hash, h, "seed %llu ran two ways", (unsigned long long)seed);
            fg_run_bytes(busy_root, NULL, &strategies[s], in, len, &r);
            cr_assert_eq(r.hash, h, "seed %llu: its recorded bytes replay another trace", (unsigned long long)seed);
            cr_assert_eq(fg_check_determinism(busy_root, NULL, &strategies[s], in, len), 0);
            free(in);
        }
    }
}

static int leaky_counter;
static void nondet(void *arg)
{
    (void)arg;
    /* reads state outside the sim: the second run differs */
    if (leaky_counter++ % 2)
        fg_yield();
    fg_yield();
}

Test(sim, determinism_check_catches_state_outside_the_sim)
{
    cr_redirect_stderr();
    leaky_counter = 0;
    cr_assert_eq(fg_check_determinism(nondet, NULL, NULL, NULL, 0), -EPROTO);
}

static char *kept[3];
static void allocs(void *arg)
{
    (void)arg;
    kept[0] = fg_fmt("client_%d", 42);
    kept[1] = fg_alloc(200000);   /* bigger than a block */
    memset(kept[1], 1, 200000);
    kept[2] = fg_alloc(24);
    cr_assert_str_eq(kept[0], "client_42");
    cr_assert_eq(((uintptr_t)kept[2]) % sizeof(max_align_t), 0);
}

Test(sim, sim_memory_is_freed_with_the_sim)
{
    fg_result r;
    for (int i = 0; i < 1000; i++)
        fg_run_bytes(allocs, NULL, NULL, NULL, 0, &r);
    assert_no_leaks();
    cr_redirect_stderr();
    cr_assert_null(fg_alloc(10), "no sim, no sim memory");
}

static void nested(void *arg)
{
    (void)arg;
    fg_result r;
    cr_assert_eq(fg_run_bytes(nested, NULL, NULL, NULL, 0, &r), -EBUSY);
}

Test(sim, sims_do_not_nest)
{
    cr_redirect_stderr();
    fg_result r;
    cr_assert_eq(fg_run_bytes(nested, NULL, NULL, NULL, 0, &r), 0);
}

/* Many short sims in one process: stacks and tasks come from pools, so memory
 * stays flat (the ASan build's LeakSanitizer checks nothing leaks at exit). */
static void server_like(void *arg)
{
    (void)arg;
    for (;;)
        if (fg_sleep(FG_MS) == -ECANCELED)
            return;
}
static void tiny(void *arg)
{
    (void)arg;
    fg_spawn(worker, (void *)3, .primary = true);
    fg_spawn(server_like, NULL, .group = "server");
    fg_fmt("%d", 1);
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    cr_assert(f && fscanf(f, "%ld %ld", &pages, &resident) == 2);
    fclose(f);
    return resident * 4;
}

Test(sim, repeated_sims_keep_memory_flat)
{
    fg_opts o = {.strategy = FG_RANDOM};
    fg_result r;
    for (int i = 0; i < 1000; i++)
        fg_run_seed(tiny, NULL, &o, (uint64_t)i, &r);
    long before = rss_kib();
    for (int i = 0; i < 100000; i++)
        fg_run_seed(tiny, NULL, &o, (uint64_t)i, &r);
    long grown = rss_kib() - before;
    if (!UNDER_ASAN)  /* its quarantine holds freed memory on purpose */
        cr_assert_lt(grown, 1024, "100,000 sims grew RSS by %ld KiB", grown);
    assert_no_leaks();
}

/* ---- sims don't nest, and refusing touches nothing ---- */

static void idle_root(void *arg)
{
    (void)arg;
}

static int nest_rc[4];
static uint64_t nest_after;
static bool nest_each(const fg_result *r, void *ud)
{
    (void)r, (void)ud;
    return true;
}
static void nester(void *arg)
{
    (void)arg;
    static const uint8_t ff[64] = {[0 ... 63] = 0xff};
    fg_result r;
    nest_rc[0] = fg_run_bytes(idle_root, NULL, NULL, ff, sizeof ff, &r);
    nest_rc[1] = fg_run_seed(idle_root, NULL, NULL, 7, &r);
    nest_rc[2] = fg_explore(idle_root, NULL, NULL, 10, nest_each, NULL, NULL);
    nest_rc[3] = fg_check_determinism(idle_root, NULL, NULL, ff, sizeof ff);
    /* the outer sim still reads its own (empty) input: zeros */
    nest_after = fg_rand_u64() | fg_choose(1000);
}

Test(sim, a_nested_call_is_refused_before_it_touches_the_running_sim)
{
    cr_redirect_stderr();
    fg_result r;
    for (int k = 0; k < 3; k++) {
        nest_after = 1;
        cr_assert_eq(fg_run_bytes(nester, NULL, NULL, NULL, 0, &r), 0);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(nest_rc[i], -EBUSY, "call %d", i);
        cr_assert_eq(nest_after, 0, "the outer sim's input changed under it");
        cr_assert_eq(r.input_len, 0);
        cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    }
    /* and exploring still works afterwards */
    fg_explore_stats st;
    cr_assert_eq(fg_explore(nester, NULL, NULL, 3, NULL, NULL, &st), 0);
    cr_assert_eq(st.runs, 3);
}

/* ---- fg_alloc's limits ---- */

static void *big_alloc[6];
static void huge_allocs(void *arg)
{
    (void)arg;
    big_alloc[0] = fg_alloc(SIZE_MAX);
    big_alloc[1] = fg_alloc(SIZE_MAX - 8);
    big_alloc[2] = fg_alloc(SIZE_MAX - 15);
    big_alloc[3] = fg_alloc(FG_ALLOC_MAX + 1);
    big_alloc[4] = fg_alloc(16);
    big_alloc[5] = fg_alloc(0);
    memset(big_alloc[4], 0xab, 16);
}

Test(sim, fg_alloc_refuses_sizes_that_would_wrap)
{
    cr_redirect_stderr();
    fg_result r;
    fg_run_bytes(huge_allocs, NULL, NULL, NULL, 0, &r);
    for (int i = 0; i < 4; i++)
        cr_assert_null(big_alloc[i], "size %d", i);
    cr_assert_not_null(big_alloc[4]);
    cr_assert_not_null(big_alloc[5]);
    cr_assert_neq(big_alloc[4], big_alloc[5], "a zero-byte allocation is still its own");
}

Test(sim, strerror_takes_any_int)
{
    cr_assert_not_null(fg_strerror(INT_MIN));
    cr_assert_not_null(fg_strerror(INT_MAX));
    cr_assert_str_eq(fg_strerror(-ENOENT), fg_strerror(ENOENT));
}

/* ---- the end of sim time ---- */

static int end_rc = 1;
static void to_the_end(void *arg)
{
    (void)arg;
    fg_sleep_until(FG_FOREVER - 5);
    end_rc = fg_sleep(10);
}

Test(sim, sleeping_past_the_end_of_time_says_so)
{
    fg_opts o = {.return_on_failure = true, .quiet = true};
    fg_result r;
    fg_run_bytes(to_the_end, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_FAIL_LIVELOCK, "%s", r.report);
    cr_assert(strstr(r.report, "sim time exhausted"), "%s", r.report);
    cr_assert_eq(end_rc, 1, "the sleep never returned");
}
