/* Building a fresh context for the assembly switch (ctx_<arch>.S), or the
 * portable ucontext fallback (meson -Dcontext=ucontext). */
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

#else

void fg__ctx_start(void);

void fg__ctx_make(struct ctx *c, void *lo, size_t size, void (*entry)(void))
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /* frame popped by fg__ctx_switch: r15, r14, r13, r12, rbx, rbp, return address */
    uint64_t *sp = (uint64_t *)top - 9;
    memset(sp, 0, 9 * sizeof *sp);
    sp[3] = (uint64_t)(uintptr_t)entry;  /* r12 */
    sp[6] = (uint64_t)(uintptr_t)fg__ctx_start;
    c->sp = sp;
#elif defined(__aarch64__)
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
