/* Planted bug (bug depth 2): a shutdown that frees a pool under a late worker,
 * in a run of seven tasks. Five workers serve requests: each checks `closing`,
 * counts itself active, then uses the pool. Shutdown, after a while, sets
 * `closing` and frees the pool once no worker is active. A worker that checked
 * `closing` before it was set but counts itself active only after shutdown
 * looked uses a freed pool: its check before the set, shutdown's look before
 * its count. */
#include <fugue.h>
#include <fugue/target.h>

#define WORKERS 5

static bool closing, freed;
static int active;

static void worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < 3 + id; r++) {
        fg_yield();   /* waiting for a request */
        if (closing)
            return;
        fg_yield();   /* the check and the count are two steps: the bug */
        active++;
        if (freed)
            fg_fail("worker_%d uses the pool after shutdown freed it", id);
        fg_yield();   /* serving */
        active--;
    }
}

static void shutdown(void *arg)
{
    (void)arg;
    for (int i = 0; i < 6; i++)
        fg_yield();   /* running */
    closing = true;
    while (active)
        fg_yield();   /* draining */
    freed = true;
}

FG_TARGET(shutdown_race, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 20000)
{
    closing = freed = false;
    active = 0;
    for (int i = 0; i < WORKERS; i++)
        fg_spawn(worker, (void *)(intptr_t)i, .name = fg_fmt("worker_%d", i), .primary = true);
    fg_spawn(shutdown, NULL, .primary = true);
}
