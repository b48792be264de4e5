/* Planted bug (bug depth 2): three events in one order out of many. The failure needs A (a
 * task's seventh... eleventh step) before B's check, and B's check before C's,
 * while two noise tasks keep the scheduler busy: rare by chance, but each
 * event is new coverage a fuzzer can build on. */
#include <fugue.h>
#include <fugue/target.h>

static bool a_done, b_saw_a;

static void task_a(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        fg_yield();
    a_done = true;
}

static void task_b(void *arg)
{
    (void)arg;
    fg_yield();
    fg_yield();
    if (a_done)
        b_saw_a = true;
}

static void task_c(void *arg)
{
    (void)arg;
    fg_yield();
    fg_yield();
    if (b_saw_a)
        fg_fail("C ran after B saw A: the three events happened in the one bad order");
}

static void noise(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        fg_yield();
}

FG_TARGET(three_events, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 20000)
{
    a_done = b_saw_a = false;
    fg_spawn(noise, NULL, .name = "noise_0", .primary = true);
    /* spawned last event first: neither the natural order (wake order, POS's and
     * random's empty input) nor PCT's ties (lower id first) is the bug's order */
    fg_spawn(task_c, NULL, .primary = true);
    fg_spawn(task_b, NULL, .primary = true);
    fg_spawn(task_a, NULL, .primary = true);
    fg_spawn(noise, NULL, .name = "noise_1", .primary = true);
}
