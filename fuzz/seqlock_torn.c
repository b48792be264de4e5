/* Planted bug (bug depth 2): a seqlock reader that checks the sequence only
 * before reading. A writer updates a two-word position (x, y, always equal)
 * under an odd sequence; the reader waits for an even sequence, reads x, then
 * y, and never checks the sequence again. A write between the two reads gives
 * a torn pair: the writer's x write after the reader's x read, its y write
 * before the reader's y read. */
#include <fugue.h>
#include <fugue/target.h>

static unsigned seq;
static int x, y;

static void writer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 2; i++) {
        for (int k = 0; k < 6; k++)
            fg_yield();   /* computing the next position */
        seq++;
        x = i;
        fg_yield();
        y = i;
        seq++;
    }
}

static void reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        fg_yield();
        while (seq & 1)
            fg_yield();
        int a = x;
        fg_yield();
        int b = y;
        /* the bug: no `if (seq != s0) retry` here */
        if (a != b)
            fg_fail("torn read: x %d, y %d", a, b);
    }
}

FG_TARGET(seqlock_torn, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 2000)
{
    seq = 0;
    x = y = 0;
    fg_spawn(writer, NULL, .primary = true);
    fg_spawn(reader, NULL, .name = "reader_1", .primary = true);
    fg_spawn(reader, NULL, .name = "reader_2", .primary = true);
}
