/* Planted bug (bug depth 3): a condition tested with `if`, not `while`. Two
 * consumers take jobs from a queue; one that finds it empty waits on a
 * condition and, woken, pops without looking again. If the other consumer
 * takes the job between the producer's notify and the woken consumer's turn,
 * it pops an empty queue: consumer 1 waits before the push, the push and
 * notify come before consumer 2's check, and consumer 2 pops before
 * consumer 1 runs again. */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

#define JOBS 3

static fg_mutex *m;
static fg_cond *nonempty;
static int queued, taken;

static void consumer(void *arg)
{
    (void)arg;
    for (;;) {
        fg_yield();   /* finishing the previous job */
        fg_mutex_lock(m, FG_FOREVER);
        if (taken == JOBS) {
            fg_mutex_unlock(m);
            return;
        }
        if (queued == 0)   /* the bug: `while` would look again after the wait */
            fg_cond_wait(nonempty, m, FG_FOREVER);
        if (taken == JOBS) {   /* the final wake-up: nothing left */
            fg_mutex_unlock(m);
            return;
        }
        if (queued == 0)
            fg_fail("popped an empty queue: another consumer took the job after the notify");
        queued--;
        taken++;
        fg_mutex_unlock(m);
    }
}

static void producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < JOBS; i++) {
        for (int k = 0; k < 3; k++)
            fg_yield();   /* building the job */
        fg_mutex_lock(m, FG_FOREVER);
        queued++;
        fg_cond_notify_one(nonempty);
        fg_mutex_unlock(m);
    }
    fg_mutex_lock(m, FG_FOREVER);
    fg_cond_notify_all(nonempty);   /* the last job: wake whoever still waits */
    fg_mutex_unlock(m);
}

FG_TARGET(cond_if, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 20000)
{
    m = fg_mutex_new();
    nonempty = fg_cond_new();
    queued = taken = 0;
    fg_spawn(consumer, NULL, .name = "consumer_1", .primary = true);
    fg_spawn(consumer, NULL, .name = "consumer_2", .primary = true);
    fg_spawn(producer, NULL, .primary = true);
}
