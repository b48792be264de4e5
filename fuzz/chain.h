/* A staged bug of a stated depth for the deep_* targets. Two workers take
 * turns in segments of SEG steps: worker 0 runs SEG steps before worker 1 has
 * started, then worker 1 runs SEG steps while worker 0 stands still, then
 * worker 0 again, ... DEPTH segments in all, each switch exactly at a segment
 * end (the other worker must be at precisely its last segment's end). That is
 * DEPTH orderings between the workers — Burckhardt's bug depth, DEPTH - 1
 * preemptions — in runs of LEN steps per worker, NOISE more tasks besides.
 * Think of a handshake where each party acts on the exact state it last saw.
 * Define DEPTH, SEG, NOISE, LEN, then include this once. */
#include <fugue.h>
#include <fugue/target.h>

static int stage, progress[2];

static void worker(void *arg)
{
    int me = (int)(intptr_t)arg, other = 1 - me;
    for (int s = 1; s <= LEN; s++) {
        progress[me] = s;
        /* segment `stage` is this worker's, and ends here with the other exactly at its own end */
        if (stage < DEPTH && stage % 2 == me && s == (stage / 2 + 1) * SEG &&
            progress[other] == (stage + (me == 0 ? 0 : 1)) / 2 * SEG && ++stage == DEPTH)
            fg_fail("the %d segments ran in the one bad order", DEPTH);
        fg_yield();
    }
}

static void noise(void *arg)
{
    (void)arg;
    for (int s = 0; s < LEN; s++)
        fg_yield();
}

static void chain_spawn(void)
{
    stage = progress[0] = progress[1] = 0;
    fg_spawn(worker, (void *)0, .name = "worker_0", .primary = true);
    for (int i = 0; i < NOISE; i++)
        fg_spawn(noise, NULL, .name = fg_fmt("noise_%d", i), .primary = true);
    fg_spawn(worker, (void *)1, .name = "worker_1", .primary = true);
}
