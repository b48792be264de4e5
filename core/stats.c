/* Counters and log2 histograms, and a way to read them after the sim that
 * owned them has freed its memory. */
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
