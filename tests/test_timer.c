/* The timer wheel alone: deadline order, ties in insertion order, cancel, and
 * timers added while others fire, checked against a sorted reference. */
#include "internal.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#define N 20000

static struct wheel w;
static struct timer tm[N];
static int fired[N], nfired;
static fg_time fired_at[N];

static void on_fire(struct timer *t)
{
    int i = (int)(t - tm);
    fired_at[nfired] = w.now;
    fired[nfired++] = i;
}

static uint64_t rs = 88172645463325252ull;
static uint64_t xr(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static void drain(void)
{
    while (fg__wheel_advance(&w))
        ;
}

Test(timer, fires_in_deadline_order_with_ties_in_insertion_order)
{
    fg__wheel_init(&w);
    nfired = 0;
    for (int i = 0; i < N; i++) {
        tm[i].fire = on_fire;
        /* few distinct deadlines across many magnitudes, so ties are common */
        fg_time d = 1 + (fg_time)(xr() % 50) * ((fg_time)1 << (xr() % 40));
        fg__timer_add(&w, &tm[i], d);
    }
    cr_assert_eq(w.count, N);
    drain();
    cr_assert_eq(nfired, N);
    for (int k = 1; k < N; k++) {
        int a = fired[k - 1], b = fired[k];
        cr_assert(tm[a].deadline <= tm[b].deadline, "out of order at %d", k);
        if (tm[a].deadline == tm[b].deadline)
            cr_assert(a < b, "tie broken against insertion order at %d", k);
        cr_assert_eq(fired_at[k], tm[b].deadline, "fired at the wrong time");
    }
    cr_assert_eq(w.count, 0);
}

Test(timer, cancel_removes_exactly_the_cancelled)
{
    fg__wheel_init(&w);
    nfired = 0;
    for (int i = 0; i < 1000; i++) {
        tm[i].fire = on_fire;
        fg__timer_add(&w, &tm[i], 1000 + (fg_time)(xr() % 100000));
    }
    for (int i = 0; i < 1000; i += 3)
        fg__timer_cancel(&w, &tm[i]);
    fg__timer_cancel(&w, &tm[0]);  /* twice is harmless */
    drain();
    cr_assert_eq(nfired, 1000 - 334);
    for (int k = 0; k < nfired; k++)
        cr_assert_neq(fired[k] % 3, 0);
}

static int chain_left;
static void rearm(struct timer *t)
{
    on_fire(t);
    if (chain_left-- > 0)
        fg__timer_add(&w, t, w.now + 1 + (fg_time)(xr() % 5000000));
}

Test(timer, timers_added_while_firing_keep_time_monotonic)
{
    fg__wheel_init(&w);
    nfired = 0;
    chain_left = N - 100;
    for (int i = 0; i < 100; i++) {
        tm[i].fire = rearm;
        fg__timer_add(&w, &tm[i], 1 + (fg_time)(xr() % 1000));
    }
    drain();
    cr_assert_eq(nfired, N);
    for (int k = 1; k < N; k++)
        cr_assert(fired_at[k] >= fired_at[k - 1]);
}

Test(timer, deadline_not_after_now_is_due_at_once)
{
    fg__wheel_init(&w);
    nfired = 0;
    tm[0].fire = tm[1].fire = on_fire;
    fg__timer_add(&w, &tm[0], 500);
    drain();
    fg__timer_add(&w, &tm[1], 400);
    cr_assert(fg__wheel_advance(&w));
    cr_assert_eq(w.now, 500, "time never runs backwards");
    cr_assert_eq(nfired, 2);
    cr_assert_not(fg__wheel_advance(&w));
}

Test(timer, far_deadlines_up_to_the_top_level)
{
    fg__wheel_init(&w);
    nfired = 0;
    fg_time ds[] = {INT64_MAX - 1, (fg_time)1 << 62, 3, (fg_time)1 << 40, 64, 63, 4096};
    int n = sizeof ds / sizeof *ds;
    for (int i = 0; i < n; i++) {
        tm[i].fire = on_fire;
        fg__timer_add(&w, &tm[i], ds[i]);
    }
    drain();
    cr_assert_eq(nfired, n);
    fg_time expect[] = {3, 63, 64, 4096, (fg_time)1 << 40, (fg_time)1 << 62, INT64_MAX - 1};
    for (int k = 0; k < n; k++)
        cr_assert_eq(fired_at[k], expect[k]);
}

/* A slot keeps its room from one sim to the next only up to a small size: thousands of
 * timers in one slot once must not hold their memory for the rest of the process. */
Test(timer, grown_slots_are_released_by_the_next_init)
{
    fg__wheel_init(&w);
    nfired = 0;
    for (int i = 0; i < 5000; i++) {
        tm[i].fire = on_fire;
        fg__timer_add(&w, &tm[i], 1000 + (i & 1));   /* one slot... */
    }
    for (int i = 5000; i < 6000; i++) {
        tm[i].fire = on_fire;
        fg__timer_add(&w, &tm[i], 0);                 /* ...and the due list */
    }
    cr_assert_not_null(fg__wheel_at_rest(&w), "a slot with 2,500 timers is grown");
    drain();
    cr_assert_eq(nfired, 6000);
    fg__wheel_init(&w);
    cr_assert_null(fg__wheel_at_rest(&w), "%s", fg__wheel_at_rest(&w));
    /* and the wheel still works after giving the room back */
    tm[0].fire = on_fire;
    fg__timer_add(&w, &tm[0], 7);
    drain();
    cr_assert_eq(nfired, 6001);
}

/* Timers move down the wheel without being written to (each old entry says where its timer
 * went): cancels after any number of moves, adds and advances interleaved, checked against
 * a reference that fires the earliest deadline first, ties in arming order. */
static uint64_t armed_seq[N], next_seq;
static bool armed_ref[N];

static void ref_add(int i, fg_time d)
{
    fg__timer_add(&w, &tm[i], d);
    armed_ref[i] = true;
    armed_seq[i] = next_seq++;
}

Test(timer, cancel_after_moves_matches_a_reference)
{
    fg__wheel_init(&w);
    nfired = 0;
    next_seq = 0;
    memset(armed_ref, 0, sizeof armed_ref);
    const int n = 3000;
    for (int i = 0; i < n; i++)
        tm[i].fire = on_fire;
    for (int round = 0; round < 20000; round++) {
        int i = (int)(xr() % n);
        uint64_t op = xr() % 8;
        if (op < 3 && !armed_ref[i]) {
            /* deadlines across several levels from now, some equal to others */
            fg_time d = w.now + (fg_time)(xr() % 4) * ((fg_time)1 << (xr() % 24)) + (fg_time)(xr() % 3);
            ref_add(i, d);
        } else if (op < 5 && armed_ref[i]) {
            fg__timer_cancel(&w, &tm[i]);
            armed_ref[i] = false;
        } else if (op == 5) {
            /* the reference: the earliest armed deadline, every timer due then in arming order */
            fg_time first = FG_FOREVER;
            for (int k = 0; k < n; k++)
                if (armed_ref[k] && tm[k].deadline < first)
                    first = tm[k].deadline;
            int before = nfired;
            bool any = fg__wheel_advance(&w);
            cr_assert_eq(any, first != FG_FOREVER);
            if (!any)
                continue;
            cr_assert_eq(w.now, first, "time is not the earliest deadline");
            uint64_t last = 0;
            for (int k = before; k < nfired; k++) {
                int f = fired[k];
                cr_assert(armed_ref[f], "fired a timer not armed");
                cr_assert_eq(tm[f].deadline, first, "fired out of deadline order");
                cr_assert(k == before || armed_seq[f] > last, "tie broken against arming order");
                last = armed_seq[f];
                armed_ref[f] = false;
            }
            for (int k = 0; k < n; k++)
                cr_assert(!armed_ref[k] || tm[k].deadline != first, "a timer due now did not fire");
        }
    }
    size_t left = 0;
    for (int k = 0; k < n; k++)
        left += armed_ref[k];
    cr_assert_eq(w.count, left);
    int before = nfired;
    drain();
    cr_assert_eq((size_t)(nfired - before), left, "a timer armed at the end did not fire");
}

/* A fire callback may cancel a timer due in the same pass, and one that moved down first. */
static struct timer *victim[2];
static void cancel_victims(struct timer *t)
{
    on_fire(t);
    for (int k = 0; k < 2; k++)
        if (victim[k])
            fg__timer_cancel(&w, victim[k]);
}

Test(timer, a_callback_cancels_a_timer_due_with_it)
{
    fg__wheel_init(&w);
    nfired = 0;
    tm[0].fire = cancel_victims;
    tm[1].fire = tm[2].fire = tm[3].fire = on_fire;
    fg__timer_add(&w, &tm[0], 100000);
    fg__timer_add(&w, &tm[1], 100000);   /* due in the same pass, after tm[0] */
    fg__timer_add(&w, &tm[2], 100001);   /* moved down past several levels by then */
    fg__timer_add(&w, &tm[3], 100002);
    victim[0] = &tm[1];
    victim[1] = &tm[2];
    drain();
    cr_assert_eq(nfired, 2);
    cr_assert_eq(fired[0], 0);
    cr_assert_eq(fired[1], 3);
    cr_assert_eq(w.count, 0);
}
