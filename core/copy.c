/* Copied stacks (fg_opts.stack_copy): a task keeps only the bytes of its stack it uses
 * while it is switched away, in the slot after its task (sim memory past that), so many
 * sleepers cost a few hundred bytes each instead of a stack each. */
#include "internal.h"
#include "fugue/sync.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(FG_COPY_SHARED) || defined(FG_COPY_OWN)

/* `in` first, on whole lines: a copy-out writes lines, and reads none it need not. Nothing in
 * it is set at spawn (a fourth line touched each): heap and cap mean something once spilled. */
struct copyimg {
    char in[FG_COPY_SLOT - 16 - sizeof(fg_item)];
    uint32_t len;          /* the copy's: from the saved sp to the stack's top */
    uint32_t cap;          /* heap's size */
    char *heap;            /* the copy when it is longer than `in`: sim memory */
    fg_item box;           /* what others write for it while it waits (chan.c) */
};
_Static_assert(sizeof(struct copyimg) == FG_COPY_SLOT, "a copy slot");

static struct copyimg *img(const struct task *t)
{
    return (struct copyimg *)(void *)((char *)t + FG_TASK_STRIDE);
}

static char *data(struct copyimg *m)
{
    return m->len <= sizeof m->in ? m->in : m->heap;
}

#ifdef FG_COPY_SHARED
static char *top(const struct task *t)
{
    (void)t;   /* a task copied out has no stack: the shared one's top */
    return S->copy_stack->lo + S->copy_stack->size;
}
#else
static char *top(const struct task *t)
{
    return t->stack->lo + t->stack->size;
}
#endif

/* Room for a copy of `len` bytes, asked for while `t` still runs (a failure names it). */
static void reserve(struct task *t, size_t len)
{
    struct copyimg *m = img(t);
    if (len <= sizeof m->in || (t->spilled && len <= m->cap))
        return;
    size_t cap = (len + 4095) & ~(size_t)4095;
    char *h = fg__sim_malloc(cap);
    if (!h)
        fg__fail(FG_FAIL_CRASH, "out of memory for the copy of task %s's stack (%zu bytes) as it leaves in %s",
                 t->name, len, t->call);
    if (t->spilled)
        fg__sim_free(m->heap);
    t->spilled = true;
    m->heap = h;
    m->cap = (uint32_t)cap;
}

/* A copy ASan does not check: a stack's frames hold its poisoned redzones. */
static FG_NO_ASAN void move(char *dst, const char *src, size_t n)
{
#ifdef FG_ASAN
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
        __asm__ volatile("" ::: "memory");   /* no memcpy made of it: ASan's checks the range */
    }
#else
    memcpy(dst, src, n);
#endif
}

static void copy_out(struct task *t)
{
    struct copyimg *m = img(t);
    char *sp = t->ctx.sp;
    m->len = (uint32_t)(top(t) - sp);
    move(data(m), sp, m->len);
    t->copied = true;
#ifdef FG_COPY_SHARED
    t->stack = NULL;   /* the next switch to it comes through fg__copy_via */
#endif
}

static void copy_in(struct task *t)
{
    struct copyimg *m = img(t);
    move(top(t) - m->len, data(m), m->len);
    t->copied = false;
}

fg_item *fg__copy_box(struct task *t)
{
    return &img(t)->box;
}

#endif

#ifdef FG_COPY_SHARED

/* The copier runs between two tasks on a stack of its own: it copies out the task that left
 * the shared stack and copies in the one that comes, then jumps into it. */
static const uint64_t copy_canary = FG__CANARY;
static char copier_stack[16 * 1024] __attribute__((aligned(64)));
static struct ctx copier, copier_left;
static struct task *via_from, *via_to;

static void copier_run(void)
{
    if (via_from)
        copy_out(via_from);
    if (via_to && via_to->copy)
        copy_in(via_to);
    fg__ctx_switch(&copier_left, via_to ? &via_to->ctx : &S->main);
    __builtin_unreachable();
}

/* A call: the switching function is no leaf, so none of its data lies below sp (the red
 * zone, which the copy would miss). Its frame lies below the switch's sp: a bound for it. */
__attribute__((noinline)) struct ctx *fg__copy_via(struct task *from, struct task *to)
{
    if (to && to->copy && !to->stack) {
        if (!to->copied)
            fg__task_start(to);   /* its first run */
        to->stack = S->copy_stack;
    }
    via_from = NULL;
    if (from && from->copy && from->state != T_DONE && !S->failed) {   /* a failed sim resumes no task */
        reserve(from, (size_t)(top(from) - (char *)__builtin_frame_address(0)));
        via_from = from;
    }
    via_to = to;
    fg__ctx_make(&copier, copier_stack, sizeof copier_stack, copier_run);
    return &copier;
}

void fg__copy_start(struct task *t, void (*entry)(void))
{
    if (!S->copy_stack)
        S->copy_stack = fg__task_stack(t, t->stack_size);
    t->stack = S->copy_stack;
    /* never NULL: the switch away from it tests that, and then whether it is copied */
    t->canary = t->stack->guarded ? &copy_canary : (const uint64_t *)(void *)t->stack->lo;
    t->dense = 0;
    /* fg__ctx_make's first frame, written by the copier: the shared stack may be in use */
    struct copyimg *m = img(t);
    m->len = 8;
    memset(m->in, 0, 8);
    t->copied = true;
    t->ctx.sp = top(t) - 8;
    t->ctx.pc = (void *)(uintptr_t)entry;
    t->ctx.bp = NULL;
}

struct task *fg__copy_owner(const void *addr)
{
    (void)addr;
    return NULL;   /* a copied-out stack is another task's now: nothing tells them apart */
}

struct stack *fg__copy_release(struct task *t)
{
    if (t->spilled)
        fg__sim_free(img(t)->heap);
    return t->stack == S->copy_stack ? NULL : t->stack;
}

#elif defined(FG_COPY_OWN)

/* A copied-out stack's pages, closed while it is out: a pointer into it faults (fail.c). */
static char *closed_from(const struct task *t)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    return (char *)((uintptr_t)(top(t) - img(t)->len) & ~(page - 1));
}

static void set_open(struct task *t, bool open)
{
    char *lo = closed_from(t);
    if (mprotect(lo, (size_t)(top(t) - lo), open ? PROT_READ | PROT_WRITE : PROT_NONE) != 0)
        fg__fail(FG_FAIL_CRASH, "mprotect of task %s's copied stack failed (%s) in %s", t->name, strerror(errno), t->call);
}

void fg__copy_switching(struct task *from, struct task *to)
{
    if (to && to->copied) {
        set_open(to, true);
        copy_in(to);
    }
    S->copy_out = from && from->copy && from->state != T_DONE ? from : NULL;
}

void fg__copy_landed(void)
{
    struct task *t = S->copy_out;
    S->copy_out = NULL;
    reserve(t, (size_t)(top(t) - (char *)t->ctx.sp));
    copy_out(t);
    set_open(t, false);
}

struct task *fg__copy_owner(const void *addr)
{
    for (int i = 0; i < S->ntasks; i++) {
        struct task *t = S->tasks[i];
        if (t->copied && (const char *)addr >= closed_from(t) && (const char *)addr < top(t))
            return t;
    }
    return NULL;
}

struct stack *fg__copy_release(struct task *t)
{
    if (t->copied)
        set_open(t, true);
    if (t->spilled)
        fg__sim_free(img(t)->heap);
    return t->stack;
}

#else

fg_item *fg__copy_box(struct task *t)
{
    (void)t;
    return NULL;   /* not called: no task is copied in these builds */
}

struct task *fg__copy_owner(const void *addr)
{
    (void)addr;
    return NULL;
}

struct stack *fg__copy_release(struct task *t)
{
    return t->stack;
}

#endif
