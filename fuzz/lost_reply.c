/* Planted bug (bug depth 1): a request/response protocol without idempotence. A client
 * asks a bank to deposit 1, three times, resending a request whose reply does
 * not come within 200 ms. The bank applies every request it receives, so when
 * a reply (not a request) is lost, the resent request is applied twice and
 * the balance no longer matches what the client was told. Only the loss of
 * one of the replies shows it: requests may be lost freely. */
#include <fugue.h>
#include <fugue/target.h>
#include <string.h>

#define DEPOSITS 3
#define TRIES 8

static int balance;

static void bank(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("bank:7000");
    char buf[16];
    fg_addr from;
    while (fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER) >= 0) {
        balance++;   /* the bug: no sequence number check, a resent request counts again */
        fg_udp_send_to(s, from, "ok", 2);
    }
}

static void client(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    int acked = 0;
    for (int i = 0; i < DEPOSITS; i++) {
        char req[8] = "dep-0";
        req[4] = (char)('0' + i);
        for (int t = 0; t < TRIES; t++) {
            fg_udp_send_to(s, "bank:7000", req, 5);
            char buf[16];
            if (fg_udp_recv(s, buf, sizeof buf, fg_after(200 * FG_MS)) == 2) {
                acked++;
                break;
            }
        }
    }
    fg_sleep(FG_SEC);   /* anything still in flight lands */
    fg_assert(balance == acked);
}

FG_TARGET(lost_reply, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 200)
{
    balance = 0;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.loss = 0.05;
    fg_net_set_link(NULL, NULL, &l);
    fg_spawn(bank, NULL, .group = "bank");
    fg_spawn(client, NULL, .group = "client", .primary = true);
}
