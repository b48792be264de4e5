/* The README example: two clients send "ping" to server:8080 over UDP and the
 * server answers "pong". The link jitters by up to 1 ms and duplicates a
 * datagram now and then, so besides the schedule the input decides in which
 * order pings reach the server and which of them arrive twice; every one of
 * those runs must pass. */
#include <fugue.h>
#include <fugue/target.h>
#include <string.h>

static void client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    fg_assert(s >= 0);
    fg_assert(fg_udp_send_to(s, "server:8080", "ping", 4) == 4);
    char buf[16];
    int n = fg_udp_recv(s, buf, sizeof buf, fg_after(FG_SEC));
    fg_assert(n == 4 && !memcmp(buf, "pong", 4));
}

static void server(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("server:8080");
    fg_assert(s >= 0);
    char buf[16];
    fg_addr from;
    int n;
    while ((n = fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER)) >= 0) {
        fg_assert(n == 4 && !memcmp(buf, "ping", 4));
        fg_udp_send_to(s, from, "pong", 4);
    }
}

FG_TARGET(ping_pong, .strategy = FG_RANDOM)
{
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.jitter = FG_MS;
    l.duplicate = 0.05;
    fg_net_set_link(NULL, NULL, &l);
    for (int i = 0; i < 2; i++)
        fg_spawn(client, NULL, .group = fg_fmt("client_%d", i), .primary = true);
    fg_spawn(server, NULL, .group = "server");
}
