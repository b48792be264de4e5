/* Planted bug (bug depth 2): a deadlock from lock-order inversion. The mover takes A then
 * B; the auditor usually does too, but on a rare path (a user-level random
 * choice) takes B then A. Only when that path overlaps the mover's critical
 * section in time do both wait forever. */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

#define ROUNDS 3

static fg_mutex *a, *b;

static void mover(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        fg_sleep(fg_rand_range(0, 7) * FG_MS);
        fg_mutex_lock(a, FG_FOREVER);
        fg_sleep(FG_MS);
        fg_mutex_lock(b, FG_FOREVER);
        fg_mutex_unlock(b);
        fg_mutex_unlock(a);
    }
}

static void auditor(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        fg_sleep(fg_rand_range(0, 7) * FG_MS);
        bool inverted = fg_rand_chance(1, 64);   /* the rare path */
        fg_mutex *first = inverted ? b : a, *second = inverted ? a : b;
        fg_mutex_lock(first, FG_FOREVER);
        fg_sleep(FG_MS);
        fg_mutex_lock(second, FG_FOREVER);
        fg_mutex_unlock(second);
        fg_mutex_unlock(first);
    }
}

FG_TARGET(lock_order, .expect = FG_FAIL_DEADLOCK, .find_within = 2000)
{
    a = fg_mutex_new();
    b = fg_mutex_new();
    fg_spawn(mover, NULL, .primary = true);
    fg_spawn(auditor, NULL, .primary = true);
}
