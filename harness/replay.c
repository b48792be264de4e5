/* replay: run files (or every file in folders, or one --hex string) as
 * inputs; print each outcome and trace hash, with --trace the schedule as
 * a story, and with --timeline FILE (--stats FILE) the one input's run as a
 * timeline (what its objects counted). Each input runs in a child process, so one that kills the process
 * (a crash signal) is counted as a failure and the next one still runs. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A coverage build (scripts/coverage) writes its profile at exit; a child ends with _exit. */
int __llvm_profile_write_file(void) __attribute__((weak));

struct replay {
    const fg_target *t;
    bool trace;
    const char *timeline;    /* --timeline FILE: of the one input */
    const char *stats;       /* --stats FILE: what its objects and network counted */
    unsigned files, failed, errors;
};

/* Runs one input here; 0 pass, 1 failed, 2 error. */
static int run_input(struct replay *rp, const char *name, const uint8_t *data, size_t len)
{
    fg_opts o = fg_target_opts(rp->t);
    o.return_on_failure = true;
    if (rp->trace) {
        printf("%s:\n", name);
        o.on_step = fg__trace_print;
        o.on_event = fg__trace_event;
    }
    struct fg__timeline *tl = NULL;
    if (rp->timeline) {
        if (!(tl = fg__timeline_new(rp->timeline)))
            return 2;
        fg__timeline_opts(tl, &o);
    }
    fg_result r;
    fflush(stdout);
    int err = fg_run_bytes(rp->t->body, NULL, &o, data, len, &r);
    if (err < 0) {
        printf("%s: error %s\n", name, fg_strerror(err));
        fg__timeline_free(tl);
        return 2;
    }
    if (tl) {
        int werr = fg__timeline_write(tl, rp->t, &r);
        fg__timeline_free(tl);
        if (werr < 0)
            return 2;
    }
    if (rp->stats && fg__stats_write(rp->stats, &r) < 0)
        return 2;
    printf("%s: %s hash %016llx steps %llu choices %llu bytes %zu\n", name, fg_outcome_name(r.outcome),
           (unsigned long long)r.hash, (unsigned long long)r.steps, (unsigned long long)r.choices, r.input_len);
    fflush(stdout);
    return r.outcome != FG_PASS;
}

/* A child that ran its input to the end exits with CHILD_DONE + run_input's status. */
#define CHILD_DONE 100

/* Runs it in a child; a child killed by a signal is a failed input. */
static void run_child(struct replay *rp, const char *name, const uint8_t *data, size_t len)
{
    rp->files++;
    fflush(NULL);
    pid_t pid = fork();
    int rc;
    if (pid < 0) {
        rc = run_input(rp, name, data, len);
    } else if (pid == 0) {
        int code = run_input(rp, name, data, len);
        if (__llvm_profile_write_file)
            __llvm_profile_write_file();
        _exit(CHILD_DONE + code);
    } else {
        int st;
        if (!fg__wait_child(pid, &st, "replay"))
            rc = 2;
        else if (WIFEXITED(st) && WEXITSTATUS(st) >= CHILD_DONE && WEXITSTATUS(st) <= CHILD_DONE + 2) {
            rc = WEXITSTATUS(st) - CHILD_DONE;
        } else {
            /* killed by a signal, or a sanitizer ended it with its own exit status */
            if (WIFSIGNALED(st))
                printf("%s: crash (signal %d: %s) bytes %zu\n", name, WTERMSIG(st), strsignal(WTERMSIG(st)), len);
            else
                printf("%s: crash (exit status %d) bytes %zu\n", name, WEXITSTATUS(st), len);
            fflush(stdout);
            rc = 1;
        }
    }
    rp->failed += rc == 1;
    rp->errors += rc > 1;
}

static void replay_file(struct replay *rp, const char *path)
{
    size_t len;
    uint8_t *data = fg__read_file(path, &len);
    if (!data) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        rp->errors++;
        return;
    }
    run_child(rp, path, data, len);
    free(data);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(struct replay *rp, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        replay_file(rp, path);
        return;
    }
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        rp->errors++;
        return;
    }
    for (int i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
        bool hidden = ents[i]->d_name[0] == '.';
        free(ents[i]);
        if (hidden)
            continue;
        if (stat(sub, &st) < 0) {
            fprintf(stderr, "replay: %s: %s (skipped)\n", sub, strerror(errno));
            rp->errors++;
        } else if (S_ISREG(st.st_mode)) {
            replay_file(rp, sub);
        } else if (!S_ISDIR(st.st_mode)) {
            fprintf(stderr, "replay: %s: not a regular file (skipped)\n", sub);
        }
    }
    free(ents);
}

int fg__replay_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    (void)prog;
    struct replay rp = {.t = t};
    const char *hex = NULL;
    int paths = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--trace")) {
            rp.trace = true;
        } else if (!strcmp(argv[i], "--timeline")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "replay: --timeline needs a file, like --timeline run.json or run.html\n");
                return 2;
            }
            rp.timeline = argv[++i];
        } else if (!strcmp(argv[i], "--stats")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "replay: --stats needs a file, like --stats run-stats.json\n");
                return 2;
            }
            rp.stats = argv[++i];
        } else if (!strcmp(argv[i], "--hex")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "replay: --hex needs a hex string, like --hex 01a3ff (see --help)\n");
                return 2;
            }
            hex = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "replay: unknown option %s (see --help)\n", argv[i]);
            return 2;
        } else {
            paths++;
        }
    }
    if (!paths && !hex) {
        fprintf(stderr, "replay: give files or folders of inputs, or --hex HEX (see --help)\n");
        return 2;
    }
    struct stat st;
    for (int i = 0; i < argc && (rp.timeline || rp.stats); i++)
        if (argv[i][0] != '-' && i > 0 && (!strcmp(argv[i - 1], "--hex") || !strcmp(argv[i - 1], "--timeline") ||
                                           !strcmp(argv[i - 1], "--stats")))
            continue;
        else if (argv[i][0] != '-' && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            paths++;   /* a folder is many inputs */
    if ((rp.timeline || rp.stats) && paths + (hex != NULL) != 1) {
        fprintf(stderr, "replay: --timeline and --stats describe one run: give one input file or --hex\n");
        return 2;
    }
    if (hex) {
        size_t len;
        uint8_t *data = fg__parse_hex(hex, &len);
        if (!data) {
            fprintf(stderr, "replay: --hex %s is not an even number of hex digits\n", hex);
            return 2;
        }
        run_child(&rp, "hex", data, len);
        free(data);
    }
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--hex") || !strcmp(argv[i], "--timeline") || !strcmp(argv[i], "--stats"))
            i++;
        else if (strcmp(argv[i], "--trace"))
            replay_path(&rp, argv[i]);
    }
    if (rp.files != 1 || rp.failed || rp.errors)
        printf("replay: %u input%s, %u failed%s\n", rp.files, rp.files == 1 ? "" : "s", rp.failed,
               rp.errors ? ", some could not be read or run (above)" : "");
    return rp.failed ? 1 : rp.errors ? 2 : 0;
}
