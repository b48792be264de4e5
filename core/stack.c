/* Task stacks: mmap'd in slabs with a guard page below each, and pooled across
 * sims, since a fuzzer runs millions of sims and a page fault or syscall per
 * task would dominate them. Free stacks are kept in arrays, not lists threaded
 * through the stacks, so taking one doesn't wait on a cache miss. Small stacks
 * (FG_STACK_DENSE_MAX) are dense: packed in 1 MiB slabs with one guard page
 * each, checked by a canary, so 100,000 tasks fit in 100 MiB. */
#include "internal.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef FG_ASAN
#include <sanitizer/asan_interface.h>
#endif

#ifdef __EMSCRIPTEN__
/* wasm has no page protection (its mprotect does nothing): no guard pages, the canary
 * checks; its 64 KiB pages would make every stack 128 KiB, and madvise gives nothing back */
#define sysconf(name) 4096L
#define madvise(addr, len, advice) ((void)(addr), -1)
#define mprotect(addr, len, prot) ((void)(addr), -1)
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define SLAB 16
#define POOLS 16
/* Stacks on top of a pool whose pages stay resident. A stack pushed below them has its
 * pages given back (MADV_DONTNEED) but stays mapped, so a sim with 100,000 tasks does not
 * keep 100,000 stacks' pages for the rest of the process. HOT stays above what a fuzz
 * target uses (api_chaos peaks at 2,325): a page given back and faulted in again cost
 * ~50 us on a busy VM, and at HOT 256 api_chaos ran 3x slower. */
#define HOT 4096

/* free stacks by size */
static struct pool {
    size_t size;
    struct stack **free;   /* most recently freed last: the top HOT ones are resident */
    size_t nfree, cap;
    char *fresh;           /* the rest of the newest slab */
    int fresh_left;
} pools[POOLS];
static int npools;
static size_t page;
static int guard_mode;             /* 0: unknown, 1: madvise guards, 2: mprotect guards */
static long guards, guard_budget;  /* mprotect guards made / mappings we may spend on them */

static FG_POOLED void init(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    /* each mprotect guard splits a mapping in two; stay well inside vm.max_map_count */
    long max = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &max) != 1)
            max = 65530;
        fclose(f);
    }
    guard_budget = max / 2 - 4096;
}

static FG_POOLED struct pool *pool_for(size_t size)
{
    for (int i = 0; i < npools; i++)
        if (pools[i].size == size)
            return &pools[i];
    if (npools == POOLS)
        return NULL;
    pools[npools].size = size;
    return &pools[npools++];
}

/* Makes the page at `g` a guard; false when no guard can be had (then a canary checks). */
static FG_POOLED bool guard(char *g)
{
    /* Linux 6.13+ installs guards without splitting the mapping: no budget, no VMA */
    if (guard_mode != 2 && madvise(g, page, MADV_GUARD_INSTALL) == 0) {
        guard_mode = 1;
        return true;
    }
    guard_mode = 2;
    if (guards >= guard_budget || mprotect(g, page, PROT_NONE) != 0)
        return false;
    guards++;
    return true;
}

/* structs of stacks unmapped (rare: more sizes than pools), linked through lo, for the next */
static struct stack *dead;

/* Carves a stack out of [m, m + page + size): guard page, then the stack. Its struct is
 * kept memory (keep.c), as the stack is kept mapped. */
static FG_POOLED struct stack *carve(char *m, size_t size)
{
    struct stack *s = dead;
    if (s)
        dead = (struct stack *)(void *)s->lo;
    else
        s = fg__keep(sizeof *s);
    if (!s)
        return NULL;
    s->guarded = guard(m);
    s->dense = false;
    s->guard = s->guarded ? m : NULL;
    s->lo = m + page;
    s->size = size;
#ifdef FG_ASAN
    s->poisoned = s->lo;
#endif
    if (!s->guarded)
        memcpy(s->lo, &(uint64_t){FG__CANARY}, 8);
    return s;
}

static __attribute__((unused)) struct stack *dense_get(size_t size);
static __attribute__((unused)) struct stack *dense_pooled(size_t size);
static void dense_put(struct stack *s, int cls);
static const char *dense_at_rest(void);

/* A pooled stack without a syscall or an allocation, or NULL: then fg__stack_get makes one. */
FG_POOLED struct stack *fg__stack_pooled(size_t size)
{
#if !defined(FG_ASAN) && !defined(__EMSCRIPTEN__)
    if (size <= FG_STACK_DENSE_MAX)
        return dense_pooled(size);
#else
    (void)size;   /* no dense stacks under ASan or emscripten */
#endif
    return NULL;
}

FG_POOLED struct stack *fg__stack_get(size_t size)
{
    if (!page)
        init();
#if !defined(FG_ASAN) && !defined(__EMSCRIPTEN__)   /* wasm: a fiber's asyncify buffer wants room */
    if (size <= FG_STACK_DENSE_MAX)
        return dense_get(size);
#endif
    /* below this even fugue's own calls could hit the guard page */
    if (size < 16384)
        size = 16384;
    size = (size + page - 1) & ~(page - 1);
    struct pool *p = pool_for(size);
    if (p && p->nfree) {
        struct stack *s = p->free[--p->nfree];
#ifdef FG_ASAN
        /* a task dropped mid-call leaves its frames poisoned; ASan poisons only live
         * frames, so nothing below where they reached when the task last left it */
        ASAN_UNPOISON_MEMORY_REGION(s->poisoned, (size_t)(s->lo + s->size - s->poisoned));
#endif
        return s;
    }
    if (p && p->fresh_left) {
        p->fresh_left--;
        char *m = p->fresh;
        p->fresh += page + size;
        return carve(m, size);
    }
    int n = p ? SLAB : 1;
    char *m = mmap(NULL, n * (page + size), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if (p) {
        p->fresh = m + page + size;
        p->fresh_left = n - 1;
    }
    return carve(m, size);
}

#ifdef FG_ASAN
/* Out of line: its frame lies below every frame of the task that calls it. */
__attribute__((noinline)) void fg__stack_leaving(struct stack *s)
{
    char *sp = (char *)__builtin_frame_address(0) - 128;
    s->poisoned = sp > s->lo && sp < s->lo + s->size ? (char *)((uintptr_t)sp & ~(uintptr_t)63) : s->lo;
}
#endif

FG_POOLED void fg__stack_put(struct stack *s, uint8_t dense)
{
    if (dense) {
        dense_put(s, dense - 1);
        return;
    }
    struct pool *p = pool_for(s->size);
    if (p && p->nfree == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct stack **v = fg__keep_grow(p->free, p->cap * sizeof *v, cap * sizeof *v);
        if (v) {
            p->free = v;
            p->cap = cap;
        }
    }
    if (!p || p->nfree == p->cap) {  /* more distinct sizes than pools, or no memory: don't hoard */
        guards -= s->guarded && guard_mode == 2;
        munmap(s->lo - page, page + s->size);
        s->lo = (char *)dead;
        dead = s;
        return;
    }
    if (p->nfree >= HOT) {
        struct stack *cold = p->free[p->nfree - HOT];
        madvise(cold->lo, cold->size, MADV_DONTNEED);
        if (!cold->guarded)
            memcpy(cold->lo, &(uint64_t){FG__CANARY}, 8);
    }
    p->free[p->nfree++] = s;
}

const char *fg__stacks_at_rest(void)
{
    const char *why = dense_at_rest();
    if (why)
        return why;
    for (int i = 0; i < npools; i++) {
        const struct pool *p = &pools[i];
        if (p->nfree > p->cap)
            return "a stack pool counts more stacks than it holds";
        for (size_t k = 0; k < p->nfree; k++)
            if (!p->free[k] || p->free[k]->size != p->size)
                return "a stack pool holds a stack of another size";
    }
    return NULL;
}

bool fg__stack_in_guard(const struct stack *s, const void *addr)
{
    const char *a = addr;
    return s->guard && a >= s->guard && a < s->guard + page && a < s->lo;
}

/* ---- dense stacks: classes of 1, 2, 4, 8 KiB, packed in populated slabs ---- */

#define DENSE_SLAB ((size_t)1 << 20)
#define DENSE_CLASSES 4
static struct dense {
    struct stack **free;   /* room for every stack of the class ever made */
    size_t nfree, made, cap;
    struct stack **slabs;  /* each slab's stacks, in address order */
    size_t nslabs;
} dense[DENSE_CLASSES];
/* Past this many stacks in a class, the free list is put back in address order when all
 * are free: tasks that ended in random order would hand the next sim's tasks stacks in
 * random order, a TLB and cache miss each. */
#define DENSE_REORDER 4096

/* Maps a slab, faulted in with one call (a fault per page costs ~10 us on a VM), with
 * a guard page at its foot, and adds its stacks to the class's free list. */
static FG_POOLED bool dense_slab(struct dense *d, size_t size)
{
    size_t n = (DENSE_SLAB - page) / size;
    if (d->made + n > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : n;
        struct stack **v = fg__keep_grow(d->free, d->cap * sizeof *v, cap * sizeof *v);
        if (!v)
            return false;
        d->free = v;
        d->cap = cap;
    }
    struct stack **sl = fg__keep_grow(d->slabs, d->nslabs * sizeof *sl, (d->nslabs + 1) * sizeof *sl);
    if (sl)
        d->slabs = sl;
    char *m = sl ? mmap(NULL, DENSE_SLAB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
                 : MAP_FAILED;
    struct stack *st = m != MAP_FAILED ? fg__keep(n * sizeof *st) : NULL;   /* kept, as the slab is */
    if (!st) {
        if (m != MAP_FAILED)
            munmap(m, DENSE_SLAB);
        return false;
    }
    d->slabs[d->nslabs++] = st;
    char *g = guard(m) ? m : NULL;
    /* highest first: popped from the end, neighbours in spawn order get neighbouring stacks */
    for (size_t i = n; i-- > 0;) {
        st[i] = (struct stack){.lo = m + page + i * size, .size = size, .dense = true, .cls = (uint8_t)(d - dense), .guard = g};
        d->free[d->nfree++] = &st[i];
    }
    d->made += n;
    return true;
}

static int dense_class(size_t size)
{
    int k = 0;
    while (k < DENSE_CLASSES - 1 && (FG_STACK_DENSE_MIN << k) < size)
        k++;
    return k;
}

/* A free dense stack, or NULL when the class must map a slab first. */
static struct stack *dense_pooled(size_t size)
{
    struct dense *d = &dense[dense_class(size)];
    if (!d->nfree)
        return NULL;
    struct stack *s = d->free[--d->nfree];
    memcpy(s->lo, &(uint64_t){FG__CANARY}, 8);
    if (d->nfree) {
        /* the next task to start writes its first frames there and its canary: fetch them
         * while this one runs. A task blocked in fg_sleep wrote 256 bytes down from its top
         * over its life (fetching 640, 100,000 sleepers took 8% longer) */
        const struct stack *n = d->free[d->nfree - 1];
        __builtin_prefetch(n->lo, 1);
        for (uint32_t off = 64; off <= 256 && off < n->size; off += 64)
            __builtin_prefetch(n->lo + n->size - off, 1);
    }
    return s;
}

static FG_POOLED struct stack *dense_get(size_t size)
{
    int k = dense_class(size);
    if (!dense[k].nfree && !dense_slab(&dense[k], FG_STACK_DENSE_MIN << k))
        return NULL;
    return dense_pooled(size);
}

static FG_POOLED void dense_put(struct stack *s, int cls)
{
    struct dense *d = &dense[cls];
    d->free[d->nfree++] = s;
    if (d->nfree == d->made && d->made > DENSE_REORDER) {
        size_t n = d->made / d->nslabs, i = 0;
        for (size_t j = d->nslabs; j-- > 0;)
            for (size_t x = n; x-- > 0;)
                d->free[i++] = &d->slabs[j][x];
    }
}

static const char *dense_at_rest(void)
{
    for (int k = 0; k < DENSE_CLASSES; k++)
        if (dense[k].nfree > dense[k].made)
            return "a dense stack pool counts more stacks than were made";
    return NULL;
}

/* ---- the spare stack: where fugue's reports go when a task's stack is dense ---- */

static char spare[64 * 1024] __attribute__((aligned(64)));
static struct ctx spare_ctx, spare_back;
static void (*spare_fn)(void *);
static void *spare_arg;

static void spare_entry(void)
{
    spare_fn(spare_arg);
    fg__ctx_switch(&spare_ctx, &spare_back);
    __builtin_unreachable();
}

void fg__spare_run(void (*fn)(void *arg), void *arg)
{
    struct task *t = S->active ? S->cur : NULL;
    const char *here = __builtin_frame_address(0);
    if (!t || !t->dense || (here >= spare && here < spare + sizeof spare)) {
        fn(arg);
        return;
    }
    /* made afresh each time: a report that ends the sim never comes back to finish */
    spare_fn = fn;
    spare_arg = arg;
    fg__ctx_make(&spare_ctx, spare, sizeof spare, spare_entry);
    fg__ctx_switch(&spare_back, &spare_ctx);
}
