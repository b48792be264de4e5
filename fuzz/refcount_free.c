/* Planted bug (bug depth 2): a reference count dropped without an atomic
 * decrement. Three readers share a buffer; each drops its reference by reading
 * the count, a yield, and writing it back less one, and the one that writes 0
 * frees the buffer. Two readers that read the same count both write it back:
 * one release is lost and the buffer is never freed (a leak the final check
 * reports). Reader A's read before B's write, B's read before A's write. */
#include <fugue.h>
#include <fugue/target.h>

#define READERS 3

static int refs, frees;

static void release(void)
{
    int v = refs;
    fg_yield();   /* the read and the write are two steps */
    refs = v - 1;
    if (v - 1 == 0)
        frees++;
}

static void reader(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int k = 0; k < 2 + 2 * id; k++)
        fg_yield();   /* reading the buffer */
    release();
}

FG_TARGET(refcount_free, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 2000)
{
    refs = READERS;
    frees = 0;
    int ids[READERS];
    for (int i = 0; i < READERS; i++)
        ids[i] = fg_spawn(reader, (void *)(intptr_t)i, .name = fg_fmt("reader_%d", i));
    for (int i = 0; i < READERS; i++)
        fg_join(ids[i], FG_FOREVER);
    if (frees != 1)
        fg_fail("the buffer was freed %d times, not once: a release was lost", frees);
}
