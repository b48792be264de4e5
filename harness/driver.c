/* The driver every target gets: one command line for replay, random,
 * exhaustive, minimize and check-determinism. */
#include "harness.h"

#include <string.h>
#include <sys/stat.h>

int fg__minimize_main(const fg_target *t, const char *prog, int argc, char **argv);

static void usage(const fg_target *t, const char *prog, FILE *f)
{
    fprintf(f,
            "usage: %s COMMAND [options]      (target %s, %s)\n"
            "\n"
            "  replay [--trace] FILE|DIR...   run inputs; print each outcome and trace hash\n"
            "                                 (--trace: the schedule as a story)\n"
            "  random [--seed N] [--iterations N | --time T] [--keep-going] [--strategy S] [--depth D]\n"
            "                                 seeded random runs (T: 30, 30s, 5m, 2h; default 10000 runs)\n"
            "  exhaustive [--max-runs N] [--keep-going] [--strategy S]\n"
            "                                 every schedule, depth first; prints how many ran\n"
            "  --strategy por|fifo|random|pct|pos|auto overrides the target's (auto: random, PCT d=1..3\n"
            "                                 and POS in turn; random only); --depth D: PCT's depth (3)\n"
            "  minimize FILE [-o OUT] [--max-runs N]\n"
            "                                 shrink a failing input that keeps failing the same way\n"
            "  check-determinism [FILE...] [--iterations N]\n"
            "                                 run twice, compare trace hashes\n"
            "  info                           the target's name, file, strategy and planted bug\n"
            "\n"
            "  random and exhaustive save a failing input as DIR/crash-<hash>, DIR being\n"
            "  --crash-dir, $FUGUE_CRASH_DIR or corpus/%s (--no-save: don't). FUGUE_SEED sets\n"
            "  the first seed, FUGUE_STRATEGY and FUGUE_DEPTH the strategy. Exit status: 0 all passed, 1 a run failed, 2 usage or I/O error.\n",
            prog, t->name, t->file, t->name);
}

int fg_target_main(const fg_target *t, int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : t->name;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(t, prog, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    int n = argc - 2;
    char **a = argv + 2;
    if (!strcmp(cmd, "replay"))
        return fg__replay_main(t, prog, n, a);
    if (!strcmp(cmd, "random"))
        return fg__random_main(t, prog, n, a);
    if (!strcmp(cmd, "exhaustive"))
        return fg__exhaustive_main(t, prog, n, a);
    if (!strcmp(cmd, "minimize"))
        return fg__minimize_main(t, prog, n, a);
    if (!strcmp(cmd, "info")) {
        printf("name: %s\nfile: %s\nstrategy: %s\nexpect: %s\nfind_within: %llu\n", t->name, t->file,
               fg__strategy_name(t->strategy), fg_outcome_name(t->expect),
               (unsigned long long)t->find_within);
        return 0;
    }
    if (!strcmp(cmd, "check-determinism"))
        return fg__determinism_main(t, prog, n, a);
    /* like a fuzzer binary: files and folders alone mean replay */
    struct stat st;
    if (stat(cmd, &st) == 0)
        return fg__replay_main(t, prog, argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command %s\n\n", prog, cmd);
    usage(t, prog, stderr);
    return 2;
}
