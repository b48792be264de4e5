/* Channels: order, back-pressure, try_ variants, deadlines, closing from
 * either side, stages (latency, loss, eviction) inside a channel, several
 * receivers under POR, and teardown. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "leakcheck.h"

static fg_chan *c;
static intptr_t got[64];
static int ngot;
static fg_time at[64];

static void drain(void *arg)
{
    (void)arg;
    void *p;
    size_t n;
    while (fg_chan_recv(c, &p, &n, FG_FOREVER) == 0) {
        cr_assert_eq(n, (size_t)(intptr_t)p);
        at[ngot] = fg_now();
        got[ngot++] = (intptr_t)p;
    }
}

static void stream(void *arg)
{
    (void)arg;
    c = fg_chan_bounded(2);
    ngot = 0;
    int id = fg_spawn(drain, NULL, .primary = true);
    for (intptr_t v = 1; v <= 20; v++)
        cr_assert_eq(fg_chan_send(c, (void *)v, (size_t)v, FG_FOREVER), 0);
    cr_assert_eq(fg_chan_close(c), 0);
    cr_assert_eq(fg_chan_close(c), -EALREADY);
    cr_assert_eq(fg_join(id, FG_FOREVER), 0);
}

Test(chan, bounded_stream_in_order_under_every_strategy)
{
    fg_strategy s[] = {FG_POR, FG_FIFO, FG_RANDOM};
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 0; seed < 20; seed++) {
            fg_opts o = {.strategy = s[k]};
            fg_result r;
            fg_run_seed(stream, NULL, &o, seed, &r);
            cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
            cr_assert_eq(ngot, 20);
            for (int i = 0; i < 20; i++)
                cr_assert_eq(got[i], i + 1);
        }
}

static int rs[8];

static void backpressure(void *arg)
{
    (void)arg;
    c = fg_chan_bounded(1);
    rs[0] = fg_chan_try_recv(c, NULL, NULL);
    rs[1] = fg_chan_try_send(c, (void *)1, 1);
    rs[2] = fg_chan_try_send(c, (void *)2, 2);
    rs[3] = fg_chan_send(c, (void *)3, 3, fg_after(FG_MS));
    cr_assert_eq(fg_now(), FG_MS);
    void *p;
    rs[4] = fg_chan_try_recv(c, &p, NULL);
    cr_assert_eq((intptr_t)p, 1);
    rs[5] = fg_chan_recv(c, &p, NULL, fg_after(FG_MS));
    cr_assert_eq(fg_now(), 2 * FG_MS);
}

Test(chan, try_variants_and_deadlines)
{
    fg_result r;
    fg_run_bytes(backpressure, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(rs[0], -EAGAIN);
    cr_assert_eq(rs[1], 0);
    cr_assert_eq(rs[2], -EAGAIN);
    cr_assert_eq(rs[3], -ETIMEDOUT);
    cr_assert_eq(rs[4], 0);
    cr_assert_eq(rs[5], -ETIMEDOUT);
}

static int blocked_send, blocked_recv, late_send;

static void blocked_sender(void *arg)
{
    (void)arg;
    blocked_send = fg_chan_send(c, (void *)9, 9, FG_FOREVER);  /* full: waits */
}

static void receiver_closes(void *arg)
{
    (void)arg;
    c = fg_chan_bounded(1);
    fg_chan_send(c, (void *)1, 1, FG_FOREVER);
    int id = fg_spawn(blocked_sender, NULL, .name = "sender");
    fg_sleep(FG_MS);
    cr_assert_eq(fg_chan_close(c), 0);  /* the receiving side gives up */
    fg_join(id, FG_FOREVER);
    void *p;
    cr_assert_eq(fg_chan_recv(c, &p, NULL, FG_FOREVER), 0, "what was queued is still delivered");
    cr_assert_eq((intptr_t)p, 1);
    blocked_recv = fg_chan_recv(c, &p, NULL, FG_FOREVER);
    late_send = fg_chan_send(c, (void *)2, 2, FG_FOREVER);
}

Test(chan, close_wakes_senders_and_drains_receivers)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(receiver_closes, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(blocked_send, -EPIPE);
    cr_assert_eq(blocked_recv, -EPIPE);
    cr_assert_eq(late_send, -EPIPE);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_chan_send: the channel is closed\n");
}

static void waiting_receivers(void *arg)
{
    (void)arg;
    c = fg_chan_new(NULL);
    int id = fg_spawn(drain, NULL, .primary = true);
    fg_sleep(FG_MS);
    fg_chan_close(c);  /* the sender's side: the parked receiver sees the end */
    cr_assert_eq(fg_join(id, FG_FOREVER), 0);
}

Test(chan, close_ends_parked_receivers)
{
    ngot = 0;
    fg_result r;
    fg_run_bytes(waiting_receivers, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(ngot, 0);
}

static void slow_link(void *arg)
{
    (void)arg;
    c = fg_chan_new(fg_queue_latency(fg_queue_fifo(0, FG_REJECT_NEWEST), 5 * FG_MS, 0));
    ngot = 0;
    int id = fg_spawn(drain, NULL, .primary = true);
    fg_chan_send(c, (void *)1, 1, FG_FOREVER);
    fg_sleep(FG_MS);
    fg_chan_send(c, (void *)2, 2, FG_FOREVER);
    fg_chan_close(c);
    fg_join(id, FG_FOREVER);
}

Test(chan, latency_stage_delays_delivery)
{
    fg_result r;
    fg_run_bytes(slow_link, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(at[0], 5 * FG_MS);
    cr_assert_eq(at[1], 6 * FG_MS);
    cr_assert_eq(r.time, 6 * FG_MS);
}

static int dropped;
static intptr_t dropped_v[8];

static void on_drop(void *data, size_t size, void *ud)
{
    cr_assert_eq(ud, &dropped);
    cr_assert_eq(size, (size_t)(intptr_t)data);
    dropped_v[dropped++] = (intptr_t)data;
}

static void lossy_link(void *arg)
{
    (void)arg;
    /* latency(loss(fifo(64))) is one channel */
    c = fg_chan_new(fg_queue_latency(fg_queue_loss(fg_queue_fifo(64, FG_REJECT_NEWEST), 1, 2), FG_MS, 0));
    fg_chan_on_drop(c, on_drop, &dropped);
    ngot = dropped = 0;
    int id = fg_spawn(drain, NULL, .primary = true);
    for (intptr_t v = 1; v <= 4; v++)
        cr_assert_eq(fg_chan_send(c, (void *)v, (size_t)v, FG_FOREVER), 0);
    fg_chan_close(c);
    fg_join(id, FG_FOREVER);
}

Test(chan, loss_stage_drops_from_the_choice_stream)
{
    static const uint8_t in[] = {0, 1, 1, 0};
    fg_result r;
    fg_run_bytes(lossy_link, NULL, NULL, in, sizeof in, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got[0], 1);
    cr_assert_eq(got[1], 4);
    cr_assert_eq(dropped, 2);
    cr_assert_eq(dropped_v[0], 2);
    cr_assert_eq(dropped_v[1], 3);
}

static void evicting(void *arg)
{
    (void)arg;
    c = fg_chan_new(fg_queue_fifo(2, FG_EVICT_OLDEST));
    fg_chan_on_drop(c, on_drop, &dropped);
    ngot = dropped = 0;
    for (intptr_t v = 1; v <= 5; v++)
        cr_assert_eq(fg_chan_send(c, (void *)v, (size_t)v, FG_FOREVER), 0, "never blocks");
    fg_chan_close(c);
    drain(NULL);
    cr_assert_eq(fg_queue_stats(fg_chan_queue(c))->evictions, 3);
}

Test(chan, eviction_hands_the_oldest_to_on_drop)
{
    fg_result r;
    fg_run_bytes(evicting, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got[0], 4);
    cr_assert_eq(got[1], 5);
    cr_assert_eq(dropped, 3);
}

/* A drop callback runs on the sending task but may not block: an empty channel's receive
 * (the fast path, fg_chan_recv_) refuses, naming the task and the call. */
static fg_chan *empty;
static int hook_recv;

static void recv_in_drop(void *data, size_t size, void *ud)
{
    (void)data, (void)size, (void)ud;
    void *p;
    hook_recv = fg_chan_recv(empty, &p, NULL, FG_FOREVER);
}

static void drops_into_a_recv(void *arg)
{
    (void)arg;
    empty = fg_chan_new(NULL);
    void *p;
    cr_assert_eq(fg_chan_try_recv(empty, &p, NULL), -EAGAIN);   /* main is its receiver: the fast path's */
    c = fg_chan_new(fg_queue_fifo(1, FG_EVICT_OLDEST));
    fg_chan_on_drop(c, recv_in_drop, NULL);
    fg_chan_send(c, (void *)1, 1, FG_FOREVER);
    fg_chan_send(c, (void *)2, 2, FG_FOREVER);   /* evicts 1: the callback runs */
}

Test(chan, a_drop_callback_may_not_block_in_a_recv)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    hook_recv = 0;
    fg_run_bytes(drops_into_a_recv, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(hook_recv, -EPERM);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_chan_recv: a callback may not block\n");
}

static char who[8];

static void named_receiver(void *arg)
{
    (void)arg;
    void *p;
    if (fg_chan_recv(c, &p, NULL, FG_FOREVER) == 0)
        who[(intptr_t)p] = fg_name()[0];
}

static void two_receivers(void *arg)
{
    (void)arg;
    c = fg_chan_new(NULL);
    memset(who, 0, sizeof who);
    fg_spawn(named_receiver, NULL, .name = "x", .primary = true);
    fg_spawn(named_receiver, NULL, .name = "y", .primary = true);
    fg_sleep(FG_MS);
    fg_chan_send(c, (void *)0, 0, FG_FOREVER);
    fg_chan_send(c, (void *)1, 0, FG_FOREVER);
}

static int outcomes[2];
static bool count(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    outcomes[who[0] == 'y']++;
    return true;
}

Test(chan, por_chooses_which_parked_receiver_gets_the_item)
{
    fg_explore_stats st;
    outcomes[0] = outcomes[1] = 0;
    fg_explore(two_receivers, NULL, NULL, 0, count, NULL, &st);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 2);
    cr_assert_eq(outcomes[0], 1);
    cr_assert_eq(outcomes[1], 1);
    fg_opts fifo = {.strategy = FG_FIFO};
    fg_result r;
    fg_run_bytes(two_receivers, NULL, &fifo, NULL, 0, &r);
    cr_assert_str_eq(who, "xy", "FIFO: the first to wait is served first");
}

static int cancelled;
static void forever_recv(void *arg)
{
    (void)arg;
    cancelled = fg_chan_recv(c, NULL, NULL, FG_FOREVER);
}

static int destroy_r[2];
static void teardown(void *arg)
{
    (void)arg;
    c = fg_chan_new(NULL);
    fg_spawn(forever_recv, NULL, .name = "reader");
    fg_yield();
    destroy_r[0] = fg_chan_destroy(c);
    fg_chan *d = fg_chan_bounded(4);
    fg_chan_send(d, NULL, 0, FG_FOREVER);
    destroy_r[1] = fg_chan_destroy(d);  /* queued items are fine; waiters are not */
}

Test(chan, teardown_cancels_receivers_and_destroy_checks_waiters)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(teardown, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(cancelled, -ECANCELED);
    cr_assert_eq(destroy_r[0], -EBUSY);
    cr_assert_eq(destroy_r[1], 0);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_chan_destroy: tasks wait on this channel (reader first)\n");
}

/* Many sims with channels, queues and locks leave nothing behind, with tasks
 * blocked in each primitive when the sim ends. */
static fg_mutex *bm;
static fg_rwlock *bl;
static fg_sem *bs;
static fg_cond *bc;
static fg_oneshot *bo;
static fg_chan *bfull, *bslow;
static fg_stats kept_stats;

static void blocked_everywhere(void *arg)
{
    switch ((intptr_t)arg) {
    case 0: fg_mutex_lock(bm, FG_FOREVER); break;
    case 1: fg_rwlock_wrlock(bl, FG_FOREVER); break;
    case 2: fg_rwlock_rdlock(bl, FG_FOREVER); break;
    case 3: fg_sem_acquire(bs, FG_FOREVER); break;
    case 4: {
        fg_mutex *m = fg_mutex_new();
        fg_mutex_lock(m, FG_FOREVER);
        fg_cond_wait(bc, m, FG_FOREVER);
        break;
    }
    case 5: fg_oneshot_wait(bo, NULL, NULL, FG_FOREVER); break;
    case 6: fg_chan_send(bfull, NULL, 0, FG_FOREVER); break;
    case 7: fg_chan_recv(bslow, NULL, NULL, FG_FOREVER); break;
    default: fg_rwlock_rdlock(bl, FG_FOREVER); fg_sleep(FG_SEC); break;
    }
}

static void busy(void *arg)
{
    (void)arg;
    c = fg_chan_new(fg_queue_sojourn(fg_queue_prio(8, FG_EVICT_OLDEST)));
    fg_rwlock *l = fg_rwlock_new();
    fg_rwlock_rdlock(l, FG_FOREVER);
    fg_spawn(forever_recv, NULL);
    for (int i = 0; i < 100; i++)
        fg_chan_try_send(c, NULL, 0);
    bm = fg_mutex_new();
    bl = fg_rwlock_new();
    bs = fg_sem_new(0);
    bc = fg_cond_new();
    bo = fg_oneshot_new();
    bfull = fg_chan_bounded(1);
    bslow = fg_chan_new(fg_queue_latency(fg_queue_lifo(4, FG_EVICT_OLDEST), FG_SEC, FG_MS));
    fg_stats_keep(fg_mutex_stats(bm), &kept_stats);
    fg_mutex_lock(bm, FG_FOREVER);
    fg_chan_send(bfull, NULL, 0, FG_FOREVER);
    fg_chan_send(bslow, NULL, 0, FG_FOREVER);   /* ripens after the sim has ended */
    for (intptr_t i = 20; i < 40; i++)           /* enough readers to grow the holders array */
        fg_spawn(blocked_everywhere, (void *)i);
    fg_sleep(FG_MS);
    fg_rwlock_rdlock(bl, FG_FOREVER);
    for (intptr_t i = 0; i < 8; i++)
        fg_spawn(blocked_everywhere, (void *)i);
    fg_sleep(FG_MS);
}

Test(chan, repeated_sims_leave_nothing_behind)
{
    for (fg_strategy k = FG_POR; k <= FG_RANDOM; k++) {
        fg_opts o = {.strategy = k};
        for (int i = 0; i < 200; i++) {
            fg_result r;
            fg_run_seed(busy, NULL, &o, (uint64_t)i, &r);
            cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
        }
    }
    cr_assert_eq(kept_stats.acquires, 1);
    assert_no_leaks();
}

/* A channel declared single-sender/single-receiver has no contenders: under
 * POR its stream takes no choices and as few steps as FIFO. */
static bool declare;
static void declared_stream(void *arg)
{
    (void)arg;
    c = fg_chan_bounded(4);
    if (declare)
        cr_assert_eq(fg_chan_single(c, FG_CHAN_ONE_SENDER | FG_CHAN_ONE_RECEIVER), 0);
    ngot = 0;
    int id = fg_spawn(drain, NULL, .primary = true);
    for (intptr_t v = 1; v <= 40; v++)
        cr_assert_eq(fg_chan_send(c, (void *)v, (size_t)v, FG_FOREVER), 0);
    fg_chan_close(c);
    fg_join(id, FG_FOREVER);
}

Test(chan, single_sides_skip_contention)
{
    fg_opts por = {.strategy = FG_POR}, fifo = {.strategy = FG_FIFO};
    fg_result plain, single, base;
    declare = false;
    fg_run_bytes(declared_stream, NULL, &por, NULL, 0, &plain);
    declare = true;
    fg_run_bytes(declared_stream, NULL, &por, NULL, 0, &single);
    cr_assert_eq(single.outcome, FG_PASS, "%s", single.report);
    cr_assert_eq(ngot, 40);
    for (int i = 0; i < 40; i++)
        cr_assert_eq(got[i], i + 1);
    fg_run_bytes(declared_stream, NULL, &fifo, NULL, 0, &base);
    cr_assert_lt(single.steps, plain.steps, "declared: %llu steps, undeclared %llu",
                 (unsigned long long)single.steps, (unsigned long long)plain.steps);
    cr_assert_leq(single.steps, base.steps + 2);
}

static int second;
static void intruder(void *arg)
{
    (void)arg;
    second = fg_chan_send(c, NULL, 0, FG_FOREVER);
}

static void two_senders_on_single(void *arg)
{
    (void)arg;
    c = fg_chan_new(NULL);
    fg_chan_single(c, FG_CHAN_ONE_SENDER);
    cr_assert_eq(fg_chan_send(c, NULL, 0, FG_FOREVER), 0);
    fg_join(fg_spawn(intruder, NULL, .name = "intruder"), FG_FOREVER);
    cr_assert_eq(fg_chan_single(c, 4), -EINVAL);
}

Test(chan, a_second_task_on_a_single_side_is_misuse)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(two_senders_on_single, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(second, -EPERM);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task intruder: fg_chan_send: channel declared single, and main uses that side\n"
                            "fugue: task main: fg_chan_single: unknown flags 0x4\n");
}

static int zr[3];
static void nothing(void *arg)
{
    (void)arg;
}

static void zero_deadlines(void *arg)
{
    (void)arg;
    c = fg_chan_bounded(1);
    fg_spawn(nothing, NULL);  /* ready, so POR would make a blocking call wait its turn */
    zr[0] = fg_chan_send(c, (void *)1, 1, fg_now());
    zr[1] = fg_chan_send(c, (void *)2, 2, fg_now());
    void *p = NULL;
    zr[2] = fg_chan_recv(c, &p, NULL, fg_now());
    cr_assert_eq((intptr_t)p, 1);
}

Test(chan, a_deadline_of_now_is_a_try)
{
    fg_result r;
    fg_run_bytes(zero_deadlines, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(zr[0], 0);
    cr_assert_eq(zr[1], -ETIMEDOUT, "full");
    cr_assert_eq(zr[2], 0);
}

/* Undeclared, a stream between one sender and one receiver learns its two ends
 * from their first messages: after those it takes no choices and about as few
 * steps as FIFO, and exploring it finds one schedule. */
Test(chan, undeclared_stream_learns_its_two_ends)
{
    fg_opts por = {.strategy = FG_POR}, fifo = {.strategy = FG_FIFO};
    fg_result plain, base;
    declare = false;
    fg_run_bytes(declared_stream, NULL, &por, NULL, 0, &plain);
    cr_assert_eq(plain.outcome, FG_PASS, "%s", plain.report);
    cr_assert_eq(ngot, 40);
    for (int i = 0; i < 40; i++)
        cr_assert_eq(got[i], i + 1);
    fg_run_bytes(declared_stream, NULL, &fifo, NULL, 0, &base);
    cr_assert_leq(plain.steps, base.steps + 4, "undeclared under POR: %llu steps, FIFO %llu",
                  (unsigned long long)plain.steps, (unsigned long long)base.steps);
    fg_explore_stats st;
    cr_assert_eq(fg_explore(declared_stream, NULL, &por, 0, NULL, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 1);
}

/* Two senders, each sending at 0 and again at 1 ms: the second task on the
 * sending side makes the channel shared, so in both instants which item comes
 * first is a choice: 2 x 2 schedules, each a distinct receive order. */
static char order[8];
static int norder;
static void tagged_sender(void *arg)
{
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(fg_chan_send(c, arg, 0, FG_FOREVER), 0);
        fg_sleep(FG_MS);
    }
}
static void tag_receiver(void *arg)
{
    (void)arg;
    void *p;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(fg_chan_recv(c, &p, NULL, FG_FOREVER), 0);
        order[norder++] = (char)(intptr_t)p;
    }
    order[norder] = 0;
}
static void two_senders(void *arg)
{
    (void)arg;
    c = fg_chan_new(NULL);
    norder = 0;
    fg_spawn(tag_receiver, NULL, .primary = true);
    fg_spawn(tagged_sender, (void *)(intptr_t)'s', .primary = true);
    fg_spawn(tagged_sender, (void *)(intptr_t)'x', .primary = true);
}
static char orders[8][8];
static int norders;
static bool collect_order(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    for (int i = 0; i < norders; i++)
        cr_assert_str_neq(orders[i], order, "%s seen twice", order);
    cr_assert_lt(norders, 8);
    strcpy(orders[norders++], order);
    return true;
}

Test(chan, a_second_sender_ready_in_the_same_instant_contends)
{
    fg_opts por = {.strategy = FG_POR};
    fg_explore_stats st;
    norders = 0;
    cr_assert_eq(fg_explore(two_senders, NULL, &por, 0, collect_order, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 4, "%llu runs", (unsigned long long)st.runs);
    const char *want[] = {"sxsx", "sxxs", "xssx", "xsxs"};
    for (int i = 0; i < 4; i++) {
        bool found = false;
        for (int j = 0; j < norders; j++)
            found |= !strcmp(orders[j], want[i]);
        cr_assert(found, "missing %s", want[i]);
    }
}

/* The rule's edge, pinned: a task that first sends in an instant where the
 * known sender already sent at once comes after it (nothing told the channel
 * it was shared yet); from then on the channel is shared and contended. */
static void late_sender(void *arg)
{
    fg_sleep(FG_MS);
    fg_yield();   /* lets main's second send go first, in the same instant */
    cr_assert_eq(fg_chan_send(c, arg, 0, FG_FOREVER), 0);
    fg_sleep(FG_MS);
    cr_assert_eq(fg_chan_send(c, arg, 0, FG_FOREVER), 0);
}
static void known_then_late(void *arg)
{
    (void)arg;
    c = fg_chan_new(NULL);
    norder = 0;
    fg_spawn(tag_receiver, NULL, .primary = true);
    fg_spawn(late_sender, (void *)(intptr_t)'x', .primary = true);
    /* main: first send waits its turn, then main is the known sender */
    cr_assert_eq(fg_chan_send(c, (void *)(intptr_t)'s', 0, FG_FOREVER), 0);
    fg_sleep(FG_MS);
    cr_assert_eq(fg_chan_send(c, (void *)(intptr_t)'s', 0, FG_FOREVER), 0);
}

Test(chan, a_first_send_after_the_known_senders_in_the_same_instant_comes_after)
{
    fg_opts por = {.strategy = FG_POR};
    fg_explore_stats st;
    norders = 0;
    cr_assert_eq(fg_explore(known_then_late, NULL, &por, 0, collect_order, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 1, "%llu runs", (unsigned long long)st.runs);
    cr_assert_str_eq(orders[0], "ssxx");
}
