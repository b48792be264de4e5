/* Copied stacks (fg_opts.stack_copy): the same traces as stacks of their own, locals that
 * channels fill while their task is out, deep recursion, the guard page, and a pointer
 * into a copied-out stack caught where fugue can catch it. */
#include "fugue.h"
#include "fugue/sync.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "leakcheck.h"

/* Where a pointer into a copied-out stack is caught: builds where each copied task keeps
 * a stack of its own and copies it (ASan, aarch64); x86_64 shares one, ucontext builds
 * do not copy (core/internal.h). */
#if (UNDER_ASAN || defined(__aarch64__)) && !defined(FG_UCONTEXT)
#define CATCHES_POINTERS 1
#else
#define CATCHES_POINTERS 0
#endif
#if !UNDER_ASAN && defined(__x86_64__) && !defined(FG_UCONTEXT)
#define SHARES_ONE_STACK 1
#else
#define SHARES_ONE_STACK 0
#endif

/* ---- the same run as with stacks of their own ---- */

#define WORKERS 6
#define ROUNDS 20
static fg_chan *jobs, *done;
static fg_mutex *lock;
static uint64_t total, received;

/* Receives into locals (a waiting receiver's out-parameters, filled while it is out),
 * keeps a checksum of its own locals across every wait, and sends its results back. */
static void worker(void *arg)
{
    uint64_t id = (uintptr_t)arg, mine[16];
    for (int i = 0; i < 16; i++)
        mine[i] = id * 1000 + (uint64_t)i;
    for (;;) {
        void *job;
        size_t size = 0;
        if (fg_chan_recv(jobs, &job, &size, FG_FOREVER) != 0)
            break;
        cr_assert_eq(size, 8);
        fg_yield();
        fg_mutex_lock(lock, FG_FOREVER);
        fg_sleep((fg_time)((uintptr_t)job % 3) * FG_MS);
        total += (uintptr_t)job * id;
        fg_mutex_unlock(lock);
        for (int i = 0; i < 16; i++)
            cr_assert_eq(mine[i], id * 1000 + (uint64_t)i, "task %llu's local %d changed", (unsigned long long)id, i);
        fg_chan_send(done, (void *)(uintptr_t)id, 0, FG_FOREVER);
    }
}

static void boss(void *arg)
{
    (void)arg;
    jobs = fg_chan_new(fg_queue_fifo(1, FG_REJECT_NEWEST));
    done = fg_chan_new(fg_queue_fifo(64, FG_REJECT_NEWEST));
    lock = fg_mutex_new();
    int ids[WORKERS + 1];
    for (int i = 0; i < WORKERS; i++)
        ids[i] = fg_spawn(worker, (void *)(uintptr_t)(i + 1));
    /* one of its own stack in a copied sim: a dense one, switched to and from the copied */
    ids[WORKERS] = fg_spawn(worker, (void *)(uintptr_t)(WORKERS + 1), .stack_size = FG_STACK_DENSE_MIN);
    for (uintptr_t j = 1; j <= ROUNDS; j++) {
        cr_assert_eq(fg_chan_send(jobs, (void *)j, 8, FG_FOREVER), 0);
        void *who;
        if (fg_chan_recv(done, &who, NULL, FG_FOREVER) == 0)
            received++;
    }
    fg_chan_close(jobs);
    cr_assert_eq(fg_join_all(ids, WORKERS + 1, FG_FOREVER), 0);
}

static fg_result run_boss(fg_strategy s, bool copy, uint64_t seed)
{
    fg_opts o = {.strategy = s, .stack_copy = copy};
    fg_result r;
    total = received = 0;
    cr_assert_eq(fg_run_seed(boss, NULL, &o, seed, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(received, ROUNDS);
    return r;
}

Test(copy, every_strategy_runs_the_same_trace_as_with_stacks_of_their_own)
{
    const fg_strategy all[] = {FG_FIFO, FG_POR, FG_RANDOM, FG_PCT, FG_POS};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            run_boss(all[k], false, seed);   /* PCT learns its k from an earlier run: the same for both */
            fg_result own = run_boss(all[k], false, seed);
            uint64_t own_total = total;
            fg_result copied = run_boss(all[k], true, seed);
            cr_assert_eq(copied.hash, own.hash, "strategy %d seed %llu", (int)all[k], (unsigned long long)seed);
            cr_assert_eq(total, own_total);
            cr_assert_eq(copied.hash, run_boss(all[k], true, seed).hash, "copied stacks, run twice");
        }
    assert_no_leaks();
}

/* One task of a plain sim asks for a copied stack. */
static int refused, per_task_ran;
static void per_task(void *arg)
{
    (void)arg;
    fg_yield();
    per_task_ran++;
}
static void asks(void *arg)
{
    (void)arg;
    refused = fg_spawn(per_task, NULL, .stack_copy = true, .stack_size = 4096);
    fg_spawn(per_task, NULL, .stack_copy = true, .primary = true);
    fg_spawn(per_task, NULL, .primary = true);
    fg_yield();
}

Test(copy, a_task_asks_for_it_alone_and_not_with_a_stack_size)
{
    fg_opts o = {.return_on_failure = true, .quiet = true};
    fg_result r;
    per_task_ran = 0;
    cr_assert_eq(fg_run_bytes(asks, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(refused, -EINVAL);
    cr_assert_eq(per_task_ran, 2);
}

/* ---- many sleepers: one stack between them ---- */

#define SLEEPERS 2000
static uintptr_t where[SLEEPERS];
static int slept;
static void sleeper(void *arg)
{
    int local = (int)(uintptr_t)arg;
    where[local] = (uintptr_t)&local;
    fg_sleep((fg_time)(local * 7919 % 1000) * FG_US);
    cr_assert_eq(local, (int)(uintptr_t)arg);
    slept++;
}
static void sleepers(void *arg)
{
    (void)arg;
    for (int i = 0; i < SLEEPERS; i++)
        fg_spawn(sleeper, (void *)(uintptr_t)i, .primary = true);
}

Test(copy, many_sleepers_share_one_stack)
{
    fg_opts o = {.stack_copy = true};
    fg_result r;
    for (int sim = 0; sim < 3; sim++) {
        slept = 0;
        cr_assert_eq(fg_run_bytes(sleepers, NULL, &o, NULL, 0, &r), 0);
        cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
        cr_assert_eq(slept, SLEEPERS);
    }
    int places = 1;
    for (int i = 1; i < SLEEPERS; i++)
        places += where[i] != where[0];
    if (SHARES_ONE_STACK)
        cr_assert_eq(places, 1, "the sleepers' locals lay at %d addresses", places);
    else
        cr_assert_eq(places, SLEEPERS, "each copied task has a stack of its own in these builds");
    assert_no_leaks();
}

/* ---- deep recursion: copies longer than a task's slot ---- */

#define DEPTH 100
static uint64_t deep(int id, int n)
{
    volatile uint64_t pad[128];   /* 1 KiB a level: ~100 KiB copied at the bottom */
    for (int i = 0; i < 128; i++)
        pad[i] = (uint64_t)id << 32 | (uint64_t)n << 8 | (uint64_t)i;
    uint64_t below = 0;
    if (n > 0)
        below = deep(id, n - 1);
    else
        for (int k = 0; k < 3; k++)
            fg_yield();   /* with the other deep tasks, each as deep */
    uint64_t sum = below;
    for (int i = 0; i < 128; i++) {
        cr_assert_eq(pad[i], (uint64_t)id << 32 | (uint64_t)n << 8 | (uint64_t)i, "task %d level %d", id, n);
        sum += pad[i];
    }
    return sum;
}
static uint64_t deep_sum[3];
static void diver(void *arg)
{
    int id = (int)(uintptr_t)arg;
    deep_sum[id] = deep(id, DEPTH);
    fg_sleep(FG_MS);   /* and a short copy after the long ones */
}
static void divers(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        fg_spawn(diver, (void *)(uintptr_t)i, .primary = true);
}

Test(copy, deep_recursion_in_a_copied_stack)
{
    fg_opts o = {.stack_copy = true, .strategy = FG_RANDOM};
    fg_result r;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        memset(deep_sum, 0, sizeof deep_sum);
        cr_assert_eq(fg_run_seed(divers, NULL, &o, seed, &r), 0);
        cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
        for (int i = 0; i < 3; i++)
            cr_assert_neq(deep_sum[i], 0);
    }
    assert_no_leaks();
}

/* ---- failures: in a child, their report on its stderr ---- */

/* A sim of `root` under `o`, in a child (child.h) */
static void (*child_root)(void *);
static const fg_opts *child_opts;
static void child_sim(void *arg)
{
    (void)arg;
    fg_result r;
    fg_run_bytes(child_root, NULL, child_opts, NULL, 0, &r);
}

static int run_child(void (*root)(void *), const fg_opts *o, char *out, size_t n)
{
    child_root = root;
    child_opts = o;
    return child_run(child_sim, NULL, out, n);
}

static int overflow(int n)
{
    volatile char pad[512];
    for (int i = 0; i < 512; i++)
        pad[i] = (char)n;   /* all of it: a compiler keeps only what is used */
    if (n == 0)
        return pad[0];
    return overflow(n - 1) + pad[0];
}
static void overflower(void *arg)
{
    (void)arg;
    fg_yield();
    overflow(200);   /* 100 KiB and more, past a 16 KiB stack */
}
static void overflow_root(void *arg)
{
    (void)arg;
    fg_spawn(overflower, NULL, .name = "deep", .primary = true);
}

Test(copy, running_past_the_copied_stack_meets_its_guard_page)
{
    fg_opts o = {.stack_copy = true, .stack_size = 16 * 1024};
    char out[4096];
    int st = run_child(overflow_root, &o, out, sizeof out);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %d\n%s", st, out);
    cr_assert(strstr(out, "fugue: stack overflow: task deep ran past the end of its 16384-byte stack"), "%s", out);
}

static int *published;
static void owner(void *arg)
{
    (void)arg;
    int mine = 1;
    published = &mine;
    fg_sleep(10 * FG_MS);
    cr_assert_eq(mine, 1);
}
static void user(void *arg)
{
    (void)arg;
    fg_sleep(FG_MS);
    *published = 2;   /* owner is asleep: its stack is copied out */
}
static void misuse_root(void *arg)
{
    (void)arg;
    fg_spawn(owner, NULL, .name = "owner", .primary = true);
    fg_spawn(user, NULL, .name = "user", .primary = true);
}

Test(copy, a_pointer_into_a_copied_out_stack_is_caught)
{
    if (!CATCHES_POINTERS)
        cr_skip_test("x86_64 builds share one stack: ASan builds catch this (docs/tasks.md)");
    fg_opts o = {.stack_copy = true};
    char out[4096];
    int st = run_child(misuse_root, &o, out, sizeof out);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %d\n%s", st, out);
    cr_assert(strstr(out, "fugue: task user used the stack of task owner while it was copied out"), "%s", out);
}
