/*
 * context_arm64.S - the AArch64 context switch.
 *
 * gort__context_switch(from = x0, to = x1), also
 * gort__context_run_from_thread (nothing else for a thread's own): store the callee-saved set
 * (x19-x28, fp, lr, d8-d15) in a 160-byte frame on the current stack, save
 * sp into from->sp, load to->sp, restore the same frame and return through
 * the restored lr (Go's gogo in asm_arm64.s, reduced to AAPCS64's
 * callee-saved registers).
 *
 * gort__context_start: the lr of a new context's first frame; entry is in
 * x19 and arg in x20 (see context_arm64.c). sp stays 16-byte aligned.
 */
        .text
        .globl  gort__context_switch
        .type   gort__context_switch, %function
        .hidden gort__context_switch
        /* The thread's own context is saved like any other here: one
         * label, no C wrapper (under TSan a wrapper's entry would be
         * counted on the target fiber and its exit on the thread's). */
        .globl  gort__context_run_from_thread
        .type   gort__context_run_from_thread, %function
        .hidden gort__context_run_from_thread
        .p2align 2
gort__context_switch:
gort__context_run_from_thread:
        sub     sp, sp, #160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x9, sp
        str     x9, [x0]
        ldr     x9, [x1]
        str     xzr, [x1]
        mov     sp, x9
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8,  d9,  [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        ret
        .size   gort__context_switch, .-gort__context_switch

        .globl  gort__context_start
        .type   gort__context_start, %function
        .hidden gort__context_start
        .p2align 2
gort__context_start:
        mov     x29, xzr
        mov     x30, xzr
        mov     x0, x20
        blr     x19
        brk     #0
        .size   gort__context_start, .-gort__context_start

        .section .note.GNU-stack,"",%progbits
