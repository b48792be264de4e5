/* Memory kept for the life of the process (pooled structs made at a pool's
 * high-water mark), in mappings of its own: made during a big sim at the top
 * of malloc's heap and kept, such a struct stopped glibc from trimming the
 * MiB freed below it, and a fuzzing process's RSS stepped up for good. */
#include "internal.h"

#include <sys/mman.h>

#define CHUNK ((size_t)256 * 1024)

static char *next, *end;

void *fg__keep(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if ((size_t)(end - next) < n) {
        size_t size = n > CHUNK ? n : CHUNK;
        void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        next = m;
        end = next + size;
    }
    void *p = next;
    next += n;
    return p;
}
