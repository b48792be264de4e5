/* Packet capture of the simulated network (UDP datagrams, TCP segments): one pcap file per host. */
#ifndef FUGUE_CORE_PCAP_H
#define FUGUE_CORE_PCAP_H

#include <stddef.h>
#include <stdint.h>

/* Largest UDP payload one IPv4 packet can carry: 65535 - 20 (IP) - 8 (UDP). */
#define FG__PCAP_MAX_PAYLOAD 65507

/* One capture file = one simulated host (group). */
struct fg__pcap;

/* Opens <dir>/<target>/<group>.pcap, creating missing directories and
 * truncating an old file. Nanosecond timestamps, link type LINKTYPE_IPV4.
 * target and group must be non-empty file names (no '/', not "." or "..").
 * Returns NULL with errno set on failure. */
struct fg__pcap *fg__pcap_open(const char *dir, const char *target, const char *group);

/* Appends one IPv4/UDP packet stamped t ns of sim time (the epoch is 0).
 * IPs are host order (10.0.0.1 = 0x0a000001); ecn is 0..3. The IPv4 header
 * has id = per-capture counter from 0, TTL 64, DF, correct checksum; the UDP
 * checksum is correct (0xffff when it computes to 0). payload may be NULL
 * when len is 0. Returns 0, -EMSGSIZE (len > FG__PCAP_MAX_PAYLOAD),
 * -EINVAL (t < 0 or ecn > 3), -ERANGE (t past 2^32 s), -ENOMEM or -EIO. */
int fg__pcap_udp(struct fg__pcap *p, int64_t t, uint32_t src_ip, uint16_t sport,
                 uint32_t dst_ip, uint16_t dport, unsigned ecn,
                 const void *payload, size_t len);

/* The TCP header fields a segment carries (flags as FG_TCP_*; win in bytes,
 * written with window scale 2, announced in SYNs with an MSS option). */
struct fg__tcp_hdr { uint32_t seq, ack, win; uint8_t flags; };

/* Appends one IPv4/TCP segment, checksums valid; as fg__pcap_udp otherwise.
 * -EMSGSIZE past 65495 bytes of payload. */
int fg__pcap_tcp(struct fg__pcap *p, int64_t t, uint32_t src_ip, uint16_t sport,
                 uint32_t dst_ip, uint16_t dport, const struct fg__tcp_hdr *h,
                 const void *payload, size_t len);

/* Flushes and closes; NULL is a no-op. Returns 0 or -EIO if any write
 * since open failed (the file is closed and p freed either way). */
int fg__pcap_close(struct fg__pcap *p);

/* Writes <dir>/<target>/hosts in /etc/hosts format ("10.0.0.1 server"),
 * so `tshark -r f.pcap -N n -H hosts` shows host names. Names must be
 * non-empty and free of whitespace and '#'. Returns 0 or -errno. */
int fg__pcap_hosts(const char *dir, const char *target, const uint32_t *ips,
                   const char *const *names, size_t n);

#endif
