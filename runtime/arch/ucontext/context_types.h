/*
 * context_types.h (ucontext) - the portable fallback keeps a ucontext_t.
 * Slow (swapcontext saves the signal mask with a syscall) but available on
 * every POSIX system with <ucontext.h>.
 */
#ifndef GORT_ARCH_CONTEXT_TYPES_H
#define GORT_ARCH_CONTEXT_TYPES_H

#include <ucontext.h>

struct gort_context {
  ucontext_t uc;
};

#endif
