/* Hierarchical timer wheel: 11 levels of 64 slots cover all of 63-bit time.
 * A timer sits at the level of the highest 6-bit digit in which its deadline
 * differs from now, so lower levels always expire first, a level-0 slot holds
 * one exact deadline, and a slot is re-sorted downwards only when time reaches
 * it. Slots are arrays of (deadline, timer, near) kept in insertion order, so
 * equal deadlines fire in insertion order and re-sorting reads memory
 * sequentially instead of chasing a list through a million timers (nor writing
 * to them). */
#include "internal.h"

#include <stdlib.h>

#define DUE 0xff
/* Entries a slot keeps from one sim to the next. Kept whole, the 705 slots each held on to
 * the most timers any sim ever put there (2,000 sleepers: 32 KiB), so memory crept as
 * runs spread their deadlines over more slots. */
#define SLOT_KEEP 32
#define SLOTS (WHEEL_LEVELS * 64 + 1)   /* the last is `due` */
#define SOON 64   /* a slot this small is about to fire: fg__wheel_advance fetches its timers */

/* A slot's kept room: in one mapping for the wheel, touched only where used. Made by malloc
 * during a big sim, such small arrays sat all over the heap's top and pinned it. */
static struct went *kept_room(struct wheel *w, uint8_t level, uint8_t slot)
{
    if (!w->kept && !(w->kept = fg__keep(SLOTS * SLOT_KEEP * sizeof *w->kept)))
        fg__fail(FG_FAIL_CRASH, "out of memory in the timer wheel");
    return w->kept + (level == DUE ? SLOTS - 1 : level * 64 + slot) * SLOT_KEEP;
}

struct grow { struct wheel *w; struct slotv *v; uint8_t level, slot; };

static void grow_v(void *arg)
{
    struct grow *g = arg;
    struct slotv *v = g->v;
    /* past its kept room a slot grows in malloc's heap, and gives it back at the sim's end;
     * at 2 KiB or more at once, as glibc caches no such chunk (a cached one pins the heap's top) */
    bool leaving = v->cap == SLOT_KEEP;   /* the kept room is copied out, never freed */
    uint32_t cap = leaving ? 128 : v->cap * 2;
    struct went *p = leaving ? malloc(cap * sizeof *p) : realloc(v->v, cap * sizeof *p);
    if (!p)
        fg__fail(FG_FAIL_CRASH, "out of memory in the timer wheel");
    if (leaving)
        memcpy(p, v->v, v->len * sizeof *p);
    v->v = p;
    v->cap = cap;
    if (g->level == DUE)
        g->w->due_big = true;
    else
        g->w->big[g->level] |= 1ull << g->slot;
}

static FG_POOLED void slot_grow(struct wheel *w, struct slotv *v, uint8_t level, uint8_t slot)
{
    if (!v->cap) {
        v->v = kept_room(w, level, slot);
        v->cap = SLOT_KEEP;
        return;
    }
    fg__spare_run(grow_v, &(struct grow){w, v, level, slot});   /* malloc may need more room than a dense stack */
}

/* whether a slot must grow depends on what earlier sims left: FG_POOLED_HOT. Returns the entry's index. */
static FG_POOLED_HOT uint32_t push(struct wheel *w, struct slotv *v, struct went e, uint8_t level, uint8_t slot)
{
    if (FG_UNLIKELY(v->len == v->cap))
        slot_grow(w, v, level, slot);
    v->v[v->len] = e;
    return v->len++;
}

static void release(struct wheel *w, struct slotv *v, uint8_t level, uint8_t slot)
{
    free(v->v);
    *v = (struct slotv){kept_room(w, level, slot), 0, SLOT_KEEP};
}

/* An entry's place (level, slot, index) in one word: a timer keeps where it was armed, and
 * a slot re-sorted downwards leaves in each old entry where it went (a forward), so moving
 * a timer never writes to it (100,000 sleepers: a miss each, in structs reached at random).
 * A forward's timer is NULL, as a hole's: the slot's walk skips both. An old entry stays
 * until its slot takes new ones, which waits until time leaves the slot's span: by then
 * every timer that passed through it has fired or been cancelled. */
static inline uint64_t at(uint8_t level, uint8_t slot, uint32_t idx)
{
    return (uint64_t)level << 40 | (uint64_t)slot << 32 | idx;
}

static inline struct went *entry_at(struct wheel *w, uint64_t a)
{
    uint8_t level = (uint8_t)(a >> 40);
    return &(level == DUE ? &w->due : &w->slots[level][(uint8_t)(a >> 32)])->v[(uint32_t)a];
}

/* Puts an entry where its deadline belongs from now; returns where (at()). */
static uint64_t place(struct wheel *w, struct went e)
{
    if (e.deadline <= w->now)
        return at(DUE, 0, push(w, &w->due, e, DUE, 0));
    uint64_t diff = ((uint64_t)e.deadline ^ (uint64_t)w->now) | 63;
    int level = (63 - __builtin_clzll(diff)) / 6;
    int slot = (int)(((uint64_t)e.deadline >> (6 * level)) & 63);
    w->occupied[level] |= 1ull << slot;
    return at((uint8_t)level, (uint8_t)slot, push(w, &w->slots[level][slot], e, (uint8_t)level, (uint8_t)slot));
}

void fg__wheel_init(struct wheel *w)
{
    /* only slots marked occupied can hold entries: empty just those */
    for (int l = 0; l < WHEEL_LEVELS; l++)
        for (uint64_t m = w->occupied[l]; m; m &= m - 1)
            w->slots[l][__builtin_ctzll(m)].len = 0;
    memset(w->occupied, 0, sizeof w->occupied);
    for (int l = 0; l < WHEEL_LEVELS; l++)
        for (uint64_t m = w->big[l]; m; m &= m - 1)
            release(w, &w->slots[l][__builtin_ctzll(m)], (uint8_t)l, (uint8_t)__builtin_ctzll(m));
    memset(w->big, 0, sizeof w->big);
    if (w->due_big)
        release(w, &w->due, DUE, 0);
    w->due_big = false;
    w->ahead = w->fetching = false;
    w->due.len = 0;
    w->now = 0;
    w->count = 0;
}

void fg__timer_add(struct wheel *w, struct timer *t, fg_time deadline)
{
    fg__timer_add_near(w, t, deadline, NULL);
}

void fg__timer_add_near(struct wheel *w, struct timer *t, fg_time deadline, const void *near)
{
    t->deadline = deadline;
    t->armed = true;
    w->count++;
    uint64_t a = place(w, (struct went){deadline, t, near});
    t->level = (uint8_t)(a >> 40);
    t->slot = (uint8_t)(a >> 32);
    t->idx = (uint32_t)a;
}

void fg__timer_cancel(struct wheel *w, struct timer *t)
{
    if (!t->armed)
        return;
    t->armed = false;
    w->count--;
    /* a hole, skipped when the slot is reached: removal keeps the others' order. From
     * where it was armed, the forwards lead to it (one per level it came down). */
    struct went *e = entry_at(w, at(t->level, t->slot, t->idx));
    while (e->t != t)
        e = entry_at(w, (uint64_t)e->deadline);
    e->t = NULL;
}

/* For the rest-state check: after a sim no slot holds more than SLOT_KEEP entries' room. */
const char *fg__wheel_at_rest(const struct wheel *w)
{
    if (w->due_big || w->due.cap > SLOT_KEEP)
        return "the timer wheel kept a grown due list";
    for (int l = 0; l < WHEEL_LEVELS; l++) {
        if (w->big[l])
            return "the timer wheel kept a grown slot";
        for (int s = 0; s < 64; s++)
            if (w->slots[l][s].cap > SLOT_KEEP)
                return "the timer wheel kept a grown slot";
    }
    return NULL;
}

/* The next two timers to fire, as fg__wheel_advance will take them: the lowest occupied
 * slots in order, in a slot the earliest deadline first (equal ones in insertion order).
 * Only 8 entries of a slot and 2 slots are looked at: a miss there costs a fetch, no more. */
static void next_two(const struct wheel *w, const struct went *out[2])
{
    int n = 0, slots = 0;
    out[0] = out[1] = NULL;
    for (int l = 0; l < WHEEL_LEVELS; l++)
        for (uint64_t m = w->occupied[l]; m; m &= m - 1) {
            const struct slotv *v = &w->slots[l][__builtin_ctzll(m)];
            const struct went *a = NULL, *b = NULL;   /* this slot's earliest two */
            fg_time da = 0, db = 0;
            for (uint32_t i = 0; i < v->len && i < 8; i++) {
                const struct went *e = &v->v[i];
                fg_time d = e->deadline;
                if (!e->t)
                    continue;
                if (!a || d < da) {
                    b = a, db = da;
                    a = e, da = d;
                } else if (!b || d < db) {
                    b = e, db = d;
                }
            }
            if (a)
                out[n++] = a;
            if (b && n < 2)
                out[n++] = b;
            if (n == 2 || ++slots == 2)
                return;
        }
}

/* 100,000 sleepers each waited on misses at their wake. Fetched two wakes ahead, all at
 * once: the timer after next, the line before it (where a task's state lies), and what
 * firing it touches (fg__timer_soon), found from its entry, not by reading the timer. */
static void ahead(const struct wheel *w)
{
    const struct went *e[2];
    next_two(w, e);
    if (e[1]) {
        __builtin_prefetch(e[1]->t);
        __builtin_prefetch((const char *)e[1]->t - 64);
        if (e[1]->near)
            fg__timer_soon(e[1]->near);
    }
}

bool fg__wheel_advance(struct wheel *w)
{
    if (!w->count)
        return false;
    while (!w->due.len) {
        int level = 0;
        while (!w->occupied[level])
            level++;
        int slot = __builtin_ctzll(w->occupied[level]);
        int shift = 6 * level;
        /* Every armed timer is at or after this slot's start (lower levels are
         * empty, earlier slots too), so time may move there even if the slot
         * holds only holes; and on to the slot's earliest deadline, which is the
         * next to fire: its timers go straight to `due`, the others a level down
         * or more (a timer of a slot of its own skips every level below). */
        uint64_t keep = shift + 6 >= 64 ? 0 : ~0ull << (shift + 6);
        w->now = (fg_time)(((uint64_t)w->now & keep) | ((uint64_t)slot << shift));
        w->occupied[level] &= ~(1ull << slot);
        struct slotv *v = &w->slots[level][slot];
        fg_time first = FG_FOREVER;
        uint32_t live = 0;
        for (uint32_t i = 0; i < v->len; i++)
            if (v->v[i].t) {
                live++;
                if (v->v[i].deadline < first)
                    first = v->v[i].deadline;
            }
        if (first != FG_FOREVER)
            w->now = first;
        /* a small slot's timers fire within its size's advances: fetch them now, when firing
         * them would be a miss each (a big one's would be gone from the cache by then); not
         * when sleepers fire, which ahead() fetches a wake before with their tasks (100,000
         * sleepers paid ~25 ns a wake more for both) */
        bool soon = live <= SOON && !w->fetching;
        for (uint32_t i = 0; i < v->len; i++) {
            struct went *e = &v->v[i];
            if (!e->t)
                continue;
            if (soon)
                __builtin_prefetch(e->t);
            /* lands in `due` or a lower level, in order; the old entry says where */
            *e = (struct went){(fg_time)place(w, *e), NULL, NULL};
        }
        v->len = 0;
    }
    /* fire callbacks may arm timers already due: they join the end of this pass */
    for (uint32_t i = 0; i < w->due.len; i++) {
        struct timer *t = w->due.v[i].t;
        if (i + 4 < w->due.len && w->due.v[i + 4].t)
            __builtin_prefetch(w->due.v[i + 4].t, 1);
        if (!t)
            continue;
        t->armed = false;
        w->count--;
        t->fire(t);
    }
    w->due.len = 0;
    w->fetching = w->ahead;
    if (w->ahead) {
        w->ahead = false;
        ahead(w);
    }
    return true;
}
