/* Planted bug (bug depth 4): three_events two stages deeper. The failure needs A (a task's
 * ninth step) before B's check, B's check before C's, C's before D's and D's
 * before E's, while two noise tasks keep the scheduler busy. Each stage is new
 * coverage a fuzzer can build on, while chance pays for every stage again.
 * A is two steps shorter than in three_events so random mode still finds it
 * within a test's time. */
#include <fugue.h>
#include <fugue/target.h>

static bool a_done, b_saw_a, c_saw_b, d_saw_c;

static void task_a(void *arg)
{
    (void)arg;
    for (int i = 0; i < 8; i++)
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
        c_saw_b = true;
}

static void task_d(void *arg)
{
    (void)arg;
    fg_yield();
    fg_yield();
    if (c_saw_b)
        d_saw_c = true;
}

static void task_e(void *arg)
{
    (void)arg;
    fg_yield();
    fg_yield();
    if (d_saw_c)
        fg_fail("E ran after D saw C: the five events happened in the one bad order");
}

static void noise(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        fg_yield();
}

FG_TARGET(five_events, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 1000000)
{
    a_done = b_saw_a = c_saw_b = d_saw_c = false;
    fg_spawn(noise, NULL, .name = "noise_0", .primary = true);
    /* spawned last event first: neither the natural order (wake order, POS's and
     * random's empty input) nor PCT's ties (lower id first) is the bug's order */
    fg_spawn(task_e, NULL, .primary = true);
    fg_spawn(task_d, NULL, .primary = true);
    fg_spawn(task_c, NULL, .primary = true);
    fg_spawn(task_b, NULL, .primary = true);
    fg_spawn(task_a, NULL, .primary = true);
    fg_spawn(noise, NULL, .name = "noise_1", .primary = true);
}
