/* One-shot values: every waiter gets the value, closing tells them there will
 * be none, setting twice is misuse. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>

static fg_oneshot *o;
static int got, results[4];

static void waiter(void *arg)
{
    void *p;
    size_t n;
    int r = fg_oneshot_wait(o, &p, &n, FG_FOREVER);
    results[(intptr_t)arg] = r;
    if (r == 0 && p == (void *)&got && n == 4)
        got++;
}

static int rs[6];
static void setter(void *arg)
{
    (void)arg;
    o = fg_oneshot_new();
    got = 0;
    for (intptr_t i = 0; i < 3; i++)
        fg_spawn(waiter, (void *)i, .primary = true);
    rs[0] = fg_oneshot_try(o, NULL, NULL);
    fg_sleep(FG_MS);
    rs[1] = fg_oneshot_set(o, &got, 4);
    rs[2] = fg_oneshot_set(o, NULL, 0);
    rs[3] = fg_oneshot_close(o);
    fg_sleep(FG_MS);
    waiter((void *)3);  /* late: the value is there at once */
}

Test(oneshot, every_waiter_gets_the_value)
{
    cr_redirect_stderr();
    fg_opts opt = {.name = "main"};
    fg_result r;
    fg_run_bytes(setter, NULL, &opt, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(got, 4);
    cr_assert_eq(rs[0], -EAGAIN);
    cr_assert_eq(rs[1], 0);
    cr_assert_eq(rs[2], -EALREADY);
    cr_assert_eq(rs[3], -EALREADY);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_oneshot_set: the one-shot was set already\n"
                            "fugue: task main: fg_oneshot_close: the one-shot was set already\n");
}

static void closer(void *arg)
{
    (void)arg;
    o = fg_oneshot_new();
    fg_spawn(waiter, (void *)0, .primary = true);
    rs[4] = fg_oneshot_wait(o, NULL, NULL, fg_after(FG_MS));
    fg_oneshot_close(o);
    rs[5] = fg_oneshot_try(o, NULL, NULL);
}

Test(oneshot, close_and_deadline)
{
    fg_result r;
    fg_run_bytes(closer, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[4], -ETIMEDOUT);
    cr_assert_eq(results[0], -EPIPE);
    cr_assert_eq(rs[5], -EPIPE);
}
