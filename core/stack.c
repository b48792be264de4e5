/* Task stacks: mmap'd with a guard page below and pooled across sims, since a
 * fuzzer runs millions of sims and an mmap per task would dominate them. */
#include "internal.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef FG_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define CANARY 0x6675677565f00dull

#define POOLS 16
/* free stacks by size, most recent first (its pages are likely resident) */
static struct { size_t size; struct stack *head; } pools[POOLS];
static int npools;
static size_t page;
static long guards, guard_budget;   /* guarded stacks made / mappings we may spend */

static void init(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    /* each guard splits a mapping in two; stay well inside vm.max_map_count */
    long max = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &max) != 1)
            max = 65530;
        fclose(f);
    }
    guard_budget = max / 2 - 4096;
}

static struct stack **pool_for(size_t size)
{
    for (int i = 0; i < npools; i++)
        if (pools[i].size == size)
            return &pools[i].head;
    if (npools == POOLS)
        return NULL;
    pools[npools].size = size;
    return &pools[npools++].head;
}

struct stack *fg__stack_get(size_t size)
{
    if (!page)
        init();
    size = (size + page - 1) & ~(page - 1);
    struct stack **p = pool_for(size);
    if (p && *p) {
        struct stack *s = *p;
        *p = s->next;
#ifdef FG_ASAN
        /* a task dropped mid-call leaves its frames poisoned */
        ASAN_UNPOISON_MEMORY_REGION(s->lo, s->size);
#endif
        return s;
    }
    bool guarded = guards < guard_budget;
    size_t len = size + (guarded ? page : 0);
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if (guarded && mprotect(m, page, PROT_NONE) != 0) {
        munmap(m, len);
        return NULL;
    }
    struct stack *s = malloc(sizeof *s);
    if (!s) {
        munmap(m, len);
        return NULL;
    }
    s->lo = m + (guarded ? page : 0);
    s->size = size;
    s->guarded = guarded;
    s->next = NULL;
    guards += guarded;
    if (!guarded)
        memcpy(s->lo, &(uint64_t){CANARY}, 8);
    return s;
}

void fg__stack_put(struct stack *s)
{
    struct stack **p = pool_for(s->size);
    if (!p) {  /* more distinct sizes than pools: don't hoard */
        munmap(s->lo - (s->guarded ? page : 0), s->size + (s->guarded ? page : 0));
        guards -= s->guarded;
        free(s);
        return;
    }
    s->next = *p;
    *p = s;
}

bool fg__stack_canary_ok(const struct stack *s)
{
    uint64_t v;
    if (s->guarded)
        return true;
    memcpy(&v, s->lo, 8);
    return v == CANARY;
}

bool fg__stack_in_guard(const struct stack *s, const void *addr)
{
    const char *a = addr;
    return s->guarded && a >= s->lo - page && a < s->lo;
}
