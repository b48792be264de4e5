/* The driver every target gets: one command line for replay, random,
 * exhaustive, minimize and check-determinism. */
#include "harness.h"

#include <string.h>
#include <sys/stat.h>

int fg__minimize_main(const fg_target *t, const char *prog, int argc, char **argv);

typedef int engine_fn(const fg_target *t, const char *prog, int argc, char **argv);
static int info_main(const fg_target *t, const char *prog, int argc, char **argv);
static int list_main(const fg_target *t, const char *prog, int argc, char **argv);

/* One row per command: its name, entry, arguments and what it does (--help prints them). */
static const struct command {
    const char *name;
    engine_fn *fn;
    const char *args, *what;
} commands[] = {
    {"replay", fg__replay_main, "[--trace] [--timeline OUT.json|OUT.html] [--stats OUT.json] FILE|DIR... | --hex HEX",
     "run inputs; print each outcome and trace hash (--trace: the schedule as a story;\n"
     "      --timeline: the one input's run for Perfetto/chrome://tracing, or as a page;\n"
     "      --stats: what its locks, queues and network counted)"},
    {"random", fg__random_main, "[--seed N] [--iterations N | --time T] [--keep-going] [--quiet] [--strategy S] [--depth D]"
     " [--timeline OUT] [--stats OUT]",
     "seeded random runs (T: 30, 30s, 5m, 2h; default 10000 runs; --timeline, --stats: of the first failing run)"},
    {"exhaustive", fg__exhaustive_main, "[--max-runs N] [--keep-going] [--strategy S]",
     "every schedule, depth first; prints how many ran"},
    {"minimize", fg__minimize_main, "FILE [-o OUT] [--max-runs N]",
     "shrink a failing input that keeps failing the same way"},
    {"check-determinism", fg__determinism_main, "[FILE...] [--iterations N]", "run twice, compare trace hashes"},
    {"info", info_main, "", "the target's name, file, strategy (and PCT depth, 0: 3) and planted bug"},
    {"list", list_main, "", "every target in this binary: name, file, strategy, planted bug"},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void usage(const fg_target *t, const char *prog, FILE *f)
{
    fprintf(f, "usage: %s COMMAND [options]      (target %s, %s)\n\n", prog, t->name, fg__target_file(t));
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s %s\n      %s\n", commands[i].name, commands[i].args, commands[i].what);
    fprintf(f,
            "\n"
            "  COMMAND --help describes one command. random and exhaustive save a failing input as\n"
            "  DIR/crash-<hash>, DIR being --crash-dir, $FUGUE_CRASH_DIR or corpus/%s (--no-save: don't).\n"
            "  --strategy por|fifo|random|pct|pos|auto overrides the target's (auto: random, PCT d=1..3 and\n"
            "  POS in turn; random only); --depth D: PCT's depth (3). FUGUE_STRATEGY and FUGUE_DEPTH do the same.\n"
            "  FUGUE_SEED sets the first seed. Exit status: 0 all passed, 1 a run failed, 2 usage or I/O error.\n",
            t->name);
}

static int info_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    (void)prog, (void)argv;
    if (argc) {
        fprintf(stderr, "info: takes no arguments (see --help)\n");
        return 2;
    }
    printf("name: %s\nfile: %s\nstrategy: %s\ndepth: %u\nexpect: %s\nfind_within: %llu\n", t->name,
           fg__target_file(t), fg__strategy_name(t->strategy), t->depth, fg_outcome_name(t->expect),
           (unsigned long long)t->find_within);
    return 0;
}

static int list_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    (void)t, (void)prog, (void)argv;
    if (argc) {
        fprintf(stderr, "list: takes no arguments (see --help)\n");
        return 2;
    }
    fg__list_targets(stdout);
    return 0;
}

void fg__list_targets(FILE *f)
{
    fprintf(f, "%-14s %-22s %-9s %s\n", "target", "file", "strategy", "planted bug");
    for (const fg_target *t = fg_targets(); t; t = t->next) {
        fprintf(f, "%-14s %-22s %-9s ", t->name, fg__target_file(t), fg__strategy_name(t->strategy));
        if (t->expect == FG_PASS)
            fprintf(f, "no\n");
        else
            fprintf(f, "yes: %s within %llu random runs\n", fg_outcome_name(t->expect),
                    (unsigned long long)t->find_within);
    }
}

const char *fg__target_file(const fg_target *t)
{
    const char *f = t->file ? t->file : "?";
    while (!strncmp(f, "../", 3))   /* meson compiles from the build folder */
        f += 3;
    return f;
}

static bool is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int fg_target_main(const fg_target *t, int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : t->name;
    if (argc < 2 || is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(t, prog, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    int n = argc - 2;
    char **a = argv + 2;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(cmd, commands[i].name))
            continue;
        for (int j = 0; j < n; j++) {
            if (is_help(a[j])) {
                printf("usage: %s %s %s\n  %s\n", prog, cmd, commands[i].args, commands[i].what);
                return 0;
            }
        }
        return commands[i].fn(t, prog, n, a);
    }
    /* like a fuzzer binary: files and folders alone mean replay */
    struct stat st;
    if (stat(cmd, &st) == 0)
        return fg__replay_main(t, prog, argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command %s (commands: replay random exhaustive minimize check-determinism info list; "
            "see --help)\n", prog, cmd);
    return 2;
}
