/* The wire: a datagram leaves a socket, meets the monitors and the link's
 * impairments (each a choice, so value 0 is a perfect network), rides a timer
 * on the wheel for its latency, and lands in the receiving socket. Both ends
 * are captured when FUGUE_PCAP_DIR is set. */
#include "net.h"
#include "pcap.h"

#include <stdlib.h>

/* Packets are pooled across sims in kept memory (keep.c: pooled packets
 * spread over malloc's heap kept it from trimming its top, and RSS crept); the
 * pool is bounded and small: at 4096 (6.5 MiB) a chaos run that duplicated a
 * datagram 100 times raised it for good. Past it, packets come from the sim (fg__sim_malloc). */
#define POOL_MAX 256
static struct pkt *slab, *pool;
static int npool;

static bool in_slab(const struct pkt *p)
{
    return slab && p >= slab && p < slab + POOL_MAX;
}

static void slab_init(void)
{
    if (!(slab = fg__keep(POOL_MAX * sizeof *slab)))
        return;
    for (int i = POOL_MAX; i-- > 0;) {
        slab[i].data = slab[i].inl;
        slab[i].next = pool;
        pool = &slab[i];
    }
    npool = POOL_MAX;
}

FG_POOLED struct pkt *fg__pkt_new(size_t len)
{
    if (!slab)
        slab_init();
    struct pkt *p = pool;
    if (p) {
        pool = p->next;
        npool--;
    } else if (!(p = fg__sim_malloc(sizeof *p))) {
        fg__fail(FG_FAIL_CRASH, "out of memory for a packet");
    }
    p->data = p->inl;
    if (len > NET_INLINE && !(p->data = fg__sim_malloc(len)))
        fg__fail(FG_FAIL_CRASH, "out of memory for a %zu-byte packet", len);
    p->len = (uint32_t)len;
    p->from = NULL;
    p->dup = p->received_hooks = p->bad = false;
    p->proto = NET_UDP;
    p->timer.armed = false;
    return p;
}

FG_POOLED void fg__pkt_free(struct pkt *p)
{
    if (p->data != p->inl)
        fg__sim_free(p->data);
    p->data = p->inl;
    if (in_slab(p)) {
        p->next = pool;
        pool = p;
        npool++;
    } else {
        fg__sim_free(p);
    }
}

/* At rest every packet of the slab is back in the pool, once, and idle. */
const char *fg__pkts_at_rest(void)
{
    int n = 0;
    for (struct pkt *p = pool; p; p = p->next)
        if (++n > npool || !in_slab(p) || p->data != p->inl || p->timer.armed)
            return "the packet pool is corrupt (a cycle, a miscount, or a packet still in use)";
    return n == npool && (!slab || npool == POOL_MAX) ? NULL : "the packet pool miscounts its packets, or a packet outlived the sim";
}

static struct pkt *clone(const struct pkt *p)
{
    struct pkt *q = fg__pkt_new(p->len);
    uint8_t *data = q->data;
    memcpy(q, p, offsetof(struct pkt, data));
    q->data = data;
    memcpy(q->data, p->data, p->len);
    q->from = NULL;
    q->dup = true;
    q->timer.armed = false;
    NET->st.duplicated++;
    return q;
}

void fg__packet_view(const struct pkt *p, fg_net_dir dir, fg_packet *v)
{
    *v = (fg_packet){.src = p->src, .dst = p->dst, .src_host = S->groups[p->sgroup],
                     .dst_host = S->groups[p->dgroup], .data = p->data, .len = p->len, .ecn = p->ecn,
                     .duplicate = p->dup, .dir = dir, .id = p->id, .sent = p->sent,
                     .proto = p->proto, .tcp_flags = p->tflags, .seq = p->seq, .ack = p->ack};
}

static fg_net_verdict judge(struct pkt *p, fg_net_dir dir)
{
    fg_packet v;
    fg__packet_view(p, dir, &v);
    fg_net_verdict r = {FG_NET_PASS, 0, 0};
    /* held where the sim's end finds it: a monitor that fails the sim never returns */
    p->next = NET->judged;
    NET->judged = p;
    fg__hook_enter();
    for (int i = 0; i < NET->nmon && r.action == FG_NET_PASS; i++)
        if (NET->mon[i].packet)
            r = NET->mon[i].packet(&v, NET->mon[i].ud);
    fg__hook_leave();
    /* this packet, wherever it sits: a hook may have judged others (its own sends) meanwhile */
    struct pkt **pp = &NET->judged;
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    if (r.action == FG_NET_DUPLICATE && r.copies > FG_NET_MAX_COPIES) {
        fg__misuse("fg_net_monitor", -EINVAL, "a verdict asked for %u copies of a datagram; it gets %d",
                   r.copies, FG_NET_MAX_COPIES);
        r.copies = FG_NET_MAX_COPIES;
    }
    return r;
}

/* ---- capture ---- */

static const char *target(void)
{
    return S->o.name && *S->o.name ? S->o.name : "sim";
}

void fg__wire_capture(int group, const struct pkt *p)
{
    struct host *h = fg__net_host(group);
    if (FG_UNLIKELY(!h->cap)) {
        if (h->cap_tried)
            return;
        h->cap_tried = true;
        if (!(h->cap = fg__pcap_open(NET->pcap_dir, target(), S->groups[group]))) {
            fprintf(stderr, "fugue: capture of %s in %s/%s: %s\n", S->groups[group], NET->pcap_dir, target(),
                    strerror(errno));
            return;
        }
    }
    int rc = p->proto == NET_TCP
                 ? fg__pcap_tcp(h->cap, S->wheel.now, p->src.ip, p->src.port, p->dst.ip, p->dst.port,
                                &(struct fg__tcp_hdr){.seq = p->seq, .ack = p->ack, .flags = p->tflags, .win = p->win},
                                p->data, p->len)
                 : fg__pcap_udp(h->cap, S->wheel.now, p->src.ip, p->src.port, p->dst.ip, p->dst.port, p->ecn,
                                p->data, p->len);
    if (FG_UNLIKELY(rc < 0) && !h->cap_missed++) {
        char tb[32];
        fg__fmt_time(tb, sizeof tb, S->wheel.now);
        fprintf(stderr, "fugue: capture of %s: a packet at %s is not in %s/%s/%s.pcap: %s%s\n", S->groups[group], tb,
                NET->pcap_dir, target(), S->groups[group], strerror(-rc),
                rc == -ERANGE ? " (pcap timestamps end at 2^31 s of sim time)" : "");
    }
}

/* ---- in flight ---- */

static void flight_link(struct pkt *p)
{
    struct pkt *head = &NET->flight;
    p->prev = head->prev;
    p->next = head;
    head->prev->next = p;
    head->prev = p;
}

static void flight_unlink(struct pkt *p)
{
    p->prev->next = p->next;
    p->next->prev = p->prev;
}

static void arrive(struct timer *t);

static void fly(struct pkt *p, fg_time delay)
{
    flight_link(p);
    p->timer.fire = arrive;
    fg_time now = S->wheel.now;
    fg__timer_add(&S->wheel, &p->timer, delay > FG_FOREVER - now ? FG_FOREVER : now + delay);
}

/* The packet is at the receiving host: capture it, then the socket takes it or it is dropped. */
static void land(struct pkt *p)
{
    if (p->proto == NET_TCP) {
        fg__tcp_land(p);
        return;
    }
    if (FG_UNLIKELY(NET->pcap_dir != NULL))
        fg__wire_capture(p->dgroup, p);
    struct sock *s = fg__sock_at(p->dgroup, p->dst);
    if (!s) {
        fg__net_drop(FG_NET_DROP_UNREACHABLE, NULL);
        fg__pkt_free(p);
        return;
    }
    fg__sock_deliver(s, p);
}

static void arrive(struct timer *t)
{
    struct pkt *p = FG_CONTAINER(t, struct pkt, timer);
    flight_unlink(p);
    if (p->from) {
        p->from->snd_bytes -= p->len;
        p->from = NULL;
    }
    bool cut;
    fg__net_link(p->sgroup, p->dgroup, &cut);
    if (FG_UNLIKELY(cut)) {
        fg__net_drop(FG_NET_DROP_PARTITION, NULL);
        fg__pkt_free(p);
        return;
    }
    if (NET->nmon && !p->received_hooks) {
        p->received_hooks = true;   /* judged once: a delayed packet is not judged again */
        fg_net_verdict v = judge(p, FG_NET_RECV);
        switch (v.action) {
        case FG_NET_DROP:
            fg__net_drop(FG_NET_DROP_MONITOR, NULL);
            fg__pkt_free(p);
            return;
        case FG_NET_DELAY:
            NET->st.delayed++;
            fly(p, v.delay > 0 ? v.delay : 0);
            return;
        case FG_NET_DUPLICATE: {
            /* copies first: landing may free the original */
            struct pkt *copies = NULL, **tail = &copies;
            for (unsigned i = 0; i < v.copies; i++) {
                *tail = clone(p);
                tail = &(*tail)->next;
            }
            *tail = NULL;
            land(p);
            while (copies) {
                struct pkt *q = copies;
                copies = q->next;
                land(q);
            }
            return;
        }
        default:
            break;
        }
    }
    land(p);
}

/* a + b for non-negative delays, saturating: a huge delay must not wrap into the past */
static fg_time delay_add(fg_time a, fg_time b)
{
    return b > FG_FOREVER - a ? FG_FOREVER : a + b;
}

/* The link's per-copy decisions: jitter, reordering, corruption, CE marks. */
static void launch(struct pkt *p, const struct link *l, fg_time extra)
{
    fg_time d = delay_add(l->latency, extra);
    if (l->jitter)
        d = delay_add(d, (fg_time)fg_choose((uint64_t)l->jitter + 1));
    if (l->reorder && fg_rand_chance(l->reorder, NET_PPM)) {
        d = delay_add(d, fg_rand_range(1, l->latency > 1 ? l->latency : 1));
        NET->st.reordered++;
    }
    if (l->corrupt && p->len && fg_rand_chance(l->corrupt, NET_PPM)) {
        uint64_t bit = fg_choose((uint64_t)p->len * 8);
        p->data[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
        p->bad = true;
        NET->st.corrupted++;
    }
    if (l->ce && (p->ecn == 1 || p->ecn == 2) && fg_rand_chance(l->ce, NET_PPM)) {
        p->ecn = 3;
        NET->st.ce_marked++;
    }
    fly(p, d);
}

/* Monitors, the cut, loss and duplication, then a launch per copy. `s` is the UDP
 * sender (NULL for TCP); false when a hook closed it meanwhile. */
static bool depart(struct pkt *p, struct sock *s)
{
    uint32_t gen = s ? s->gen : 0;
    if (FG_UNLIKELY(NET->pcap_dir != NULL))
        fg__wire_capture(p->sgroup, p);
    fg_time extra = 0;
    unsigned copies = 0;
    if (NET->nmon) {
        fg_net_verdict v = judge(p, FG_NET_SEND);
        if (v.action == FG_NET_DROP) {
            fg__net_drop(FG_NET_DROP_MONITOR, NULL);
            fg__pkt_free(p);
            return !s || (s->open && s->gen == gen);
        }
        if (v.action == FG_NET_DELAY && v.delay > 0) {
            extra = v.delay;
            NET->st.delayed++;
        }
        if (v.action == FG_NET_DUPLICATE)
            copies = v.copies;
    }
    /* a hook closed the sender: what it judged has left, but counts against no buffer */
    bool still = !s || (s->open && s->gen == gen);
    bool cut;
    const struct link *l = fg__net_link(p->sgroup, p->dgroup, &cut);
    if (FG_UNLIKELY(cut)) {
        fg__net_drop(FG_NET_DROP_PARTITION, NULL);
        fg__pkt_free(p);
        return still;
    }
    if (l->loss && fg_rand_chance(l->loss, NET_PPM)) {
        fg__net_drop(FG_NET_DROP_LOSS, NULL);
        fg__pkt_free(p);
        return still;
    }
    if (l->dup && fg_rand_chance(l->dup, NET_PPM))
        copies++;
    /* copies are made before the original is launched: corruption hits each on its own */
    struct pkt *chain = NULL, **tail = &chain;
    for (unsigned i = 0; i < copies; i++) {
        *tail = clone(p);
        tail = &(*tail)->next;
    }
    *tail = NULL;
    if (s && still) {
        p->from = s;
        s->snd_bytes += p->len;
    }
    launch(p, l, extra);
    while (chain) {
        struct pkt *q = chain;
        chain = q->next;
        launch(q, l, extra);
    }
    return still;
}

bool fg__wire_send(struct sock *s, fg_addr dst, int dgroup, const uint8_t *data, size_t len, unsigned ecn)
{
    NET->st.sent++;
    s->st.sent++;
    if (FG_UNLIKELY(s->snd_bytes + len > s->sndbuf)) {
        fg__net_drop(FG_NET_DROP_SNDBUF, s);
        return true;
    }
    struct pkt *p = fg__pkt_new(len);
    memcpy(p->data, data, len);
    p->src = s->local;
    p->dst = dst;
    p->sgroup = s->group;
    p->dgroup = dgroup;
    p->id = NET->next_id++;
    p->sent = S->wheel.now;
    if (FG_UNLIKELY(S->o.on_event != NULL))
        fg__event(FG_EV_SEND, fg__running_id(), -1, p->id, "datagram", NULL, 0);
    p->ecn = (uint8_t)ecn;
    return depart(p, s);
}

void fg__wire_tcp(struct pkt *p)
{
    NET->st.sent++;
    p->id = NET->next_id++;
    p->sent = S->wheel.now;
    p->ecn = 0;
    depart(p, NULL);
}

/* ---- the end of a sim ---- */

static int host_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '#' || *s == '/')
            return 0;
    return 1;
}

void fg__wire_end(void)
{
    while (NET->judged) {
        struct pkt *p = NET->judged;
        NET->judged = p->next;
        fg__pkt_free(p);
    }
    struct pkt *head = &NET->flight;
    while (head->next != head) {
        struct pkt *p = head->next;
        flight_unlink(p);
        fg__timer_cancel(&S->wheel, &p->timer);
        fg__pkt_free(p);
    }
    if (!NET->pcap_dir)
        return;
    for (int i = 0; i < NET->nhosts; i++) {
        if (NET->hosts[i].cap && fg__pcap_close(NET->hosts[i].cap) < 0)
            fprintf(stderr, "fugue: capture of %s: write error\n", S->groups[i]);
        if (NET->hosts[i].cap_missed)
            fprintf(stderr, "fugue: capture of %s: %llu packet%s missing from the file (see above)\n", S->groups[i],
                    (unsigned long long)NET->hosts[i].cap_missed, NET->hosts[i].cap_missed == 1 ? "" : "s");
        NET->hosts[i].cap = NULL;
    }
    /* every host, so a capture's peers have names even if they captured nothing */
    size_t n = 0, cap = S->ngroups ? (size_t)S->ngroups : 1;
    uint32_t *ips = malloc(cap * sizeof *ips);
    const char **names = malloc(cap * sizeof *names);
    for (int i = 0; ips && names && i < S->ngroups; i++) {
        if (!host_name_ok(S->groups[i]))
            continue;
        ips[n] = fg__net_ip(i);
        names[n++] = S->groups[i];
    }
    int rc = ips && names ? fg__pcap_hosts(NET->pcap_dir, target(), ips, names, n) : -ENOMEM;
    if (rc < 0)
        fprintf(stderr, "fugue: hosts file in %s/%s: %s\n", NET->pcap_dir, target(), strerror(-rc));
    free(ips);
    free(names);
}
