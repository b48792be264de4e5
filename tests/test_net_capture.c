/* FUGUE_PCAP_DIR captures of the README ping-pong, read back with libpcap and
 * tshark: one file per host, every ping and pong in order at its sim time,
 * nothing malformed, host names from the hosts file. */
/* u_char for libpcap's headers; nftw, mkdtemp and popen are POSIX/XSI. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include <fugue.h>

#include <criterion/criterion.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"


static void setup(void)
{
    tmp_make("net-capture");
}

static void teardown(void)
{
    unsetenv("FUGUE_PCAP_DIR");
    tmp_remove();
}

TestSuite(net_capture, .init = setup, .fini = teardown);

/* ---- the scenario ---- */

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

static void capture_run(void)
{
    cr_assert_eq(setenv("FUGUE_PCAP_DIR", tmp, 1), 0);
    fg_opts o = {.strategy = FG_FIFO, .name = "ping_pong", .return_on_failure = true};
    fg_result r;
    cr_assert_eq(fg_run_bytes(ping_pong, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    unsetenv("FUGUE_PCAP_DIR");
}

static const char *path(const char *file)
{
    static char buf[4][512];
    static int n;
    char *s = buf[n++ % 4];
    snprintf(s, sizeof buf[0], "%s/ping_pong/%s", tmp, file);
    return s;
}

/* main 10.0.0.1, client_0 .2, client_1 .3, server .4: groups in first-use order */
#define C0 0x0a000002u
#define C1 0x0a000003u
#define SV 0x0a000004u

struct rec {
    int64_t t;
    uint32_t src, dst;
    unsigned sport, dport;
    char data[8];
};

static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }
static unsigned be16(const uint8_t *b) { return (unsigned)b[0] << 8 | b[1]; }

static int read_capture(const char *file, struct rec *out, int max)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path(file), PCAP_TSTAMP_PRECISION_NANO, err);
    cr_assert_not_null(p, "%s: %s", file, err);
    cr_assert_eq(pcap_datalink(p), DLT_IPV4);
    struct pcap_pkthdr *h;
    const u_char *b;
    int n = 0;
    while (pcap_next_ex(p, &h, &b) == 1) {
        cr_assert_lt(n, max);
        cr_assert_eq(h->caplen, 20 + 8 + 4);
        cr_assert_eq(b[9], 17, "UDP");
        struct rec *r = &out[n++];
        r->t = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
        r->src = be32(b + 12);
        r->dst = be32(b + 16);
        r->sport = be16(b + 20);
        r->dport = be16(b + 22);
        memcpy(r->data, b + 28, 4);
        r->data[4] = 0;
    }
    pcap_close(p);
    return n;
}

static void expect(const struct rec *r, int64_t t, uint32_t src, unsigned sport, uint32_t dst, unsigned dport,
                   const char *data)
{
    cr_assert_eq(r->t, t);
    cr_assert_eq(r->src, src);
    cr_assert_eq(r->sport, sport);
    cr_assert_eq(r->dst, dst);
    cr_assert_eq(r->dport, dport);
    cr_assert_str_eq(r->data, data);
}

Test(net_capture, one_file_per_host_with_every_ping_and_pong_in_order)
{
    capture_run();
    struct rec r[8];
    /* a client sees its ping leave at 0 and its pong arrive after one round trip */
    for (int i = 0; i < 2; i++) {
        char f[32];
        snprintf(f, sizeof f, "client_%d.pcap", i);
        uint32_t me = i ? C1 : C0;
        cr_assert_eq(read_capture(f, r, 8), 2);
        expect(&r[0], 0, me, 49152, SV, 8080, "ping");
        expect(&r[1], 100 * FG_MS, SV, 8080, me, 49152, "pong");
    }
    /* the server: both pings arrive at 50 ms, then both pongs leave */
    cr_assert_eq(read_capture("server.pcap", r, 8), 4);
    expect(&r[0], 50 * FG_MS, C0, 49152, SV, 8080, "ping");
    expect(&r[1], 50 * FG_MS, C1, 49152, SV, 8080, "ping");
    expect(&r[2], 50 * FG_MS, SV, 8080, C0, 49152, "pong");
    expect(&r[3], 50 * FG_MS, SV, 8080, C1, 49152, "pong");
    /* main sent nothing: no capture */
    cr_assert_neq(access(path("main.pcap"), F_OK), 0);
    FILE *f = fopen(path("hosts"), "r");
    cr_assert_not_null(f);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    cr_assert_str_eq(buf, "10.0.0.1 main\n10.0.0.2 client_0\n10.0.0.3 client_1\n10.0.0.4 server\n");
}


Test(net_capture, tshark_reads_every_capture_clean_with_names)
{
    if (!have_tshark())
        cr_skip_test("tshark not installed");
    capture_run();
    static const char *const files[] = {"client_0", "client_1", "server"};
    static const char *const want[] = {
        "client_0\tserver\t49152\t8080\tping\t1\t1\t\t\n"
        "server\tclient_0\t8080\t49152\tpong\t1\t1\t\t\n",
        "client_1\tserver\t49152\t8080\tping\t1\t1\t\t\n"
        "server\tclient_1\t8080\t49152\tpong\t1\t1\t\t\n",
        "client_0\tserver\t49152\t8080\tping\t1\t1\t\t\n"
        "client_1\tserver\t49152\t8080\tping\t1\t1\t\t\n"
        "server\tclient_0\t8080\t49152\tpong\t1\t1\t\t\n"
        "server\tclient_1\t8080\t49152\tpong\t1\t1\t\t\n",
    };
    for (int i = 0; i < 3; i++) {
        char f[64];
        snprintf(f, sizeof f, "%s.pcap", files[i]);
        /* Status 1 is Good; _ws.malformed and _ws.expert stay empty unless tshark complains. */
        char *out = sh_output("tshark -r '%s' -N n -H '%s' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
                       "-d udp.port==8080,data -T fields -e ip.src_host -e ip.dst_host -e udp.srcport "
                       "-e udp.dstport -e data.text -e ip.checksum.status -e udp.checksum.status "
                       "-e _ws.malformed -e _ws.expert -o data.show_as_text:TRUE 2>/dev/null",
                       path(f), path("hosts"));
        cr_assert_str_eq(out, want[i], "%s:\n%s", f, out);
        char *bad = sh_output("tshark -r '%s' -Y _ws.malformed 2>/dev/null | wc -l", path(f));
        cr_assert_str_eq(bad, "0\n", "%s has malformed packets", f);
    }
}

/* ---- capture costs nothing when off, and leaves nothing open ---- */

Test(net_capture, off_unless_the_variable_is_set)
{
    unsetenv("FUGUE_PCAP_DIR");
    fg_opts o = {.strategy = FG_FIFO, .name = "ping_pong", .return_on_failure = true};
    fg_result r;
    cr_assert_eq(fg_run_bytes(ping_pong, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert_neq(access(path("server.pcap"), F_OK), 0);
    /* set between sims: the next sim captures */
    capture_run();
    cr_assert_eq(access(path("server.pcap"), F_OK), 0);
    /* many sims in a row reopen and truncate: still exactly one run's packets */
    for (int i = 0; i < 50; i++)
        capture_run();
    struct rec rr[8];
    cr_assert_eq(read_capture("server.pcap", rr, 8), 4);
}

/* ---- past the end of pcap's clock ---- */

static void late_sender(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("localhost:1");
    fg_udp_send_to(s, "localhost:1", "early", 5);
    fg_sleep_until(((fg_time)1 << 31) * FG_SEC + FG_SEC);
    fg_udp_send_to(s, "localhost:1", "late", 4);
}

Test(net_capture, a_packet_the_file_cannot_hold_is_said_not_dropped_silently)
{
    char errf[600];
    snprintf(errf, sizeof errf, "%s/stderr", tmp);
    cr_assert_eq(setenv("FUGUE_PCAP_DIR", tmp, 1), 0);
    fflush(stderr);
    int saved = dup(2);
    FILE *e = freopen(errf, "w", stderr);
    cr_assert_not_null(e);
    fg_opts o = {.strategy = FG_FIFO, .name = "ping_pong", .return_on_failure = true};
    fg_result r;
    cr_assert_eq(fg_run_bytes(late_sender, NULL, &o, NULL, 0, &r), 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    char got[4096] = {0};
    FILE *f = fopen(errf, "r");
    cr_assert_not_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    cr_assert(strstr(got, "is not in"), "the first packet past the range is reported: %s", got);
    cr_assert(strstr(got, "1 packet missing"), "the count at the end: %s", got);
}

/* ---- TCP: real segments tshark follows ---- */

#define TCP_BYTES 3000   /* both directions in hex fit sh_output's 16 KiB */

static const char *tpath(const char *file)
{
    static char buf[4][512];
    static int n;
    char *s = buf[n++ % 4];
    snprintf(s, sizeof buf[0], "%s/tcp/%s", tmp, file);
    return s;
}

static char tcp_sent[TCP_BYTES], tcp_back[TCP_BYTES + 1];   /* + 1: the last read waits for the FIN */
static int tcp_back_len;

static void tcp_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:7", 4);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char buf[1000];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0)
        for (int off = 0; off < n;)
            off += fg_tcp_send(s, buf + off, (size_t)(n - off), FG_FOREVER);
    fg_tcp_close(s);
}

static void tcp_client(void *arg)
{
    (void)arg;
    for (int i = 0; i < TCP_BYTES; i++)
        tcp_sent[i] = (char)('a' + i % 26);
    int s = fg_tcp_connect("server:7", FG_FOREVER);
    fg_assert(s >= 0);
    for (int off = 0; off < TCP_BYTES;) {
        int k = fg_tcp_send(s, tcp_sent + off, (size_t)(TCP_BYTES - off > 700 ? 700 : TCP_BYTES - off), FG_FOREVER);
        fg_assert(k > 0);
        off += k;
    }
    fg_tcp_shutdown(s, FG_SHUT_WR);
    int n;
    tcp_back_len = 0;
    while ((n = fg_tcp_recv(s, tcp_back + tcp_back_len, sizeof tcp_back - (size_t)tcp_back_len, FG_FOREVER)) > 0)
        tcp_back_len += n;
    fg_assert(n == 0);
    fg_tcp_close(s);
}

static bool tcp_lossy;

static void tcp_echo_root(void *arg)
{
    (void)arg;
    if (tcp_lossy) {
        fg_link l;
        fg_net_get_link(NULL, NULL, &l);
        l.loss = 0.15;
        fg_net_set_link(NULL, NULL, &l);
    }
    fg_spawn(tcp_server, NULL, .group = "server");
    fg_spawn(tcp_client, NULL, .group = "client", .primary = true);
}

/* The bytes tshark's follow,tcp,raw prints, one direction each: lines
 * without a leading tab are node 0's (the client), the others node 1's. */
static void follow(const char *file, char *out0, size_t *n0, char *out1, size_t *n1, size_t cap)
{
    char *txt = sh_output("tshark -r '%s' -q -z follow,tcp,raw,0 2>/dev/null", tpath(file));
    bool body = false;
    *n0 = *n1 = 0;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "Node 1:", 7)) {
            body = true;
            continue;
        }
        if (!body || line[0] == '=')
            continue;
        bool node1 = line[0] == '\t';
        char *out = node1 ? out1 : out0;
        size_t *n = node1 ? n1 : n0;
        for (char *h = line + node1; h[0] && h[1] && *n < cap; h += 2) {
            unsigned v;
            if (sscanf(h, "%2x", &v) != 1)
                break;
            out[(*n)++] = (char)v;
        }
    }
}

static void tcp_capture_check(bool lossy)
{
    if (!have_tshark())
        cr_skip_test("tshark not installed");
    tcp_lossy = lossy;
    setenv("FUGUE_PCAP_DIR", tmp, 1);
    fg_opts o = {.name = "tcp", .return_on_failure = true, .quiet = true};
    fg_result r;
    uint8_t in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)(i * 73 + 5);
    cr_assert_eq(fg_run_bytes(tcp_echo_root, NULL, &o, lossy ? in : NULL, lossy ? sizeof in : 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(tcp_back_len, TCP_BYTES);
    static const char *const files[] = {"client.pcap", "server.pcap"};
    for (int i = 0; i < 2; i++) {
        static char got0[2 * TCP_BYTES], got1[2 * TCP_BYTES];
        size_t n0, n1;
        follow(files[i], got0, &n0, got1, &n1, sizeof got0);
        cr_assert_eq(n0, TCP_BYTES, "%s: client to server: %zu bytes", files[i], n0);
        cr_assert(!memcmp(got0, tcp_sent, TCP_BYTES), "%s: the stream's bytes are what the client sent", files[i]);
        cr_assert_eq(n1, TCP_BYTES, "%s: server to client: %zu bytes", files[i], n1);
        cr_assert(!memcmp(got1, tcp_sent, TCP_BYTES), "%s: the echo", files[i]);
        char *bad = sh_output("tshark -r '%s' -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
                              "-Y '_ws.malformed || _ws.expert.severity >= 0x00800000 || tcp.checksum.status == 2 "
                              "|| ip.checksum.status == 2' 2>/dev/null | wc -l", tpath(files[i]));
        cr_assert_str_eq(bad, "0\n", "%s: malformed or bad packets", files[i]);
        char *flags = sh_output("tshark -r '%s' -T fields -e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.fin "
                                "2>/dev/null", tpath(files[i]));
        int syn = 0, synack = 0, fin = 0;
        for (char *line = strtok(flags, "\n"); line; line = strtok(NULL, "\n")) {
            char a[16], b[16], c[16];   /* "1" or "True" (newer tshark) */
            cr_assert_eq(sscanf(line, "%15s %15s %15s", a, b, c), 3, "%s", line);
            bool f_syn = a[0] == '1' || a[0] == 'T', f_ack = b[0] == '1' || b[0] == 'T', f_fin = c[0] == '1' || c[0] == 'T';
            syn += f_syn && !f_ack;
            synack += f_syn && f_ack;
            fin += f_fin;
        }
        cr_assert(syn >= 1 && synack >= 1 && fin >= 2, "%s: %d SYN, %d SYN-ACK, %d FIN", files[i], syn, synack, fin);
    }
    char *rexmit = sh_output("tshark -r '%s' -Y tcp.analysis.retransmission 2>/dev/null | wc -l", tpath(files[0]));
    if (lossy)
        cr_assert_neq(atoi(rexmit), 0, "the losses show as retransmissions");
    else
        cr_assert_eq(atoi(rexmit), 0, "a perfect link retransmits nothing");
}

Test(net_capture, tcp_stream_follows_clean_on_a_perfect_link)
{
    tcp_capture_check(false);
}

Test(net_capture, tcp_stream_follows_clean_through_losses_and_retransmissions)
{
    tcp_capture_check(true);
}
