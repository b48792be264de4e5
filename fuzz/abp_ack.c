/* Planted bug (bug depth 2, two network faults): an alternating-bit protocol
 * over UDP whose sender takes any acknowledgement for the current message. A
 * delayed ack makes the sender time out and resend; the late ack of the first
 * copy then moves it on, and the ack of the resent copy is taken for the next
 * message. If that next message is lost too, the sender believes it delivered
 * and the receiver never sees it: an ack delayed past the timeout, then the
 * loss of the following message. */
#include <fugue.h>
#include <fugue/target.h>

#define MSGS 6

static int delivered[MSGS + 1], ndelivered, sent;

static void receiver(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("rx:9000");
    unsigned char buf[4], expect = 0;
    fg_addr from;
    while (fg_udp_recv_from(s, buf, sizeof buf, &from, FG_FOREVER) == 2) {
        if (buf[0] == expect) {   /* the bit the receiver expects: a new message */
            if (ndelivered <= MSGS)
                delivered[ndelivered++] = buf[1];
            expect ^= 1;
        }
        fg_udp_send_to(s, from, buf, 1);   /* ack carrying the bit */
    }
}

static void sender(void *arg)
{
    (void)arg;
    int s = fg_udp_bind("0.0.0.0:0");
    for (int i = 0; i < MSGS; i++) {
        unsigned char msg[2] = {(unsigned char)(i & 1), (unsigned char)i}, ack[4];
        for (;;) {
            fg_udp_send_to(s, "rx:9000", msg, 2);
            /* the bug: the ack's bit is not compared with msg[0] */
            if (fg_udp_recv(s, ack, sizeof ack, fg_after(120 * FG_MS)) == 1)
                break;
        }
        sent++;
    }
    fg_sleep(FG_SEC);   /* anything still in flight lands */
    if (ndelivered != sent)
        fg_fail("the sender delivered %d messages, the receiver got %d", sent, ndelivered);
    for (int i = 0; i < ndelivered; i++)
        if (delivered[i] != i)
            fg_fail("message %d arrived as number %d", delivered[i], i);
}

FG_TARGET(abp_ack, .strategy = FG_RANDOM, .expect = FG_FAIL_ASSERT, .find_within = 20000)
{
    ndelivered = sent = 0;
    fg_link l;
    fg_net_get_link(NULL, NULL, &l);
    l.loss = 0.05;
    l.reorder = 0.2;
    fg_net_set_link(NULL, NULL, &l);
    fg_spawn(receiver, NULL, .group = "rx");
    fg_spawn(sender, NULL, .group = "tx", .primary = true);
}
