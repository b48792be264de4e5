/* Figures for sync: uncontended mutex, a bounded channel stream, a token
 * bounced over two channels (each under POR, the default, and FIFO), the
 * exhaustive counts of the POR scenarios, and how many seeded random runs it
 * takes to see every outcome of each. Times are the thread's CPU time (best
 * of 3), so a loaded machine skews them less; a task-switch baseline is
 * measured in the same run since every blocking hand-off costs one switch. */
#include "fugue.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static fg_opts opts(fg_strategy s)
{
    return (fg_opts){.strategy = s, .max_steps = UINT64_MAX / 2, .max_instant_steps = UINT64_MAX / 2};
}

static const char *sname(fg_strategy s)
{
    return s == FG_POR ? "por" : s == FG_FIFO ? "fifo" : "random";
}

/* ---- uncontended mutex ---- */

#define LOCKS 50000000
static void locker(void *arg)
{
    (void)arg;
    fg_mutex *m = fg_mutex_new();
    for (int i = 0; i < LOCKS; i++) {
        fg_mutex_lock(m, FG_FOREVER);
        fg_mutex_unlock(m);
    }
}

/* ---- baseline: one task switch ---- */

#define SWITCHES 2000000
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

/* ---- a stream through a bounded channel ---- */

#define MSGS 1000000
static fg_chan *ch[2];
static bool single;   /* declare one sender, one receiver */
static void producer(void *arg)
{
    (void)arg;
    for (intptr_t i = 0; i < MSGS; i++)
        fg_chan_send(ch[0], (void *)i, 8, FG_FOREVER);
}
static void consumer(void *arg)
{
    (void)arg;
    void *p;
    for (intptr_t i = 0; i < MSGS; i++)
        if (fg_chan_recv(ch[0], &p, NULL, FG_FOREVER) || p != (void *)i)
            fg_fail("lost message %ld", (long)i);
}
static void stream(void *arg)
{
    (void)arg;
    ch[0] = fg_chan_bounded(64);
    if (single)
        fg_chan_single(ch[0], FG_CHAN_ONE_SENDER | FG_CHAN_ONE_RECEIVER);
    fg_spawn(producer, NULL, .primary = true);
    fg_spawn(consumer, NULL, .primary = true);
}

/* ---- a token bounced over two channels ---- */

static void ping(void *arg)
{
    (void)arg;
    void *p;
    for (int i = 0; i < MSGS / 2; i++) {
        fg_chan_send(ch[0], NULL, 0, FG_FOREVER);
        fg_chan_recv(ch[1], &p, NULL, FG_FOREVER);
    }
}
static void pong(void *arg)
{
    (void)arg;
    void *p;
    for (int i = 0; i < MSGS / 2; i++) {
        fg_chan_recv(ch[0], &p, NULL, FG_FOREVER);
        fg_chan_send(ch[1], NULL, 0, FG_FOREVER);
    }
}
static void bounce(void *arg)
{
    (void)arg;
    ch[0] = fg_chan_bounded(1);
    ch[1] = fg_chan_bounded(1);
    fg_spawn(ping, NULL, .primary = true);
    fg_spawn(pong, NULL, .primary = true);
}

static double per_op(fg_fn root, fg_strategy s, double ops)
{
    fg_opts o = opts(s);
    fg_result r;
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_s();
        fg_run_seed(root, NULL, &o, 1, &r);
        double ns = (now_s() - t0) * 1e9 / ops;
        if (r.outcome != FG_PASS)
            fprintf(stderr, "%s\n", r.report);
        if (ns < best)
            best = ns;
    }
    return best;
}

/* ---- the POR scenarios: outcome = each resource's acquisition order ---- */

static char per[4][8], out[64];
static int nper[4], nres;
static fg_mutex *mx[4];
static fg_sem *sem;

static void reset(int n)
{
    memset(per, 0, sizeof per);
    memset(nper, 0, sizeof nper);
    nres = n;
    out[0] = 0;
}

static void note(int res, char c)
{
    per[res][nper[res]++] = c;
    out[0] = 0;
    for (int i = 0; i < nres; i++) {
        if (i)
            strcat(out, "|");
        strcat(out, per[i]);
    }
}

static void lock_note(void *arg)
{
    int i = (int)(intptr_t)arg;
    fg_mutex_lock(mx[i], FG_FOREVER);
    fg_yield();
    note(i, fg_name()[0]);
    fg_mutex_unlock(mx[i]);
}

static void mutex3(void *arg)
{
    (void)arg;
    reset(1);
    mx[0] = fg_mutex_new();
    for (int i = 0; i < 3; i++)
        fg_spawn(lock_note, (void *)0, .name = fg_fmt("%c", 'a' + i), .primary = true);
}

static void acquire_note(void *arg)
{
    (void)arg;
    fg_sem_acquire(sem, FG_FOREVER);
    fg_yield();
    note(0, fg_name()[0]);
    fg_sem_release(sem);
}

static void sem4(void *arg)
{
    (void)arg;
    reset(1);
    sem = fg_sem_new(1);
    for (int i = 0; i < 4; i++)
        fg_spawn(acquire_note, NULL, .name = fg_fmt("%c", 'a' + i), .primary = true);
}

static void sender(void *arg)
{
    fg_chan_send(ch[(intptr_t)arg], (void *)fg_name(), 1, FG_FOREVER);
}

static void receiver(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (int k = 0; k < 2; k++) {
        void *p;
        fg_chan_recv(ch[i], &p, NULL, FG_FOREVER);
        note(i, ((const char *)p)[0]);
    }
}

static void chan2x2(void *arg)
{
    (void)arg;
    reset(2);
    for (int i = 0; i < 2; i++) {
        ch[i] = fg_chan_new(NULL);
        fg_spawn(receiver, (void *)(intptr_t)i, .name = fg_fmt("r%d", i), .primary = true);
    }
    fg_spawn(sender, (void *)0, .name = "a", .primary = true);
    fg_spawn(sender, (void *)1, .name = "c", .primary = true);
    fg_spawn(sender, (void *)0, .name = "b", .primary = true);
    fg_spawn(sender, (void *)1, .name = "d", .primary = true);
}

static void two_mutexes(void *arg)
{
    (void)arg;
    reset(2);
    mx[0] = fg_mutex_new();
    mx[1] = fg_mutex_new();
    for (int i = 0; i < 4; i++)
        fg_spawn(lock_note, (void *)(intptr_t)(i / 2), .name = fg_fmt("%c", 'a' + i), .primary = true);
}

static void own_mutexes(void *arg)
{
    (void)arg;
    reset(4);
    for (int i = 0; i < 4; i++) {
        mx[i] = fg_mutex_new();
        fg_spawn(lock_note, (void *)(intptr_t)i, .name = fg_fmt("%c", 'a' + i), .primary = true);
    }
}

#define MAX_OUT 256
static char outs[MAX_OUT][64];
static int nouts;

static bool add(void)
{
    for (int i = 0; i < nouts; i++)
        if (!strcmp(outs[i], out))
            return false;
    if (nouts < MAX_OUT)
        strcpy(outs[nouts++], out);
    return true;
}

static bool each(const fg_result *r, void *ud)
{
    (void)r;
    (void)ud;
    add();
    return true;
}

/* Seeded runs (seed 0, 1, ...) until every outcome exhaustive POR found has shown up. */
static uint64_t runs_to_cover(fg_fn root, fg_strategy s, int want)
{
    fg_opts o = opts(s);
    nouts = 0;
    for (uint64_t seed = 0; seed < 1000000; seed++) {
        fg_result r;
        fg_run_seed(root, NULL, &o, seed, &r);
        add();
        if (nouts >= want)
            return seed + 1;
    }
    return 0;
}

static void scenario(const char *name, fg_fn root)
{
    fg_explore_stats por, rnd;
    fg_opts o = opts(FG_POR);
    nouts = 0;
    fg_explore(root, NULL, &o, 0, each, NULL, &por);
    int outcomes = nouts;
    o = opts(FG_RANDOM);
    nouts = 0;
    fg_explore(root, NULL, &o, 0, each, NULL, &rnd);
    printf("%s_exhaustive_por: %llu runs\n", name, (unsigned long long)por.runs);
    printf("%s_exhaustive_random: %llu runs\n", name, (unsigned long long)rnd.runs);
    printf("%s_outcomes: %d outcomes\n", name, outcomes);
    printf("%s_seeded_por_to_see_all: %llu runs\n", name, (unsigned long long)runs_to_cover(root, FG_POR, outcomes));
    printf("%s_seeded_random_to_see_all: %llu runs\n", name,
           (unsigned long long)runs_to_cover(root, FG_RANDOM, outcomes));
}

/* ---- deadlock: opposite lock orders ---- */

static void ab(void *arg)
{
    int first = (int)(intptr_t)arg;
    fg_mutex_lock(mx[first], FG_FOREVER);
    fg_yield();
    fg_mutex_lock(mx[!first], FG_FOREVER);
    fg_mutex_unlock(mx[!first]);
    fg_mutex_unlock(mx[first]);
}

static void opposite(void *arg)
{
    (void)arg;
    mx[0] = fg_mutex_new();
    mx[1] = fg_mutex_new();
    fg_spawn(ab, (void *)0, .name = "ab", .primary = true);
    fg_spawn(ab, (void *)1, .name = "ba", .primary = true);
}

static void deadlock_runs(fg_strategy s)
{
    fg_opts o = opts(s);
    o.return_on_failure = o.quiet = true;
    uint64_t first = 0, found = 0, n = 1000;
    for (uint64_t seed = 0; seed < n; seed++) {
        fg_result r;
        fg_run_seed(opposite, NULL, &o, seed, &r);
        if (r.outcome == FG_FAIL_DEADLOCK && !found++)
            first = seed + 1;
    }
    printf("deadlock_seeded_%s_first_found: %llu runs\n", sname(s), (unsigned long long)first);
    printf("deadlock_seeded_%s_rate: %.1f %%\n", sname(s), 100.0 * (double)found / (double)n);
}

int main(void)
{
    fg_strategy ss[] = {FG_POR, FG_FIFO};
    printf("task_switch_baseline_fg_yield: %.2f ns\n", per_op(two_yielders, FG_FIFO, SWITCHES));
    for (int i = 0; i < 2; i++)
        printf("mutex_uncontended_lock_unlock_%s: %.2f ns\n", sname(ss[i]), per_op(locker, ss[i], LOCKS));
    for (int i = 0; i < 2; i++)
        printf("channel_cap_64_stream_%s: %.2f ns/msg\n", sname(ss[i]), per_op(stream, ss[i], MSGS));
    single = true;
    printf("channel_cap_64_stream_por_declared_single: %.2f ns/msg\n", per_op(stream, FG_POR, MSGS));
    single = false;
    for (int i = 0; i < 2; i++)
        printf("token_over_two_channels_%s: %.2f ns/hand-off\n", sname(ss[i]), per_op(bounce, ss[i], MSGS));
    scenario("mutex_3_contenders", mutex3);
    scenario("semaphore_1_permit_4_contenders", sem4);
    scenario("2_channels_x_2_senders", chan2x2);
    scenario("2_mutexes_x_2_contenders", two_mutexes);
    scenario("4_tasks_4_own_mutexes", own_mutexes);
    deadlock_runs(FG_POR);
    deadlock_runs(FG_RANDOM);
    return 0;
}
