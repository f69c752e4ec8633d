/*
 * context_amd64.c - building the first frame of a new x86-64 context and
 * adopting the current thread's stack. The switch itself is in
 * context_amd64.S.
 *
 * Invariants: the frame built here has exactly the shape that
 * gort__context_switch pops: r15, r14, r13, r12, rbx, rbp, then the return
 * address (gort__context_start), with rsp 16-byte aligned after the ret
 * (top is aligned and the ret pops the slot just below it).
 */
#include <stdint.h>

#include "arch/context.h"

void gort__context_start(void);

const char gort__context_backend[] = "amd64";
const bool gort__context_switch_is_costly = false;

void gort__context_start_current(struct gort_context *c, void (*fn)(void *),
                                 void *arg) {
  c->sp = 0;
  fn(arg);
}

void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void (*entry)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + stack_size) & ~(uintptr_t)15;
  uintptr_t *sp = (uintptr_t *)top;
  *--sp = (uintptr_t)gort__context_start;
  *--sp = 0;                /* rbp */
  *--sp = 0;                /* rbx */
  *--sp = (uintptr_t)entry; /* r12 */
  *--sp = (uintptr_t)arg;   /* r13 */
  *--sp = 0;                /* r14 */
  *--sp = 0;                /* r15 */
  c->sp = sp;
}

void *gort__context_saved_sp(const struct gort_context *c) { return c->sp; }

const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size) {
  *size = 0; /* pushed on the stack, above sp */
  return c;
}

const void *gort__context_saved_data(const struct gort_context *c,
                                     size_t *size) {
  (void)c;
  *size = 0; /* nothing outside the stack natively */
  return NULL;
}
