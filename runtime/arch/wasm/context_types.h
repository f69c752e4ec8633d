/*
 * context_types.h (wasm) - a suspended wasm stack (context_wasm.c): where
 * its C (shadow) stack stood and what bounds it, and the buffer that holds
 * the Asyncify data of its unwound call chain (the wasm locals and call
 * positions of every frame).
 *
 * Invariants: saved_len <= saved_cap; stack_limit < sp <= stack_base
 * while suspended. Nothing here names a worker: a context resumes on any.
 *
 * Locking: none (arch/context.h).
 */
#ifndef GORT_ARCH_CONTEXT_TYPES_H
#define GORT_ARCH_CONTEXT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gort_context {
  void (*entry)(void *); /* called to start it and, rewinding, to resume it */
  void *arg;
  bool started;          /* entered once: a switch to it rewinds */
  bool is_thread;        /* a thread's own: run_from_thread's, never unwound */
  uintptr_t sp;          /* __stack_pointer while suspended */
  uintptr_t stack_base;  /* its stack's highest address */
  uintptr_t stack_limit; /* the lowest address the stack check allows */
  char *saved;           /* its Asyncify data: [saved, saved + saved_len) */
  size_t saved_len;
  size_t saved_cap;
};

#endif
