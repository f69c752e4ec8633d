/*
 * context_wasm.c - the context backend for Emscripten: every goroutine is a
 * fiber (Asyncify unwinds the wasm call stack into the fiber's buffer and
 * rewinds it on resume), and an M's own thread stack is the fiber made by
 * emscripten_fiber_init_from_current_context.
 *
 * Invariants:
 *   - A fiber may be resumed on any worker: wasm/post.js gives every export
 *     the same Asyncify call-stack id in every worker (WASM.md, "Migration
 *     between workers").
 *   - The scratch memory passed in is the Asyncify buffer; its size bounds
 *     how deep a goroutine can be when it switches.
 *
 * Locking: none (see context.h).
 */
#include <emscripten/fiber.h>

#include "../context.h"

const char gort__context_backend[] = "wasm-fiber";

/* The Asyncify buffer of each goroutine: it holds the wasm locals of every
 * frame on the goroutine's call chain while it is switched out. */
const size_t gort__context_scratch_size = 16 * 1024;

void gort__context_init_current(struct gort_context *c, void *scratch,
                                size_t scratch_size) {
  emscripten_fiber_init_from_current_context(&c->fiber, scratch, scratch_size);
}

void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void *scratch, size_t scratch_size,
                        void (*entry)(void *), void *arg) {
  emscripten_fiber_init(&c->fiber, entry, arg, stack_lo, stack_size, scratch,
                        scratch_size);
}

void gort__context_switch(struct gort_context *from, struct gort_context *to) {
  emscripten_fiber_swap(&from->fiber, &to->fiber);
}

void *gort__context_saved_sp(const struct gort_context *c) {
  return c->fiber.stack_ptr; /* the wasm locals are in the scratch buffer */
}
