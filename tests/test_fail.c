/* Every failure kind prints its report and ends the run the right way. The
 * aborting ones run in a child process whose stderr we read. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

static char out[16384];

static void call(void *fn)
{
    (*(void (**)(void))fn)();
}

/* Runs fn in a child with stderr captured in `out` (child.h); returns its wait status. */
static int in_child(void (*fn)(void))
{
    return child_run(call, &fn, out, sizeof out);
}

static bool aborted(int status)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* ---- assertion ---- */

static int shared;
static void incr(void *arg)
{
    (void)arg;
    int v = shared;
    fg_yield();
    shared = v + 1;
}
static void lost_update(void *arg)
{
    (void)arg;
    shared = 0;
    int a = fg_spawn(incr, NULL, .name = "inc_a");
    int b = fg_spawn(incr, NULL, .name = "inc_b");
    fg_join(a, FG_FOREVER);
    fg_join(b, FG_FOREVER);
    fg_assert(shared == 2);
}

static int saved_calls;
static void on_failure(const fg_result *r, void *ud)
{
    (void)ud;
    saved_calls++;
    fprintf(stderr, "  on_failure: %s, %zu input bytes\n", fg_outcome_name(r->outcome), r->input_len);
}

static void run_assert(void)
{
    fg_opts o = {.name = "lost_update", .on_failure = on_failure};
    fg_result r;
    fg_run_bytes(lost_update, NULL, &o, NULL, 0, &r);
}

Test(fail, assertion_aborts_with_a_report)
{
    int st = in_child(run_assert);
    cr_assert(aborted(st), "status %d; output:\n%s", st, out);
    cr_assert(strstr(out, "fugue: assertion failed: shared == 2 ("), "%s", out);
    cr_assert(strstr(out, "tests/test_fail.c:53)\n"), "%s", out);   /* lost_update's fg_assert: its line here */
    cr_assert(strstr(out, "  task lost_update (group main) at 0.000000ms, step "), "%s", out);
    cr_assert(strstr(out, "  last steps:\n"), "%s", out);
    cr_assert(strstr(out, "inc_b resumes from fg_yield"), "%s", out);
    cr_assert(strstr(out, "  on_failure: assertion, 0 input bytes\n"), "the harness hook ran before abort:\n%s", out);
}

/* a step's time is looked up from when time moved (struct instant), not stored per step */
static void sleeps_then_fails(void *arg)
{
    (void)arg;
    for (int i = 0; i < 40; i++)
        fg_sleep(FG_MS);
    fg_assert(!"done");
}

Test(fail, last_steps_carry_their_times)
{
    fg_opts o = {.return_on_failure = true, .quiet = true};
    fg_result r;
    fg_run_bytes(sleeps_then_fails, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_FAIL_ASSERT);
    /* step 1 starts main at 0, step k+1 resumes it at k ms: the last 16 are #26..#41 */
    cr_assert(strstr(r.report, "    #26 25.000000ms main resumes from fg_sleep"), "%s", r.report);
    cr_assert(strstr(r.report, "    #33 32.000000ms main resumes from fg_sleep"), "%s", r.report);
    cr_assert(strstr(r.report, "    #41 40.000000ms main resumes from fg_sleep"), "%s", r.report);
    cr_assert_null(strstr(r.report, "    #25 "), "%s", r.report);
}

Test(fail, assertion_can_return_instead)
{
    fg_opts o = {.return_on_failure = true, .quiet = true, .strategy = FG_RANDOM};
    fg_result r;
    /* the natural order interleaves a's read-yield-write with b's */
    cr_assert_eq(fg_run_bytes(lost_update, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_FAIL_ASSERT);
    cr_assert(strstr(r.report, "assertion failed: shared == 2"));
    /* and the sim after a failed one is clean: a runs on after its yield, then b */
    static const uint8_t ok_in[] = {0, 1};
    fg_run_bytes(lost_update, NULL, &o, ok_in, sizeof ok_in, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
}

/* ---- deadlock ---- */

static void waits_forever(void *arg)
{
    (void)arg;
    fg_join(0, FG_FOREVER);   /* joins the root, which joins us */
}
static void deadlock_root(void *arg)
{
    (void)arg;
    int t = fg_spawn(waits_forever, NULL, .name = "partner", .group = "peer");
    fg_join(t, FG_FOREVER);
}

Test(fail, deadlock_names_every_blocked_task_and_call)
{
    fg_opts o = {.return_on_failure = true, .quiet = true};
    fg_result r;
    fg_run_bytes(deadlock_root, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_FAIL_DEADLOCK);
    cr_assert(strstr(r.report, "fugue: deadlock: 1 primary task blocked (main in fg_join)"), "%s", r.report);
    cr_assert(!strstr(r.report, "  task "), "no task line naming whoever ran last: %s", r.report);
    cr_assert(strstr(r.report, "    main (group main): fg_join ("), "%s", r.report);
    cr_assert(strstr(r.report, "    partner (group peer): fg_join ("), "%s", r.report);
    cr_assert(strstr(r.report, "test_fail.c:"), "%s", r.report);
}

static void run_deadlock(void)
{
    fg_result r;
    fg_run_bytes(deadlock_root, NULL, NULL, NULL, 0, &r);
}

Test(fail, deadlock_aborts_by_default)
{
    int st = in_child(run_deadlock);
    cr_assert(aborted(st));
    cr_assert(strstr(out, "fugue: deadlock"), "%s", out);
}

/* ---- livelock ---- */

static void spinner(void *arg)
{
    (void)arg;
    for (;;)
        fg_yield();
}
static void livelock_root(void *arg)
{
    (void)arg;
    fg_spawn(spinner, NULL);
    fg_sleep(FG_MS);   /* time never comes: the spinner keeps the instant busy */
}
static void slow_spinner(void *arg)
{
    (void)arg;
    for (;;)
        fg_sleep(FG_US);
}

Test(fail, livelock_budgets)
{
    fg_opts o = {.return_on_failure = true, .quiet = true, .max_instant_steps = 5000};
    fg_result r;
    fg_run_bytes(livelock_root, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_FAIL_LIVELOCK);
    cr_assert(strstr(r.report, "livelock: 5000 steps without sim time advancing"), "%s", r.report);
    fg_opts o2 = {.return_on_failure = true, .quiet = true, .max_steps = 20000};
    fg_run_bytes(slow_spinner, NULL, &o2, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_FAIL_LIVELOCK);
    cr_assert(strstr(r.report, "budget of 20000 steps"), "%s", r.report);
    fg_opts o3 = {.return_on_failure = true, .quiet = true, .max_time = FG_SEC};
    fg_run_bytes(slow_spinner, NULL, &o3, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_FAIL_LIVELOCK);
    cr_assert_geq(r.time, FG_SEC);
    cr_assert(strstr(r.report, "sim time passed its budget of 1000.000000ms (fg_opts.max_time): a timer took it to 1000.001000ms"),
              "the budget and the time reached: %s", r.report);
}

/* ---- crashes ---- */

static volatile int forever = 1;
static int recurse(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    return forever ? recurse(n + 1) + pad[0] : 0;
}
static void overflower(void *arg)
{
    (void)arg;
    recurse(0);
}
static void overflow_root(void *arg)
{
    (void)arg;
    fg_spawn(overflower, NULL, .name = "deep", .stack_size = 64 * 1024, .primary = true);
}
static void run_overflow(void)
{
    fg_opts o = {.on_failure = on_failure};
    fg_result r;
    fg_run_bytes(overflow_root, NULL, &o, NULL, 0, &r);
}

Test(fail, stack_overflow_is_reported_not_a_bare_segfault)
{
    int st = in_child(run_overflow);
    cr_assert(aborted(st), "status %d\n%s", st, out);
    cr_assert(strstr(out, "fugue: stack overflow: task deep ran past the end of its "), "%s", out);
    cr_assert(strstr(out, "-byte stack (give it .stack_size)"), "%s", out);
    cr_assert(strstr(out, "on_failure: stack overflow"), "%s", out);
}

static void null_deref(void *arg)
{
    (void)arg;
    fg_yield();
    volatile int *p = NULL;
    *p = 1;
}
static void run_crash(void)
{
    fg_opts o = {.on_failure = on_failure};
    fg_result r;
    fg_run_bytes(null_deref, NULL, &o, NULL, 0, &r);
}

Test(fail, crash_signal_is_reported)
{
    int st = in_child(run_crash);
    /* the previous handler (default, or a sanitizer's) finishes the job */
    cr_assert(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0), "status %d", st);
    cr_assert(strstr(out, "fugue: crash: signal 11"), "%s", out);
    cr_assert(strstr(out, "  task main (group main)"), "%s", out);
    cr_assert(strstr(out, "on_failure: crash"), "%s", out);
}

static void calls_abort(void *arg)
{
    (void)arg;
    fg_sleep(FG_MS);
    abort();
}
static void run_abort(void)
{
    fg_result r;
    fg_run_bytes(calls_abort, NULL, NULL, NULL, 0, &r);
}

Test(fail, abort_is_reported)
{
    int st = in_child(run_abort);
    cr_assert(aborted(st), "status %d", st);
    cr_assert(strstr(out, "fugue: abort() called\n  task main (group main) at 1.000000ms"), "%s", out);
}
