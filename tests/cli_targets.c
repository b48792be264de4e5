/* Targets for tests/test_cli.c, one per way to fail, linked into one
 * multi-target driver: the first choice says whether the run fails. */
#include <fugue.h>
#include <fugue/target.h>

#include <signal.h>
#include <stdlib.h>

FG_TARGET(cli_pass) { fg_yield(); }

FG_TARGET(cli_assert, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 100)
{
    fg_assert(fg_choose(2) == 0);
}

FG_TARGET(cli_abort, .strategy = FG_RANDOM, .expect = FG_FAIL_CRASH, .find_within = 100)
{
    if (fg_choose(2))
        abort();
}

FG_TARGET(cli_segv, .strategy = FG_RANDOM, .expect = FG_FAIL_CRASH, .find_within = 100)
{
    if (fg_choose(2))
        *(volatile int *)(size_t)fg_choose(1) = 1;   /* a write to address 0 */
}

static int deep(int n)
{
    volatile char buf[512];
    buf[0] = (char)n;
    return n ? deep(n - 1) + buf[0] : 0;
}

FG_TARGET(cli_overflow, .strategy = FG_RANDOM, .expect = FG_FAIL_OVERFLOW, .find_within = 100, .stack_size = 16384)
{
    if (fg_choose(2))
        deep(1000);
}
