/* A core-only scenario the size of ping-pong: two clients send numbered
 * requests through a one-slot mailbox, a server answers each into the
 * client's own slot. Every schedule must pass: it is the speed baseline. */
#include <fugue.h>
#include <fugue/target.h>

#define CLIENTS 2
#define REQUESTS 3

struct slot {
    bool full;
    int from, seq;
};
static struct slot request, reply[CLIENTS];

static void client(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int seq = 0; seq < REQUESTS; seq++) {
        while (request.full)
            fg_sleep(10 * FG_US);
        fg_yield();   /* another client may take the slot first */
        if (request.full) {
            seq--;
            continue;
        }
        request = (struct slot){true, id, seq};
        while (!reply[id].full)
            fg_sleep(10 * FG_US);
        fg_assert(reply[id].from == id && reply[id].seq == seq);
        reply[id].full = false;
        fg_sleep(fg_rand_range(0, 3) * 10 * FG_US);
    }
}

static void server(void *arg)
{
    (void)arg;
    while (!fg_cancelled()) {
        if (!request.full) {
            fg_sleep(10 * FG_US);
            continue;
        }
        struct slot r = request;
        request.full = false;
        fg_yield();
        reply[r.from] = (struct slot){true, r.from, r.seq};
    }
}

FG_TARGET(mailbox, .strategy = FG_RANDOM)
{
    request = (struct slot){0};
    for (int i = 0; i < CLIENTS; i++) {
        reply[i] = (struct slot){0};
        fg_spawn(client, (void *)(intptr_t)i, .name = fg_fmt("client_%d", i), .group = fg_fmt("client_%d", i),
                 .primary = true);
    }
    fg_spawn(server, NULL, .group = "server");
}
