/* Histograms and keeping stats past the end of their sim. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

static fg_stats out;

static void fill(void *arg)
{
    (void)arg;
    fg_queue *q = fg_queue_sojourn(fg_queue_fifo(0, FG_REJECT_NEWEST));
    cr_assert_eq(fg_stats_keep(fg_queue_stats(q), &out), 0);
    for (int i = 0; i < 100; i++)
        fg_queue_push(q, (fg_item){.size = 1}, NULL);
    for (int i = 0; i < 100; i++) {
        fg_sleep(10 * FG_US);
        fg_queue_pop(q, NULL);
    }
}

Test(stats, kept_stats_outlive_the_sim)
{
    memset(&out, 0, sizeof out);
    fg_result r;
    fg_run_bytes(fill, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(out.pushes, 100);
    cr_assert_eq(out.pops, 100);
    const fg_hist *h = &out.sojourn;
    cr_assert_eq(h->count, 100);
    cr_assert_eq(h->min, 10 * FG_US);
    cr_assert_eq(h->max, 1000 * FG_US);
    cr_assert_float_eq(fg_hist_mean(h), 505.0 * FG_US, 1e-6);
    /* the median (505us) lies in [2^18, 2^19) ns; the bound is the bucket's top */
    cr_assert_eq(fg_hist_quantile(h, 0.5), (1 << 19) - 1);
    cr_assert_eq(fg_hist_quantile(h, 1.0), 1000 * FG_US, "never above the max");
    cr_assert_eq(fg_hist_quantile(h, 0.0), (1 << 14) - 1);
    uint64_t total = 0;
    for (int i = 0; i < 65; i++)
        total += h->bucket[i];
    cr_assert_eq(total, 100);
}

Test(stats, empty_histograms_and_misuse)
{
    fg_hist h;
    memset(&h, 0, sizeof h);
    cr_assert_float_eq(fg_hist_mean(&h), 0.0, 1e-12);
    cr_assert_eq(fg_hist_quantile(&h, 0.9), 0);
    cr_redirect_stderr();
    cr_assert_eq(fg_stats_keep(&out, &out), -EPERM);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: fg_stats_keep: called outside a running sim\n");
}

Test(stats, a_nan_quantile_is_the_lowest)
{
    fg_hist h;
    memset(&h, 0, sizeof h);
    h.count = 3;
    h.bucket[1] = 1;
    h.bucket[3] = 2;
    h.min = 1;
    h.max = 7;
    /* NaN passes both clamps; converting it to an integer rank is undefined */
    cr_assert_eq(fg_hist_quantile(&h, __builtin_nan("")), fg_hist_quantile(&h, 0.0));
    cr_assert_eq(fg_hist_quantile(&h, 0.0), 1);
}
