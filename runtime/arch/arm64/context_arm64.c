/*
 * context_arm64.c - building the first frame of a new AArch64 context and
 * adopting the current thread's stack. The switch is in context_arm64.S.
 *
 * Invariants: the frame built here is the 160-byte frame that
 * gort__context_switch restores: x19 = entry, x20 = arg, lr (x30) =
 * gort__context_start, everything else zero; sp 16-byte aligned.
 */
#include <stdint.h>
#include <string.h>

#include "arch/context.h"

void gort__context_start(void);

const char gort__context_backend[] = "arm64";
const bool gort__context_switch_is_costly = false;

void gort__context_start_current(struct gort_context *c, void (*fn)(void *),
                                 void *arg) {
  c->sp = 0;
  fn(arg);
}

void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void (*entry)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + stack_size) & ~(uintptr_t)15;
  uintptr_t *frame = (uintptr_t *)(top - 160);
  memset(frame, 0, 160);
  frame[0] = (uintptr_t)entry;                /* x19 */
  frame[1] = (uintptr_t)arg;                  /* x20 */
  frame[11] = (uintptr_t)gort__context_start; /* x30 */
  c->sp = frame;
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
