/* An outside project's second target: code shared with the real program asks
 * fg_in_sim() to take its clock from the sim. Two tickers sleep random
 * intervals; sim time only moves forward and ends when the last one does. */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime under -std=c17 */
#include <fugue.h>
#include <fugue/target.h>
#include <time.h>

static fg_time last_seen;

/* the program's own clock: sim time inside a sim, the real clock outside */
static fg_time now(void)
{
    if (fg_in_sim())
        return fg_now();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (fg_time)ts.tv_sec * FG_SEC;
}

static void ticker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        fg_sleep(FG_MS * (fg_time)(1 + fg_choose(50)));
        fg_time t = now();
        fg_assert(t >= last_seen);
        last_seen = t;
    }
}

FG_TARGET(ticker)
{
    fg_assert(fg_in_sim());
    last_seen = 0;
    int a = fg_spawn(ticker, NULL, .name = "tick_a");
    int b = fg_spawn(ticker, NULL, .name = "tick_b");
    fg_join(a, FG_FOREVER);
    fg_join(b, FG_FOREVER);
    fg_assert(now() == last_seen);
}
