/* random: seeded runs, one seed after another; the first failure is saved as
 * an input file that replays identically. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

int fg__random_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    uint64_t seed = 1, iterations = 0, seconds = 0;
    bool keep_going = false;
    char dirbuf[4096];
    struct fg__crash c = {.t = t, .driver = prog, .dir = fg__crash_dir(t, dirbuf, sizeof dirbuf)};
    const char *env = getenv("FUGUE_SEED");
    if (env && !fg__parse_u64(env, &seed, false)) {
        fprintf(stderr, "random: FUGUE_SEED=%s is not a number\n", env);
        return 2;
    }
    struct fg__strat strat = FG__STRAT_TARGET;
    if (!fg__strategy_env(&strat))
        return 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        int took;
        if ((took = fg__strategy_arg(&strat, a, v)) != 0)
            ok = took > 0, i++;
        else if (!strcmp(a, "--seed"))
            ok = fg__parse_u64(v, &seed, false), i++;
        else if (!strcmp(a, "--iterations"))
            ok = fg__parse_u64(v, &iterations, false), i++;
        else if (!strcmp(a, "--time"))
            ok = fg__parse_u64(v, &seconds, true), i++;
        else if (!strcmp(a, "--crash-dir"))
            ok = v != NULL, c.dir = v, i++;
        else if (!strcmp(a, "--no-save"))
            c.dir = NULL;
        else if (!strcmp(a, "--keep-going"))
            keep_going = true;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "random: bad argument %s%s%s (see --help)\n", a, v ? " " : "", v ? v : "");
            return 2;
        }
    }
    if (!iterations && !seconds)
        iterations = 10000;
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = true;
    o.on_failure = fg__strategy_save;
    o.ud = &c;
    double start = fg__clock(), next_line = start + 1;
    uint64_t runs = 0, failures = 0;
    int status = 0;
    for (uint64_t s = seed;; s++) {
        if (iterations && runs >= iterations)
            break;
        /* the clock is read every 64 runs: cheap, and --time need not be exact */
        if (!(runs & 63) && runs) {
            double now = fg__clock();
            if (seconds && now - start >= (double)seconds)
                break;
            if (now >= next_line) {
                fprintf(stderr, "random: %llu runs (%.0f/s), %llu failures, seed %llu\n",
                        (unsigned long long)runs, (double)runs / (now - start), (unsigned long long)failures,
                        (unsigned long long)s);
                next_line = now + 5;
            }
        }
        fg_result r;
        fg__strategy_apply(&strat, &o, runs);
        int err = fg_run_seed(t->body, NULL, &o, s, &r);
        runs++;
        if (err < 0) {
            fprintf(stderr, "random: %s\n", fg_strerror(err));
            return 2;
        }
        if (r.outcome != FG_PASS) {
            failures++;
            status = 1;
            fprintf(stderr, "random: seed %llu failed (%s) at run %llu, strategy %s", (unsigned long long)s,
                    fg_outcome_name(r.outcome), (unsigned long long)runs, fg__strategy_name(o.strategy));
            fprintf(stderr, o.strategy == FG_PCT ? " (depth %u)\n" : "\n", o.depth ? o.depth : 3);
            if (!keep_going)
                break;
        }
    }
    double dt = fg__clock() - start;
    printf("random: %llu runs from seed %llu, %llu failure%s, %.0f runs/s\n", (unsigned long long)runs,
           (unsigned long long)seed, (unsigned long long)failures, failures == 1 ? "" : "s",
           dt > 0 ? (double)runs / dt : 0.0);
    /* what the search never reached */
    size_t never = fg_sometimes_report(stdout);
    if (never)
        printf("random: %zu fg_sometimes never true\n", never);
    return status;
}
