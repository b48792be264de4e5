/* exhaustive: every sequence of choices, depth first, optionally bounded. */
#include "harness.h"

#include <string.h>

struct exh {
    bool keep_going;
    uint64_t first_fail;
};

static bool each(const fg_result *r, void *ud)
{
    struct exh *e = ud;
    if (r->outcome == FG_PASS)
        return true;
    return e->keep_going;
}

int fg__exhaustive_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    uint64_t max_runs = 0;
    char dirbuf[4096];
    char run[4200];
    snprintf(run, sizeof run, "%s replay", prog);
    struct fg__crash c = {.t = t, .driver = run, .dir = fg__crash_dir(t, dirbuf, sizeof dirbuf)};
    struct exh e = {0};
    struct fg__strat strat = FG__STRAT_TARGET;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        int took;
        if ((took = fg__strategy_arg(&strat, a, v)) != 0)
            ok = took > 0 && strat.kind != FG__AUTO, i++;
        else if (!strcmp(a, "--max-runs"))
            ok = fg__parse_u64(v, &max_runs, false), i++;
        else if (!strcmp(a, "--crash-dir"))
            ok = v != NULL, c.dir = v, i++;
        else if (!strcmp(a, "--no-save"))
            c.dir = NULL;
        else if (!strcmp(a, "--keep-going"))
            e.keep_going = true;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "exhaustive: bad argument %s (see --help)\n", a);
            return 2;
        }
    }
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = true;
    fg__strategy_apply(&strat, &o, 0);
    o.on_failure = fg__strategy_save;
    o.ud = &c;
    fg_explore_stats st;
    double start = fg__clock();
    int err = fg_explore(t->body, NULL, &o, max_runs, each, &e, &st);
    if (err < 0) {
        fprintf(stderr, "exhaustive: %s\n", fg_strerror(err));
        return 2;
    }
    const char *how = st.complete ? "every schedule" : st.failures && !e.keep_going ? "stopped at the first failure"
                                                                                     : "stopped at --max-runs";
    printf("exhaustive: %llu schedule%s (%s), %llu failure%s, %.2f s\n", (unsigned long long)st.runs,
           st.runs == 1 ? "" : "s", how, (unsigned long long)st.failures, st.failures == 1 ? "" : "s",
           fg__clock() - start);
    return st.failures ? 1 : 0;
}
