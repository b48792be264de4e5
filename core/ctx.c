/* Building a fresh context for the assembly switch (inline on x86_64, see
 * internal.h; ctx_aarch64.S), the
 * portable ucontext fallback (meson -Dcontext=ucontext), or emscripten's
 * fibers in WebAssembly (meson -Dcontext=emscripten, docs/wasm.md). */
#include "internal.h"

#ifdef FG_UCONTEXT

void fg__ctx_make(struct ctx *c, void *lo, size_t size, void (*entry)(void))
{
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    makecontext(&c->uc, entry, 0);
}

void fg__ctx_switch(struct ctx *from, struct ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}

#elif defined(__EMSCRIPTEN__)

#include <emscripten/fiber.h>

/* wasm cannot switch stacks: a swap unwinds the call stack into the fiber's
 * asyncify buffer and rewinds the other's (link with -sASYNCIFY). */
static emscripten_fiber_t main_fiber;
static char main_unwound[64 * 1024];   /* the asyncify buffer of the thread's own stack */

static void start(void *entry)
{
    void (*fn)(void);
    memcpy(&fn, &entry, sizeof fn);
    fn();
}

/* The fiber lies at the top of the task's stack; below it the asyncify buffer
 * takes the upper half and the C stack the lower (wasm keeps few locals on the
 * C stack, and a swap must save every frame's locals). The C stack ends 16
 * bytes above the bottom: emscripten's own stack cookie goes there, and our
 * canary (stack.c) stays below it. */
void fg__ctx_make(struct ctx *c, void *lo, size_t size, void (*entry)(void))
{
    uintptr_t top = ((uintptr_t)lo + size - sizeof(emscripten_fiber_t)) & ~(uintptr_t)15;
    size_t half = ((top - (uintptr_t)lo) / 2) & ~(size_t)15;
    emscripten_fiber_t *f = (emscripten_fiber_t *)top;
    void *arg;
    memcpy(&arg, &entry, sizeof arg);
    emscripten_fiber_init(f, start, arg, (char *)lo + 16, half - 16, (char *)lo + half, top - (uintptr_t)lo - half);
    c->sp = f;
}

void fg__ctx_switch(struct ctx *from, struct ctx *to)
{
    if (!from->sp) {   /* the first switch of a sim leaves the thread's own stack */
        emscripten_fiber_init_from_current_context(&main_fiber, main_unwound, sizeof main_unwound);
        from->sp = &main_fiber;
    }
    emscripten_fiber_swap(from->sp, to->sp);
}

#elif defined(FG_CTX_INLINE)

/* The first switch jumps to entry() as if called: a zero return address (backtraces
 * stop there) on a 16-byte aligned stack, and a zero frame pointer. */
void fg__ctx_make(struct ctx *c, void *lo, size_t size, void (*entry)(void))
{
    uint64_t *sp = (uint64_t *)(((uintptr_t)lo + size) & ~(uintptr_t)15) - 1;
    *sp = 0;
    c->sp = sp;
    c->pc = (void *)(uintptr_t)entry;
    c->bp = NULL;
}

#else

void fg__ctx_start(void);

void fg__ctx_make(struct ctx *c, void *lo, size_t size, void (*entry)(void))
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
#if defined(__aarch64__)
    uint64_t *sp = (uint64_t *)(top - 176);
    uint64_t fpcr;
    memset(sp, 0, 176);
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    sp[0] = (uint64_t)(uintptr_t)entry;             /* x19 */
    sp[11] = (uint64_t)(uintptr_t)fg__ctx_start;    /* x30 */
    sp[20] = fpcr;
    c->sp = sp;
#else
#error "no assembly context switch for this architecture: configure with -Dcontext=ucontext"
#endif
}

#endif
