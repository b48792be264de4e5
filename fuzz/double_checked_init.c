/* Planted bug (bug depth 2): broken double-checked initialization. The
 * initializer publishes `inited` before it fills the object (a yield stands
 * for the stores' reordering); another user that checks `inited` in between
 * skips the lock and reads an empty object. */
#include <fugue.h>
#include <fugue/sync.h>
#include <fugue/target.h>

static fg_mutex *m;
static bool inited;
static int value;

static int get(void)
{
    if (!inited) {
        fg_mutex_lock(m, FG_FOREVER);
        if (!inited) {
            inited = true;   /* the bug: published before the object is ready */
            fg_yield();
            value = 42;
        }
        fg_mutex_unlock(m);
    }
    return value;
}

static void user(void *arg)
{
    int delay = (int)(intptr_t)arg;
    for (int i = 0; i < delay; i++)
        fg_yield();
    fg_assert(get() == 42);
}

FG_TARGET(double_checked_init, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 5000)
{
    m = fg_mutex_new();
    inited = false;
    value = 0;
    for (int i = 0; i < 4; i++)
        fg_spawn(user, (void *)(intptr_t)(i * 2), .name = fg_fmt("user_%d", i), .primary = true);
}
