/*
 * context_types.h (arm64) - a suspended AArch64 stack is its stack pointer:
 * gort__context_switch stores x19-x30 and d8-d15 (the AAPCS64 callee-saved
 * set plus fp and lr) in a 160-byte frame on the stack it leaves.
 *
 * Invariants: sp is 0 while the context runs.
 */
#ifndef GORT_ARCH_CONTEXT_TYPES_H
#define GORT_ARCH_CONTEXT_TYPES_H

struct gort_context {
  void *sp;
};

#endif
