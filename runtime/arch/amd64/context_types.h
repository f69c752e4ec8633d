/*
 * context_types.h (amd64) - a suspended x86-64 stack is just its stack
 * pointer: gort__context_switch pushes the callee-saved registers (rbx,
 * rbp, r12-r15) and the return address onto the stack it leaves.
 *
 * Invariants: sp is 0 while the context runs; it is set only by the switch
 * that suspends it.
 */
#ifndef GORT_ARCH_CONTEXT_TYPES_H
#define GORT_ARCH_CONTEXT_TYPES_H

struct gort_context {
  void *sp;
};

#endif
