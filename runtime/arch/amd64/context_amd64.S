/*
 * context_amd64.S - the x86-64 System V context switch.
 *
 * gort__context_switch(from, to), also gort__context_run_from_thread
 * (the thread's own context needs nothing else here): push the callee-saved registers on the
 * current stack, store rsp into from->sp, load to->sp, pop, return on the
 * other stack. Caller-saved registers are dead across a call, so nothing
 * else needs saving (the idea of Go's gogo/mcall in asm_amd64.s, reduced to
 * the System V callee-saved set).
 *
 * gort__context_start: where a new context's first switch "returns". The
 * frame built by gort__context_make leaves entry in r12 and arg in r13.
 * Invariants: rsp is 16-byte aligned on arrival, so the call below enters
 * entry with the alignment the ABI promises.
 */
        .text
        .globl  gort__context_switch
        .type   gort__context_switch, @function
        .hidden gort__context_switch
        /* The thread's own context is saved like any other here: one
         * label, no C wrapper (under TSan a wrapper's entry would be
         * counted on the target fiber and its exit on the thread's). */
        .globl  gort__context_run_from_thread
        .type   gort__context_run_from_thread, @function
        .hidden gort__context_run_from_thread
gort__context_switch:
gort__context_run_from_thread:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    (%rsi), %rsp
        movq    $0, (%rsi)
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   gort__context_switch, .-gort__context_switch

        .globl  gort__context_start
        .type   gort__context_start, @function
        .hidden gort__context_start
gort__context_start:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %r13, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   gort__context_start, .-gort__context_start

        .section .note.GNU-stack,"",@progbits
