/* fg__ctx_switch(struct ctx *from, struct ctx *to) for AAPCS64: x19-x30 and
 * d8-d15 are callee-saved; they go on the current stack, whose pointer is
 * stored in from->sp, and `to` is resumed the same way. */
    .text
    .globl fg__ctx_switch
    .hidden fg__ctx_switch
    .type fg__ctx_switch, %function
fg__ctx_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]
    mov x9, sp
    str x9, [x0]
    ldr x9, [x1]
    mov sp, x9
    ldr x9, [sp, #160]
    msr fpcr, x9
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .size fg__ctx_switch, .-fg__ctx_switch

/* First code a new context runs: x19 holds its entry function; a zero frame
 * pointer and link register end backtraces here. */
    .globl fg__ctx_start
    .hidden fg__ctx_start
    .type fg__ctx_start, %function
fg__ctx_start:
    mov x29, #0
    mov x30, #0
    br x19
    .size fg__ctx_start, .-fg__ctx_start

    .section .note.GNU-stack,"",%progbits
