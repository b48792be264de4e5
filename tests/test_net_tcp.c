/* TCP streams: connect/accept/backlog, whole writes at value 0 and short or
 * coalesced reads as choices, half-close, resets, refusal, back-pressure,
 * partitions (stall and heal, give up), retransmission after a loss, teardown
 * with data in flight, misuse, determinism and leaks over many sims. */
#include <fugue.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"

static fg_result res;
static fg_opts quiet = {.return_on_failure = true, .quiet = true};

static void run(fg_fn root)
{
    cr_assert_eq(fg_run_bytes(root, NULL, &quiet, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
}

static void run_seed(fg_fn root, uint64_t seed)
{
    cr_assert_eq(fg_run_seed(root, NULL, &quiet, seed, &res), 0);
    cr_assert_eq(res.outcome, FG_PASS, "seed %llu: %s", (unsigned long long)seed, res.report);
}

/* Reads exactly n bytes (a loop over short reads). */
static int read_all(int s, char *buf, int n)
{
    int got = 0;
    while (got < n) {
        int k = fg_tcp_recv(s, buf + got, (size_t)(n - got), fg_after(100 * FG_SEC));
        if (k <= 0)
            return k < 0 ? k : got;
        got += k;
    }
    return got;
}

/* ---- echo: connect, accept, whole writes ---- */

static int reads_seen, echoed;
static fg_time connected_at;

static void echo_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:7", 8);
    fg_assert(l >= 0);
    fg_addr peer;
    int s = fg_tcp_accept(l, &peer, FG_FOREVER);
    fg_assert(s >= 0);
    fg_assert(!strcmp(fg_net_host(peer.ip), "client") && peer.port == 49152);
    char buf[256];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0) {
        reads_seen++;
        fg_assert(fg_tcp_send(s, buf, (size_t)n, FG_FOREVER) == n);
    }
    fg_assert(n == 0);   /* the client's FIN */
    fg_tcp_close(s);
    fg_tcp_close(l);
}

static void echo_client(void *arg)
{
    (void)arg;
    fg_time t0 = fg_now();
    int s = fg_tcp_connect("server:7", FG_FOREVER);
    fg_assert(s >= 0);
    connected_at = fg_now() - t0;
    fg_addr a;
    fg_assert(fg_tcp_peer(s, &a) == 0 && a.port == 7);
    fg_assert(fg_tcp_local(s, &a) == 0 && a.port == 49152);
    const char *msgs[] = {"hello", "world!", "a longer third message"};
    for (int i = 0; i < 3; i++) {
        int len = (int)strlen(msgs[i]);
        fg_assert(fg_tcp_send(s, msgs[i], (size_t)len, FG_FOREVER) == len);
        char buf[64];
        fg_assert(read_all(s, buf, len) == len && !memcmp(buf, msgs[i], (size_t)len));
        echoed++;
    }
    fg_assert(fg_tcp_shutdown(s, FG_SHUT_WR) == 0);
    char c;
    fg_assert(fg_tcp_recv(s, &c, 1, FG_FOREVER) == 0);
    fg_assert(fg_tcp_close(s) == 0);
}

static void echo(void *arg)
{
    (void)arg;
    fg_spawn(echo_server, NULL, .group = "server");
    fg_spawn(echo_client, NULL, .group = "client", .primary = true);
}

Test(net_tcp, echo_whole_writes_at_value_zero)
{
    reads_seen = echoed = 0;
    run(echo);
    cr_assert_eq(echoed, 3);
    cr_assert_eq(reads_seen, 3, "value 0 delivers each write as one read");
    cr_assert_eq(connected_at, 100 * FG_MS, "a SYN and a SYN-ACK: one round trip of 2 x 50 ms");
}

Test(net_tcp, echo_passes_on_random_inputs_and_cuts_reads)
{
    int more = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        reads_seen = echoed = 0;
        run_seed(echo, seed);
        cr_assert_eq(echoed, 3);
        more += reads_seen > 3;
    }
    cr_assert_gt(more, 30, "random inputs cut writes into short reads (%d of 60)", more);
}

Test(net_tcp, deterministic)
{
    uint8_t in[64];
    for (int i = 0; i < 64; i++)
        in[i] = (uint8_t)(i * 37 + 11);
    cr_assert_eq(fg_check_determinism(echo, NULL, &quiet, in, sizeof in), 0);
}

/* ---- coalescing: two writes, one read ---- */

static int coalesced;

static void two_writes_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:9", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    fg_sleep(FG_SEC);   /* both writes are here */
    char buf[16];
    int n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER);
    fg_assert(n >= 1 && n <= 6 && !memcmp(buf, "abcdef", (size_t)n));
    coalesced = n;
}

static void two_writes_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:9", FG_FOREVER);
    fg_tcp_send(s, "abc", 3, FG_FOREVER);
    fg_tcp_send(s, "def", 3, FG_FOREVER);
    fg_sleep(2 * FG_SEC);
}

static void two_writes(void *arg)
{
    (void)arg;
    fg_spawn(two_writes_server, NULL, .group = "server", .primary = true);
    fg_spawn(two_writes_client, NULL, .group = "client");
}

Test(net_tcp, the_split_is_one_choice_over_every_length)
{
    /* value 0: the first write; value v: v bytes, skipping the natural 3 */
    int want[6] = {3, 1, 2, 4, 5, 6};
    for (uint8_t v = 0; v < 6; v++) {
        cr_assert_eq(fg_run_bytes(two_writes, NULL, &quiet, &v, 1, &res), 0);
        cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
        cr_assert_eq(coalesced, want[v], "value %u", v);
        cr_assert_eq(res.choices, 1);
    }
}

/* ---- refused, backlog ---- */

static int refused_rc;

static void refused_root(void *arg)
{
    (void)arg;
    fg_tcp_listen("main:1", 1);   /* the host exists; port 2 has nobody */
    fg_time t0 = fg_now();
    refused_rc = fg_tcp_connect("main:2", FG_FOREVER);
    fg_assert(fg_now() == t0);   /* inside one host: no latency */
}

Test(net_tcp, connect_to_a_closed_port_is_refused)
{
    run(refused_root);
    cr_assert_eq(refused_rc, -ECONNREFUSED);
}

static int accepted_order[4], naccepted;

static void backlog_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:80", 2);
    fg_sleep(10 * FG_SEC);   /* two wait in the backlog, the third's SYNs are ignored meanwhile */
    for (int i = 0; i < 3; i++) {
        fg_addr peer;
        int s = fg_tcp_accept(l, &peer, FG_FOREVER);
        fg_assert(s >= 0);
        accepted_order[naccepted++] = fg_net_host(peer.ip)[1] - '0';
    }
}

static void backlog_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:80", FG_FOREVER);
    fg_assert(s >= 0);
}

static void backlog_root(void *arg)
{
    (void)arg;
    fg_spawn(backlog_server, NULL, .group = "server", .primary = true);
    for (int i = 0; i < 3; i++)
        fg_spawn(backlog_client, NULL, .group = fg_fmt("c%d", i), .primary = true);
}

Test(net_tcp, a_full_backlog_makes_the_client_retry)
{
    naccepted = 0;
    run(backlog_root);
    cr_assert_eq(naccepted, 3);
    cr_assert_gt(res.time, 10 * FG_SEC);
    /* the third one came later, through a retransmitted SYN */
    cr_assert_eq(accepted_order[2], 2);
}

Test(net_tcp, same_instant_accepts_are_ordered_by_a_choice)
{
    int first[3] = {0};
    for (uint8_t v = 0; v < 2; v++) {
        uint8_t in[1] = {v};
        naccepted = 0;
        cr_assert_eq(fg_run_bytes(backlog_root, NULL, &quiet, in, 1, &res), 0);
        cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
        first[accepted_order[0]]++;
    }
    cr_assert_eq(first[0] + first[1], 2);
    cr_assert(first[0] == 1 && first[1] == 1, "value 0 queues c0 first, value 1 c1");
}

/* ---- half-close ---- */

static char half_got[32];

static void half_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:5", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char buf[32];
    int n = read_all(s, buf, 31);   /* up to the end of the stream */
    fg_assert(n == 5 && !memcmp(buf, "query", 5));
    fg_assert(fg_tcp_send(s, "answer", 6, FG_FOREVER) == 6);   /* still sends after the peer's FIN */
    fg_tcp_close(s);
}

static void half_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:5", FG_FOREVER);
    fg_tcp_send(s, "query", 5, FG_FOREVER);
    fg_assert(fg_tcp_shutdown(s, FG_SHUT_WR) == 0);
    fg_assert(fg_tcp_send(s, "x", 1, FG_FOREVER) == -EPIPE);
    int n = read_all(s, half_got, 31);
    fg_assert(n == 6);
    fg_assert(fg_tcp_recv(s, half_got, 1, FG_FOREVER) == 0);
    fg_tcp_close(s);
}

static void half_root(void *arg)
{
    (void)arg;
    fg_spawn(half_server, NULL, .group = "server", .primary = true);
    fg_spawn(half_client, NULL, .group = "client", .primary = true);
}

Test(net_tcp, half_close_peer_reads_eof_and_still_sends)
{
    memset(half_got, 0, sizeof half_got);
    run(half_root);
    cr_assert_str_eq(half_got, "answer");
    for (uint64_t seed = 1; seed <= 20; seed++)
        run_seed(half_root, seed);
}

/* ---- resets ---- */

static int reset_recv, reset_send1, reset_send2;

static void rst_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:6", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    fg_sleep(FG_SEC);   /* the client's bytes sit unread */
    fg_tcp_close(s);    /* unread data: RST */
}

static void rst_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:6", FG_FOREVER);
    fg_tcp_send(s, "unread", 6, FG_FOREVER);
    char buf[8];
    reset_recv = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER);
    reset_send1 = fg_tcp_send(s, "x", 1, FG_FOREVER);
    reset_send2 = fg_tcp_send(s, "x", 1, FG_FOREVER);
}

static void rst_root(void *arg)
{
    (void)arg;
    fg_spawn(rst_server, NULL, .group = "server");
    fg_spawn(rst_client, NULL, .group = "client", .primary = true);
}

Test(net_tcp, close_with_unread_data_resets_the_peer)
{
    run(rst_root);
    cr_assert_eq(reset_recv, -ECONNRESET);
    cr_assert_eq(reset_send1, -EPIPE, "the reset was reported by the recv: sends get -EPIPE");
    cr_assert_eq(reset_send2, -EPIPE);
}

/* ---- back-pressure ---- */

static fg_time writer_blocked_until;
static int short_write;

static void bp_reader(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:8", 1);
    fg_tcp_set_buffers(l, 1000, 0);   /* inherited by what it accepts */
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    fg_sleep(5 * FG_SEC);   /* the writer fills both buffers meanwhile */
    static char buf[20000];
    int n = read_all(s, buf, 10000);
    fg_assert(n == 10000);
    for (int i = 0; i < n; i++)
        fg_assert(buf[i] == (char)(i % 251));
}

static void bp_writer(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:8", FG_FOREVER);
    fg_tcp_set_buffers(s, 0, 2000);
    static char data[10000];
    for (int i = 0; i < 10000; i++)
        data[i] = (char)(i % 251);
    short_write = fg_tcp_send(s, data, sizeof data, FG_FOREVER);
    fg_assert(short_write == 2000);
    int off = short_write;
    while (off < 10000) {
        int k = fg_tcp_send(s, data + off, sizeof data - (size_t)off, FG_FOREVER);
        fg_assert(k > 0);
        off += k;
        if (off > 3000 && !writer_blocked_until)   /* past what both buffers hold */
            writer_blocked_until = fg_now();
    }
    fg_tcp_close(s);
}

static void bp_root(void *arg)
{
    (void)arg;
    fg_spawn(bp_reader, NULL, .group = "server", .primary = true);
    fg_spawn(bp_writer, NULL, .group = "client", .primary = true);
}

Test(net_tcp, a_full_send_buffer_writes_short_then_blocks_until_the_reader_drains)
{
    writer_blocked_until = 0;
    run(bp_root);
    cr_assert_eq(short_write, 2000);
    cr_assert_gt(writer_blocked_until, 5 * FG_SEC, "the second send waited for the reader (%lld)", (long long)writer_blocked_until);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        writer_blocked_until = 0;
        run_seed(bp_root, seed);
    }
}

/* ---- partitions and losses ---- */

static fg_time part_got_at;
static int part_rc;

static void part_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:3", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char buf[8];
    part_rc = s < 0 ? s : read_all(s, buf, 4);
    part_got_at = fg_now();
}

static void part_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:3", FG_FOREVER);
    fg_net_partition("client", "server");
    fg_tcp_send(s, "data", 4, FG_FOREVER);
    fg_sleep(3 * FG_SEC);
    fg_net_heal("client", "server");
    fg_sleep(100 * FG_SEC);
}

static void part_root(void *arg)
{
    (void)arg;
    fg_spawn(part_server, NULL, .group = "server", .primary = true);
    fg_spawn(part_client, NULL, .group = "client");
}

Test(net_tcp, a_partition_stalls_the_stream_until_it_heals)
{
    run(part_root);
    cr_assert_eq(part_rc, 4);
    /* sent at 100 ms; the RTO after a 100 ms RTT is 300 ms (srtt + 4 rttvar), doubling:
     * again at 400, 1000, 2200 and 4600 ms: the first after the heal at 3.1 s lands 50 ms later */
    cr_assert_eq(part_got_at, 4650 * FG_MS, "got at %lld", (long long)part_got_at);
}

static int cut_send_rc, cut_recv_rc, cut_connect_rc;
static fg_time cut_connect_at;

static void cut_forever(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:3", FG_FOREVER);
    fg_net_partition("client", "server");
    cut_send_rc = fg_tcp_send(s, "data", 4, FG_FOREVER);
    char b[4];
    cut_recv_rc = fg_tcp_recv(s, b, sizeof b, FG_FOREVER);
    fg_time t0 = fg_now();
    cut_connect_rc = fg_tcp_connect("server:3", FG_FOREVER);
    cut_connect_at = fg_now() - t0;
}

static void cut_root(void *arg)
{
    (void)arg;
    fg_spawn(part_server, NULL, .group = "server");
    fg_spawn(cut_forever, NULL, .group = "client", .primary = true);
}

Test(net_tcp, retries_give_up_across_a_partition)
{
    run(cut_root);
    cr_assert_eq(cut_send_rc, 4, "the bytes are buffered");
    cr_assert_eq(cut_recv_rc, -ETIMEDOUT, "the retransmissions ran out: reset");
    cr_assert_eq(cut_connect_rc, -ETIMEDOUT);
    cr_assert_eq(cut_connect_at, 63 * FG_SEC, "SYNs at 0, 1, 3, 7, 15, 31 s, given up at 63 s");
}

static int drops_left;
static fg_time lost_got_at;

static fg_net_verdict drop_first_data(const fg_packet *p, void *ud)
{
    (void)ud;
    if (p->proto == 6 && p->dir == FG_NET_SEND && p->len && drops_left > 0) {
        drops_left--;
        return (fg_net_verdict){.action = FG_NET_DROP};
    }
    if (p->proto == 6 && p->dir == FG_NET_RECV && p->len && p->seq && p->tcp_flags & FG_TCP_PSH)
        return (fg_net_verdict){.action = FG_NET_DUPLICATE, .copies = 2};   /* discarded by sequence number */
    return (fg_net_verdict){.action = FG_NET_PASS};
}

static void lost_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:3", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char buf[8];
    fg_assert(fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER) == 4 && !memcmp(buf, "data", 4));
    lost_got_at = fg_now();
    fg_assert(fg_tcp_recv(s, buf, sizeof buf, FG_SEC) == -ETIMEDOUT);   /* the copies were discarded */
}

static void lost_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:3", FG_FOREVER);
    fg_tcp_send(s, "data", 4, FG_FOREVER);
    fg_sleep(10 * FG_SEC);
}

static void lost_root(void *arg)
{
    (void)arg;
    fg_net_monitor(&(fg_net_hooks){.packet = drop_first_data});
    fg_spawn(lost_server, NULL, .group = "server", .primary = true);
    fg_spawn(lost_client, NULL, .group = "client");
}

Test(net_tcp, a_lost_segment_is_sent_again_after_the_rto_and_duplicates_are_discarded)
{
    drops_left = 2;
    run(lost_root);
    /* sent at 100 ms, lost; again at 400 ms (RTO 300 ms), lost; again at 1000 ms; lands at 1050 */
    cr_assert_eq(lost_got_at, 1050 * FG_MS, "got at %lld", (long long)lost_got_at);
}

static void lossy_root(void *arg)
{
    (void)arg;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.loss = 0.2;
    l.jitter = 20 * FG_MS;
    l.duplicate = 0.1;
    l.reorder = 0.1;
    l.corrupt = 0.1;
    fg_net_set_link(NULL, NULL, &l);
    echo(NULL);
}

Test(net_tcp, a_bad_link_loses_no_bytes)
{
    for (uint64_t seed = 1; seed <= 60; seed++) {
        echoed = 0;
        run_seed(lossy_root, seed);
        cr_assert_eq(echoed, 3);
    }
    fg_net_stats st;
    fg_net_stats_get(&st);
    (void)st;
}

/* ---- teardown, misuse ---- */

static void inflight_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:4", 4);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char buf[64];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0)
        ;
    fg_assert(n == -ECANCELED);
}

static void inflight_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:4", FG_FOREVER);
    static char big[50000];
    fg_tcp_send(s, big, sizeof big, FG_FOREVER);
    fg_sleep(120 * FG_MS);   /* ends with segments in flight and unacknowledged */
}

static void inflight_root(void *arg)
{
    (void)arg;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.loss = 0.3;
    fg_net_set_link(NULL, NULL, &l);
    fg_spawn(inflight_server, NULL, .group = "server");
    fg_spawn(inflight_client, NULL, .group = "client", .primary = true);
}

Test(net_tcp, teardown_with_data_in_flight_leaks_nothing)
{
    for (uint64_t seed = 1; seed <= 200; seed++)
        run_seed(inflight_root, seed);
    assert_no_leaks();
}

static int m[10];

static void misuse_root(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("main:10", 1);
    char b[4];
    m[0] = fg_tcp_recv(l, b, sizeof b, FG_FOREVER);
    m[1] = fg_tcp_send(l, b, 1, FG_FOREVER);
    m[2] = fg_tcp_recv(77, b, sizeof b, FG_FOREVER);
    m[3] = fg_tcp_listen("main:10", 1);
    m[4] = fg_tcp_listen("nowhere:1", 1);
    m[5] = fg_tcp_accept(l, NULL, fg_after(FG_MS));
    fg_tcp_close(l);
    m[6] = fg_tcp_close(l);
    m[7] = fg_tcp_shutdown(l, FG_SHUT_WR);
    m[8] = fg_tcp_connect("main", FG_FOREVER);
    m[9] = fg_tcp_listen("client:1", 1);
}

static void nothing(void *arg)
{
    (void)arg;
}

static void misuse_boot(void *arg)
{
    (void)arg;
    fg_spawn(misuse_root, NULL, .primary = true);
    fg_spawn(nothing, NULL, .group = "client");   /* makes the group exist */
}

Test(net_tcp, misuse_returns_errno)
{
    run(misuse_boot);
    int want[10] = {-ENOTCONN, -ENOTCONN, -EBADF, -EADDRINUSE, -EHOSTUNREACH, -ETIMEDOUT, -EBADF, -EBADF, -EINVAL,
                    -EADDRNOTAVAIL};
    for (int i = 0; i < 10; i++)
        cr_assert_eq(m[i], want[i], "call %d: %d", i, m[i]);
}

/* ---- many connections, many sims ---- */

static void rr_server_conn(void *arg)
{
    int s = (int)(intptr_t)arg;
    char buf[64];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0)
        fg_tcp_send(s, buf, (size_t)n, FG_FOREVER);
    fg_tcp_close(s);
}

static void rr_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:80", 128);
    for (;;) {
        int s = fg_tcp_accept(l, NULL, FG_FOREVER);
        if (s < 0)
            break;
        fg_spawn(rr_server_conn, (void *)(intptr_t)s);
    }
}

static void rr_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:80", FG_FOREVER);
    fg_assert(s >= 0);
    for (int i = 0; i < 10; i++) {
        char buf[16];
        fg_assert(fg_tcp_send(s, "request!", 8, FG_FOREVER) == 8);
        fg_assert(read_all(s, buf, 8) == 8);
    }
    fg_tcp_close(s);
}

static void rr_root(void *arg)
{
    (void)arg;
    fg_spawn(rr_server, NULL, .group = "server");
    for (int i = 0; i < 8; i++)
        fg_spawn(rr_client, NULL, .group = fg_fmt("c%d", i), .primary = true);
}

Test(net_tcp, repeated_sims_with_many_connections_leak_nothing)
{
    for (uint64_t seed = 1; seed <= 100; seed++)
        run_seed(rr_root, seed);
    assert_no_leaks();
}
