/* Captures must be exact when read back by libpcap and clean in tshark's eyes. */
/* u_char for libpcap's headers; nftw, mkdtemp and popen are POSIX/XSI. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include "pcap.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLIENT0 0x0a000001u
#define SERVER 0x0a000002u
#define CLIENT1 0x0a000003u

struct pkt {
    int64_t t;
    uint32_t src;
    uint16_t sport;
    uint32_t dst;
    uint16_t dport;
    unsigned ecn;
    size_t len;
};

/* Empty, odd, MTU-ish and maximal payloads, every ECN value, a timestamp
 * with non-zero seconds and nanoseconds. Packet ZERO_SUM gets a payload
 * that makes its UDP checksum compute to 0. */
static const struct pkt pkts[] = {
    {0, CLIENT0, 40000, SERVER, 7, 0, 0},
    {1, SERVER, 7, CLIENT0, 40000, 1, 1},
    {999999999, CLIENT1, 40001, SERVER, 7, 2, 3},
    {1000000000, SERVER, 7, CLIENT1, 40001, 3, 1200},
    {1500000001, CLIENT0, 40000, SERVER, 7, 0, 1473},
    {2000000000, SERVER, 7, CLIENT0, 40000, 2, 2},
    {3123456789, CLIENT1, 65535, SERVER, 1, 1, FG__PCAP_MAX_PAYLOAD},
};
#define NPKTS (sizeof pkts / sizeof pkts[0])
#define ZERO_SUM 5

static uint8_t payload[FG__PCAP_MAX_PAYLOAD];


static void setup(void)
{
    tmp_make("pcap");
}

TestSuite(pcap, .init = setup, .fini = tmp_remove);

/* Independent of core/pcap.c on purpose: RFC 1071 over a byte range. */
static uint32_t add16(uint32_t acc, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)b[i] << 8 | b[i + 1];
    if (n & 1)
        acc += (uint32_t)b[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, size_t ulen)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + (uint32_t)ulen;
}

static void fill_payload(size_t i, const struct pkt *k)
{
    for (size_t j = 0; j < k->len; j++)
        payload[j] = (uint8_t)(i * 31 + j * 7 + 1);
    if (i == ZERO_SUM) {
        /* Choose the one word so that the full one's-complement sum is 0xffff. */
        uint8_t hdr[8] = {(uint8_t)(k->sport >> 8), (uint8_t)k->sport, (uint8_t)(k->dport >> 8), (uint8_t)k->dport, 0, 10};
        uint16_t s = fold(add16(pseudo(k->src, k->dst, 10), hdr, 8));
        payload[0] = (uint8_t)(~s >> 8);
        payload[1] = (uint8_t)~s;
    }
}

static char *path(const char *target, const char *file)
{
    static char buf[4][512];
    static int n;
    char *s = buf[n++ % 4];
    snprintf(s, sizeof buf[0], "%s/%s/%s", tmp, target, file);
    return s;
}

static void write_capture(const char *dir, const char *target, const char *group)
{
    struct fg__pcap *p = fg__pcap_open(dir, target, group);
    cr_assert_not_null(p, "open: %s", strerror(errno));
    for (size_t i = 0; i < NPKTS; i++) {
        const struct pkt *k = &pkts[i];
        fill_payload(i, k);
        cr_assert_eq(fg__pcap_udp(p, k->t, k->src, k->sport, k->dst, k->dport, k->ecn,
                                  payload, k->len), 0, "packet %zu", i);
    }
    cr_assert_eq(fg__pcap_close(p), 0);
}

static unsigned be16(const uint8_t *b) { return (unsigned)b[0] << 8 | b[1]; }

static uint32_t be32(const uint8_t *b) { return (uint32_t)be16(b) << 16 | be16(b + 2); }

static pcap_t *open_offline(const char *file)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *r = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
    cr_assert_not_null(r, "%s", err);
    return r;
}

Test(pcap, libpcap_reads_back_exact_packets)
{
    write_capture(tmp, "t", "server");
    pcap_t *r = open_offline(path("t", "server.pcap"));
    cr_assert_eq(pcap_datalink(r), DLT_IPV4);
    cr_assert_eq(pcap_snapshot(r), 65535);
    cr_assert_eq(pcap_get_tstamp_precision(r), PCAP_TSTAMP_PRECISION_NANO);

    struct pcap_pkthdr *h;
    const u_char *b;
    size_t i = 0;
    int rc;
    while ((rc = pcap_next_ex(r, &h, &b)) == 1) {
        cr_assert_lt(i, NPKTS, "more packets than written");
        const struct pkt *k = &pkts[i];
        size_t total = 28 + k->len;
        cr_assert_eq((int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec, k->t, "packet %zu time", i);
        cr_assert_eq(h->caplen, total, "packet %zu caplen", i);
        cr_assert_eq(h->len, total, "packet %zu len", i);

        cr_assert_eq(b[0], 0x45, "version/IHL");
        cr_assert_eq(b[1], k->ecn, "packet %zu DSCP 0, ECN %u", i, k->ecn);
        cr_assert_eq(be16(b + 2), total, "total length");
        cr_assert_eq(be16(b + 4), i, "ip id counts packets of this capture");
        cr_assert_eq(be16(b + 6), 0x4000, "DF, no fragment offset");
        cr_assert_eq(b[8], 64, "TTL");
        cr_assert_eq(b[9], 17, "protocol UDP");
        cr_assert_eq(be32(b + 12), k->src);
        cr_assert_eq(be32(b + 16), k->dst);
        cr_assert_eq(fold(add16(0, b, 20)), 0xffff, "packet %zu IP checksum", i);

        const u_char *u = b + 20;
        cr_assert_eq(be16(u), k->sport);
        cr_assert_eq(be16(u + 2), k->dport);
        cr_assert_eq(be16(u + 4), 8 + k->len, "UDP length");
        cr_assert_neq(be16(u + 6), 0, "UDP checksum present");
        cr_assert_eq(fold(add16(pseudo(k->src, k->dst, 8 + k->len), u, 8 + k->len)), 0xffff,
                     "packet %zu UDP checksum", i);
        if (i == ZERO_SUM)
            cr_assert_eq(be16(u + 6), 0xffff, "computed 0 is sent as 0xffff");

        fill_payload(i, k);
        cr_assert_eq(memcmp(u + 8, payload, k->len), 0, "packet %zu payload", i);
        i++;
    }
    cr_assert_eq(rc, PCAP_ERROR_BREAK, "clean end of file: %s", pcap_geterr(r));
    cr_assert_eq(i, NPKTS);
    pcap_close(r);
}


static const char *dotted(uint32_t ip)
{
    static char buf[4][16];
    static int n;
    char *s = buf[n++ % 4];
    snprintf(s, sizeof buf[0], "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff, ip & 0xff);
    return s;
}

Test(pcap, tshark_finds_good_checksums_and_nothing_malformed)
{
    if (!have_tshark())
        cr_skip_test("tshark not installed");
    write_capture(tmp, "t", "server");
    char *out = sh_output("tshark -r '%s' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields "
                    "-e frame.time_epoch -e ip.src -e ip.dst -e udp.srcport -e udp.dstport "
                    "-e ip.dsfield.ecn -e ip.ttl -e udp.length -e ip.checksum.status "
                    "-e udp.checksum.status -e _ws.malformed -e _ws.expert 2>/dev/null",
                    path("t", "server.pcap"));
    char *line = out;
    for (size_t i = 0; i < NPKTS; i++) {
        const struct pkt *k = &pkts[i];
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "only %zu lines:\n%s", i, out);
        *nl = '\0';
        char want[256];
        /* Status 1 is Good; the last two fields stay empty unless tshark complains. */
        snprintf(want, sizeof want, "%lld.%09lld\t%s\t%s\t%u\t%u\t%u\t64\t%zu\t1\t1\t\t",
                 (long long)(k->t / 1000000000), (long long)(k->t % 1000000000), dotted(k->src),
                 dotted(k->dst), k->sport, k->dport, k->ecn, 8 + k->len);
        cr_assert_str_eq(line, want, "packet %zu", i);
        line = nl + 1;
    }
    cr_assert_str_empty(line, "extra output");
}

static const uint32_t host_ips[] = {CLIENT0, SERVER, CLIENT1};
static const char *const host_names[] = {"client_0", "server", "client_1"};

Test(pcap, hosts_file_has_etc_hosts_format)
{
    cr_assert_eq(fg__pcap_hosts(tmp, "t", host_ips, host_names, 3), 0);
    FILE *f = fopen(path("t", "hosts"), "r");
    cr_assert_not_null(f);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_assert_str_eq(buf, "10.0.0.1 client_0\n10.0.0.2 server\n10.0.0.3 client_1\n");

    const char *const bad[] = {"client 0"};
    cr_assert_eq(fg__pcap_hosts(tmp, "t", host_ips, bad, 1), -EINVAL);
    const char *const empty[] = {""};
    cr_assert_eq(fg__pcap_hosts(tmp, "t", host_ips, empty, 1), -EINVAL);
}

Test(pcap, tshark_shows_host_names)
{
    if (!have_tshark())
        cr_skip_test("tshark not installed");
    write_capture(tmp, "t", "server");
    cr_assert_eq(fg__pcap_hosts(tmp, "t", host_ips, host_names, 3), 0);
    char want[1024] = "";
    for (size_t i = 0; i < NPKTS; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s\t%s\n",
                 host_names[pkts[i].src - CLIENT0], host_names[pkts[i].dst - CLIENT0]);
    char *out = sh_output("tshark -r '%s' -N n -H '%s' -T fields -e ip.src_host -e ip.dst_host 2>/dev/null",
                    path("t", "server.pcap"), path("t", "hosts"));
    cr_assert_str_eq(out, want);

    /* Without the hosts file the same field is a bare address: the names came from it. */
    out = sh_output("tshark -r '%s' -n -T fields -e ip.src_host 2>/dev/null", path("t", "server.pcap"));
    cr_assert_eq(strncmp(out, "10.0.0.1\n", 9), 0, "%s", out);
}

Test(pcap, rejects_bad_packets_and_keeps_the_file_valid)
{
    struct fg__pcap *p = fg__pcap_open(tmp, "t", "h");
    cr_assert_not_null(p);
    cr_assert_eq(fg__pcap_udp(p, 0, CLIENT0, 1, SERVER, 2, 0, payload, FG__PCAP_MAX_PAYLOAD + 1), -EMSGSIZE);
    cr_assert_eq(fg__pcap_udp(p, 0, CLIENT0, 1, SERVER, 2, 4, payload, 1), -EINVAL, "ECN is 2 bits");
    cr_assert_eq(fg__pcap_udp(p, -1, CLIENT0, 1, SERVER, 2, 0, payload, 1), -EINVAL);
    cr_assert_eq(fg__pcap_udp(p, 0, CLIENT0, 1, SERVER, 2, 0, NULL, 1), -EINVAL);
    cr_assert_eq(fg__pcap_udp(p, INT64_MAX, CLIENT0, 1, SERVER, 2, 0, payload, 1), -ERANGE);
    cr_assert_eq(fg__pcap_udp(p, 5, CLIENT0, 1, SERVER, 2, 0, NULL, 0), 0);
    cr_assert_eq(fg__pcap_close(p), 0);
    cr_assert_eq(fg__pcap_close(NULL), 0);

    pcap_t *r = open_offline(path("t", "h.pcap"));
    struct pcap_pkthdr *h;
    const u_char *b;
    cr_assert_eq(pcap_next_ex(r, &h, &b), 1);
    cr_assert_eq(h->ts.tv_usec, 5);
    cr_assert_eq(be16(b + 4), 0, "rejected packets use no ip id");
    cr_assert_eq(pcap_next_ex(r, &h, &b), PCAP_ERROR_BREAK, "rejected packets are not written");
    pcap_close(r);
}

Test(pcap, open_validates_names_and_reports_errno)
{
    const char *bad[] = {"", ".", "..", "a/b", NULL};
    for (size_t i = 0; i < 5; i++) {
        errno = 0;
        cr_assert_null(fg__pcap_open(tmp, "t", bad[i]), "group %zu", i);
        cr_assert_eq(errno, EINVAL);
        errno = 0;
        cr_assert_null(fg__pcap_open(tmp, bad[i], "g"), "target %zu", i);
        cr_assert_eq(errno, EINVAL);
    }
    /* A regular file where the target directory should be: the OS error comes through. */
    char file[512];
    snprintf(file, sizeof file, "%s/file", tmp);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    errno = 0;
    cr_assert_null(fg__pcap_open(tmp, "file", "g"));
    cr_assert_eq(errno, ENOTDIR, "%s", strerror(errno));
    cr_assert_eq(fg__pcap_hosts(tmp, "file", host_ips, host_names, 3), -ENOTDIR);
}

Test(pcap, creates_nested_dirs_and_truncates_old_captures)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a/b", tmp);
    write_capture(dir, "t", "g");
    struct fg__pcap *p = fg__pcap_open(dir, "t", "g");
    cr_assert_not_null(p);
    cr_assert_eq(fg__pcap_udp(p, 7, CLIENT0, 1, SERVER, 2, 0, "x", 1), 0);
    cr_assert_eq(fg__pcap_close(p), 0);

    char file[600];
    snprintf(file, sizeof file, "%s/t/g.pcap", dir);
    pcap_t *r = open_offline(file);
    struct pcap_pkthdr *h;
    const u_char *b;
    cr_assert_eq(pcap_next_ex(r, &h, &b), 1);
    cr_assert_eq(h->ts.tv_usec, 7);
    cr_assert_eq(pcap_next_ex(r, &h, &b), PCAP_ERROR_BREAK, "old packets are gone");
    pcap_close(r);
}

static char *slurp(const char *file, size_t *n)
{
    FILE *f = fopen(file, "rb");
    cr_assert_not_null(f, "%s", file);
    char *s = malloc(1 << 20);
    *n = fread(s, 1, 1 << 20, f);
    fclose(f);
    return s;
}

Test(pcap, same_packets_give_identical_bytes)
{
    /* Interleaved on purpose: the ip id counter must be per capture, not global. */
    struct fg__pcap *a = fg__pcap_open(tmp, "t", "a"), *b = fg__pcap_open(tmp, "t", "b");
    cr_assert(a && b);
    for (size_t i = 0; i < NPKTS; i++) {
        const struct pkt *k = &pkts[i];
        fill_payload(i, k);
        cr_assert_eq(fg__pcap_udp(a, k->t, k->src, k->sport, k->dst, k->dport, k->ecn, payload, k->len), 0);
        cr_assert_eq(fg__pcap_udp(b, k->t, k->src, k->sport, k->dst, k->dport, k->ecn, payload, k->len), 0);
    }
    cr_assert_eq(fg__pcap_close(a), 0);
    cr_assert_eq(fg__pcap_close(b), 0);
    size_t na, nb;
    char *sa = slurp(path("t", "a.pcap"), &na), *sb = slurp(path("t", "b.pcap"), &nb);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(sa, sb, na), 0);
    free(sa);
    free(sb);
}
