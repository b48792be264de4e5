/* Planted bug (bug depth 3): the dining philosophers' deadlock. Three
 * philosophers each take their left fork, reach for the right one, eat and put
 * both down, twice. All three waiting at once needs each to take its left fork
 * before any takes its right: three orderings across tasks. */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

#define N 3

static fg_mutex *fork_[N];

static void philosopher(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 1 + 3 * i; k++)
            fg_yield();   /* thinking, each for a different time */
        fg_mutex_lock(fork_[i], FG_FOREVER);
        fg_yield();
        fg_mutex_lock(fork_[(i + 1) % N], FG_FOREVER);
        fg_yield();   /* eating */
        fg_mutex_unlock(fork_[(i + 1) % N]);
        fg_mutex_unlock(fork_[i]);
    }
}

FG_TARGET(dining, .strategy = FG_POS, .expect = FG_FAIL_DEADLOCK, .find_within = 20000)
{
    for (int i = 0; i < N; i++)
        fork_[i] = fg_mutex_new();
    for (int i = 0; i < N; i++)
        fg_spawn(philosopher, (void *)(intptr_t)i, .name = fg_fmt("philosopher_%d", i), .primary = true);
}
