/* fg__ctx_switch(struct ctx *from, struct ctx *to): saves the callee-saved
 * registers on the current stack, stores its pointer in from->sp, and
 * resumes `to` the same way. The SysV ABI makes every other register the
 * caller's problem, which is why a switch costs a handful of instructions.
 * The x87 and SSE control words (rounding modes) are shared by all tasks, as
 * in most coroutine libraries: loading them on every switch would double its cost. */
    .text
    .globl fg__ctx_switch
    .hidden fg__ctx_switch
    .type fg__ctx_switch, @function
fg__ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size fg__ctx_switch, .-fg__ctx_switch

/* First code a new context runs: r12 holds its entry function. It jumps there
 * as if called, with a zero return address so backtraces stop here. */
    .globl fg__ctx_start
    .hidden fg__ctx_start
    .type fg__ctx_start, @function
fg__ctx_start:
    .cfi_startproc
    .cfi_undefined rip
    xorl %ebp, %ebp
    pushq $0
    jmpq *%r12
    .cfi_endproc
    .size fg__ctx_start, .-fg__ctx_start

    .section .note.GNU-stack,"",@progbits
