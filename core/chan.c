/* Channels: a queue (any stack of stages) plus the tasks waiting on either
 * side. Waiting receivers are served as soon as an item is ripe: the first in
 * line, or under POR a choice among them (they are all parked, so nobody else
 * can take part). Senders that contend are ordered by an idle hook, so under
 * POR every sender that is ready in this instant gets its say first.
 * A channel learns its two ends: while one task has sent and one has received
 * on it, nobody contends, so their operations complete at once as if declared
 * with fg_chan_single; a task's first use of a side still waits its turn, and
 * a second task on either side makes the channel shared, for good. */
#include "queue.h"

struct fg_chan {
    fg_queue *q;
    struct waitq senders;     /* wait_data: the fg_item to push */
    struct waitq receivers;   /* wait_data, wait_aux: where its data and size go (deliver) */
    struct idle_hook send_hook, recv_hook;
    struct timer ripe;        /* wakes receivers when the head item ripens */
    bool closed, dead;
    bool one_sender, one_receiver;   /* declared: that side never contends */
    bool shared;                     /* a second task used an undeclared side: it may contend */
    bool timed;                      /* a latency stage: items may be unripe */
    struct task *sender, *receiver;  /* the task on each side: declared, or the first to use it */
    struct task *send_fast, *recv_fast;   /* that task while its side is declared or not shared (refresh) */
    void (*drop)(void *data, size_t size, void *ud);
    void *drop_ud;
};

static int dispose(fg_chan *c, int r, const fg_item *back)
{
    if (r == 1) {
        if (c->drop) {
            fg__hook_enter();
            c->drop(back->data, back->size, c->drop_ud);
            fg__hook_leave();
        }
        r = 0;
    }
    return r;
}

static int put(fg_chan *c, fg_item *it)
{
    fg_item back;
    return dispose(c, fg__queue_push(c->q, it, &back), &back);
}

/* A receive's out-parameters, either of which may be NULL. */
static inline void give(void **data, size_t *size, void *d, size_t n)
{
    if (data)
        *data = d;
    if (size)
        *size = n;
}

/* Hands an item to a waiting receiver: straight into its out-parameters, so a receiver
 * waits with no record of its own (fg_chan_recv_ tail-calls the wait). */
static inline void deliver(struct task *r, void *data, size_t size)
{
    give(r->wait_data, r->wait_aux, data, size);
}

static void arm(fg_chan *c)
{
    if (!c->timed)
        return;
    fg_time at = fg_queue_ready_at(c->q);
    if (at <= S->wheel.now || at == FG_FOREVER)
        return;
    if (c->ripe.armed) {
        if (c->ripe.deadline == at)
            return;
        fg__timer_cancel(&S->wheel, &c->ripe);
    }
    fg__timer_add(&S->wheel, &c->ripe, at);
}

/* Moves what can move now: ripe items to waiting receivers, blocked senders'
 * items into freed room (at once in arrival order, or under POR from the send
 * hook). Returns true if it woke a task. */
static bool settle(fg_chan *c)
{
    bool woke = false;
    for (;;) {
        bool moved = false;
        fg_item it;
        if (c->receivers.head && fg__queue_pop(c->q, &it) == 0) {
            struct task *t = fg__por_pick(&c->receivers);
            deliver(t, it.data, it.size);
            fg__wake(t, 0);
            moved = true;
        }
        if (c->senders.head && !fg__queue_full(c->q)) {
            if (fg__por() && !c->one_sender && (c->shared || c->send_hook.queued)) {
                fg__idle_hook(&c->send_hook);
            } else {
                struct task *t = c->senders.head;
                fg__wake(t, put(c, t->wait_data));
                moved = true;
            }
        }
        if (!moved)
            break;
        woke = true;
    }
    if (c->receivers.head) {
        if (c->closed && !fg_queue_len(c->q))
            while (fg__wake_first(&c->receivers, -EPIPE))
                woke = true;
        else
            arm(c);
    }
    return woke;
}

/* settle, out of line and last: the fast path that calls it keeps no register for after. */
__attribute__((noinline)) static int settle0(fg_chan *c)
{
    settle(c);
    return 0;
}

static bool send_hook(struct idle_hook *h)
{
    fg_chan *c = FG_CONTAINER(h, fg_chan, send_hook);
    if (!c->senders.head || fg__queue_full(c->q))
        return false;
    struct task *t = fg__por_pick(&c->senders);
    fg__wake(t, put(c, t->wait_data));
    settle(c);
    return true;
}

static bool recv_hook(struct idle_hook *h)
{
    return settle(FG_CONTAINER(h, fg_chan, recv_hook));
}

static void ripened(struct timer *tm)
{
    fg__idle_hook(&FG_CONTAINER(tm, fg_chan, ripe)->recv_hook);
}

fg_chan *fg_chan_new(fg_queue *q)
{
    if (!fg__current("fg_chan_new"))
        return NULL;
    if (!q && !(q = fg_queue_fifo(0, FG_REJECT_NEWEST)))
        return NULL;
    fg_chan *c = fg_alloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->q = q;
    c->timed = fg__queue_timed(q);
    c->send_hook.run = send_hook;
    c->recv_hook.run = recv_hook;
    c->ripe.fire = ripened;
    return c;
}

fg_chan *fg_chan_bounded(size_t capacity)
{
    if (!fg__current("fg_chan_bounded"))
        return NULL;
    fg_queue *q = fg_queue_fifo(capacity, FG_REJECT_NEWEST);
    return q ? fg_chan_new(q) : NULL;
}

void fg_chan_on_drop(fg_chan *c, void (*drop)(void *data, size_t size, void *ud), void *ud)
{
    if (!fg__sync_entry(c, c && c->dead, "fg_chan_on_drop"))
        return;
    c->drop = drop;
    c->drop_ud = ud;
}

/* The fast paths' test of alone(), kept up to date where the sides change: one compare, not four. */
static void refresh(fg_chan *c)
{
    c->send_fast = c->one_sender || !c->shared ? c->sender : NULL;
    c->recv_fast = c->one_receiver || !c->shared ? c->receiver : NULL;
}

int fg_chan_single(fg_chan *c, unsigned flags)
{
    if (!fg__sync_entry(c, c && c->dead, "fg_chan_single"))
        return fg__sync_err();
    if (flags & ~(FG_CHAN_ONE_SENDER | FG_CHAN_ONE_RECEIVER))
        return fg__misuse("fg_chan_single", -EINVAL, "unknown flags %#x", flags);
    /* a declared side belongs to the first task that uses it from now on */
    if ((flags & FG_CHAN_ONE_SENDER) && !c->one_sender)
        c->sender = NULL;
    if ((flags & FG_CHAN_ONE_RECEIVER) && !c->one_receiver)
        c->receiver = NULL;
    c->one_sender |= (flags & FG_CHAN_ONE_SENDER) != 0;
    c->one_receiver |= (flags & FG_CHAN_ONE_RECEIVER) != 0;
    refresh(c);
    return 0;
}

/* The first task on a side claims it; another one is refused on a declared
 * side and makes an undeclared channel shared. */
static bool learn(fg_chan *c, struct task **who, bool declared, struct task *t, const char *call)
{
    if (FG_LIKELY(*who == t))
        return true;
    if (!*who) {
        *who = t;
        refresh(c);
        return true;
    }
    if (!declared) {
        c->shared = true;
        refresh(c);
        return true;
    }
    fg__misuse(call, -EPERM, "channel declared single, and %s uses that side", (*who)->name);
    return false;
}

/* A side's operation may complete at once: nobody else can contend in this instant,
 * or the side has one task (declared, or `t` alone on a channel nobody shares). */
static inline bool alone(const fg_chan *c, const struct task *fast, const struct task *who, bool declared,
                         const struct task *t)
{
    if (fast == t)   /* who == t, and declared or not shared: t is not NULL */
        return true;
    if (who == t)
        return fg__por_quiet();
    return c->shared && !declared && fg__por_quiet();
}

#define ENTRY(c, call)                                              \
    struct task *t = fg__sync_entry((c), (c) && (c)->dead, (call)); \
    if (FG_UNLIKELY(!t))                                            \
        return fg__sync_err();

__attribute__((noinline)) static int send_slow(fg_chan *c, void *data, size_t size, fg_time deadline)
{
    ENTRY(c, "fg_chan_send")
    if (FG_UNLIKELY(c->closed))
        return fg__misuse("fg_chan_send", -EPIPE, "the channel is closed");
    /* a task's first send waits its turn: a task that sends for the first time in this instant may contend */
    bool known = c->sender == t;
    if (!learn(c, &c->sender, c->one_sender, t, "fg_chan_send"))
        return -EPERM;
    if (FG_LIKELY(!c->senders.head && ((known && !c->shared) || c->one_sender || fg__por_quiet()) && !t->cancelled)) {
        if (c->receivers.head && fg__queue_pass(c->q)) {
            /* an empty bare FIFO: straight to a waiting receiver, as a push and a pop would */
            struct task *r = fg__por_pick(&c->receivers);
            deliver(r, data, size);
            fg__wake(r, 0);
            return 0;
        }
        fg_item back;
        int r = fg__queue_put(c->q, data, size, &back);
        if (FG_LIKELY(r != -ENOBUFS)) {
            if (c->receivers.head)
                settle(c);
            return dispose(c, r, &back);
        }
    } else if (deadline <= S->wheel.now && !t->cancelled) {
        /* no time to wait is a try: nothing to order against */
        int r = fg_chan_try_send(c, data, size);
        return r == -EAGAIN ? -ETIMEDOUT : r;
    } else if (fg__por() && !c->one_sender) {
        fg__idle_hook(&c->send_hook);
    }
    fg_item it = {data, size, 0, 0, 0}, *mine = &it;
    if (FG_UNLIKELY(t->copy))   /* read by others while its stack is out: kept in its slot */
        *(mine = fg__copy_box(t)) = it;
    t->wait_data = mine;
    return fg__wait(&c->senders, deadline, "fg_chan_send");
}

/* send_pass when it may call out: a choice among receivers, a timer, a hint, a full ready ring. */
__attribute__((noinline)) static int send_pass_slow(fg_chan *c, void *data, size_t size, fg_time deadline)
{
    if (!fg__queue_pass(c->q))
        return send_slow(c, data, size, deadline);
    /* an empty bare FIFO: straight to a waiting receiver, as a push and a pop would */
    struct task *r = fg__por_pick(&c->receivers);
    deliver(r, data, size);
    fg__wake_inline(r, 0);
    return 0;
}

/* fg_chan_send_ to a waiting receiver. One receiver, blocked without a deadline, nobody watching:
 * what fg__wake_inline does, without a call on the way, so it keeps no register (five pushes and
 * pops a hand-off); anything else goes out of line. */
static inline __attribute__((always_inline)) int send_pass(fg_chan *c, void *data, size_t size, fg_time deadline)
{
    fg_queue *q = c->q;
    struct task *r = c->receivers.head;
    if (FG_UNLIKELY(q->ops != &fg__fifo_ops || q->n || r->wq_next || r->state != T_BLOCKED || r->timer.armed ||
                    S->watch_wakes || S->rq_len == S->rq_cap))
        return send_pass_slow(c, data, size, deadline);
    q->stats.pushes++;
    q->stats.pops++;
    deliver(r, data, size);
    r->result = 0;
    c->receivers.head = c->receivers.tail = NULL;
    r->wq = NULL;
    fg__ready(r);
    return 0;
}

/* The common case inline and small: nothing to check twice, nobody to wait for. */
int fg_chan_send_(fg_chan *c, void *data, size_t size, fg_time deadline)
{
    struct task *t = S->cur;
    /* no test of S->active: S->cur is set only while a sim runs (sim.c) */
    if (FG_LIKELY(t && c && !(c->dead | c->closed | t->cancelled) && !c->senders.head &&
                  alone(c, c->send_fast, c->sender, c->one_sender, t))) {
        if (c->receivers.head)
            return send_pass(c, data, size, deadline);
        if (fg__queue_put_inline(c->q, data, size))
            return 0;
    }
    return send_slow(c, data, size, deadline);
}

int fg_chan_try_send(fg_chan *c, void *data, size_t size)
{
    ENTRY(c, "fg_chan_try_send")
    if (c->closed)
        return fg__misuse("fg_chan_try_send", -EPIPE, "the channel is closed");
    if (!learn(c, &c->sender, c->one_sender, t, "fg_chan_try_send"))
        return -EPERM;
    if (c->senders.head)
        return -EAGAIN;
    fg_item it = {data, size, 0, 0, 0};
    int r = put(c, &it);
    if (r == -ENOBUFS)
        return -EAGAIN;
    if (c->receivers.head)
        settle(c);
    return r;
}

static int recv_wait_slow(fg_chan *c, void **data, size_t *size, fg_time deadline);

/* A copied task's out-parameters are written by others while its stack is out: it waits
 * with them in its slot (copy.c) and copies them once it runs again. */
__attribute__((noinline)) static int recv_slow(fg_chan *c, void **data, size_t *size, fg_time deadline)
{
    struct task *t = S->cur;
    if (FG_LIKELY(!t || !t->copy))
        return recv_wait_slow(c, data, size, deadline);
    fg_item *box = fg__copy_box(t);
    int r = recv_wait_slow(c, &box->data, &box->size, deadline);
    if (r == 0)
        give(data, size, box->data, box->size);
    return r;
}

static int recv_wait_slow(fg_chan *c, void **data, size_t *size, fg_time deadline)
{
    ENTRY(c, "fg_chan_recv")
    bool known = c->receiver == t;
    if (!learn(c, &c->receiver, c->one_receiver, t, "fg_chan_recv"))
        return -EPERM;
    if (FG_LIKELY(!c->receivers.head && ((known && !c->shared) || c->one_receiver || fg__por_quiet()) &&
                  !t->cancelled)) {
        void *d;
        size_t n;
        if (fg__queue_take(c->q, &d, &n) == 0) {
            if (c->senders.head)
                settle(c);
            if (data)
                *data = d;
            if (size)
                *size = n;
            return 0;
        }
    } else if (deadline <= S->wheel.now && !t->cancelled) {
        int r = fg_chan_try_recv(c, data, size);
        return r == -EAGAIN ? -ETIMEDOUT : r;
    } else if (fg__por() && !c->one_receiver && fg_queue_ready_at(c->q) <= S->wheel.now) {
        fg__idle_hook(&c->recv_hook);
    }
    if (c->closed && !fg_queue_len(c->q))
        return -EPIPE;
    arm(c);
    t->wait_data = data;
    t->wait_aux = size;
    return fg__wait(&c->receivers, deadline, "fg_chan_recv");
}

#ifdef FG_CTX_INLINE
/* fg__block for fg_chan_recv_, which tail-calls it: once the wait is over it returns to the user's
 * code by an indirect jump, not a ret. The return stack holds the calls of the task switched
 * from, and a ret into the caller of the task switched to would miss (9 of a token hand-off's
 * 36 ns). (Were it refused at once, cancelled or misused, the return stack is one entry off:
 * one missed ret later, nothing worse.) */
__asm__(".pushsection .text\n\t"
        ".globl fg__wait_jump\n\t"
        ".hidden fg__wait_jump\n\t"
        ".type fg__wait_jump, @function\n"
        "fg__wait_jump:\n\t"
        ".cfi_startproc\n\t"
        "subq $8, %rsp\n\t"
        ".cfi_adjust_cfa_offset 8\n\t"
        "call fg__block_unchecked\n\t"
        "addq $8, %rsp\n\t"
        ".cfi_adjust_cfa_offset -8\n\t"
        "popq %rcx\n\t"
        ".cfi_adjust_cfa_offset -8\n\t"
        ".cfi_register rip, rcx\n\t"
        "jmpq *%rcx\n\t"
        ".cfi_endproc\n\t"
        ".size fg__wait_jump, .-fg__wait_jump\n\t"
        ".popsection");
int fg__wait_jump(fg_time deadline, const char *call);
#define recv_wait fg__wait_jump
#else
#define recv_wait fg__block_unchecked
#endif

/* The common case inline and small: an item to take; an empty channel waits in recv_wait. */
int fg_chan_recv_(fg_chan *c, void **data, size_t *size, fg_time deadline)
{
    struct task *t = S->cur;
    /* no test of S->active: S->cur is set only while a sim runs (sim.c) */
    if (FG_LIKELY(t && c && !(c->dead | t->cancelled | t->copy) && !c->receivers.head &&
                  alone(c, c->recv_fast, c->receiver, c->one_receiver, t))) {
        fg_queue *q = c->q;
        if (FG_UNLIKELY(q->ops != &fg__fifo_ops))
            return recv_slow(c, data, size, deadline);
        if (!q->n) {
            /* what fg__wait would check, but cancelled (above): recv_slow says why not
             * (a bare FIFO has no latency stage: nothing to arm) */
            if (c->closed || deadline <= S->wheel.now || t->state != T_RUNNING || S->in_hook)
                return recv_slow(c, data, size, deadline);
            t->wait_data = data;
            t->wait_aux = size;
            /* fg__waitq_push into a queue known empty */
            c->receivers.head = c->receivers.tail = t;
            t->wq = &c->receivers;
            t->wq_next = t->wq_prev = NULL;
            return recv_wait(deadline, "fg_chan_recv");
        }
        void *d;
        size_t n;
        fg__queue_take_inline(q, &d, &n);
        give(data, size, d, n);
        if (FG_UNLIKELY(c->senders.head != NULL))
            return settle0(c);
        return 0;
    }
    return recv_slow(c, data, size, deadline);
}

int fg_chan_try_recv(fg_chan *c, void **data, size_t *size)
{
    ENTRY(c, "fg_chan_try_recv")
    if (!learn(c, &c->receiver, c->one_receiver, t, "fg_chan_try_recv"))
        return -EPERM;
    fg_item it;
    if (c->receivers.head || fg__queue_pop(c->q, &it) < 0)
        return c->closed && !fg_queue_len(c->q) ? -EPIPE : -EAGAIN;
    if (c->senders.head)
        settle(c);
    give(data, size, it.data, it.size);
    return 0;
}

int fg_chan_close(fg_chan *c)
{
    ENTRY(c, "fg_chan_close")
    (void)t;
    if (c->closed)
        return -EALREADY;
    c->closed = true;
    while (fg__wake_first(&c->senders, -EPIPE))
        ;
    if (!fg_queue_len(c->q))
        while (fg__wake_first(&c->receivers, -EPIPE))
            ;
    return 0;
}

bool fg_chan_closed(const fg_chan *c)
{
    return c && c->closed;
}

int fg_chan_destroy(fg_chan *c)
{
    ENTRY(c, "fg_chan_destroy")
    (void)t;
    if (c->senders.head || c->receivers.head)
        return fg__misuse("fg_chan_destroy", -EBUSY, "tasks wait on this channel (%s first)",
                          (c->senders.head ? c->senders.head : c->receivers.head)->name);
    fg__timer_cancel(&S->wheel, &c->ripe);
    c->dead = true;
    return 0;
}

fg_queue *fg_chan_queue(const fg_chan *c)
{
    return c ? c->q : NULL;
}
