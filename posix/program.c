/* The program as a target: its main (renamed by fugue-cc to
 * fugue_program_main) runs as the sim's root task, every run from the same
 * world: globals restored, the layer's tables empty, rand() reseeded. Its
 * return or exit() ends the sim; a nonzero status is a failure of its own. */
#include "px.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int fugue_program_main(int argc, char **argv, char **envp) __attribute__((weak));
extern char **environ;

int px__argc;
char **px__argv;
static uint64_t rand_state;
/* FUGUE_EXIT_STATUS_OK=1: a nonzero status is not a failure (for suites whose programs return junk) */
static bool exit_status_ok;

static void root(void *arg)
{
    (void)arg;
    px__on_sim = true;
    if (++px__epoch == 0)
        px__epoch = 1;
    px__threads_reset();
    px__shadow_reset();
    px__sched_reset();
    px__data_reset();
    if (px__races)
        px__race_reset();
    rand_state = 1;
    optind = 0;   /* libc's getopt state lives outside the program's globals: 0 makes glibc start afresh */
    px__thread(0)->used = true;
    if (!fugue_program_main)
        fg_fail("no program: build it with fugue-cc (its main becomes fugue_program_main)");
    /* a fresh argv each run: programs may write into theirs */
    char **argv = fg_alloc(((size_t)px__argc + 1) * sizeof *argv);
    for (int i = 0; i < px__argc; i++)
        argv[i] = fg__strdup(px__argv[i]);
    argv[px__argc] = NULL;
    px__exit_sim(fugue_program_main(px__argc, argv, environ));
}

fg_target px__target = {
    .name = "program",
    .body = root,
    .file = "(fugue-cc program)",
    .strategy = FG_FIFO,            /* the layer's own points make the choices */
    .stack_size = PX_STACK_DEFAULT,
};

__attribute__((constructor)) static void register_program(void)
{
    static char *default_argv[] = {"program", NULL};
    px__target.name = program_invocation_short_name;
    const char *ok = getenv("FUGUE_EXIT_STATUS_OK");
    exit_status_ok = ok && *ok && strcmp(ok, "0");
    const char *races = getenv("FUGUE_RACES");
    px__races = races && *races && strcmp(races, "0");
    px__argc = 1;
    px__argv = default_argv;
    default_argv[0] = program_invocation_short_name;
    fg_target_register(&px__target);
}

extern bool px__profiling;
extern int px__profile_fd;
void px__know(uintptr_t pc);
size_t px__known_sites(void);

/* Before the first run: a few runs where every access is a choice, to learn
 * which sites touch memory that threads share. Later runs make those sites'
 * accesses choices from the start (before a second thread has touched that
 * address), which the per-run filter alone would miss. The runs are fixed
 * seeds, so every process learns the same set and inputs replay everywhere. */
void px__profile(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    uint64_t runs = 16;
    const char *e = getenv("FUGUE_PROFILE_RUNS");
    if (e && *e)
        runs = strtoull(e, NULL, 10);
    /* in a child, silenced: a crash or the program's output must not reach the user */
    int fds[2];
    if (!runs || pipe(fds) < 0)
        return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        px__profile_fd = fds[1];
        px__races = false;   /* a race found would end a run early: the sites learnt must not depend on it */
        fg_opts o = fg_target_opts(&px__target);
        o.return_on_failure = true;
        o.quiet = true;
        o.max_steps = 200000;
        px__profiling = true;
        for (uint64_t i = 0; i < runs; i++) {
            fg_result r;
            if ((i ? fg_run_seed(root, NULL, &o, i, &r) : fg_run_bytes(root, NULL, &o, NULL, 0, &r)) < 0)
                break;
        }
        _exit(0);
    }
    close(fds[1]);
    uintptr_t pc;
    while (read(fds[0], &pc, sizeof pc) == (ssize_t)sizeof pc)
        px__know(pc);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    if (getenv("FUGUE_PROFILE_VERBOSE"))
        fprintf(stderr, "fugue: %zu racy sites learnt in %llu profiling runs\n", px__known_sites(),
                (unsigned long long)runs);
}

/* The driver (driver_main.c) profiles once the program's --args are known; a
 * fuzzer binary has no such main, so it profiles before libFuzzer starts. */
extern const int px__has_driver __attribute__((weak));

__attribute__((constructor)) static void profile_at_start(void)
{
    if (fugue_program_main && !&px__has_driver)
        px__profile();
}

void px__exit_sim(int status)
{
    /* the other threads may still run before the process ends: each time main
     * is back at its exit, whether it exits now is a choice again */
    for (;;) {
        uint64_t before = S->steps;
        PX_POINT("exit");
        if (S->steps == before)
            break;
    }
    if (status != 0 && !exit_status_ok)
        fg__fail(FG_FAIL_EXIT, "the program exited with status %d", status);
    fg__cancel_all();
    fg__task_exit();
}

void exit(int status)
{
    if (px_in_sim()) {
        fflush(stdout);
        px__exit_sim(status);
    }
    PX_REAL(void, exit, int);
    real_exit(status);
    __builtin_unreachable();
}

void __assert_fail(const char *expr, const char *file, unsigned line, const char *fn)
{
    if (px_in_sim())
        fg_fail_(file, (int)line, "assertion failed: %s (in %s)", expr, fn);
    fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, fn, expr);
    abort();
}

/* rand() and friends restart with every run, so runs replay; seeded by srand as usual. */
static int next_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (int)(*s >> 33);
}

int rand(void)
{
    return next_rand(&rand_state);
}

void srand(unsigned seed)
{
    rand_state = seed;
}

long random(void)
{
    return next_rand(&rand_state);
}

void srandom(unsigned seed)
{
    rand_state = seed;
}

int rand_r(unsigned *seed)
{
    uint64_t s = *seed;
    int r = next_rand(&s);
    *seed = (unsigned)s;
    return r;
}

/* the 48-bit family too (PARSEC uses lrand48): same per-run state */
long lrand48(void)
{
    return next_rand(&rand_state) & 0x7fffffff;
}

long mrand48(void)
{
    return (long)(int32_t)(next_rand(&rand_state) << 1);
}

double drand48(void)
{
    return (double)(next_rand(&rand_state) & 0x7fffffff) / 2147483648.0;
}

void srand48(long seed)
{
    rand_state = (uint64_t)seed;
}
