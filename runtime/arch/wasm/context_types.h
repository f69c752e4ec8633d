/*
 * context_types.h (wasm) - a suspended wasm stack (context_wasm.c): where
 * its C (shadow) stack stood and what bounds it, and the buffer that holds
 * the Asyncify data of its unwound call chain (the wasm locals and call
 * positions of every frame).
 *
 * Invariants: while suspended, stack_limit < sp <= stack_base, and saved
 * is sp - saved_len rounded down to 16 (on its own stack, below sp) or
 * spill (then saved_len <= spill_cap). Nothing here names a worker: a context
 * resumes on any.
 *
 * Locking: none (arch/context.h).
 */
#ifndef GORT_ARCH_CONTEXT_TYPES_H
#define GORT_ARCH_CONTEXT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gort_context_entry;

struct gort_context {
  void (*entry)(void *); /* called to start it and, rewinding, to resume it */
  void *arg;
  /* Made by gort__context_make_body: the loop calls how->start(arg) once,
   * then body(body_arg) (which it calls again to rewind, in entry's place),
   * then how->finish(arg); else NULL. */
  const struct gort_context_entry *how;
  void (*body)(void *);
  void *body_arg;
  bool started;          /* entered once: a switch to it rewinds */
  bool is_thread;        /* a thread's own: run_from_thread's, never unwound */
  uintptr_t sp;          /* __stack_pointer while suspended */
  uintptr_t stack_base;  /* its stack's highest address */
  uintptr_t stack_limit; /* the lowest address the stack check allows */
  /* Its Asyncify data while suspended: [saved, saved + saved_len), just
   * below sp on its own stack, or in spill when the stack has no room. */
  char *saved;
  size_t saved_len;
  char *spill; /* spill_cap bytes from the C heap, or NULL; kept on reuse */
  size_t spill_cap;
};

/* The switch (context_wasm.c's context_switch) is called straight from
 * the frame that switches: a call through this pointer, inlined, so that
 * no frame of its own sits between the switching frame and the call that
 * starts the unwind. Through a pointer, never a direct call, so that no
 * inliner (LLVM's or Binaryen's, which runs before Asyncify) can merge the
 * uninstrumented switch into an instrumented caller. */
extern void (*volatile const gort__wasm_context_switch)(struct gort_context *,
                                                        struct gort_context *);

#define GORT_CONTEXT_SWITCH_INLINE 1

/* The loop calls a goroutine's body itself (gort__context_make_body): one
 * frame fewer under every switch. */
#define GORT_CONTEXT_MAKE_BODY 1

/* A loop body that runs while contexts switch is a function of its own
 * (arch/context.h, GORT_CONTEXT_LOOP_BODY): V8 runs a function that never
 * returns in its baseline tier for good. */
#define GORT_CONTEXT_LOOP_BODY __attribute__((noinline))
static inline void gort__context_switch(struct gort_context *from,
                                        struct gort_context *to) {
  gort__wasm_context_switch(from, to);
}

#endif
