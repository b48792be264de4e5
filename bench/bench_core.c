/* Figures for the core: task switch (against swapcontext, same run), small
 * sims per second, timers, spawning many tasks cold and warm, memory. */
#include "internal.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ucontext.h>

#include "bench.h"

/* ---- task switch ---- */

#define SWITCHES 10000000
static void yielder(void *arg)
{
    (void)arg;
    for (int i = 0; i < SWITCHES / 2; i++)
        fg_yield();
}
static void two_yielders(void *arg)
{
    (void)arg;
    fg_spawn(yielder, NULL, .primary = true);
    fg_spawn(yielder, NULL, .primary = true);
}

/* ---- spans: enter+exit with no one recording ---- */

#define SPANS 10000000
static void spanner(void *arg)
{
    (void)arg;
    for (int i = 0; i < SPANS; i++) {
        fg_span_enter("span");
        fg_span_exit();
    }
}

static ucontext_t uc_main, uc_a, uc_b;
static void uc_loop(void)
{
    for (int i = 0; i < SWITCHES / 2; i++)
        swapcontext(&uc_a, &uc_b);
}
static void uc_loop_b(void)
{
    for (;;)
        swapcontext(&uc_b, &uc_a);
}

static double swapcontext_ns(void)
{
    static char sa[65536], sb[65536];
    getcontext(&uc_a);
    uc_a.uc_stack.ss_sp = sa;
    uc_a.uc_stack.ss_size = sizeof sa;
    uc_a.uc_link = &uc_main;
    makecontext(&uc_a, uc_loop, 0);
    getcontext(&uc_b);
    uc_b.uc_stack.ss_sp = sb;
    uc_b.uc_stack.ss_size = sizeof sb;
    makecontext(&uc_b, uc_loop_b, 0);
    double t = now_s();
    swapcontext(&uc_main, &uc_a);
    return (now_s() - t) * 1e9 / SWITCHES;
}

/* ---- small sims ---- */

static void sleep_yield(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++) {
        fg_sleep(FG_MS);
        fg_yield();
    }
}
static void three(void *arg)
{
    (void)arg;
    fg_spawn(sleep_yield, NULL, .primary = true);
    fg_spawn(sleep_yield, NULL, .primary = true);
    sleep_yield(NULL);
}

/* ---- many tasks ---- */

#define MANY 100000
static void sleep_random(void *arg)
{
    fg_sleep((fg_time)(uintptr_t)arg);
}
static size_t many_stack;   /* 0: the default; FG_STACK_DENSE_MIN: dense */
static void spawn_many(void *arg)
{
    (void)arg;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int i = 0; i < MANY; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fg_spawn(sleep_random, (void *)(uintptr_t)(x % FG_SEC), .primary = true, .stack_size = many_stack);
    }
}

/* bach's spawn+yield: each task yields once and ends */
static void yield_once(void *arg)
{
    (void)arg;
    fg_yield();
}
static void spawn_yield(void *arg)
{
    (void)arg;
    for (int i = 0; i < MANY; i++)
        fg_spawn(yield_once, NULL, .primary = true, .stack_size = many_stack);
}

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* 100k sleeping tasks on dense stacks, or on copied ones (fg_opts.stack_copy, tasks that
 * ask no stack size), in a child: a fresh process for the cold figure and the peak RSS,
 * with the page faults each task cost. */
static void many_in_child(const char *kind, fg_opts o, size_t stack)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid) {
        waitpid(pid, NULL, 0);
        return;
    }
    fg_result r;
    many_stack = stack;
    long f0 = minflt();
    double t = now_s();
    fg_run_bytes(spawn_many, NULL, &o, NULL, 0, &r);
    double cold = (now_s() - t) * 1e9 / MANY;
    long f1 = minflt();
    long peak = status_kib("VmHWM:");
    t = now_s();
    fg_run_bytes(spawn_many, NULL, &o, NULL, 0, &r);
    double warm = (now_s() - t) * 1e9 / MANY;
    long f2 = minflt();
    t = now_s();
    fg_run_bytes(spawn_yield, NULL, &o, NULL, 0, &r);
    double sy = (now_s() - t) * 1e9 / MANY;
    printf("spawn_sleep_exit_%s_cold: %.1f ns/task\n", kind, cold);
    printf("spawn_sleep_exit_%s_warm: %.1f ns/task\n", kind, warm);
    printf("spawn_sleep_exit_%s_cold_page_faults: %.3f faults/task\n", kind, (double)(f1 - f0) / MANY);
    printf("spawn_sleep_exit_%s_warm_page_faults: %.3f faults/task\n", kind, (double)(f2 - f1) / MANY);
    printf("peak_rss_100k_sleeping_tasks_%s: %.1f MiB\n", kind, (double)peak / 1024);
    printf("spawn_yield_exit_%s_warm: %.1f ns/task\n", kind, sy);
    fflush(stdout);
    _exit(0);
}

static struct timer timers[1000000];
static uint64_t fired;
static void count_fire(struct timer *t)
{
    (void)t;
    fired++;
}

/* What the machine charges for reaching one page per task in random order when
 * each step depends on the last, as a scheduler's do (a TLB and a cache miss,
 * not overlapped): the floor under the many-task figures. */
static double random_page_chase_ns(void)
{
    size_t stride = FG_STACK_DEFAULT + 4096;
    char *m = mmap(NULL, MANY * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    uint32_t *order = malloc(MANY * sizeof *order);
    for (uint32_t i = 0; i < MANY; i++)
        order[i] = i;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = MANY - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t j = (uint32_t)(x % (i + 1)), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    /* each page's top holds the address of the next page's top: one cycle through all */
    for (uint32_t i = 0; i < MANY; i++) {
        char *from = m + order[i] * stride + stride - 64;
        char *to = m + order[(i + 1) % MANY] * stride + stride - 64;
        memcpy(from, &to, sizeof to);
    }
    char *p = m + order[0] * stride + stride - 64;
    double t = now_s();
    for (int i = 0; i < 4 * MANY; i++)
        p = *(char **)(void *)p;
    double ns = (now_s() - t) * 1e9 / (4.0 * MANY);
    if (!p)
        puts("?");
    munmap(m, MANY * stride);
    free(order);
    return ns;
}

/* The kernel's price for a task's first stack page (fault and zeroing) in a
 * fresh mapping: the floor under the cold-start figure. */
static double first_touch_fault_ns(void)
{
    size_t stride = FG_STACK_DEFAULT + 4096;
    char *m = mmap(NULL, MANY * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    double t = now_s();
    for (size_t i = 0; i < MANY; i++)
        m[i * stride + stride - 64] = 1;
    double ns = (now_s() - t) * 1e9 / MANY;
    munmap(m, MANY * stride);
    return ns;
}

int main(void)
{
    fg_result r;
    fg_opts big = {.max_instant_steps = UINT64_MAX / 2, .max_steps = UINT64_MAX / 2, .strategy = FG_FIFO};

    many_in_child("dense", big, FG_STACK_DENSE_MIN);
    fg_opts copied = big;
    copied.stack_copy = true;
    many_in_child("copied", copied, 0);
    /* cold start first: nothing pooled yet in this process */
    long f0 = minflt();
    double t = now_s();
    fg_run_bytes(spawn_many, NULL, &big, NULL, 0, &r);
    double cold = (now_s() - t) * 1e9 / MANY;
    long f1 = minflt();
    long peak = status_kib("VmHWM:");
    t = now_s();
    fg_run_bytes(spawn_many, NULL, &big, NULL, 0, &r);
    double warm = (now_s() - t) * 1e9 / MANY;
    long f2 = minflt();
    t = now_s();
    fg_run_bytes(spawn_yield, NULL, &big, NULL, 0, &r);
    double sy = (now_s() - t) * 1e9 / MANY;
    printf("spawn_sleep_exit_cold: %.1f ns/task\n", cold);
    printf("spawn_sleep_exit_warm: %.1f ns/task\n", warm);
    printf("spawn_sleep_exit_cold_page_faults: %.3f faults/task\n", (double)(f1 - f0) / MANY);
    printf("spawn_sleep_exit_warm_page_faults: %.3f faults/task\n", (double)(f2 - f1) / MANY);
    printf("peak_rss_100k_sleeping_tasks: %.1f MiB\n", (double)peak / 1024);
    printf("spawn_yield_exit_warm: %.1f ns/task\n", sy);
    double fault = first_touch_fault_ns();
    printf("baseline_first_touch_page_fault: %.1f ns\n", fault);
    printf("spawn_sleep_exit_cold_in_page_faults: %.2f faults/task\n", cold / fault);
    double touch = random_page_chase_ns();
    printf("baseline_dependent_random_page_touch: %.1f ns\n", touch);
    printf("spawn_sleep_exit_warm_in_page_touches: %.1f touches/task\n", warm / touch);

    /* best of five, alternating the two, so a noisy moment hurts neither alone */
    double sw = 1e9, uc = 1e9, sp = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        t = now_s();
        fg_run_bytes(two_yielders, NULL, &big, NULL, 0, &r);
        double ns = (now_s() - t) * 1e9 / (double)r.steps;
        sw = ns < sw ? ns : sw;
        ns = swapcontext_ns();
        uc = ns < uc ? ns : uc;
        t = now_s();
        fg_run_bytes(spanner, NULL, NULL, NULL, 0, &r);
        ns = (now_s() - t) * 1e9 / SPANS;
        sp = ns < sp ? ns : sp;
    }
    printf("task_switch: %.2f ns\n", sw);
    printf("swapcontext_switch: %.2f ns\n", uc);
    printf("task_switch_speedup_vs_swapcontext: %.1f x\n", uc / sw);
    printf("span_enter_exit: %.2f ns\n", sp);
    printf("span_enter_exit_in_task_switches: %.2f x\n", sp / sw);

    int sims = 300000;
    t = now_s();
    for (int i = 0; i < sims; i++)
        fg_run_bytes(three, NULL, NULL, NULL, 0, &r);
    printf("sims_3_tasks_sleep_yield_10: %.0f sims/s\n", sims / (now_s() - t));

    struct wheel *w = calloc(1, sizeof *w);
    fg__wheel_init(w);
    uint64_t x = 88172645463325252ull;
    t = now_s();
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        timers[i].fire = count_fire;
        fg__timer_add(w, &timers[i], 1 + (fg_time)(x % (10 * FG_SEC)));
    }
    while (fg__wheel_advance(w))
        ;
    printf("timer_insert_and_fire: %.1f ns/timer\n", (now_s() - t) * 1e9 / 1000000);
    if (fired != 1000000)
        printf("timer_fired_mismatch: %llu timers\n", (unsigned long long)fired);
    free(w);

    fg_opts rnd = {.strategy = FG_RANDOM};
    for (int i = 0; i < 10000; i++)
        fg_run_seed(three, NULL, &rnd, (uint64_t)i, &r);
    long before = status_kib("VmRSS:");
    t = now_s();
    for (int i = 0; i < 1000000; i++)
        fg_run_seed(three, NULL, &rnd, (uint64_t)i, &r);
    printf("rss_growth_1m_sims: %ld KiB\n", status_kib("VmRSS:") - before);
    printf("sims_3_tasks_random_mode: %.0f sims/s\n", 1000000 / (now_s() - t));
    return 0;
}
