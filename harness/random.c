/* random: seeded runs, one seed after another; a failure prints its seed and
 * is saved as an input file that replays identically. The runs happen in a
 * child process, so a crash signal is a failure like any other (exit 1, and
 * with --keep-going the next seed runs). */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the parent needs to know after the child died: shared memory. */
struct progress {
    uint64_t seed;       /* the seed running now, or next */
    uint64_t runs, failures;
    bool in_run;         /* the child is inside the run of `seed` */
    bool reported;       /* the current seed's failure was announced */
    bool drawn;          /* --timeline: the first failing run is drawn */
};

struct rnd {
    const fg_target *t;
    const char *prog;
    uint64_t first_seed, iterations, seconds;
    bool keep_going, quiet;
    double start;
    struct fg__crash c;
    struct fg__strat strat;   /* --strategy/--depth/FUGUE_STRATEGY, or the target's own */
    const fg_opts *o;         /* the options of the run under way */
    struct progress *p;
    const char *timeline;     /* --timeline FILE: the first failing run, run again to draw it */
    const char *stats;        /* --stats FILE: what that run's objects counted */
};

/* Runs the failing input again (replay is exact) with the timeline recording, and writes it
 * (and its stats). */
static void draw_failure(struct rnd *x, const fg_result *r)
{
    x->p->drawn = true;
    size_t len = r->input_len;
    uint8_t *in = malloc(len ? len : 1);
    struct fg__timeline *tl = x->timeline ? fg__timeline_new(x->timeline) : NULL;
    if (!in || (x->timeline && !tl)) {
        fprintf(stderr, "random: out of memory for --timeline\n");
        free(in);
        fg__timeline_free(tl);
        return;
    }
    memcpy(in, r->input, len);
    uint64_t hash = r->hash;
    fg_opts o = *x->o;
    o.on_failure = NULL;
    o.quiet = true;
    if (tl)
        fg__timeline_opts(tl, &o);
    fg_result again;
    if (fg_run_bytes(x->t->body, NULL, &o, in, len, &again) < 0 || again.hash != hash)
        fprintf(stderr, "random: the failing run did not replay the same (hash %016llx, not %016llx): no timeline\n",
                (unsigned long long)again.hash, (unsigned long long)hash);
    else {
        if (tl && fg__timeline_write(tl, x->t, &again) == 0)
            fprintf(stderr, "random: timeline of seed %llu written to %s\n", (unsigned long long)x->p->seed,
                    x->timeline);
        if (x->stats && fg__stats_write(x->stats, &again) == 0)
            fprintf(stderr, "random: stats of seed %llu written to %s\n", (unsigned long long)x->p->seed, x->stats);
    }
    fg__timeline_free(tl);
    free(in);
}

static void on_failure(const fg_result *r, void *ud)
{
    struct rnd *x = ud;
    x->p->failures++;
    x->p->reported = true;
    /* an override is part of the command; auto's pick and PCT's step estimate depend on the
     * runs before this one, so for them the saved file is the exact reproduction */
    char how[64] = "";
    if (x->strat.kind >= 0 && x->o->strategy == FG_PCT)
        snprintf(how, sizeof how, " --strategy pct --depth %u", x->o->depth ? x->o->depth : 3);
    else if (x->strat.kind >= 0)
        snprintf(how, sizeof how, " --strategy %s", fg__strategy_name(x->o->strategy));
    fprintf(stderr, "random: seed %llu failed (%s) at run %llu, strategy %s   reproduce: %s random --seed %llu --iterations 1%s\n",
            (unsigned long long)x->p->seed, fg_outcome_name(r->outcome), (unsigned long long)x->p->runs + 1,
            fg__strategy_name(x->o->strategy), x->prog, (unsigned long long)x->p->seed, how);
    fg__strategy_save(r, &x->c);
}

/* A status line every ~10 s: in place on a terminal, plain lines elsewhere. */
static void status(struct rnd *x, double now)
{
    if (x->quiet)
        return;
    bool tty = isatty(2);
    double dt = now - x->start;
    fprintf(stderr, "%srandom: %.0fs, %llu runs, %.0f runs/s, %llu failure%s, seed %llu%s", tty ? "\r\033[K" : "", dt,
            (unsigned long long)x->p->runs, dt > 0 ? (double)x->p->runs / dt : 0.0,
            (unsigned long long)x->p->failures, x->p->failures == 1 ? "" : "s", (unsigned long long)x->p->seed,
            tty ? "" : "\n");
}

/* The runs from p->seed on, until the budget is spent or (without --keep-going) a failure. */
static int run_seeds(struct rnd *x)
{
    fg_opts o = fg_target_opts(x->t);
    o.return_on_failure = true;
    o.on_failure = on_failure;
    o.ud = x;
    x->o = &o;
    struct progress *p = x->p;
    double next_line = x->start + 10;
    bool shown = false;
    int status_code = 0;
    for (;; p->seed++) {
        if (x->iterations && p->runs >= x->iterations)
            break;
        /* the clock is read every 64 runs: cheap, and --time need not be exact */
        if (!(p->runs & 63) && p->runs) {
            double now = fg__clock();
            if (x->seconds && now - x->start >= (double)x->seconds)
                break;
            if (now >= next_line) {
                status(x, now);
                shown = true;
                next_line = now + 10;
            }
        }
        fg_result r;
        fg__strategy_apply(&x->strat, &o, p->runs);
        p->reported = false;
        p->in_run = true;
        int err = fg_run_seed(x->t->body, NULL, &o, p->seed, &r);
        p->in_run = false;
        p->runs++;
        if (err < 0) {
            fprintf(stderr, "random: %s\n", fg_strerror(err));
            return 2;
        }
        if (r.outcome != FG_PASS) {
            status_code = 1;
            if ((x->timeline || x->stats) && !p->drawn)
                draw_failure(x, &r);
            if (!x->keep_going) {
                p->seed++;
                break;
            }
        }
    }
    if (shown && isatty(2) && !x->quiet)
        fputc('\n', stderr);
    /* what the search never reached (in this process: a crash restarts the count) */
    size_t never = fg_sometimes_report(stdout);
    if (never)
        printf("random: %zu fg_sometimes never true\n", never);
    return status_code;
}

int fg__random_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    char dirbuf[4096], run[4200];
    snprintf(run, sizeof run, "%s replay", prog);
    struct rnd x = {.t = t, .prog = prog, .first_seed = 1,
                    .c = {.t = t, .driver = run, .dir = fg__crash_dir(t, dirbuf, sizeof dirbuf)}};
    bool have_iterations = false;
    const char *env = getenv("FUGUE_SEED");
    if (env && !fg__parse_u64(env, &x.first_seed, false)) {
        fprintf(stderr, "random: FUGUE_SEED=%s is not a number\n", env);
        return 2;
    }
    x.strat = (struct fg__strat)FG__STRAT_TARGET;
    if (!fg__strategy_env(&x.strat))
        return 2;
    /* one option a line: a new one is one more `else if` */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int at = i, took;
        bool ok = true;
        if ((took = fg__strategy_arg(&x.strat, a, v)) != 0)
            ok = took > 0, i++;
        else if (!strcmp(a, "--seed"))
            ok = fg__parse_u64(v, &x.first_seed, false), i++;
        else if (!strcmp(a, "--iterations"))
            ok = fg__parse_u64(v, &x.iterations, false) && x.iterations > 0, have_iterations = true, i++;
        else if (!strcmp(a, "--time"))
            ok = fg__parse_u64(v, &x.seconds, true) && x.seconds > 0, i++;
        else if (!strcmp(a, "--crash-dir"))
            ok = v != NULL, x.c.dir = v, i++;
        else if (!strcmp(a, "--timeline"))
            ok = v != NULL, x.timeline = v, i++;
        else if (!strcmp(a, "--stats"))
            ok = v != NULL, x.stats = v, i++;
        else if (!strcmp(a, "--no-save"))
            x.c.dir = NULL;
        else if (!strcmp(a, "--keep-going"))
            x.keep_going = true;
        else if (!strcmp(a, "--quiet"))
            x.quiet = true;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "random: bad argument %s%s%s (counts and times are 1 or more; see --help)\n", a,
                    i > at && v ? " " : "", i > at && v ? v : i > at ? " (no value)" : "");
            return 2;
        }
    }
    if (!have_iterations && !x.seconds)
        x.iterations = 10000;
    /* shared with the child; without mmap the runs happen here */
    struct progress local = {0};
    struct progress *p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    bool fork_ok = p != MAP_FAILED;
    x.p = fork_ok ? p : &local;
    *x.p = (struct progress){.seed = x.first_seed};
    x.start = fg__clock();
    int status_code = 0;
    for (;;) {
        fflush(NULL);
        pid_t pid = fork_ok ? fork() : -1;
        if (pid < 0) {
            status_code = run_seeds(&x);
            break;
        }
        if (pid == 0) {
            int rc = run_seeds(&x);
            fflush(NULL);   /* _exit flushes nothing, and a pipe's stdout is buffered */
            _exit(rc);
        }
        int st;
        if (!fg__wait_child(pid, &st, "random")) {
            status_code = 2;
            break;
        }
        if (!x.p->in_run) {
            if (WIFEXITED(st))
                status_code = WEXITSTATUS(st) ? WEXITSTATUS(st) : status_code;
            else
                status_code = 2, fprintf(stderr, "random: killed by signal %d between runs\n", WTERMSIG(st));
            break;
        }
        /* the child died in the run of x.p->seed (a signal, or a sanitizer's exit): a failure,
         * which the hook saved and announced if it got the chance */
        status_code = 1;
        x.p->in_run = false;
        if (!x.p->reported) {
            x.p->failures++;
            fprintf(stderr, "random: seed %llu ended the process (%s %d) at run %llu   reproduce: %s random --seed %llu --iterations 1\n",
                    (unsigned long long)x.p->seed, WIFEXITED(st) ? "exit status" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), (unsigned long long)x.p->runs + 1, prog,
                    (unsigned long long)x.p->seed);
        }
        x.p->runs++;
        x.p->seed++;
        bool spent = (x.iterations && x.p->runs >= x.iterations) ||
                     (x.seconds && fg__clock() - x.start >= (double)x.seconds);
        if (!x.keep_going || spent)
            break;
    }
    double dt = fg__clock() - x.start;
    printf("random: %llu runs from seed %llu, %llu failure%s, %.0f runs/s\n", (unsigned long long)x.p->runs,
           (unsigned long long)x.first_seed, (unsigned long long)x.p->failures, x.p->failures == 1 ? "" : "s",
           dt > 0 ? (double)x.p->runs / dt : 0.0);
    if (fork_ok)
        munmap(p, sizeof *p);
    return status_code;
}
