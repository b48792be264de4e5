/* Figures for the simulated network: datagrams one task to another without
 * and with capture (against the same sim without the network, same run), and
 * the README's ping-pong as whole sims per second in random mode. Times are
 * the thread's CPU time, best of a few runs. */
#include <fugue.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "rr64.h"

/* ---- a stream of datagrams ---- */

#define DGRAMS 100000
static bool use_net;
static int got;

static void receiver(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("rx:9");
    char buf[64];
    while (got < DGRAMS && fg_udp_recv(s, buf, sizeof buf, FG_FOREVER) >= 0)
        got++;
}

static void sender(void *arg)
{
    (void)arg;
    int s = use_net ? fg_udp_bind("tx:1") : -1;
    fg_addr dst;
    if (use_net)
        fg_net_resolve("rx:9", &dst);
    static const char msg[32] = "datagram";
    for (int i = 0; i < DGRAMS; i++) {
        fg_sleep(2 * FG_MS);
        if (use_net)
            fg_udp_send_to(s, dst, msg, sizeof msg);
    }
}

static void stream(void *arg)
{
    (void)arg;
    fg_spawn(sender, NULL, .group = "tx", .primary = true);
    if (use_net)
        fg_spawn(receiver, NULL, .group = "rx", .primary = true);
}

/* ns per datagram over the best of `reps` sims */
static double stream_ns(bool net, int reps)
{
    fg_opts o = {.name = "bench_net"};
    fg_result r;
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        use_net = net;
        got = 0;
        double t0 = now_s();
        fg_run_bytes(stream, NULL, &o, NULL, 0, &r);
        double t = now_s() - t0;
        if (r.outcome != FG_PASS || (net && got != DGRAMS)) {
            fprintf(stderr, "bench_net: stream sim failed (%d datagrams)\n", got);
            exit(1);
        }
        best = t < best ? t : best;
    }
    return best * 1e9 / DGRAMS;
}

/* ---- ping-pong ---- */

static void client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    fg_udp_send_to(s, "server:8080", "ping", 4);
    char buf[16];
    int n = fg_udp_recv(s, buf, sizeof buf, fg_after(FG_SEC));
    fg_assert(n == 4 && !memcmp(buf, "pong", 4));
}

static void server(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("server:8080");
    char buf[16];
    fg_addr from;
    while (fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER) >= 0)
        fg_udp_send_to(s, from, "pong", 4);
}

static void ping_pong(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++)
        fg_spawn(client, NULL, .group = fg_fmt("client_%d", i), .primary = true);
    fg_spawn(server, NULL, .group = "server");
}

/* ---- TCP: a bulk stream, and whole sims of request/response connections ---- */

#define TCP_MSGS 100000
#define TCP_MSG 1024
static long tcp_got;

static void tcp_reader(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("rx:80", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    static char buf[TCP_MSG];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0)
        tcp_got += n;
}

static void tcp_writer(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("rx:80", FG_FOREVER);
    static char msg[TCP_MSG];
    for (int i = 0; i < TCP_MSGS; i++)
        for (int off = 0; off < TCP_MSG;)
            off += fg_tcp_send(s, msg + off, TCP_MSG - (size_t)off, FG_FOREVER);
    fg_tcp_close(s);
}

static void tcp_stream(void *arg)
{
    (void)arg;
    fg_spawn(tcp_writer, NULL, .group = "tx", .primary = true);
    fg_spawn(tcp_reader, NULL, .group = "rx", .primary = true);
}

/* ns per message over the best of `reps` sims; *segs: segments (both ways) per message */
static double tcp_stream_ns(int reps, double *segs)
{
    fg_opts o = {.name = "bench_tcp"};
    fg_result r;
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        tcp_got = 0;
        fg_net_stats st0;
        fg_net_stats_get(&st0);
        double t0 = now_s();
        fg_run_bytes(tcp_stream, NULL, &o, NULL, 0, &r);
        double t = now_s() - t0;
        if (r.outcome != FG_PASS || tcp_got != (long)TCP_MSGS * TCP_MSG) {
            fprintf(stderr, "bench_net: tcp stream failed (%ld bytes): %s\n", tcp_got, r.report);
            exit(1);
        }
        fg_net_stats st;
        fg_net_stats_get(&st);
        *segs = (double)st.sent / TCP_MSGS;
        best = t < best ? t : best;
    }
    return best * 1e9 / TCP_MSGS;
}

static int rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    unsetenv("FUGUE_PCAP_DIR");
    double base = stream_ns(false, 3);
    double net = stream_ns(true, 3);
    printf("stream_sleep_only: %.1f ns/datagram\n", base);
    printf("stream_datagram: %.1f ns/datagram\n", net);
    printf("stream_datagram_net_cost: %.1f ns/datagram\n", net - base);

    char dir[] = "/tmp/fugue-bench-net-XXXXXX";
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    setenv("FUGUE_PCAP_DIR", dir, 1);
    double cap = stream_ns(true, 3);
    unsetenv("FUGUE_PCAP_DIR");
    nftw(dir, rm, 16, FTW_DEPTH | FTW_PHYS);
    printf("stream_datagram_captured: %.1f ns/datagram\n", cap);
    /* each datagram is written twice: leaving tx, arriving at rx */
    printf("capture_cost: %.1f ns/packet_record\n", (cap - net) / 2);

    double segs;
    double tcp = tcp_stream_ns(3, &segs);
    printf("tcp_stream_1KiB: %.1f ns/message\n", tcp);
    printf("tcp_stream_segments: %.2f segments/message\n", segs);
    setenv("FUGUE_PCAP_DIR", dir, 1);
    double tcp_cap = tcp_stream_ns(3, &segs);
    unsetenv("FUGUE_PCAP_DIR");
    nftw(dir, rm, 16, FTW_DEPTH | FTW_PHYS);
    printf("tcp_stream_1KiB_captured: %.1f ns/message\n", tcp_cap);
    /* every segment is written twice: leaving one host, arriving at the other */
    printf("tcp_capture_cost: %.1f ns/segment_record\n", (tcp_cap - tcp) / (2 * segs));

    {
        fg_opts ro = {.name = "tcp_rr64"};
        fg_result rr;
        for (uint64_t s = 0; s < 50; s++)   /* warm the pools */
            fg_run_seed(rr64, NULL, &ro, s, &rr);
        const int n = 2000;
        long rss0 = status_kib("VmRSS:");
        double t1 = now_s();
        for (int s = 0; s < n; s++) {
            fg_run_seed(rr64, NULL, &ro, (uint64_t)s, &rr);
            if (rr.outcome != FG_PASS)
                return fprintf(stderr, "bench_net: tcp_rr64 failed: %s\n", rr.report), 1;
            if (s % 500 == 499)
                fprintf(stderr, "bench_net: tcp_rr64 %d/%d sims\n", s + 1, n);
        }
        double tt = now_s() - t1;
        printf("tcp_rr64_random: %.0f sims/s\n", n / tt);
        printf("tcp_rr64_rss_growth_2k_sims: %ld KiB\n", status_kib("VmRSS:") - rss0);
    }

    fg_opts o = {.strategy = FG_RANDOM, .name = "ping_pong"};
    fg_result r;
    for (uint64_t s = 0; s < 10000; s++)   /* warm the pools */
        fg_run_seed(ping_pong, NULL, &o, s, &r);
    const int sims = 1000000;
    long rss0 = status_kib("VmRSS:");
    double t0 = now_s();
    for (int s = 0; s < sims; s++) {
        fg_run_seed(ping_pong, NULL, &o, (uint64_t)s, &r);
        if (r.outcome != FG_PASS)
            return fprintf(stderr, "bench_net: ping-pong failed\n"), 1;
    }
    double t = now_s() - t0;
    printf("ping_pong_random: %.0f sims/s\n", sims / t);
    printf("ping_pong_sim: %.0f ns/sim\n", t * 1e9 / sims);
    /* a sim leaves nothing behind: a million of them must not grow memory */
    printf("ping_pong_rss_growth_1M_sims: %ld KiB\n", status_kib("VmRSS:") - rss0);
    return 0;
}
