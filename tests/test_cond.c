/* Condition variables: the classic bounded buffer under every strategy,
 * notify_one/notify_all counts, deadlines and misuse. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>

static fg_mutex *m;
static fg_cond *not_empty, *not_full;
static int buf[4], head, len, consumed_sum;

static void produce(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 20; i++) {
        fg_mutex_lock(m, FG_FOREVER);
        while (len == 4)
            cr_assert_eq(fg_cond_wait(not_full, m, FG_FOREVER), 0);
        buf[(head + len++) % 4] = i;
        fg_cond_notify_one(not_empty);
        fg_mutex_unlock(m);
    }
}

static void consume(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 20; i++) {
        fg_mutex_lock(m, FG_FOREVER);
        while (len == 0)
            cr_assert_eq(fg_cond_wait(not_empty, m, FG_FOREVER), 0);
        int v = buf[head];
        head = (head + 1) % 4;
        len--;
        cr_assert_eq(v, i, "in order");
        consumed_sum += v;
        fg_cond_notify_one(not_full);
        fg_mutex_unlock(m);
        if (fg_rand_bool())
            fg_yield();
    }
}

static void bounded_buffer(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    not_empty = fg_cond_new();
    not_full = fg_cond_new();
    head = len = consumed_sum = 0;
    fg_spawn(produce, NULL, .primary = true);
    fg_spawn(consume, NULL, .primary = true);
}

Test(cond, bounded_buffer_under_every_strategy)
{
    fg_strategy st[] = {FG_POR, FG_FIFO, FG_RANDOM};
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 0; seed < 30; seed++) {
            fg_opts o = {.strategy = st[k]};
            fg_result r;
            fg_run_seed(bounded_buffer, NULL, &o, seed, &r);
            cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
            cr_assert_eq(consumed_sum, 210);
        }
}

static fg_cond *c;
static int woken;
static void sleeper(void *arg)
{
    (void)arg;
    fg_mutex_lock(m, FG_FOREVER);
    if (fg_cond_wait(c, m, FG_FOREVER) == 0)
        woken++;
    fg_mutex_unlock(m);
}

static int rs[6];
static void notifies(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    c = fg_cond_new();
    woken = 0;
    for (int i = 0; i < 3; i++)
        fg_spawn(sleeper, NULL, .primary = true);
    fg_sleep(FG_MS);
    rs[0] = fg_cond_notify_one(c);
    fg_sleep(FG_MS);
    rs[1] = woken;
    rs[2] = fg_cond_notify_all(c);
    fg_sleep(FG_MS);
    rs[3] = woken;
    rs[4] = fg_cond_notify_all(c);
}

Test(cond, notify_one_and_all)
{
    fg_result r;
    fg_run_bytes(notifies, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[0], 1);
    cr_assert_eq(rs[1], 1);
    cr_assert_eq(rs[2], 2);
    cr_assert_eq(rs[3], 3);
    cr_assert_eq(rs[4], 0, "nobody left to wake");
}

static void misuse(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    c = fg_cond_new();
    rs[0] = fg_cond_wait(c, m, FG_FOREVER);  /* without the mutex */
    fg_mutex_lock(m, FG_FOREVER);
    rs[1] = fg_cond_wait(c, m, fg_after(FG_MS));
    rs[2] = fg_mutex_unlock(m);  /* held again after the timeout */
    rs[3] = fg_cond_destroy(c);
    rs[4] = fg_cond_notify_one(c);
}

Test(cond, deadline_and_misuse)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(misuse, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[0], -EPERM);
    cr_assert_eq(rs[1], -ETIMEDOUT);
    cr_assert_eq(rs[2], 0);
    cr_assert_eq(rs[3], 0);
    cr_assert_eq(rs[4], -EINVAL);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_cond_wait: task does not hold the mutex\n"
                            "fugue: task main: fg_cond_notify_one: object was destroyed\n");
}
