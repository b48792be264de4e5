/* TCP streams on the simulated network: a reliable ordered byte stream made of
 * real segments (handshake, sequence and acknowledgment numbers, windows, FIN,
 * RST) that ride the wire like datagrams, so latency, jitter, loss, partitions
 * and monitors apply. A lost segment is sent again after a retransmission
 * timeout with backoff; too many timeouts reset the stream. How many bytes a
 * read returns is a choice (0: one write as sent). */
#include "net.h"
#include "por.h"

#include <limits.h>
#include <stdlib.h>

#define TCP_BUF 65536
#define TCP_HDR 40                 /* IPv4 + TCP headers */
#define RTO_INIT FG_SEC
#define RTO_MIN (200 * FG_MS)
#define RTO_MAX (60 * FG_SEC)
#define SYN_RETRIES 5              /* 1+2+4+8+16+32 s: a connect across a partition gives up after 63 s */
#define DATA_RETRIES 8
#define MAX_BACKLOG 4096

enum { LISTEN, SYN_SENT, SYN_RCVD, ESTAB, DEAD };

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LE(a, b) ((int32_t)((a) - (b)) <= 0)

/* A byte ring that grows to what it must hold. */
struct ring { uint8_t *b; size_t cap, head, len; };
/* Sequence numbers where a write ends (the PSH points), oldest first. */
struct marks { uint32_t *v; uint32_t cap, head, len; };

struct tcb {
    int id;                        /* socket number; -1 once closed (or not accepted yet) */
    int group, pgroup;             /* this host, the peer's */
    uint8_t state;
    bool listener, wr_shut, fin_sent, fin_acked, fin_rcvd, err_told;
    bool queued;                   /* established, in its listener's queue (not accepted yet) */
    bool pend, ack_due, wake_due;  /* in NET->tcp_pend: an ACK to send, readers to wake */
    int err;                       /* why it died: -ECONNRESET, -ECONNREFUSED, -ETIMEDOUT */
    fg_addr local, peer;
    size_t rcvbuf, sndbuf;
    /* sending: sbuf holds the bytes from snd_una on (sent and not acknowledged, then unsent) */
    struct ring sbuf;
    struct marks smarks;
    uint32_t iss, snd_una, snd_nxt, snd_wnd;
    /* receiving: rbuf holds the bytes before rcv_nxt not read yet */
    struct ring rbuf;
    struct marks rmarks;
    uint32_t rcv_nxt;
    struct pkt *ooo;               /* segments past a hole, by sequence number */
    /* retransmission (RFC 6298) */
    struct timer rto_timer;
    fg_time rto, srtt, rttvar, rtt_at;
    uint32_t rtt_seq;
    bool rtt_on;
    int retries;
    struct waitq readers, writers; /* writers: also connect and accept */
    /* listener: children established and not accepted; half-open ones count too */
    int backlog, nchild;
    struct tcb *parent;
    struct tcb *q_head, *q_tail, *q_next;
    struct tcb *arr_head, *arr_tail; /* POR: established this instant, queued in a chosen order */
    struct tcb *host_next, *all_next, *pend_next;
};

/* ---- byte rings and marks ---- */

static int ring_reserve(struct ring *r, size_t need)
{
    if (need <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *b = fg__sim_malloc(cap);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0, n = r->len; i < n;) {   /* unwrap into the new ring */
        size_t at = (r->head + i) & (r->cap - 1), k = r->cap - at < n - i ? r->cap - at : n - i;
        memcpy(b + i, r->b + at, k);
        i += k;
    }
    fg__sim_free(r->b);
    r->b = b;
    r->cap = cap;
    r->head = 0;
    return 0;
}

static void ring_put(struct ring *r, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t at = (r->head + r->len) & (r->cap - 1), k = r->cap - at < n - i ? r->cap - at : n - i;
        memcpy(r->b + at, d + i, k);
        r->len += k;
        i += k;
    }
}

static void ring_peek(const struct ring *r, size_t off, uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t at = (r->head + off + i) & (r->cap - 1), k = r->cap - at < n - i ? r->cap - at : n - i;
        memcpy(d + i, r->b + at, k);
        i += k;
    }
}

static void ring_drop(struct ring *r, size_t n)
{
    r->head = (r->head + n) & (r->cap ? r->cap - 1 : 0);
    r->len -= n;
}

static int marks_push(struct marks *m, uint32_t seq)
{
    if (m->len == m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 16;
        uint32_t *v = fg__sim_malloc(cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        for (uint32_t i = 0; i < m->len; i++)
            v[i] = m->v[(m->head + i) & (m->cap - 1)];
        fg__sim_free(m->v);
        m->v = v;
        m->cap = cap;
        m->head = 0;
    }
    m->v[(m->head + m->len++) & (m->cap - 1)] = seq;
    return 0;
}

static inline uint32_t marks_at(const struct marks *m, uint32_t i)
{
    return m->v[(m->head + i) & (m->cap - 1)];
}

/* Forgets the marks at or before seq. */
static void marks_pass(struct marks *m, uint32_t seq)
{
    while (m->len && SEQ_LE(marks_at(m, 0), seq)) {
        m->head = (m->head + 1) & (m->cap - 1);
        m->len--;
    }
}

/* ---- the table of sockets and the life of a tcb ---- */

static int number(struct tcb *c)
{
    int i = 0;
    while (i < NET->ntcbs && NET->tcbs[i])
        i++;
    if (i == NET->tcbs_cap) {
        int cap = NET->tcbs_cap ? NET->tcbs_cap * 2 : 16;
        struct tcb **v = fg__keep_grow(NET->tcbs, (size_t)NET->tcbs_cap * sizeof *v, (size_t)cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        NET->tcbs = v;
        NET->tcbs_cap = cap;
    }
    if (i == NET->ntcbs)
        NET->ntcbs++;
    NET->tcbs[i] = c;
    c->id = i;
    return i;
}

static void unnumber(struct tcb *c)
{
    if (c->id < 0)
        return;
    NET->tcbs[c->id] = NULL;
    while (NET->ntcbs && !NET->tcbs[NET->ntcbs - 1])
        NET->ntcbs--;
    c->id = -1;
}

static struct tcb *tcb_new(int group)
{
    struct tcb *c = fg__sim_malloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->id = -1;
    c->group = group;
    c->rcvbuf = c->sndbuf = TCP_BUF;
    c->rto = RTO_INIT;
    struct host *h = fg__net_host(group);
    c->host_next = h->tcbs;
    h->tcbs = c;
    c->all_next = NET->tcp_all;
    NET->tcp_all = c;
    return c;
}

static void free_pkts(struct pkt *p)
{
    while (p) {
        struct pkt *n = p->next;
        fg__pkt_free(p);
        p = n;
    }
}

static void unlink_from(struct tcb **pp, struct tcb *c, size_t off)
{
    for (; *pp; pp = (struct tcb **)(void *)((char *)*pp + off))
        if (*pp == c) {
            *pp = *(struct tcb **)(void *)((char *)c + off);
            return;
        }
}

static void tcb_free(struct tcb *c)
{
    fg__timer_cancel(&S->wheel, &c->rto_timer);
    unnumber(c);
    unlink_from(&fg__net_host(c->group)->tcbs, c, offsetof(struct tcb, host_next));
    unlink_from(&NET->tcp_all, c, offsetof(struct tcb, all_next));
    if (c->pend)
        unlink_from(&NET->tcp_pend, c, offsetof(struct tcb, pend_next));
    if (c->parent) {
        c->parent->nchild--;
        unlink_from(&c->parent->q_head, c, offsetof(struct tcb, q_next));
        unlink_from(&c->parent->arr_head, c, offsetof(struct tcb, q_next));
        struct tcb *t = NULL;
        for (struct tcb *x = c->parent->q_head; x; x = x->q_next)
            t = x;
        c->parent->q_tail = t;
        t = NULL;
        for (struct tcb *x = c->parent->arr_head; x; x = x->q_next)
            t = x;
        c->parent->arr_tail = t;
    }
    free_pkts(c->ooo);
    fg__sim_free(c->sbuf.b);
    fg__sim_free(c->rbuf.b);
    fg__sim_free(c->smarks.v);
    fg__sim_free(c->rmarks.v);
    fg__sim_free(c);
}

/* ---- segments out ---- */

static uint32_t rcv_wnd(const struct tcb *c)
{
    size_t free_ = c->rbuf.len < c->rcvbuf ? c->rcvbuf - c->rbuf.len : 0;
    return free_ > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)free_;
}

static void segment(struct tcb *c, uint8_t flags, uint32_t seq, size_t off, size_t n)
{
    struct pkt *p = fg__pkt_new(n);
    if (n)
        ring_peek(&c->sbuf, off, p->data, n);
    p->proto = NET_TCP;
    p->tflags = flags;
    p->seq = seq;
    p->ack = flags & FG_TCP_ACK ? c->rcv_nxt : 0;
    p->win = rcv_wnd(c);
    p->src = c->local;
    p->dst = c->peer;
    p->sgroup = c->group;
    p->dgroup = c->pgroup;
    if (flags & FG_TCP_ACK)
        c->ack_due = false;
    fg__wire_tcp(p);
}

static void rto_fire(struct timer *t);

static void arm(struct tcb *c)
{
    if (!c->rto_timer.armed) {
        c->rto_timer.fire = rto_fire;
        fg__timer_add(&S->wheel, &c->rto_timer, S->wheel.now + c->rto);
    }
}

static uint32_t mss(const struct tcb *c)
{
    bool cut;
    return fg__net_link(c->group, c->pgroup, &cut)->mtu - TCP_HDR;
}

/* Sends what the peer's window allows, each segment within one write, then a FIN. */
static void output(struct tcb *c)
{
    if (c->state != ESTAB)
        return;
    uint32_t one = mss(c);
    uint32_t mi = 0;   /* the first mark past snd_nxt */
    while (mi < c->smarks.len && SEQ_LE(marks_at(&c->smarks, mi), c->snd_nxt))
        mi++;
    for (;;) {
        size_t off = c->snd_nxt - c->snd_una;
        if (off < c->sbuf.len) {
            if (off >= c->snd_wnd) {
                arm(c);   /* the window is shut: the timer probes it */
                return;
            }
            size_t n = c->sbuf.len - off;
            if (n > one)
                n = one;
            if (n > c->snd_wnd - off)
                n = c->snd_wnd - off;
            uint8_t flags = FG_TCP_ACK;
            if (mi < c->smarks.len) {
                uint32_t to_mark = marks_at(&c->smarks, mi) - c->snd_nxt;
                if (n >= to_mark) {
                    n = to_mark;
                    flags |= FG_TCP_PSH;
                    mi++;
                }
            }
            if (!c->rtt_on) {
                c->rtt_on = true;
                c->rtt_seq = c->snd_nxt + (uint32_t)n;
                c->rtt_at = S->wheel.now;
            }
            segment(c, flags, c->snd_nxt, off, n);
            c->snd_nxt += (uint32_t)n;
            arm(c);
        } else if (c->wr_shut && !c->fin_sent) {
            segment(c, FG_TCP_FIN | FG_TCP_ACK, c->snd_nxt, 0, 0);
            c->snd_nxt++;
            c->fin_sent = true;
            arm(c);
            return;
        } else {
            return;
        }
    }
}

static void send_rst(struct tcb *c)
{
    segment(c, FG_TCP_RST | FG_TCP_ACK, c->snd_nxt, 0, 0);
}

static bool tcp_idle(struct idle_hook *h);

/* An ACK or a wake at the end of the instant (the idle hook). */
static void pend(struct tcb *c)
{
    if (!c->pend) {
        c->pend = true;
        c->pend_next = NET->tcp_pend;
        NET->tcp_pend = c;
    }
    NET->tcp_idle.run = tcp_idle;
    fg__idle_hook(&NET->tcp_idle);
}

static void wake_all(struct tcb *c, int rc)
{
    while (fg__wake_first(&c->readers, rc))
        ;
    while (fg__wake_first(&c->writers, rc))
        ;
}

/* The stream is over: every later call says why. */
static void die(struct tcb *c, int err)
{
    c->state = DEAD;
    if (!c->err)
        c->err = err;
    fg__timer_cancel(&S->wheel, &c->rto_timer);
    free_pkts(c->ooo);
    c->ooo = NULL;
    ring_drop(&c->sbuf, c->sbuf.len);
    ring_drop(&c->rbuf, c->rbuf.len);
    c->smarks.len = c->rmarks.len = 0;
    wake_all(c, 0);
    if (c->id < 0 && !c->listener && !c->queued)
        tcb_free(c);
}

/* A connection the application no longer holds ends once both FINs are acknowledged. */
static void maybe_done(struct tcb *c)
{
    if (c->id < 0 && !c->parent && c->fin_acked && c->fin_rcvd && c->rbuf.len == 0)
        tcb_free(c);
}

/* ---- retransmission ---- */

static void backoff(struct tcb *c)
{
    c->rto = c->rto * 2 > RTO_MAX ? RTO_MAX : c->rto * 2;
}

static void rto_fire(struct timer *t)
{
    struct tcb *c = FG_CONTAINER(t, struct tcb, rto_timer);
    c->retries++;
    if (c->state == SYN_SENT || c->state == SYN_RCVD) {
        if (c->retries > SYN_RETRIES) {
            die(c, -ETIMEDOUT);
            return;
        }
        backoff(c);
        segment(c, c->state == SYN_SENT ? FG_TCP_SYN : FG_TCP_SYN | FG_TCP_ACK, c->iss, 0, 0);
        arm(c);
        return;
    }
    if (c->state != ESTAB)
        return;
    if (c->retries > DATA_RETRIES) {
        send_rst(c);
        die(c, -ETIMEDOUT);
        return;
    }
    backoff(c);
    c->rtt_on = false;   /* Karn: no sample from a segment sent twice */
    if (c->snd_nxt != c->snd_una) {   /* go back to the first unacknowledged byte */
        c->snd_nxt = c->snd_una;
        if (!c->fin_acked)
            c->fin_sent = false;
        output(c);
    } else if (c->sbuf.len) {   /* a shut window: probe it with one byte */
        segment(c, FG_TCP_ACK, c->snd_nxt, 0, 1);
        arm(c);
    }
}

static void rtt_sample(struct tcb *c)
{
    fg_time r = S->wheel.now - c->rtt_at;
    if (!c->srtt) {
        c->srtt = r ? r : 1;
        c->rttvar = r / 2;
    } else {
        fg_time d = c->srtt > r ? c->srtt - r : r - c->srtt;
        c->rttvar = (3 * c->rttvar + d) / 4;
        c->srtt = (7 * c->srtt + r) / 8;
    }
    c->rto = c->srtt + 4 * c->rttvar;
    if (c->rto < RTO_MIN)
        c->rto = RTO_MIN;
    if (c->rto > RTO_MAX)
        c->rto = RTO_MAX;
}

/* ---- segments in ---- */

static struct tcb *demux(int group, fg_addr local, fg_addr peer, struct tcb **listener)
{
    *listener = NULL;
    for (struct tcb *c = fg__net_host(group)->tcbs; c; c = c->host_next) {
        if (c->local.port != local.port)
            continue;
        if (c->listener) {
            if (!*listener)
                *listener = c;
        } else if (c->peer.ip == peer.ip && c->peer.port == peer.port) {
            return c;
        }
    }
    return NULL;
}

/* An answer to a segment nobody wants (RFC 793's reset generation). */
static void refuse(const struct pkt *p)
{
    if (p->tflags & FG_TCP_RST)
        return;
    struct pkt *r = fg__pkt_new(0);
    r->proto = NET_TCP;
    r->src = p->dst;
    r->dst = p->src;
    r->sgroup = p->dgroup;
    r->dgroup = p->sgroup;
    r->win = 0;
    if (p->tflags & FG_TCP_ACK) {
        r->tflags = FG_TCP_RST;
        r->seq = p->ack;
        r->ack = 0;
    } else {
        r->tflags = FG_TCP_RST | FG_TCP_ACK;
        r->seq = 0;
        r->ack = p->seq + p->len + !!(p->tflags & FG_TCP_SYN) + !!(p->tflags & FG_TCP_FIN);
    }
    fg__wire_tcp(r);
}

static void queue_child(struct tcb *l, struct tcb *c)
{
    c->q_next = NULL;
    c->queued = true;
    if (fg__por()) {   /* same-instant connections: their accept order is a choice (tcp_idle) */
        if (l->arr_tail)
            l->arr_tail->q_next = c;
        else
            l->arr_head = c;
        l->arr_tail = c;
        l->wake_due = true;
        pend(l);
        return;
    }
    if (l->q_tail)
        l->q_tail->q_next = c;
    else
        l->q_head = c;
    l->q_tail = c;
    fg__wake_first(&l->writers, 0);
}

static void on_syn(struct tcb *l, const struct pkt *p)
{
    if (l->nchild >= l->backlog)
        return;   /* a full backlog ignores the SYN: the client tries again */
    struct tcb *c = tcb_new(l->group);
    if (!c)
        return;
    c->parent = l;
    c->rcvbuf = l->rcvbuf;   /* a listener's buffer sizes are its children's */
    c->sndbuf = l->sndbuf;
    l->nchild++;
    c->state = SYN_RCVD;
    c->local = l->local;
    c->peer = p->src;
    c->pgroup = p->sgroup;
    c->iss = NET->next_iss += 64000;
    c->snd_una = c->snd_nxt = c->iss + 1;
    c->rcv_nxt = p->seq + 1;
    c->snd_wnd = p->win;
    segment(c, FG_TCP_SYN | FG_TCP_ACK, c->iss, 0, 0);
    arm(c);
}

/* In-order bytes into the receive buffer, as many as fit; false when not all did. */
static bool take_data(struct tcb *c, const struct pkt *p)
{
    uint32_t skip = c->rcv_nxt - p->seq;   /* a segment partly received already */
    size_t n = p->len - skip, room = c->rcvbuf > c->rbuf.len ? c->rcvbuf - c->rbuf.len : 0;
    bool all = n <= room;
    if (!all)
        n = room;
    if (ring_reserve(&c->rbuf, c->rbuf.len + n) < 0)
        return false;
    ring_put(&c->rbuf, p->data + skip, n);
    c->rcv_nxt += (uint32_t)n;
    if (!all)
        return false;
    if ((p->tflags & FG_TCP_PSH) && n)
        marks_push(&c->rmarks, c->rcv_nxt);
    if (p->tflags & FG_TCP_FIN) {
        c->rcv_nxt++;
        c->fin_rcvd = true;
    }
    return true;
}

/* False when it reset (and freed) the connection. */
static bool data_in(struct tcb *c, struct pkt *p)
{
    uint32_t end = p->seq + p->len;
    bool fin = p->tflags & FG_TCP_FIN;
    c->ack_due = true;
    pend(c);
    if (c->fin_rcvd || SEQ_LE(end + fin, c->rcv_nxt)) {   /* old: a duplicate or a retransmission */
        fg__pkt_free(p);
        return true;
    }
    if (c->id < 0 && !c->parent && p->len) {   /* data for a closed socket: reset */
        send_rst(c);
        fg__pkt_free(p);
        die(c, -ECONNRESET);
        return false;
    }
    if (SEQ_LT(c->rcv_nxt, p->seq)) {   /* past a hole: held, in order, once */
        if (p->seq - c->rcv_nxt > c->rcvbuf) {
            fg__pkt_free(p);
            return true;
        }
        struct pkt **pp = &c->ooo;
        while (*pp && SEQ_LT((*pp)->seq, p->seq))
            pp = &(*pp)->next;
        if (*pp && (*pp)->seq == p->seq && (*pp)->len >= p->len) {
            fg__pkt_free(p);
            return true;
        }
        p->next = *pp;
        *pp = p;
        return true;
    }
    bool got = take_data(c, p);
    fg__pkt_free(p);
    while (got && c->ooo && SEQ_LE(c->ooo->seq, c->rcv_nxt) && !c->fin_rcvd) {
        struct pkt *q = c->ooo;
        c->ooo = q->next;
        if (SEQ_LT(c->rcv_nxt, q->seq + q->len + !!(q->tflags & FG_TCP_FIN)))
            got = take_data(c, q);
        fg__pkt_free(q);
    }
    if (c->fin_rcvd) {
        free_pkts(c->ooo);
        c->ooo = NULL;
        wake_all(c, 0);   /* the end of the stream is for every reader */
    } else if (c->readers.head) {
        if (fg__por()) {
            c->wake_due = true;
        } else {
            fg__wake_first(&c->readers, 0);
        }
    }
    return true;
}

static void ack_in(struct tcb *c, const struct pkt *p)
{
    uint32_t top = c->snd_una + (uint32_t)c->sbuf.len + (c->wr_shut ? 1 : 0);
    if (SEQ_LT(c->snd_una, p->ack) && SEQ_LE(p->ack, top)) {
        uint32_t acked = p->ack - c->snd_una;
        size_t data = acked > c->sbuf.len ? c->sbuf.len : acked;
        ring_drop(&c->sbuf, data);
        c->snd_una = p->ack;
        if (SEQ_LT(c->snd_nxt, c->snd_una))
            c->snd_nxt = c->snd_una;
        if (acked > data)
            c->fin_acked = true;
        marks_pass(&c->smarks, c->snd_una);
        if (c->rtt_on && SEQ_LE(c->rtt_seq, p->ack)) {
            c->rtt_on = false;
            rtt_sample(c);
        }
        c->retries = 0;
        fg__timer_cancel(&S->wheel, &c->rto_timer);
        if (c->snd_nxt != c->snd_una)
            arm(c);
        while (fg__wake_first(&c->writers, 0))
            ;
    } else if (p->ack == c->snd_una) {
        c->retries = 0;   /* the peer is alive (an answer to a window probe) */
    }
    uint32_t was = c->snd_wnd;
    c->snd_wnd = p->win;
    if (!was && p->win && c->snd_nxt == c->snd_una) {
        fg__timer_cancel(&S->wheel, &c->rto_timer);   /* the window opened: no probe due */
        c->rto = c->srtt ? c->rto : RTO_INIT;
    }
}

void fg__tcp_land(struct pkt *p)
{
    if (FG_UNLIKELY(p->bad)) {   /* its checksum fails: the host drops it, the sender sends it again */
        fg__net_drop(FG_NET_DROP_LOSS, NULL);
        fg__pkt_free(p);
        return;
    }
    if (FG_UNLIKELY(NET->pcap_dir != NULL))
        fg__wire_capture(p->dgroup, p);
    NET->st.delivered++;
    struct tcb *l, *c = demux(p->dgroup, p->dst, p->src, &l);
    uint8_t f = p->tflags;
    if (!c) {
        if (l && (f & (FG_TCP_SYN | FG_TCP_ACK | FG_TCP_RST)) == FG_TCP_SYN)
            on_syn(l, p);
        else
            refuse(p);
        fg__pkt_free(p);
        return;
    }
    if (f & FG_TCP_RST) {
        fg__pkt_free(p);
        if (c->state == SYN_RCVD)
            die(c, -ECONNRESET);
        else if (c->state != DEAD)
            die(c, c->state == SYN_SENT ? -ECONNREFUSED : -ECONNRESET);
        return;
    }
    switch (c->state) {
    case SYN_SENT:
        if ((f & (FG_TCP_SYN | FG_TCP_ACK)) == (FG_TCP_SYN | FG_TCP_ACK) && p->ack == c->iss + 1) {
            c->state = ESTAB;
            c->rcv_nxt = p->seq + 1;
            c->snd_una = c->snd_nxt = c->iss + 1;
            c->snd_wnd = p->win;
            fg__timer_cancel(&S->wheel, &c->rto_timer);
            c->rto = RTO_INIT;
            if (!c->retries)   /* Karn: a SYN sent twice gives no sample */
                rtt_sample(c);
            c->retries = 0;
            segment(c, FG_TCP_ACK, c->snd_nxt, 0, 0);
            fg__wake_first(&c->writers, 0);
        }
        fg__pkt_free(p);
        return;
    case SYN_RCVD:
        if (f & FG_TCP_SYN) {   /* our SYN-ACK was lost: the client sent its SYN again */
            segment(c, FG_TCP_SYN | FG_TCP_ACK, c->iss, 0, 0);
            fg__pkt_free(p);
            return;
        }
        if (!(f & FG_TCP_ACK) || p->ack != c->iss + 1) {
            fg__pkt_free(p);
            return;
        }
        c->state = ESTAB;
        c->retries = 0;
        fg__timer_cancel(&S->wheel, &c->rto_timer);
        c->rto = RTO_INIT;
        queue_child(c->parent, c);
        break;
    case ESTAB:
        if (f & FG_TCP_SYN) {   /* our handshake ACK was lost: say it again */
            c->ack_due = true;
            pend(c);
            fg__pkt_free(p);
            return;
        }
        break;
    default:
        fg__pkt_free(p);
        return;
    }
    if (f & FG_TCP_ACK)
        ack_in(c, p);
    if (p->len || (f & FG_TCP_FIN)) {
        if (!data_in(c, p))
            return;
    } else {
        fg__pkt_free(p);
    }
    output(c);
    maybe_done(c);
}

/* Once nothing is ready: accepts and reads of this instant in an order the input
 * chooses (POR), then the ACKs the instant owes, one per connection. */
static bool tcp_idle(struct idle_hook *h)
{
    (void)h;
    bool woke = false;
    /* the list in the order things became due (it was built newest first) */
    struct tcb *list = NULL;
    while (NET->tcp_pend) {
        struct tcb *c = NET->tcp_pend;
        NET->tcp_pend = c->pend_next;
        c->pend_next = list;
        list = c;
    }
    for (struct tcb *c = list; c; c = c->pend_next)
        c->pend = false;
    /* listeners: same-instant connections queue for accept in a chosen order */
    for (struct tcb *l = list; l; l = l->pend_next) {
        if (!l->listener || !l->arr_head)
            continue;
        while (l->arr_head) {
            unsigned n = 0;
            for (struct tcb *x = l->arr_head; x && n < 16; x = x->q_next)
                n++;
            unsigned k = n > 1 ? (unsigned)fg_choose(n) : 0;
            struct tcb **pp = &l->arr_head, *prev = NULL;
            for (unsigned i = 0; i < k; i++) {
                prev = *pp;
                pp = &(*pp)->q_next;
            }
            struct tcb *c = *pp;
            *pp = c->q_next;
            if (l->arr_tail == c)
                l->arr_tail = prev;
            c->q_next = NULL;
            if (l->q_tail)
                l->q_tail->q_next = c;
            else
                l->q_head = c;
            l->q_tail = c;
            struct task *t = fg__por_pick(&l->writers);
            if (t) {
                fg__wake(t, 0);
                woke = true;
            }
        }
        l->wake_due = false;
    }
    /* connections with new data, per host: which reader wakes first is a choice */
    for (;;) {
        struct tcb *due[16];
        unsigned n = 0;
        int g = -1;
        for (struct tcb *c = list; c && n < 16; c = c->pend_next)
            if (c->wake_due && !c->listener && (g < 0 || c->group == g)) {
                g = c->group;
                due[n++] = c;
            }
        if (!n)
            break;
        struct tcb *c = due[n > 1 ? fg_choose(n) : 0];
        c->wake_due = false;
        struct task *t = fg__por_pick(&c->readers);
        if (t) {
            fg__wake(t, 0);
            woke = true;
        }
    }
    for (struct tcb *c = list, *next; c; c = next) {
        next = c->pend_next;
        if (c->ack_due && c->state == ESTAB)
            segment(c, FG_TCP_ACK, c->snd_nxt, 0, 0);
        c->ack_due = false;
    }
    return woke;
}

/* ---- the API ---- */

static struct tcb *get(const char *call, int id)
{
    if (!fg__net_get(call) || !fg__current(call))
        return NULL;
    if (id < 0 || id >= NET->ntcbs || !NET->tcbs[id]) {
        fg__misuse(call, -EBADF, "%d is not an open TCP socket", id);
        return NULL;
    }
    return NET->tcbs[id];
}

static struct tcb *conn(const char *call, int id, int *err)
{
    struct tcb *c = get(call, id);
    if (!c) {
        *err = -EBADF;
        return NULL;
    }
    if (c->listener) {
        *err = fg__misuse(call, -ENOTCONN, "socket %d is a listener", id);
        return NULL;
    }
    return c;
}

static bool port_used(int group, uint16_t port)
{
    for (struct tcb *c = fg__net_host(group)->tcbs; c; c = c->host_next)
        if (c->local.port == port && (c->listener || c->id >= 0))
            return true;
    return false;
}

static uint16_t ephemeral(int group)
{
    struct host *h = fg__net_host(group);
    for (int tries = 0; tries <= 65535 - NET_EPHEMERAL; tries++) {
        uint32_t p = h->tcp_next_port < NET_EPHEMERAL ? NET_EPHEMERAL : h->tcp_next_port;
        h->tcp_next_port = p >= 65535 ? NET_EPHEMERAL : p + 1;
        bool used = false;
        for (struct tcb *c = h->tcbs; c && !used; c = c->host_next)
            used = c->local.port == p;
        if (!used)
            return (uint16_t)p;
    }
    return 0;
}

int fg_tcp_listen(const char *addr, int backlog)
{
    const char *call = "fg_tcp_listen";
    struct task *t;
    fg_addr a;
    if (!fg__net_get(call) || !(t = fg__current(call)))
        return -EPERM;
    if (t->cancelled)
        return -ECANCELED;   /* a crashed host's task opens nothing (nor one the sim's end cancelled) */
    int rc = fg__net_resolve(addr, &a, true);
    if (rc == -EINVAL)
        return fg__misuse(call, rc, "\"%s\" is not host:port", addr ? addr : "(null)");
    if (rc < 0)
        return rc;
    int g = fg__net_group_of(a.ip);
    if (g != t->group)
        return -EADDRNOTAVAIL;
    if (backlog < 0)
        return fg__misuse(call, -EINVAL, "backlog %d", backlog);
    if (!a.port && !(a.port = ephemeral(g)))
        return -EADDRINUSE;
    if (port_used(g, a.port))
        return -EADDRINUSE;
    struct tcb *l = tcb_new(g);
    if (!l)
        return -ENOMEM;
    l->listener = true;
    l->state = LISTEN;
    l->local = a;
    l->backlog = backlog < 1 ? 1 : backlog > MAX_BACKLOG ? MAX_BACKLOG : backlog;
    if ((rc = number(l)) < 0)
        tcb_free(l);
    return rc;
}

int fg_tcp_accept_(int id, fg_addr *peer, fg_time deadline)
{
    const char *call = "fg_tcp_accept";
    struct tcb *l = get(call, id);
    if (!l)
        return -EBADF;
    if (!l->listener)
        return fg__misuse(call, -EINVAL, "socket %d is not a listener", id);
    while (!l->q_head) {
        int rc = fg__wait(&l->writers, deadline, call);
        if (rc < 0)
            return rc;   /* a close wakes with -EBADF, a crash with -ECONNRESET */
    }
    struct tcb *c = l->q_head;
    if (!(l->q_head = c->q_next))
        l->q_tail = NULL;
    c->q_next = NULL;
    c->parent = NULL;
    c->queued = false;
    l->nchild--;
    int rc = number(c);
    if (rc < 0) {
        die(c, -ENOMEM);
        return rc;
    }
    if (peer)
        *peer = c->peer;
    if (l->q_head && l->writers.head)   /* more queued: another acceptor may go */
        fg__wake_first(&l->writers, 0);
    return rc;
}

int fg_tcp_connect_(const char *addr, fg_time deadline)
{
    const char *call = "fg_tcp_connect";
    struct task *t;
    fg_addr a;
    if (!fg__net_get(call) || !(t = fg__current(call)))
        return -EPERM;
    if (t->cancelled)
        return -ECANCELED;
    int rc = fg__net_resolve(addr, &a, false);
    if (rc == -EINVAL)
        return fg__misuse(call, rc, "\"%s\" is not host:port", addr ? addr : "(null)");
    if (rc < 0)
        return rc;
    if (!a.port)
        return fg__misuse(call, -EINVAL, "port 0");
    uint16_t port = ephemeral(t->group);
    if (!port)
        return -EADDRNOTAVAIL;
    struct tcb *c = tcb_new(t->group);
    if (!c)
        return -ENOMEM;
    if ((rc = number(c)) < 0) {
        tcb_free(c);
        return rc;
    }
    c->state = SYN_SENT;
    c->local = (fg_addr){fg__net_ip(t->group), port};
    c->peer = a;
    c->pgroup = fg__net_group_of(a.ip);
    c->iss = NET->next_iss += 64000;
    c->snd_una = c->snd_nxt = c->iss;
    c->rtt_at = S->wheel.now;
    segment(c, FG_TCP_SYN, c->iss, 0, 0);
    arm(c);
    int id = c->id;
    while (c->state == SYN_SENT) {
        rc = fg__wait(&c->writers, deadline, call);
        if (rc == -EBADF || rc == -ECONNRESET)
            return rc;   /* closed (by another task) or its host crashed: c is gone */
        if (rc < 0) {
            if (c->state == SYN_SENT) {
                unnumber(c);
                tcb_free(c);
            }
            return rc;
        }
    }
    if (c->state == DEAD) {
        rc = c->err;
        unnumber(c);
        tcb_free(c);
        return rc;
    }
    return id;
}

/* The error a call on a dead stream gets: the reason once, then -EPIPE for sends. */
static int dead_err(struct tcb *c, bool sending)
{
    int e = sending && c->err_told ? -EPIPE : c->err;
    c->err_told = true;
    return e;
}

int fg_tcp_send_(int id, const void *buf, size_t len, fg_time deadline)
{
    const char *call = "fg_tcp_send";
    int err;
    struct tcb *c = conn(call, id, &err);
    if (!c)
        return err;
    if (!buf && len)
        return fg__misuse(call, -EINVAL, "no data for %zu bytes", len);
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        if (c->state == DEAD)
            return dead_err(c, true);
        if (c->wr_shut)
            return -EPIPE;
        if (c->sbuf.len < c->sndbuf || !len)
            break;
        int rc = fg__wait(&c->writers, deadline, call);
        if (rc < 0)
            return rc;
    }
    size_t n = c->sndbuf - c->sbuf.len;
    if (n > len)
        n = len;
    if (!n)
        return 0;
    if (ring_reserve(&c->sbuf, c->sbuf.len + n) < 0 || marks_push(&c->smarks, c->snd_una + (uint32_t)(c->sbuf.len + n)) < 0)
        return -ENOMEM;
    ring_put(&c->sbuf, buf, n);
    output(c);
    return (int)n;
}

int fg_tcp_recv_(int id, void *buf, size_t len, fg_time deadline)
{
    const char *call = "fg_tcp_recv";
    int err;
    struct tcb *c = conn(call, id, &err);
    if (!c)
        return err;
    if (!buf && len)
        return fg__misuse(call, -EINVAL, "no buffer for %zu bytes", len);
    if (len > INT_MAX)
        len = INT_MAX;
    while (!c->rbuf.len) {
        if (c->state == DEAD) {
            c->err_told = true;
            return c->err;
        }
        if (c->fin_rcvd || !len)
            return 0;
        int rc = fg__wait(&c->readers, deadline, call);
        if (rc < 0)
            return rc;
    }
    size_t lim = c->rbuf.len < len ? c->rbuf.len : len;
    uint32_t rd = c->rcv_nxt - (uint32_t)c->rbuf.len - (c->fin_rcvd ? 1 : 0);   /* the first unread byte */
    size_t nat = c->rmarks.len ? marks_at(&c->rmarks, 0) - rd : lim;
    if (nat > lim || !nat)
        nat = lim;
    size_t n = nat;
    if (lim > 1) {   /* short reads and coalesced writes: 0 is the write as sent */
        uint64_t v = fg_choose(lim);
        n = !v ? nat : v < nat ? v : v + 1;
    }
    ring_peek(&c->rbuf, 0, buf, n);
    uint32_t small = mss(c) < c->rcvbuf / 2 ? mss(c) : (uint32_t)(c->rcvbuf / 2);
    bool was_shut = rcv_wnd(c) < small;
    ring_drop(&c->rbuf, n);
    marks_pass(&c->rmarks, rd + (uint32_t)n);
    NET->st.received++;
    if (was_shut && c->state == ESTAB) {   /* the window opens again: say so */
        c->ack_due = true;
        pend(c);
    }
    if (c->rbuf.len && c->readers.head) {
        if (fg__por()) {
            c->wake_due = true;
            pend(c);
        } else {
            fg__wake_first(&c->readers, 0);
        }
    }
    return (int)n;
}

int fg_tcp_shutdown(int id, int how)
{
    const char *call = "fg_tcp_shutdown";
    int err;
    struct tcb *c = conn(call, id, &err);
    if (!c)
        return err;
    if (how < FG_SHUT_RD || how > FG_SHUT_RDWR)
        return fg__misuse(call, -EINVAL, "how %d (FG_SHUT_RD, _WR or _RDWR)", how);
    if (c->state == DEAD)
        return -ENOTCONN;
    if (how != FG_SHUT_RD && !c->wr_shut) {
        c->wr_shut = true;
        output(c);
    }
    return 0;
}

/* Gives the socket up: listeners reset what was never accepted; a stream with unread data is reset. */
static void drop(struct tcb *c, int waiters)
{
    unnumber(c);
    wake_all(c, waiters);
    if (c->listener) {
        while (c->q_head || c->arr_head) {
            struct tcb *x = c->q_head ? c->q_head : c->arr_head;
            send_rst(x);
            tcb_free(x);
        }
        for (struct tcb *x = NET->tcp_all, *next; x; x = next) {   /* half-open children */
            next = x->all_next;
            if (x->parent == c)
                tcb_free(x);
        }
        tcb_free(c);
        return;
    }
    if (c->state == DEAD) {
        tcb_free(c);
    } else if (c->rbuf.len || c->ooo || c->state != ESTAB) {
        if (c->state == ESTAB)
            send_rst(c);
        tcb_free(c);
    } else {
        c->wr_shut = true;
        output(c);
        maybe_done(c);
    }
}

int fg_tcp_close(int id)
{
    struct tcb *c = get("fg_tcp_close", id);
    if (!c)
        return -EBADF;
    drop(c, -EBADF);
    return 0;
}

int fg_tcp_local(int id, fg_addr *out)
{
    struct tcb *c = get("fg_tcp_local", id);
    if (!c)
        return -EBADF;
    if (out)
        *out = c->local;
    return 0;
}

int fg_tcp_peer(int id, fg_addr *out)
{
    int err;
    struct tcb *c = conn("fg_tcp_peer", id, &err);
    if (!c)
        return err;
    if (out)
        *out = c->peer;
    return 0;
}

int fg_tcp_set_buffers(int id, size_t rcvbuf, size_t sndbuf)
{
    struct tcb *c = get("fg_tcp_set_buffers", id);
    if (!c)
        return -EBADF;
    if (rcvbuf)
        c->rcvbuf = rcvbuf;
    if (sndbuf)
        c->sndbuf = sndbuf;
    return 0;
}

/* ---- faults and the end of a sim ---- */

void fg__tcp_crash(int group)
{
    for (struct tcb *c = NET->tcp_all, *next; c; c = next) {
        next = c->all_next;
        if (c->group != group)
            continue;
        if (!c->listener && c->state != DEAD && c->state != LISTEN)
            send_rst(c);
    }
    /* every tcb of the host goes; waiters (other hosts' tasks holding its numbers) learn it */
    for (;;) {
        struct tcb *c = fg__net_host(group)->tcbs;
        if (!c)
            break;
        wake_all(c, -ECONNRESET);
        tcb_free(c);
    }
}

void fg__tcp_end(void)
{
    while (NET->tcp_all)
        tcb_free(NET->tcp_all);
    NET->ntcbs = 0;
    NET->tcp_pend = NULL;
    NET->tcp_idle.queued = false;
    NET->next_iss = 0;
}
