/* sleep/usleep/nanosleep and the clocks, in sim time. */
#include "posix/posix_test.h"

Test(posix_time, sleeps_take_exact_sim_time)
{
    cr_expect_eq(prog("time", "replay /dev/null"), 0, "%s", out);
    /* the realtime clock starts at a fixed date, so runs replay */
    cr_expect_out("realtime 1704067200");
}
