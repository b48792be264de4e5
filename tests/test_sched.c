/* The scheduler: wake order, what each strategy makes a choice, and
 * exhaustive enumeration giving each interleaving exactly once. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

static char order[256];
static int norder;

static void stepper(void *arg)
{
    int steps = (int)(intptr_t)arg;
    const char *name = fg_name();
    for (int i = 0; i < steps; i++) {
        order[norder++] = name[0];
        if (i + 1 < steps)
            fg_yield();
    }
}

static int N, STEPS;
static void many_steppers(void *arg)
{
    (void)arg;
    norder = 0;
    for (int i = 0; i < N; i++)
        fg_spawn(stepper, (void *)(intptr_t)STEPS, .name = fg_fmt("%c", 'a' + i), .primary = true);
}

Test(sched, fifo_runs_in_wake_order)
{
    N = 3;
    STEPS = 2;
    fg_opts o = {.strategy = FG_FIFO};
    fg_result r;
    static const uint8_t junk[] = {1, 2, 3, 4, 5};
    fg_run_bytes(many_steppers, NULL, &o, junk, sizeof junk, &r);
    order[norder] = 0;
    cr_assert_str_eq(order, "abcabc");
    cr_assert_eq(r.choices, 0, "fifo makes no choices");
    cr_assert_eq(r.input_len, 0, "so it reads nothing");
}

Test(sched, random_choice_indexes_the_ready_queue)
{
    N = 3;
    STEPS = 2;
    fg_opts o = {.strategy = FG_RANDOM};
    fg_result r;
    /* ready abc: c; abc: b; acb: a; then exhausted: c, b, a in queue order */
    static const uint8_t in[] = {2, 1, 0};
    fg_run_bytes(many_steppers, NULL, &o, in, sizeof in, &r);
    order[norder] = 0;
    cr_assert_str_eq(order, "cbacba", "got %s", order);
}

static uint64_t multinomial(int n, int s)
{
    uint64_t r = 1;
    int k = 0;
    for (int i = 0; i < n; i++)
        for (int j = 1; j <= s; j++)
            r = r * (uint64_t)(++k) / (uint64_t)j;
    return r;
}

#define MAX_RUNS 40000
static char seen[MAX_RUNS][16];
static uint64_t nseen;

static bool record(const fg_result *r, void *ud)
{
    (void)r;
    (void)ud;
    cr_assert_lt(nseen, MAX_RUNS);
    memcpy(seen[nseen], order, (size_t)norder);
    seen[nseen++][norder] = 0;
    return true;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void check_exhaustive(int n, int s)
{
    N = n;
    STEPS = s;
    nseen = 0;
    fg_opts o = {.strategy = FG_RANDOM};
    fg_explore_stats st;
    cr_assert_eq(fg_explore(many_steppers, NULL, &o, 0, record, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, multinomial(n, s), "%d tasks x %d steps: %llu runs, expected %llu", n, s,
                 (unsigned long long)st.runs, (unsigned long long)multinomial(n, s));
    qsort(seen, nseen, sizeof seen[0], cmp);
    for (uint64_t i = 1; i < nseen; i++)
        cr_assert_str_neq(seen[i], seen[i - 1], "interleaving %s enumerated twice", seen[i]);
}

Test(sched, exhaustive_is_the_multinomial)
{
    check_exhaustive(2, 1);
    check_exhaustive(2, 3);
    check_exhaustive(3, 2);
    check_exhaustive(3, 3);
    check_exhaustive(4, 2);
}

Test(sched, fifo_and_por_explore_one_schedule)
{
    N = 3;
    STEPS = 3;
    fg_opts o = {.strategy = FG_FIFO};
    fg_explore_stats st;
    fg_explore(many_steppers, NULL, &o, 0, NULL, NULL, &st);
    cr_assert_eq(st.runs, 1);
    o.strategy = FG_POR;
    fg_explore(many_steppers, NULL, &o, 0, NULL, NULL, &st);
    cr_assert_eq(st.runs, 1, "independent yields never multiply the count under por");
}

static void waker(void *arg)
{
    int ms = (int)(intptr_t)arg;
    fg_sleep(ms * FG_MS);
    order[norder++] = fg_name()[0];
}

static void timers_root(void *arg)
{
    (void)arg;
    norder = 0;
    /* spawned c,a,b but they wake at the same instant in the order their sleeps began */
    fg_spawn(waker, (void *)5, .name = "c", .primary = true);
    fg_spawn(waker, (void *)5, .name = "a", .primary = true);
    fg_spawn(waker, (void *)3, .name = "b", .primary = true);
}

Test(sched, equal_wakeups_run_in_wake_order)
{
    fg_result r;
    fg_run_bytes(timers_root, NULL, NULL, NULL, 0, &r);
    order[norder] = 0;
    cr_assert_str_eq(order, "bca");
    cr_assert_eq(r.time, 5 * FG_MS);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
#include <criterion/redirect.h>
#include <sanitizer/asan_interface.h>
#include <stdio.h>

static void two_tasks_child(void *arg)
{
    (void)arg;
    fg_yield();
}

static void two_tasks(void *arg)
{
    (void)arg;
    fg_spawn(two_tasks_child, NULL);
    fg_yield();
}

/* Back on the caller's stack after a sim, ASan must know that stack again: a
 * longjmp (a failed Criterion assertion) or exit there calls
 * __asan_handle_no_return, which refused with a false-positive warning. */
Test(sched, asan_knows_the_main_stack_after_a_sim)
{
    cr_redirect_stderr();
    fg_result r;
    fg_run_bytes(two_tasks, NULL, NULL, NULL, 0, &r);
    __asan_handle_no_return();
    fflush(stderr);
    char buf[4096] = {0};
    FILE *f = cr_get_redirected_stderr();
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    cr_assert_null(strstr(buf, "ignoring requested __asan_handle_no_return"), "%s", buf);
}

/* A scope that ended in one task is still poisoned when another task touches it:
 * switches must not wipe what ASan knows about live frames. */
static volatile int *dead_scope;
static bool dead_scope_poisoned;

static void scope_ender(void *arg)
{
    (void)arg;
    {
        volatile int x = 1;
        dead_scope = &x;
    }
    fg_yield();
}

static void scope_reader(void *arg)
{
    (void)arg;
    dead_scope_poisoned = __asan_address_is_poisoned((const void *)dead_scope);
}

static void scope_root(void *arg)
{
    (void)arg;
    fg_spawn(scope_ender, NULL);
    fg_spawn(scope_reader, NULL);
}

Test(sched, asan_sees_a_dead_scope_across_a_switch)
{
    fg_result r;
    fg_run_bytes(scope_root, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert(dead_scope_poisoned);
}

/* Tasks left deep in calls (blocked at a sim's failure, dropped when it ends) leave
 * their frames' redzones poisoned; a stack taken again must be clean wherever they
 * reached, though only the part they used is swept. */
static char *volatile deep_sink;

static __attribute__((noinline)) int deep(int depth, int how)
{
    char buf[256];
    deep_sink = buf;
    memset(buf, depth, sizeof buf);
    if (depth > 0)
        return deep(depth - 1, how) + buf[depth];
    if (how == 2)
        fg_assert(!"fails deep in calls");
    while (fg_yield() != INT_MIN)   /* till dropped (-ECANCELED until then) */
        ;
    return 0;
}

static void deep_task(void *arg)
{
    deep(100, (int)(intptr_t)arg);
}

static void deep_root(void *arg)
{
    int fail = (int)(intptr_t)arg;
    fg_spawn(deep_task, (void *)(intptr_t)0);   /* dropped when the primaries end */
    if (fail) {   /* one blocked and one failing, deep in calls, when the sim fails */
        fg_spawn(deep_task, (void *)(intptr_t)1, .primary = true);
        fg_spawn(deep_task, (void *)(intptr_t)2, .primary = true);
    } else {
        fg_spawn(deep_task, (void *)(intptr_t)1);
        for (int i = 0; i < 3; i++)
            fg_yield();
    }
}

static const void *stale_poison;

static __attribute__((noinline)) void look_below(void *arg)
{
    (void)arg;
    const char *here = __builtin_frame_address(0);
    const void *p = __asan_region_is_poisoned((void *)(here - 64 * 1024), 60 * 1024);
    if (p && !stale_poison)
        stale_poison = p;
}

static void look_root(void *arg)
{
    (void)arg;
    for (int i = 0; i < 6; i++)
        fg_spawn(look_below, NULL);
    look_below(NULL);
}

Test(sched, asan_a_reused_stack_is_clean_below_where_its_last_task_reached)
{
    for (int fail = 0; fail < 2; fail++) {
        fg_opts o = {.stack_size = 128 * 1024, .return_on_failure = true, .quiet = true};
        fg_result r;
        fg_run_bytes(deep_root, (void *)(intptr_t)fail, &o, NULL, 0, &r);
        cr_assert_eq(r.outcome != FG_PASS, fail);
        stale_poison = NULL;
        fg_run_bytes(look_root, NULL, &o, NULL, 0, &r);
        cr_assert_eq(r.outcome, FG_PASS);
        cr_assert_null(stale_poison, "poison left at %p by an earlier sim", stale_poison);
    }
}
#endif
