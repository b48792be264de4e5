/* Join of a set of tasks: returns when the last one ends, or at the deadline. */
#include "fugue.h"

#include <criterion/criterion.h>

static void nap(void *arg)
{
    fg_sleep((fg_time)(intptr_t)arg * FG_MS);
}

static int rs[3];
static fg_time when[2];

static void root(void *arg)
{
    (void)arg;
    int ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = fg_spawn(nap, (void *)(intptr_t)(3 - i));
    rs[0] = fg_join_all(ids, 3, FG_FOREVER);
    when[0] = fg_now();
    int more[2] = {fg_spawn(nap, (void *)1), fg_spawn(nap, (void *)10)};
    rs[1] = fg_join_all(more, 2, fg_after(5 * FG_MS));
    when[1] = fg_now();
    rs[2] = fg_join_all(more + 1, 1, FG_FOREVER);
}

Test(joinall, waits_for_every_task)
{
    fg_result r;
    fg_run_bytes(root, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[0], 0);
    cr_assert_eq(when[0], 3 * FG_MS, "the slowest decides");
    cr_assert_eq(rs[1], -ETIMEDOUT);
    cr_assert_eq(when[1], 8 * FG_MS);
    cr_assert_eq(rs[2], 0, "a timed-out join can be retried");
    cr_assert_eq(r.time, 13 * FG_MS);
}
