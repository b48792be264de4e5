/* Counters and log2 histograms, a way to read them after the sim that
 * owned them has freed its memory, and every object's summed by kind. */
#include "por.h"

void fg__hist_add(fg_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    if (!h->count || v < h->min)
        h->min = v;
    if (!h->count || v > h->max)
        h->max = v;
    h->count++;
    h->sum += (uint64_t)v;
    h->bucket[v ? 64 - __builtin_clzll((uint64_t)v) : 0]++;
}

double fg_hist_mean(const fg_hist *h)
{
    return h && h->count ? (double)h->sum / (double)h->count : 0.0;
}

int64_t fg_hist_quantile(const fg_hist *h, double q)
{
    if (!h || !h->count)
        return 0;
    if (!(q >= 0))   /* NaN too */
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)(q * (double)(h->count - 1)) + 1, seen = 0;
    for (int i = 0; i < 65; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            int64_t top = i == 0 ? 0 : i >= 64 ? INT64_MAX : (int64_t)((1ull << i) - 1);
            return top < h->max ? top : h->max;
        }
    }
    return h->max;
}

struct keep {
    const fg_stats *live;
    fg_stats *out;
};

static void copy_out(void *ud)
{
    struct keep *k = ud;
    *k->out = *k->live;
}

int fg_stats_keep(const fg_stats *live, fg_stats *out)
{
    if (!S->active)
        return fg__misuse("fg_stats_keep", -EPERM, "called outside a running sim");
    if (!live || !out)
        return fg__misuse("fg_stats_keep", -EINVAL, "NULL stats");
    struct keep *k = fg_alloc(sizeof *k);
    if (!k)
        return -ENOMEM;
    k->live = live;
    k->out = out;
    *out = *live;
    return fg__at_end(copy_out, k);
}

/* ---- the sim's summary ---- */

static fg_sim_stats last;
static bool have_last;

void fg__stats_track(void *stats, int kind)
{
    if (S->ntracked == S->tracked_cap) {
        size_t cap = S->tracked_cap ? S->tracked_cap * 2 : 16;
        struct tracked *v = fg_alloc(cap * sizeof *v);   /* the old array stays in the arena till the end */
        if (!v)
            return;   /* the summary misses it; the object works */
        if (S->ntracked)
            memcpy(v, S->tracked, S->ntracked * sizeof *v);
        S->tracked = v;
        S->tracked_cap = cap;
    }
    S->tracked[S->ntracked++] = (struct tracked){stats, (uint8_t)kind};
}

static void hist_sum(fg_hist *to, const fg_hist *h)
{
    if (!h->count)
        return;
    if (!to->count || h->min < to->min)
        to->min = h->min;
    if (!to->count || h->max > to->max)
        to->max = h->max;
    to->count += h->count;
    to->sum += h->sum;
    for (int i = 0; i < 65; i++)
        to->bucket[i] += h->bucket[i];
}

static void stats_sum(fg_stats *to, const fg_stats *s)
{
    to->pushes += s->pushes;
    to->pops += s->pops;
    to->drops += s->drops;
    to->overflows += s->overflows;
    to->evictions += s->evictions;
    to->acquires += s->acquires;
    to->contended += s->contended;
    hist_sum(&to->sojourn, &s->sojourn);
    hist_sum(&to->wait, &s->wait);
}

void fg__stats_collect(void)
{
    memset(&last, 0, sizeof last);
    for (size_t i = 0; i < S->ntracked; i++) {
        const struct tracked *t = &S->tracked[i];
        fg_stats *to = t->kind == FG__ST_MUTEX ? &last.mutex : t->kind == FG__ST_RWLOCK ? &last.rwlock
                     : t->kind == FG__ST_SEM   ? &last.sem   : &last.queue;
        unsigned *n = t->kind == FG__ST_MUTEX ? &last.mutexes : t->kind == FG__ST_RWLOCK ? &last.rwlocks
                    : t->kind == FG__ST_SEM   ? &last.sems    : &last.queues;
        (*n)++;
        stats_sum(to, t->st);
    }
    have_last = true;
}

void fg__stats_net(const fg_net_stats *net)
{
    last.net_used = true;
    last.net = *net;
}

int fg_sim_stats_last(fg_sim_stats *out)
{
    if (S->active)
        return fg__misuse("fg_sim_stats_last", -EBUSY, "a sim is running: its figures are not final");
    if (!have_last)
        return -ENOENT;
    if (!out)
        return fg__misuse("fg_sim_stats_last", -EINVAL, "NULL out");
    *out = last;
    return 0;
}
