/* Tasks: spawning, ending, joining, cancelling, waking (the blocking primitive
 * every waiting call in fugue is built on is the scheduler's, in sched.c). */
#include "internal.h"

#include <stdlib.h>
#include <sys/mman.h>
#ifdef FG_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* Scheduling points a cancelled task gets to wind down before it is dropped. */
#define CANCEL_BUDGET 1000

/* Task structs: a task is freed only when its sim ends, so they are cut in spawn order from
 * chunks kept from sim to sim (whole lines each, a chunk a mapping of its own). Cut from the
 * sim's arena (malloc'd blocks), 100,000 tasks' 19 MB were given back by glibc's trim at the
 * sim's end and faulted in again by the next: 4,700 faults, ~65 ns a task. Past CHUNKS_KEPT
 * (48 MiB: ~250,000 tasks, ~100,000 with copied stacks) chunks are given back when the sim
 * ends. ASan builds take each from malloc, which checks it.
 * A chunk is a huge page's size and bound, and one mapped for a task with a copied stack
 * (copy.c) is asked to be a huge page: its tasks and their slots are then all a wake touches
 * beside the shared stack, with no TLB miss, and 512 faults are one. 100,000 copied sleepers:
 * 438 -> 360 ns a task cold, 298 -> 268 warm. Dense stacks' own pages miss the TLB anyway (no
 * gain measured there): sims without copied stacks keep small pages. */
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#define HUGE_CHUNKS 1
#define CHUNK_BYTES ((size_t)2 * 1024 * 1024)
#define CHUNKS_KEPT 24
#else
#define CHUNK_BYTES ((size_t)256 * 1024)
#define CHUNKS_KEPT 192
#endif
static size_t taken;        /* tasks cut this sim (ASan: taken from malloc) */
#ifndef FG_ASAN
static size_t cut;          /* bytes cut this sim, chunk after chunk */
static char **chunks;       /* kept array */
static size_t nchunks, chunks_cap;
#endif

/* `size`: the task's slot, with a copied stack's slot after it (copy.c) */
static FG_POOLED struct task *task_new(size_t size)
{
#ifdef FG_ASAN
    struct task *t = fg__sim_malloc(size);
    taken += t != NULL;
    return t;
#else
    if (cut % CHUNK_BYTES + size > CHUNK_BYTES)
        cut = (cut / CHUNK_BYTES + 1) * CHUNK_BYTES;   /* no slot across two chunks */
    size_t c = cut / CHUNK_BYTES;
    if (c == nchunks) {
        if (nchunks == chunks_cap) {
            size_t cap = chunks_cap ? chunks_cap * 2 : 16;
            char **v = fg__keep_grow(chunks, chunks_cap * sizeof *v, cap * sizeof *v);
            if (!v)
                return NULL;
            chunks = v;
            chunks_cap = cap;
        }
#ifdef HUGE_CHUNKS
        /* twice the size, trimmed to one on a huge page's bound */
        char *p = fg__map(2 * CHUNK_BYTES);
        if (!p)
            return NULL;
        char *a = (char *)(((uintptr_t)p + CHUNK_BYTES - 1) & ~(uintptr_t)(CHUNK_BYTES - 1));
        if (a > p)
            fg__unmap(p, (size_t)(a - p));
        fg__unmap(a + CHUNK_BYTES, (size_t)(p + CHUNK_BYTES - a));
        chunks[nchunks] = a;
        if (size > FG_TASK_STRIDE)   /* a copied stack's task */
            madvise(a, CHUNK_BYTES, MADV_HUGEPAGE);
#else
        if (!(chunks[nchunks] = fg__map(CHUNK_BYTES)))
            return NULL;
#endif
        nchunks++;
    }
    struct task *t = (struct task *)(void *)(chunks[c] + cut % CHUNK_BYTES);
    cut += size;
    taken++;
    return t;
#endif
}

FG_POOLED struct task *fg__task_get(bool copy)
{
    size_t size = FG_TASK_STRIDE + (copy ? FG_COPY_SLOT : 0);
    struct task *t = task_new(size);
    if (t)
        memset(t, 0, sizeof *t);
    return t;
}

const char *fg__tasks_at_rest(void)
{
    return taken ? "a task outlived the sim" : NULL;
}

/* Returns every task of the sim; a stack still held is one whose task never ended. */
void fg__tasks_release(void)
{
    for (int i = 0; i < S->ntasks; i++) {
        struct task *t = S->tasks[i];
        struct stack *st = t->copy ? fg__copy_release(t) : t->stack;
        if (st)
            fg__stack_put(st, t->dense);
#ifdef FG_ASAN
        fg__sim_free(t);
#endif
    }
    if (S->copy_stack)
        fg__stack_put(S->copy_stack, 0);
    S->copy_stack = NULL;
    S->ntasks = 0;
    taken = 0;
#ifndef FG_ASAN
    cut = 0;
    while (nchunks > CHUNKS_KEPT)
        fg__unmap(chunks[--nchunks], CHUNK_BYTES);
#endif
}

struct misuse { const char *call, *fmt; va_list *ap; };

static void misuse_v(void *arg)
{
    const struct misuse *u = arg;
    /* one write per message: stderr is unbuffered, and a hostile target makes thousands a run */
    char line[512];
    int n = S->active && S->cur ? snprintf(line, sizeof line, "fugue: task %s: %s: ", S->cur->name, u->call)
                                : snprintf(line, sizeof line, "fugue: %s: ", u->call);
    if (n < 0 || (size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    int m = vsnprintf(line + n, sizeof line - 1 - (size_t)n, u->fmt, *u->ap);
    if (m > 0)
        n = (size_t)m >= sizeof line - 1 - (size_t)n ? (int)sizeof line - 2 : n + m;
    line[n] = '\n';
    fwrite(line, 1, (size_t)n + 1, stderr);
}

int fg__misuse(const char *call, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fg__spare_run(misuse_v, &(struct misuse){call, fmt, &ap});
    va_end(ap);
    return err;
}

struct task *fg__current(const char *call)
{
    if (FG_UNLIKELY(!S->active || !S->cur)) {
        fg__misuse(call, -EPERM, "called outside a running sim");
        return NULL;
    }
    return S->cur;
}

static FG_NO_ASAN void entry(void)
{
#ifdef FG_ASAN
    fg__asan_landed(NULL);
#endif
    struct task *t = S->cur;
    fg__resumed(t);
    t->fn(t->arg);   /* read before it can wait: they share room with wait_data/wait_aux */
    fg__task_exit();
}

struct take { struct stack *s; uint32_t size; };

static void take_stack(void *arg)
{
    struct take *k = arg;
    k->s = fg__stack_get(k->size);
}

struct stack *fg__task_stack(const struct task *t, uint32_t size)
{
    struct take k = {fg__stack_pooled(size), size};
    /* a dense stack has no room for mapping a slab: that runs on the spare stack */
    if (!k.s)
        fg__spare_run(take_stack, &k);
    if (!k.s)
        fg__fail(FG_FAIL_CRASH, "out of memory for the stack of task %s (%u bytes)", t->name, size);
    return k.s;
}

void fg__task_start(struct task *t)
{
#ifdef FG_COPY_SHARED
    if (t->copy) {
        fg__copy_start(t, entry);
        return;
    }
#endif
    uint32_t size = t->stack_size;   /* shares room with ctx: read before fg__ctx_make */
    t->stack = fg__task_stack(t, size);
    t->canary = t->stack->guarded ? NULL : (const uint64_t *)(void *)t->stack->lo;
    t->dense = t->stack->dense ? (uint8_t)(t->stack->cls + 1) : 0;
    fg__ctx_make(&t->ctx, t->stack->lo, t->stack->size, entry);
}

static void end_task(struct task *t)
{
    t->state = T_DONE;
    S->live--;
    if (t->primary)
        S->live_primary--;
    fg__timer_cancel(&S->wheel, &t->timer);
    /* only a claimed join waits there: a task nobody joins leaves that line unread */
    if (t->join_claimed) {
        S->waker = t;   /* its end hands off to the joiners */
        while (fg__wake_first(&t->joiners, t->aborted ? -ECANCELED : 0))
            ;
        S->waker = NULL;
    }
    S->zombie = t->stack == S->copy_stack ? NULL : t->stack;  /* still under our feet: freed after the switch */
    S->zombie_dense = t->dense;
    t->stack = NULL;
    if (S->live_primary == 0 && !S->ending)
        fg__cancel_all();
}

FG_NO_ASAN void fg__task_exit(void)
{
    struct task *t = S->cur;
    end_task(t);
    fg__switch_final(t);
}

FG_NO_ASAN void fg__cancel_point(struct task *t)
{
    if (t->cancel_budget-- > 0)
        return;
    t->dropped = true;
    end_task(t);
    fg__switch_final(t);
}

static int spawn(fg_fn fn, void *arg, const char *name, int group, bool primary, size_t stack_size, bool copy);

int fg_spawn_(fg_fn fn, void *arg, const char *fname, fg_spawn_opts o)
{
    struct task *self = fg__current("fg_spawn");
    if (!self)
        return -EPERM;
    if (!fn)
        return fg__misuse("fg_spawn", -EINVAL, "no function given");
    if (o.stack_size > FG_STACK_MAX)
        return fg__misuse("fg_spawn", -EINVAL, "a stack of %zu bytes is more than FG_STACK_MAX", o.stack_size);
    if (o.stack_copy && o.stack_size)
        return fg__misuse("fg_spawn", -EINVAL, "a copied stack is the sim's (fg_opts.stack_size): no .stack_size with .stack_copy");
    if (S->ending)
        return -ECANCELED;
    /* the function's name is a literal: only a caller's name needs a copy */
    return spawn(fn, arg, o.name ? fg__strdup(o.name) : fname, o.group ? fg__group(o.group) : self->group,
                 o.primary, o.stack_size, o.stack_copy || (S->o.stack_copy && !o.stack_size));
}

/* Spawns without the API's checks; the root task is made this way. */
static FG_POOLED int tasks_grow(void)
{
    int cap = S->tasks_cap ? S->tasks_cap * 2 : 64;
    struct task **v = fg__keep_grow(S->tasks, (size_t)S->tasks_cap * sizeof *v, (size_t)cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    S->tasks = v;
    S->tasks_cap = cap;
    return 0;
}

int fg__spawn(fg_fn fn, void *arg, const char *name, int group, bool primary, size_t stack_size)
{
    return spawn(fn, arg, fg__strdup(name), group, primary, stack_size, S->o.stack_copy && !stack_size);
}

/* `name` is kept as it is: sim memory or a literal. */
static int spawn(fg_fn fn, void *arg, const char *name, int group, bool primary, size_t stack_size, bool copy)
{
#if !defined(FG_COPY_SHARED) && !defined(FG_COPY_OWN)
    copy = false;   /* ucontext and emscripten: a stack of its own, of the copied stack's size */
#endif
    if (S->ntasks == S->tasks_cap && tasks_grow() < 0)
        return -ENOMEM;
    struct task *t = fg__task_get(copy);
    if (!t)
        return -ENOMEM;
    t->stack_size = (uint32_t)(stack_size ? stack_size : S->o.stack_size);
    if (S->o.stack_copy || copy) {
        /* a copied stack, at least 16 KiB: not dense (reports run on it) */
        if (!stack_size && t->stack_size < 16 * 1024)
            t->stack_size = 16 * 1024;
        t->copy = copy;
    }
    t->fn = fn;
    t->arg = arg;
    t->name = name;
    t->group = group;
    t->primary = primary;
    t->id = S->ntasks;
    t->call = "start";
    S->tasks[S->ntasks++] = t;
    S->live++;
    S->live_primary += primary;
    fg__ready(t);
    return t->id;
}

/* ---- waking (blocking is the scheduler's: sched.c) ---- */

void fg__wake(struct task *t, int result)
{
    fg__wake_inline(t, result);
}

struct task *fg__wake_first(struct waitq *q, int result)
{
    struct task *t = q->head;
    if (t)
        fg__wake(t, result);
    return t;
}

void fg__cancel_all(void)
{
    S->ending = true;
    for (int i = 0; i < S->ntasks; i++) {
        struct task *t = S->tasks[i];
        if (t->state == T_DONE || t->cancelled)
            continue;
        t->cancelled = true;
        t->cancel_budget = CANCEL_BUDGET;
        fg__wake(t, -ECANCELED);
    }
}

/* ---- the task API ---- */

int fg_sleep_until_(fg_time when)
{
    struct task *t = fg__current("fg_sleep");
    if (!t)
        return -EPERM;
    if (when <= S->wheel.now)
        return fg_yield_();
    int r = fg__block(when, "fg_sleep");
    return r == -ETIMEDOUT ? 0 : r;
}

int fg_sleep_(fg_time d)
{
    /* saturating would turn a finite sleep into a deadlock report; say what happened */
    if (d > 0 && d != FG_FOREVER && S->active && S->cur && S->cur->state == T_RUNNING && !S->in_hook &&
        d > FG_FOREVER - S->wheel.now) {
        char now[32];
        fg__fmt_time(now, sizeof now, S->wheel.now);
        fg__fail(FG_FAIL_LIVELOCK, "livelock: sim time exhausted: fg_sleep(%lld ns) at %s would pass "
                 "the end of sim time (INT64_MAX ns, about 292 years)", (long long)d, now);
    }
    return fg_sleep_until_(fg_after(d));
}

static struct task *lookup(const char *call, int id)
{
    if (id < 0 || id >= S->ntasks) {
        fg__misuse(call, -EINVAL, "no task %d in this sim", id);
        return NULL;
    }
    return S->tasks[id];
}

int fg_join_(int id, fg_time deadline)
{
    struct task *self = fg__current("fg_join");
    if (!self)
        return -EPERM;
    struct task *t = lookup("fg_join", id);
    if (!t)
        return -EINVAL;
    if (t == self)
        return fg__misuse("fg_join", -EDEADLK, "task %s joins itself", t->name);
    if (t->join_claimed)
        return fg__misuse("fg_join", -EINVAL, "task %s (%d) was joined already", t->name, id);
    int r = 0;
    t->join_claimed = true;
    if (t->state != T_DONE)
        r = fg__wait(&t->joiners, deadline, "fg_join");
    else if (t->aborted)
        r = -ECANCELED;
    if (r == -ETIMEDOUT || (r == -ECANCELED && t->state != T_DONE))
        t->join_claimed = false;  /* the join didn't happen: it may be tried again */
    return r;
}

int fg_abort(int id)
{
    if (!fg__current("fg_abort"))
        return -EPERM;
    struct task *t = lookup("fg_abort", id);
    if (!t)
        return -EINVAL;
    if (t->state == T_DONE || t->cancelled)
        return 0;
    t->cancelled = t->aborted = true;
    t->cancel_budget = CANCEL_BUDGET;
    fg__wake(t, -ECANCELED);
    return 0;
}

int fg_self(void)
{
    return S->active && S->cur ? S->cur->id : -EPERM;
}

const char *fg_name(void)
{
    return S->active && S->cur ? S->cur->name : NULL;
}

const char *fg_group(void)
{
    return S->active && S->cur ? S->groups[S->cur->group] : NULL;
}

bool fg_cancelled(void)
{
    return S->active && S->cur && S->cur->cancelled;
}

/* Declared in fugue.h since the start, defined nowhere: code shared with the real program asks it. */
bool fg_in_sim(void)
{
    return S->active && S->cur;
}
