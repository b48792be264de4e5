/* --stats FILE: what the sync objects and the network counted in one run
 * (fg_sim_stats_last) as JSON; the timeline shows the same as counters. */
#include "harness.h"

#include <errno.h>
#include <string.h>

static void hist(FILE *f, const char *name, const fg_hist *h)
{
    fprintf(f, ",\"%s\":{\"count\":%llu,\"sum_ns\":%llu,\"min_ns\":%lld,\"max_ns\":%lld,\"mean_ns\":%.1f,"
               "\"p50_ns\":%lld,\"p99_ns\":%lld,\"log2_buckets\":[",
            name, (unsigned long long)h->count, (unsigned long long)h->sum, (long long)h->min, (long long)h->max,
            fg_hist_mean(h), (long long)fg_hist_quantile(h, 0.5), (long long)fg_hist_quantile(h, 0.99));
    int top = 64;
    while (top > 0 && !h->bucket[top])
        top--;
    for (int i = 0; i <= top; i++)
        fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)h->bucket[i]);
    fputs("]}", f);
}

static void kind(FILE *f, const char *name, unsigned n, const fg_stats *s)
{
    fprintf(f, ",\n\"%s\":{\"objects\":%u,\"pushes\":%llu,\"pops\":%llu,\"drops\":%llu,\"overflows\":%llu,"
               "\"evictions\":%llu,\"acquires\":%llu,\"contended\":%llu",
            name, n, (unsigned long long)s->pushes, (unsigned long long)s->pops, (unsigned long long)s->drops,
            (unsigned long long)s->overflows, (unsigned long long)s->evictions, (unsigned long long)s->acquires,
            (unsigned long long)s->contended);
    hist(f, "sojourn", &s->sojourn);
    hist(f, "wait", &s->wait);
    fputs("}", f);
}

void fg__stats_json(FILE *f, const fg_sim_stats *st, const fg_result *r)
{
    fprintf(f, "{\"outcome\":\"%s\",\"hash\":\"%016llx\",\"steps\":%llu,\"choices\":%llu,\"time_ns\":%lld",
            fg_outcome_name(r->outcome), (unsigned long long)r->hash, (unsigned long long)r->steps,
            (unsigned long long)r->choices, (long long)r->time);
    kind(f, "mutex", st->mutexes, &st->mutex);
    kind(f, "rwlock", st->rwlocks, &st->rwlock);
    kind(f, "sem", st->sems, &st->sem);
    kind(f, "queue", st->queues, &st->queue);
    const fg_net_stats *n = &st->net;
    fprintf(f, ",\n\"net\":{\"used\":%s,\"sent\":%llu,\"delivered\":%llu,\"received\":%llu,\"duplicated\":%llu,"
               "\"corrupted\":%llu,\"reordered\":%llu,\"delayed\":%llu,\"ce_marked\":%llu,\"dropped\":%llu,"
               "\"dropped_by\":{",
            st->net_used ? "true" : "false", (unsigned long long)n->sent, (unsigned long long)n->delivered,
            (unsigned long long)n->received, (unsigned long long)n->duplicated, (unsigned long long)n->corrupted,
            (unsigned long long)n->reordered, (unsigned long long)n->delayed, (unsigned long long)n->ce_marked,
            (unsigned long long)n->dropped);
    for (int i = 0; i < FG_NET_DROP_REASONS; i++)
        fprintf(f, "%s\"%s\":%llu", i ? "," : "", fg_net_drop_name((fg_net_drop)i),
                (unsigned long long)n->dropped_by[i]);
    fputs("}}}\n", f);
}

int fg__stats_write(const char *path, const fg_result *r)
{
    fg_sim_stats st;
    int err = fg_sim_stats_last(&st);
    if (err < 0) {
        fprintf(stderr, "stats: %s\n", fg_strerror(err));
        return err;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "stats: %s: %s\n", path, strerror(errno));
        return -errno;
    }
    fg__stats_json(f, &st, r);
    err = ferror(f) ? -EIO : 0;
    if (fclose(f) && !err)
        err = -errno;
    if (err)
        fprintf(stderr, "stats: writing %s: %s\n", path, strerror(-err));
    return err;
}
