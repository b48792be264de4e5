/* Planted bug (bug depth 3; PCT finds it from d = 2, blocking switches tasks
 * for it): a one-slot buffer with one condition for both "not full" and "not
 * empty", and notify_one. Two producers and two consumers: a producer's notify
 * can wake the other producer instead of a consumer, which finds the slot full
 * and waits again, and every task ends up waiting (a deadlock). It needs both
 * consumers and one producer waiting when the other producer fills the slot
 * and wakes the wrong one.
 */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

#define ITEMS 3

static fg_mutex *m;
static fg_cond *changed;   /* the bug: one condition for two predicates */
static int slot;           /* 0 empty, 1 full */

static void producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITEMS; i++) {
        fg_yield();   /* making the item */
        fg_mutex_lock(m, FG_FOREVER);
        while (slot)
            fg_cond_wait(changed, m, FG_FOREVER);
        slot = 1;
        fg_cond_notify_one(changed);
        fg_mutex_unlock(m);
    }
}

static void consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITEMS; i++) {
        fg_mutex_lock(m, FG_FOREVER);
        while (!slot)
            fg_cond_wait(changed, m, FG_FOREVER);
        slot = 0;
        fg_cond_notify_one(changed);
        fg_mutex_unlock(m);
        fg_yield();   /* using the item */
    }
}

FG_TARGET(notify_stall, .strategy = FG_POS, .expect = FG_FAIL_DEADLOCK, .find_within = 20000)
{
    m = fg_mutex_new();
    changed = fg_cond_new();
    slot = 0;
    fg_spawn(producer, NULL, .name = "producer_1", .primary = true);
    fg_spawn(producer, NULL, .name = "producer_2", .primary = true);
    fg_spawn(consumer, NULL, .name = "consumer_1", .primary = true);
    fg_spawn(consumer, NULL, .name = "consumer_2", .primary = true);
}
