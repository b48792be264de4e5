/* Memory kept for the life of the process (what pools keep across sims), in
 * mappings of its own: kept in the middle of malloc's heap, made during a big
 * sim at its top, such memory stopped glibc from trimming what was freed below
 * it, and a fuzzing process's RSS stepped up for good. */
#include "internal.h"

#include <sys/mman.h>

#define CHUNK ((size_t)256 * 1024)

static char *next, *end;

void *fg__keep(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > CHUNK / 4) {   /* a big one gets a mapping of its own: the chunk's rest stays usable */
        void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return m == MAP_FAILED ? NULL : m;
    }
    if ((size_t)(end - next) < n) {
        void *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        next = m;
        end = next + CHUNK;
    }
    void *p = next;
    next += n;
    return p;
}
