/* Memory kept for the life of the process (what pools keep across sims), in
 * mappings of its own: kept in the middle of malloc's heap, made during a big
 * sim at its top, such memory stopped glibc from trimming what was freed below
 * it, and a fuzzing process's RSS stepped up for good. */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

#define CHUNK ((size_t)256 * 1024)
#define PAGE ((size_t)4096)

static char *next, *end;

static void *map(size_t n)
{
    void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

/* what a call asks for, run on the spare stack: the first mmap binds the symbol, and
 * that takes more room than a task on a dense stack has */
struct ask { void *p; size_t old, n; void *out; };

static void keep_v(void *arg)
{
    struct ask *a = arg;
    size_t n = (a->n + 15) & ~(size_t)15;
    if (n > CHUNK / 4) {   /* a big one gets a mapping of its own: the chunk's rest stays usable */
        a->out = map(n);
        return;
    }
    if ((size_t)(end - next) < n) {
        if (!(a->out = map(CHUNK)))
            return;
        next = a->out;
        end = next + CHUNK;
    }
    a->out = next;
    next += n;
}

void *fg__keep(size_t n)
{
    struct ask a = {.n = n};
    fg__spare_run(keep_v, &a);
    return a.out;
}

static void grow_v(void *arg)
{
    struct ask *a = arg;
    size_t had = (a->old + PAGE - 1) & ~(PAGE - 1), want = (a->n + PAGE - 1) & ~(PAGE - 1);
    if (a->p && want <= had) {
        a->out = a->p;
        return;
    }
    if (!(a->out = map(want)) || !a->p)
        return;
    memcpy(a->out, a->p, a->old);
    munmap(a->p, had);
}

static void map_v(void *arg)
{
    struct ask *a = arg;
    a->out = map(a->n);
}

void *fg__map(size_t n)
{
    struct ask a = {.n = n};
    fg__spare_run(map_v, &a);
    return a.out;
}

void fg__unmap(void *p, size_t n)
{
    munmap(p, n);
}

/* Grows an array kept from sim to sim (a pool's free list, the ready ring, a table by id)
 * from old to n bytes, copying the old bytes: realloc'd at a big sim's high-water mark it
 * landed at the top of malloc's heap and pinned it, as fg__keep's objects did. */
void *fg__keep_grow(void *p, size_t old, size_t n)
{
    struct ask a = {p, old, n, NULL};
    fg__spare_run(grow_v, &a);
    return a.out;
}
