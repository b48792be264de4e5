/* Queues: container orders, capacity and both overflow policies, latency
 * ripening on sim time, loss drawn from the choice stream, sojourn times,
 * and stages composed into one queue. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

static fg_item item(intptr_t v)
{
    return (fg_item){.data = (void *)v, .size = (size_t)v};
}

static intptr_t pop_v(fg_queue *q)
{
    fg_item it;
    int r = fg_queue_pop(q, &it);
    return r ? r : (intptr_t)it.data;
}

typedef void (*body)(void);
static void run_body(void *arg)
{
    ((body)arg)();
}

static fg_result run(body b, const uint8_t *in, size_t len)
{
    fg_result r;
    fg_run_bytes(run_body, (void *)b, NULL, in, len, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    return r;
}

static void orders(void)
{
    fg_queue *f = fg_queue_fifo(0, FG_REJECT_NEWEST), *l = fg_queue_lifo(0, FG_REJECT_NEWEST);
    fg_queue *p = fg_queue_prio(0, FG_REJECT_NEWEST);
    for (intptr_t v = 1; v <= 1000; v++) {
        cr_assert_eq(fg_queue_push(f, item(v), NULL), 0);
        cr_assert_eq(fg_queue_push(l, item(v), NULL), 0);
        fg_item it = item(v);
        it.prio = v % 3;  /* ties keep push order */
        cr_assert_eq(fg_queue_push(p, it, NULL), 0);
    }
    cr_assert_eq(fg_queue_len(f), 1000);
    for (intptr_t v = 1; v <= 1000; v++)
        cr_assert_eq(pop_v(f), v);
    for (intptr_t v = 1000; v >= 1; v--)
        cr_assert_eq(pop_v(l), v);
    intptr_t prev_prio = -1, prev = 0;
    for (int i = 0; i < 1000; i++) {
        fg_item it;
        cr_assert_eq(fg_queue_pop(p, &it), 0);
        intptr_t v = (intptr_t)it.data;
        cr_assert_eq(it.prio, v % 3);
        if (it.prio == prev_prio)
            cr_assert_gt(v, prev, "equal priorities leave in push order");
        else
            cr_assert_gt(it.prio, prev_prio);
        prev_prio = it.prio;
        prev = v;
    }
    cr_assert_eq(pop_v(f), -EAGAIN);
    cr_assert_eq(pop_v(l), -EAGAIN);
    cr_assert_eq(pop_v(p), -EAGAIN);
    cr_assert_eq(fg_queue_ready_at(f), FG_FOREVER);
    cr_assert_eq(fg_queue_stats(f)->pushes, 1000);
    cr_assert_eq(fg_queue_stats(f)->pops, 1000);
}

Test(queue, containers_keep_their_order)
{
    run(orders, NULL, 0);
}

static void overflow(void)
{
    fg_queue *rej = fg_queue_fifo(3, FG_REJECT_NEWEST);
    for (intptr_t v = 1; v <= 3; v++)
        cr_assert_eq(fg_queue_push(rej, item(v), NULL), 0);
    fg_item back = item(0);
    cr_assert_eq(fg_queue_push(rej, item(4), &back), -ENOBUFS);
    cr_assert_null(back.data, "a rejected push hands nothing back");
    cr_assert_eq(fg_queue_stats(rej)->overflows, 1);
    cr_assert_eq(pop_v(rej), 1);

    fg_queue *ev = fg_queue_fifo(3, FG_EVICT_OLDEST);
    for (intptr_t v = 1; v <= 3; v++)
        cr_assert_eq(fg_queue_push(ev, item(v), NULL), 0);
    cr_assert_eq(fg_queue_push(ev, item(4), &back), 1);
    cr_assert_eq((intptr_t)back.data, 1, "the oldest is handed back");
    cr_assert_eq(fg_queue_stats(ev)->evictions, 1);
    cr_assert_eq(pop_v(ev), 2);

    fg_queue *lifo = fg_queue_lifo(2, FG_EVICT_OLDEST);
    fg_queue_push(lifo, item(1), NULL);
    fg_queue_push(lifo, item(2), NULL);
    cr_assert_eq(fg_queue_push(lifo, item(3), &back), 1);
    cr_assert_eq((intptr_t)back.data, 1);
    cr_assert_eq(pop_v(lifo), 3);
    cr_assert_eq(pop_v(lifo), 2);

    fg_queue *prio = fg_queue_prio(2, FG_EVICT_OLDEST);
    fg_item a = item(1), b = item(2), c = item(3);
    a.prio = 5;
    b.prio = 9;   /* least urgent: evicted */
    c.prio = 1;
    fg_queue_push(prio, a, NULL);
    fg_queue_push(prio, b, NULL);
    cr_assert_eq(fg_queue_push(prio, c, &back), 1);
    cr_assert_eq((intptr_t)back.data, 2);
    cr_assert_eq(pop_v(prio), 3);
    cr_assert_eq(pop_v(prio), 1);
}

Test(queue, capacity_rejects_or_evicts)
{
    run(overflow, NULL, 0);
}

/* Bounds past what is allocated up front (256 items) grow as the queue fills. */
static void big_bounds(void)
{
    fg_queue *q[] = {fg_queue_fifo(1000, FG_REJECT_NEWEST), fg_queue_lifo(SIZE_MAX, FG_REJECT_NEWEST),
                     fg_queue_prio(1000, FG_REJECT_NEWEST)};
    for (int k = 0; k < 3; k++) {
        for (intptr_t v = 0; v < 1000; v++) {
            fg_item it = item(v);
            it.prio = v;
            cr_assert_eq(fg_queue_push(q[k], it, NULL), 0);
        }
        cr_assert_eq(fg_queue_len(q[k]), 1000);
    }
    cr_assert_lt(fg_queue_push(q[0], item(1000), NULL), 0, "the bound still holds");
    for (intptr_t v = 0; v < 1000; v++) {
        cr_assert_eq(pop_v(q[0]), v);
        cr_assert_eq(pop_v(q[1]), 999 - v);
        cr_assert_eq(pop_v(q[2]), v);
    }
}

Test(queue, big_bounds_grow_past_the_presized_ring)
{
    run(big_bounds, NULL, 0);
}

static void latency(void)
{
    fg_queue *q = fg_queue_latency(fg_queue_fifo(0, FG_REJECT_NEWEST), 2 * FG_MS, 0);
    fg_queue_push(q, item(1), NULL);
    fg_sleep(FG_MS);
    fg_queue_push(q, item(2), NULL);
    cr_assert_eq(fg_queue_ready_at(q), 2 * FG_MS);
    cr_assert_eq(pop_v(q), -EAGAIN, "not ripe yet");
    cr_assert_eq(fg_queue_len(q), 2);
    fg_sleep_until(2 * FG_MS);
    cr_assert_eq(pop_v(q), 1);
    cr_assert_eq(pop_v(q), -EAGAIN);
    fg_sleep_until(3 * FG_MS);
    cr_assert_eq(pop_v(q), 2);

    /* nested latency stages add up */
    fg_queue *qq = fg_queue_latency(fg_queue_latency(fg_queue_fifo(0, FG_REJECT_NEWEST), FG_MS, 0), 2 * FG_MS, 0);
    fg_queue_push(qq, item(7), NULL);
    cr_assert_eq(fg_queue_ready_at(qq), fg_now() + 3 * FG_MS);
}

Test(queue, latency_ripens_on_sim_time)
{
    run(latency, NULL, 0);
}

static fg_time jittered;
static void jitter(void)
{
    fg_queue *q = fg_queue_latency(fg_queue_fifo(0, FG_REJECT_NEWEST), FG_MS, 255);
    fg_queue_push(q, item(1), NULL);
    jittered = fg_queue_ready_at(q);
}

Test(queue, jitter_comes_from_the_choice_stream)
{
    static const uint8_t in[] = {200};
    run(jitter, in, sizeof in);
    cr_assert_eq(jittered, FG_MS + 200);
    run(jitter, NULL, 0);
    cr_assert_eq(jittered, FG_MS, "exhausted input: no extra delay");
}

static fg_time huge_ripe[2];
static void huge_delays(void)
{
    fg_sleep(FG_MS);
    fg_queue *q = fg_queue_latency(fg_queue_fifo(0, FG_REJECT_NEWEST), FG_FOREVER - 10, 1000);
    fg_queue_push(q, item(1), NULL);
    huge_ripe[0] = fg_queue_ready_at(q);
    cr_assert_eq(pop_v(q), -EAGAIN);
    fg_queue *r = fg_queue_latency(fg_queue_fifo(0, FG_REJECT_NEWEST), FG_FOREVER, FG_FOREVER);
    fg_queue_push(r, item(2), NULL);
    huge_ripe[1] = fg_queue_ready_at(r);
    cr_assert_eq(pop_v(r), -EAGAIN);
}

Test(queue, huge_delay_and_jitter_saturate_at_forever)
{
    uint8_t in[32];
    memset(in, 0xff, sizeof in);
    run(huge_delays, in, sizeof in);
    cr_assert_eq(huge_ripe[0], FG_FOREVER, "delay plus jitter past FG_FOREVER must not wrap into the past");
    cr_assert_eq(huge_ripe[1], FG_FOREVER);
}

static int delivered;
static void lossy(void)
{
    fg_queue *q = fg_queue_loss(fg_queue_fifo(0, FG_REJECT_NEWEST), 1, 2);
    delivered = 0;
    for (intptr_t v = 1; v <= 4; v++) {
        fg_item back = item(0);
        int r = fg_queue_push(q, item(v), &back);
        if (r == 1)
            cr_assert_eq((intptr_t)back.data, v, "a lost item is handed back");
        else
            cr_assert_eq(r, 0);
    }
    while (pop_v(q) > 0)
        delivered++;
    cr_assert_eq(fg_queue_stats(q)->drops + (uint64_t)delivered, 4);
}

Test(queue, loss_comes_from_the_choice_stream)
{
    static const uint8_t two_lost[] = {1, 0, 1, 0};
    run(lossy, two_lost, sizeof two_lost);
    cr_assert_eq(delivered, 2);
    run(lossy, NULL, 0);
    cr_assert_eq(delivered, 4, "value 0, the natural choice, loses nothing");
}

static fg_stats soj;
static void sojourn(void)
{
    fg_queue *q = fg_queue_sojourn(fg_queue_fifo(0, FG_REJECT_NEWEST));
    fg_stats_keep(fg_queue_stats(q), &soj);
    fg_queue_push(q, item(1), NULL);
    fg_queue_push(q, item(2), NULL);
    fg_sleep(FG_MS);
    pop_v(q);
    fg_sleep(FG_MS);
    pop_v(q);
}

Test(queue, sojourn_times_are_recorded)
{
    run(sojourn, NULL, 0);
    cr_assert_eq(soj.sojourn.count, 2);
    cr_assert_eq(soj.sojourn.min, FG_MS);
    cr_assert_eq(soj.sojourn.max, 2 * FG_MS);
    cr_assert_eq(soj.sojourn.sum, 3 * FG_MS);
    cr_assert_eq(soj.pops, 2);
}

static void composed(void)
{
    /* latency(loss(fifo(2))): one queue, each stage counting its own part */
    fg_queue *fifo = fg_queue_fifo(2, FG_REJECT_NEWEST);
    fg_queue *loss = fg_queue_loss(fifo, 1, 2);
    fg_queue *q = fg_queue_latency(loss, FG_MS, 0);
    int ok = 0, full = 0;
    for (intptr_t v = 1; v <= 5; v++) {
        fg_item back;
        int r = fg_queue_push(q, item(v), &back);
        ok += r == 0;
        full += r == -ENOBUFS;
    }
    cr_assert_eq(ok, 2);
    cr_assert_eq(fg_queue_stats(loss)->drops, 1);
    cr_assert_eq(full, 2);
    cr_assert_eq(fg_queue_stats(fifo)->overflows, 2);
    cr_assert_eq(fg_queue_stats(q)->pushes, 5);
    cr_assert_eq(pop_v(q), -EAGAIN);
    fg_sleep(FG_MS);
    cr_assert_eq(pop_v(q), 1);
    cr_assert_eq(pop_v(q), 3);
}

Test(queue, stages_compose)
{
    /* the second push is lost (byte 1), the rest are kept (0) */
    static const uint8_t in[] = {0, 1, 0, 0, 0};
    run(composed, in, sizeof in);
}

static void bad_args(void)
{
    cr_assert_null(fg_queue_fifo(4, (fg_overflow)7));
    cr_assert_null(fg_queue_loss(NULL, 1, 2));
    cr_assert_null(fg_queue_loss(fg_queue_fifo(0, FG_REJECT_NEWEST), 1, 0));
    cr_assert_eq(fg_queue_push(NULL, item(1), NULL), -EINVAL);
}

Test(queue, bad_arguments_are_errors)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "q"};
    fg_result r;
    fg_run_bytes(run_body, (void *)bad_args, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task q: fg_queue_fifo: unknown overflow policy 7\n"
                            "fugue: task q: fg_queue_loss: no inner queue\n"
                            "fugue: task q: fg_queue_loss: zero denominator\n"
                            "fugue: task q: fg_queue_push: NULL queue\n");
}
