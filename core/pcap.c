/* Writes the simulated network's packets (UDP datagrams, TCP segments) as pcap files Wireshark can read. */
/* libpcap's headers use the BSD types u_char and u_int, hidden by -std=c17. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include "pcap.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
/* <pcap/pcap.h>, not <pcap.h>: with -Icore the latter would find this module's own header. */
#include <pcap/pcap.h>

#define IP_HDR 20
#define UDP_HDR 8
#define SNAPLEN 65535

struct fg__pcap {
    pcap_t *dead;          /* only carries link type, snaplen and precision */
    pcap_dumper_t *dump;
    uint8_t *buf;          /* packet being built; grows to the largest seen */
    size_t cap;
    uint16_t ip_id;
};

static int valid_name(const char *s)
{
    return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* "<dir>/<target>/<name><ext>" in malloc'd memory, NULL with errno set. */
static char *path_of(const char *dir, const char *target, const char *name, const char *ext)
{
    int n = snprintf(NULL, 0, "%s/%s/%s%s", dir, target, name, ext);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s)
        snprintf(s, (size_t)n + 1, "%s/%s/%s%s", dir, target, name, ext);
    return s;
}

/* mkdir -p of every directory above the file `path`. */
static int make_parents(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int rc = mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -errno;
        *s = '/';
        if (rc)
            return rc;
    }
    return 0;
}

static void put16(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }

static void put32(uint8_t *b, uint32_t v) { put16(b, v >> 16); put16(b + 2, v); }

/* Adds big-endian 16-bit words to acc, an odd last byte padded with zero.
 * At most 64 KiB of data, so the 32-bit sum cannot overflow. */
static uint32_t sum16(uint32_t acc, const uint8_t *b, size_t n)
{
    for (; n > 1; b += 2, n -= 2)
        acc += (uint32_t)b[0] << 8 | b[1];
    return n ? acc + ((uint32_t)b[0] << 8) : acc;
}

/* One's complement of the one's-complement sum (RFC 1071). */
static uint16_t checksum(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

struct fg__pcap *fg__pcap_open(const char *dir, const char *target, const char *group)
{
    if (!dir || !*dir || !valid_name(target) || !valid_name(group)) {
        errno = EINVAL;
        return NULL;
    }
    struct fg__pcap *p = calloc(1, sizeof *p);
    char *path = path_of(dir, target, group, ".pcap");
    FILE *f = NULL;
    int err = ENOMEM;
    if (!p || !path)
        goto fail;
    if ((err = -make_parents(path)))
        goto fail;
    if (!(f = fopen(path, "wb"))) {
        err = errno;
        goto fail;
    }
    err = ENOMEM;
    p->dead = pcap_open_dead_with_tstamp_precision(DLT_IPV4, SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    if (!p->dead)
        goto fail;
    /* On failure pcap_dump_fopen has closed f (it could only fail writing the header). */
    p->dump = pcap_dump_fopen(p->dead, f);
    f = NULL;
    err = EIO;
    if (!p->dump)
        goto fail;
    free(path);
    return p;
fail:
    if (f)
        fclose(f);
    if (p && p->dead)
        pcap_close(p->dead);
    free(path);
    free(p);
    errno = err;
    return NULL;
}

/* Room for a packet of `total` bytes in p->buf. */
static int room(struct fg__pcap *p, size_t total)
{
    if (total > p->cap) {
        uint8_t *b = realloc(p->buf, total);
        if (!b)
            return -ENOMEM;
        p->buf = b;
        p->cap = total;
    }
    return 0;
}

static void ip_header(struct fg__pcap *p, size_t total, unsigned ecn, unsigned proto, uint32_t src_ip, uint32_t dst_ip)
{
    uint8_t *ip = p->buf;
    ip[0] = 0x45;                    /* version 4, 5-word header */
    ip[1] = (uint8_t)ecn;            /* DSCP 0 */
    put16(ip + 2, (uint32_t)total);
    put16(ip + 4, p->ip_id++);
    put16(ip + 6, 0x4000);           /* DF, offset 0 */
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    put16(ip + 10, 0);
    put32(ip + 12, src_ip);
    put32(ip + 16, dst_ip);
    put16(ip + 10, checksum(sum16(0, ip, IP_HDR)));
}

/* Pseudo-header sum: addresses, protocol, the transport length (RFC 768, 793). */
static uint32_t pseudo(uint32_t src_ip, uint32_t dst_ip, unsigned proto, size_t len)
{
    return (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff) + proto + (uint32_t)len;
}

static int dump(struct fg__pcap *p, int64_t t, size_t total)
{
    struct pcap_pkthdr h = {.caplen = (bpf_u_int32)total, .len = (bpf_u_int32)total};
    h.ts.tv_sec = (time_t)(t / 1000000000);
    h.ts.tv_usec = (suseconds_t)(t % 1000000000); /* nanoseconds: the file is nano precision */
    pcap_dump((u_char *)p->dump, &h, p->buf);
    return ferror(pcap_dump_file(p->dump)) ? -EIO : 0;
}

int fg__pcap_udp(struct fg__pcap *p, int64_t t, uint32_t src_ip, uint16_t sport,
                 uint32_t dst_ip, uint16_t dport, unsigned ecn,
                 const void *payload, size_t len)
{
    if (len > FG__PCAP_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (t < 0 || ecn > 3 || (len && !payload))
        return -EINVAL;
    /* The file stores seconds as a signed 32-bit field. */
    if (t / 1000000000 > INT32_MAX)
        return -ERANGE;
    size_t total = IP_HDR + UDP_HDR + len;
    if (room(p, total) < 0)
        return -ENOMEM;
    ip_header(p, total, ecn, 17, src_ip, dst_ip);
    uint8_t *udp = p->buf + IP_HDR;
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint32_t)(UDP_HDR + len));
    put16(udp + 6, 0);
    if (len)
        memcpy(udp + UDP_HDR, payload, len);
    uint16_t c = checksum(sum16(pseudo(src_ip, dst_ip, 17, UDP_HDR + len), udp, UDP_HDR + len));
    /* 0 on the wire means "no checksum", so a computed 0 is sent as its twin 0xffff. */
    put16(udp + 6, c ? c : 0xffff);
    return dump(p, t, total);
}

#define TCP_WSCALE 2

int fg__pcap_tcp(struct fg__pcap *p, int64_t t, uint32_t src_ip, uint16_t sport,
                 uint32_t dst_ip, uint16_t dport, const struct fg__tcp_hdr *th,
                 const void *payload, size_t len)
{
    bool syn = th->flags & 0x02;
    size_t hdr = syn ? 28 : 20;      /* a SYN carries MSS and window-scale options */
    if (len > 65535 - IP_HDR - hdr)
        return -EMSGSIZE;
    if (t < 0 || (len && !payload))
        return -EINVAL;
    if (t / 1000000000 > INT32_MAX)
        return -ERANGE;
    size_t total = IP_HDR + hdr + len;
    if (room(p, total) < 0)
        return -ENOMEM;
    ip_header(p, total, 0, 6, src_ip, dst_ip);
    uint8_t *tcp = p->buf + IP_HDR;
    put16(tcp, sport);
    put16(tcp + 2, dport);
    put32(tcp + 4, th->seq);
    put32(tcp + 8, th->ack);
    tcp[12] = (uint8_t)(hdr / 4 << 4);
    tcp[13] = th->flags;
    uint32_t w = syn ? th->win : th->win >> TCP_WSCALE;   /* a SYN's window is never scaled */
    put16(tcp + 14, w > 65535 ? 65535 : w);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (syn) {
        uint8_t *o = tcp + 20;
        o[0] = 2;                    /* MSS */
        o[1] = 4;
        put16(o + 2, 1460);
        o[4] = 1;                    /* NOP */
        o[5] = 3;                    /* window scale */
        o[6] = 3;
        o[7] = TCP_WSCALE;
    }
    if (len)
        memcpy(tcp + hdr, payload, len);
    put16(tcp + 16, checksum(sum16(pseudo(src_ip, dst_ip, 6, hdr + len), tcp, hdr + len)));
    return dump(p, t, total);
}

int fg__pcap_close(struct fg__pcap *p)
{
    if (!p)
        return 0;
    int rc = pcap_dump_flush(p->dump) || ferror(pcap_dump_file(p->dump)) ? -EIO : 0;
    pcap_dump_close(p->dump);
    pcap_close(p->dead);
    free(p->buf);
    free(p);
    return rc;
}

static int valid_host(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == '#')
            return 0;
    return 1;
}

int fg__pcap_hosts(const char *dir, const char *target, const uint32_t *ips,
                   const char *const *names, size_t n)
{
    if (!dir || !*dir || !valid_name(target) || (n && (!ips || !names)))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!valid_host(names[i]))
            return -EINVAL;
    char *path = path_of(dir, target, "hosts", "");
    if (!path)
        return -ENOMEM;
    int rc = make_parents(path);
    FILE *f = rc ? NULL : fopen(path, "w");
    if (!rc && !f)
        rc = -errno;
    free(path);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%u.%u.%u.%u %s\n", (unsigned)(ips[i] >> 24), (unsigned)(ips[i] >> 16 & 0xff),
                (unsigned)(ips[i] >> 8 & 0xff), (unsigned)(ips[i] & 0xff), names[i]);
    rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && !rc)
        rc = -EIO;
    return rc;
}
