/* Tasks: spawn, groups, join, abort, teardown at the end of a sim, misuse. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "leakcheck.h"

static fg_opts quiet = {.return_on_failure = true, .quiet = true};

static const char *seen_group[4];
static void child(void *arg)
{
    seen_group[(intptr_t)arg] = fg_group();
    fg_yield();
}
static void parent(void *arg)
{
    (void)arg;
    seen_group[0] = fg_group();
    fg_spawn(child, (void *)1, .primary = true);
    fg_spawn(child, (void *)2, .group = "server", .primary = true);
}
static void root_groups(void *arg)
{
    (void)arg;
    seen_group[3] = fg_group();
    fg_spawn(parent, NULL, .group = "client_0", .primary = true);
}

Test(task, groups_inherit)
{
    fg_result r;
    cr_assert_eq(fg_run_bytes(root_groups, NULL, &quiet, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert_str_eq(seen_group[3], "main");
    cr_assert_str_eq(seen_group[0], "client_0");
    cr_assert_str_eq(seen_group[1], "client_0", "spawned tasks inherit the spawner's group");
    cr_assert_str_eq(seen_group[2], "server");
}

static int join_results[8];
static void sleepy(void *arg)
{
    fg_sleep((fg_time)(intptr_t)arg * FG_MS);
}
static void joiner(void *arg)
{
    (void)arg;
    int a = fg_spawn(sleepy, (void *)10);
    int b = fg_spawn(sleepy, (void *)20);
    join_results[0] = fg_join(a, fg_after(5 * FG_MS));   /* too early */
    join_results[1] = fg_join(a, FG_FOREVER);
    join_results[2] = fg_join(a, FG_FOREVER);            /* twice */
    join_results[3] = fg_join(fg_self(), FG_FOREVER);    /* itself */
    join_results[4] = fg_join(12345, FG_FOREVER);        /* no such task */
    fg_abort(b);
    join_results[5] = fg_join(b, FG_FOREVER);
    join_results[6] = (int)(fg_now() / FG_MS);
}

Test(task, join_and_its_misuse)
{
    cr_redirect_stderr();
    fg_result r;
    fg_run_bytes(joiner, NULL, &quiet, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert_eq(join_results[0], -ETIMEDOUT);
    cr_assert_eq(join_results[1], 0);
    cr_assert_eq(join_results[2], -EINVAL, "a second join is misuse");
    cr_assert_eq(join_results[3], -EDEADLK);
    cr_assert_eq(join_results[4], -EINVAL);
    cr_assert_eq(join_results[5], -ECANCELED, "joining an aborted task says so");
    cr_assert_eq(join_results[6], 10, "the aborted sleeper ended at once, not at its deadline");
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_join: task sleepy (1) was joined already\n"
                            "fugue: task main: fg_join: task main joins itself\n"
                            "fugue: task main: fg_join: no task 12345 in this sim\n");
}

Test(task, spawning_outside_a_sim_is_an_error)
{
    cr_redirect_stderr();
    cr_assert_eq(fg_spawn(sleepy, NULL), -EPERM);
    cr_assert_eq(fg_yield(), -EPERM);
    cr_assert_eq(fg_sleep(FG_MS), -EPERM);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: fg_spawn: called outside a running sim\n"
                            "fugue: fg_yield: called outside a running sim\n"
                            "fugue: fg_sleep: called outside a running sim\n");
}

static int server_exit, server_loops;
static void server(void *arg)
{
    (void)arg;
    int r;
    while ((r = fg_sleep(FG_SEC)) == 0)
        server_loops++;
    server_exit = r;
}
static void stubborn(void *arg)
{
    (void)arg;
    for (;;)          /* ignores cancellation: must be dropped, not loop forever */
        fg_sleep(FG_SEC);
}
static void client(void *arg)
{
    (void)arg;
    fg_sleep(3500 * FG_MS);
}
static void root_servers(void *arg)
{
    (void)arg;
    fg_spawn(server, NULL, .group = "server");
    fg_spawn(stubborn, NULL, .group = "server");
    fg_spawn(client, NULL, .primary = true);
}

Test(task, teardown_cancels_what_remains)
{
    server_exit = 1;
    server_loops = 0;
    fg_result r;
    fg_run_bytes(root_servers, NULL, &quiet, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert_eq(server_loops, 3);
    cr_assert_eq(server_exit, -ECANCELED, "the server's pending sleep returned -ECANCELED");
    cr_assert_eq(r.time, 3500 * FG_MS, "teardown takes no sim time");
}

static int depth_reached;
static int deep(int n)
{
    volatile char buf[1024];
    buf[0] = (char)n;
    if (n > 0)
        return deep(n - 1) + buf[0];
    depth_reached = 1;
    return buf[0];
}
static void big_stack(void *arg)
{
    (void)arg;
    deep(1500);   /* ~1.5 MiB of frames */
}
static void root_big(void *arg)
{
    (void)arg;
    fg_spawn(big_stack, NULL, .stack_size = 8 << 20, .primary = true);
}

static int huge_r;
static void root_huge(void *arg)
{
    (void)arg;
    huge_r = fg_spawn(big_stack, NULL, .stack_size = (size_t)-1);
    fg_spawn(sleepy, NULL, .stack_size = 1, .primary = true);   /* rounded up to something usable */
}

Test(task, absurd_stack_sizes)
{
    cr_redirect_stderr();
    fg_result r;
    fg_run_bytes(root_huge, NULL, &quiet, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(huge_r, -EINVAL);
    fg_opts o = {.stack_size = (size_t)-1};
    cr_assert_eq(fg_run_bytes(root_huge, NULL, &o, NULL, 0, &r), -EINVAL);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_spawn: a stack of 18446744073709551615 bytes is more than FG_STACK_MAX\n"
                            "fugue: fg_run: a stack of 18446744073709551615 bytes is more than FG_STACK_MAX\n");
}

Test(task, stack_size_per_task)
{
    fg_result r;
    depth_reached = 0;
    fg_run_bytes(root_big, NULL, &quiet, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert(depth_reached);
}

static int after_abort;
static void victim(void *arg)
{
    (void)arg;
    int r = fg_sleep(FG_SEC);
    after_abort = r;
    after_abort += fg_yield() == -ECANCELED ? 100 : 0;
}
static void aborter(void *arg)
{
    (void)arg;
    int v = fg_spawn(victim, NULL);
    fg_sleep(FG_MS);
    cr_assert_eq(fg_abort(v), 0);
    cr_assert_eq(fg_abort(v), 0, "aborting twice is harmless");
    fg_join(v, FG_FOREVER);
}

Test(task, abort_cancels_pending_and_later_calls)
{
    fg_result r;
    after_abort = 0;
    fg_run_bytes(aborter, NULL, &quiet, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert_eq(after_abort, -ECANCELED + 100);
    cr_assert_eq(r.time, FG_MS);
}

static void self_info(void *arg)
{
    (void)arg;
    cr_assert_str_eq(fg_name(), "worker_7");
    cr_assert_eq(fg_self(), 1);
    cr_assert_not(fg_cancelled());
}
static void root_info(void *arg)
{
    (void)arg;
    cr_assert_str_eq(fg_name(), "main");
    char name[16];
    strcpy(name, "worker_7");
    fg_spawn(self_info, NULL, .name = name, .primary = true);
    strcpy(name, "clobbered");   /* the task keeps its own copy */
}

Test(task, names_are_copied)
{
    fg_result r;
    fg_run_bytes(root_info, NULL, &quiet, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS);
}

/* ---- dense stacks ---- */

#define DENSE_TASKS 10000
static int dense_done;
static uintptr_t dense_at[DENSE_TASKS + 2];   /* where each sleeper's stack is */
static int dense_seen;
static void dense_sleeper(void *arg)
{
    char here;
    if (dense_seen < DENSE_TASKS + 2)
        dense_at[dense_seen++] = (uintptr_t)&here;
    /* no Criterion assertion here: it needs more stack than the task has */
    if (fg_sleep((fg_time)(uintptr_t)arg * FG_US) == 0)
        dense_done++;
}
static void many_dense(void *arg)
{
    (void)arg;
    for (int i = 0; i < DENSE_TASKS; i++)
        fg_spawn(dense_sleeper, (void *)(uintptr_t)(i * 7919 % 1000), .stack_size = FG_STACK_DENSE_MIN,
                 .primary = true);
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

/* 10,000 sleepers on 1 KiB stacks all run to the end, their stacks packed: they
 * touch about 20 MiB-aligned blocks (10 slabs of 1 MiB, each across at most two),
 * where guarded 16 KiB stacks would touch 190 or more. Counted, not spanned: where
 * the kernel puts each slab is its business. */
Test(task, many_dense_sleepers_run)
{
    fg_opts o = {.max_steps = 1000000};
    fg_result r;
    dense_done = dense_seen = 0;
    cr_assert_eq(fg_run_bytes(many_dense, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(dense_done, DENSE_TASKS);
    cr_assert_eq(dense_seen, DENSE_TASKS);
    qsort(dense_at, DENSE_TASKS, sizeof *dense_at, by_address);
    int blocks = 1;
    for (int i = 1; i < DENSE_TASKS; i++)
        blocks += dense_at[i] >> 20 != dense_at[i - 1] >> 20;
    if (!UNDER_ASAN)   /* ASan builds give small stacks a guard page each, as before */
        cr_assert_leq(blocks, 2 * (DENSE_TASKS / 1023 + 1) + 1, "stacks spread over %d MiB-blocks", blocks);
}

/* On a dense stack fugue's own heavier work moves to a spare stack: fg_fmt, a misuse
 * message, and a deadlock report all work from a task with 1 KiB. */
static int dense_misuse;
static const char *dense_fmt;
static void dense_stuck(void *arg)
{
    (void)arg;
    dense_fmt = fg_fmt("%s-%d-%08.3f", "dense", 42, 1.5);
    dense_misuse = fg_join(-5, FG_FOREVER);
    fg_sleep_until(FG_FOREVER);
}
static void dense_deadlock(void *arg)
{
    (void)arg;
    fg_spawn(dense_stuck, NULL, .name = "tiny", .stack_size = 1, .primary = true);
}

Test(task, dense_stacks_report_from_a_spare_stack)
{
    cr_redirect_stderr();
    fg_result r;
    cr_assert_eq(fg_run_bytes(dense_deadlock, NULL, &quiet, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_FAIL_DEADLOCK, "%s", r.report);
    cr_assert(strstr(r.report, "tiny in fg_sleep"), "%s", r.report);
    cr_assert_eq(dense_misuse, -EINVAL);
    cr_assert_str_eq(dense_fmt, "dense-42-0001.500");
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task tiny: fg_join: no task -5 in this sim\n");
}

/* A dense stack has no guard page of its own: running past its end is caught by
 * its canary at the next switch, with a report that says so. */
static int overflow_depth(int n)
{
    volatile char pad[200];
    for (size_t i = 0; i < sizeof pad; i++)   /* volatile stores: clang drops a memset of a cast-away volatile */
        pad[i] = (char)n;
    if (n > 0)
        return overflow_depth(n - 1) + pad[0];
    fg_yield();   /* the switch checks the canary */
    return pad[1];
}
static void dense_overflower(void *arg)
{
    (void)arg;
    overflow_depth(6);   /* 7 pads of 200 bytes: past a 1 KiB stack with any compiler's frames, short of 3 KiB */
}
static void dense_overflow_root(void *arg)
{
    (void)arg;
    /* two neighbours below, so the overflow runs into their stacks and not the slab's guard page */
    fg_spawn(dense_sleeper, (void *)(uintptr_t)1000, .stack_size = FG_STACK_DENSE_MIN);
    fg_spawn(dense_sleeper, (void *)(uintptr_t)1000, .stack_size = FG_STACK_DENSE_MIN);
    fg_spawn(dense_overflower, NULL, .name = "deep", .stack_size = FG_STACK_DENSE_MIN, .primary = true);
}

static void dense_overflow_sim(void *arg)
{
    (void)arg;
    fg_result r;
    fg_run_bytes(dense_overflow_root, NULL, NULL, NULL, 0, &r);
}

Test(task, dense_stack_overflow_caught_by_its_canary)
{
    if (UNDER_ASAN)
        cr_skip_test("ASan builds give small stacks a guard page each");
    char out[4096];
    int st = child_run(dense_overflow_sim, NULL, out, sizeof out);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %d\n%s", st, out);
    cr_assert(strstr(out, "fugue: stack overflow: task deep ran past the end of its 1024-byte stack (canary)"),
              "%s", out);
}
