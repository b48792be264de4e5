/* Planted bug: a line-based key-value client that takes one recv for one
 * reply. It pipelines two GETs on one TCP connection and parses each read as
 * a whole "VALUE k=v\n" line. On the perfect network each write is one read
 * and it passes; when the input cuts a reply short or two replies arrive in
 * one read (a framing split), the parse sees half a line or two, and the
 * client's check fails. */
#include <fugue.h>
#include <fugue/target.h>
#include <stdio.h>
#include <string.h>

static void kv_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("kv:6379", 4);
    int s = fg_tcp_accept(l, NULL, FG_FOREVER);
    char line[64];
    int n = 0, k;
    while ((k = fg_tcp_recv(s, line + n, sizeof line - (size_t)n, FG_FOREVER)) > 0) {
        n += k;
        char *nl;
        while ((nl = memchr(line, '\n', (size_t)n))) {   /* the server frames correctly */
            char reply[64];
            int len = snprintf(reply, sizeof reply, "VALUE %c=%d\n", line[4], line[4] - 'a' + 1);
            fg_tcp_send(s, reply, (size_t)len, FG_FOREVER);
            n -= (int)(nl + 1 - line);
            memmove(line, nl + 1, (size_t)n);
        }
    }
}

static void kv_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("kv:6379", FG_FOREVER);
    fg_assert(s >= 0);
    fg_tcp_send(s, "GET a\n", 6, FG_FOREVER);
    fg_tcp_send(s, "GET b\n", 6, FG_FOREVER);
    fg_sleep(FG_SEC);   /* both replies are here */
    for (int i = 0; i < 2; i++) {
        char buf[64] = {0};
        int n = fg_tcp_recv(s, buf, sizeof buf - 1, FG_FOREVER);   /* the bug: one read is not one reply */
        char want[16];
        snprintf(want, sizeof want, "VALUE %c=%d\n", 'a' + i, i + 1);
        fg_assert(n > 0 && !strcmp(buf, want));
    }
}

FG_TARGET(split_reply, .expect = FG_FAIL_ASSERT, .find_within = 20)
{
    fg_spawn(kv_server, NULL, .group = "kv");
    fg_spawn(kv_client, NULL, .group = "client", .primary = true);
}
