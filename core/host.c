/* Host faults: a group (host) crashes (its tasks cancelled, its sockets gone,
 * its TCP peers reset), restarts with a fresh task at the same address, or
 * pauses while time goes on (its tasks park as they become ready). */
#include "net.h"

static int paused_hosts;
static bool park(struct task *t);

/* The group named `name`, or -1 after a message: faults never create a host. */
static int group_of(const char *call, const char *name)
{
    if (!fg__net_get(call) || !fg__current(call))
        return -1;
    for (int i = 0; name && i < S->ngroups; i++)
        if (!strcmp(S->groups[i], name))
            return i;
    fg__misuse(call, -ESRCH, "no group \"%s\"", name ? name : "(null)");
    return -1;
}

static void unpause(struct host *h)
{
    if (!h->paused)
        return;
    h->paused = false;
    if (--paused_hosts == 0)
        fg__park = NULL;
    while (h->parked.head)
        fg__wake(h->parked.head, h->parked.head->result);   /* what woke it, at last */
}

int fg_host_crash(const char *group)
{
    int g = group_of("fg_host_crash", group);
    if (g < 0)
        return S->active && S->cur ? -ESRCH : -EPERM;
    unpause(fg__net_host(g));
    /* tasks first: their blocked calls return -ECANCELED, not what closing their sockets says */
    for (int i = 0; i < S->ntasks; i++)
        if (S->tasks[i]->group == g && S->tasks[i]->state != T_DONE)
            fg_abort(i);
    fg__tcp_crash(g);
    fg__socks_crash(g);
    fg__fault("crash", g, -1);
    return 0;
}

int fg_host_restart(const char *group, fg_fn fn, void *arg)
{
    int g = group_of("fg_host_restart", group);
    if (g < 0)
        return S->active && S->cur ? -ESRCH : -EPERM;
    if (!fn)
        return fg__misuse("fg_host_restart", -EINVAL, "no function to start on %s", group);
    int id = fg__spawn(fn, arg, S->groups[g], g, false, 0);
    if (id >= 0)
        fg__fault("restart", g, -1);
    return id;
}

int fg_host_pause(const char *group)
{
    int g = group_of("fg_host_pause", group);
    if (g < 0)
        return S->active && S->cur ? -ESRCH : -EPERM;
    struct host *h = fg__net_host(g);
    if (!h->paused) {
        h->paused = true;
        paused_hosts++;
        fg__park = park;
        fg__fault("pause", g, -1);
    }
    return 0;
}

int fg_host_resume(const char *group)
{
    int g = group_of("fg_host_resume", group);
    if (g < 0)
        return S->active && S->cur ? -ESRCH : -EPERM;
    if (fg__net_host(g)->paused)
        fg__fault("resume", g, -1);
    unpause(fg__net_host(g));
    return 0;
}

static bool park(struct task *t)
{
    if (S->ending || t->group >= NET->nhosts || !NET->hosts[t->group].paused)
        return false;
    t->state = T_BLOCKED;
    fg__waitq_push(&NET->hosts[t->group].parked, t);
    return true;
}

/* ---- a fault schedule from the choice stream ---- */

#define CHAOS_MAX_HOSTS 16

struct chaos {
    fg_chaos_plan p;
    const char *hosts[CHAOS_MAX_HOSTS];
    bool down[CHAOS_MAX_HOSTS];
};

static void chaos_restart(struct chaos *c)
{
    for (int i = 0; i < c->p.nhosts; i++)
        if (c->down[i]) {
            c->down[i] = false;
            if (c->p.restart)
                fg_host_restart(c->hosts[i], c->p.restart, c->p.arg);
        }
}

static void chaos_task(void *arg)
{
    struct chaos *c = arg;
    for (int k = 0; k < c->p.points; k++) {
        if (fg_sleep(c->p.every) < 0)
            return;
        chaos_restart(c);
        uint64_t v = fg_choose(1 + 3 * (uint64_t)c->p.nhosts);
        if (!v)
            continue;
        int i = (int)((v - 1) / 3);
        switch ((v - 1) % 3) {
        case 0:
            fg_host_crash(c->hosts[i]);
            c->down[i] = true;
            break;
        case 1:
            fg_net_partition(c->hosts[i], NULL);
            break;
        default:
            fg_net_heal(c->hosts[i], NULL);
            break;
        }
    }
    if (fg_sleep(c->p.every) < 0)
        return;
    chaos_restart(c);
    for (int i = 0; i < c->p.nhosts; i++)
        fg_net_heal(c->hosts[i], NULL);
}

int fg_chaos(const fg_chaos_plan *plan)
{
    const char *call = "fg_chaos";
    if (!fg__net_get(call) || !fg__current(call))
        return -EPERM;
    if (!plan || plan->nhosts < 1 || plan->nhosts > CHAOS_MAX_HOSTS || !plan->hosts)
        return fg__misuse(call, -EINVAL, "a plan needs 1 to %d hosts", CHAOS_MAX_HOSTS);
    struct chaos *c = fg_alloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    memset(c, 0, sizeof *c);
    c->p = *plan;
    if (c->p.every <= 0)
        c->p.every = 100 * FG_MS;
    if (c->p.points <= 0)
        c->p.points = 10;
    for (int i = 0; i < plan->nhosts; i++) {
        if (!plan->hosts[i])
            return fg__misuse(call, -EINVAL, "host %d is NULL", i);
        c->hosts[i] = fg__strdup(plan->hosts[i]);
        fg__group(c->hosts[i]);   /* a host the plan names exists from now on */
    }
    c->p.hosts = c->hosts;
    return fg__spawn(chaos_task, c, "chaos", fg__group("chaos"), false, 0);
}

void fg__hosts_end(void)
{
    paused_hosts = 0;
    fg__park = NULL;
}
