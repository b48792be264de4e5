/* Planted bug (bug depth 2): a stale cache. The reader misses, reads the
 * database, and fills the cache; the writer updates the database and then
 * invalidates the cache. A reader that reads before the update and fills after
 * the invalidation leaves the old value cached for good. */
#include <fugue.h>
#include <fugue/target.h>

static int db, cache;
static bool cached;

static void reader(void *arg)
{
    (void)arg;
    for (int r = 0; r < 3; r++) {
        fg_yield();
        if (!cached) {
            int v = db;
            fg_yield();   /* the round trip to the database */
            fg_sometimes(v != db, "a reader holds a value the writer has replaced");   /* the bug's window */
            cache = v;
            cached = true;
        }
    }
}

static void writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++)
        fg_yield();
    db = 2;
    fg_yield();
    cached = false;
}

static void checker(void *arg)
{
    (void)arg;
    fg_join((int)(intptr_t)arg, FG_FOREVER);
    fg_join((int)(intptr_t)arg + 1, FG_FOREVER);
    fg_assert(!cached || cache == db);
}

FG_TARGET(stale_cache, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 5000)
{
    db = 1;
    cache = 0;
    cached = false;
    int r = fg_spawn(reader, NULL, .primary = true);
    fg_spawn(writer, NULL, .primary = true);
    fg_spawn(checker, (void *)(intptr_t)r, .primary = true);
}
