/* Packet capture where libpcap is missing (the WebAssembly build): opening a
 * capture fails with ENOTSUP, so FUGUE_PCAP_DIR says why and the sim runs on. */
#include "pcap.h"

#include <errno.h>

struct fg__pcap *fg__pcap_open(const char *dir, const char *target, const char *group)
{
    (void)dir, (void)target, (void)group;
    errno = ENOTSUP;
    return NULL;
}

int fg__pcap_udp(struct fg__pcap *p, int64_t t, uint32_t src_ip, uint16_t sport,
                 uint32_t dst_ip, uint16_t dport, unsigned ecn,
                 const void *payload, size_t len)
{
    (void)p, (void)t, (void)src_ip, (void)sport, (void)dst_ip, (void)dport, (void)ecn, (void)payload, (void)len;
    return -ENOTSUP;
}

int fg__pcap_tcp(struct fg__pcap *p, int64_t t, uint32_t src_ip, uint16_t sport,
                 uint32_t dst_ip, uint16_t dport, const struct fg__tcp_hdr *h,
                 const void *payload, size_t len)
{
    (void)p, (void)t, (void)src_ip, (void)sport, (void)dst_ip, (void)dport, (void)h, (void)payload, (void)len;
    return -ENOTSUP;
}

int fg__pcap_close(struct fg__pcap *p)
{
    (void)p;
    return 0;
}

int fg__pcap_hosts(const char *dir, const char *target, const uint32_t *ips,
                   const char *const *names, size_t n)
{
    (void)dir, (void)target, (void)ips, (void)names, (void)n;
    return -ENOTSUP;
}
