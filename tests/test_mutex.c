/* Mutex: exclusion under every strategy, hand-off order, deadlines, misuse
 * messages, teardown cancelling waiters, and the stats it keeps. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

static fg_mutex *m;
static int inside, max_inside, done;
static char order[16];
static int norder;

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(fg_mutex_lock(m, FG_FOREVER), 0);
        inside++;
        if (inside > max_inside)
            max_inside = inside;
        fg_yield();
        fg_sleep(fg_rand_range(0, 2) * FG_US);
        inside--;
        cr_assert_eq(fg_mutex_unlock(m), 0);
        fg_yield();
    }
    done++;
}

static void crowd(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    inside = max_inside = done = 0;
    for (int i = 0; i < 4; i++)
        fg_spawn(worker, NULL, .primary = true);
}

Test(mutex, excludes_under_every_strategy)
{
    fg_strategy s[] = {FG_POR, FG_FIFO, FG_RANDOM};
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 0; seed < 50; seed++) {
            fg_opts o = {.strategy = s[k]};
            fg_result r;
            cr_assert_eq(fg_run_seed(crowd, NULL, &o, seed, &r), 0);
            cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
            cr_assert_eq(max_inside, 1);
            cr_assert_eq(done, 4);
        }
}

static void in_line(void *arg)
{
    (void)arg;
    cr_assert_eq(fg_mutex_lock(m, FG_FOREVER), 0);
    order[norder++] = fg_name()[0];
    fg_mutex_unlock(m);
}

static void holder_then_line(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    norder = 0;
    cr_assert_eq(fg_mutex_lock(m, FG_FOREVER), 0);
    for (int i = 0; i < 3; i++)
        fg_spawn(in_line, NULL, .name = fg_fmt("%c", 'a' + i), .primary = true);
    fg_sleep(FG_MS);  /* all three queue up behind us */
    cr_assert_eq(fg_mutex_unlock(m), 0);
}

Test(mutex, fifo_hands_off_in_arrival_order)
{
    fg_opts o = {.strategy = FG_FIFO};
    fg_result r;
    fg_run_bytes(holder_then_line, NULL, &o, NULL, 0, &r);
    order[norder] = 0;
    cr_assert_str_eq(order, "abc");
    cr_assert_eq(r.choices, 0);
}

Test(mutex, por_chooses_among_waiters_at_release)
{
    /* choices: 3 waiters, then 2: input {2, 1} picks c, then b */
    static const uint8_t in[] = {2, 1};
    fg_opts o = {.strategy = FG_POR};
    fg_result r;
    fg_run_bytes(holder_then_line, NULL, &o, in, sizeof in, &r);
    order[norder] = 0;
    cr_assert_str_eq(order, "cba");
    cr_assert_eq(r.choices, 2);
}

static int timed;
static fg_time when;

static void impatient(void *arg)
{
    (void)arg;
    timed = fg_mutex_lock(m, fg_after(FG_MS));
    when = fg_now();
    cr_assert_eq(fg_mutex_try_lock(m), -EAGAIN);
}

static void slow_holder(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    fg_mutex_lock(m, FG_FOREVER);
    int id = fg_spawn(impatient, NULL);
    fg_sleep(10 * FG_MS);
    fg_mutex_unlock(m);
    cr_assert_eq(fg_join(id, FG_FOREVER), 0);
    cr_assert_eq(fg_mutex_try_lock(m), 0, "free again once the holder left");
    cr_assert_eq(fg_mutex_unlock(m), 0);
}

Test(mutex, deadline_passes)
{
    fg_result r;
    fg_run_bytes(slow_holder, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(timed, -ETIMEDOUT);
    cr_assert_eq(when, FG_MS);
}

static int cancelled_result;

static void stuck(void *arg)
{
    (void)arg;
    cancelled_result = fg_mutex_lock(m, FG_FOREVER);
}

static void leave_one_waiting(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    fg_mutex_lock(m, FG_FOREVER);
    fg_spawn(stuck, NULL);  /* not primary: cancelled when we end */
    fg_sleep(FG_MS);
}

Test(mutex, teardown_cancels_waiters)
{
    cancelled_result = 0;
    fg_result r;
    fg_run_bytes(leave_one_waiting, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(cancelled_result, -ECANCELED);
}

static int misuse[4];

static void thief(void *arg)
{
    (void)arg;
    misuse[0] = fg_mutex_unlock(m);
    misuse[1] = fg_mutex_destroy(m);
}

static void misuser(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    fg_mutex_lock(m, FG_FOREVER);
    misuse[2] = fg_mutex_lock(m, FG_FOREVER);
    fg_join(fg_spawn(thief, NULL, .name = "thief"), FG_FOREVER);
    fg_mutex_unlock(m);
    misuse[3] = fg_mutex_destroy(m);
}

Test(mutex, misuse_is_an_error_with_a_message)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "owner"};
    fg_result r;
    fg_run_bytes(misuser, NULL, &o, NULL, 0, &r);
    cr_assert_eq(misuse[0], -EPERM);
    cr_assert_eq(misuse[1], -EBUSY);
    cr_assert_eq(misuse[2], -EDEADLK);
    cr_assert_eq(misuse[3], 0);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task owner: fg_mutex_lock: task already holds this mutex\n"
                            "fugue: task thief: fg_mutex_unlock: task does not hold this mutex (held by owner)\n"
                            "fugue: task thief: fg_mutex_destroy: mutex is held by owner\n");
}

static int destroy_busy, after_destroy;

static void waiter_unlocks(void *arg)
{
    (void)arg;
    cr_assert_eq(fg_mutex_lock(m, FG_FOREVER), 0);
    cr_assert_eq(fg_mutex_unlock(m), 0);
}

static void destroy_and_use(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    fg_mutex_lock(m, FG_FOREVER);
    int id = fg_spawn(waiter_unlocks, NULL, .name = "waiter");
    fg_yield();
    destroy_busy = fg_mutex_destroy(m);  /* someone waits */
    fg_mutex_unlock(m);
    fg_join(id, FG_FOREVER);
    cr_assert_eq(fg_mutex_destroy(m), 0);
    after_destroy = fg_mutex_lock(m, FG_FOREVER);
}

Test(mutex, destroying_a_waited_for_mutex_is_misuse)
{
    cr_redirect_stderr();
    fg_opts o = {.name = "main"};
    fg_result r;
    fg_run_bytes(destroy_and_use, NULL, &o, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(destroy_busy, -EBUSY);
    cr_assert_eq(after_destroy, -EINVAL);
    fflush(stderr);
    cr_assert_stderr_eq_str("fugue: task main: fg_mutex_destroy: tasks wait for this mutex (waiter first)\n"
                            "fugue: task main: fg_mutex_lock: object was destroyed\n");
}

static fg_stats kept;

static void contended(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    cr_assert_eq(fg_stats_keep(fg_mutex_stats(m), &kept), 0);
    fg_mutex_lock(m, FG_FOREVER);
    int id = fg_spawn(waiter_unlocks, NULL);
    fg_sleep(3 * FG_MS);
    fg_mutex_unlock(m);
    fg_join(id, FG_FOREVER);
}

Test(mutex, stats_survive_the_sim)
{
    memset(&kept, 0xff, sizeof kept);
    fg_result r;
    fg_run_bytes(contended, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(kept.acquires, 2);
    cr_assert_eq(kept.contended, 1);
    cr_assert_eq(kept.wait.count, 1);
    cr_assert_eq(kept.wait.max, 3 * FG_MS);
    cr_assert_eq(kept.pushes, 0);
}

Test(mutex, outside_a_sim_is_an_error)
{
    cr_redirect_stderr();
    cr_assert_null(fg_mutex_new());
    cr_assert_null(fg_rwlock_new());
    cr_assert_null(fg_sem_new(1));
    cr_assert_null(fg_cond_new());
    cr_assert_null(fg_oneshot_new());
    fflush(stderr);
    /* the message names the call the user made */
    cr_assert_stderr_eq_str("fugue: fg_mutex_new: called outside a running sim\n"
                            "fugue: fg_rwlock_new: called outside a running sim\n"
                            "fugue: fg_sem_new: called outside a running sim\n"
                            "fugue: fg_cond_new: called outside a running sim\n"
                            "fugue: fg_oneshot_new: called outside a running sim\n");
}

/* The errno matches the message: a NULL object in a sim is -EINVAL, any call outside a sim -EPERM. */
static int null_r[16];
static void null_objects(void *arg)
{
    int *r = arg;
    r[0] = fg_mutex_lock(NULL, FG_FOREVER);
    r[1] = fg_mutex_try_lock(NULL);
    r[2] = fg_mutex_unlock(NULL);
    r[3] = fg_mutex_destroy(NULL);
    r[4] = fg_rwlock_rdlock(NULL, FG_FOREVER);
    r[5] = fg_rwlock_try_wrlock(NULL);
    r[6] = fg_rwlock_unlock(NULL);
    r[7] = fg_sem_acquire(NULL, FG_FOREVER);
    r[8] = fg_sem_release(NULL);
    r[9] = fg_cond_wait(NULL, NULL, FG_FOREVER);
    r[10] = fg_cond_notify_all(NULL);
    r[11] = fg_oneshot_set(NULL, NULL, 0);
    r[12] = fg_oneshot_wait(NULL, NULL, NULL, FG_FOREVER);
    r[13] = fg_chan_send(NULL, NULL, 0, FG_FOREVER);
    r[14] = fg_chan_try_recv(NULL, NULL, NULL);
    r[15] = fg_chan_close(NULL);
}

Test(mutex, null_and_outside_errors_match_their_messages)
{
    cr_redirect_stderr();
    fg_result r;
    fg_run_bytes(null_objects, null_r, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    for (int i = 0; i < 16; i++)
        cr_assert_eq(null_r[i], -EINVAL, "call %d: a NULL object in a sim", i);
    /* outside a sim, with stand-ins for objects (zeroed memory: not destroyed) */
    static max_align_t fake[64];
    null_objects((void *)null_r);
    for (int i = 0; i < 16; i++)
        cr_assert_eq(null_r[i], -EPERM, "call %d: NULL outside a sim", i);
    int *o = null_r;
    o[0] = fg_mutex_lock((fg_mutex *)fake, FG_FOREVER);
    o[1] = fg_rwlock_unlock((fg_rwlock *)fake);
    o[2] = fg_sem_release((fg_sem *)fake);
    o[3] = fg_cond_notify_one((fg_cond *)fake);
    o[4] = fg_oneshot_close((fg_oneshot *)fake);
    o[5] = fg_chan_close((fg_chan *)fake);
    o[6] = fg_chan_recv((fg_chan *)fake, NULL, NULL, FG_FOREVER);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(o[i], -EPERM, "call %d: an object outside a sim", i);
}

static int zero_r[2];
static void idle_task(void *arg)
{
    (void)arg;
}

static void zero_deadline(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    fg_spawn(idle_task, NULL);  /* ready: under POR a blocking lock would wait for it */
    zero_r[0] = fg_mutex_lock(m, fg_now());
    fg_spawn(idle_task, NULL);
    zero_r[1] = fg_mutex_lock(m, fg_now());
}

Test(mutex, a_deadline_of_now_is_a_try)
{
    fg_result r;
    cr_redirect_stderr();
    fg_run_bytes(zero_deadline, NULL, NULL, NULL, 0, &r);
    cr_assert_eq(r.outcome, FG_PASS, "%s", r.report);
    cr_assert_eq(zero_r[0], 0, "free: taken at once, with others ready");
    cr_assert_eq(zero_r[1], -EDEADLK, "held (by us): a misuse, not a wait");
}
