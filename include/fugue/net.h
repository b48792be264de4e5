/* fugue/net.h: a simulated UDP network between groups (hosts).
 * Each group is a host whose name resolves to 10.0.0.x in first-use order;
 * datagrams cross links with latency, jitter, loss, duplication, reordering
 * and corruption, every random decision read from the choice stream, so a
 * fuzzer decides which packet is lost and replay reproduces it.
 * FUGUE_PCAP_DIR=dir captures every host's traffic to dir/<target>/<group>.pcap.
 * See docs/net.md. Included by fugue.h. */
#ifndef FUGUE_NET_H
#define FUGUE_NET_H

#include "../fugue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- addresses ------------------------------------------------------------ */

/* An IPv4 address (host order: 10.0.0.1 = 0x0a000001) and a port. */
typedef struct fg_addr {
    uint32_t ip;
    uint16_t port;
} fg_addr;

/* "host:port" to an address. host is a group name, "localhost" (the caller's
 * group), "0.0.0.0" (the caller's group, for bind) or a dotted quad of a host.
 * 0, -EINVAL (syntax) or -EHOSTUNREACH (no such host). */
FG_API int fg_net_resolve(const char *hostport, fg_addr *out);
/* The group a host address belongs to, or NULL. */
FG_API const char *fg_net_host(uint32_t ip);
/* "server:8080" (sim-lifetime memory). */
FG_API char *fg_addr_fmt(fg_addr a);

/* ---- the link model --------------------------------------------------------- */

/* How packets cross from one group to another. Probabilities are per packet,
 * in [0, 1], kept with a resolution of one in a million. */
typedef struct fg_link {
    fg_time latency;    /* one way; default 50 ms */
    fg_time jitter;     /* extra delay drawn in [0, jitter]; default 0 */
    double loss;        /* packet lost */
    double duplicate;   /* one more copy delivered */
    double reorder;     /* held back by an extra delay in [1, latency], so later packets overtake it */
    double corrupt;     /* one payload bit flipped */
    double ce;          /* ECN-capable packet marked Congestion Experienced */
    uint32_t mtu;       /* largest IP packet; default 1500 (payload 1472) */
} fg_link;

/* The link from a to b (NULL, NULL: the default for every pair without its own). */
FG_API int fg_net_get_link(const char *a, const char *b, fg_link *out);
/* Sets the link between a and b, both ways (NULL, NULL: the default). Packets
 * inside one group use a perfect link with no latency unless set for (g, g). */
FG_API int fg_net_set_link(const char *a, const char *b, const fg_link *l);
/* Cuts the link between a and b both ways; b NULL cuts a off from everyone.
 * Packets sent over a cut link, or arriving while it is cut, are dropped. */
FG_API int fg_net_partition(const char *a, const char *b);
/* Heals what fg_net_partition cut: a and b; a and everyone (b NULL); all (both NULL). */
FG_API int fg_net_heal(const char *a, const char *b);

/* ---- monitors and fault injection ---------------------------------------------- */

typedef enum fg_net_dir { FG_NET_SEND, FG_NET_RECV } fg_net_dir;

/* A datagram as a monitor sees it. */
typedef struct fg_packet {
    fg_addr src, dst;
    const char *src_host, *dst_host;
    const uint8_t *data;
    size_t len;
    uint8_t ecn;          /* 0..3 (3: CE) */
    bool duplicate;       /* a copy made by the network or a monitor */
    fg_net_dir dir;       /* seen leaving the sender, or arriving at the receiver */
    uint64_t id;          /* the datagram's number in this sim (copies share it) */
    fg_time sent;
    uint8_t proto;        /* 17 (UDP) or 6 (TCP: a segment, with the fields below) */
    uint8_t tcp_flags;    /* FG_TCP_FIN, _SYN, _RST, _PSH, _ACK */
    uint32_t seq, ack;    /* absolute sequence and acknowledgment numbers */
} fg_packet;

#define FG_TCP_FIN 0x01
#define FG_TCP_SYN 0x02
#define FG_TCP_RST 0x04
#define FG_TCP_PSH 0x08
#define FG_TCP_ACK 0x10

#define FG_NET_MAX_COPIES 64

typedef enum fg_net_action { FG_NET_PASS, FG_NET_DROP, FG_NET_DELAY, FG_NET_DUPLICATE } fg_net_action;

typedef struct fg_net_verdict {
    fg_net_action action;
    fg_time delay;        /* FG_NET_DELAY: extra delay */
    unsigned copies;      /* FG_NET_DUPLICATE: extra copies (at most FG_NET_MAX_COPIES) */
} fg_net_verdict;

/* Callbacks a test installs for the sim; any may be NULL. The call hooks
 * return 0 to let the call proceed or a negative errno it then returns. No
 * hook may block: every blocking call inside any of them (fg_sleep, fg_yield,
 * fg_join, a receive, a lock...) returns -EPERM at once. Non-blocking calls
 * are allowed; a hook that closes the socket being used makes that call
 * return -EBADF (datagrams already judged leave with the closed socket's address). */
typedef struct fg_net_hooks {
    fg_net_verdict (*packet)(const fg_packet *p, void *ud);
    int (*open)(const char *host, fg_addr local, void *ud);    /* fg_udp_bind */
    int (*write)(int sock, const fg_packet *p, void *ud);      /* fg_udp_send* */
    int (*read)(int sock, void *ud);                           /* fg_udp_recv* */
    void *ud;
} fg_net_hooks;

/* Adds monitors for the rest of the sim (up to 8), consulted in order: the
 * first verdict that is not PASS, the first call hook that fails, wins. */
FG_API int fg_net_monitor(const fg_net_hooks *h);

/* ---- counters ---------------------------------------------------------------- */

typedef enum fg_net_drop {
    FG_NET_DROP_LOSS,        /* the link's loss rate */
    FG_NET_DROP_PARTITION,   /* a cut link */
    FG_NET_DROP_MONITOR,     /* a monitor's verdict */
    FG_NET_DROP_SNDBUF,      /* the sender's buffer was full */
    FG_NET_DROP_RCVBUF,      /* the receiver's buffer was full */
    FG_NET_DROP_UNREACHABLE, /* no socket on that port (or a connected socket's filter) */
    FG_NET_DROP_CLOSED,      /* queued in a socket when it was closed */
    FG_NET_DROP_REASONS
} fg_net_drop;

typedef struct fg_net_stats {
    uint64_t sent;         /* datagrams handed to the network (after segmentation) */
    uint64_t delivered;    /* datagrams queued in a receiving socket */
    uint64_t received;     /* datagrams read by the application */
    uint64_t duplicated, corrupted, reordered, delayed, ce_marked;
    uint64_t dropped;      /* the sum of dropped_by */
    uint64_t dropped_by[FG_NET_DROP_REASONS];
} fg_net_stats;

/* The network's counters in this sim; outside a sim, those of the last one. */
FG_API void fg_net_stats_get(fg_net_stats *out);
FG_API const char *fg_net_drop_name(fg_net_drop reason);

/* ---- UDP sockets ---------------------------------------------------------------- */

/* Bound socket (>= 0) for "host:port" (port 0: ephemeral, from 49152), or
 * -EINVAL, -EHOSTUNREACH, -EADDRNOTAVAIL (another host's address),
 * -EADDRINUSE, or what an open hook returns. */
FG_API int fg_udp_bind(const char *addr);
FG_API int fg_udp_bind_addr(fg_addr a);
/* Sets the default destination; only datagrams from it are received from now on. */
FG_API int fg_udp_connect(int s, const char *addr);
FG_API int fg_udp_connect_addr(int s, fg_addr a);
/* Closes: blocked receivers get -EBADF, queued datagrams are dropped (counted). */
FG_API int fg_udp_close(int s);
FG_API int fg_udp_local(int s, fg_addr *out);
/* Buffer limits in payload bytes (0 keeps one); defaults 212992 each. The send
 * buffer holds what this socket has in flight; overflows are dropped and counted. */
FG_API int fg_udp_set_buffers(int s, size_t rcvbuf, size_t sndbuf);
/* Generic receive offload: a receive may coalesce consecutive same-size datagrams. */
FG_API int fg_udp_set_gro(int s, bool on);
/* This socket's counters (sent, delivered, received, dropped_by SNDBUF/RCVBUF/CLOSED). */
FG_API int fg_udp_stats(int s, fg_net_stats *out);

/* Sends one datagram; returns len or -EBADF, -EMSGSIZE, -EHOSTUNREACH,
 * -EDESTADDRREQ, -EINVAL, or what a write hook returns. Never blocks.
 * dst is an fg_addr or a "host:port" string. */
#define fg_udp_send_to(s, dst, data, len) \
    _Generic((dst), fg_addr: fg_udp_send_addr, default: fg_udp_send_str)((s), (dst), (data), (len))
FG_API int fg_udp_send_addr(int s, fg_addr dst, const void *data, size_t len);
FG_API int fg_udp_send_str(int s, const char *dst, const void *data, size_t len);
/* To the connected peer. */
FG_API int fg_udp_send(int s, const void *data, size_t len);

/* Sends with an ECN codepoint (0..3) and, when segment_size > 0, as a train of
 * datagrams of segment_size bytes (the last may be shorter): GSO, at most 64. */
FG_API int fg_udp_send_msg(int s, fg_addr dst, const void *data, size_t len, unsigned ecn, size_t segment_size);

typedef struct fg_udp_info {
    fg_addr from;
    uint8_t ecn;
    uint16_t segment_size;   /* GRO: the size of each coalesced datagram, 0 for one */
    uint16_t segments;
    bool truncated;          /* the datagram was longer than the buffer */
} fg_udp_info;

/* Receives one datagram (or, with GRO, a train) by `deadline`: the bytes copied,
 * or -ETIMEDOUT, -ECANCELED, -EBADF, or what a read hook returns. */
#define fg_udp_recv_from(s, buf, cap, from, deadline) \
    (fg__here(__FILE__, __LINE__), fg_udp_recv_from_((s), (buf), (cap), (from), (deadline)))
#define fg_udp_recv(s, buf, cap, deadline) \
    (fg__here(__FILE__, __LINE__), fg_udp_recv_from_((s), (buf), (cap), NULL, (deadline)))
#define fg_udp_recv_msg(s, buf, cap, info, deadline) \
    (fg__here(__FILE__, __LINE__), fg_udp_recv_msg_((s), (buf), (cap), (info), (deadline)))
FG_API int fg_udp_recv_from_(int s, void *buf, size_t cap, fg_addr *from, fg_time deadline);
FG_API int fg_udp_recv_msg_(int s, void *buf, size_t cap, fg_udp_info *info, fg_time deadline);

/* ---- TCP streams ------------------------------------------------------------------ */

/* A reliable ordered byte stream over the link model: latency and jitter apply,
 * a lost segment costs a retransmission timeout (with backoff), never bytes; a
 * partition stalls the stream until it heals or the retries give up
 * (-ETIMEDOUT, and a reset). How the bytes of writes are cut into reads is a
 * choice (value 0: each read returns one write, as sent). TCP sockets have
 * their own numbers (>= 0, lowest free first) and their own ports. See docs/net.md. */

#define FG_SHUT_RD 0
#define FG_SHUT_WR 1
#define FG_SHUT_RDWR 2

/* Listening socket on "host:port" (port 0: ephemeral); backlog: connections
 * waiting for accept, beyond which SYNs are ignored (the client retries).
 * -EINVAL, -EHOSTUNREACH, -EADDRNOTAVAIL, -EADDRINUSE. */
FG_API int fg_tcp_listen(const char *addr, int backlog);
/* A connected socket from the listener's queue; *peer (may be NULL) its address.
 * -ETIMEDOUT, -ECANCELED, -EBADF, -EINVAL (not a listener). */
#define fg_tcp_accept(l, peer, deadline) (fg__here(__FILE__, __LINE__), fg_tcp_accept_((l), (peer), (deadline)))
FG_API int fg_tcp_accept_(int l, fg_addr *peer, fg_time deadline);
/* Connects from an ephemeral port of the caller's host: the socket, or
 * -ECONNREFUSED (nothing listening), -ETIMEDOUT (deadline, or the SYN's retries
 * ran out, as across a partition), -EHOSTUNREACH, -EINVAL, -ECANCELED. */
#define fg_tcp_connect(addr, deadline) (fg__here(__FILE__, __LINE__), fg_tcp_connect_((addr), (deadline)))
FG_API int fg_tcp_connect_(const char *addr, fg_time deadline);
/* Copies what fits in the send buffer (blocking while it is full): the count,
 * which may be less than len. -EPIPE (after shutdown, or a reset already
 * reported), -ECONNRESET, -ETIMEDOUT, -ENOTCONN (a listener), -EBADF, -ECANCELED. */
#define fg_tcp_send(s, buf, len, deadline) (fg__here(__FILE__, __LINE__), fg_tcp_send_((s), (buf), (len), (deadline)))
FG_API int fg_tcp_send_(int s, const void *buf, size_t len, fg_time deadline);
/* Bytes read (at least 1, at most len; how many is a choice), 0 at the end of
 * the stream, or -ECONNRESET, -ETIMEDOUT, -ENOTCONN, -EBADF, -ECANCELED. */
#define fg_tcp_recv(s, buf, len, deadline) (fg__here(__FILE__, __LINE__), fg_tcp_recv_((s), (buf), (len), (deadline)))
FG_API int fg_tcp_recv_(int s, void *buf, size_t len, fg_time deadline);
/* FG_SHUT_WR: a FIN after what is buffered (the peer reads 0, and may still send). */
FG_API int fg_tcp_shutdown(int s, int how);
/* Frees the number. Unread data: RST to the peer. Otherwise what is buffered is
 * still delivered, then a FIN. Blocked calls on it return -EBADF. */
FG_API int fg_tcp_close(int s);
FG_API int fg_tcp_local(int s, fg_addr *out);
FG_API int fg_tcp_peer(int s, fg_addr *out);
/* Buffer limits in bytes (0 keeps one); defaults 65536 each. A listener passes its own to the connections it accepts. */
FG_API int fg_tcp_set_buffers(int s, size_t rcvbuf, size_t sndbuf);

/* ---- host faults -------------------------------------------------------------------- */

/* Cancels every task of the group (blocked calls return -ECANCELED), closes its
 * sockets (its TCP peers are reset), ends a pause. -ESRCH: no such group. */
FG_API int fg_host_crash(const char *group);
/* Starts fn(arg) as a fresh task named after the group, in it (same address). */
FG_API int fg_host_restart(const char *group, fg_fn fn, void *arg);
/* Stops the group's tasks where they are while time goes on (a GC pause, a VM
 * stall); its network keeps receiving and acknowledging. */
FG_API int fg_host_pause(const char *group);
FG_API int fg_host_resume(const char *group);

/* A fault schedule read from the choice stream: at each of `points` decision
 * points, `every` apart, one choice among 1 + 3 x nhosts: 0 no fault, else crash,
 * isolate (a partition from everyone) or heal one host. A crashed host restarts
 * with restart(arg) at the next point (NULL: it stays down); at the end every
 * crashed host restarts and every cut heals. Value 0 everywhere: no fault. */
typedef struct fg_chaos_plan {
    const char *const *hosts;
    int nhosts;
    fg_fn restart;
    void *arg;
    fg_time every;        /* default 100 ms */
    int points;           /* default 10 */
} fg_chaos_plan;
/* Spawns the schedule as a task "chaos" (its own group, not primary). */
FG_API int fg_chaos(const fg_chaos_plan *plan);

#ifdef __cplusplus
}
#endif
#endif
