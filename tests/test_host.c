/* Host faults: a crash cancels the group's tasks and resets its peers' streams,
 * a restart brings a fresh task up at the same address, a pause stops a host's
 * tasks while time and its network go on. */
#include <fugue.h>

#include <criterion/criterion.h>
#include <string.h>

static fg_result res;
static fg_opts quiet = {.return_on_failure = true, .quiet = true};

static void run(fg_fn root)
{
    cr_assert_eq(fg_run_bytes(root, NULL, &quiet, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
}

/* ---- crash and restart ---- */

static int server_blocked_rc, client_rc, second_rc, starts, udp_rc;

static void server(void *arg)
{
    (void)arg;
    starts++;
    int l = fg_tcp_listen("server:80", 4);
    fg_assert(l >= 0);   /* after a restart the port is free again */
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    if (s < 0) {
        server_blocked_rc = s;
        return;
    }
    char buf[16];
    int n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER);
    if (starts == 1)
        server_blocked_rc = n;
    if (n > 0)
        fg_tcp_send(s, "pong", 4, FG_FOREVER);
}

static void client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:80", FG_FOREVER);
    fg_assert(s >= 0);
    char buf[16];
    client_rc = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER);   /* the crash resets it */
    fg_tcp_close(s);
    int u = fg_udp_bind("client:0");
    fg_udp_send_to(u, "server:53", "dns?", 4);   /* the server's UDP socket is gone: dropped */
    fg_sleep(FG_SEC);
    s = fg_tcp_connect("server:80", FG_FOREVER);
    fg_assert(s >= 0);
    fg_tcp_send(s, "ping", 4, FG_FOREVER);
    second_rc = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER);
}

static void udp_server(void *arg)
{
    (void)arg;
    int u = fg_udp_bind("server:53");
    char b[8];
    udp_rc = fg_udp_recv(u, b, sizeof b, FG_FOREVER);
}

static void crash_root(void *arg)
{
    (void)arg;
    fg_spawn(server, NULL, .group = "server");
    fg_spawn(udp_server, NULL, .group = "server");
    fg_spawn(client, NULL, .group = "client", .primary = true);
    fg_sleep(500 * FG_MS);
    fg_assert(fg_host_crash("server") == 0);
    fg_sleep(500 * FG_MS);
    fg_assert(fg_host_restart("server", server, NULL) >= 0);
}

Test(host, crash_cancels_tasks_resets_peers_and_restart_serves_again)
{
    starts = 0;
    run(crash_root);
    cr_assert_eq(server_blocked_rc, -ECANCELED, "its blocked recv was cancelled (%d)", server_blocked_rc);
    cr_assert_eq(udp_rc, -ECANCELED);
    cr_assert_eq(client_rc, -ECONNRESET);
    cr_assert_eq(starts, 2);
    cr_assert_eq(second_rc, 4, "the restarted server answers at the same address");
    fg_net_stats st;
    fg_net_stats_get(&st);
    cr_assert_geq(st.dropped_by[FG_NET_DROP_UNREACHABLE], 1);
}

static int unknown_rc[4];

static void unknown_root(void *arg)
{
    (void)arg;
    unknown_rc[0] = fg_host_crash("nobody");
    unknown_rc[1] = fg_host_pause("nobody");
    unknown_rc[2] = fg_host_restart("nobody", unknown_root, NULL);
    unknown_rc[3] = fg_host_restart("main", NULL, NULL);
}

Test(host, unknown_groups_are_refused)
{
    run(unknown_root);
    cr_assert_eq(unknown_rc[0], -ESRCH);
    cr_assert_eq(unknown_rc[1], -ESRCH);
    cr_assert_eq(unknown_rc[2], -ESRCH);
    cr_assert_eq(unknown_rc[3], -EINVAL);
    cr_assert_eq(fg_host_crash("x"), -EPERM, "outside a sim");
}

/* ---- pause ---- */

static fg_time ticks[8];
static int nticks, paused_read;
static fg_time paused_read_at;

static void ticker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        fg_sleep(FG_SEC);
        ticks[nticks++] = fg_now();
    }
}

static void paused_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("worker:1", 1);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char buf[8];
    paused_read = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER);
    paused_read_at = fg_now();
}

static void pauser_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("worker:1", FG_FOREVER);   /* the kernel answers during the pause */
    fg_assert(s >= 0);
    fg_assert(fg_tcp_send(s, "hi", 2, FG_FOREVER) == 2);
}

static void pause_root(void *arg)
{
    (void)arg;
    fg_spawn(ticker, NULL, .group = "worker", .primary = true);
    fg_spawn(paused_server, NULL, .group = "worker", .primary = true);
    fg_sleep(10 * FG_MS);   /* the server listens */
    fg_host_pause("worker");
    fg_spawn(pauser_client, NULL, .group = "client", .primary = true);
    fg_sleep(2500 * FG_MS);
    fg_host_resume("worker");
}

Test(host, pause_stops_tasks_while_time_and_the_network_go_on)
{
    nticks = 0;
    run(pause_root);
    cr_assert_eq(nticks, 5);
    /* ticks due at 1 s and 2 s wait for the resume at 2.51 s; the next ones count from there */
    cr_assert_eq(ticks[0], 2510 * FG_MS);
    cr_assert_eq(ticks[1], 3510 * FG_MS);
    cr_assert_eq(paused_read, 2);
    cr_assert_eq(paused_read_at, 2510 * FG_MS);
}

/* a paused host's task that yields stays parked while another task yields, under every
 * strategy: the fast paths of FIFO and POR ran it on (they skipped the park) */
static int spins, spins_paused;
static void spinner(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        spins++;
        fg_yield();
    }
}

static void pause_spinner_root(void *arg)
{
    (void)arg;
    fg_spawn(spinner, NULL, .group = "worker");
    fg_yield();
    fg_yield();
    fg_host_pause("worker");
    int before = spins;
    for (int i = 0; i < 10; i++)
        fg_yield();
    fg_sleep(FG_MS);
    spins_paused = spins - before;
    fg_host_resume("worker");
}

Test(host, a_paused_hosts_yielding_task_stays_parked_under_every_strategy)
{
    fg_strategy all[] = {FG_FIFO, FG_POR, FG_RANDOM, FG_PCT, FG_POS};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
        spins = 0;
        spins_paused = -1;
        fg_opts o = quiet;
        o.strategy = all[k];
        fg_result r;
        cr_assert_eq(fg_run_bytes(pause_spinner_root, NULL, &o, (const uint8_t *)"\x01\x02\x03", 3, &r), 0);
        cr_assert_eq(r.outcome, FG_PASS, "strategy %d: %s", (int)all[k], r.report);
        cr_assert_eq(spins_paused, 0, "strategy %d: the paused host's task ran %d times", (int)all[k], spins_paused);
        cr_assert_eq(spins, 100, "strategy %d", (int)all[k]);
    }
}

static void forever_paused(void *arg)
{
    (void)arg;
    fg_spawn(ticker, NULL, .group = "worker", .primary = true);
    fg_host_pause("worker");
}

Test(host, a_host_paused_forever_is_a_deadlock_naming_its_task)
{
    nticks = 0;
    cr_assert_eq(fg_run_bytes(forever_paused, NULL, &quiet, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_FAIL_DEADLOCK, "%s", res.report);
    cr_assert(strstr(res.report, "ticker"), "%s", res.report);
}

/* a task that yielded waits in the ready ring; parked there and woken by the resume,
 * it runs on as a running task: its next blocking call works */
static int yielder_sleep_rc;

static void pause_resume_later(void *arg)
{
    (void)arg;
    fg_sleep(FG_SEC);
    fg_host_resume("worker");
}

static void yield_then_sleep(void *arg)
{
    (void)arg;
    fg_yield();
    yielder_sleep_rc = fg_sleep(FG_MS);
}

static void pause_worker(void *arg)
{
    (void)arg;
    fg_host_pause("worker");
}

static void parked_yielder_root(void *arg)
{
    (void)arg;
    fg_spawn(pause_resume_later, NULL, .group = "ctl", .primary = true);
    fg_spawn(yield_then_sleep, NULL, .group = "worker", .primary = true);
    fg_spawn(pause_worker, NULL, .group = "ctl", .primary = true);
}

Test(host, a_task_parked_while_it_yielded_runs_on_after_the_resume)
{
    yielder_sleep_rc = 1;
    run(parked_yielder_root);
    cr_assert_eq(yielder_sleep_rc, 0);
    cr_assert_eq(res.time, FG_SEC + FG_MS);
}

/* ---- a fault schedule from the input ---- */

static int h_starts;

static void h_main(void *arg)
{
    (void)arg;
    h_starts++;
    fg_sleep(10 * FG_SEC);
}

static void chaos_root(void *arg)
{
    (void)arg;
    static const char *const hosts[] = {"h"};
    fg_spawn(h_main, NULL, .group = "h");
    cr_assert_geq(fg_chaos(&(fg_chaos_plan){.hosts = hosts, .nhosts = 1, .restart = h_main, .points = 3}), 0);
    cr_assert_eq(fg_chaos(&(fg_chaos_plan){.hosts = hosts, .nhosts = 0}), -EINVAL);
    fg_sleep(FG_SEC);   /* the sim lasts while the plan runs */
}

Test(host, chaos_value_zero_is_no_fault_and_each_value_one_fault)
{
    /* one choice of 4 per point: 0 nothing, 1 crash h, 2 isolate h, 3 heal h */
    struct { uint8_t in[3]; int starts; } cases[] = {
        {{0, 0, 0}, 1},
        {{1, 0, 0}, 2},   /* crashed at 100 ms, restarted at 200 ms */
        {{1, 1, 1}, 4},
        {{2, 0, 0}, 1},
    };
    fg_opts fifo = quiet;
    fifo.strategy = FG_FIFO;   /* the plan's are the only choices */
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        h_starts = 0;
        cr_assert_eq(fg_run_bytes(chaos_root, NULL, &fifo, cases[i].in, 3, &res), 0);
        cr_assert_eq(res.outcome, FG_PASS, "%s", res.report);
        cr_assert_eq(h_starts, cases[i].starts, "case %u: %d starts", i, h_starts);
    }
}

/* ---- faults in the report ---- */

static int fault_events;

static void count_faults(const fg_event *e, void *ud)
{
    (void)ud;
    fault_events += e->kind == FG_EV_FAULT;
}

static void idle(void *arg)
{
    (void)arg;
    fg_sleep(FG_FOREVER);
}

static void faulty(void *arg)
{
    (void)arg;
    fg_spawn(idle, NULL, .group = "db");
    fg_spawn(idle, NULL, .group = "web");
    fg_sleep(FG_MS);
    fg_host_crash("db");
    fg_net_partition("web", NULL);
    fg_net_partition("web", NULL);   /* no change: not a fault */
    fg_sleep(2 * FG_MS);
    fg_host_pause("web");
    fg_host_resume("web");
    fg_net_heal(NULL, NULL);
    fg_fail("the replica lost a write");
}

Test(host, a_failure_report_names_each_fault_its_host_time_and_task)
{
    fg_opts o = quiet;
    o.on_event = count_faults;
    cr_assert_eq(fg_run_bytes(faulty, NULL, &o, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_FAIL_ASSERT, "%s", res.report);
    const char *want[] = {"  host faults:\n",
                          "    1.000000ms step 4, by main: crash db\n",
                          "    1.000000ms step 4, by main: partition web\n",
                          "    3.000000ms step 6, by main: pause web\n",
                          "    3.000000ms step 6, by main: resume web\n",
                          "    3.000000ms step 6, by main: heal every host\n"};
    const char *at = res.report;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *hit = strstr(at, want[i]);
        cr_assert(hit, "missing \"%s\" in order in:\n%s", want[i], res.report);
        at = hit + strlen(want[i]);
    }
    cr_assert_eq(fault_events, 5);
    cr_assert_lt(strstr(res.report, "host faults:"), strstr(res.report, "last steps:"));
}

static void idle_fail(void *arg)
{
    (void)arg;
    fg_spawn(idle, NULL, .group = "db");
    fg_sleep(FG_MS);
    fg_fail("no fault here");
}

Test(host, a_report_without_faults_has_no_fault_section)
{
    cr_assert_eq(fg_run_bytes(idle_fail, NULL, &quiet, NULL, 0, &res), 0);
    cr_assert_eq(res.outcome, FG_FAIL_ASSERT);
    cr_assert_null(strstr(res.report, "host faults"), "%s", res.report);
}
