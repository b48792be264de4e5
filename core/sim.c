/* One sim from an empty world to the end of its last primary task, in each of
 * the choice stream's modes; plus what lives exactly as long as a sim. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>

struct sim fg__sim;
const char *fg__file;
int fg__line;

/* ---- sim-lifetime memory ---- */

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
};

#define ARENA_BLOCK (64 * 1024)
/* One block kept for the next sim, in kept memory (keep.c): in the middle of malloc's heap
 * it stopped glibc from trimming its top, and RSS crept. The others come and go by malloc. */
static struct arena_block *kept;
static bool kept_free;

static FG_POOLED void *arena_take(size_t n)
{
    n = n ? (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1) : sizeof(max_align_t);
    struct arena_block *b = S->arena;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        if (!kept && (kept = fg__keep(sizeof *kept + ARENA_BLOCK))) {
            kept->size = ARENA_BLOCK;
            kept_free = true;
        }
        if (kept_free && kept->size >= size) {
            b = kept;
            kept_free = false;
        } else if (!(b = malloc(sizeof *b + size))) {
            return NULL;
        } else {
            b->size = size;
        }
        b->used = 0;
        /* a big one-off goes behind the current block so its free space stays usable */
        if (S->arena && size != ARENA_BLOCK) {
            b->next = S->arena->next;
            S->arena->next = b;
        } else {
            b->next = S->arena;
            S->arena = b;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

FG_POOLED void *fg_alloc(size_t n)
{
    if (!S->active) {
        fg__misuse("fg_alloc", -EPERM, "called outside a running sim");
        return NULL;
    }
    /* checked before rounding up, which would wrap a size near SIZE_MAX to 0 */
    if (n > FG_ALLOC_MAX) {
        fg__misuse("fg_alloc", -ENOMEM, "%zu bytes is more than FG_ALLOC_MAX", n);
        return NULL;
    }
    return arena_take(n);
}

/* Sim-lifetime objects freed one by one (packets, TCBs, rings, queues): size classes on the
 * arena, each behind a 16-byte header with its class. From malloc, the small ones freed
 * after a big sim stayed in glibc's tcache at the heap's top and kept it from trimming. */
#define CLASSES 27   /* 16 B to 1 GiB */
static void *classes[CLASSES];

FG_POOLED void *fg__sim_malloc(size_t n)
{
#ifdef FG_ASAN
    return malloc(n);   /* ASan's allocator checks each object, and caches nothing at a heap's top */
#else
    int k = 0;
    while (k < CLASSES - 1 && ((size_t)16 << k) < n)
        k++;
    if (((size_t)16 << k) < n)
        return NULL;
    void **p = classes[k];
    if (p) {
        classes[k] = *p;
        return p;
    }
    max_align_t *h = arena_take(sizeof *h + ((size_t)16 << k));
    if (!h)
        return NULL;
    *(size_t *)(void *)h = (size_t)k;
    return h + 1;
#endif
}

FG_POOLED void fg__sim_free(void *p)
{
#ifdef FG_ASAN
    free(p);
#else
    if (!p)
        return;
    size_t k = *(size_t *)(void *)((max_align_t *)p - 1);
    *(void **)p = classes[k];
    classes[k] = p;
#endif
}

static FG_POOLED void arena_free(void)
{
    memset(classes, 0, sizeof classes);
    while (S->arena) {
        struct arena_block *b = S->arena;
        S->arena = b->next;
        if (b == kept)
            kept_free = true;
        else
            free(b);
    }
}

char *fg__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fg_alloc(n);
    return p ? memcpy(p, s, n) : (char *)"?";
}

struct fmt { const char *fmt; va_list *ap; char *out; };

static void fmt_v(void *arg)
{
    struct fmt *f = arg;
    va_list ap;
    va_copy(ap, *f->ap);
    int n = vsnprintf(NULL, 0, f->fmt, ap);
    va_end(ap);
    f->out = n >= 0 ? fg_alloc((size_t)n + 1) : NULL;
    if (f->out)
        vsnprintf(f->out, (size_t)n + 1, f->fmt, *f->ap);
}

char *fg_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct fmt f = {fmt, &ap, NULL};
    fg__spare_run(fmt_v, &f);   /* printf needs more room than a dense stack has */
    va_end(ap);
    return f.out;
}

/* ---- groups: hosts, numbered by first use ---- */

int fg__group(const char *name)
{
    for (int i = 0; i < S->ngroups; i++)
        if (!strcmp(S->groups[i], name))
            return i;
    if (S->ngroups == S->groups_cap) {
        int cap = S->groups_cap ? S->groups_cap * 2 : 16;
        const char **g = fg__keep_grow(S->groups, (size_t)S->groups_cap * sizeof *g, (size_t)cap * sizeof *g);
        if (!g)
            fg__fail(FG_FAIL_CRASH, "out of memory adding group %s", name);
        S->groups = g;
        S->groups_cap = cap;
    }
    S->groups[S->ngroups] = fg__strdup(name);
    return S->ngroups++;
}

/* ---- time ---- */

fg_time fg_now(void)
{
    return S->wheel.now;
}

fg_time fg_after(fg_time d)
{
    fg_time now = S->wheel.now;
    if (d <= 0)
        return now;
    return d > FG_FOREVER - now ? FG_FOREVER : now + d;
}

/* ---- running ---- */

static const fg_opts defaults;

void fg__result(fg_result *r)
{
    r->outcome = S->outcome;
    r->hash = S->hash;
    r->steps = S->steps;
    r->choices = S->choices;
    r->time = S->wheel.now;
    if (S->src == SRC_BYTES) {
        r->input = S->in;
        r->input_len = S->in_pos < S->in_len ? S->in_pos : S->in_len;
    } else {
        /* trailing zeros read the same as exhausted input */
        while (S->rec_len && !S->rec[S->rec_len - 1])
            S->rec_len--;
        r->input = S->rec;
        r->input_len = S->rec_len;
    }
    r->report = S->report;
}

/* Every entry asks before it touches the choice stream's state: a nested call must leave the running sim as it was. */
static int busy(const char *call)
{
    return S->active ? fg__misuse(call, -EBUSY, "a sim is already running (sims don't nest)") : 0;
}

static int run(fg_fn root, void *arg, const fg_opts *o, fg_result *r)
{
    if (!root)
        return fg__misuse("fg_run", -EINVAL, "no root function");
    if (o && o->stack_size > FG_STACK_MAX)
        return fg__misuse("fg_run", -EINVAL, "a stack of %zu bytes is more than FG_STACK_MAX", o->stack_size);
    if (o && (unsigned)o->strategy > FG_POS)
        return fg__misuse("fg_run", -EINVAL, "unknown strategy %d", (int)o->strategy);
    if (o && o->depth > FG_PCT_MAX_DEPTH)
        return fg__misuse("fg_run", -EINVAL, "depth %u is above FG_PCT_MAX_DEPTH (%d)", o->depth, FG_PCT_MAX_DEPTH);
    S->o = o ? *o : defaults;
    if (!S->o.depth)
        S->o.depth = 3;
    if (!S->o.stack_size)
        S->o.stack_size = FG_STACK_DEFAULT;
    if (!S->o.max_steps)
        S->o.max_steps = 10000000;
    if (!S->o.max_instant_steps)
        S->o.max_instant_steps = 1000000;
    S->watch_wakes = S->o.on_feature || S->o.on_event;
    S->waker = NULL;
    S->cur = NULL;
    S->rq_head = S->rq_len = 0;
    fg__wheel_init(&S->wheel);
    S->live = S->live_primary = 0;
    S->ending = S->failed = false;
    S->in_hook = 0;
    S->steps = S->choices = 0;
    S->ninstants = 0;
    fg__instant();
    S->hash = 0x66756775650a;
    S->idle_head = S->idle_tail = NULL;
    S->ngroups = 0;
    S->zombie = NULL;
    S->outcome = FG_PASS;
    S->report[0] = 0;
    S->report_len = 0;
    S->tracked = NULL;
    S->ntracked = S->tracked_cap = 0;
    memset(S->last, 0, sizeof S->last);
    S->nfaults = 0;
    fg__signals_install();
    S->active = true;
    fg__prio_begin(root);
    int err = fg__spawn(root, arg, S->o.name ? S->o.name : "main", fg__group("main"), true, 0);
    if (err >= 0)
        fg__sched_run();
    fg__prio_end(root);
    fg__stats_collect();
    fg__result(r);
    fg__tasks_release();
    fg__end_hooks();
    arena_free();
    /* what still points into the freed sim: timers of its objects, its groups */
    fg_time end = S->wheel.now;
    fg__wheel_init(&S->wheel);
    S->wheel.now = end;
    S->ngroups = 0;
    S->tracked = NULL;            /* arena memory, freed */
    S->ntracked = S->tracked_cap = 0;
    S->cur = NULL;
    S->rq_head = S->rq_len = 0;   /* a failed sim leaves tasks queued and counted */
    S->live = S->live_primary = 0;
    S->idle_head = S->idle_tail = NULL;
    S->in_hook = 0;               /* a hook that failed the sim never returned */
    S->active = false;
#ifdef FG_REST_CHECK
    fg__rest_check();
#endif
    return err < 0 ? err : 0;
}

int fg_run_bytes(fg_fn root, void *arg, const fg_opts *o, const uint8_t *data, size_t len, fg_result *r)
{
    if (busy("fg_run_bytes"))
        return -EBUSY;
    S->src = SRC_BYTES;
    S->in = data;
    S->in_len = data ? len : 0;
    S->in_pos = 0;
    S->tail = false;
    if (S->in_len >= 2 && data[0] == FG_TAG0 && !S->active) {
        /* a tagged input names its own strategy (prio.c) */
        fg_opts tagged = o ? *o : defaults;
        int err = fg__tag_read(data, len, &tagged, &S->in_pos);
        if (err < 0) {
            memset(r, 0, sizeof *r);
            r->report = "";
            return err;
        }
        return run(root, arg, &tagged, r);
    }
    return run(root, arg, o, r);
}

int fg_run_seed(fg_fn root, void *arg, const fg_opts *o, uint64_t seed, fg_result *r)
{
    if (busy("fg_run_seed"))
        return -EBUSY;
    S->src = SRC_RNG;
    S->rec_len = 0;
    fg__rng_seed(seed);
    return run(root, arg, o, r);
}

int fg_explore(fg_fn root, void *arg, const fg_opts *o, uint64_t max_runs,
               bool (*each)(const fg_result *r, void *ud), void *ud, fg_explore_stats *st)
{
    if (busy("fg_explore"))
        return -EBUSY;
    if (o && (o->strategy == FG_PCT || o->strategy == FG_POS))
        return fg__misuse("fg_explore", -EINVAL, "PCT and POS sample schedules at random; exhaustive "
                          "exploration enumerates them: use FG_POR, FG_RANDOM or FG_FIFO");
    fg_explore_stats local = {0};
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    struct odometer *odo = fg__odo_new();
    if (!odo)
        return -ENOMEM;
    int err = 0;
    for (;;) {
        S->src = SRC_ODOMETER;
        S->odo = odo;
        S->odo_pos = 0;
        S->rec_len = 0;
        fg_result r;
        if ((err = run(root, arg, o, &r)) < 0)
            break;
        st->runs++;
        st->failures += r.outcome != FG_PASS;
        size_t used = S->odo_pos;   /* `each` may run sims of its own */
        if (each && !each(&r, ud))
            break;
        if (!fg__odo_next(odo, used)) {
            st->complete = true;
            break;
        }
        if (max_runs && st->runs >= max_runs)
            break;
    }
    S->odo = NULL;
    fg__odo_free(odo);
    return err;
}

int fg_check_determinism(fg_fn root, void *arg, const fg_opts *o, const uint8_t *data, size_t len)
{
    if (busy("fg_check_determinism"))
        return -EBUSY;
    fg_result a, b;
    int err = fg_run_bytes(root, arg, o, data, len, &a);
    if (err < 0)
        return err;
    uint64_t h = a.hash;
    if ((err = fg_run_bytes(root, arg, o, data, len, &b)) < 0)
        return err;
    if (h != b.hash)
        return fg__misuse("fg_check_determinism", -EPROTO,
                          "the same input gave two traces (%016llx, then %016llx): the target reads "
                          "something outside fugue (time, rand, addresses, uninitialised memory)",
                          (unsigned long long)h, (unsigned long long)b.hash);
    return 0;
}

/* ---- hooks run when the sim ends, newest first ---- */

struct end_hook {
    void (*fn)(void *ud);
    void *ud;
    struct end_hook *next;
};
static struct end_hook *end_hooks;

int fg__at_end(void (*fn)(void *ud), void *ud)
{
    struct end_hook *h = fg_alloc(sizeof *h);
    if (!h)
        return -ENOMEM;
    h->fn = fn;
    h->ud = ud;
    h->next = end_hooks;
    end_hooks = h;
    return 0;
}

void fg__end_hooks(void)
{
    while (end_hooks) {
        struct end_hook *h = end_hooks;
        end_hooks = h->next;
        h->fn(h->ud);
    }
}

const char *fg__sim_at_rest(void)
{
    if (S->arena || end_hooks)
        return "sim memory or an end hook outlived the sim";
    if (kept && (!kept_free || kept->size != ARENA_BLOCK))
        return "the kept arena block is still in use, or has the wrong size";
    return NULL;
}

const char *fg_outcome_name(fg_outcome o)
{
    static const char *names[] = {"pass", "assertion", "deadlock", "livelock", "crash", "stack overflow",
                                  "nondeterminism", "exit status", "data race"};
    return (unsigned)o < sizeof names / sizeof *names ? names[o] : "unknown";
}

const char *fg_strerror(int err)
{
    if (err == INT_MIN)   /* -INT_MIN overflows */
        return "Unknown error";
#ifdef __GLIBC__
    /* glibc's strerror mallocs the text of an unknown code and keeps it till the next call:
     * made during a big sim, that chunk sat at the heap's top and kept it from trimming */
    static _Thread_local char text[64];
    return strerror_r(err < 0 ? -err : err, text, sizeof text);
#else
    return strerror(err < 0 ? -err : err);
#endif
}
