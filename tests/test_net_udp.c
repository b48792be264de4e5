/* UDP sockets: the README's ping-pong, addresses and ports, errors, buffers,
 * connect, close, deadlines, GSO/GRO and ECN. */
#include <fugue.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static fg_result res;
static fg_opts quiet = {.return_on_failure = true, .quiet = true};

static void run(fg_fn root)
{
    cr_assert_eq(fg_run_bytes(root, NULL, &quiet, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
}

/* ---- the README example ---- */

static int pongs;

static void client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    fg_assert(s >= 0);
    fg_assert(fg_udp_send_to(s, "server:8080", "ping", 4) == 4);
    char buf[16];
    fg_addr from;
    int n = fg_udp_recv_from(s, buf, sizeof buf, &from, fg_after(FG_SEC));
    fg_assert(n == 4 && !memcmp(buf, "pong", 4));
    fg_assert(!strcmp(fg_net_host(from.ip), "server") && from.port == 8080);
    pongs++;
}

static void server(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("server:8080");
    fg_assert(s >= 0);
    for (;;) {
        char buf[16];
        fg_addr from;
        int n = fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER);
        if (n < 0)
            break;
        fg_assert(n == 4 && !memcmp(buf, "ping", 4));
        fg_udp_send_to(s, from, "pong", 4);
    }
}

static fg_net_stats end_stats;

static void ping_pong(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++)
        fg_spawn(client, NULL, .group = fg_fmt("client_%d", i), .primary = true);
    fg_spawn(server, NULL, .group = "server");
}

Test(net_udp, ping_pong_two_clients)
{
    pongs = 0;
    run(ping_pong);
    cr_assert_eq(pongs, 2);
    cr_assert_eq(res.time, 100 * FG_MS, "one round trip of 2 x 50 ms, got %lld", (long long)res.time);
    fg_net_stats_get(&end_stats);
    cr_assert_eq(end_stats.sent, 4);
    cr_assert_eq(end_stats.delivered, 4);
    cr_assert_eq(end_stats.received, 4);
    cr_assert_eq(end_stats.dropped, 0);
}

Test(net_udp, ping_pong_random_schedules_all_pass)
{
    fg_opts o = quiet;
    o.strategy = FG_RANDOM;
    for (uint64_t seed = 0; seed < 200; seed++) {
        pongs = 0;
        cr_assert_eq(fg_run_seed(ping_pong, NULL, &o, seed, &res), 0);
        cr_assert_eq(res.outcome, FG_PASS, "seed %llu: %s", (unsigned long long)seed, res.report);
        cr_assert_eq(pongs, 2);
    }
}

/* ---- POR: senders contending for one socket ---- */

static char first_ping_from[16];

static void recording_server(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("server:8080");
    char buf[16];
    fg_addr from;
    bool first = true;
    while (fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER) >= 0) {
        if (first)
            snprintf(first_ping_from, sizeof first_ping_from, "%s", fg_net_host(from.ip));
        first = false;
        fg_udp_send_to(s, from, "pong", 4);
    }
}

static void ping_pong_recorded(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++)
        fg_spawn(client, NULL, .group = fg_fmt("client_%d", i), .primary = true);
    fg_spawn(recording_server, NULL, .group = "server");
}

static int orders_seen;

static bool each_run(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    orders_seen |= !strcmp(first_ping_from, "client_0") ? 1 : !strcmp(first_ping_from, "client_1") ? 2 : 4;
    return true;
}

Test(net_udp, por_explores_which_ping_reaches_the_server_first)
{
    fg_opts o = quiet;
    o.strategy = FG_POR;
    fg_explore_stats st;
    orders_seen = 0;
    cr_assert_eq(fg_explore(ping_pong_recorded, NULL, &o, 100, each_run, NULL, &st), 0);
    cr_assert(st.complete);
    /* two pings land in one socket at 50 ms: one choice of two; pongs go to different sockets */
    cr_assert_eq(st.runs, 2);
    cr_assert_eq(orders_seen, 3);
}

static int order[8], norder;

static void two_from_one(void *arg)
{
    (void)arg;
    int rx = fg_udp_bind("localhost:1"), a = fg_udp_bind("localhost:2"), b = fg_udp_bind("localhost:3");
    /* one instant: a sends twice, b once; a's two keep their order */
    fg_udp_send_to(a, "localhost:1", "a1", 2);
    fg_udp_send_to(a, "localhost:1", "a2", 2);
    fg_udp_send_to(b, "localhost:1", "b1", 2);
    norder = 0;
    for (int i = 0; i < 3; i++) {
        char buf[4];
        fg_assert(fg_udp_recv(rx, buf, sizeof buf, FG_FOREVER) == 2);
        order[norder++] = buf[0] == 'b' ? 0 : buf[1] - '0';
    }
    int pos1 = -1, pos2 = -1;
    for (int i = 0; i < 3; i++) {
        if (order[i] == 1)
            pos1 = i;
        if (order[i] == 2)
            pos2 = i;
    }
    fg_assert(pos1 < pos2);
}

Test(net_udp, por_keeps_each_senders_order)
{
    fg_opts o = quiet;
    o.strategy = FG_POR;
    fg_explore_stats st;
    cr_assert_eq(fg_explore(two_from_one, NULL, &o, 100, NULL, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.failures, 0);
    /* b1 first, between a1 and a2, or last */
    cr_assert_eq(st.runs, 3);
}

static int shared_sock, got_by[2];

static void shared_reader(void *arg)
{
    char buf[4];
    if (fg_udp_recv(shared_sock, buf, sizeof buf, fg_after(FG_SEC)) == 1)
        got_by[(intptr_t)arg]++;
}

static void two_readers(void *arg)
{
    (void)arg;
    shared_sock = fg_udp_bind("localhost:1");
    int tx = fg_udp_bind("localhost:2");
    got_by[0] = got_by[1] = 0;
    int a = fg_spawn(shared_reader, (void *)(intptr_t)0), b = fg_spawn(shared_reader, (void *)(intptr_t)1);
    fg_sleep(FG_MS);
    fg_udp_send_to(tx, "localhost:1", "x", 1);
    fg_join(a, FG_FOREVER);
    fg_join(b, FG_FOREVER);
}

static int winners;

static bool count_winner(const fg_result *r, void *ud)
{
    (void)ud;
    cr_assert_eq(r->outcome, FG_PASS, "%s", r->report);
    cr_assert_eq(got_by[0] + got_by[1], 1);
    winners |= got_by[0] ? 1 : 2;
    return true;
}

Test(net_udp, por_chooses_which_waiting_reader_gets_the_datagram)
{
    fg_opts o = quiet;
    o.strategy = FG_POR;
    fg_explore_stats st;
    winners = 0;
    cr_assert_eq(fg_explore(two_readers, NULL, &o, 100, count_winner, NULL, &st), 0);
    cr_assert(st.complete);
    cr_assert_eq(st.runs, 2);
    cr_assert_eq(winners, 3);
}

/* ---- addresses and binding ---- */

/* A task that only makes its group exist. */
static void idle(void *arg)
{
    (void)arg;
}

static void addresses(void *arg)
{
    (void)arg;
    fg_addr a;
    /* main is the first group: 10.0.0.1 */
    fg_assert(fg_net_resolve("localhost:7", &a) == 0 && a.ip == 0x0a000001 && a.port == 7);
    fg_assert(fg_net_resolve("main:7", &a) == 0 && a.ip == 0x0a000001);
    fg_assert(fg_net_resolve("10.0.0.1:9", &a) == 0 && a.ip == 0x0a000001 && a.port == 9);
    fg_assert(fg_net_resolve("nobody:1", &a) == -EHOSTUNREACH);
    fg_assert(fg_net_resolve("10.0.0.9:1", &a) == -EHOSTUNREACH);
    fg_assert(fg_net_resolve("0.0.0.0:1", &a) == -EHOSTUNREACH);
    fg_assert(fg_net_resolve("main", &a) == -EINVAL);
    fg_assert(fg_net_resolve("main:", &a) == -EINVAL);
    fg_assert(fg_net_resolve("main:65536", &a) == -EINVAL);
    fg_assert(fg_net_resolve("main:8x", &a) == -EINVAL);
    fg_assert(fg_net_resolve(":80", &a) == -EINVAL);
    fg_spawn(idle, NULL, .group = "b");
    fg_spawn(idle, NULL, .group = "a");
    fg_assert(fg_net_resolve("b:1", &a) == 0 && a.ip == 0x0a000002);
    fg_assert(fg_net_resolve("a:1", &a) == 0 && a.ip == 0x0a000003);
    fg_assert(!strcmp(fg_addr_fmt(a), "a:1"));
    fg_assert(!strcmp(fg_addr_fmt((fg_addr){0x0b000001, 2}), "11.0.0.1:2"));

    int e1 = fg_udp_bind("0.0.0.0:0"), e2 = fg_udp_bind("localhost:0");
    fg_addr l1, l2;
    fg_assert(e1 >= 0 && e2 >= 0 && e1 != e2);
    fg_assert(fg_udp_local(e1, &l1) == 0 && fg_udp_local(e2, &l2) == 0);
    fg_assert(l1.port == 49152 && l2.port == 49153 && l1.ip == 0x0a000001);
    fg_assert(fg_udp_bind("main:49153") == -EADDRINUSE);
    int s = fg_udp_bind("main:8080");
    fg_assert(s >= 0);
    fg_assert(fg_udp_bind("localhost:8080") == -EADDRINUSE);
    fg_assert(fg_udp_bind("b:8080") == -EADDRNOTAVAIL);
    fg_assert(fg_udp_bind("nobody:8080") == -EHOSTUNREACH);
    fg_assert(fg_udp_bind("garbage") == -EINVAL);
    /* closing frees the port and the number, lowest first like file descriptors */
    fg_assert(fg_udp_close(e1) == 0);
    fg_assert(fg_udp_close(e1) == -EBADF);
    int again = fg_udp_bind("main:49152");
    fg_assert(again == e1);
}

Test(net_udp, addresses_ports_and_bind_errors)
{
    run(addresses);
}

/* ---- an empty datagram with no buffer (found by api_chaos under UBSan: NULL + 0) ---- */

static void empty_null(void *arg)
{
    (void)arg;
    int a = fg_udp_bind("main:1"), b = fg_udp_bind("main:2");
    fg_assert(a >= 0 && b >= 0);
    fg_addr to;
    fg_assert(fg_net_resolve("main:2", &to) == 0);
    fg_assert(fg_udp_send_to(a, "main:2", NULL, 0) == 0);
    fg_assert(fg_udp_send_msg(a, to, NULL, 0, 0, 0) == 0);
    char buf[4];
    fg_assert(fg_udp_recv_from(b, buf, sizeof buf, NULL, fg_after(FG_SEC)) == 0);
    fg_assert(fg_udp_recv_from(b, NULL, 0, NULL, fg_after(FG_SEC)) == 0);
}

Test(net_udp, an_empty_datagram_needs_no_buffer)
{
    run(empty_null);
}

/* ---- send errors ---- */

static void send_errors(void *arg)
{
    (void)arg;
    static uint8_t big[70000];
    int s = fg_udp_bind("localhost:1000");
    int peer = fg_udp_bind("localhost:1001");
    fg_spawn(idle, NULL, .group = "far");
    fg_addr far;
    fg_assert(fg_net_resolve("far:1", &far) == 0);
    /* default MTU 1500: 1472 bytes of payload fit, 1473 don't */
    fg_assert(fg_udp_send_to(s, far, big, 1472) == 1472);
    fg_assert(fg_udp_send_to(s, far, big, 1473) == -EMSGSIZE);
    /* loopback carries up to the IPv4 limit */
    fg_assert(fg_udp_send_to(s, "localhost:1001", big, 65507) == 65507);
    fg_assert(fg_udp_send_to(s, "localhost:1001", big, 65508) == -EMSGSIZE);
    fg_assert(fg_udp_send_to(s, "nobody:1", big, 1) == -EHOSTUNREACH);
    fg_assert(fg_udp_send_to(s, "far:0", big, 1) == -EINVAL);
    fg_assert(fg_udp_send_to(s, "far", big, 1) == -EINVAL);
    fg_assert(fg_udp_send(s, big, 1) == -EDESTADDRREQ);
    fg_assert(fg_udp_send_msg(s, far, big, 1, 4, 0) == -EINVAL);
    fg_assert(fg_udp_send_to(s, far, NULL, 1) == -EINVAL);
    fg_assert(fg_udp_send_to(99, far, big, 1) == -EBADF);
    fg_assert(fg_udp_send_to(-1, far, big, 1) == -EBADF);
    char buf[70000];
    fg_assert(fg_udp_recv(peer, buf, sizeof buf, FG_FOREVER) == 65507);
    fg_assert(fg_udp_close(s) == 0);
    fg_assert(fg_udp_send_to(s, far, big, 1) == -EBADF);
    fg_assert(fg_udp_recv(s, buf, 1, FG_FOREVER) == -EBADF);
}

Test(net_udp, send_errors_are_specific)
{
    run(send_errors);
}

/* ---- deadlines, close, cancel ---- */

static int closer_sock, woke_with;

static void blocked_reader(void *arg)
{
    (void)arg;
    char b[4];
    woke_with = fg_udp_recv(closer_sock, b, sizeof b, FG_FOREVER);
}

static void deadlines(void *arg)
{
    (void)arg;
    char b[4];
    int s = fg_udp_bind("localhost:1");
    fg_time t0 = fg_now();
    fg_assert(fg_udp_recv(s, b, sizeof b, fg_after(3 * FG_MS)) == -ETIMEDOUT);
    fg_assert(fg_now() == t0 + 3 * FG_MS);
    fg_assert(fg_udp_recv(s, b, sizeof b, fg_now()) == -ETIMEDOUT);
    closer_sock = s;
    int id = fg_spawn(blocked_reader, NULL);
    fg_sleep(FG_MS);
    fg_assert(fg_udp_close(s) == 0);
    fg_assert(fg_join(id, FG_FOREVER) == 0);
    fg_assert(woke_with == -EBADF);
}

Test(net_udp, deadlines_and_close_wake_readers)
{
    run(deadlines);
}

static void forever_reader(void *arg)
{
    (void)arg;
    char b[4];
    int s = fg_udp_bind("localhost:5");
    woke_with = fg_udp_recv(s, b, sizeof b, FG_FOREVER);
}

static void end_cancels(void *arg)
{
    (void)arg;
    fg_spawn(forever_reader, NULL);
    fg_sleep(FG_MS);
}

Test(net_udp, sim_end_cancels_blocked_receive)
{
    woke_with = 0;
    run(end_cancels);
    cr_assert_eq(woke_with, -ECANCELED);
}

static void deadlocked(void *arg)
{
    (void)arg;
    forever_reader(NULL);
}

Test(net_udp, deadlock_report_names_the_receive)
{
    cr_assert_eq(fg_run_bytes(deadlocked, NULL, &quiet, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_FAIL_DEADLOCK);
    cr_assert(strstr(res.report, "fg_udp_recv_from (") != NULL, "%s", res.report);
    cr_assert(strstr(res.report, "test_net_udp.c:") != NULL, "%s", res.report);
}

/* ---- buffers ---- */

static void buffers(void *arg)
{
    (void)arg;
    uint8_t data[100] = {0};
    int rx = fg_udp_bind("localhost:1"), tx = fg_udp_bind("localhost:2");
    fg_assert(fg_udp_set_buffers(rx, 250, 0) == 0);
    for (int i = 0; i < 4; i++)
        fg_assert(fg_udp_send_to(tx, "localhost:1", data, 100) == 100);
    fg_sleep(FG_MS);
    fg_net_stats st, rs;
    fg_net_stats_get(&st);
    fg_assert(fg_udp_stats(rx, &rs) == 0);
    /* two fit in 250 bytes, two overflow: dropped and counted */
    fg_assert(st.sent == 4 && st.delivered == 2 && st.dropped == 2);
    fg_assert(st.dropped_by[FG_NET_DROP_RCVBUF] == 2 && rs.dropped_by[FG_NET_DROP_RCVBUF] == 2);
    char b[100];
    fg_assert(fg_udp_recv(rx, b, sizeof b, FG_FOREVER) == 100);
    /* the send buffer holds what is in flight: 50 ms of latency to another host */
    fg_spawn(idle, NULL, .group = "far");
    fg_assert(fg_udp_set_buffers(tx, 0, 300) == 0);
    for (int i = 0; i < 5; i++)
        fg_assert(fg_udp_send_to(tx, "far:9", data, 100) == 100);
    fg_net_stats ts;
    fg_assert(fg_udp_stats(tx, &ts) == 0);
    fg_assert(ts.dropped_by[FG_NET_DROP_SNDBUF] == 2);
    fg_sleep(60 * FG_MS);   /* landed (on a closed port): the buffer is free again */
    fg_assert(fg_udp_send_to(tx, "far:9", data, 100) == 100);
    fg_assert(fg_udp_stats(tx, &ts) == 0 && ts.dropped_by[FG_NET_DROP_SNDBUF] == 2);
    fg_net_stats_get(&st);
    fg_assert(st.dropped_by[FG_NET_DROP_UNREACHABLE] == 3);
    /* closing drops what is queued, counted */
    fg_assert(fg_udp_close(rx) == 0);
    fg_net_stats_get(&st);
    fg_assert(st.dropped_by[FG_NET_DROP_CLOSED] == 1);
    fg_assert(st.dropped == 2 + 2 + 3 + 1);
}

Test(net_udp, buffer_overflows_are_dropped_and_counted)
{
    run(buffers);
}

/* ---- connect ---- */

static void other_sender(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    fg_udp_send_to(s, "main:1", "x", 1);
}

static void connected(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("localhost:1"), peer = fg_udp_bind("localhost:2");
    fg_assert(fg_udp_connect(s, "localhost:2") == 0);
    fg_assert(fg_udp_connect(s, "nobody:2") == -EHOSTUNREACH);
    fg_assert(fg_udp_send(s, "hi", 2) == 2);
    char b[8];
    fg_addr from;
    fg_assert(fg_udp_recv_from(peer, b, sizeof b, &from, FG_FOREVER) == 2);
    fg_assert(from.port == 1);
    fg_spawn(other_sender, NULL, .group = "other");
    fg_assert(fg_udp_send_to(peer, "localhost:1", "ok", 2) == 2);
    /* only the peer's datagram gets in */
    fg_assert(fg_udp_recv(s, b, sizeof b, FG_FOREVER) == 2 && !memcmp(b, "ok", 2));
    fg_assert(fg_udp_recv(s, b, sizeof b, fg_after(FG_SEC)) == -ETIMEDOUT);
    fg_net_stats st;
    fg_net_stats_get(&st);
    fg_assert(st.dropped_by[FG_NET_DROP_UNREACHABLE] == 1);
}

Test(net_udp, connected_socket_sends_to_and_hears_only_its_peer)
{
    run(connected);
}

/* ---- GSO, GRO, ECN, truncation ---- */

static void offload(void *arg)
{
    (void)arg;
    uint8_t data[3500] = {0};
    fg_spawn(idle, NULL, .group = "peer");
    fg_addr peer;
    fg_assert(fg_net_resolve("peer:7", &peer) == 0);
    int tx = fg_udp_bind("localhost:1");
    /* GSO: 3500 bytes in segments of 1000 over the 1500-byte MTU link: 4 datagrams */
    fg_assert(fg_udp_send_msg(tx, peer, data, 3500, 2, 1000) == 3500);
    /* a segment must fit the MTU, and a train holds at most 64 */
    fg_assert(fg_udp_send_msg(tx, peer, data, 3500, 0, 1473) == -EMSGSIZE);
    fg_assert(fg_udp_send_msg(tx, peer, data, 65 * 10, 0, 10) == -EMSGSIZE);
    fg_assert(fg_udp_send_msg(tx, peer, data, 64 * 10, 0, 10) == 640);
}

static void gro(void *arg)
{
    (void)arg;
    uint8_t data[3000], got[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    int tx = fg_udp_bind("localhost:1"), rx = fg_udp_bind("localhost:2"), plain = fg_udp_bind("localhost:3");
    fg_addr to_rx = {0x0a000001, 2}, to_plain = {0x0a000001, 3};
    fg_assert(fg_udp_set_gro(rx, true) == 0);
    fg_assert(fg_udp_send_msg(tx, to_rx, data, 2500, 1, 1000) == 2500);
    fg_assert(fg_udp_send_msg(tx, to_rx, data, 10, 2, 0) == 10);
    fg_assert(fg_udp_send_msg(tx, to_plain, data, 2500, 1, 1000) == 2500);
    fg_udp_info info;
    /* GRO: the train of 1000, 1000, 500 comes back as one */
    int n = fg_udp_recv_msg(rx, got, sizeof got, &info, FG_FOREVER);
    fg_assert(n == 2500 && !memcmp(got, data, 2500));
    fg_assert(info.segment_size == 1000 && info.segments == 3 && info.ecn == 1 && !info.truncated);
    fg_assert(info.from.port == 1);
    /* a different ECN mark is not coalesced */
    n = fg_udp_recv_msg(rx, got, sizeof got, &info, FG_FOREVER);
    fg_assert(n == 10 && info.ecn == 2 && info.segments == 1 && info.segment_size == 0);
    /* without GRO: three datagrams */
    for (int i = 0; i < 3; i++) {
        n = fg_udp_recv_msg(plain, got, sizeof got, &info, FG_FOREVER);
        fg_assert(n == (i < 2 ? 1000 : 500) && !memcmp(got, data + 1000 * i, (size_t)n));
        fg_assert(info.segments == 1);
    }
    /* a short buffer truncates */
    fg_assert(fg_udp_send_to(tx, to_plain, data, 100) == 100);
    n = fg_udp_recv_msg(plain, got, 40, &info, FG_FOREVER);
    fg_assert(n == 40 && info.truncated);
    fg_net_stats st;
    fg_net_stats_get(&st);
    fg_assert(st.sent == 8 && st.received == 8);
}

Test(net_udp, gso_gro_ecn_truncation)
{
    run(gro);
}

Test(net_udp, gso_checks_segments_against_the_mtu)
{
    run(offload);
    fg_net_stats st;
    fg_net_stats_get(&st);
    cr_assert_eq(st.sent, 4 + 64);
}

/* ---- misuse outside a sim ---- */

Test(net_udp, calls_outside_a_sim_fail)
{
    cr_assert_eq(fg_udp_bind("localhost:1"), -EPERM);
    cr_assert_eq(fg_udp_close(0), -EBADF);
    fg_addr a;
    cr_assert_eq(fg_net_resolve("x:1", &a), -EPERM);
}

/* ---- many sims: nothing carries over ---- */

static void leave_things_behind(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("localhost:1");
    uint8_t big[1000] = {0};
    fg_udp_send_to(s, "localhost:1", big, sizeof big);   /* queued, never read */
    fg_spawn(idle, NULL, .group = "server_less");
    int t = fg_udp_bind("localhost:2");
    fg_udp_send_to(t, "server_less:9", big, 500);          /* in flight at the end */
}

Test(net_udp, sims_leave_nothing_behind)
{
    for (int i = 0; i < 2000; i++) {
        run(leave_things_behind);
        /* the same ports and numbers are free again in the next sim */
    }
    fg_net_stats st;
    fg_net_stats_get(&st);
    cr_assert_eq(st.sent, 2);
}
