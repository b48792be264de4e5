/* Spans (core/span.c) and the events a timeline records (opts.on_event): spans
 * nest per task and are named in reports; an exit without an enter fails the
 * sim naming the task; hand-offs come as wake events, the same in every run. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <string.h>

#define MAXE 256
static struct rec { fg_event_kind kind; uint64_t step; int task, from; char name[32]; } evs[MAXE];
static size_t nev;

static void collect(const fg_event *e, void *ud)
{
    (void)ud;
    if (nev < MAXE) {
        evs[nev] = (struct rec){e->kind, e->step, e->task, e->from, ""};
        snprintf(evs[nev].name, sizeof evs[nev].name, "%s", e->name ? e->name : "");
        nev++;
    }
}

static fg_opts opts(void)
{
    fg_opts o = {.return_on_failure = true, .quiet = true, .on_event = collect};
    nev = 0;
    return o;
}

static void nested(void *arg)
{
    (void)arg;
    fg_span_enter("handshake");
    fg_span_enter("send_hello");
    fg_assert(fg_yield() == 0);
    fg_assert(fg_span_exit() == 0);
    fg_span_exit();
    fg_span_enter("after");
    fg_yield();
    fg_assert(!"the last step is in span after");
}

static void nested_root(void *arg)
{
    (void)arg;
    fg_spawn(nested, NULL, .name = "client_1", .group = "client_1", .primary = true);
}

Test(span, nested_spans_are_events_in_order_and_named_in_the_report)
{
    fg_opts o = opts();
    fg_result r;
    cr_assert_eq(fg_run_bytes(nested_root, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_FAIL_ASSERT);
    const char *want[][2] = {{"e", "handshake"}, {"e", "send_hello"}, {"x", "send_hello"}, {"x", "handshake"},
                             {"e", "after"}};
    size_t k = 0;
    for (size_t i = 0; i < nev; i++) {
        if (evs[i].kind != FG_EV_SPAN_ENTER && evs[i].kind != FG_EV_SPAN_EXIT)
            continue;
        cr_assert_lt(k, 5);
        cr_assert_eq(evs[i].kind, want[k][0][0] == 'e' ? FG_EV_SPAN_ENTER : FG_EV_SPAN_EXIT, "event %zu", k);
        cr_assert_str_eq(evs[i].name, want[k][1]);
        k++;
    }
    cr_assert_eq(k, 5);
    /* the step resumed from the yield inside both spans, and the failing task's own line */
    cr_assert(strstr(r.report, "client_1 in span … › `send_hello` resumes from fg_yield"), "%s", r.report);
    cr_assert(strstr(r.report, "client_1 in span `after` resumes from fg_yield"), "%s", r.report);
    cr_assert(strstr(r.report, "task client_1 (group client_1) in span `after` at"), "%s", r.report);
}

static void still_inside(void *arg)
{
    (void)arg;
    fg_span_enter("handshake");
    fg_span_enter("send_hello");
    fg_yield();
    fg_fail("stop");
}

Test(span, a_step_still_inside_its_spans_is_named_with_the_whole_path)
{
    fg_opts o = opts();
    fg_result r;
    cr_assert_eq(fg_run_bytes(still_inside, NULL, &o, NULL, 0, &r), 0);
    cr_assert(strstr(r.report, "in span `handshake` › `send_hello` resumes from fg_yield"), "%s", r.report);
}

static void exit_without_enter(void *arg)
{
    (void)arg;
    fg_span_enter("a");
    fg_span_exit();
    fg_span_exit();
}

Test(span, exit_without_enter_fails_naming_the_task_and_the_call)
{
    fg_opts o = opts();
    fg_result r;
    cr_assert_eq(fg_run_bytes(exit_without_enter, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_FAIL_ASSERT);
    cr_assert(strstr(r.report, "task main: fg_span_exit: no span is open"), "%s", r.report);
}

static int scoped_inner(void)
{
    FG_SPAN_SCOPE("scoped");
    fg_yield();
    return 7;   /* leaves the span on the way out */
}

static void scoped(void *arg)
{
    (void)arg;
    fg_assert(scoped_inner() == 7);
    fg_span_exit();   /* nothing open: fails */
}

Test(span, a_scoped_span_ends_with_its_block)
{
    fg_opts o = opts();
    fg_result r;
    cr_assert_eq(fg_run_bytes(scoped, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_FAIL_ASSERT);
    cr_assert(strstr(r.report, "no span is open"), "%s", r.report);
    cr_assert_eq(nev, 2);
    cr_assert_eq(evs[0].kind, FG_EV_SPAN_ENTER);
    cr_assert_eq(evs[1].kind, FG_EV_SPAN_EXIT);
}

Test(span, outside_a_sim_is_eperm)
{
    cr_assert_eq(fg_span_enter("x"), -EPERM);
    cr_assert_eq(fg_span_exit(), -EPERM);
}

static void deep(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        fg_span_enter(fg_fmt("level %d", i));
    for (int i = 0; i < 100; i++)
        fg_span_exit();
}

Test(span, deep_nesting_grows)
{
    fg_opts o = opts();
    fg_result r;
    cr_assert_eq(fg_run_bytes(deep, NULL, &o, NULL, 0, &r), 0);
    cr_assert_eq(r.outcome, FG_PASS);
    cr_assert_eq(nev, 200);
    cr_assert_str_eq(evs[99].name, "level 99");
    cr_assert_str_eq(evs[100].name, "level 99");
}

/* ---- wake events: the hand-offs a timeline draws ---- */

static fg_mutex *m;

static void locker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        fg_mutex_lock(m, FG_FOREVER);
        fg_yield();
        fg_mutex_unlock(m);
    }
}

static void two_lockers(void *arg)
{
    (void)arg;
    m = fg_mutex_new();
    int a = fg_spawn(locker, NULL, .name = "a"), b = fg_spawn(locker, NULL, .name = "b");
    fg_join(a, FG_FOREVER);
    fg_join(b, FG_FOREVER);
}

Test(span, lock_hand_offs_come_from_the_unlocking_task_the_same_in_every_run)
{
    uint8_t in[] = {1, 0, 1, 1, 0};
    struct rec first[MAXE];
    size_t nfirst = 0;
    for (int run = 0; run < 2; run++) {
        fg_opts o = opts();
        fg_result r;
        cr_assert_eq(fg_run_bytes(two_lockers, NULL, &o, in, sizeof in, &r), 0);
        cr_assert_eq(r.outcome, FG_PASS);
        size_t locks = 0;
        for (size_t i = 0; i < nev; i++)
            if (evs[i].kind == FG_EV_WAKE && !strcmp(evs[i].name, "fg_mutex_lock")) {
                locks++;
                cr_assert_neq(evs[i].from, evs[i].task);
                cr_assert(evs[i].from == 1 || evs[i].from == 2, "from task %d", evs[i].from);   /* a or b */
            }
        cr_assert_geq(locks, 1, "no lock was handed over");
        if (!run) {
            memcpy(first, evs, sizeof first);
            nfirst = nev;
        } else {
            cr_assert_eq(nev, nfirst);
            cr_assert(!memcmp(first, evs, nev * sizeof *evs));
        }
    }
}

Test(span, events_do_not_change_the_trace)
{
    uint8_t in[] = {1, 0, 1, 1, 0};
    fg_result r;
    cr_assert_eq(fg_run_bytes(two_lockers, NULL, NULL, in, sizeof in, &r), 0);
    uint64_t plain = r.hash;
    fg_opts o = opts();
    cr_assert_eq(fg_run_bytes(two_lockers, NULL, &o, in, sizeof in, &r), 0);
    cr_assert_eq(r.hash, plain);
    cr_assert_gt(nev, 0);
}
