/* An outside project's target: transfers between accounts under one lock
 * each, taken in account order; whatever the schedule, money is conserved. */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

#define ACCOUNTS 3
#define TELLERS 3

static int balance[ACCOUNTS];
static fg_mutex *lock[ACCOUNTS];

static void teller(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        int a = (int)fg_choose(ACCOUNTS), b = (int)fg_choose(ACCOUNTS);
        if (a == b)
            continue;
        int lo = a < b ? a : b, hi = a < b ? b : a;   /* one order for everyone: no deadlock */
        fg_mutex_lock(lock[lo], FG_FOREVER);
        fg_yield();
        fg_mutex_lock(lock[hi], FG_FOREVER);
        int amount = (int)fg_choose(10);
        balance[a] -= amount;
        fg_yield();
        balance[b] += amount;
        fg_mutex_unlock(lock[hi]);
        fg_mutex_unlock(lock[lo]);
    }
}

FG_TARGET(bank, .strategy = FG_RANDOM)
{
    for (int i = 0; i < ACCOUNTS; i++) {
        balance[i] = 100;
        lock[i] = fg_mutex_new();
    }
    int ids[TELLERS];
    for (int i = 0; i < TELLERS; i++)
        ids[i] = fg_spawn(teller, NULL, .name = fg_fmt("teller_%d", i));
    for (int i = 0; i < TELLERS; i++)
        fg_join(ids[i], FG_FOREVER);
    int total = 0;
    for (int i = 0; i < ACCOUNTS; i++)
        total += balance[i];
    fg_assert(total == ACCOUNTS * 100);
}
