/* Whole sims: time, determinism over many seeds, sim-lifetime memory. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
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
