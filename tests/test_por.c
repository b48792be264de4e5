/* Partial-order reduction: exhaustive counts are exact (N! for N contenders on
 * one resource, products for independent resources, 1 when nothing is
 * shared), the random strategy finds nothing POR misses, and a lock-order
 * deadlock is found and reported with both tasks' lock sites. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* ---- outcomes: what each run produced, and the set of distinct ones ---- */

/* each resource's acquisition order, joined by '|': the only order POR promises to vary */
static char out[64];
static char per[4][8];
static int nper[4], nres;

#define MAX_SEEN 4096
static char seen[MAX_SEEN][64];
static int nseen;
static uint64_t runs;

static void reset(int resources)
{
    memset(per, 0, sizeof per);
    memset(nper, 0, sizeof nper);
    nres = resources;
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

static bool add_outcome(const char *s)
{
    for (int i = 0; i < nseen; i++)
        if (!strcmp(seen[i], s))
            return false;
    cr_assert_lt(nseen, MAX_SEEN);
    strcpy(seen[nseen++], s);
    return true;
}

static bool collect(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    runs++;
    add_outcome(out);
    return true;
}

static void explore(fg_fn root, fg_strategy strategy, fg_explore_stats *st)
{
    nseen = 0;
    runs = 0;
    fg_opts o = {.strategy = strategy};
    cr_assert_eq(fg_explore(root, NULL, &o, 200000, collect, NULL, st), 0);
    cr_assert(st->complete);
    cr_assert_eq(st->runs, runs);
}

/* ---- scenarios ---- */

static fg_mutex *mx[4];
static fg_sem *sem;
static fg_chan *ch[2];
static bool yields;   /* a scheduling point inside each critical section */

static void locker(void *arg)
{
    fg_mutex *m = mx[(intptr_t)arg];
    cr_assert_eq(fg_mutex_lock(m, FG_FOREVER), 0);
    if (yields)
        fg_yield();
    note((int)(intptr_t)arg, fg_name()[0]);
    cr_assert_eq(fg_mutex_unlock(m), 0);
}

static void mutex3(void *arg)
{
    (void)arg;
    reset(1);
    mx[0] = fg_mutex_new();
    for (int i = 0; i < 3; i++)
        fg_spawn(locker, (void *)(intptr_t)0, .name = fg_fmt("%c", 'a' + i), .primary = true);
}

static void own_mutexes(void *arg)
{
    (void)arg;
    reset(4);
    for (int i = 0; i < 4; i++) {
        mx[i] = fg_mutex_new();
        fg_spawn(locker, (void *)(intptr_t)i, .name = fg_fmt("%c", 'a' + i), .primary = true);
    }
}

static void two_mutexes(void *arg)
{
    (void)arg;
    reset(2);
    mx[0] = fg_mutex_new();
    mx[1] = fg_mutex_new();
    /* a, b contend for mx[0]; c, d for mx[1] */
    for (int i = 0; i < 4; i++)
        fg_spawn(locker, (void *)(intptr_t)(i / 2), .name = fg_fmt("%c", 'a' + i), .primary = true);
}

static void acquirer(void *arg)
{
    (void)arg;
    cr_assert_eq(fg_sem_acquire(sem, FG_FOREVER), 0);
    if (yields)
        fg_yield();
    note(0, fg_name()[0]);
    cr_assert_eq(fg_sem_release(sem), 0);
}

static void sem4(void *arg)
{
    (void)arg;
    reset(1);
    sem = fg_sem_new(1);
    for (int i = 0; i < 4; i++)
        fg_spawn(acquirer, NULL, .name = fg_fmt("%c", 'a' + i), .primary = true);
}

static char got[2][3];

static void sender(void *arg)
{
    intptr_t i = (intptr_t)arg;
    if (yields)
        fg_yield();
    cr_assert_eq(fg_chan_send(ch[i], (void *)fg_name(), 1, FG_FOREVER), 0);
}

static void receiver(void *arg)
{
    intptr_t i = (intptr_t)arg;
    for (int k = 0; k < 2; k++) {
        void *p;
        cr_assert_eq(fg_chan_recv(ch[i], &p, NULL, FG_FOREVER), 0);
        got[i][k] = ((const char *)p)[0];
    }
    got[i][2] = 0;
    if (got[0][1] && got[1][1])
        snprintf(out, sizeof out, "%s|%s", got[0], got[1]);
}

static bool receivers_last;  /* spawn the receivers after the senders */
static size_t capacity;      /* 0: unbounded channels */

static void two_channels(void *arg)
{
    (void)arg;
    memset(got, 0, sizeof got);
    out[0] = 0;
    for (int i = 0; i < 2; i++) {
        ch[i] = fg_chan_bounded(capacity);
        if (!receivers_last)
            fg_spawn(receiver, (void *)(intptr_t)i, .name = fg_fmt("r%d", i), .primary = true);
    }
    /* interleave the channels' senders so order of spawning ties them together */
    fg_spawn(sender, (void *)(intptr_t)0, .name = "a", .primary = true);
    fg_spawn(sender, (void *)(intptr_t)1, .name = "c", .primary = true);
    fg_spawn(sender, (void *)(intptr_t)0, .name = "b", .primary = true);
    fg_spawn(sender, (void *)(intptr_t)1, .name = "d", .primary = true);
    for (int i = 0; receivers_last && i < 2; i++)
        fg_spawn(receiver, (void *)(intptr_t)i, .name = fg_fmt("r%d", i), .primary = true);
}

static bool is_perm(const char *s, const char *of)
{
    if (strlen(s) != strlen(of))
        return false;
    for (const char *p = of; *p; p++)
        if (!strchr(s, *p))
            return false;
    return true;
}

Test(por, mutex_with_three_contenders_gives_six_orders)
{
    yields = false;
    fg_explore_stats st;
    explore(mutex3, FG_POR, &st);
    cr_assert_eq(st.runs, 6);
    cr_assert_eq(nseen, 6, "6 distinct acquisition orders, got %d", nseen);
    for (int i = 0; i < nseen; i++)
        cr_assert(is_perm(seen[i], "abc"), "%s", seen[i]);
}

Test(por, semaphore_of_one_with_four_contenders_gives_24)
{
    yields = false;
    fg_explore_stats st;
    explore(sem4, FG_POR, &st);
    cr_assert_eq(st.runs, 24);
    cr_assert_eq(nseen, 24);
}

Test(por, independent_channels_permute_independently)
{
    yields = false;
    /* receivers parked first or arriving last, unbounded or with room for one */
    for (int k = 0; k < 4; k++) {
        receivers_last = k & 1;
        capacity = k & 2 ? 1 : 0;
        fg_explore_stats st;
        explore(two_channels, FG_POR, &st);
        cr_assert_eq(st.runs, 4, "case %d: %llu runs", k, (unsigned long long)st.runs);
        cr_assert_eq(nseen, 4, "each pair of receive orders exactly once");
        const char *want[] = {"ab|cd", "ab|dc", "ba|cd", "ba|dc"};
        for (int i = 0; i < 4; i++) {
            bool found = false;
            for (int j = 0; j < nseen; j++)
                found |= !strcmp(seen[j], want[i]);
            cr_assert(found, "case %d: missing %s", k, want[i]);
        }
    }
    receivers_last = false;
    capacity = 0;
}

Test(por, independent_mutexes_multiply)
{
    yields = false;
    fg_explore_stats st;
    explore(two_mutexes, FG_POR, &st);
    cr_assert_eq(st.runs, 4, "2 x 2, got %llu", (unsigned long long)st.runs);
    cr_assert_eq(nseen, 4);
}

Test(por, unshared_mutexes_give_one_run)
{
    yields = false;
    fg_explore_stats st;
    explore(own_mutexes, FG_POR, &st);
    cr_assert_eq(st.runs, 1);
    cr_assert_str_eq(seen[0], "a|b|c|d");
}

Test(por, fifo_makes_no_choices)
{
    yields = false;
    fg_explore_stats st;
    explore(mutex3, FG_FIFO, &st);
    cr_assert_eq(st.runs, 1);
    cr_assert_str_eq(seen[0], "abc");
}

/* Every outcome the random strategy reaches, POR reaches too, in fewer runs. */
static void compare(fg_fn root, bool with_yields)
{
    yields = with_yields;
    fg_explore_stats por, rnd;
    explore(root, FG_POR, &por);
    static char por_seen[MAX_SEEN][64];
    int npor = nseen;
    memcpy(por_seen, seen, sizeof seen);
    explore(root, FG_RANDOM, &rnd);
    cr_assert_gt(rnd.runs, por.runs, "random %llu runs, por %llu", (unsigned long long)rnd.runs,
                 (unsigned long long)por.runs);
    for (int i = 0; i < nseen; i++) {
        bool found = false;
        for (int j = 0; j < npor; j++)
            found |= !strcmp(seen[i], por_seen[j]);
        cr_assert(found, "random reached %s, POR did not", seen[i]);
    }
    cr_assert_eq(nseen, npor, "and POR reaches nothing random cannot");
}

Test(por, random_finds_nothing_por_misses_mutex)
{
    compare(mutex3, true);
}

Test(por, random_finds_nothing_por_misses_semaphore)
{
    compare(sem4, true);
}

Test(por, random_finds_nothing_por_misses_channels)
{
    compare(two_channels, false);
}

Test(por, random_finds_nothing_por_misses_two_mutexes)
{
    compare(two_mutexes, true);
}

Test(por, random_finds_nothing_por_misses_own_mutexes)
{
    compare(own_mutexes, true);
}

/* ---- deadlock: two tasks, two mutexes, opposite orders ---- */

static int line_ab, line_ba;

static void ab(void *arg)
{
    (void)arg;
    fg_mutex_lock(mx[0], FG_FOREVER);
    fg_yield();
    line_ab = __LINE__; fg_mutex_lock(mx[1], FG_FOREVER);
    fg_mutex_unlock(mx[1]);
    fg_mutex_unlock(mx[0]);
}

static void ba(void *arg)
{
    (void)arg;
    fg_mutex_lock(mx[1], FG_FOREVER);
    fg_yield();
    line_ba = __LINE__; fg_mutex_lock(mx[0], FG_FOREVER);
    fg_mutex_unlock(mx[0]);
    fg_mutex_unlock(mx[1]);
}

static void opposite_orders(void *arg)
{
    (void)arg;
    mx[0] = fg_mutex_new();
    mx[1] = fg_mutex_new();
    fg_spawn(ab, NULL, .name = "ab", .primary = true);
    fg_spawn(ba, NULL, .name = "ba", .primary = true);
}

static void check_report(const char *rep)
{
    char site[64];
    cr_assert(strstr(rep, "deadlock"), "%s", rep);
    snprintf(site, sizeof site, "ab (group main): fg_mutex_lock (");
    cr_assert(strstr(rep, site), "%s", rep);
    snprintf(site, sizeof site, "ba (group main): fg_mutex_lock (");
    cr_assert(strstr(rep, site), "%s", rep);
    snprintf(site, sizeof site, "test_por.c:%d)", line_ab);
    cr_assert(strstr(rep, site), "report names ab's lock site: %s", rep);
    snprintf(site, sizeof site, "test_por.c:%d)", line_ba);
    cr_assert(strstr(rep, site), "report names ba's lock site: %s", rep);
}

static uint64_t deadlocks;

static bool count_deadlocks(const fg_result *r, void *ud)
{
    (void)ud;
    if (r->outcome == FG_FAIL_DEADLOCK) {
        deadlocks++;
        check_report(r->report);
    } else {
        cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    }
    return true;
}

Test(por, exhaustive_finds_the_lock_order_deadlock)
{
    fg_opts o = {.strategy = FG_POR, .return_on_failure = true, .quiet = true};
    fg_explore_stats st;
    deadlocks = 0;
    cr_assert_eq(fg_explore(opposite_orders, NULL, &o, 0, count_deadlocks, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 2, "who takes the second lock first: %llu", (unsigned long long)st.runs);
    cr_assert_eq(deadlocks, 1);
    cr_assert_eq(st.failures, 1);
}

/* Runs until the first deadlock, seeds 0, 1, ...; the bound is measured with margin. */
static uint64_t runs_to_deadlock(fg_strategy s)
{
    fg_opts o = {.strategy = s, .return_on_failure = true, .quiet = true};
    for (uint64_t seed = 0; seed < 1000; seed++) {
        fg_result r;
        cr_assert_eq(fg_run_seed(opposite_orders, NULL, &o, seed, &r), 0);
        if (r.outcome == FG_FAIL_DEADLOCK) {
            check_report(r.report);
            /* the saved input replays to the same deadlock */
            fg_result again;
            fg_run_bytes(opposite_orders, NULL, &o, r.input, r.input_len, &again);
            cr_assert_eq(again.outcome, FG_FAIL_DEADLOCK);
            return seed + 1;
        }
        cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    }
    return 1000;
}

Test(por, random_runs_find_the_deadlock_quickly)
{
    /* measured (bench_sync): both find it at seed 0, and about half of all seeded
     * runs deadlock under either strategy; 16 runs leaves a wide margin */
    cr_assert_leq(runs_to_deadlock(FG_POR), 16);
    cr_assert_leq(runs_to_deadlock(FG_RANDOM), 16);
}
