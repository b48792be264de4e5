/* Planted bug (bug depth 4; PCT finds it from d = 2, blocking switches tasks
 * for it): a deadlock over four locks. Four services each lock their own table
 * and then their neighbour's to move a record, after different amounts of
 * work. All four waiting at once needs each to take its own lock before any
 * takes its neighbour's: four orderings across tasks.
 */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

#define N 4

static fg_mutex *table[N];

static void service(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 2 + 3 * i; k++)
            fg_yield();   /* serving requests, each for a different time */
        fg_mutex_lock(table[i], FG_FOREVER);
        fg_yield();   /* reading the record */
        fg_mutex_lock(table[(i + 1) % N], FG_FOREVER);
        fg_yield();   /* moving it */
        fg_mutex_unlock(table[(i + 1) % N]);
        fg_mutex_unlock(table[i]);
    }
}

FG_TARGET(lock_ring, .strategy = FG_POS, .expect = FG_FAIL_DEADLOCK, .find_within = 20000)
{
    for (int i = 0; i < N; i++)
        table[i] = fg_mutex_new();
    for (int i = 0; i < N; i++)
        fg_spawn(service, (void *)(intptr_t)i, .name = fg_fmt("service_%d", i), .primary = true);
}
