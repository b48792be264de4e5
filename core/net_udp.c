/* UDP sockets on the simulated network: bind, connect, send (with GSO and
 * ECN), receive with a deadline (with GRO), bounded buffers, close. Socket
 * numbers are small integers, the lowest free one first, as file descriptors. */
#include "net.h"
#include "por.h"

#include <stdlib.h>

static FG_POOLED struct sock *sock_slot(void)
{
    for (int i = 0; i < NET->nsocks; i++)
        if (!NET->socks[i]->open)
            return NET->socks[i];
    if (NET->nsocks == NET->socks_cap) {
        int cap = NET->socks_cap ? NET->socks_cap * 2 : 16;
        struct sock **v = fg__keep_grow(NET->socks, (size_t)NET->socks_cap * sizeof *v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        for (int i = NET->socks_cap; i < cap; i++)
            v[i] = NULL;
        NET->socks = v;
        NET->socks_cap = cap;
    }
    struct sock **slot = &NET->socks[NET->nsocks];
    if (!*slot && !(*slot = fg__keep(sizeof **slot)))   /* slots are kept: outside malloc's heap */
        return NULL;
    (*slot)->id = NET->nsocks++;
    (*slot)->open = false;
    (*slot)->gen = 0;
    return *slot;
}

static struct sock *get(const char *call, int id)
{
    if (!fg__net_get(call) || !fg__current(call))
        return NULL;
    if (id < 0 || id >= NET->nsocks || !NET->socks[id]->open) {
        fg__misuse(call, -EBADF, "%d is not an open socket", id);
        return NULL;
    }
    return NET->socks[id];
}

static bool port_used(const struct host *h, uint16_t port)
{
    for (const struct sock *s = h->socks; s; s = s->host_next)
        if (s->local.port == port)
            return true;
    return false;
}

struct sock *fg__sock_at(int group, fg_addr dst)
{
    if (group >= NET->nhosts)
        return NULL;
    for (struct sock *s = NET->hosts[group].socks; s; s = s->host_next)
        if (s->local.port == dst.port)
            return s;
    return NULL;
}

static int bind_at(fg_addr a, int group)
{
    struct host *h = fg__net_host(group);
    if (a.port == 0) {
        for (int tries = 0; tries <= 65535 - NET_EPHEMERAL && !a.port; tries++) {
            uint32_t p = h->next_port;
            h->next_port = p >= 65535 ? NET_EPHEMERAL : p + 1;
            if (!port_used(h, (uint16_t)p))
                a.port = (uint16_t)p;
        }
        if (!a.port)
            return -EADDRINUSE;
    } else if (port_used(h, a.port)) {
        return -EADDRINUSE;
    }
    fg__hook_enter();
    int rc = 0;
    for (int i = 0; i < NET->nmon && rc >= 0; i++)
        if (NET->mon[i].open)
            rc = NET->mon[i].open(S->groups[group], a, NET->mon[i].ud);
    fg__hook_leave();
    if (rc < 0)
        return rc;
    /* a hook may have bound this port itself, or grown the host table */
    h = fg__net_host(group);
    if (port_used(h, a.port))
        return -EADDRINUSE;
    struct sock *s = sock_slot();
    if (!s)
        return -ENOMEM;
    int id = s->id;
    uint32_t gen = s->gen + 1;
    *s = (struct sock){.id = id, .group = group, .gen = gen, .open = true, .local = a, .rcvbuf = NET_DEFAULT_BUF,
                       .sndbuf = NET_DEFAULT_BUF, .host_next = h->socks};
    h->socks = s;
    return id;
}

int fg_udp_bind_addr(fg_addr a)
{
    struct task *t;
    if (!fg__net_get("fg_udp_bind") || !(t = fg__current("fg_udp_bind")))
        return -EPERM;
    int g = fg__net_group_of(a.ip);
    if (g < 0)
        return -EHOSTUNREACH;
    if (g != t->group)
        return -EADDRNOTAVAIL;
    return bind_at(a, g);
}

int fg_udp_bind(const char *addr)
{
    fg_addr a;
    if (!fg__net_get("fg_udp_bind") || !fg__current("fg_udp_bind"))
        return -EPERM;
    int rc = fg__net_resolve(addr, &a, true);
    if (rc == -EINVAL)
        return fg__misuse("fg_udp_bind", rc, "\"%s\" is not host:port", addr ? addr : "(null)");
    return rc < 0 ? rc : fg_udp_bind_addr(a);
}

int fg_udp_connect_addr(int id, fg_addr a)
{
    struct sock *s = get("fg_udp_connect", id);
    if (!s)
        return -EBADF;
    if (fg__net_group_of(a.ip) < 0)
        return -EHOSTUNREACH;
    if (!a.port)
        return fg__misuse("fg_udp_connect", -EINVAL, "port 0");
    s->peer = a;
    s->connected = true;
    return 0;
}

int fg_udp_connect(int id, const char *addr)
{
    fg_addr a;
    if (!get("fg_udp_connect", id))
        return -EBADF;
    int rc = fg__net_resolve(addr, &a, false);
    if (rc == -EINVAL)
        return fg__misuse("fg_udp_connect", rc, "\"%s\" is not host:port", addr ? addr : "(null)");
    return rc < 0 ? rc : fg_udp_connect_addr(id, a);
}

static void drop_queue(struct sock *s, fg_net_drop reason)
{
    /* arrivals not yet ordered go first: they would have been queued */
    if (s->arr_head) {
        s->arr_tail->next = s->head;
        s->head = s->arr_head;
        s->arr_head = s->arr_tail = NULL;
    }
    while (s->head) {
        struct pkt *p = s->head;
        s->head = p->next;
        if (reason < FG_NET_DROP_REASONS)
            fg__net_drop(reason, s);
        fg__pkt_free(p);
    }
    s->tail = NULL;
    s->rcv_bytes = 0;
}

static void sock_close(struct sock *s)
{
    s->open = false;
    struct host *h = fg__net_host(s->group);
    for (struct sock **pp = &h->socks; *pp; pp = &(*pp)->host_next)
        if (*pp == s) {
            *pp = s->host_next;
            break;
        }
    if (s->arr_pending) {   /* out of the arrivals hook's list: the slot may be reused before it runs */
        struct sock **pp = &NET->arr_head, *prev = NULL;
        while (*pp != s) {
            prev = *pp;
            pp = &(*pp)->arr_next;
        }
        *pp = s->arr_next;
        if (NET->arr_tail == s)
            NET->arr_tail = prev;
        s->arr_pending = false;
    }
    drop_queue(s, FG_NET_DROP_CLOSED);
    while (fg__wake_first(&s->readers, -EBADF))
        ;
    /* what it has in flight no longer counts against a buffer */
    for (struct pkt *p = NET->flight.next; p != &NET->flight; p = p->next)
        if (p->from == s)
            p->from = NULL;
    s->snd_bytes = 0;
}

int fg_udp_close(int id)
{
    struct sock *s = get("fg_udp_close", id);
    if (!s)
        return -EBADF;
    sock_close(s);
    return 0;
}

void fg__socks_crash(int group)
{
    if (group >= NET->nhosts)
        return;
    while (NET->hosts[group].socks)
        sock_close(NET->hosts[group].socks);
}

int fg_udp_local(int id, fg_addr *out)
{
    struct sock *s = get("fg_udp_local", id);
    if (!s)
        return -EBADF;
    if (out)
        *out = s->local;
    return 0;
}

int fg_udp_set_buffers(int id, size_t rcvbuf, size_t sndbuf)
{
    struct sock *s = get("fg_udp_set_buffers", id);
    if (!s)
        return -EBADF;
    if (rcvbuf)
        s->rcvbuf = rcvbuf;
    if (sndbuf)
        s->sndbuf = sndbuf;
    return 0;
}

int fg_udp_set_gro(int id, bool on)
{
    struct sock *s = get("fg_udp_set_gro", id);
    if (!s)
        return -EBADF;
    s->gro = on;
    return 0;
}

int fg_udp_stats(int id, fg_net_stats *out)
{
    struct sock *s = get("fg_udp_stats", id);
    if (!s)
        return -EBADF;
    if (out)
        *out = s->st;
    return 0;
}

/* ---- sending ---- */

static int send_msg(const char *call, int id, fg_addr dst, const void *data, size_t len, unsigned ecn, size_t seg)
{
    struct sock *s = get(call, id);
    if (!s)
        return -EBADF;
    if (!data && len)
        return fg__misuse(call, -EINVAL, "no data for %zu bytes", len);
    if (ecn > 3)
        return fg__misuse(call, -EINVAL, "ECN codepoint %u (0..3)", ecn);
    int dgroup = fg__net_group_of(dst.ip);
    if (dgroup < 0)
        return -EHOSTUNREACH;
    if (!dst.port)
        return fg__misuse(call, -EINVAL, "destination port 0");
    if (len > NET_MAX_PAYLOAD)
        return -EMSGSIZE;
    bool cut;
    const struct link *l = fg__net_link(s->group, dgroup, &cut);
    size_t one = seg && seg < len ? seg : len;
    if (one + NET_HDR > l->mtu || (seg && (len + seg - 1) / seg > NET_MAX_SEGMENTS))
        return -EMSGSIZE;
    if (NET->nmon) {
        fg_packet v = {.src = s->local, .dst = dst, .src_host = S->groups[s->group], .dst_host = S->groups[dgroup],
                       .data = data, .len = len, .ecn = (uint8_t)ecn, .dir = FG_NET_SEND, .id = NET->next_id,
                       .sent = S->wheel.now};
        uint32_t gen = s->gen;
        int rc = 0;
        fg__hook_enter();
        for (int i = 0; i < NET->nmon && rc >= 0; i++)
            if (NET->mon[i].write)
                rc = NET->mon[i].write(id, &v, NET->mon[i].ud);
        fg__hook_leave();
        if (rc < 0)
            return rc;
        if (!s->open || s->gen != gen)
            return fg__misuse(call, -EBADF, "a hook closed socket %d during its send", id);
    }
    /* no data (len 0): point at a byte, since NULL + 0 and memcpy from NULL are undefined */
    static const uint8_t none[1];
    const uint8_t *b = data ? data : none;
    size_t off = 0;
    do {
        size_t n = len - off < one ? len - off : one;
        if (!fg__wire_send(s, dst, dgroup, b + off, n, ecn))
            return fg__misuse(call, -EBADF, "a hook closed socket %d during its send", id);
        off += n;
    } while (off < len);
    return (int)len;
}

int fg_udp_send_addr(int id, fg_addr dst, const void *data, size_t len)
{
    return send_msg("fg_udp_send_to", id, dst, data, len, 0, 0);
}

int fg_udp_send_str(int id, const char *dst, const void *data, size_t len)
{
    fg_addr a;
    if (!get("fg_udp_send_to", id))
        return -EBADF;
    int rc = fg__net_resolve(dst, &a, false);
    if (rc == -EINVAL)
        return fg__misuse("fg_udp_send_to", rc, "\"%s\" is not host:port", dst ? dst : "(null)");
    return rc < 0 ? rc : send_msg("fg_udp_send_to", id, a, data, len, 0, 0);
}

int fg_udp_send(int id, const void *data, size_t len)
{
    struct sock *s = get("fg_udp_send", id);
    if (!s)
        return -EBADF;
    if (!s->connected)
        return fg__misuse("fg_udp_send", -EDESTADDRREQ, "socket %d is not connected", id);
    return send_msg("fg_udp_send", id, s->peer, data, len, 0, 0);
}

int fg_udp_send_msg(int id, fg_addr dst, const void *data, size_t len, unsigned ecn, size_t segment_size)
{
    return send_msg("fg_udp_send_msg", id, dst, data, len, ecn, segment_size);
}

/* ---- receiving ---- */

/* Into the receive queue, or dropped when the buffer is full. */
static bool enqueue(struct sock *s, struct pkt *p)
{
    if (s->rcv_bytes + p->len > s->rcvbuf) {
        fg__net_drop(FG_NET_DROP_RCVBUF, s);
        fg__pkt_free(p);
        return false;
    }
    p->next = NULL;
    if (s->tail)
        s->tail->next = p;
    else
        s->head = p;
    s->tail = p;
    s->rcv_bytes += p->len;
    NET->st.delivered++;
    s->st.delivered++;
    /* readers waiting on one socket contend for the datagram: under POR which one gets it is a choice */
    struct task *t = fg__por_pick(&s->readers);
    if (t)
        fg__wake(t, 0);
    return t != NULL;
}

static bool same_src(const struct pkt *a, const struct pkt *b)
{
    return a->src.ip == b->src.ip && a->src.port == b->src.port;
}

/* Datagrams from different senders landing in one socket in one instant
 * contend for it: which goes first is a choice among the senders (each
 * sender's own stay in order). One sender alone is no choice. */
static bool settle(struct sock *s)
{
    bool woke = false;
    while (s->arr_head) {
        struct pkt *firsts[16];
        unsigned n = 0;
        for (struct pkt *p = s->arr_head; p && n < 16; p = p->next) {
            unsigned k = 0;
            while (k < n && !same_src(firsts[k], p))
                k++;
            if (k == n)
                firsts[n++] = p;
        }
        struct pkt *p = firsts[n > 1 ? fg_choose(n) : 0];
        struct pkt **pp = &s->arr_head, *prev = NULL;
        while (*pp != p) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        *pp = p->next;
        if (s->arr_tail == p)
            s->arr_tail = prev;
        woke |= enqueue(s, p);
    }
    return woke;
}

static bool arrivals(struct idle_hook *h)
{
    (void)h;
    bool woke = false;
    while (NET->arr_head) {
        struct sock *s = NET->arr_head;
        NET->arr_head = s->arr_next;
        s->arr_pending = false;
        woke |= settle(s);
    }
    NET->arr_tail = NULL;
    return woke;
}

void fg__sock_deliver(struct sock *s, struct pkt *p)
{
    if (s->connected && (p->src.ip != s->peer.ip || p->src.port != s->peer.port)) {
        fg__net_drop(FG_NET_DROP_UNREACHABLE, s);
        fg__pkt_free(p);
        return;
    }
    if (S->o.strategy != FG_POR) {
        enqueue(s, p);
        return;
    }
    p->next = NULL;
    if (s->arr_tail)
        s->arr_tail->next = p;
    else
        s->arr_head = p;
    s->arr_tail = p;
    if (!s->arr_pending) {
        s->arr_pending = true;
        s->arr_next = NULL;
        if (NET->arr_tail)
            NET->arr_tail->arr_next = s;
        else
            NET->arr_head = s;
        NET->arr_tail = s;
    }
    NET->arrivals.run = arrivals;
    fg__idle_hook(&NET->arrivals);
}

static struct pkt *pop(struct sock *s)
{
    struct pkt *p = s->head;
    if ((s->head = p->next) == NULL)
        s->tail = NULL;
    s->rcv_bytes -= p->len;
    if (FG_UNLIKELY(S->o.on_event != NULL))
        fg__event(FG_EV_RECV, fg__running_id(), -1, p->id, "datagram", NULL, 0);
    return p;
}

static int recv_msg(const char *call, int id, void *buf, size_t cap, fg_udp_info *info, fg_time deadline)
{
    struct sock *s = get(call, id);
    if (!s)
        return -EBADF;
    if (!buf && cap)
        return fg__misuse(call, -EINVAL, "no buffer for %zu bytes", cap);
    uint32_t gen = s->gen;   /* closed and bound again while this waits: not ours */
    if (NET->nmon) {
        int rc = 0;
        fg__hook_enter();
        for (int i = 0; i < NET->nmon && rc >= 0; i++)
            if (NET->mon[i].read)
                rc = NET->mon[i].read(id, NET->mon[i].ud);
        fg__hook_leave();
        if (rc < 0)
            return rc;
        if (!s->open || s->gen != gen)
            return fg__misuse(call, -EBADF, "a hook closed socket %d before its receive", id);
    }
    while (!s->head) {
        int rc = fg__wait(&s->readers, deadline, call);
        if (rc < 0)
            return rc;
        if (!s->open || s->gen != gen)
            return -EBADF;
    }
    struct pkt *p = pop(s);
    size_t n = p->len < cap ? p->len : cap;
    if (n)
        memcpy(buf, p->data, n);
    unsigned segs = 1;
    uint32_t seg = p->len;
    if (s->gro && p->len <= cap && seg) {
        /* coalesce a train: same source and ECN, same size, a shorter one ends it */
        while (s->head && segs < NET_MAX_SEGMENTS) {
            struct pkt *q = s->head;
            if (q->src.ip != p->src.ip || q->src.port != p->src.port || q->ecn != p->ecn || q->len > seg ||
                !q->len || n + q->len > cap)
                break;
            pop(s);
            memcpy((uint8_t *)buf + n, q->data, q->len);
            n += q->len;
            segs++;
            bool last = q->len < seg;
            fg__pkt_free(q);
            if (last)
                break;
        }
    }
    if (info)
        *info = (fg_udp_info){.from = p->src, .ecn = p->ecn, .segment_size = segs > 1 ? (uint16_t)seg : 0,
                              .segments = (uint16_t)segs, .truncated = p->len > cap};
    NET->st.received += segs;
    s->st.received += segs;
    fg__pkt_free(p);
    return (int)n;
}

int fg_udp_recv_from_(int id, void *buf, size_t cap, fg_addr *from, fg_time deadline)
{
    fg_udp_info info;
    int n = recv_msg("fg_udp_recv_from", id, buf, cap, &info, deadline);
    if (n >= 0 && from)
        *from = info.from;
    return n;
}

int fg_udp_recv_msg_(int id, void *buf, size_t cap, fg_udp_info *info, fg_time deadline)
{
    return recv_msg("fg_udp_recv_msg", id, buf, cap, info, deadline);
}

void fg__socks_end(void)
{
    for (int i = 0; i < NET->nsocks; i++) {
        struct sock *s = NET->socks[i];
        drop_queue(s, FG_NET_DROP_REASONS);
        s->open = false;
    }
    NET->nsocks = 0;
}
