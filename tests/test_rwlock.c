/* Read-write lock: readers share, writers exclude, waiting writers hold back
 * new readers, POR's choice between a writer and the readers as one group. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

static fg_rwlock *l;
static int readers, writers, max_readers, bad;

static void reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(fg_rwlock_rdlock(l, FG_FOREVER), 0);
        readers++;
        if (readers > max_readers)
            max_readers = readers;
        bad += writers != 0;
        fg_yield();
        readers--;
        cr_assert_eq(fg_rwlock_unlock(l), 0);
    }
}

static void writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(fg_rwlock_wrlock(l, FG_FOREVER), 0);
        writers++;
        bad += writers != 1 || readers != 0;
        fg_yield();
        writers--;
        cr_assert_eq(fg_rwlock_unlock(l), 0);
    }
}

static void mix(void *arg)
{
    (void)arg;
    l = fg_rwlock_new();
    readers = writers = max_readers = bad = 0;
    for (int i = 0; i < 3; i++)
        fg_spawn(reader, NULL, .primary = true);
    for (int i = 0; i < 2; i++)
        fg_spawn(writer, NULL, .primary = true);
}

Test(rwlock, readers_share_writers_exclude)
{
    fg_strategy st[] = {FG_POR, FG_FIFO, FG_RANDOM};
    int shared = 0;
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 0; seed < 30; seed++) {
            fg_opts o = {.strategy = st[k]};
            fg_result r;
            fg_run_seed(mix, NULL, &o, seed, &r);
            cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
            cr_assert_eq(bad, 0);
            shared += max_readers > 1;
        }
    cr_assert_gt(shared, 0, "readers did hold the lock together");
}

static char order[8];
static int norder;

static void rd(void *arg)
{
    (void)arg;
    fg_rwlock_rdlock(l, FG_FOREVER);
    order[norder++] = 'r';
    fg_yield();
    fg_rwlock_unlock(l);
}

static void wr(void *arg)
{
    (void)arg;
    fg_rwlock_wrlock(l, FG_FOREVER);
    order[norder++] = 'w';
    fg_yield();
    fg_rwlock_unlock(l);
}

static void two_readers_one_writer(void *arg)
{
    (void)arg;
    l = fg_rwlock_new();
    norder = 0;
    memset(order, 0, sizeof order);
    fg_spawn(rd, NULL, .primary = true);
    fg_spawn(wr, NULL, .primary = true);
    fg_spawn(rd, NULL, .primary = true);
}

static char seen[8][8];
static int nseen;
static bool each(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    strcpy(seen[nseen++], order);
    return true;
}

Test(rwlock, por_orders_the_writer_against_the_readers)
{
    fg_explore_stats st;
    nseen = 0;
    fg_explore(two_readers_one_writer, NULL, NULL, 0, each, NULL, &st);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 2, "writer first, or the readers (together) first");
    cr_assert_str_eq(seen[0], "rrw");
    cr_assert_str_eq(seen[1], "wrr");
}

static int rs[8];
static void held_reader(void *arg)
{
    (void)arg;
    rs[4] = fg_rwlock_unlock(l);  /* holds nothing */
    rs[5] = fg_rwlock_try_rdlock(l);
}

static void misuse(void *arg)
{
    (void)arg;
    l = fg_rwlock_new();
    rs[0] = fg_rwlock_try_rdlock(l);
    rs[1] = fg_rwlock_try_wrlock(l);
    rs[2] = fg_rwlock_rdlock(l, FG_FOREVER);
    rs[3] = fg_rwlock_destroy(l);
    fg_join(fg_spawn(held_reader, NULL, .name = "other"), FG_FOREVER);
    fg_rwlock_unlock(l);
    rs[6] = fg_rwlock_wrlock(l, fg_after(FG_MS));  /* "other" still reads */
    rs[7] = fg_rwlock_stats(l)->acquires;
}

Test(rwlock, misuse_and_try)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(misuse, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[0], 0);
    cr_assert_eq(rs[1], -EDEADLK);
    cr_assert_eq(rs[2], -EDEADLK);
    cr_assert_eq(rs[3], -EBUSY);
    cr_assert_eq(rs[4], -EPERM);
    cr_assert_eq(rs[5], 0, "readers share");
    cr_assert_eq(rs[6], -ETIMEDOUT);
    cr_assert_eq(rs[7], 2);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_rwlock_try_wrlock: task already holds this lock\n"
                            "fugue: task main: fg_rwlock_rdlock: task already holds this lock\n"
                            "fugue: task main: fg_rwlock_destroy: lock is held\n"
                            "fugue: task other: fg_rwlock_unlock: task holds no lock on it\n");
}

static int late_reader;
static fg_time late_at;

static void impatient_writer(void *arg)
{
    (void)arg;
    rs[0] = fg_rwlock_wrlock(l, fg_after(FG_MS));
}

static void second_reader(void *arg)
{
    (void)arg;
    late_reader = fg_rwlock_rdlock(l, FG_FOREVER);
    late_at = fg_now();
    fg_rwlock_unlock(l);
}

static void writer_gives_up(void *arg)
{
    (void)arg;
    l = fg_rwlock_new();
    fg_rwlock_rdlock(l, FG_FOREVER);
    fg_spawn(impatient_writer, NULL, .primary = true);
    fg_yield();
    fg_spawn(second_reader, NULL, .primary = true);  /* waits behind the writer */
    fg_sleep(5 * FG_MS);
    fg_rwlock_unlock(l);
}

Test(rwlock, a_writer_that_gives_up_lets_held_back_readers_in)
{
    fg_strategy st[] = {FG_POR, FG_FIFO};
    for (int k = 0; k < 2; k++) {
        fg_opts o = {.strategy = st[k]};
        fg_result r;
        late_reader = 1;
        fg_run_bytes(writer_gives_up, NULL, &o, NULL, 0, &r);
        cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
        cr_assert_eq(rs[0], -ETIMEDOUT);
        cr_assert_eq(late_reader, 0);
        cr_assert_eq(late_at, FG_MS, "admitted when the writer left, not when the first reader did");
    }
}
