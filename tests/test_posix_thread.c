/* pthread_create/join/detach/exit/self/equal and thread attributes. */
#include "posix/posix_test.h"

Test(posix_thread, semantics_hold_on_every_schedule)
{
    cr_expect_eq(prog("thread", "replay /dev/null"), 0, "%s", out);
    cr_expect_out("main returns");
    cr_expect_eq(prog("thread", "random --iterations 2000 --no-save"), 0, "%s", out);
    cr_expect_eq(prog("thread", "exhaustive --max-runs 20000 --no-save"), 0, "%s", out);
}

Test(posix_thread, stack_size_is_honoured)
{
    /* 64 KiB cannot hold the thread's 512 KiB frame: the run dies as a crash or overflow */
    int st = prog("stack_small", "replay /dev/null");
    cr_expect_neq(st, 0, "%s", out);
    cr_expect(strstr(out, "crash") || strstr(out, "stack overflow"), "%s", out);
}

Test(posix_thread, main_returning_ends_the_program)
{
    /* a detached thread sleeping forever does not keep the sim alive */
    cr_expect_eq(prog("thread", "replay /dev/null"), 0, "%s", out);
    cr_expect_out("pass");
}
