/* The network between hosts: latency, the link's impairments as choices
 * (value 0 is the perfect network), per-pair links, partitions, monitors and
 * fault-injection hooks, counters, determinism and replay. */
#include <fugue.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"

static fg_result res;
/* FIFO: no scheduling choices, so inputs below are the network's alone */
static fg_opts quiet = {.strategy = FG_FIFO, .return_on_failure = true, .quiet = true};

static void run_bytes(fg_fn root, const uint8_t *data, size_t len)
{
    cr_assert_eq(fg_run_bytes(root, NULL, &quiet, data, len, &res), 0);
    cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
}

static void run(fg_fn root)
{
    run_bytes(root, NULL, 0);
}

static void idle(void *arg)
{
    (void)arg;
}

/* What the receiver on "b:9" saw: payloads, arrival times, ECN. */
#define MAXGOT 64
static int ngot;
static char got[MAXGOT][16];
static int got_len[MAXGOT];
static fg_time got_at[MAXGOT];
static uint8_t got_ecn[MAXGOT];

static void sink(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("b:9");
    for (;;) {
        fg_udp_info info;
        char buf[16];
        int n = fg_udp_recv_msg(s, buf, sizeof buf, &info, FG_FOREVER);
        if (n < 0 || ngot == MAXGOT)
            return;
        memcpy(got[ngot], buf, (size_t)n);
        got_len[ngot] = n;
        got_ecn[ngot] = info.ecn;
        got_at[ngot++] = fg_now();
    }
}

/* main (group a) sends `count` 8-byte datagrams "msg-NNNN" to b:9, 1 ms apart. */
static fg_net_stats st;
static void send_some(int count, unsigned ecn)
{
    int s = fg_udp_bind("0.0.0.0:0");
    fg_addr to;
    fg_assert(fg_net_resolve("b:9", &to) == 0);
    for (int i = 0; i < count; i++) {
        char m[9];
        snprintf(m, sizeof m, "msg-%04d", i);
        fg_assert(fg_udp_send_msg(s, to, m, 8, ecn, 0) == 8);
        fg_sleep(FG_MS);
    }
    fg_sleep(FG_SEC);
    fg_net_stats_get(&st);
}

static void start(void)
{
    ngot = 0;
    fg_spawn(sink, NULL, .group = "b");
}

/* ---- latency ---- */

static void latency(void *arg)
{
    (void)arg;
    start();
    fg_link l;
    fg_assert(fg_net_get_link(NULL, NULL, &l) == 0);
    fg_assert(l.latency == 50 * FG_MS && l.mtu == 1500 && l.loss == 0.0);
    send_some(1, 0);
    l.latency = 7 * FG_MS;
    fg_assert(fg_net_set_link("main", "b", &l) == 0);
    fg_link back;
    fg_assert(fg_net_get_link("b", "main", &back) == 0 && back.latency == 7 * FG_MS);
    send_some(1, 0);
}

Test(net, latency_default_and_per_pair)
{
    run(latency);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got_at[0], 50 * FG_MS);
    cr_assert_eq(got_at[1], (FG_MS + FG_SEC) + 7 * FG_MS);
}

/* ---- the impairments are choices ---- */

static double loss_rate;

static void lossy(void *arg)
{
    (void)arg;
    start();
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.loss = loss_rate;
    fg_assert(fg_net_set_link(NULL, NULL, &l) == 0);
    send_some(4, 0);
}

Test(net, loss_zero_input_is_the_perfect_network)
{
    loss_rate = 0.5;
    run(lossy);
    cr_assert_eq(ngot, 4);
    cr_assert_eq(st.dropped, 0);
}

Test(net, loss_input_chooses_which_packet_is_lost)
{
    loss_rate = 0.5;
    /* a chance among 1e6 reads 3 bytes; the top half means "lost": lose only the third (the fourth reads exhausted input) */
    uint8_t in[9] = {0};
    in[8] = 0xff, in[7] = 0xff, in[6] = 0xff;
    run_bytes(lossy, in, sizeof in);
    cr_assert_eq(ngot, 3);
    cr_assert_str_eq(got[0], "msg-0000");
    cr_assert_str_eq(got[1], "msg-0001");
    cr_assert_str_eq(got[2], "msg-0003");
    cr_assert_eq(st.dropped_by[FG_NET_DROP_LOSS], 1);
    cr_assert_eq(res.input_len, 9);
}

Test(net, loss_rate_one_loses_everything_without_reading)
{
    loss_rate = 1.0;
    run(lossy);
    cr_assert_eq(ngot, 0);
    cr_assert_eq(st.dropped_by[FG_NET_DROP_LOSS], 4);
    cr_assert_eq(st.dropped, 4);
    cr_assert_eq(res.choices, 0);
}

static fg_link impair;

static void impaired(void *arg)
{
    (void)arg;
    start();
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.jitter = impair.jitter;
    l.duplicate = impair.duplicate;
    l.reorder = impair.reorder;
    l.corrupt = impair.corrupt;
    l.ce = impair.ce;
    fg_assert(fg_net_set_link("main", "b", &l) == 0);
    send_some(3, 1);
}

Test(net, duplicate_rate_one_delivers_two_of_each)
{
    impair = (fg_link){.duplicate = 1.0};
    run(impaired);
    cr_assert_eq(ngot, 6);
    for (int i = 0; i < 6; i += 2)
        cr_assert_str_eq(got[i], got[i + 1]);
    cr_assert_eq(st.duplicated, 3);
    cr_assert_eq(st.delivered, 6);
}

Test(net, corruption_flips_one_bit)
{
    impair = (fg_link){.corrupt = 1.0};
    run(impaired);
    cr_assert_eq(ngot, 3);
    for (int i = 0; i < 3; i++) {
        char want[9];
        snprintf(want, sizeof want, "msg-%04d", i);
        int bits = 0;
        for (int k = 0; k < 8; k++)
            bits += __builtin_popcount((unsigned)(uint8_t)(got[i][k] ^ want[k]));
        cr_assert_eq(bits, 1, "datagram %d: %d bits differ", i, bits);
    }
    cr_assert_eq(st.corrupted, 3);
}

Test(net, ce_marks_ecn_capable_packets)
{
    impair = (fg_link){.ce = 1.0};
    run(impaired);
    cr_assert_eq(ngot, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(got_ecn[i], 3);
    cr_assert_eq(st.ce_marked, 3);
}

Test(net, jitter_is_drawn_from_the_input)
{
    impair = (fg_link){.jitter = 255};
    /* jitter in [0, 255] ns reads one byte per packet */
    uint8_t in[3] = {200, 0, 100};
    run_bytes(impaired, in, sizeof in);
    cr_assert_eq(ngot, 3);
    cr_assert_eq(got_at[0], 50 * FG_MS + 200);
    cr_assert_eq(got_at[1], 51 * FG_MS);
    cr_assert_eq(got_at[2], 52 * FG_MS + 100);
}

Test(net, reordering_lets_later_packets_overtake)
{
    impair = (fg_link){.reorder = 0.5};
    /* first packet: "reorder" (3 bytes high), extra delay of 4 bytes = 2.5 ms; the others pass */
    uint32_t extra = 2500000 - 1;   /* fg_rand_range(1, latency) adds 1 */
    uint8_t in[7] = {0xff, 0xff, 0xff, (uint8_t)extra, (uint8_t)(extra >> 8), (uint8_t)(extra >> 16),
                     (uint8_t)(extra >> 24)};
    run_bytes(impaired, in, sizeof in);
    cr_assert_eq(ngot, 3);
    cr_assert_str_eq(got[0], "msg-0001");
    cr_assert_str_eq(got[1], "msg-0002");
    cr_assert_str_eq(got[2], "msg-0000");
    cr_assert_eq(got_at[2], 52 * FG_MS + 500 * FG_US);
    cr_assert_eq(st.reordered, 1);
}

static void bad_links(void *arg)
{
    (void)arg;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    fg_link bad = l;
    bad.loss = 1.5;
    fg_assert(fg_net_set_link(NULL, NULL, &bad) == -EINVAL);
    bad = l;
    bad.latency = -1;
    fg_assert(fg_net_set_link(NULL, NULL, &bad) == -EINVAL);
    bad = l;
    bad.mtu = 20;
    fg_assert(fg_net_set_link(NULL, NULL, &bad) == -EINVAL);
    fg_assert(fg_net_set_link("main", NULL, &l) == -EINVAL);
    fg_assert(fg_net_set_link(NULL, NULL, NULL) == -EINVAL);
    fg_assert(fg_net_partition(NULL, "x") == -EINVAL);
    /* a smaller MTU shrinks what one datagram may carry */
    l.mtu = 576;
    fg_assert(fg_net_set_link("main", "b", &l) == 0);
    fg_spawn(idle, NULL, .group = "b");
    int s = fg_udp_bind("0.0.0.0:0");
    static char big[600];
    fg_assert(fg_udp_send_to(s, "b:1", big, 548) == 548);
    fg_assert(fg_udp_send_to(s, "b:1", big, 549) == -EMSGSIZE);
}

Test(net, link_settings_are_checked)
{
    run(bad_links);
}

/* ---- partitions ---- */

static void partitions(void *arg)
{
    (void)arg;
    start();
    int s = fg_udp_bind("0.0.0.0:0");
    fg_assert(fg_net_partition("main", "b") == 0);
    fg_udp_send_to(s, "b:9", "cut-0001", 8);             /* dropped at send */
    fg_assert(fg_net_heal("main", "b") == 0);
    fg_udp_send_to(s, "b:9", "heal-002", 8);             /* in flight when cut again */
    fg_sleep(10 * FG_MS);
    fg_assert(fg_net_partition("b", NULL) == 0);
    fg_sleep(100 * FG_MS);
    fg_assert(fg_net_heal("b", NULL) == 0);
    fg_udp_send_to(s, "b:9", "ok-00003", 8);
    fg_assert(fg_net_partition("main", "b") == 0);
    fg_assert(fg_net_heal(NULL, NULL) == 0);
    fg_udp_send_to(s, "b:9", "ok-00004", 8);
    fg_sleep(FG_SEC);
    fg_net_stats_get(&st);
}

Test(net, partitions_cut_and_heal)
{
    run(partitions);
    cr_assert_eq(ngot, 2);
    cr_assert_str_eq(got[0], "ok-00003");
    cr_assert_str_eq(got[1], "ok-00004");
    cr_assert_eq(st.dropped_by[FG_NET_DROP_PARTITION], 2);
}

/* ---- monitors and fault injection ---- */

static int seen_send, seen_recv, seen_dup;

static fg_net_verdict monitor(const fg_packet *p, void *ud)
{
    (void)ud;
    if (p->dir == FG_NET_SEND) {
        seen_send++;
        cr_assert_str_eq(p->src_host, "main");
        cr_assert_str_eq(p->dst_host, "b");
        cr_assert_eq(p->dst.port, 9);
        cr_assert_eq(p->len, 8);
        if (!memcmp(p->data, "msg-0000", 8))
            return (fg_net_verdict){.action = FG_NET_DROP};
        if (!memcmp(p->data, "msg-0001", 8))
            return (fg_net_verdict){.action = FG_NET_DELAY, .delay = 10 * FG_MS};
        if (!memcmp(p->data, "msg-0002", 8))
            return (fg_net_verdict){.action = FG_NET_DUPLICATE, .copies = 2};
    } else {
        seen_recv++;
        seen_dup += p->duplicate;
        if (!memcmp(p->data, "msg-0003", 8))
            return (fg_net_verdict){.action = FG_NET_DROP};
        if (!memcmp(p->data, "msg-0004", 8) && !p->duplicate)
            return (fg_net_verdict){.action = FG_NET_DUPLICATE, .copies = 1};
    }
    return (fg_net_verdict){.action = FG_NET_PASS};
}

static void monitored(void *arg)
{
    (void)arg;
    seen_send = seen_recv = seen_dup = 0;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = monitor}) == 0);
    start();
    send_some(5, 0);
}

Test(net, monitor_sees_every_packet_and_decides)
{
    run(monitored);
    cr_assert_eq(seen_send, 5);
    /* 0 dropped at send; 1, 2 (+2 copies), 3, 4 arrive */
    cr_assert_eq(seen_recv, 6);
    cr_assert_eq(seen_dup, 2);
    /* 1 late, 2 x3, 3 dropped, 4 x2 */
    cr_assert_eq(ngot, 6);
    cr_assert_str_eq(got[0], "msg-0002");
    cr_assert_str_eq(got[1], "msg-0002");
    cr_assert_str_eq(got[2], "msg-0002");
    cr_assert_str_eq(got[3], "msg-0004");
    cr_assert_str_eq(got[4], "msg-0004");
    cr_assert_str_eq(got[5], "msg-0001");
    cr_assert_eq(got_at[5], 61 * FG_MS);
    cr_assert_eq(st.dropped_by[FG_NET_DROP_MONITOR], 2);
    cr_assert_eq(st.duplicated, 3);
    cr_assert_eq(st.delayed, 1);
}

static fg_net_verdict greedy(const fg_packet *p, void *ud)
{
    (void)ud;
    return p->dir == FG_NET_SEND ? (fg_net_verdict){.action = FG_NET_DUPLICATE, .copies = 4000000000u}
                                 : (fg_net_verdict){.action = FG_NET_PASS};
}

static void copies_capped(void *arg)
{
    (void)arg;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = greedy}) == 0);
    start();
    send_some(1, 0);
}

Test(net, a_verdict_gets_at_most_max_copies)
{
    cr_redirect_stderr();
    run(copies_capped);
    cr_assert_eq(st.duplicated, FG_NET_MAX_COPIES, "copies made: %llu", (unsigned long long)st.duplicated);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_net_monitor: a verdict asked for 4000000000 copies of a datagram; "
                            "it gets 64\n");
}

static int calls;

static int fail_open(const char *host, fg_addr local, void *ud)
{
    (void)ud;
    calls++;
    return !strcmp(host, "main") && local.port == 666 ? -EACCES : 0;
}

static int fail_write(int sock, const fg_packet *p, void *ud)
{
    (void)sock, (void)ud;
    calls++;
    return p->len == 13 ? -ENOBUFS : 0;
}

static int fail_read(int sock, void *ud)
{
    (void)ud;
    calls++;
    return sock == 1 ? -EIO : 0;
}

static void hooked(void *arg)
{
    (void)arg;
    calls = 0;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.open = fail_open, .write = fail_write, .read = fail_read}) == 0);
    fg_assert(fg_udp_bind("localhost:666") == -EACCES);
    int a = fg_udp_bind("localhost:1"), b = fg_udp_bind("localhost:2");
    fg_assert(a == 0 && b == 1);
    fg_assert(fg_udp_send_to(a, "localhost:2", "thirteen-byte", 13) == -ENOBUFS);
    fg_assert(fg_udp_send_to(a, "localhost:2", "twelve-bytes", 12) == 12);
    char buf[16];
    fg_assert(fg_udp_recv(b, buf, sizeof buf, FG_FOREVER) == -EIO);
    fg_assert(fg_udp_send_to(b, "localhost:1", "x", 1) == 1);
    fg_assert(fg_udp_recv(a, buf, sizeof buf, FG_FOREVER) == 1);
    fg_net_stats s;
    fg_net_stats_get(&s);
    fg_assert(s.sent == 2);
    for (int i = 0; i < 7; i++)
        fg_assert(fg_net_monitor(&(fg_net_hooks){0}) == 0);
    fg_assert(fg_net_monitor(&(fg_net_hooks){0}) == -ENOSPC);
}

Test(net, hooks_fail_open_write_read)
{
    run(hooked);
    cr_assert_eq(calls, 3 + 3 + 2);
}

/* ---- determinism ---- */

static void chaos(void *arg)
{
    (void)arg;
    start();
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.loss = 0.2;
    l.duplicate = 0.2;
    l.reorder = 0.2;
    l.jitter = 3 * FG_MS;
    l.corrupt = 0.1;
    fg_net_set_link(NULL, NULL, &l);
    send_some(20, 1);
}

Test(net, random_runs_replay_from_their_input)
{
    fg_opts o = quiet;
    o.strategy = FG_RANDOM;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        cr_assert_eq(fg_run_seed(chaos, NULL, &o, seed, &res), 0);
        uint64_t h = res.hash;
        int n = ngot;
        fg_net_stats a = st;
        uint8_t in[4096];
        cr_assert_leq(res.input_len, sizeof in);
        size_t len = res.input_len;
        memcpy(in, res.input, len);
        cr_assert_eq(fg_run_bytes(chaos, NULL, &o, in, len, &res), 0);
        cr_assert_eq(res.hash, h, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(ngot, n);
        cr_assert_eq(memcmp(&a, &st, sizeof a), 0);
        cr_assert_eq(fg_check_determinism(chaos, NULL, &o, in, len), 0);
    }
}

Test(net, counters_outside_a_sim_are_the_last_sims)
{
    loss_rate = 1.0;
    run(lossy);
    fg_net_stats s;
    fg_net_stats_get(&s);
    cr_assert_eq(s.sent, 4);
    cr_assert_eq(s.dropped_by[FG_NET_DROP_LOSS], 4);
    cr_assert_str_eq(fg_net_drop_name(FG_NET_DROP_RCVBUF), "rcvbuf");
    cr_assert_str_eq(fg_net_drop_name(FG_NET_DROP_REASONS), "unknown");
}

/* ---- huge delays ---- */

static fg_net_verdict delay_forever(const fg_packet *p, void *ud)
{
    (void)ud;
    return (fg_net_verdict){p->dir == FG_NET_SEND ? FG_NET_DELAY : FG_NET_PASS, FG_FOREVER, 0};
}

static int huge_r[2];
static void huge_recv(void *arg)
{
    int s = fg_udp_bind("localhost:9");
    char buf[4];
    huge_r[(intptr_t)arg] = fg_udp_recv(s, buf, sizeof buf, fg_after(FG_SEC));
}

static void huge_delays(void *arg)
{
    (void)arg;
    fg_spawn(huge_recv, (void *)0, .group = "b", .primary = true);
    fg_spawn(huge_recv, (void *)1, .group = "c", .primary = true);
    fg_yield();
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.latency = FG_FOREVER - 10;
    l.jitter = 1000;
    fg_net_set_link("main", "b", &l);
    int s = fg_udp_bind("0.0.0.0:0");
    fg_udp_send_to(s, "b:9", "x", 1);
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = delay_forever}) == 0);
    fg_udp_send_to(s, "c:9", "y", 1);
}

Test(net, huge_latency_and_delays_saturate_at_forever)
{
    uint8_t in[64];
    memset(in, 0xff, sizeof in);
    run_bytes(huge_delays, in, sizeof in);
    cr_assert_eq(huge_r[0], -ETIMEDOUT, "latency plus jitter past FG_FOREVER must not wrap into the past");
    cr_assert_eq(huge_r[1], -ETIMEDOUT, "a monitor's FG_FOREVER delay must not wrap into the past");
}

/* ---- callbacks ---- */

/* A monitor runs inside the scheduler (a datagram lands while some task is
 * blocked): a blocking call there is misuse, and must not corrupt that task. */
static int cb_sleep = 1, cb_yield = 1, cb_recv;
static fg_net_verdict sleepy_monitor(const fg_packet *p, void *ud)
{
    (void)ud;
    if (p->dir == FG_NET_RECV) {
        cb_sleep = fg_sleep(FG_MS);
        cb_yield = fg_yield();
    }
    return (fg_net_verdict){FG_NET_PASS, 0, 0};
}

static void cb_reader(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("b:9");
    char buf[8];
    cb_recv = fg_udp_recv(s, buf, sizeof buf, FG_FOREVER);
}

static void blocking_in_a_monitor(void *arg)
{
    (void)arg;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = sleepy_monitor}) == 0);
    fg_spawn(cb_reader, NULL, .group = "b", .primary = true);
    int s = fg_udp_bind("0.0.0.0:0");
    fg_udp_send_to(s, "b:9", "hi", 2);
    fg_sleep(FG_SEC);
}

Test(net, a_monitor_may_not_block)
{
    cr_redirect_stderr();
    run(blocking_in_a_monitor);
    cr_assert_eq(cb_sleep, -EPERM);
    cr_assert_eq(cb_yield, -EPERM);
    cr_assert_eq(cb_recv, 2, "the reader blocked when the monitor ran still gets its datagram");
}

/* ---- memory ---- */

/* Ping-pong with datagrams too big for a packet's inline buffer, ending with
 * datagrams in flight, queued unread, duplicated, and a server blocked in recv. */
static void big_server(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("server:8080");
    static char buf[4000];
    fg_addr from;
    int n;
    while ((n = fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER)) >= 0)
        fg_udp_send_to(s, from, buf, (size_t)n);
}

static void big_client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    static char buf[4000];
    for (int i = 0; i < 3; i++) {
        fg_assert(fg_udp_send_to(s, "server:8080", buf, sizeof buf) == (int)sizeof buf);
        fg_udp_recv(s, buf, sizeof buf, fg_after(FG_SEC));
    }
    fg_udp_send_to(s, "server:8080", buf, 2000);   /* still in flight at the end */
    fg_udp_send_to(s, "localhost:1", buf, 3000);   /* queued unread */
}

static void big_ping_pong(void *arg)
{
    (void)arg;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.mtu = 65535;
    l.jitter = FG_MS;
    l.duplicate = 0.3;
    l.loss = 0.1;
    fg_net_set_link(NULL, NULL, &l);
    fg_udp_bind("localhost:1");
    fg_spawn(big_server, NULL, .group = "server");
    for (int i = 0; i < 2; i++)
        fg_spawn(big_client, NULL, .group = fg_fmt("client_%d", i), .primary = true);
}

Test(net, repeated_sims_leave_nothing_behind)
{
    for (fg_strategy k = FG_POR; k <= FG_RANDOM; k++) {
        fg_opts o = quiet;
        o.strategy = k;
        for (uint64_t seed = 0; seed < 300; seed++) {
            cr_assert_eq(fg_run_seed(big_ping_pong, NULL, &o, seed, &res), 0);
            cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
        }
    }
    assert_no_leaks();
}

/* A monitor that fails the sim holds a datagram off the wire (leaving, or just
 * arrived): the sim's end must free it too. */
static fg_net_dir fail_dir;
static fg_net_verdict failing_monitor(const fg_packet *p, void *ud)
{
    (void)ud;
    fg_assert(p->dir != fail_dir);
    return (fg_net_verdict){FG_NET_PASS, 0, 0};
}

static void failing_monitors(void *arg)
{
    (void)arg;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.mtu = 65535;
    fg_net_set_link(NULL, NULL, &l);
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = failing_monitor}) == 0);
    int s = fg_udp_bind("localhost:1");
    static char big[3000];
    fg_udp_send_to(s, "localhost:1", big, sizeof big);
    fg_sleep(FG_SEC);
}

Test(net, a_failing_monitor_leaks_no_datagram)
{
    for (int i = 0; i < 200; i++) {
        fail_dir = i % 2 ? FG_NET_SEND : FG_NET_RECV;
        cr_assert_eq(fg_run_bytes(failing_monitors, NULL, &quiet, NULL, 0, &res), 0);
        cr_assert_eq(res.outcome, FG_FAIL_ASSERT, "%s", res.report);
    }
    assert_no_leaks();
}

/* ---- no hook may block ---- */

/* Two senders whose send-side hook tries to sleep: before, both slept in the
 * hook and the packets being judged were unlinked out of order (use after free). */
static int hook_rc[8];
static fg_net_verdict send_sleeper(const fg_packet *p, void *ud)
{
    (void)ud;
    if (p->dir == FG_NET_SEND)
        hook_rc[0] = fg_sleep(FG_MS);
    return (fg_net_verdict){FG_NET_PASS, 0, 0};
}

static void hook_sender(void *arg)
{
    int s = fg_udp_bind("0.0.0.0:0");
    fg_assert(fg_udp_send_to(s, "b:9", "hi", 2) == 2);
    (void)arg;
}

static void two_senders_sleep_in_the_hook(void *arg)
{
    (void)arg;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = send_sleeper}) == 0);
    fg_spawn(cb_reader, NULL, .group = "b", .primary = true);
    fg_spawn(hook_sender, NULL, .group = "c");
    fg_spawn(hook_sender, NULL, .group = "d");
}

Test(net, a_send_side_hook_may_not_block)
{
    cr_redirect_stderr();
    for (fg_strategy k = FG_POR; k <= FG_RANDOM; k++)
        for (uint64_t seed = 0; seed < 50; seed++) {
            fg_opts o = quiet;
            o.strategy = k;
            hook_rc[0] = 1;
            cr_assert_eq(fg_run_seed(two_senders_sleep_in_the_hook, NULL, &o, seed, &res), 0);
            cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
            cr_assert_eq(hook_rc[0], -EPERM, "a blocking call in a send-side packet hook is refused");
        }
    assert_no_leaks();
}

/* The call hooks run on the calling task: blocking there is refused too. */
static int sleeping_open(const char *host, fg_addr a, void *ud)
{
    (void)host, (void)a, (void)ud;
    hook_rc[1] = fg_sleep(FG_MS);
    return 0;
}
static int sleeping_write(int sock, const fg_packet *p, void *ud)
{
    (void)sock, (void)p, (void)ud;
    hook_rc[2] = fg_yield();
    return 0;
}
static int quiet_sock;
static int sleeping_read(int sock, void *ud)
{
    (void)ud;
    if (sock == quiet_sock)
        return 0;
    char b[4];
    hook_rc[3] = fg_udp_recv(quiet_sock, b, sizeof b, FG_FOREVER);
    return 0;
}

static void call_hooks_block(void *arg)
{
    (void)arg;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.open = sleeping_open, .write = sleeping_write,
                                              .read = sleeping_read}) == 0);
    int s = fg_udp_bind("localhost:1");
    quiet_sock = fg_udp_bind("localhost:2");
    fg_assert(fg_udp_send_to(s, "localhost:1", "x", 1) == 1);
    char b[4];
    fg_assert(fg_udp_recv(s, b, sizeof b, FG_FOREVER) == 1);
}

Test(net, call_hooks_may_not_block)
{
    cr_redirect_stderr();
    memset(hook_rc, 1, sizeof hook_rc);
    run(call_hooks_block);
    cr_assert_eq(hook_rc[1], -EPERM);
    cr_assert_eq(hook_rc[2], -EPERM);
    cr_assert_eq(hook_rc[3], -EPERM);
}

/* A hook that closes the socket being sent from (and binds a new one into its
 * slot): the send fails with -EBADF and nothing leaves from the new socket. */
static int closer_new = -1;
static bool close_on_write;
static int closing_write(int sock, const fg_packet *p, void *ud)
{
    (void)p, (void)ud;
    if (!close_on_write)
        return 0;
    fg_udp_close(sock);
    closer_new = fg_udp_bind("localhost:7");
    return 0;
}
static fg_net_verdict closing_packet(const fg_packet *p, void *ud)
{
    (void)ud;
    if (p->dir == FG_NET_SEND && p->src.port == 2) {
        fg_udp_close(1);
        closer_new = fg_udp_bind("localhost:8");
    }
    return (fg_net_verdict){FG_NET_PASS, 0, 0};
}

static int closer_rc[2];
static void close_in_hooks(void *arg)
{
    (void)arg;
    int r = fg_udp_bind("localhost:9");
    close_on_write = true;
    fg_assert(fg_net_monitor(&(fg_net_hooks){.write = closing_write}) == 0);
    int s = fg_udp_bind("localhost:1");
    closer_rc[0] = fg_udp_send_to(s, "localhost:9", "a", 1);
    fg_assert(closer_new == s);
    fg_net_stats st0;
    fg_net_stats_get(&st0);
    fg_assert(st0.sent == 0);
    fg_udp_close(closer_new);
    close_on_write = false;
    char sink4[4];
    fg_assert(fg_udp_recv(r, sink4, 4, fg_after(FG_SEC)) == -ETIMEDOUT);
    fg_assert(fg_net_monitor(&(fg_net_hooks){.packet = closing_packet}) == 0);
    /* socket 1 again; a GSO train of three: the hook closes it at the first */
    fg_assert(fg_udp_bind("localhost:3") == 1);
    fg_udp_close(1);
    fg_assert(fg_udp_bind("localhost:2") == 1);
    fg_addr to;
    fg_assert(fg_net_resolve("localhost:9", &to) == 0);
    closer_rc[1] = fg_udp_send_msg(1, to, "abc", 3, 0, 1);
    char b[4];
    fg_addr from;
    fg_assert(fg_udp_recv_from(r, b, sizeof b, &from, fg_after(FG_SEC)) == 1);
    fg_assert(from.port == 2);
    fg_assert(fg_udp_recv(r, b, sizeof b, fg_after(FG_SEC)) == -ETIMEDOUT);
    fg_udp_stats(1, &st0);
    fg_assert(st0.sent == 0);
}

Test(net, a_socket_closed_by_a_hook_during_its_send)
{
    cr_redirect_stderr();
    run(close_in_hooks);
    cr_assert_eq(closer_rc[0], -EBADF);
    cr_assert_eq(closer_rc[1], -EBADF);
}
