/* Semaphores, barriers, rwlocks, spinlocks, once and keys; lock-order deadlock. */
#include "posix/posix_test.h"

Test(posix_sync, invariants_hold_on_every_schedule)
{
    cr_expect_eq(prog("sync", "replay /dev/null"), 0, "%s", out);
    cr_expect_eq(prog("sync", "random --iterations 3000 --no-save"), 0, "%s", out);
}

Test(posix_sync, semaphore_admits_two_at_once_somewhere)
{
    cr_expect_eq(prog("sync", "random --iterations 200 --no-save"), 0, "%s", out);
    cr_expect_out("max inside 2");
}

Test(posix_sync, lock_order_deadlock_found_and_replayed)
{
    tmp_make("posix-lock-order");
    char args[512];
    snprintf(args, sizeof args, "random --iterations 1000 --crash-dir %s", tmp);
    cr_expect_eq(prog("lock_order", args), 1, "%s", out);
    cr_expect_out("deadlock");
    cr_expect_out("pthread_mutex_lock");
    /* each blocked thread is named with the file:line of its lock (lock_order.c's second locks) */
    cr_expect_out("lock_order.c:11)");
    cr_expect_out("lock_order.c:21)");
    snprintf(args, sizeof args, "replay %s", tmp);
    cr_expect_eq(prog("lock_order", args), 1, "%s", out);
    cr_expect_out("deadlock hash");
    tmp_remove();
}
