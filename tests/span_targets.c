/* A target with spans for tests/timeline_check.py: a client's handshake,
 * nested send_hello, and the server's serve span, over one UDP exchange. */
#include <fugue.h>
#include <fugue/target.h>

static void client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    char buf[8];
    FG_SPAN_SCOPE("handshake");
    fg_span_enter("send_hello");
    fg_udp_send_to(s, "server:7", "hello", 5);
    fg_yield();
    fg_span_exit();
    fg_assert(fg_udp_recv(s, buf, sizeof buf, fg_after(FG_SEC)) == 5);
}

static void server(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("server:7");
    char buf[8];
    fg_addr from;
    fg_span_enter("serve");
    int n = fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER);
    if (n > 0)
        fg_udp_send_to(s, from, buf, (size_t)n);
    fg_span_exit();
}

FG_TARGET(spans)
{
    fg_spawn(client, NULL, .group = "client_1", .primary = true);
    fg_spawn(server, NULL, .group = "server");
}
