/* Memory of many TCP sims in one process (issue 13): the 64-connection
 * request/response sim run 100,000 times must leave RSS flat after a warm-up.
 * Usage: bench_tcp_mem [SIMS] (default 100000); a progress line every 10%. */
#include <fugue.h>

#include "bench.h"
#include "rr64.h"

int main(int argc, char **argv)
{
    long sims = argc > 1 ? atol(argv[1]) : 100000;
    long warm = sims / 10;
    if (sims < 10)
        return fprintf(stderr, "bench_tcp_mem: SIMS must be at least 10\n"), 2;
    fg_opts o = {.name = "tcp_rr64"};
    fg_result r;
    long rss_warm = 0;
    double t0 = now_s(), tw = 0;
    for (long s = 0; s < sims; s++) {
        if (s == warm) {
            rss_warm = status_kib("VmRSS:");
            tw = now_s();
        }
        if (s % (sims / 10) == 0)
            fprintf(stderr, "bench_tcp_mem: %ld/%ld sims, %.0f s, rss %ld KiB\n", s, sims, now_s() - t0,
                    status_kib("VmRSS:"));
        fg_run_seed(rr64, NULL, &o, (uint64_t)s, &r);
        if (r.outcome != FG_PASS)
            return fprintf(stderr, "bench_tcp_mem: seed %ld failed: %s\n", s, r.report), 1;
    }
    long rss_end = status_kib("VmRSS:");
    fprintf(stderr, "bench_tcp_mem: %ld sims done, rss %ld KiB\n", sims, rss_end);
    printf("tcp_rr64_mem_sims: %ld sims (warm-up %ld)\n", sims, warm);
    printf("tcp_rr64_rss_after_warmup: %ld KiB\n", rss_warm);
    printf("tcp_rr64_rss_growth: %ld KiB\n", rss_end - rss_warm);
    printf("tcp_rr64_mem_rate: %.0f sims/s\n", (double)(sims - warm) / (now_s() - tw));
    return 0;
}
