/* Internal interfaces of the simulated network (net.c, net_wire.c, net_udp.c). */
#ifndef FUGUE_CORE_NET_H
#define FUGUE_CORE_NET_H

#include "internal.h"
#include "fugue/net.h"

#define NET_PPM 1000000u
#define NET_MAX_MONITORS 8
#define NET_INLINE 1472           /* payload stored inside a packet: a full 1500-byte-MTU datagram needs no malloc */
#define NET_EPHEMERAL 49152
#define NET_DEFAULT_BUF 212992
#define NET_MAX_PAYLOAD 65507
#define NET_MAX_SEGMENTS 64
#define NET_HDR 28                /* IPv4 + UDP headers */
#define NET_UDP 17
#define NET_TCP 6

/* A link as the wire uses it: rates in parts per million. */
struct link {
    fg_time latency, jitter;
    uint32_t loss, dup, reorder, corrupt, ce;
    uint32_t mtu;
};

/* A per-pair setting: a link of its own and/or a cut. */
struct pair {
    int a, b;            /* directed: from group a to group b */
    bool has_link, cut;
    struct link link;
};

struct sock;

/* One datagram in flight (a timer on the wheel) or queued in a socket. */
struct pkt {
    struct timer timer;
    struct pkt *next, *prev;      /* in flight: the in-flight list; queued: the socket's FIFO */
    struct sock *from;            /* sender socket, while it counts in its send buffer */
    fg_addr src, dst;
    int sgroup, dgroup;
    uint64_t id;
    fg_time sent;
    uint32_t len;
    uint8_t ecn;
    bool dup, received_hooks;
    uint8_t proto, tflags;        /* NET_UDP or NET_TCP; TCP: FG_TCP_* flags */
    bool bad;                     /* a bit was flipped on the way: TCP's checksum discards it */
    uint32_t seq, ack, win;       /* TCP: sequence, acknowledgment, window in bytes */
    uint8_t *data;                /* = inl, or malloc'd when longer */
    uint8_t inl[NET_INLINE];
};

struct sock {
    int id, group;
    uint32_t gen;                 /* binds into this slot: a hook may close and rebind it under a call */
    bool open, connected, gro;
    fg_addr local, peer;
    size_t rcvbuf, sndbuf, rcv_bytes, snd_bytes;
    struct pkt *head, *tail;      /* received, not read yet */
    struct waitq readers;
    struct sock *host_next;       /* the host's sockets */
    /* POR: datagrams that reached the socket this instant, queued in an order the input chooses */
    struct pkt *arr_head, *arr_tail;
    struct sock *arr_next;
    bool arr_pending;
    fg_net_stats st;
};

struct tcb;

struct host {
    struct sock *socks;
    struct tcb *tcbs;             /* TCP listeners and connections, newest first */
    uint32_t tcp_next_port;
    bool paused;
    struct waitq parked;          /* its tasks that became ready while paused */
    uint32_t next_port;
    bool isolated;
    bool cap_tried;
    struct fg__pcap *cap;
    uint64_t cap_missed;          /* packets the capture could not hold (said at the first and at the end) */
};

struct net {
    bool on;                      /* initialised for the running sim */
    struct link def;
    struct pair *pairs;
    int npairs, pairs_cap;
    struct host *hosts;
    int nhosts, hosts_cap;
    struct sock **socks;
    int nsocks, socks_cap;
    struct pkt flight;            /* list head of packets in flight */
    struct pkt *judged;           /* off the wire while monitors judge them (via next): a monitor may fail the sim */
    uint64_t next_id;
    fg_net_hooks mon[NET_MAX_MONITORS];
    int nmon;
    fg_net_stats st;
    struct idle_hook arrivals;    /* POR: orders same-instant arrivals once nothing is ready */
    struct sock *arr_head, *arr_tail;
    const char *pcap_dir;         /* FUGUE_PCAP_DIR, read when the sim's network starts */
    /* TCP (net_tcp.c) */
    struct tcb **tcbs;            /* by socket number; NULL: free */
    int ntcbs, tcbs_cap;
    struct tcb *tcp_all;          /* every live tcb, with or without a number */
    struct tcb *tcp_pend;         /* to ACK, or whose waiters to wake, once nothing is ready */
    struct idle_hook tcp_idle;
    uint32_t next_iss;
};

extern struct net fg__net;
#define NET (&fg__net)

/* net.c */
/* The network of the running sim, set up on first use; NULL (after a misuse message) outside a sim. */
struct net *fg__net_get(const char *call);
struct host *fg__net_host(int group);
static inline uint32_t fg__net_ip(int group) { return 0x0a000000u + (uint32_t)group + 1; }
/* The group of a host address, or -1. */
int fg__net_group_of(uint32_t ip);
int fg__net_resolve(const char *hostport, fg_addr *out, bool for_bind);
/* The link from group a to b, and whether it is cut. */
const struct link *fg__net_link(int a, int b, bool *cut);
void fg__net_drop(fg_net_drop reason, struct sock *s);

/* net_wire.c */
struct pkt *fg__pkt_new(size_t len);
void fg__pkt_free(struct pkt *p);
/* Hands a datagram to the network: monitors, impairments, then a delivery timer. */
/* False when a hook closed `s` meanwhile (what was judged left anyway). */
bool fg__wire_send(struct sock *s, fg_addr dst, int dgroup, const uint8_t *data, size_t len, unsigned ecn);
/* Hands a TCP segment (src, dst, groups, TCP fields and data set) to the network. */
void fg__wire_tcp(struct pkt *p);
void fg__wire_capture(int group, const struct pkt *p);
/* Frees everything in flight and closes the captures: the sim is over. */
void fg__wire_end(void);
void fg__packet_view(const struct pkt *p, fg_net_dir dir, fg_packet *v);

/* net_udp.c */
struct sock *fg__sock_at(int group, fg_addr dst);
void fg__sock_deliver(struct sock *s, struct pkt *p);
void fg__socks_end(void);
/* Closes every UDP socket of a host (a crash). */
void fg__socks_crash(int group);

/* net_tcp.c */
/* A segment reached its host (not corrupted). */
void fg__tcp_land(struct pkt *p);
/* A crash: the host's connections are reset (RST to each peer), its listeners gone. */
void fg__tcp_crash(int group);
void fg__tcp_end(void);

#endif
