/* Shared-memory scheduling points: fugue's own ThreadSanitizer callbacks, in
 * place of the tsan runtime, for code built with -fsanitize=thread. An access
 * is a choice only when another thread is ready and the memory is shared
 * (touched by two threads in this run so far) or the site already touched
 * shared memory in this run; atomics always are. Everything else costs a
 * lookup in a table of 8-byte granules. */
#include "px.h"

#include <stdlib.h>
#include <unistd.h>

#define SHARED (-2)

struct shadow { uintptr_t g; uint32_t epoch; int32_t task; uintptr_t pc; };
static struct shadow *tab;
static size_t cap, used;               /* cap: a power of two */
struct racy { uintptr_t pc; uint32_t epoch; };
static struct racy *sites;
static size_t sites_cap, sites_used;

static inline size_t hash(uintptr_t x, size_t c)
{
    return (size_t)((x * 0x9e3779b97f4a7c15ull) >> 17) & (c - 1);
}

/* Called by the root before main: entries of older epochs read as empty, nothing is cleared. */
void px__shadow_reset(void)
{
    used = sites_used = 0;
}

static void grow_tab(void)
{
    size_t ncap = cap ? cap * 2 : 1 << 14;
    struct shadow *v = calloc(ncap, sizeof *v);
    if (!v)
        fg__fail(FG_FAIL_CRASH, "out of memory in the shared-memory table");
    for (size_t i = 0; i < cap; i++) {
        if (tab[i].epoch != px__epoch)
            continue;
        size_t j = hash(tab[i].g, ncap);
        while (v[j].epoch == px__epoch)
            j = (j + 1) & (ncap - 1);
        v[j] = tab[i];
    }
    free(tab);
    tab = v;
    cap = ncap;
}

/* Racy sites learnt before the first run (px__profile): process-wide, never reset. */
static uintptr_t *known;
static size_t known_cap, known_used;
bool px__profiling;

int px__profile_fd = -1;   /* the profiling child streams what it learns here */

static void know(uintptr_t pc)
{
    if (!pc)
        return;
    if (px__profile_fd >= 0)
        (void)!write(px__profile_fd, &pc, sizeof pc);
    if ((known_used + 1) * 2 > known_cap) {
        size_t ncap = known_cap ? known_cap * 2 : 1024;
        uintptr_t *v = calloc(ncap, sizeof *v);
        if (!v)
            return;
        for (size_t i = 0; i < known_cap; i++) {
            if (!known[i])
                continue;
            size_t j = hash(known[i], ncap);
            while (v[j])
                j = (j + 1) & (ncap - 1);
            v[j] = known[i];
        }
        free(known);
        known = v;
        known_cap = ncap;
    }
    size_t j = hash(pc, known_cap);
    while (known[j] && known[j] != pc)
        j = (j + 1) & (known_cap - 1);
    if (!known[j]) {
        known[j] = pc;
        known_used++;
    }
}

static inline bool is_known(uintptr_t pc)
{
    if (!known_used)
        return false;
    size_t j = hash(pc, known_cap);
    while (known[j]) {
        if (known[j] == pc)
            return true;
        j = (j + 1) & (known_cap - 1);
    }
    return false;
}

void px__know(uintptr_t pc)
{
    know(pc);
}

size_t px__known_sites(void)
{
    return known_used;
}

/* True when granule g has been touched by another thread than `self` in this run. */
static inline bool shared(uintptr_t g, int self, uintptr_t pc)
{
    if (FG_UNLIKELY((used + 1) * 2 > cap))
        grow_tab();
    size_t j = hash(g, cap);
    for (;;) {
        struct shadow *e = &tab[j];
        if (e->epoch != px__epoch) {
            *e = (struct shadow){g, px__epoch, self, pc};
            used++;
            return false;
        }
        if (e->g == g) {
            if (e->task == self) {
                e->pc = pc;
                return false;
            }
            if (FG_UNLIKELY(px__profiling) && e->task != SHARED) {
                know(e->pc);   /* the first toucher's site races too */
                know(pc);
            }
            e->task = SHARED;
            return true;
        }
        j = (j + 1) & (cap - 1);
    }
}

/* Looks up site pc among this run's racy sites; adds it when `add`. */
static bool racy(uintptr_t pc, bool add)
{
    if (!sites_used && !add)
        return false;
    if ((sites_used + 1) * 2 > sites_cap) {
        size_t ncap = sites_cap ? sites_cap * 2 : 1024;
        struct racy *v = calloc(ncap, sizeof *v);
        if (!v)
            return false;
        for (size_t i = 0; i < sites_cap; i++) {
            if (sites[i].epoch != px__epoch)
                continue;
            size_t j = hash(sites[i].pc, ncap);
            while (v[j].epoch == px__epoch)
                j = (j + 1) & (ncap - 1);
            v[j] = sites[i];
        }
        free(sites);
        sites = v;
        sites_cap = ncap;
    }
    size_t j = hash(pc, sites_cap);
    for (;;) {
        struct racy *e = &sites[j];
        if (e->epoch != px__epoch) {
            if (add) {
                *e = (struct racy){pc, px__epoch};
                sites_used++;
            }
            return false;
        }
        if (e->pc == pc)
            return true;
        j = (j + 1) & (sites_cap - 1);
    }
}

static inline __attribute__((always_inline)) void on_access(const void *addr, void *pc, const char *what)
{
    if (FG_UNLIKELY(!px_in_sim()))   /* another OS thread's accesses are not the sim's */
        return;
    bool sh = shared((uintptr_t)addr >> 3, S->cur->id, (uintptr_t)pc);
    if (FG_LIKELY(!sh) && !px__profiling) {
        if (FG_LIKELY(!is_known((uintptr_t)pc)) &&
            (FG_LIKELY(!sites_used) || !racy((uintptr_t)pc, false)))
            goto done;
    } else {
        racy((uintptr_t)pc, true);
    }
    px_point(what, pc);
done:   /* the access happens now, after any switch */
    if (FG_UNLIKELY(px__races))
        px__race_access_(addr, pc, what[0] == 'w');
}

static inline __attribute__((always_inline)) void atomic_point(const volatile void *addr, void *pc)
{
    if (FG_UNLIKELY(!px_in_sim()))   /* another OS thread's accesses are not the sim's */
        return;
    shared((uintptr_t)addr >> 3, S->cur->id, (uintptr_t)pc);
    px_point("atomic", pc);
    /* sequentially consistent: each atomic acquires and releases its address */
    px_race_acquire((const void *)addr);
    px_race_release((const void *)addr);
}

#define PC __builtin_return_address(0)
#define RW(n)                                                                        \
    void __tsan_read##n(void *a) { on_access(a, PC, "read"); }                          \
    void __tsan_write##n(void *a) { on_access(a, PC, "write"); }                        \
    void __tsan_unaligned_read##n(void *a) { on_access(a, PC, "read"); }                \
    void __tsan_unaligned_write##n(void *a) { on_access(a, PC, "write"); }              \
    void __tsan_volatile_read##n(void *a) { on_access(a, PC, "read"); }                 \
    void __tsan_volatile_write##n(void *a) { on_access(a, PC, "write"); }               \
    void __tsan_unaligned_volatile_read##n(void *a) { on_access(a, PC, "read"); }       \
    void __tsan_unaligned_volatile_write##n(void *a) { on_access(a, PC, "write"); }     \
    void __tsan_read##n##_pc(void *a, void *pc) { on_access(a, pc, "read"); }           \
    void __tsan_write##n##_pc(void *a, void *pc) { on_access(a, pc, "write"); }
RW(1)
RW(2)
RW(4)
RW(8)
RW(16)

void __tsan_read_range(void *a, unsigned long n) { if (n) on_access(a, PC, "read"); }
void __tsan_write_range(void *a, unsigned long n) { if (n) on_access(a, PC, "write"); }
void __tsan_read_range_pc(void *a, unsigned long n, void *pc) { if (n) on_access(a, pc, "read"); }
void __tsan_write_range_pc(void *a, unsigned long n, void *pc) { if (n) on_access(a, pc, "write"); }
void __tsan_vptr_update(void **p, void *v) { (void)v; on_access(p, PC, "write"); }
void __tsan_vptr_read(void **p) { on_access(p, PC, "read"); }
/* The ASan-build stand-in (clang's -fsanitize-coverage=trace-loads,trace-stores, which
 * fugue-cc adds where tsan can't be): plain loads and stores are points as above; atomic
 * read-modify-writes reach no callback, so they are no points there */
#define COV(n, T)                                                                    \
    void __sanitizer_cov_load##n(T *a) { on_access(a, PC, "read"); }                   \
    void __sanitizer_cov_store##n(T *a) { on_access(a, PC, "write"); }
COV(1, uint8_t)
COV(2, uint16_t)
COV(4, uint32_t)
COV(8, uint64_t)
COV(16, unsigned __int128)
void __tsan_func_entry(void *pc) { (void)pc; }
void __tsan_func_exit(void) {}
void __tsan_init(void) {}
void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}
void __tsan_atomic_thread_fence(int mo) { (void)mo; }
void __tsan_atomic_signal_fence(int mo) { (void)mo; }

/* The atomics: one thread of the OS runs the sim, so the operation itself is
 * a plain __atomic builtin; the scheduling point comes first. */
#define ATOMICS(n, T)                                                                              \
    T __tsan_atomic##n##_load(const volatile T *a, int mo)                                         \
    {                                                                                              \
        (void)mo;                                                                                  \
        atomic_point(a, PC);                                                                       \
        return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                               \
    }                                                                                              \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo)                                      \
    {                                                                                              \
        (void)mo;                                                                                  \
        atomic_point(a, PC);                                                                       \
        __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                  \
    }                                                                                              \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo)                                      \
    {                                                                                              \
        (void)mo;                                                                                  \
        atomic_point(a, PC);                                                                       \
        return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                        \
    }                                                                                              \
    T __tsan_atomic##n##_fetch_add(volatile T *a, T v, int mo) { (void)mo; atomic_point(a, PC); return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST); } \
    T __tsan_atomic##n##_fetch_sub(volatile T *a, T v, int mo) { (void)mo; atomic_point(a, PC); return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST); } \
    T __tsan_atomic##n##_fetch_and(volatile T *a, T v, int mo) { (void)mo; atomic_point(a, PC); return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST); } \
    T __tsan_atomic##n##_fetch_or(volatile T *a, T v, int mo) { (void)mo; atomic_point(a, PC); return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST); }   \
    T __tsan_atomic##n##_fetch_xor(volatile T *a, T v, int mo) { (void)mo; atomic_point(a, PC); return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST); } \
    T __tsan_atomic##n##_fetch_nand(volatile T *a, T v, int mo) { (void)mo; atomic_point(a, PC); return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST); } \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo)     \
    {                                                                                              \
        (void)mo, (void)fmo;                                                                       \
        atomic_point(a, PC);                                                                       \
        return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);    \
    }                                                                                              \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo)       \
    {                                                                                              \
        (void)mo, (void)fmo;                                                                       \
        atomic_point(a, PC);                                                                       \
        return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);    \
    }                                                                                              \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo)           \
    {                                                                                              \
        (void)mo, (void)fmo;                                                                       \
        atomic_point(a, PC);                                                                       \
        __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);          \
        return c;                                                                                  \
    }
ATOMICS(8, char)
ATOMICS(16, short)
ATOMICS(32, int)
ATOMICS(64, long)
