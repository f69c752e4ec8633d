/*
 * context_ucontext.c - the portable context backend on getcontext /
 * makecontext / swapcontext. Chosen with -DGORT_CONTEXT=ucontext, or by
 * the build on CPUs without an assembly backend.
 *
 * makecontext passes int arguments only, so entry and arg are split into
 * 32-bit halves and joined again in ucontext_start.
 *
 * Invariants: uc_link is NULL; entry never returns.
 */
#include <stdint.h>
#include <stdlib.h>

#include "arch/context.h"

const char gort__context_backend[] = "ucontext";
const bool gort__context_switch_is_costly = false;

static void ucontext_start(unsigned int e_hi, unsigned int e_lo,
                           unsigned int a_hi, unsigned int a_lo) {
  uintptr_t e = ((uintptr_t)(((uint64_t)e_hi << 32) | e_lo));
  uintptr_t a = ((uintptr_t)(((uint64_t)a_hi << 32) | a_lo));
  void (*entry)(void *) = (void (*)(void *))e;
  entry((void *)a);
  abort(); /* entry must not return */
}

void gort__context_start_current(struct gort_context *c, void (*fn)(void *),
                                 void *arg) {
  getcontext(&c->uc);
  fn(arg);
}

void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void (*entry)(void *), void *arg) {
  uint64_t e = (uint64_t)(uintptr_t)entry, a = (uint64_t)(uintptr_t)arg;
  getcontext(&c->uc);
  c->uc.uc_stack.ss_sp = stack_lo;
  c->uc.uc_stack.ss_size = stack_size;
  c->uc.uc_link = NULL;
  makecontext(&c->uc, (void (*)(void))ucontext_start, 4,
              (unsigned int)(e >> 32), (unsigned int)e, (unsigned int)(a >> 32),
              (unsigned int)a);
}

void gort__context_switch(struct gort_context *from, struct gort_context *to) {
  swapcontext(&from->uc, &to->uc);
}

/* The collector must see a parked context's callee-saved registers and
 * the live part of its stack, and nothing else: swapcontext also saves
 * caller-saved registers (r8, r9... dead across the call) and the frames
 * below the stack pointer are dead, and both keep stale addresses that
 * would hold a dropped object alive (a finalized object's, found here).
 * Where glibc's mcontext layout is known (Linux on x86-64 and AArch64)
 * these name exactly the live state; elsewhere all of c and the whole
 * stack, which is safe but retains more. */
#if defined(__x86_64__) && defined(__linux__)
void *gort__context_saved_sp(const struct gort_context *c) {
  /* Less the red zone, to be safe. */
  return (void *)(uintptr_t)(c->uc.uc_mcontext.gregs[REG_RSP] - 128);
}

const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size) {
  /* r12, r13, r14, r15, rdi, rsi, rbp, rbx: glibc's gregs order keeps the
   * six callee-saved ones in this run (rdi and rsi hold the two contexts:
   * harmless to scan). */
  *size = (REG_RBX + 1 - REG_R12) * sizeof(greg_t);
  return &c->uc.uc_mcontext.gregs[REG_R12];
}
#elif defined(__aarch64__) && defined(__linux__)
void *gort__context_saved_sp(const struct gort_context *c) {
  return (void *)(uintptr_t)c->uc.uc_mcontext.sp;
}

const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size) {
  *size = (29 + 1 - 19) * sizeof c->uc.uc_mcontext.regs[0]; /* x19-x29 */
  return &c->uc.uc_mcontext.regs[19];
}
#else
void *gort__context_saved_sp(const struct gort_context *c) {
  (void)c;
  return NULL;
}

const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size) {
  *size = sizeof *c;
  return c;
}
#endif

const void *gort__context_saved_data(const struct gort_context *c,
                                     size_t *size) {
  (void)c;
  *size = 0; /* nothing outside the stack natively */
  return NULL;
}

/* The thread's own context is saved like any other here. An alias, not a
 * wrapper: under TSan a wrapper's entry would be counted on the target
 * fiber (gswitch switches TSan's fiber first) and its exit on the
 * thread's. */
void gort__context_run_from_thread(struct gort_context *self,
                                   struct gort_context *to)
    __attribute__((alias("gort__context_switch")));
