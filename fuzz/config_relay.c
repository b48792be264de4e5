/* Planted bug (bug depth 4; PCT finds it at d = 1, by the tasks' first
 * priorities alone): a config push that overtakes an upgrade, in a run of
 * seven tasks. The origin spends ten steps building a config in a new format
 * and publishes it; three relays each copy what their upstream has at their
 * second step; the client reads relay 3 at its second step and learns the new
 * format only later. The client fails on the new format only if it went all
 * the way through before the client read: the publish before relay 1's copy,
 * relay 1's before relay 2's, relay 2's before relay 3's, relay 3's before the
 * client's read. Two heartbeat tasks keep the scheduler busy.
 */
#include <fugue.h>
#include <fugue/target.h>

#define RELAYS 3

static int version[RELAYS + 1];   /* 0: the origin, i: relay i */

static void origin(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        fg_yield();   /* building the config */
    version[0] = 2;
}

static void relay(void *arg)
{
    int i = (int)(intptr_t)arg;
    fg_yield();
    fg_yield();
    version[i] = version[i - 1];
}

static void client(void *arg)
{
    (void)arg;
    fg_yield();
    fg_yield();
    if (version[RELAYS] == 2)
        fg_fail("the client read a version-2 config before it learnt the format");
}

static void heartbeat(void *arg)
{
    (void)arg;
    for (int i = 0; i < 16; i++)
        fg_yield();
}

FG_TARGET(config_relay, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 200000)
{
    for (int i = 0; i <= RELAYS; i++)
        version[i] = 1;
    fg_spawn(heartbeat, NULL, .name = "heartbeat_0", .primary = true);
    /* downstream first: neither the wake order nor PCT's ties (lower id first) is the bug's order */
    fg_spawn(client, NULL, .primary = true);
    for (int i = RELAYS; i >= 1; i--)
        fg_spawn(relay, (void *)(intptr_t)i, .name = fg_fmt("relay_%d", i), .primary = true);
    fg_spawn(origin, NULL, .primary = true);
    fg_spawn(heartbeat, NULL, .name = "heartbeat_1", .primary = true);
}
