/* Planted bug: a key store whose leader acknowledges a write before it is on
 * disk. A client adds keys 0..5 over TCP, one at a time, and sends a key again
 * (the store is a set, so that is safe) whenever its connection fails before
 * the "OK". The leader answers "OK" at once and a flusher writes the keys to
 * disk every 250 ms; after a crash the restarted leader recovers from disk.
 * Only a crash in the window between an "OK" and the next flush loses an
 * acknowledged key: fg_chaos lets the input crash, isolate and heal the
 * leader at decision points 100 ms apart, and value 0 is no fault. */
#include <fugue.h>
#include <fugue/target.h>
#include <string.h>

#define KEYS 6

static unsigned disk;       /* survives a crash */
static unsigned memory;     /* the leader's state, lost in a crash */
static unsigned acked;      /* what the client was told is stored */

static void flusher(void *arg)
{
    (void)arg;
    while (fg_sleep(250 * FG_MS) == 0)   /* group commit */
        disk = memory;
}

static void conn(void *arg)
{
    int s = (int)(intptr_t)arg;
    char line[2];
    for (;;) {
        int got = 0;
        while (got < 2) {
            int n = fg_tcp_recv(s, line + got, 2 - (size_t)got, FG_FOREVER);
            if (n <= 0) {
                fg_tcp_close(s);
                return;
            }
            got += n;
        }
        memory |= 1u << (line[0] - '0');
        fg_tcp_send(s, "OK", 2, FG_FOREVER);   /* the bug: acknowledged before the flusher persists it */
    }
}

static void leader(void *arg)
{
    (void)arg;
    memory = disk;   /* recovery */
    fg_spawn(flusher, NULL);
    int l = fg_tcp_listen("leader:5000", 8);
    fg_assert(l >= 0 || l == -ECANCELED);   /* crashed again before it ran */
    int s;
    while ((s = fg_tcp_accept(l, NULL, FG_FOREVER)) >= 0)
        fg_spawn(conn, (void *)(intptr_t)s);
}

static void client(void *arg)
{
    (void)arg;
    int s = -1;
    for (int k = 0; k < KEYS;) {
        if (s < 0 && (s = fg_tcp_connect("leader:5000", fg_after(2 * FG_SEC))) < 0) {
            fg_sleep(100 * FG_MS);
            continue;
        }
        char req[2] = {(char)('0' + k), '\n'}, ok[2];
        int got = fg_tcp_send(s, req, 2, fg_after(2 * FG_SEC)) == 2 ? 0 : -1;
        while (got >= 0 && got < 2) {
            int n = fg_tcp_recv(s, ok + got, 2 - (size_t)got, fg_after(2 * FG_SEC));
            got = n > 0 ? got + n : -1;
        }
        if (got < 0) {   /* reset, refused or timed out: reconnect and send it again */
            fg_tcp_close(s);
            s = -1;
            continue;
        }
        acked |= 1u << k;
        k++;
    }
    fg_tcp_close(s);
    fg_sleep(3 * FG_SEC);   /* the chaos is over, the leader is up and flushed */
    fg_assert((memory & acked) == acked);
}

FG_TARGET(ack_before_persist, .expect = FG_FAIL_ASSERT, .find_within = 300)
{
    disk = memory = acked = 0;
    static const char *const hosts[] = {"leader"};
    fg_spawn(leader, NULL, .group = "leader");
    fg_spawn(client, NULL, .group = "client", .primary = true);
    fg_chaos(&(fg_chaos_plan){.hosts = hosts, .nhosts = 1, .restart = leader, .every = 100 * FG_MS, .points = 10});
}
