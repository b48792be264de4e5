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

/* ---- fg_sim_stats_last: every object's figures summed, after the sim ---- */

static void contend(void *arg)
{
    fg_mutex_lock((fg_mutex *)arg, FG_FOREVER);
    fg_sleep(FG_MS);
    fg_mutex_unlock((fg_mutex *)arg);
}

static void summed(void *arg)
{
    (void)arg;
    fg_mutex *a = fg_mutex_new(), *b = fg_mutex_new();
    fg_spawn(contend, a, .primary = true);
    fg_spawn(contend, a, .primary = true);
    fg_spawn(contend, b, .primary = true);
    fill(NULL);
    int s = fg_udp_bind("0.0.0.0:9");
    fg_udp_send_to(s, "main:1", "x", 1);   /* no socket there: dropped, unreachable */
    fg_sleep(FG_SEC);
}

Test(stats, the_last_sims_objects_are_summed_by_kind)
{
    fg_result r;
    cr_assert_eq(fg_run_bytes(summed, NULL, NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS);
    fg_sim_stats st;
    cr_assert_eq(fg_sim_stats_last(&st), 0);
    cr_assert_eq(st.mutexes, 2);
    cr_assert_eq(st.mutex.acquires, 3);
    cr_assert_geq(st.mutex.contended, 1);   /* under POR a lock in a busy instant waits for its turn too */
    cr_assert_eq(st.mutex.wait.count, st.mutex.contended);
    cr_assert_eq(st.mutex.wait.max, FG_MS);   /* the second waited out the first's sleep */
    cr_assert_geq(st.queues, 2);              /* the sojourn stage and its fifo */
    cr_assert_eq(st.queue.sojourn.count, 100);
    cr_assert(st.net_used);
    cr_assert_eq(st.net.sent, 1);
    cr_assert_eq(st.net.dropped_by[FG_NET_DROP_UNREACHABLE], 1);
    /* a sim without objects or network leaves a summary of zeros, not the last one's */
    cr_assert_eq(fg_run_bytes(summed, NULL, &(fg_opts){.max_steps = 1, .return_on_failure = true, .quiet = true},
                              NULL, 0, &r), 0);
    cr_assert_eq(fg_sim_stats_last(&st), 0);
    cr_assert_eq(st.mutexes, 2);
    cr_assert_eq(st.mutex.acquires, 0);
    cr_assert(!st.net_used);
}
