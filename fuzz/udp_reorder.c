/* Planted bug (bug depth 1, one network fault): last writer wins over UDP
 * without sequence numbers. A client sends five updates of a setting, 20 ms
 * apart, to a store that applies whatever arrives; when one of the last
 * updates is held back long enough for a later one to overtake it, the store
 * keeps an older value than the client's last. */
#include <fugue.h>
#include <fugue/target.h>

#define UPDATES 5

static int stored;

static void store(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("store:6000");
    unsigned char v;
    while (fg_udp_recv(s, &v, 1, FG_FOREVER) == 1)
        stored = v;   /* the bug: no version, no check that v is newer */
}

static void client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    for (int i = 1; i <= UPDATES; i++) {
        unsigned char v = (unsigned char)i;
        fg_udp_send_to(s, "store:6000", &v, 1);
        fg_sleep(20 * FG_MS);
    }
    fg_sleep(FG_SEC);
    if (stored != UPDATES)
        fg_fail("the store kept update %d, the client's last was %d", stored, UPDATES);
}

FG_TARGET(udp_reorder, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 2000)
{
    stored = 0;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.reorder = 0.05;
    fg_net_set_link(NULL, NULL, &l);
    fg_spawn(store, NULL, .group = "store");
    fg_spawn(client, NULL, .group = "client", .primary = true);
}
