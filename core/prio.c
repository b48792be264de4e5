/* PCT and POS: strategies that run the ready task of highest priority. Their
 * parameters (first priorities, change points) sit at fixed offsets at the
 * front of the input (docs/choice-stream.md), so one mutated byte moves one
 * change point; later draws read the stream like any other choice. */
#include "internal.h"

/* ---- the strategy tag: an input that names its own strategy (core/tag.c writes it) ---- */

/* Says once per process (a fuzzer may send many), out of line: whether it said
 * already depends on the runs before this one. */
static FG_POOLED int bad_tag(const uint8_t *b, const char *why)
{
    static bool said;
    int err = -EPROTO;
    if (!said)
        fg__misuse("fg_run_bytes", err, "the input's strategy tag (fe 5c %02x %02x %02x) has %s; this fugue "
                   "reads versions %d and %d (docs/choice-stream.md)", b[2], b[3], b[4], why, FG_TAG_VERSION,
                   FG_TAG_TAIL_VERSION);
    said = true;
    return err;
}

/* A tag cut short reads its missing bytes as 0, as the stream does. */
int fg__tag_read(const uint8_t *data, size_t len, fg_opts *o, size_t *skip)
{
    *skip = 0;
    if (len < 2 || data[0] != FG_TAG0 || data[1] != FG_TAG1)
        return 0;
    uint8_t b[FG_TAG_TAIL_LEN] = {0};
    memcpy(b, data, len < FG_TAG_TAIL_LEN ? len : FG_TAG_TAIL_LEN);
    bool tail = b[2] == FG_TAG_TAIL_VERSION;
    const char *why = b[2] != FG_TAG_VERSION && !tail ? "an unknown version"
                      : b[3] > FG_POS                 ? "an unknown strategy"
                      : b[4] > FG_PCT_MAX_DEPTH       ? "a depth above FG_PCT_MAX_DEPTH" : NULL;
    if (why)
        return bad_tag(b, why);
    o->strategy = (fg_strategy)b[3];
    o->depth = b[4];
    size_t n = tail ? FG_TAG_TAIL_LEN : FG_TAG_LEN;
    *skip = len < n ? len : n;
    S->tail = tail;
    if (tail)
        fg__rng_seed((uint64_t)b[5] | (uint64_t)b[6] << 8 | (uint64_t)b[7] << 16 | (uint64_t)b[8] << 24);
    return 0;
}

/* ---- k, the number of steps with a choice, learnt from earlier runs of a root ---- */

#define KEST 16
static struct { fg_fn root; uint64_t k; } kest[KEST];

/* out of line (FG_POOLED), as k_learn: whether a root is new depends on the runs before */
static FG_POOLED uint64_t *k_of(fg_fn root)
{
    size_t h = ((uintptr_t)root >> 4) % KEST;
    if (kest[h].root != root) {
        kest[h].root = root;
        kest[h].k = 0;    /* unknown: the first run has no change points, then the longest run seen */
    }
    return &kest[h].k;
}

/* ---- the header: read (bytes) or drawn and recorded (rng) at the sim's start ---- */

/* fg__prio_preempt chose the front of the ready ring: the pick that follows takes it */
static bool handoff;
/* fg__prio_yield: the latest yielder ranks lowest, so spinners take turns */
static uint32_t yield_rank;

void fg__prio_begin(fg_fn root)
{
    S->prio_steps = 0;
    handoff = false;
    yield_rank = 0xffff;
    if (S->o.strategy != FG_PCT && S->o.strategy != FG_POS)
        return;
    bool rng = S->src == SRC_RNG;
    bool used[256] = {false};
    for (int i = 0; i < FG_PRIO_SLOTS; i++) {
        uint64_t v = 0;
        /* distinct first priorities, as PCT needs (bytes mode breaks ties by task id) */
        while (rng && used[v = fg__rng_u64() & 0xff])
            ;
        used[v] = true;
        S->prio0[i] = (uint8_t)fg__param(1, v);
    }
    uint64_t k = *k_of(root);
    for (int i = 0; i < FG_PCT_MAX_DEPTH - 1; i++) {
        uint64_t v = rng && k && S->o.strategy == FG_PCT && i + 1u < S->o.depth ? 1 + fg__rng_u64() % k : 0;
        S->cp[i] = (uint32_t)fg__param(4, v);
    }
}

static FG_POOLED void k_learn(uint64_t *k, uint64_t steps)
{
    if (steps > *k)
        *k = steps;
}

void fg__prio_end(fg_fn root)
{
    if (S->o.strategy != FG_PCT)
        return;
    k_learn(k_of(root), S->prio_steps);
}

/* ---- picking ---- */

static struct task *at(uint32_t i)
{
    return S->rq[(S->rq_head + i) & (S->rq_cap - 1)];
}

/* A task's priority, drawn the first time it is looked at: the header's slot
 * for the first tasks, the stream after. Ties go to the lower id under PCT. */
static uint32_t prio(struct task *t)
{
    if (!t->prio_set) {
        uint32_t b = t->id < FG_PRIO_SLOTS && !t->prio_drawn ? S->prio0[t->id] : (uint32_t)fg_choose(256);
        t->prio = (b + FG_PCT_MAX_DEPTH) << 16 | (S->o.strategy == FG_PCT ? 0xffffu - ((uint32_t)t->id & 0xffff) : 0);
        t->prio_set = t->prio_drawn = true;
    }
    return t->prio;
}

/* The first ready task (wake order) of highest priority. */
static uint32_t best(void)
{
    uint32_t bi = 0, bp = prio(at(0));
    for (uint32_t i = 1; i < S->rq_len; i++) {
        uint32_t p = prio(at(i));
        if (p > bp)
            bi = i, bp = p;
    }
    return bi;
}

uint32_t fg__prio_pick(void)
{
    if (handoff) {
        handoff = false;
    yield_rank = 0xffff;
        return 0;
    }
    uint32_t i = best();
    if (S->o.strategy == FG_PCT) {
        /* only steps with a choice count toward k, and only they hold change points */
        if (S->rq_len > 1) {
            S->prio_steps++;
            for (unsigned c = 0; c + 1 < S->o.depth; c++)
                if (S->cp[c] == S->prio_steps) {
                    struct task *t = at(i);
                    t->prio = (uint32_t)(FG_PCT_MAX_DEPTH - 1 - c) << 16 | (t->prio & 0xffff);
                    i = best();
                }
        }
    } else {
        /* POS: the operation that runs gets a fresh priority when its task is next
         * ready; tasks it wakes (the ones that conflict with it) draw fresh ones too */
        at(i)->prio_set = false;
    }
    return i;
}

/* ---- preemption points of a layer (the pthread layer's calls and shared accesses) ---- */

/* The same rules at a point where the running task could go on: it is one of
 * the enabled tasks, so a step with any task ready counts toward k and may hold
 * a change point; a ready task runs instead only if its priority is higher
 * (ties keep the running one: the all-zero input is run-to-block). */
uint32_t fg__prio_preempt(void)
{
    struct task *t = S->cur;
    uint32_t i = best(), p = prio(at(i));
    bool keep = p >> 16 <= prio(t) >> 16;
    if (S->o.strategy == FG_PCT) {
        S->prio_steps++;
        for (unsigned c = 0; c + 1 < S->o.depth; c++)
            if (S->cp[c] == S->prio_steps) {
                struct task *d = keep ? t : at(i);
                d->prio = (uint32_t)(FG_PCT_MAX_DEPTH - 1 - c) << 16 | (d->prio & 0xffff);
                i = best();
                p = prio(at(i));
                keep = p >> 16 <= prio(t) >> 16;
            }
    } else {
        (keep ? t : at(i))->prio_set = false;
    }
    if (keep)
        return 0;
    handoff = true;
    return i + 1;
}

void fg__prio_yield(void)
{
    struct task *t = S->cur;
    if (S->o.strategy != FG_PCT && S->o.strategy != FG_POS)
        return;
    prio(t);
    t->prio = yield_rank;   /* level 0, below the change points' 1..d-1 */
    if (yield_rank)
        yield_rank--;
}
