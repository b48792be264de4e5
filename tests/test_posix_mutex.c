/* Mutexes: kinds, trylock, timedlock in sim time, barging. */
#include "posix/posix_test.h"

Test(posix_mutex, kinds_trylock_timedlock)
{
    cr_expect_eq(prog("mutex", "replay /dev/null"), 0, "%s", out);
    cr_expect_eq(prog("mutex", "random --iterations 3000 --no-save"), 0, "%s", out);
}

Test(posix_mutex, releasing_thread_barges_on_the_natural_schedule)
{
    /* run-to-block: A unlocks and takes the mutex straight back before B, who waits */
    cr_expect_eq(prog("mutex", "replay /dev/null"), 0, "%s", out);
    cr_expect_out("order AAB");
}

Test(posix_mutex, every_order_is_reachable)
{
    /* B can come first or between A's two sections: the schedule decides, not a fair queue */
    cr_expect_eq(prog("mutex", "random --iterations 500 --no-save"), 0, "%s", out);
    cr_expect_out("order BAA");
    cr_expect_out("order ABA");
}
