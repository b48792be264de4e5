/* The simulated network's state for one sim: hosts and their addresses, the
 * link model and partitions, monitors, counters. Set up on first use, torn
 * down by an end hook, so a sim that never touches the network pays nothing. */
#include "net.h"

#include <stdlib.h>

struct net fg__net;

static const struct link default_link = {.latency = 50 * FG_MS, .mtu = 1500};
/* Traffic inside one host: no latency, no impairment. */
static const struct link loopback = {.mtu = 65535};

static void net_end(void *ud)
{
    (void)ud;
    fg__stats_net(&NET->st);
    fg__tcp_end();
    fg__wire_end();
    fg__hosts_end();
    fg__socks_end();
    NET->npairs = 0;
    NET->nhosts = 0;
    NET->nmon = 0;
    NET->arrivals.queued = false;   /* the scheduler's idle list starts empty each sim */
    NET->arr_head = NET->arr_tail = NULL;
    NET->on = false;
}

struct net *fg__net_get(const char *call)
{
    if (FG_LIKELY(NET->on))
        return NET;
    if (!S->active) {
        fg__misuse(call, -EPERM, "called outside a running sim");
        return NULL;
    }
    if (fg__at_end(net_end, NULL) < 0) {
        fg__misuse(call, -ENOMEM, "out of memory");
        return NULL;
    }
    NET->on = true;
    NET->def = default_link;
    NET->flight.next = NET->flight.prev = &NET->flight;
    NET->next_id = 0;
    memset(&NET->st, 0, sizeof NET->st);
    const char *dir = getenv("FUGUE_PCAP_DIR");
    NET->pcap_dir = dir && *dir ? dir : NULL;
    return NET;
}

FG_POOLED struct host *fg__net_host(int group)
{
    if (FG_UNLIKELY(group >= NET->nhosts)) {
        if (group >= NET->hosts_cap) {
            int cap = NET->hosts_cap ? NET->hosts_cap : 16;
            while (cap <= group)
                cap *= 2;
            struct host *h = fg__keep_grow(NET->hosts, (size_t)NET->hosts_cap * sizeof *h, (size_t)cap * sizeof *h);
            if (!h)
                fg__fail(FG_FAIL_CRASH, "out of memory adding host %d", group);
            NET->hosts = h;
            NET->hosts_cap = cap;
        }
        for (int i = NET->nhosts; i <= group; i++)
            NET->hosts[i] = (struct host){.next_port = NET_EPHEMERAL};
        NET->nhosts = group + 1;
    }
    return &NET->hosts[group];
}

int fg__net_group_of(uint32_t ip)
{
    uint32_t g = ip - 0x0a000001u;
    return g < (uint32_t)S->ngroups ? (int)g : -1;
}

static int parse_quad(const char *s, size_t n, uint32_t *ip)
{
    uint32_t v = 0;
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        uint32_t x = 0;
        size_t digits = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 4; i++, digits++)
            x = x * 10 + (uint32_t)(s[i] - '0');
        if (!digits || digits > 3 || x > 255)
            return -1;
        v = v << 8 | x;
        parts++;
        if (parts < 4) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
    }
    if (i != n)
        return -1;
    *ip = v;
    return 0;
}

int fg__net_resolve(const char *hp, fg_addr *out, bool for_bind)
{
    if (!hp)
        return -EINVAL;
    const char *colon = strrchr(hp, ':');
    if (!colon || colon == hp || !colon[1])
        return -EINVAL;
    uint32_t port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || port > 65535)
            return -EINVAL;
        port = port * 10 + (uint32_t)(*p - '0');
    }
    if (port > 65535)
        return -EINVAL;
    size_t n = (size_t)(colon - hp);
    int g = -1;
    uint32_t ip;
    if ((n == 9 && !memcmp(hp, "localhost", 9)) || (n == 7 && !memcmp(hp, "0.0.0.0", 7))) {
        if (n == 7 && !for_bind)
            return -EHOSTUNREACH;   /* nobody lives at the wildcard address */
        g = S->cur ? S->cur->group : 0;
    } else if (parse_quad(hp, n, &ip) == 0) {
        if ((g = fg__net_group_of(ip)) < 0)
            return -EHOSTUNREACH;
    } else {
        for (int i = 0; i < S->ngroups && g < 0; i++)
            if (!strncmp(S->groups[i], hp, n) && !S->groups[i][n])
                g = i;
        if (g < 0)
            return -EHOSTUNREACH;
    }
    out->ip = fg__net_ip(g);
    out->port = (uint16_t)port;
    return 0;
}

int fg_net_resolve(const char *hostport, fg_addr *out)
{
    if (!fg__net_get("fg_net_resolve"))
        return -EPERM;
    if (!out)
        return fg__misuse("fg_net_resolve", -EINVAL, "no output address");
    return fg__net_resolve(hostport, out, false);
}

const char *fg_net_host(uint32_t ip)
{
    if (!S->active)
        return NULL;
    int g = fg__net_group_of(ip);
    return g < 0 ? NULL : S->groups[g];
}

char *fg_addr_fmt(fg_addr a)
{
    const char *h = fg_net_host(a.ip);
    if (h)
        return fg_fmt("%s:%u", h, (unsigned)a.port);
    return fg_fmt("%u.%u.%u.%u:%u", (unsigned)(a.ip >> 24), (unsigned)(a.ip >> 16 & 255),
                  (unsigned)(a.ip >> 8 & 255), (unsigned)(a.ip & 255), (unsigned)a.port);
}

/* ---- links and partitions ---- */

const struct link *fg__net_link(int a, int b, bool *cut)
{
    const struct link *l = a == b ? &loopback : &NET->def;
    bool c = a != b && ((a < NET->nhosts && NET->hosts[a].isolated) || (b < NET->nhosts && NET->hosts[b].isolated));
    for (int i = 0; i < NET->npairs; i++) {
        const struct pair *p = &NET->pairs[i];
        if (p->a == a && p->b == b) {
            if (p->has_link)
                l = &p->link;
            c |= p->cut;
            break;
        }
    }
    *cut = c;
    return l;
}

static struct pair *pair_of(int a, int b)
{
    for (int i = 0; i < NET->npairs; i++)
        if (NET->pairs[i].a == a && NET->pairs[i].b == b)
            return &NET->pairs[i];
    if (NET->npairs == NET->pairs_cap) {
        int cap = NET->pairs_cap ? NET->pairs_cap * 2 : 16;
        struct pair *p = fg__keep_grow(NET->pairs, (size_t)NET->pairs_cap * sizeof *p, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        NET->pairs = p;
        NET->pairs_cap = cap;
    }
    struct pair *p = &NET->pairs[NET->npairs++];
    *p = (struct pair){.a = a, .b = b};
    return p;
}

static bool bad_rate(double r)
{
    return !(r >= 0.0 && r <= 1.0);   /* NaN fails too */
}

static uint32_t ppm(double r)
{
    return (uint32_t)(r * NET_PPM + 0.5);
}

/* Group numbers for a pair of names: both NULL is the default (-1, -1). */
static int pair_groups(const char *call, const char *a, const char *b, int *ga, int *gb)
{
    if (!a != !b)
        return fg__misuse(call, -EINVAL, "give both groups, or neither for the default");
    *ga = a ? fg__group(a) : -1;
    *gb = b ? fg__group(b) : -1;
    return 0;
}

int fg_net_get_link(const char *a, const char *b, fg_link *out)
{
    int ga = -1, gb = -1, err;
    if (!fg__net_get("fg_net_get_link"))
        return -EPERM;
    if ((err = pair_groups("fg_net_get_link", a, b, &ga, &gb)) < 0)
        return err;
    if (!out)
        return fg__misuse("fg_net_get_link", -EINVAL, "no output link");
    bool cut;
    const struct link *l = ga < 0 ? &NET->def : fg__net_link(ga, gb, &cut);
    *out = (fg_link){.latency = l->latency, .jitter = l->jitter, .loss = l->loss / (double)NET_PPM,
                     .duplicate = l->dup / (double)NET_PPM, .reorder = l->reorder / (double)NET_PPM,
                     .corrupt = l->corrupt / (double)NET_PPM, .ce = l->ce / (double)NET_PPM, .mtu = l->mtu};
    return 0;
}

int fg_net_set_link(const char *a, const char *b, const fg_link *l)
{
    const char *call = "fg_net_set_link";
    int ga = -1, gb = -1, err;
    if (!fg__net_get(call))
        return -EPERM;
    if ((err = pair_groups(call, a, b, &ga, &gb)) < 0)
        return err;
    if (!l)
        return fg__misuse(call, -EINVAL, "no link given");
    if (l->latency < 0 || l->jitter < 0)
        return fg__misuse(call, -EINVAL, "negative latency or jitter");
    if (bad_rate(l->loss) || bad_rate(l->duplicate) || bad_rate(l->reorder) || bad_rate(l->corrupt) || bad_rate(l->ce))
        return fg__misuse(call, -EINVAL, "a rate outside [0, 1]");
    if (l->mtu && (l->mtu < 68 || l->mtu > 65535))
        return fg__misuse(call, -EINVAL, "mtu %u outside [68, 65535]", (unsigned)l->mtu);
    struct link k = {.latency = l->latency, .jitter = l->jitter, .loss = ppm(l->loss), .dup = ppm(l->duplicate),
                     .reorder = ppm(l->reorder), .corrupt = ppm(l->corrupt), .ce = ppm(l->ce),
                     .mtu = l->mtu ? l->mtu : 1500};
    if (ga < 0) {
        NET->def = k;
        return 0;
    }
    struct pair *p = pair_of(ga, gb), *q = p ? pair_of(gb, ga) : NULL;
    if (!q)
        return -ENOMEM;
    p = pair_of(ga, gb);   /* the second lookup may have moved the array */
    p->link = q->link = k;
    p->has_link = q->has_link = true;
    return 0;
}

static int set_cut(const char *call, const char *a, const char *b, bool cut)
{
    if (!fg__net_get(call))
        return -EPERM;
    if (!a && b)
        return fg__misuse(call, -EINVAL, "the first group is missing");
    bool changed = false;
    int ga = a ? fg__group(a) : -1, gb = b ? fg__group(b) : -1;
    if (!a) {   /* heal everything */
        for (int i = 0; i < NET->nhosts; i++) {
            changed |= NET->hosts[i].isolated;
            NET->hosts[i].isolated = false;
        }
        for (int i = 0; i < NET->npairs; i++) {
            changed |= NET->pairs[i].cut;
            NET->pairs[i].cut = false;
        }
    } else if (!b) {
        changed = fg__net_host(ga)->isolated != cut;
        fg__net_host(ga)->isolated = cut;
        if (!cut)
            for (int i = 0; i < NET->npairs; i++)
                if (NET->pairs[i].a == ga || NET->pairs[i].b == ga) {
                    changed |= NET->pairs[i].cut;
                    NET->pairs[i].cut = false;
                }
    } else if (!cut) {
        for (int i = 0; i < NET->npairs; i++)
            if ((NET->pairs[i].a == ga && NET->pairs[i].b == gb) || (NET->pairs[i].a == gb && NET->pairs[i].b == ga)) {
                changed |= NET->pairs[i].cut;
                NET->pairs[i].cut = false;
            }
    } else {
        if (!pair_of(ga, gb) || !pair_of(gb, ga))
            return -ENOMEM;
        changed = !pair_of(ga, gb)->cut;
        pair_of(ga, gb)->cut = pair_of(gb, ga)->cut = true;
    }
    if (changed)   /* the report names what changed the network, not each no-op */
        fg__fault(cut ? "partition" : "heal", ga, gb);
    return 0;
}

int fg_net_partition(const char *a, const char *b)
{
    if (!a && S->active)
        return fg__misuse("fg_net_partition", -EINVAL, "no group given");
    return set_cut("fg_net_partition", a, b, true);
}

int fg_net_heal(const char *a, const char *b)
{
    return set_cut("fg_net_heal", a, b, false);
}

/* ---- monitors and counters ---- */

int fg_net_monitor(const fg_net_hooks *h)
{
    if (!fg__net_get("fg_net_monitor"))
        return -EPERM;
    if (!h)
        return fg__misuse("fg_net_monitor", -EINVAL, "no hooks given");
    if (NET->nmon == NET_MAX_MONITORS)
        return fg__misuse("fg_net_monitor", -ENOSPC, "more than %d monitors", NET_MAX_MONITORS);
    NET->mon[NET->nmon++] = *h;
    return 0;
}

void fg__net_drop(fg_net_drop reason, struct sock *s)
{
    NET->st.dropped++;
    NET->st.dropped_by[reason]++;
    if (FG_UNLIKELY(S->o.on_event != NULL))
        fg__event(FG_EV_DROP, fg__running_id(), -1, 0, fg_net_drop_name(reason), NULL, 0);
    if (s) {
        s->st.dropped++;
        s->st.dropped_by[reason]++;
    }
}

void fg_net_stats_get(fg_net_stats *out)
{
    if (S->active)
        fg__net_get("fg_net_stats_get");
    if (out)
        *out = NET->st;
}

const char *fg_net_drop_name(fg_net_drop reason)
{
    static const char *names[] = {"loss", "partition", "monitor", "sndbuf", "rcvbuf", "unreachable", "closed"};
    return (unsigned)reason < FG_NET_DROP_REASONS ? names[reason] : "unknown";
}
