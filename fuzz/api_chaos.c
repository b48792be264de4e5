/* A hostile user: tasks that call the whole public API with arguments the
 * choice stream picks, bad ones included (NULL, destroyed objects, closed
 * sockets, huge and zero sizes, past and endless deadlines, blocking inside
 * hooks, nested sims, aborts of blocked tasks, thousands of tasks). Every run
 * must pass: a misuse returns its error, it never corrupts fugue. Only the
 * root is primary, and it never waits without a deadline, so no input
 * deadlocks; everything else is cancelled when the root ends. */
#include <fugue.h>
#include <fugue/target.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#define NOBJ 4
#define MAX_TASKS 2500

static struct {
    fg_mutex *mutex[NOBJ];
    fg_rwlock *rw[NOBJ];
    fg_sem *sem[NOBJ];
    fg_cond *cond[NOBJ];
    fg_queue *queue[NOBJ];
    fg_chan *chan[NOBJ];
    fg_oneshot *once[NOBJ];
    int ids[16];
    int nids, spawned, monitors;
} w;

static const char *const hosts[] = {"main", "a", "b", "localhost", "0.0.0.0", "10.0.0.2", "nowhere", ""};
static const char *const addrs[] = {"a:1", "b:2", "localhost:3", "0.0.0.0:0", "main:65535", "a:0", "a:70000",
                                    "b", ":5", "10.0.0.1:7", "10.0.0.99:7", "a:-1", "", NULL};

/* A bad return must still be an errno, never garbage. */
static int ok(int rc)
{
    fg_assert(rc >= -4095);
    return rc;
}

static uint64_t pick(uint64_t n)
{
    return fg_choose(n);
}

#define ONE_OF(arr) ((arr)[pick(sizeof(arr) / sizeof *(arr))])

static fg_time deadline(void)
{
    /* the root (task 0) is primary: it never waits without a deadline */
    if (fg_self() == 0 && pick(2))
        return fg_after((fg_time)pick(5000) * FG_US);
    switch (pick(fg_self() == 0 ? 3 : 6)) {
    case 0: return fg_now();
    case 1: return fg_now() - 1;
    case 2: return INT64_MIN;
    case 3: return FG_FOREVER;
    case 4: return fg_after(FG_FOREVER);
    default: return fg_after((fg_time)pick(5000) * FG_US);
    }
}

static size_t size_arg(void)
{
    static const size_t sizes[] = {0, 1, 7, 1472, 1473, 65507, 65508, 100000, SIZE_MAX, SIZE_MAX - 8,
                                   SIZE_MAX - 15, FG_ALLOC_MAX + 1, 16};
    return ONE_OF(sizes);
}

static int id_arg(void)
{
    switch (pick(5)) {
    case 0: return -1;
    case 1: return INT_MIN;
    case 2: return INT_MAX;
    case 3: return fg_self();
    default: return w.nids ? w.ids[pick((uint64_t)w.nids)] : 0;
    }
}

/* An object of a kind: NULL now and then, or one of the sim's (maybe destroyed). */
#define OBJ(arr) (pick(8) == 0 ? NULL : (arr)[pick(NOBJ)])

static uint8_t scratch[200000];

/* ---- callbacks: each tries to block, which must be refused ---- */

static void must_refuse_blocking(void)
{
    switch (pick(4)) {
    case 0: fg_assert(fg_sleep(FG_MS) == -EPERM); break;
    case 1: fg_assert(fg_yield() == -EPERM); break;
    case 2: fg_assert(fg_mutex_lock(w.mutex[0], FG_FOREVER) <= 0); break;   /* free: taken, held: -EPERM */
    default: break;
    }
}

static fg_net_verdict on_packet(const fg_packet *p, void *ud)
{
    (void)ud;
    fg_assert(p->len <= 65507);
    must_refuse_blocking();
    if (pick(8) == 0)
        ok(fg_udp_close((int)pick(4)));
    if (pick(8) == 0) {
        int s = (int)pick(4);
        const char *to = ONE_OF(addrs);
        ok(fg_udp_send_to(s, to, scratch, pick(64)));
    }
    switch (pick(5)) {
    case 1: return (fg_net_verdict){FG_NET_DROP, 0, 0};
    case 2: {
        fg_time d = pick(2) ? FG_FOREVER : (fg_time)pick(1000) * FG_US;
        return (fg_net_verdict){FG_NET_DELAY, d, 0};
    }
    case 3: return (fg_net_verdict){FG_NET_DUPLICATE, 0, (unsigned)pick(100)};
    case 4: return (fg_net_verdict){(fg_net_action)pick(256), -5, UINT_MAX};
    default: return (fg_net_verdict){FG_NET_PASS, 0, 0};
    }
}

static int on_call(void)
{
    must_refuse_blocking();
    if (pick(8) == 0)
        ok(fg_udp_close((int)pick(4)));
    return pick(4) == 0 ? -(int)pick(200) : 0;
}
static int on_open(const char *host, fg_addr local, void *ud) { (void)host, (void)local, (void)ud; return on_call(); }
static int on_write(int s, const fg_packet *p, void *ud) { (void)s, (void)p, (void)ud; return on_call(); }
static int on_read(int s, void *ud) { (void)s, (void)ud; return on_call(); }

static void on_drop(void *data, size_t size, void *ud)
{
    (void)data, (void)size, (void)ud;
    must_refuse_blocking();
}

/* ---- the calls ---- */

static void idle(void *arg)
{
    (void)arg;
}

static void worker(void *arg);

static void do_task(void)
{
    switch (pick(8)) {
    case 0: ok(fg_yield()); break;
    case 1: ok(fg_sleep((fg_time)pick(3) * FG_MS - FG_MS)); break;
    case 2: ok(fg_sleep_until(deadline())); break;
    case 3: {
        static const size_t stacks[] = {0, 1, 16384, FG_STACK_MAX + 1, SIZE_MAX, 65536};
        bool work = pick(2) && w.spawned < MAX_TASKS;
        const char *name = pick(2) ? NULL : "x", *group = ONE_OF(hosts);
        size_t stack = work ? 0 : ONE_OF(stacks);
        /* every third a copied stack, where that changes no outcome: the corpus replays as before */
        bool copy = w.spawned % 3 == 1 && (stack == 0 || stack > FG_STACK_MAX);
        int id = ok(fg_spawn(work ? worker : idle, NULL, .name = name, .group = group, .stack_size = stack,
                             .stack_copy = copy));
        if (id >= 0) {
            w.spawned++;
            if (w.nids < 16)
                w.ids[w.nids++] = id;
        }
        break;
    }
    case 4: {
        int id = id_arg();
        ok(fg_join(id, deadline()));
        break;
    }
    case 5: ok(fg_abort(id_arg())); break;
    case 6: {
        int ids[8];
        size_t n = pick(9);
        for (size_t i = 0; i < n; i++)
            ids[i] = id_arg();
        const int *v = pick(6) ? ids : NULL;
        ok(fg_join_all(v, n, deadline()));
        break;
    }
    default:
        (void)fg_self(), (void)fg_name(), (void)fg_group(), (void)fg_cancelled(), (void)fg_in_sim();
        (void)fg_after((fg_time)fg_rand_u64());
        fg_assert(fg_strerror((int)fg_rand_u32()) != NULL);
        fg_assert(fg_outcome_name((fg_outcome)fg_rand_u32()) != NULL);
        break;
    }
}

static void do_memory(void)
{
    switch (pick(6)) {
    case 0: {
        /* sizes fg_alloc must refuse, and small ones: big real ones only cost time */
        static const size_t sizes[] = {0, 1, 7, 16, 4096, SIZE_MAX, SIZE_MAX - 8, SIZE_MAX - 15, FG_ALLOC_MAX + 1};
        size_t n = ONE_OF(sizes);
        uint8_t *p = fg_alloc(n);
        fg_assert(!p || n <= FG_ALLOC_MAX);
        if (p && n <= sizeof scratch)
            memset(p, 0xa5, n);
        break;
    }
    case 1: {
        const char *h = ONE_OF(hosts);
        fg_assert(fg_fmt("%s-%llu", h, (unsigned long long)fg_rand_u64()) != NULL);
        break;
    }
    case 2: (void)fg_choose(pick(2) ? UINT64_MAX : pick(3)); break;
    case 3: {
        int64_t lo = (int64_t)fg_rand_u64();
        int64_t hi = (int64_t)fg_rand_u64();
        int64_t v = fg_rand_range(lo, hi);
        fg_assert(hi <= lo ? v == lo : v >= lo && v <= hi);
        break;
    }
    case 4: {
        uint32_t num = fg_rand_u32();
        (void)fg_rand_chance(num, (uint32_t)pick(4));
        break;
    }
    default: fg_rand_bytes(scratch, pick(64)); break;
    }
}

/* Every argument is drawn into a variable first: the order C evaluates a
 * call's arguments in is unspecified, and gcc and clang differ. */
static void do_lock(void)
{
    int k = (int)pick(NOBJ);
    fg_mutex *m = OBJ(w.mutex);
    fg_rwlock *rw = OBJ(w.rw);
    fg_sem *sem = OBJ(w.sem);
    fg_cond *c = OBJ(w.cond);
    fg_time dl = deadline();
    uint64_t how = pick(5);
    switch (pick(12)) {
    case 0: if (!w.mutex[k] || how == 0) w.mutex[k] = fg_mutex_new(); break;
    case 1: ok(fg_mutex_lock(m, dl)); break;
    case 2: ok(fg_mutex_try_lock(m)); break;
    case 3: ok(fg_mutex_unlock(m)); break;
    case 4: ok(fg_mutex_destroy(m)); break;
    case 5: if (!w.rw[k] || how == 0) w.rw[k] = fg_rwlock_new(); break;
    case 6: ok(how & 1 ? fg_rwlock_rdlock(rw, dl) : fg_rwlock_wrlock(rw, dl)); break;
    case 7: ok(how & 1 ? fg_rwlock_try_rdlock(rw) : fg_rwlock_try_wrlock(rw)); break;
    case 8: ok(how ? fg_rwlock_unlock(rw) : fg_rwlock_destroy(rw)); break;
    case 9:
        if (!w.sem[k] || how == 0)
            w.sem[k] = fg_sem_new(how & 1 ? how : UINT64_MAX);
        break;
    case 10:
        switch (how) {
        case 0: ok(fg_sem_acquire(sem, dl)); break;
        case 1: ok(fg_sem_try_acquire(sem)); break;
        case 2: ok(fg_sem_release(sem)); break;
        case 3: (void)fg_sem_permits(sem); break;
        default: ok(fg_sem_destroy(sem)); break;
        }
        break;
    default:
        switch (how) {
        case 0: if (!w.cond[k] || pick(4) == 0) w.cond[k] = fg_cond_new(); break;
        case 1: ok(fg_cond_wait(c, m, dl)); break;
        case 2: ok(fg_cond_notify_one(c)); break;
        case 3: ok(fg_cond_notify_all(c)); break;
        default: ok(fg_cond_destroy(c)); break;
        }
        break;
    }
}

static fg_queue *new_queue(int depth)
{
    size_t cap = pick(2) ? pick(4) : SIZE_MAX;
    fg_overflow pol = (fg_overflow)pick(3);
    uint64_t kind = depth > 2 ? pick(3) : pick(6);
    fg_queue *inner = kind >= 3 && pick(8) ? new_queue(depth + 1) : NULL;
    fg_time delay = (fg_time)fg_rand_u64();
    fg_time jitter = (fg_time)fg_rand_u64();
    uint32_t num = fg_rand_u32();
    uint32_t den = (uint32_t)pick(5);
    switch (kind) {
    case 0: return fg_queue_fifo(cap, pol);
    case 1: return fg_queue_lifo(cap, pol);
    case 2: return fg_queue_prio(cap, pol);
    case 3: return fg_queue_latency(inner, delay, jitter);
    case 4: return fg_queue_loss(inner, num, den);
    default: return fg_queue_sojourn(inner);
    }
}

static void do_queue(void)
{
    int k = (int)pick(NOBJ);
    fg_queue *q = OBJ(w.queue);
    fg_chan *c = OBJ(w.chan);
    fg_oneshot *o = OBJ(w.once);
    fg_time dl = deadline();
    size_t size = size_arg();
    uint64_t how = pick(6);
    fg_item it = {.data = scratch, .size = size}, back;
    it.prio = (int64_t)fg_rand_u64();
    void *d;
    size_t n;
    switch (pick(13)) {
    case 0: w.queue[k] = new_queue(0); break;
    case 1: ok(fg_queue_push(q, it, how & 1 ? &back : NULL)); break;
    case 2: ok(fg_queue_pop(q, how & 1 ? &back : NULL)); break;
    case 3: (void)fg_queue_len(q), (void)fg_queue_ready_at(q), (void)fg_queue_stats(q); break;
    case 4:
        if (!w.chan[k] || how == 0) {
            size_t cap = pick(2) ? pick(3) : SIZE_MAX;
            fg_queue *inner = pick(3) ? new_queue(0) : NULL;
            w.chan[k] = how & 1 ? fg_chan_bounded(cap) : fg_chan_new(inner);
        }
        break;
    case 5: ok(fg_chan_send(c, scratch, size, dl)); break;
    case 6: ok(fg_chan_recv(c, how ? &d : NULL, how & 1 ? &n : NULL, dl)); break;
    case 7: ok(how & 1 ? fg_chan_try_send(c, NULL, size) : fg_chan_try_recv(c, NULL, NULL)); break;
    case 8: ok(how & 1 ? fg_chan_close(c) : fg_chan_destroy(c)); break;
    case 9:
        ok(fg_chan_single(c, (unsigned)how));
        fg_chan_on_drop(c, how ? on_drop : NULL, NULL);
        (void)fg_chan_closed(c), (void)fg_chan_queue(c);
        break;
    case 10: if (!w.once[k] || how == 0) w.once[k] = fg_oneshot_new(); break;
    case 11:
        switch (how & 3) {
        case 0: ok(fg_oneshot_set(o, scratch, size)); break;
        case 1: ok(fg_oneshot_close(o)); break;
        case 2: ok(fg_oneshot_wait(o, how & 4 ? &d : NULL, &n, dl)); break;
        default: ok(fg_oneshot_try(o, &d, &n)); break;
        }
        break;
    default: {
        static fg_stats kept;
        fg_mutex *m = OBJ(w.mutex);
        fg_rwlock *rw = OBJ(w.rw);
        fg_sem *sem = OBJ(w.sem);
        double qq = pick(2) ? NAN : (double)fg_rand_u32() / 1e9 - 1;
        const fg_stats *live = how & 1 ? fg_mutex_stats(m) : fg_queue_stats(q);
        ok(fg_stats_keep(live, how & 2 ? &kept : NULL));
        (void)fg_hist_mean(live ? &live->wait : NULL);
        (void)fg_hist_quantile(live ? &live->sojourn : NULL, qq);
        (void)fg_rwlock_stats(rw), (void)fg_sem_stats(sem);
        break;
    }
    }
}

static fg_addr addr_arg(void)
{
    uint32_t ip = (uint32_t)(0x0a000001 + pick(5));
    if (pick(8) == 0)
        ip -= 0x0a000001;
    fg_addr a = {ip, (uint16_t)pick(5)};
    return a;
}

static void do_net(void)
{
    int s = (int)pick(6) - 1;
    const char *str = ONE_OF(addrs);
    fg_addr a = addr_arg();
    fg_time dl = deadline();
    size_t big = size_arg(), big2 = size_arg();
    uint64_t how = pick(8);
    const char *h1 = how & 1 ? ONE_OF(hosts) : NULL;
    const char *h2 = how & 2 ? ONE_OF(hosts) : NULL;
    char buf[2048];
    fg_net_stats st;
    switch (pick(14)) {
    case 0: ok(how & 1 ? fg_udp_bind(str) : fg_udp_bind_addr(a)); break;
    case 1: ok(how & 1 ? fg_udp_connect(s, str) : fg_udp_connect_addr(s, a)); break;
    case 2: ok(fg_udp_close(s)); break;
    case 3: {
        size_t n = how & 4 ? pick(64) : big;
        const void *d = how ? scratch : NULL;
        if (n > sizeof scratch)
            n = sizeof scratch;
        unsigned ecn = (unsigned)pick(6);
        size_t seg = how & 2 ? pick(40) : big2;
        switch (how & 3) {
        case 0: ok(fg_udp_send_to(s, str, d, n)); break;
        case 1: ok(fg_udp_send_to(s, a, d, n)); break;
        case 2: ok(fg_udp_send(s, d, n)); break;
        default: ok(fg_udp_send_msg(s, a, d, n, ecn, seg)); break;
        }
        break;
    }
    case 4: {
        fg_udp_info info;
        size_t cap = pick(sizeof buf + 1);
        void *b = how ? buf : NULL;
        if (how & 1)
            ok(fg_udp_recv_from(s, b, cap, how & 2 ? &a : NULL, dl));
        else
            ok(fg_udp_recv_msg(s, b, cap, how & 2 ? &info : NULL, dl));
        break;
    }
    case 5: ok(fg_udp_set_buffers(s, big, big2)); break;
    case 6: ok(fg_udp_set_gro(s, how & 1)); break;
    case 7:
        ok(fg_udp_stats(s, how & 1 ? &st : NULL));
        ok(fg_udp_local(s, how & 2 ? &a : NULL));
        fg_net_stats_get(how & 4 ? &st : NULL);
        (void)fg_net_drop_name((fg_net_drop)how);
        break;
    case 8: {
        uint32_t ip = fg_rand_u32();
        ok(fg_net_resolve(str, how ? &a : NULL));
        (void)fg_net_host(ip);
        (void)fg_addr_fmt(a);
        break;
    }
    case 9: {
        fg_link l;
        if (ok(fg_net_get_link(h1, h2, how & 4 ? &l : NULL)) < 0)
            memset(&l, 0, sizeof l);
        static const double rates[] = {0, 0.01, 0.5, 1, 1.5, -0.1, NAN, INFINITY};
        static const fg_time times[] = {0, 1, FG_MS, -1, FG_FOREVER, FG_FOREVER - 1, INT64_MIN};
        l.latency = ONE_OF(times);
        l.jitter = ONE_OF(times);
        l.loss = ONE_OF(rates);
        l.duplicate = ONE_OF(rates);
        l.reorder = ONE_OF(rates);
        l.corrupt = ONE_OF(rates);
        l.ce = ONE_OF(rates);
        l.mtu = (uint32_t)(pick(2) ? 1500 : fg_rand_u32());
        ok(fg_net_set_link(h1, h2, how ? &l : NULL));
        break;
    }
    case 10: ok(fg_net_partition(h1, h2)); break;
    case 11: ok(fg_net_heal(h1, h2)); break;
    case 12: {
        fg_net_hooks hk = {.packet = how & 1 ? on_packet : NULL, .open = how & 2 ? on_open : NULL,
                           .write = how & 4 ? on_write : NULL, .read = how & 6 ? on_read : NULL};
        ok(fg_net_monitor(how != 7 ? &hk : NULL));
        break;
    }
    default: {
        /* sims don't nest: each is refused and the running sim goes on as it was */
        fg_result r;
        fg_explore_stats es;
        switch (how & 3) {
        case 0: fg_assert(fg_run_bytes(idle, NULL, NULL, scratch, 8, &r) == -EBUSY); break;
        case 1: fg_assert(fg_run_seed(idle, NULL, NULL, 1, &r) == -EBUSY); break;
        case 2: fg_assert(fg_explore(idle, NULL, NULL, 1, NULL, NULL, &es) == -EBUSY); break;
        default: fg_assert(fg_check_determinism(idle, NULL, NULL, NULL, 0) == -EBUSY); break;
        }
        break;
    }
    }
}

static void worker(void *arg)
{
    (void)arg;
    for (uint64_t n = pick(48) + 1; n > 0; n--) {
        switch (pick(6)) {
        case 0: do_task(); break;
        case 1: do_memory(); break;
        case 2: do_lock(); break;
        case 3: do_queue(); break;
        default: do_net(); break;
        }
    }
}

FG_TARGET(api_chaos, .strategy = FG_RANDOM)
{
    memset(&w, 0, sizeof w);
    /* now and then thousands of tasks, each a short worker */
    int n = pick(64) == 63 ? 2000 : (int)pick(8) + 1;
    for (int i = 0; i < n; i++) {
        int id = fg_spawn(worker, NULL, .group = ONE_OF(hosts), .stack_size = 64 * 1024);
        fg_assert(id > 0);
        w.spawned++;
        if (w.nids < 16)
            w.ids[w.nids++] = id;
    }
    worker(NULL);
    /* the root waits a while, never forever: the rest is cancelled when it ends */
    ok(fg_sleep((fg_time)pick(100) * FG_MS));
}
