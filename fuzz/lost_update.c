/* Planted bug (bug depth 3): a lost update. Workers add to a shared counter; on one rare
 * path a worker yields between reading the counter and writing it back, and
 * if another worker's add lands in that window, an increment is lost. Depth 3:
 * worker 2 reads after the others' ninth add, worker 1's last add comes after that
 * read, and before worker 2's write (PCT needs d=3: 0 of 31 trials found it at d=2). */
#include <fugue.h>
#include <fugue/target.h>

#define WORKERS 3
#define ROUNDS 5

static int counter;

static void worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        fg_yield();
        int v = counter;
        /* the slow path: a worker that starts late and finds the others almost done yields
         * mid-update (the natural, round-robin schedule never takes it) */
        if (id == WORKERS - 1 && i == 0 && v == (WORKERS - 1) * ROUNDS - 1)
            fg_yield();
        counter = v + 1;
    }
}

FG_TARGET(lost_update, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 1000)
{
    counter = 0;
    int ids[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        ids[i] = fg_spawn(worker, (void *)(intptr_t)i, .name = fg_fmt("worker_%d", i));
    for (int i = 0; i < WORKERS; i++)
        fg_join(ids[i], FG_FOREVER);
    fg_assert(counter == WORKERS * ROUNDS);
}
