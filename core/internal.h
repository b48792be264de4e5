/* Internal interfaces of the core. Cross-file names carry the fg__ prefix. */
#ifndef FUGUE_INTERNAL_H
#define FUGUE_INTERNAL_H

#include "fugue.h"

#include <stdio.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define FG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FG_ASAN 1
#endif
#endif
#ifdef FG_ASAN
/* A task's way out, which never returns: ASan would put __asan_handle_no_return (a
 * sigaltstack call and a sweep of the stack) before each noreturn call in it, and the
 * stack is swept when it is taken again anyway (fg__stack_get) */
#define FG_NO_ASAN __attribute__((no_sanitize_address))
#else
#define FG_NO_ASAN
#endif

/* Paths that depend on what earlier sims left (pools, growth): kept out of line so
 * AFL++ can leave them uninstrumented (harness/afl-denylist.txt); see docs. */
#define FG_POOLED __attribute__((noinline))
/* The same for a hot path with such a branch inside: out of line only in AFL++ builds. */
#ifdef __AFL_COMPILER
#define FG_POOLED_HOT FG_POOLED
#else
#define FG_POOLED_HOT
#endif
#define FG_LIKELY(x) __builtin_expect(!!(x), 1)
#define FG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define FG_CONTAINER(p, type, field) ((type *)(void *)((char *)(p) - offsetof(type, field)))

/* ---- context switch (inline on x86_64, ctx_aarch64.S, or ctx.c: ucontext, emscripten) ---- */

#ifdef FG_UCONTEXT
#include <ucontext.h>
struct ctx { ucontext_t uc; };
#elif defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define FG_CTX_INLINE 1
struct ctx { void *sp, *pc, *bp; };
#else
struct ctx { void *sp; };
#endif
/* Prepares `c` to run entry() on [lo, lo+size) at its first switch. */
void fg__ctx_make(struct ctx *c, void *lo, size_t size, void (*entry)(void));
#ifdef FG_CTX_INLINE
#ifdef __AVX512F__
#define FG_CTX_CLOBBER_HI "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", \
    "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31",
#else
#define FG_CTX_CLOBBER_HI
#endif
/* Saves the stack, the frame pointer and where to resume in `from`, and jumps into `to`.
 * Inline, and every other register declared clobbered: the compiler saves only what
 * its caller keeps live (no call, no return, no six pushes and pops per switch).
 * Whoever resumes us jumps here with its `to` in rsi: our own ctx, so the caller
 * gets its task back without a load (ctx is a task's first field). The x87 and SSE
 * control words (rounding modes) are shared by all tasks, as in most coroutine libraries. */
static inline __attribute__((always_inline)) struct ctx *fg__ctx_switch(struct ctx *from, struct ctx *to)
{
    __asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
                     "movq %%rsp, (%%rdi)\n\t"
                     "movq %%rax, 8(%%rdi)\n\t"
                     "movq %%rbp, 16(%%rdi)\n\t"
                     "movq 16(%%rsi), %%rbp\n\t"
                     "movq (%%rsi), %%rsp\n\t"
                     "jmpq *8(%%rsi)\n"
                     "1:"
                     : "+D"(from), "+S"(to)
                     :
                     : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                       "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", FG_CTX_CLOBBER_HI "memory", "cc");
    return to;
}
#else
void fg__ctx_switch(struct ctx *from, struct ctx *to);
#endif

/* ---- stacks (stack.c): mmap'd, guard page below, pooled across sims ---- */

struct stack {
    char *lo;            /* lowest usable byte; the guard page (if any) is just below */
    char *guard;         /* the guard page below it, or below its slab; NULL if none */
    uint32_t size;       /* at most FG_STACK_MAX */
    bool guarded;        /* false past the kernel's mapping budget: a canary checks instead */
    bool dense;          /* packed with others in a slab (FG_STACK_DENSE_MAX): a canary checks */
    uint8_t cls;         /* a dense stack's size class */
#ifdef FG_ASAN
    char *poisoned;      /* below this ASan's shadow is clean: the lowest frame when it was left */
#endif
};
struct stack *fg__stack_get(size_t size);
/* A dense stack from the pool, or NULL when fg__stack_get must make one (it needs room: a syscall). */
struct stack *fg__stack_pooled(size_t size);
/* `dense`: the task's (its stack's class + 1, or 0): the stack's struct is then not read
 * (100,000 tasks ending in random order made that a miss each) */
void fg__stack_put(struct stack *s, uint8_t dense);
#ifdef FG_ASAN
/* Called from the switch away from a task on `s`: marks how deep its frames go. */
void fg__stack_leaving(struct stack *s);
#endif
#define FG__CANARY 0x6675677565f00dull   /* at the low end of a stack without a guard page */
/* True when `addr` lies in the guard page of `s`. */
bool fg__stack_in_guard(const struct stack *s, const void *addr);
/* Runs fn(arg) on a spare stack when the running task's stack is dense (reports and
 * messages need more than a dense stack may have), else right here. */
void fg__spare_run(void (*fn)(void *arg), void *arg);

/* ---- timers (timer.c): hierarchical wheel, ties fire in insertion order ---- */

#define WHEEL_LEVELS 11
struct timer {
    fg_time deadline;
    void (*fire)(struct timer *t);
    uint32_t idx;                  /* where it was armed: its entry, or one forwarding to it */
    uint8_t level, slot;
    bool armed;
};
/* t NULL: cancelled. near: where what firing it touches lies (a sleeper's frames), fetched
 * with its timer two fires ahead without a read of the timer first; NULL if nothing */
struct went { fg_time deadline; struct timer *t; const void *near; };
struct slotv { struct went *v; uint32_t len, cap; };
/* A wheel must start zeroed (static or calloc); its arrays are kept across sims. */
struct wheel {
    fg_time now;
    uint64_t occupied[WHEEL_LEVELS];
    struct slotv slots[WHEEL_LEVELS][64];
    struct slotv due;                       /* deadline reached, not fired yet */
    size_t count;                           /* armed timers */
    uint64_t big[WHEEL_LEVELS];             /* slots grown past SLOT_KEEP: freed by the next init */
    bool due_big;
    bool ahead;                             /* a fired timer asks that the next ones be fetched */
    bool fetching;                          /* the last advance did: its slots need not be fetched */
    struct went *kept;                      /* each slot's first SLOT_KEEP entries (timer.c) */
};
void fg__wheel_init(struct wheel *w);
const char *fg__wheel_at_rest(const struct wheel *w);   /* NULL, or what a sim left behind */
/* Arms `t` for `deadline` (> w->now). */
void fg__timer_add(struct wheel *w, struct timer *t, fg_time deadline);
void fg__timer_add_near(struct wheel *w, struct timer *t, fg_time deadline, const void *near);
void fg__timer_cancel(struct wheel *w, struct timer *t);
/* Advances time to the earliest deadline and fires every timer due then, in
 * order. Returns false when no timer is pending. */
bool fg__wheel_advance(struct wheel *w);
/* sched.c: fetches the frames a sleeper blocked `near` will return through. The wheel fetches
 * ahead only after a fire callback set `ahead` (a sleeper's wake does): bare timers
 * (bench_core's timer_insert_and_fire) paid 8% for it. */
void fg__timer_soon(const void *near);

/* ---- tasks and the sim ---- */

/* A task that yielded with others ready (fg_yield's fast path) waits in the ready ring
 * still T_RUNNING: only S->cur's state is ever asked whether it runs (a parked one is
 * T_BLOCKED, a woken one T_READY), and a store per yield is a thirtieth of a switch. */
enum { T_READY, T_RUNNING, T_BLOCKED, T_DONE };

struct waitq { struct task *head, *tail; };

/* 192 bytes on x86_64, on 3 whole lines of a chunk (task.c): 100,000 sleepers
 * touch each line at their wake, and a fourth line was a fourth miss. What a task needs
 * only until it first runs shares room with what it needs only once it ran. */
struct task {
    union {
        struct ctx ctx;
        uint32_t stack_size;       /* asked for at spawn, until it first runs (fg__task_start) */
    };
    struct stack *stack;           /* NULL until it first runs (fg__task_start), once it ended, and while its copied stack is out (x86_64) */
    const uint64_t *canary;        /* its stack's canary, checked at each switch; NULL: a guard page */
    const char *name;
    uint8_t state;
    bool primary, cancelled, aborted, join_claimed, dropped;
    uint8_t dense;                 /* its stack is dense (fugue's heavier work goes to the spare stack): its class + 1 */
    bool prio_set : 1, prio_drawn : 1;   /* PCT/POS (prio.c) */
    bool copy : 1, copied : 1, spilled : 1;   /* its stack is copied (copy.c); is out now; has had a copy too long for its slot */
    /* call..group: a step's record, copied in two stores (struct steprec) */
    const char *call, *file;       /* where it blocked, for reports and the trace */
    int line;
    uint32_t nspans;               /* its open spans (span.c), beside what each step records */
    int id, group;
    int result;                    /* what a wake hands to the blocked call */
    uint32_t cancel_budget;        /* scheduling points left once cancelled */
    struct timer timer;            /* the blocking call's deadline */
    struct waitq *wq;              /* the queue it waits in, if any */
    struct task *wq_next, *wq_prev;
    struct waitq joiners;
    union {
        struct {
            void *wait_data;       /* for the primitive it waits on */
            void *wait_aux;        /* a second word for it (a channel's receiver: where the size goes) */
        };
        struct {
            fg_fn fn;              /* what it runs: read as it first runs, before it can wait */
            void *arg;
        };
    };
    const char **spans;            /* outermost first; sim memory */
    uint32_t spans_cap;
    uint32_t prio;                 /* PCT/POS (prio.c) */
#ifdef FG_ASAN
    void *fake_stack;
#endif
};
#if defined(FG_CTX_INLINE) && !defined(FG_ASAN)
_Static_assert(sizeof(struct task) == 192, "struct task: 3 cache lines");
#endif
/* A task's slot in its chunk (task.c): whole lines; a copied stack's task has a copy slot
 * (struct copyimg, copy.c) after it. */
#define FG_TASK_STRIDE ((sizeof(struct task) + 63) & ~(size_t)63)
#define FG_COPY_SLOT 256

/* ---- copied stacks (copy.c) ----
 * x86_64: tasks share one stack and a switch copies through a small stack of its own.
 * ASan and aarch64 builds: each has its own stack, copied all the same, and its pages are
 * closed while it is out, so a pointer into it used meanwhile is caught (fail.c). ucontext
 * and emscripten: each has its own stack, not copied. */
#if defined(FG_CTX_INLINE) && !defined(FG_ASAN)
#define FG_COPY_SHARED 1
#elif !defined(FG_UCONTEXT) && !defined(__EMSCRIPTEN__)
#define FG_COPY_OWN 1
#endif
/* Where a copied task's wait keeps what others write for it (a channel's item or
 * out-parameters): in its slot, not on its stack, which is out while it waits. */
struct fg_item *fg__copy_box(struct task *t);
#ifdef FG_COPY_SHARED
/* A copied task's place on the shared stack and first frame, as it first runs (fg__task_start);
 * elsewhere a copied task starts on a stack of its own, as any other. */
void fg__copy_start(struct task *t, void (*entry)(void));
/* The switch from `from` to `to` when either is copied: goes through the copier's stack. */
struct ctx *fg__copy_via(struct task *from, struct task *to);
#elif defined(FG_COPY_OWN)
/* Before the switch: `to`'s stack back in; after it (fg__copy_landed): `from`'s out. */
void fg__copy_switching(struct task *from, struct task *to);
void fg__copy_landed(void);
#endif
/* The task whose copied-out stack holds `addr` (a use of a pointer into it), or NULL. */
struct task *fg__copy_owner(const void *addr);
/* At the sim's end: each task's stack or its slot's copy given back; NULL if it was the shared one. */
struct stack *fg__copy_release(struct task *t);

/* Runs when no task is ready, before time advances; returns true if it woke a task. */
struct idle_hook {
    bool (*run)(struct idle_hook *h);
    struct idle_hook *next;
    bool queued;
};

/* call..group in struct task's order: a step copies them in two stores; span is set only when nspans is.
 * No time: a step's time is that of the last instant begun before it (struct instant). */
struct steprec { const char *call, *file; int line; uint32_t nspans; int task, group; const char *span; };
#define LAST_STEPS 16
/* when sim time moved (after `step` steps), one per step at most: the last steps' times
 * (more than LAST_STEPS: instants may begin after the last step too) */
struct instant { uint64_t step; fg_time time; };
#define LAST_INSTANTS (2 * LAST_STEPS)
/* a host fault (crash, restart, pause, resume, partition, heal): the report names the last ones */
struct faultrec { fg_time time; uint64_t step; int task, a, b; const char *what; };
#define LAST_FAULTS 16

enum { SRC_BYTES, SRC_RNG, SRC_ODOMETER };
#define FG_PRIO_SLOTS 16           /* tasks whose first priority is in the header */

struct sim {
    fg_opts o;
    struct ctx main;
    struct task *cur;
    struct task **tasks;           /* by id */
    int ntasks, tasks_cap;
    struct task **rq;              /* ready ring, wake order */
    uint32_t rq_head, rq_len, rq_cap;
    struct wheel wheel;
    int live, live_primary;
    bool ending, failed, active;
    bool watch_wakes;              /* on_feature or on_event: fg__wake tells them (hint.c) */
    struct task *waker;            /* a wake from the scheduler on behalf of this task (a granted lock) */
    int in_hook;                   /* depth of user callbacks running: none of them may block */
    uint64_t steps;
    uint64_t step_limit;           /* the nearer of the total and this instant's step budgets */
    uint64_t hash;
    uint64_t choices;
    struct idle_hook *idle_head, *idle_tail;
    /* the choice stream */
    int src;
    const uint8_t *in;
    size_t in_len, in_pos;
    bool tail;                     /* bytes past the input's end come from rng (tag version 2) */
    uint64_t rng[4];
    uint8_t *rec;                  /* bytes read (rng, odometer modes) */
    size_t rec_len, rec_cap;
    struct odometer *odo;
    size_t odo_pos;
    /* PCT/POS parameters (prio.c) */
    uint8_t prio0[FG_PRIO_SLOTS];
    uint32_t cp[FG_PCT_MAX_DEPTH - 1];
    uint64_t prio_steps;           /* PCT: steps with more than one ready task */
    /* groups, by first use */
    const char **groups;
    int ngroups, groups_cap;
    /* sim-lifetime memory */
    struct arena_block *arena;
    /* every sync object's stats, for fg_sim_stats_last (stats.c) */
    struct tracked { void *st; uint8_t kind; } *tracked;
    size_t ntracked, tracked_cap;
    /* trace */
    struct steprec last[LAST_STEPS];
    struct instant instants[LAST_INSTANTS];
    uint64_t ninstants;
    struct faultrec faults[LAST_FAULTS];
    uint64_t nfaults;
    struct stack *zombie;          /* stack of the task that just ended, freed after the switch */
    struct stack *copy_stack;      /* the copied tasks' shared stack (copy.c) */
    struct task *copy_out;         /* FG_COPY_OWN: switched away from, copied out once landed */
    uint8_t zombie_dense;          /* fg__stack_put's `dense` for it */
    fg_outcome outcome;
    char report[8192];
    size_t report_len;
};

extern struct sim fg__sim;
#define S (&fg__sim)

/* Around every user callback (monitors, call hooks, on_step, on_failure, drop
 * callbacks): a blocking call inside one returns -EPERM. */
static inline void fg__hook_enter(void) { S->in_hook++; }
static inline void fg__hook_leave(void) { S->in_hook--; }

/* sched.c */
void fg__rq_grow(void);
/* preempt.c: a choice between the running task (0) and each ready one, which then runs at
 * once while the running task waits first in line; `call` and file:line name the point.
 * Strategies other than FG_RANDOM switch to the chosen task. */
void fg__preempt(const char *call, const char *file, int line);
/* Appends t to the ready ring (wake order). */
static inline void fg__ready(struct task *t)
{
    if (FG_UNLIKELY(S->rq_len == S->rq_cap))
        fg__rq_grow();
    t->state = T_READY;
    S->rq[(S->rq_head + S->rq_len++) & (S->rq_cap - 1)] = t;
}
/* Picks the next task (advancing time, detecting deadlock) and switches to it. */
void fg__schedule(void);
/* Where a task lands after each switch: frees the last zombie stack, counts the step. */
void fg__resumed(struct task *t);
void fg__idle_hook(struct idle_hook *h);
/* A new instant began (or the sim did): its step budget starts now. */
void fg__instant(void);
/* From fg_run, on the main context: runs tasks until none is left. */
void fg__sched_run(void);
FG_NORETURN void fg__switch_final(struct task *self);
#ifdef FG_ASAN
/* Ends a fiber switch on the stack switched to (fake_stack: what it saved when it left). */
void fg__asan_landed(void *fake_stack);
#endif
FG_NORETURN void fg__switch_main(void);

/* task.c */
struct task *fg__task_get(bool copy);
/* Gives a task that never ran its stack and its first frame, just before it runs:
 * tasks that have not started own no stack, and a new task's frame is written hot. */
void fg__task_start(struct task *t);
/* A stack of `size` for t, pooled or made (fails the run, naming t, when out of memory). */
struct stack *fg__task_stack(const struct task *t, uint32_t size);
void fg__tasks_release(void);
/* Blocks the current task until woken or `deadline`; returns the wake's result,
 * -ETIMEDOUT, or -ECANCELED. Records `call` and the caller's site for reports. */
int fg__block(fg_time deadline, const char *call);
/* Blocks in queue `q` (FIFO) as fg__block does. */
int fg__wait(struct waitq *q, fg_time deadline, const char *call);
/* fg__block once the caller knows it may block (running, not in a hook, not cancelled, deadline
 * ahead) and has queued the task where its waker finds it. */
int fg__block_unchecked(fg_time deadline, const char *call);
/* Makes a blocked task ready; its blocking call returns `result`. */
void fg__wake(struct task *t, int result);
/* A wait queue's FIFO order, inline: every block and wake goes through them. */
static inline void fg__waitq_push(struct waitq *q, struct task *t)
{
    t->wq = q;
    t->wq_next = NULL;
    t->wq_prev = q->tail;
    if (q->tail)
        q->tail->wq_next = t;
    else
        q->head = t;
    q->tail = t;
}

static inline void fg__waitq_remove(struct task *t)
{
    struct waitq *q = t->wq;
    if (!q)
        return;
    if (t->wq_prev)
        t->wq_prev->wq_next = t->wq_next;
    else
        q->head = t->wq_next;
    if (t->wq_next)
        t->wq_next->wq_prev = t->wq_prev;
    else
        q->tail = t->wq_prev;
    t->wq = NULL;
}

/* Wakes the first task in `q`; returns it, or NULL. */
struct task *fg__wake_first(struct waitq *q, int result);

/* Entry checks shared by the API: returns the current task, or NULL after a misuse message. */
struct task *fg__current(const char *call);
/* Prints "fugue: task X: call: what" and returns err. */
int fg__misuse(const char *call, int err, const char *fmt, ...) FG_PRINTF(3, 4);
/* Cancels every live task at the end of a sim, in id order. */
void fg__cancel_all(void);
FG_NORETURN void fg__task_exit(void);
/* Count a scheduling point of a cancelled task; drops it when its budget is spent. */
void fg__cancel_point(struct task *t);

int fg__spawn(fg_fn fn, void *arg, const char *name, int group, bool primary, size_t stack_size);

/* set by host.c while a host is paused (a task of it that becomes ready is parked), so the
 * scheduler needs no net code to be linked: core builds without the network stay whole */
extern bool (*fg__park)(struct task *t);
/* host.c: no host paused any more (the network's end of sim) */
void fg__hosts_end(void);

/* sim.c */
int fg__group(const char *name);
char *fg__strdup(const char *s);
/* sim.c: an object of the sim freed one by one (fg__sim_free) or with the sim; NULL when out of memory */
void *fg__sim_malloc(size_t n);
void fg__sim_free(void *p);
/* keep.c: n bytes (16-aligned) for the life of the process, never freed, outside malloc's heap */
void *fg__keep(size_t n);
/* keep.c: a mapping of its own of n bytes (page-aligned), made on the spare stack, or NULL;
 * given back by fg__unmap */
void *fg__map(size_t n);
void fg__unmap(void *p, size_t n);
/* keep.c: a kept array grown from old to n bytes (old ones copied), outside malloc's heap; NULL when out of memory */
void *fg__keep_grow(void *p, size_t old, size_t n);
/* Runs fn(ud) when the sim ends (after its tasks), newest first: modules free their state there. */
int fg__at_end(void (*fn)(void *ud), void *ud);
void fg__end_hooks(void);
void fg__result(fg_result *r);

/* choice.c */
uint64_t fg__raw(unsigned nbytes);
void fg__rng_seed(uint64_t seed);
struct odometer;
struct odometer *fg__odo_new(void);
void fg__odo_free(struct odometer *o);
/* Moves to the next sequence of choices; false when the tree is done. */
bool fg__odo_next(struct odometer *o, size_t used);
/* A header parameter of nbytes: read raw from the input, or in rng mode `v` recorded. */
uint64_t fg__param(unsigned nbytes, uint64_t v);
uint64_t fg__rng_u64(void);

/* hint.c: a hand-off to t from the running task, for opts.on_feature and opts.on_event */
void fg__handoff(struct task *t);
/* fg__wake inline, for a hot hand-off (a channel's sender to its receiver) */
static inline void fg__wake_inline(struct task *t, int result)
{
    if (t->state != T_BLOCKED)
        return;
    t->result = result;
    if (FG_UNLIKELY(S->watch_wakes))
        fg__handoff(t);
    if (t->timer.armed)
        fg__timer_cancel(&S->wheel, &t->timer);
    if (t->wq)
        fg__waitq_remove(t);
    fg__ready(t);
}

/* prio.c: PCT and POS */
/* Reads the strategy tag at the input's front into `o`; *skip: its length. -EPROTO if unknown. */
int fg__tag_read(const uint8_t *data, size_t len, fg_opts *o, size_t *skip);
void fg__prio_begin(fg_fn root);
void fg__prio_end(fg_fn root);
/* The index in the ready ring of the task to run next. */
uint32_t fg__prio_pick(void);
/* A layer's preemption point (preempt.c): 0 keeps the running task, i + 1 runs ready task i. */
uint32_t fg__prio_preempt(void);
/* The running task yields because it waits for others (a spin): it drops below every priority. */
void fg__prio_yield(void);

/* trace.c */
static inline uint64_t fg__mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}
void fg__trace_hook(struct task *t);
/* Folds a step into the trace hash and the ring of last steps. */
static inline void fg__trace_step(struct task *t)
{
    fg_time now = S->wheel.now;
    S->hash = fg__mix(S->hash, ((uint64_t)(uint32_t)t->id << 32) ^ (uint64_t)now);
    struct steprec *r = &S->last[S->steps % LAST_STEPS];
    _Static_assert(offsetof(struct task, file) - offsetof(struct task, call) == offsetof(struct steprec, file) &&
                       offsetof(struct task, line) - offsetof(struct task, call) == offsetof(struct steprec, line) &&
                       offsetof(struct task, nspans) - offsetof(struct task, call) == offsetof(struct steprec, nspans) &&
                       offsetof(struct task, id) - offsetof(struct task, call) == offsetof(struct steprec, task) &&
                       offsetof(struct task, group) - offsetof(struct task, call) == offsetof(struct steprec, group),
                   "struct steprec's head mirrors struct task's call..group");
    memcpy(r, &t->call, offsetof(struct steprec, span));
    if (FG_UNLIKELY(t->nspans))
        r->span = t->spans[t->nspans - 1];
    if (FG_UNLIKELY(S->o.on_step != NULL))
        fg__trace_hook(t);
}
void fg__report_last_steps(void);
/* A host fault happened (`what` on group a, and b or -1; a -1: every group): kept for the
 * report, told to on_event. Not hashed: the choices that led to it already are. */
void fg__fault(const char *what, int a, int b);
void fg__report_faults(void);
/* span.c: "in span `a` › `b` " for a step of t that was `depth` spans deep, innermost `top` */
void fg__span_path(const struct task *t, uint32_t depth, const char *top);
/* Tells opts.on_event (callers test it is set): at this step, from the running task if any. */
void fg__event(fg_event_kind kind, int task, int from, uint64_t id, const char *name, const char *file, int line);
/* The running task's id, or -1 when the scheduler or a timer is running. */
static inline int fg__running_id(void)
{
    return S->cur && S->cur->state == T_RUNNING ? S->cur->id : -1;
}
/* A layer's name for a site ("prog+0x11a3") turned into file:line when a report or a
 * trace prints it; weak: defined by the pthread layer, absent otherwise. */
void fg__site_print(const char **file, int *line) __attribute__((weak));
static inline void fg__site_fix(const char **file, int *line)
{
    if (fg__site_print && *file)
        fg__site_print(file, line);
}

/* stats.c: a new object's stats count in the sim's summary (kind: FG__ST_*) */
enum { FG__ST_MUTEX, FG__ST_RWLOCK, FG__ST_SEM, FG__ST_QUEUE };
void fg__stats_track(void *stats, int kind);
/* Sums the tracked stats while the sim's memory is still there (before the end hooks). */
void fg__stats_collect(void);
/* From the network's end hook: its counters join the summary. */
void fg__stats_net(const fg_net_stats *net);

/* rest.c, with each module's own part: NULL when at rest, else what is not */
#ifdef FG_REST_CHECK
void fg__rest_check(void);
#endif
const char *fg__sim_at_rest(void);
const char *fg__tasks_at_rest(void);
const char *fg__stacks_at_rest(void);
const char *fg__pkts_at_rest(void);

/* fail.c */
/* Ends the sim with a failure: prints the report (headed by `msg`), then aborts,
 * or returns to fg_run when return_on_failure is set. */
FG_NORETURN void fg__fail(fg_outcome kind, const char *fmt, ...) FG_PRINTF(2, 3);
void fg__signals_install(void);
void fg__rep(const char *fmt, ...) FG_PRINTF(1, 2);
void fg__fmt_time(char *buf, size_t n, fg_time t);

#endif
