/* --races: data races as a failure of their own, found deterministically in
 * the run's own schedule. Happens-before comes from what the layer already
 * sees (create/join, mutex and rwlock and spin lock/unlock, cond, sem,
 * barrier, once, atomics) as vector clocks: one per thread, one per sync
 * object. Each accessed address keeps its last write and its last reads; an
 * access unordered with one of another thread's is the race, reported once. */
#include "px.h"

#include <stdlib.h>

bool px__races;

struct vc { uint32_t *c; uint32_t n, cap; };

static void vc_grow(struct vc *v, uint32_t n)
{
    if (n <= v->cap)
        return;
    uint32_t cap = v->cap ? v->cap : 8;
    while (cap < n)
        cap *= 2;
    uint32_t *c = realloc(v->c, cap * sizeof *c);
    if (!c)
        fg__fail(FG_FAIL_CRASH, "out of memory in the race detector's clocks");
    v->c = c;
    v->cap = cap;
}

static inline uint32_t vc_get(const struct vc *v, int i)
{
    return (uint32_t)i < v->n ? v->c[i] : 0;
}

static void vc_set(struct vc *v, int i, uint32_t x)
{
    if ((uint32_t)i >= v->n) {
        vc_grow(v, (uint32_t)i + 1);
        memset(v->c + v->n, 0, ((uint32_t)i + 1 - v->n) * sizeof *v->c);
        v->n = (uint32_t)i + 1;
    }
    v->c[i] = x;
}

static void vc_join(struct vc *into, const struct vc *from)
{
    for (uint32_t i = 0; i < from->n; i++)
        if (from->c[i] > vc_get(into, (int)i))
            vc_set(into, (int)i, from->c[i]);
}

/* ---- threads' clocks, by task id ---- */

static struct vc *thr;
static uint32_t nthr, thr_cap;

static struct vc *clock_of(int id)
{
    if ((uint32_t)id >= thr_cap) {
        uint32_t cap = thr_cap ? thr_cap * 2 : 64;
        while (cap <= (uint32_t)id)
            cap *= 2;
        struct vc *v = realloc(thr, cap * sizeof *v);
        if (!v)
            fg__fail(FG_FAIL_CRASH, "out of memory in the race detector's clocks");
        memset(v + thr_cap, 0, (cap - thr_cap) * sizeof *v);
        thr = v;
        thr_cap = cap;
    }
    while (nthr <= (uint32_t)id)
        thr[nthr++].n = 0;
    return &thr[id];
}

/* ---- sync objects' clocks, by address, stamped by run ---- */

struct syncv { const void *obj; uint32_t epoch; struct vc v; };
static struct syncv *syn;
static size_t syn_cap, syn_used;

static inline size_t hash(uintptr_t x, size_t c)
{
    return (size_t)((x * 0x9e3779b97f4a7c15ull) >> 17) & (c - 1);
}

static struct vc *sync_of(const void *obj)
{
    if ((syn_used + 1) * 2 > syn_cap) {
        size_t ncap = syn_cap ? syn_cap * 2 : 256;
        struct syncv *v = calloc(ncap, sizeof *v);
        if (!v)
            fg__fail(FG_FAIL_CRASH, "out of memory in the race detector's clocks");
        for (size_t i = 0; i < syn_cap; i++) {
            if (syn[i].epoch != px__epoch) {
                free(syn[i].v.c);
                continue;
            }
            size_t j = hash((uintptr_t)syn[i].obj, ncap);
            while (v[j].epoch == px__epoch)
                j = (j + 1) & (ncap - 1);
            v[j] = syn[i];
        }
        free(syn);
        syn = v;
        syn_cap = ncap;
    }
    size_t j = hash((uintptr_t)obj, syn_cap);
    for (;;) {
        struct syncv *e = &syn[j];
        if (e->epoch != px__epoch) {
            e->obj = obj;
            e->epoch = px__epoch;
            e->v.n = 0;    /* keeps its array from an older run */
            syn_used++;
            return &e->v;
        }
        if (e->obj == obj)
            return &e->v;
        j = (j + 1) & (syn_cap - 1);
    }
}

/* ---- shadow: each address's last write and reads ---- */

#define READS 4
struct acc { int32_t tid; uint32_t clk; uintptr_t pc; };
struct cell { uintptr_t addr; uint32_t epoch; uint32_t nreads; struct acc w, r[READS]; };
static struct cell *cells;
static size_t cells_cap, cells_used;
static bool reported;

static void grow_cells(void)
{
    size_t ncap = cells_cap ? cells_cap * 2 : 1 << 12;
    struct cell *v = calloc(ncap, sizeof *v);
    if (!v)
        fg__fail(FG_FAIL_CRASH, "out of memory in the race detector's shadow");
    for (size_t i = 0; i < cells_cap; i++) {
        if (cells[i].epoch != px__epoch)
            continue;
        size_t j = hash(cells[i].addr, ncap);
        while (v[j].epoch == px__epoch)
            j = (j + 1) & (ncap - 1);
        v[j] = cells[i];
    }
    free(cells);
    cells = v;
    cells_cap = ncap;
}

static struct cell *cell_of(uintptr_t addr)
{
    if ((cells_used + 1) * 2 > cells_cap)
        grow_cells();
    size_t j = hash(addr, cells_cap);
    for (;;) {
        struct cell *e = &cells[j];
        if (e->epoch != px__epoch) {
            *e = (struct cell){.addr = addr, .epoch = px__epoch, .w.tid = -1};
            cells_used++;
            return e;
        }
        if (e->addr == addr)
            return e;
        j = (j + 1) & (cells_cap - 1);
    }
}

void px__race_reset(void)
{
    nthr = 0;
    syn_used = cells_used = 0;
    reported = false;
    vc_set(clock_of(0), 0, 1);
}

/* ---- happens-before edges ---- */

void px__race_acquire_(const void *obj)
{
    vc_join(clock_of(S->cur->id), sync_of(obj));
}

void px__race_release_(const void *obj)
{
    int self = S->cur->id;
    struct vc *me = clock_of(self);
    vc_join(sync_of(obj), me);
    vc_set(me, self, vc_get(me, self) + 1);
}

void px__race_create_(int child)
{
    int self = S->cur->id;
    struct vc *c = clock_of(child), *me = clock_of(self);
    c->n = 0;
    vc_join(c, me);
    vc_set(c, child, 1);
    vc_set(me, self, vc_get(me, self) + 1);
}

void px__race_join_(int child)
{
    vc_join(clock_of(S->cur->id), clock_of(child));
}

/* ---- the check ---- */

static FG_NORETURN void report(uintptr_t addr, const struct acc *a, bool a_write, void *pc, bool write)
{
    char s1[512], s2[512];
    reported = true;
    const char *other = a->tid < S->ntasks ? S->tasks[a->tid]->name : "?";
    fg__fail(FG_FAIL_RACE, "data race on %#lx between %s at %s (%s) and %s at %s (%s)", (unsigned long)addr, other,
             px__site_text((void *)a->pc, s1, sizeof s1), a_write ? "write" : "read", S->cur->name,
             px__site_text(pc, s2, sizeof s2), write ? "write" : "read");
}

void px__race_access_(const void *addr, void *pc, bool write)
{
    if (reported)
        return;
    int self = S->cur->id;
    struct vc *me = clock_of(self);
    struct cell *e = cell_of((uintptr_t)addr);
    /* an earlier access of another thread that this thread's clock has not seen is unordered */
#define UNORDERED(a) ((a).tid >= 0 && (a).tid != self && (a).clk > vc_get(me, (a).tid))
    if (UNORDERED(e->w))
        report((uintptr_t)addr, &e->w, true, pc, write);
    struct acc now = {self, vc_get(me, self), (uintptr_t)pc};
    if (write) {
        for (uint32_t i = 0; i < e->nreads; i++)
            if (UNORDERED(e->r[i]))
                report((uintptr_t)addr, &e->r[i], false, pc, write);
        e->w = now;
        e->nreads = 0;
        return;
    }
    /* a read replaces the reads it is ordered after (its own thread's among them) */
    uint32_t k = 0;
    for (uint32_t i = 0; i < e->nreads; i++)
        if (UNORDERED(e->r[i]))
            e->r[k++] = e->r[i];
#undef UNORDERED
    if (k == READS)   /* full: the oldest unordered read goes (a race with it may be missed) */
        memmove(e->r, e->r + 1, --k * sizeof *e->r);
    e->r[k++] = now;
    e->nreads = k;
}

/* ---- freed memory starts over: a block malloc hands out again is new memory ---- */

static struct cell *find_cell(uintptr_t addr)
{
    if (!cells_used)
        return NULL;
    size_t j = hash(addr, cells_cap);
    for (;;) {
        struct cell *e = &cells[j];
        if (e->epoch != px__epoch)
            return NULL;
        if (e->addr == addr)
            return e;
        j = (j + 1) & (cells_cap - 1);
    }
}

static void forget(struct cell *e)
{
    e->w.tid = -1;     /* the slot stays: other addresses' probe chains go through it */
    e->nreads = 0;
}

void px__race_free_(void *p, size_t n)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + n;
    if (n > cells_cap) {
        for (size_t i = 0; i < cells_cap; i++)
            if (cells[i].epoch == px__epoch && cells[i].addr >= lo && cells[i].addr < hi)
                forget(&cells[i]);
        return;
    }
    for (uintptr_t a = lo; a < hi; a++) {
        struct cell *e = find_cell(a);
        if (e)
            forget(e);
    }
}
