/* Memory of many api_chaos runs in one process: after a warm-up the RSS must
 * stay flat (a sim leaves nothing behind, and no pool grows without bound).
 * Usage: bench_chaos [RUNS [WARMUP]] (default 50000, warm-up a tenth; issue 8 names
 * 1000000); a progress line every 10% with RSS and malloc's view, then the figures; fails
 * unless the first run, run again at the end, gives the same trace. */
#include "fugue/target.h"

#include <malloc.h>
#include <stdlib.h>

#include "bench.h"

static FILE *progress;

/* RSS in KiB of malloc's heap and of the other anonymous mappings (stacks, big blocks). */
static void rss_split(long *heap, long *other, long *nmaps)
{
    char l[512];
    bool is_heap = false, anon = false;
    *heap = *other = *nmaps = 0;
    FILE *f = fopen("/proc/self/smaps", "r");
    while (f && fgets(l, sizeof l, f)) {
        unsigned long a, b;
        char path[256] = "";
        if (sscanf(l, "%lx-%lx %*s %*s %*s %*s %255s", &a, &b, path) >= 2 && strchr(l, '-') < strchr(l, ' ')) {
            is_heap = !strcmp(path, "[heap]");
            anon = !path[0];
            *nmaps += 1;
        } else if (!strncmp(l, "Rss:", 4)) {
            long v = atol(l + 4);
            if (is_heap)
                *heap += v;
            else if (anon)
                *other += v;
        }
    }
    if (f)
        fclose(f);
}

static void line(const char *what, uint64_t runs, double t0)
{
    struct mallinfo2 mi = mallinfo2();
    long heap, other, maps;
    rss_split(&heap, &other, &maps);
    fprintf(progress, "chaos: %s %llu runs, %.0f s, rss %ld KiB (heap %ld, other anon %ld, %ld maps), malloc in use %zu KiB, arena %zu KiB, mmapped %zu KiB\n",
            what, (unsigned long long)runs, now_s() - t0, status_kib("VmRSS:"), heap, other, maps, mi.uordblks >> 10,
            mi.arena >> 10, mi.hblkhd >> 10);
}

int main(int argc, char **argv)
{
    uint64_t runs = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000;
    uint64_t warm = argc > 2 ? strtoull(argv[2], NULL, 10) : runs / 10;
    const fg_target *t = fg_target_find("api_chaos");
    if (!t || warm >= runs)
        return fprintf(stderr, "bench_chaos: no api_chaos target, or warm-up >= runs\n"), 2;
    progress = bench_mute_stderr();
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = o.quiet = true;
    fg_result r;
    double t0 = now_s();
    long rss_warm = 0;
    uint64_t step = runs / 10;
    uint64_t first = 0;
    for (uint64_t n = 0; n < runs; n++) {
        if (n == warm) {
            rss_warm = status_kib("VmRSS:");
            line("warm:", n, t0);
        } else if (step && n % step == 0) {
            line("at", n, t0);
        }
        fg_run_seed(t->body, NULL, &o, n, &r);
        if (r.outcome != FG_PASS)
            return fprintf(progress, "bench_chaos: seed %llu failed\n", (unsigned long long)n), 1;
        if (n == 0)
            first = r.hash;
    }
    /* the first run again, after all the others in this process: the same trace (issue 8) */
    fg_run_seed(t->body, NULL, &o, 0, &r);
    if (r.hash != first)
        return fprintf(progress, "bench_chaos: seed 0 gave another trace after %llu runs\n", (unsigned long long)runs), 1;
    long rss_end = status_kib("VmRSS:");
    line("end:", runs, t0);
    printf("chaos_runs: %llu runs (warm-up %llu)\n", (unsigned long long)runs, (unsigned long long)warm);
    printf("chaos_rss_after_warmup: %ld KiB\n", rss_warm);
    printf("chaos_rss_growth: %ld KiB\n", rss_end - rss_warm);
    printf("chaos_random: %.0f runs/s\n", (double)runs / (now_s() - t0));
    printf("chaos_seed0_same_trace_after_runs: %llu runs\n", (unsigned long long)runs);
    return 0;
}
