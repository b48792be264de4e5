/* Planted bug (bug depth 1): an order violation. The worker assumes the config is loaded by the time it has set itself up
 * (six steps); the loader needs two. Only a schedule that starves the loader
 * for all six of the worker's steps shows it. */
#include <fugue.h>
#include <fugue/target.h>

static const int *config;
static const int loaded = 7;

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 6; i++)
        fg_yield();
    fg_assert(config != NULL && *config == 7);
}

static void loader(void *arg)
{
    (void)arg;
    fg_yield();
    fg_yield();
    config = &loaded;
}

static void noise(void *arg)
{
    (void)arg;
    for (int i = 0; i < 8; i++)
        fg_yield();
}

FG_TARGET(order_violation, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 5000)
{
    config = NULL;
    fg_spawn(loader, NULL, .primary = true);
    fg_spawn(noise, NULL, .name = "noise_0", .primary = true);
    fg_spawn(worker, NULL, .primary = true);
    fg_spawn(noise, NULL, .name = "noise_1", .primary = true);
}
