/* Planted bug (bug depth 2): a lost wakeup. The consumer checks `ready` under
 * the lock, but drops the lock (to log) before it waits; a producer that sets
 * `ready` and notifies in that gap wakes nobody, and the consumer waits
 * forever: the producer's notify after the consumer's check, before its wait. */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

static fg_mutex *m;
static fg_cond *c;
static bool ready;

static void consumer(void *arg)
{
    (void)arg;
    fg_mutex_lock(m, FG_FOREVER);
    bool go = ready;
    fg_mutex_unlock(m);
    if (!go) {
        fg_yield();   /* logging "waiting", without the lock: the bug */
        fg_mutex_lock(m, FG_FOREVER);
        fg_cond_wait(c, m, FG_FOREVER);
        fg_mutex_unlock(m);
    }
}

static void producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        fg_yield();   /* preparing the item */
    fg_mutex_lock(m, FG_FOREVER);
    ready = true;
    fg_cond_notify_one(c);
    fg_mutex_unlock(m);
}

static void noise(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        fg_yield();
}

FG_TARGET(lost_wakeup, .strategy = FG_POS, .expect = FG_FAIL_DEADLOCK, .find_within = 5000)
{
    m = fg_mutex_new();
    c = fg_cond_new();
    ready = false;
    fg_spawn(noise, NULL, .name = "noise_0", .primary = true);
    fg_spawn(producer, NULL, .primary = true);
    fg_spawn(noise, NULL, .name = "noise_1", .primary = true);
    fg_spawn(consumer, NULL, .primary = true);
}
