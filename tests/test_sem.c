/* Counting semaphore: permits bound concurrency under every strategy,
 * try_/deadline behaviour, POR's per-grant choice, misuse and stats. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>

static fg_sem *s;
static int inside, max_inside;

static void user(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(fg_sem_acquire(s, FG_FOREVER), 0);
        if (++inside > max_inside)
            max_inside = inside;
        fg_yield();
        fg_sleep(fg_rand_range(0, 1) * FG_US);
        inside--;
        cr_assert_eq(fg_sem_release(s), 0);
    }
}

static void five_users(void *arg)
{
    (void)arg;
    s = fg_sem_new(2);
    inside = max_inside = 0;
    for (int i = 0; i < 5; i++)
        fg_spawn(user, NULL, .primary = true);
}

Test(sem, permits_bound_concurrency)
{
    fg_strategy st[] = {FG_POR, FG_FIFO, FG_RANDOM};
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 0; seed < 30; seed++) {
            fg_opts o = {.strategy = st[k]};
            fg_result r;
            fg_run_seed(five_users, NULL, &o, seed, &r);
            cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
            cr_assert_eq(max_inside, 2, "two permits, two inside at most (and reached)");
        }
}

static int rs[6];
static void tries(void *arg)
{
    (void)arg;
    s = fg_sem_new(1);
    rs[0] = fg_sem_try_acquire(s);
    rs[1] = fg_sem_try_acquire(s);
    rs[2] = fg_sem_acquire(s, fg_after(FG_MS));
    rs[3] = (int)fg_sem_permits(s);
    fg_sem_release(s);
    fg_sem_release(s);
    rs[4] = (int)fg_sem_permits(s);
    rs[5] = fg_sem_destroy(s);
}

Test(sem, try_and_deadline)
{
    fg_result r;
    fg_run_bytes(tries, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[0], 0);
    cr_assert_eq(rs[1], -EAGAIN);
    cr_assert_eq(rs[2], -ETIMEDOUT);
    cr_assert_eq(rs[3], 0);
    cr_assert_eq(rs[4], 2, "releases add permits");
    cr_assert_eq(rs[5], 0);
    cr_assert_eq(r.time, FG_MS);
}

static char order[8];
static int norder;
static void one(void *arg)
{
    (void)arg;
    fg_sem_acquire(s, FG_FOREVER);
    order[norder++] = fg_name()[0];
}

static void two_permits_three_takers(void *arg)
{
    (void)arg;
    s = fg_sem_new(2);
    norder = 0;
    for (int i = 0; i < 3; i++)
        fg_spawn(one, NULL, .name = fg_fmt("%c", 'a' + i), .primary = true);
    fg_sleep(FG_MS);
    fg_sem_release(s);
}

static int runs;
static bool each(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    cr_assert_eq(norder, 3);
    runs++;
    return true;
}

Test(sem, por_grants_permits_one_choice_at_a_time)
{
    fg_explore_stats st;
    runs = 0;
    fg_explore(two_permits_three_takers, NULL, NULL, 0, each, NULL, &st);
    cr_assert(st.complete);
    /* first permit: 3 ways, second: 2, the late one: 1 */
    cr_assert_eq(st.runs, 6);
}

static int waited;
static void waiter(void *arg)
{
    (void)arg;
    waited = fg_sem_acquire(s, FG_FOREVER);
}
static fg_stats kept;
static void misuse(void *arg)
{
    (void)arg;
    s = fg_sem_new(0);
    fg_stats_keep(fg_sem_stats(s), &kept);
    int id = fg_spawn(waiter, NULL, .name = "w");
    fg_yield();
    rs[0] = fg_sem_destroy(s);
    fg_sleep(2 * FG_MS);
    fg_sem_release(s);
    fg_join(id, FG_FOREVER);
    rs[1] = fg_sem_destroy(s);
    rs[2] = fg_sem_release(s);
}

Test(sem, destroy_with_waiters_is_misuse)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(misuse, NULL, &o, NULL, 0, &r);
    cr_assert_eq(waited, 0);
    cr_assert_eq(rs[0], -EBUSY);
    cr_assert_eq(rs[1], 0);
    cr_assert_eq(rs[2], -EINVAL);
    cr_assert_eq(kept.acquires, 1);
    cr_assert_eq(kept.contended, 1);
    cr_assert_eq(kept.wait.max, 2 * FG_MS);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_sem_destroy: tasks wait for this semaphore (w first)\n"
                            "fugue: task main: fg_sem_release: object was destroyed\n");
}
