/* Prints the trace hashes of a few scenarios, so builds for other machines
 * (tests/cross_aarch64.sh runs this under qemu) can be compared with ours. */
#include "fugue.h"

#include <stdio.h>

static void worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++) {
        fg_sleep(fg_rand_range(0, 3) * FG_MS);
        fg_yield();
    }
}

static void root(void *arg)
{
    (void)arg;
    int ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = fg_spawn(worker, (void *)(intptr_t)(2 + i), .group = fg_fmt("g%d", i % 2));
    fg_spawn(worker, (void *)1000, .name = "server", .group = "server");
    for (int i = 0; i < 4; i++)
        fg_join(ids[i], FG_FOREVER);
}

int main(void)
{
    fg_opts o = {.strategy = FG_RANDOM};
    fg_result r;
    for (uint64_t seed = 0; seed < 50; seed++) {
        fg_run_seed(root, NULL, &o, seed, &r);
        printf("seed %llu: %016llx %llu steps, %lld ns\n", (unsigned long long)seed, (unsigned long long)r.hash,
               (unsigned long long)r.steps, (long long)r.time);
    }
    for (fg_strategy k = FG_PCT; k <= FG_POS; k++) {
        fg_opts p = {.strategy = k};
        for (uint64_t seed = 0; seed < 20; seed++) {
            fg_run_seed(root, NULL, &p, seed, &r);
            printf("%s seed %llu: %016llx %llu steps\n", k == FG_PCT ? "pct" : "pos", (unsigned long long)seed,
                   (unsigned long long)r.hash, (unsigned long long)r.steps);
        }
    }
    /* copied stacks: aarch64 copies each task's own stack, x86_64 shares one (core/copy.c) */
    fg_opts c = {.strategy = FG_RANDOM, .stack_copy = true};
    for (uint64_t seed = 0; seed < 20; seed++) {
        fg_run_seed(root, NULL, &c, seed, &r);
        printf("copied seed %llu: %016llx %llu steps\n", (unsigned long long)seed, (unsigned long long)r.hash,
               (unsigned long long)r.steps);
    }
    fg_explore_stats st;
    fg_explore(root, NULL, &o, 2000, NULL, NULL, &st);
    printf("exhaustive: %llu runs\n", (unsigned long long)st.runs);
    return 0;
}
