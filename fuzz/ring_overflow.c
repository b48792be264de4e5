/* Planted bug (bug depth 1, in a long run): a bounded buffer's off-by-one.
 * The producer's room check is `count <= CAP` where it should be `<`, so a
 * producer that gets CAP+1 pushes ahead of the consumer writes past the ring.
 * The consumer usually keeps up: it pops whenever something is there. (Both
 * give up after 3*ITEMS tries: a spin without bound would livelock under PCT.) */
#include <fugue.h>
#include <fugue/target.h>

#define CAP 4
#define ITEMS 24

static int ring[CAP + 1], head, count, popped;

static void producer(void *arg)
{
    (void)arg;
    for (int tries = 0, i = 0; i < ITEMS && tries < 3 * ITEMS; tries++) {
        if (count <= CAP) {   /* the bug: should be count < CAP */
            fg_assert(count < CAP);   /* the write below would land past the ring */
            ring[(head + count) % CAP] = i++;
            count++;
        }
        fg_yield();
    }
}

static void consumer(void *arg)
{
    (void)arg;
    for (int tries = 0; popped < ITEMS && tries < 3 * ITEMS; tries++) {
        if (count > 0) {
            head = (head + 1) % CAP;
            count--;
            popped++;
        }
        fg_yield();
    }
}

FG_TARGET(ring_overflow, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 20000)
{
    head = count = popped = 0;
    fg_spawn(consumer, NULL, .primary = true);
    fg_spawn(producer, NULL, .primary = true);
}
