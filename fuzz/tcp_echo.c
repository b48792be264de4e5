/* Three clients stream messages of many sizes to an echo server over TCP on a
 * link that jitters, loses, duplicates, reorders and corrupts segments. Every
 * input must pass: each client reads back exactly the bytes it sent, in order,
 * however the input cuts them into reads; a stream may only end early when the
 * input lost one segment so often that the retries of one side gave up
 * (-ETIMEDOUT there, -ECONNRESET from its reset on the other side). */
#include <fugue.h>
#include <fugue/target.h>
#include <string.h>

#define CLIENTS 3
#define MSGS 6

static void conn(void *arg)
{
    int s = (int)(intptr_t)arg;
    char buf[512];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0)
        for (int off = 0; off < n;) {
            int k = fg_tcp_send(s, buf + off, (size_t)(n - off), FG_FOREVER);
            if (k < 0)
                break;
            off += k;
        }
    fg_tcp_close(s);
}

static void server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:7", 16);
    fg_assert(l >= 0);
    int s;
    while ((s = fg_tcp_accept(l, NULL, FG_FOREVER)) >= 0)
        fg_spawn(conn, (void *)(intptr_t)s);
}

static void client(void *arg)
{
    int id = (int)(intptr_t)arg;
    int s = fg_tcp_connect("server:7", FG_FOREVER);
    if (s == -ETIMEDOUT)
        return;   /* every SYN lost */
    fg_assert(s >= 0);
    char out[2048], in[2048];
    for (int m = 0; m < MSGS; m++) {
        int len = 1 + (id * 389 + m * 547) % (int)sizeof out;
        for (int i = 0; i < len; i++)
            out[i] = (char)(id * 31 + m * 7 + i);
        for (int off = 0; off < len;) {
            int k = fg_tcp_send(s, out + off, (size_t)(len - off), FG_FOREVER);
            if (k == -ETIMEDOUT || k == -ECONNRESET || k == -EPIPE)
                return;
            fg_assert(k > 0);
            off += k;
        }
        for (int got = 0; got < len;) {
            /* a deadline, as real clients have: a reset the input lost leaves nothing in flight to notice */
            int k = fg_tcp_recv(s, in + got, (size_t)(len - got), fg_after(120 * FG_SEC));
            if (k == -ETIMEDOUT || k == -ECONNRESET)
                return;   /* our retries or the server's gave up (it then reset the stream) */
            fg_assert(k > 0);
            fg_assert(!memcmp(in + got, out + got, (size_t)k));   /* in order, nothing lost or doubled */
            got += k;
        }
    }
    fg_assert(fg_tcp_shutdown(s, FG_SHUT_WR) == 0);
    char c;
    int k = fg_tcp_recv(s, &c, 1, fg_after(120 * FG_SEC));
    fg_assert(k == 0 || k == -ETIMEDOUT || k == -ECONNRESET);
    fg_tcp_close(s);
}

FG_TARGET(tcp_echo)
{
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.jitter = 5 * FG_MS;
    l.loss = 0.05;
    l.duplicate = 0.02;
    l.reorder = 0.02;
    l.corrupt = 0.01;
    fg_net_set_link(NULL, NULL, &l);
    fg_spawn(server, NULL, .group = "server");
    for (int i = 0; i < CLIENTS; i++)
        fg_spawn(client, (void *)(intptr_t)i, .group = fg_fmt("client_%d", i), .primary = true);
}
