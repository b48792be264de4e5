/* Hints and features (core/hint.c): hand-offs between tasks become features,
 * the same ones in every run of a schedule; fg_cover buckets its value;
 * fg_sometimes names each property never true. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <string.h>

#define MAXF 256
static struct { uint64_t f[MAXF]; size_t n; } seen;

static void collect(uint64_t feature, void *ud)
{
    (void)ud;
    for (size_t i = 0; i < seen.n; i++)
        if (seen.f[i] == feature)
            return;
    if (seen.n < MAXF)
        seen.f[seen.n++] = feature;
}

static fg_mutex *m;

static void locker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        fg_mutex_lock(m, FG_FOREVER);
        fg_yield();
        fg_mutex_unlock(m);
        fg_yield();
    }
}

static void two_lockers(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    int a = fg_spawn(locker, NULL, .name = "a"), b = fg_spawn(locker, NULL, .name = "b");
    fg_join(a, FG_FOREVER);
    fg_join(b, FG_FOREVER);
}

static size_t features(fg_strategy s, const uint8_t *in, size_t len)
{
    seen.n = 0;
    fg_opts o = {.strategy = s, .on_feature = collect};
    fg_result r;
    cr_assert_eq(fg_run_bytes(two_lockers, NULL, &o, in, len, &r), 0);
    return seen.n;
}

Test(hint, handoffs_are_features_stable_across_runs)
{
    for (fg_strategy s = FG_POR; s <= FG_POS; s++) {
        static const uint8_t in[] = {1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1};
        size_t n = features(s, in, sizeof in);
        uint64_t first[MAXF];
        memcpy(first, seen.f, n * sizeof *first);
        cr_expect_eq(features(s, in, sizeof in), n, "strategy %d: same count", (int)s);
        cr_expect(!memcmp(first, seen.f, n * sizeof *first), "strategy %d: same features, same order", (int)s);
        if (s != FG_FIFO)
            cr_expect_gt(n, 0u, "strategy %d: lock hand-offs and joins are features", (int)s);
    }
}

static void covering(void *arg)
{
    (void)arg;
    fg_cover(7, fg_rand_range(0, 20));
}

Test(hint, cover_buckets_its_value)
{
    size_t distinct = 0;
    uint64_t all[64];
    for (uint8_t v = 0; v <= 20; v++) {
        seen.n = 0;
        fg_opts o = {.on_feature = collect};
        fg_result r;
        cr_assert_eq(fg_run_bytes(covering, NULL, &o, &v, 1, &r), 0);
        cr_assert_eq(seen.n, 1u);
        bool found = false;
        for (size_t i = 0; i < distinct; i++)
            found |= all[i] == seen.f[0];
        if (!found)
            all[distinct++] = seen.f[0];
    }
    /* 0, 1, 2, 3, 4-7, 8-15, 16-20 */
    cr_expect_eq(distinct, 7u);
    fg_cover(1, 1);   /* outside a sim: nothing, no crash */
}

static void sometimes_root(void *arg)
{
    (void)arg;
    int x = (int)fg_choose(4);
    fg_sometimes(x == 3, "x reaches 3");
    fg_sometimes(x == 9, "x reaches 9");
}

Test(hint, sometimes_names_what_was_never_true)
{
    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(f);
    for (uint8_t v = 0; v < 4; v++) {
        fg_result r;
        cr_assert_eq(fg_run_bytes(sometimes_root, NULL, NULL, &v, 1, &r), 0);
    }
    cr_expect_eq(fg_sometimes_report(f), 1u);
    fclose(f);
    cr_expect(strstr(buf, "sometimes never true: x reaches 9 (") && strstr(buf, "reached 4 times"), "%s", buf);
    cr_expect(!strstr(buf, "x reaches 3"), "%s", buf);
}
