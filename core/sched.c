/* The scheduler: a ready ring in wake order, the strategy's choice among it,
 * and what happens when nothing is ready (idle hooks, then time, then the
 * verdict: deadlock, or the end of the sim). */
#include "internal.h"

#include <stdlib.h>
#ifdef FG_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

FG_POOLED void fg__rq_grow(void)
{
    uint32_t old = S->rq_cap, cap = old ? old * 2 : 64;
    struct task **rq = fg__keep_grow(S->rq, old * sizeof *rq, cap * sizeof *rq);
    if (!rq)
        fg__fail(FG_FAIL_CRASH, "out of memory growing the ready queue");
    /* what wrapped round the old end goes on past it */
    if (S->rq_head + S->rq_len > old)
        memcpy(rq + old, rq, (S->rq_head + S->rq_len - old) * sizeof *rq);
    S->rq = rq;
    S->rq_cap = cap;
}

/* Starts fetching what the tasks after the next one touch when they run, with the ring
 * at `head`: with many tasks each switch waited on misses. The task two ahead; for the one
 * after next (its task fetched a switch ago) its saved frames and the two lines below them,
 * where its next calls write (a task resumed from fg_yield and ending writes ~110 bytes
 * below). 100,000 tasks spawned, yielding once and ending: 362 -> 177 ns a task. */
static inline void fetch_ahead(uint32_t head, uint32_t mask)
{
    if (S->rq_len > 2) {
        __builtin_prefetch(S->rq[(head + 2) & mask]);
#ifndef FG_UCONTEXT
        const struct task *n = S->rq[(head + 1) & mask];
        if (!n->stack) {
            /* not started: its ctx holds what its stack will be (dense_pooled fetches that);
             * or a copied one: its slot, which it copies out to or in from (copy.c) */
            if (n->copy)
                for (int off = 0; off < FG_COPY_SLOT; off += 64)
                    __builtin_prefetch((const char *)n + FG_TASK_STRIDE + off, 1);
            return;
        }
        uintptr_t sp = (uintptr_t)n->ctx.sp;   /* in integers: below a stack's foot is no object */
        __builtin_prefetch((const void *)sp);
        __builtin_prefetch((const void *)(sp - 64), 1);
        __builtin_prefetch((const void *)(sp - 128), 1);
        __builtin_prefetch((const void *)(sp + 64));
#endif
    }
}

static struct task *take(uint32_t i)
{
    uint32_t mask = S->rq_cap - 1;
    struct task *t = S->rq[(S->rq_head + i) & mask];
    /* keep wake order: close the gap by shifting the front forward */
    for (; i > 0; i--)
        S->rq[(S->rq_head + i) & mask] = S->rq[(S->rq_head + i - 1) & mask];
    S->rq_head = (S->rq_head + 1) & mask;
    S->rq_len--;
    fetch_ahead(S->rq_head, mask);
    return t;
}

/* A yield with others ready under a strategy that takes the first: the first runs and
 * `self` goes last (still T_RUNNING, see internal.h), as fg__ready and take(0) would,
 * in two stores instead of five. */
static inline struct task *rotate(struct task *self)
{
    uint32_t mask = S->rq_cap - 1, head = S->rq_head;
    struct task *t = S->rq[head];
    S->rq[(head + S->rq_len) & mask] = self;   /* len < cap: head's slot, already read, at the most */
    S->rq_head = head = (head + 1) & mask;
    fetch_ahead(head, mask);
    return t;
}

void fg__idle_hook(struct idle_hook *h)
{
    if (h->queued)
        return;
    h->queued = true;
    h->next = NULL;
    if (S->idle_tail)
        S->idle_tail->next = h;
    else
        S->idle_head = h;
    S->idle_tail = h;
}

/* Runs the queued idle hooks in order; true if any of them woke a task. */
static bool run_idle(void)
{
    bool woke = false;
    while (S->idle_head && !S->rq_len) {
        struct idle_hook *h = S->idle_head;
        S->idle_head = h->next;
        if (!S->idle_head)
            S->idle_tail = NULL;
        h->queued = false;
        woke |= h->run(h);
    }
    return woke || S->rq_len;
}

static void over_time(void *arg)
{
    (void)arg;
    char budget[32], now[32];
    fg__fmt_time(budget, sizeof budget, S->o.max_time);
    fg__fmt_time(now, sizeof now, S->wheel.now);
    fg__fail(FG_FAIL_LIVELOCK, "livelock: sim time passed its budget of %s (fg_opts.max_time): a timer took it to %s",
             budget, now);
}

/* The report's head names the blocked primary tasks: those are what the sim waited for. */
static void deadlock(void *arg)
{
    (void)arg;
    char who[512];
    size_t n = 0;
    int shown = 0;
    who[0] = 0;
    for (int i = 0; i < S->ntasks && n < sizeof who - 64; i++) {
        struct task *t = S->tasks[i];
        if (!t->primary || t->state != T_BLOCKED)
            continue;
        int k = snprintf(who + n, sizeof who - n, "%s%s in %s", shown++ ? ", " : "", t->name, t->call);
        if (k > 0)
            n += (size_t)k < sizeof who - n ? (size_t)k : sizeof who - n - 1;
    }
    fg__fail(FG_FAIL_DEADLOCK, "deadlock: %d primary task%s blocked (%s%s), nothing ready, no timer pending",
             S->live_primary, S->live_primary == 1 ? "" : "s", who, shown < S->live_primary ? ", ..." : "");
}

bool (*fg__park)(struct task *t);

static struct task *pick(void)
{
    for (;;) {
        if (FG_LIKELY(S->rq_len)) {
            uint32_t i = 0;
            if (S->o.strategy == FG_RANDOM && S->rq_len > 1)
                i = (uint32_t)fg_choose(S->rq_len);
            else if (S->o.strategy > FG_RANDOM)
                i = fg__prio_pick();
            struct task *t = take(i);
            if (FG_UNLIKELY(fg__park != NULL) && fg__park(t))
                continue;   /* its host is paused: it waits for fg_host_resume */
            return t;
        }
        if (S->idle_head && run_idle())
            continue;
        fg_time before = S->wheel.now;
        if (S->wheel.count && fg__wheel_advance(&S->wheel)) {
            if (S->wheel.now != before)
                fg__instant();
            if (FG_UNLIKELY(S->o.max_time && S->wheel.now > S->o.max_time))
                fg__spare_run(over_time, NULL);
            continue;
        }
        if (S->live_primary > 0)
            fg__spare_run(deadlock, NULL);   /* a report needs more room than a dense stack has */
        return NULL;  /* the sim is over */
    }
}

/* Whether pick() would take the first ready task with nothing else to do (the common case,
 * taken without a call): a task is ready, the strategy takes the first (PCT and POS look at
 * every pick: they draw and update priorities), and no host is paused (pick() parks its tasks;
 * without this test a paused host's tasks ran on under FIFO and POR whenever another yielded). */
static inline bool first_runs(void)
{
    return S->rq_len && !fg__park && (S->o.strategy < FG_RANDOM || (S->rq_len == 1 && S->o.strategy == FG_RANDOM));
}

static void pick_into(void *out)
{
    *(struct task **)out = pick();
}

/* pick() on the spare stack when the running task's is dense: the idle hooks, timers
 * and reports it may run need more room than a dense stack has. */
static struct task *pick_roomy(void)
{
    struct task *t;
    fg__spare_run(pick_into, &t);
    return t;
}

#ifdef FG_ASAN
/* The stack fg_run was called on, learnt when a task is first entered from it:
 * switching back must name it, or ASan loses track of the caller's stack. */
static const void *main_bottom;
static size_t main_size;
static bool leaving_main;

void fg__asan_landed(void *fake_stack)
{
    const void *bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
    if (leaving_main) {
        main_bottom = bottom;
        main_size = size;
        leaving_main = false;
    }
}
#endif

/* Returns the task switched from when `from` is resumed (on x86_64 without a load). */
static inline __attribute__((always_inline)) struct task *switch_to(struct task *from, struct task *to)
{
    struct ctx *fc = from ? &from->ctx : &S->main;
    struct ctx *tc = to ? &to->ctx : &S->main;
    /* x86_64's copied tasks take these two rare branches, so a switch between others tests
     * nothing more: one out of the shared stack has a canary that holds (copy.c), and one
     * to go on it has no stack while it is out */
    if (to && FG_UNLIKELY(!to->stack)) {
#ifdef FG_COPY_SHARED
        if (to->copy)
            tc = fg__copy_via(from, to);
        else
#endif
            fg__task_start(to);
    }
    if (from && FG_UNLIKELY(from->canary != NULL)) {
        if (FG_UNLIKELY(*from->canary != FG__CANARY)) {
            const struct stack *st = from->stack ? from->stack : S->zombie;
            fg__fail(FG_FAIL_OVERFLOW, "stack overflow: task %s ran past the end of its %zu-byte stack (canary)",
                     from->name, (size_t)st->size);
        }
#ifdef FG_COPY_SHARED
        if (FG_UNLIKELY(from->copy) && !(to && to->copy))   /* to a copied one: done above */
            tc = fg__copy_via(from, to);
#endif
    }
#ifdef FG_COPY_OWN
    if (FG_UNLIKELY((from && from->copy) | (to && to->copy)))
        fg__copy_switching(from, to);
#endif
    S->cur = to;
#ifdef FG_ASAN
    void **save = from && from->state == T_DONE ? NULL : from ? &from->fake_stack : NULL;
    void *fake_main = NULL;
    if (!from)
        save = &fake_main;
    leaving_main = !from;
    if (from && (from->stack || S->zombie))
        fg__stack_leaving(from->stack ? from->stack : S->zombie);
    __sanitizer_start_switch_fiber(save, to ? to->stack->lo : main_bottom, to ? to->stack->size : main_size);
    fg__ctx_switch(fc, tc);
    fg__asan_landed(from ? from->fake_stack : fake_main);
    return from;
#elif defined(FG_CTX_INLINE)
    /* our own ctx comes back in a register: a task's is its first field */
    struct ctx *self = fg__ctx_switch(fc, tc);
    return from ? FG_CONTAINER(self, struct task, ctx) : NULL;
#else
    fg__ctx_switch(fc, tc);
    return from;
#endif
}

void fg__instant(void)
{
    /* the last steps' times, for reports: several instants between two steps keep the last */
    struct instant *in = &S->instants[(S->ninstants - 1) % LAST_INSTANTS];
    if (!S->ninstants || in->step != S->steps)
        in = &S->instants[S->ninstants++ % LAST_INSTANTS];
    *in = (struct instant){S->steps, S->wheel.now};
    uint64_t room = S->o.max_steps - S->steps;
    S->step_limit = S->steps + (S->o.max_instant_steps < room ? S->o.max_instant_steps : room);
}

static void over_budget(void)
{
    if (S->steps > S->o.max_steps)
        fg__fail(FG_FAIL_LIVELOCK, "livelock: the sim passed its budget of %llu steps",
                 (unsigned long long)S->o.max_steps);
    fg__fail(FG_FAIL_LIVELOCK, "livelock: %llu steps without sim time advancing",
             (unsigned long long)S->o.max_instant_steps);
}

/* The stack of the task that ended last, given back once the switch left it (and in
 * FG_COPY_OWN builds, the copied stack of the task switched from, copied out). */
static inline __attribute__((always_inline)) void put_zombie(void)
{
    if (S->zombie) {
        fg__stack_put(S->zombie, S->zombie_dense);
        S->zombie = NULL;
    }
#ifdef FG_COPY_OWN
    if (S->copy_out)
        fg__copy_landed();
#endif
}

static inline __attribute__((always_inline)) void resumed(struct task *t)
{
    put_zombie();
    /* a yielded task may have been parked and woken meanwhile (host.c); a yield left it
     * T_RUNNING, and a test is cheaper than a store on a path bound by stores */
    if (t->state != T_RUNNING)
        t->state = T_RUNNING;
    __builtin_prefetch(t->canary);   /* read when it switches away: fetch it while the task runs (NULL: a no-op) */
    if (FG_UNLIKELY(++S->steps > S->step_limit))
        over_budget();
    fg__trace_step(t);
}

void fg__resumed(struct task *t)
{
    resumed(t);
}

/* Returns self, as the switch back gave it (in a register: nothing kept across the switch). */
static inline __attribute__((always_inline)) struct task *schedule(struct task *self)
{
    struct task *next;
    if (!self)
        __builtin_unreachable();   /* a task schedules: self comes back from the switch in a register */
    if (FG_LIKELY(first_runs())) {   /* without a call */
        next = take(0);
        if (!next)
            __builtin_unreachable();   /* the ring holds tasks: this switch needs no test for main */
        if (next != self)
            self = switch_to(self, next);
    } else {
        next = FG_UNLIKELY(self->dense) ? pick_roomy() : pick();
        if (next != self)
            self = switch_to(self, next);
    }
    /* back on self's stack */
    resumed(self);
    return self;
}

void fg__schedule(void)
{
    schedule(S->cur);
}

/* fg_yield when the fast path may not take it: refusals, cancellation, nobody else
 * ready, or a strategy that chooses. */
static __attribute__((noinline)) int yield_slow(struct task *t, const char *file, int line)
{
    fg__here(file, line);   /* for a misuse message, as the other blocking calls have it */
    if (FG_UNLIKELY(!S->active || !t))
        return fg__misuse("fg_yield", -EPERM, "called outside a running sim");
    if (FG_UNLIKELY(t->state != T_RUNNING || S->in_hook))
        return fg__misuse("fg_yield", -EPERM, "a callback may not block");
    if (FG_UNLIKELY(t->cancelled))
        fg__cancel_point(t);
    t->call = "fg_yield";
    t->file = file;
    t->line = line;
    fg__ready(t);
    schedule(t);
    return t->cancelled ? -ECANCELED : 0;
}

int fg_yield_(void)
{
    return fg__yield_at(fg__file, fg__line);
}

/* The site comes in registers: two stores and two loads fewer than through fg__here. */
int fg__yield_at(const char *file, int line)
{
    struct task *t = S->cur;
    /* one test for the common case (or'd, not branched; first_runs()'s terms among them):
     * yield_slow sorts out the rest */
    if (FG_UNLIKELY(!t) || FG_UNLIKELY((t->state ^ T_RUNNING) | S->in_hook | t->cancelled | !S->active |
                                       !S->rq_len | (S->o.strategy >= FG_RANDOM) | (fg__park != NULL)))
        return yield_slow(t, file, line);
    t->call = "fg_yield";
    t->file = file;
    t->line = line;
    struct task *next = rotate(t);
    if (!next)
        __builtin_unreachable();   /* the ready ring holds tasks: the switch needs no test for main */
    t = switch_to(t, next);
    resumed(t);
    return t->cancelled ? -ECANCELED : 0;
}

/* ---- blocking: every waiting call in fugue is built on these ---- */

static void timed_out(struct timer *tm)
{
    S->wheel.ahead = true;   /* other sleepers may follow: fg__timer_soon */
    fg__wake(FG_CONTAINER(tm, struct task, timer), -ETIMEDOUT);
}

/* A sleeper two wakes ahead: fetch the frames it will return through, from a little below
 * where it blocked (its frame there is ~100 bytes) up to its stack's top (past it lie another
 * task's frames), and a dense stack's canary, read as it switches away once it ended. `near`
 * is that frame's address (16-aligned) plus its task's `dense`: a dense stack of up to 4 KiB
 * ends on a bound of its size; any other is fetched up to the next 1 KiB bound. */
void fg__timer_soon(const void *near)
{
    uintptr_t dense = (uintptr_t)near & 15, p = (uintptr_t)near & ~(uintptr_t)15;
    if (dense == 15) {   /* a copied stack: its copy (copy.c), mostly within its slot */
        for (int off = 0; off < FG_COPY_SLOT; off += 64)
            __builtin_prefetch((const char *)p + off);
        return;
    }
    uintptr_t size = dense && dense <= 3 ? (uintptr_t)FG_STACK_DENSE_MIN << (dense - 1) : 1024;
    uintptr_t sp = (p - 128) & ~(uintptr_t)63, top = (p | (size - 1)) + 1;
    for (int off = 0; off < 576 && sp + off < top; off += 64)
        __builtin_prefetch((const char *)sp + off);
    if (dense && dense <= 3)
        __builtin_prefetch((const char *)(top - size));
}

/* Why a call may not block now: 0, or what it returns instead. */
static int cannot_block(struct task *t, fg_time deadline, const char *call)
{
    /* a callback run by the scheduler (monitor, drop, idle hook) is on a task that is not running */
    if (FG_UNLIKELY(t->state != T_RUNNING || S->in_hook))
        return fg__misuse(call, -EPERM, "a callback may not block");
    if (FG_UNLIKELY(t->cancelled)) {
        fg__cancel_point(t);
        return -ECANCELED;
    }
    return deadline <= S->wheel.now ? -ETIMEDOUT : 0;
}

static inline __attribute__((always_inline)) int block(struct task *t, fg_time deadline, const char *call)
{
    t->state = T_BLOCKED;
    t->call = call;
    t->file = fg__file;
    t->line = fg__line;
    if (deadline != FG_FOREVER) {
        t->timer.fire = timed_out;
#ifndef FG_UCONTEXT
        fg__timer_add_near(&S->wheel, &t->timer, deadline,
                           FG_UNLIKELY(t->copy) ? (char *)t + FG_TASK_STRIDE + 15
                                                : (char *)__builtin_frame_address(0) + t->dense);
#else
        fg__timer_add(&S->wheel, &t->timer, deadline);
#endif
    }
    t = schedule(t);
    return t->result;
}

int fg__block(fg_time deadline, const char *call)
{
    struct task *t = S->cur;
    int r = cannot_block(t, deadline, call);
    return r ? r : block(t, deadline, call);
}

int fg__wait(struct waitq *q, fg_time deadline, const char *call)
{
    struct task *t = S->cur;
    int r = cannot_block(t, deadline, call);
    if (r)
        return r;
    fg__waitq_push(q, t);
    return block(t, deadline, call);
}

/* block() on its own, not called from fg__wait: the other waits keep a single frame. */
int fg__block_unchecked(fg_time deadline, const char *call)
{
    return block(S->cur, deadline, call);
}

/* Called from fg_run on the main context: runs the sim until no task is left. */
void fg__sched_run(void)
{
    S->cur = NULL;
    struct task *next = pick();
    if (next)
        switch_to(NULL, next);
    put_zombie();
}

/* Switches away from a task that has ended (for good) to the next one, or to main. */
void fg__switch_final(struct task *self)
{
    struct task *next;
    if (!S->live)
        next = NULL;
    else if (first_runs())
        next = take(0);   /* a dense stack needs no room for that */
    else
        next = FG_UNLIKELY(self->dense) ? pick_roomy() : pick();
    switch_to(self, next);
    __builtin_unreachable();
}

/* Switches from a failed task straight back to fg_run. */
void fg__switch_main(void)
{
    switch_to(S->cur, NULL);
    __builtin_unreachable();
}
