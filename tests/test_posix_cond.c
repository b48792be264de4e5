/* Condition variables: timedwait in sim time, broadcast's wake order a choice. */
#include "posix/posix_test.h"

Test(posix_cond, timedwait_times_out_in_sim_time)
{
    cr_expect_eq(prog("cond", "replay /dev/null"), 0, "%s", out);
    cr_expect_out("woke 0 1 2");
}

Test(posix_cond, broadcast_wakes_in_any_order)
{
    /* the program exits 3 when its three waiters come back in reverse order */
    cr_expect_eq(prog("cond", "random --iterations 5000 --no-save"), 1, "%s", out);
    cr_expect_out("exit status");
}

Test(posix_cond, lost_wakeup_is_a_deadlock)
{
    cr_expect_eq(prog("lost_wakeup", "replay /dev/null"), 0, "%s", out);
    cr_expect_eq(prog("lost_wakeup", "random --iterations 1000 --no-save"), 1, "%s", out);
    cr_expect_out("deadlock");
    cr_expect_out("pthread_cond_wait");
}

/* `if` instead of `while` around cond_wait: found only when spurious wakeups are a choice. */
Test(posix_cond, spurious_wakeups_are_a_choice_when_asked)
{
    unsetenv("FUGUE_SPURIOUS");
    cr_expect_eq(prog("spurious", "random --iterations 2000 --no-save"), 0, "found without spurious wakeups:\n%s", out);
    setenv("FUGUE_SPURIOUS", "1", 1);
    tmp_make("posix-spurious");
    char args[512];
    snprintf(args, sizeof args, "random --iterations 200 --crash-dir %s", tmp);
    cr_expect_eq(prog("spurious", args), 1, "%s", out);
    cr_expect_out("assertion failed: ready");
    snprintf(args, sizeof args, "replay %s", tmp);
    cr_expect_eq(prog("spurious", args), 1, "%s", out);
    cr_expect_out("assertion failed: ready");
    unsetenv("FUGUE_SPURIOUS");
    tmp_remove();
}
