/* The scheduler: wake order, what each strategy makes a choice, and
 * exhaustive enumeration giving each interleaving exactly once. */
#include "fugue.h"

#include <criterion/criterion.h>
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
#endif
