/*
 * context_wasm.c - the context backend for Emscripten: every goroutine is a
 * fiber (Asyncify unwinds the wasm call stack into the fiber's buffer and
 * rewinds it on resume), and an M's own thread stack is the fiber made by
 * emscripten_fiber_init_from_current_context.
 *
 * Invariants:
 *   - A fiber may be resumed on any worker: wasm/post.js gives every export
 *     the same Asyncify call-stack id in every worker (docs/WASM-NOTES.md,
 *     "Migration between workers").
 *   - The scratch memory passed in is the Asyncify buffer; its size bounds
 *     how deep a goroutine can be when it switches.
 *   - A goroutine's C stack pointer never goes below stack_lo +
 *     WASM_RED_ZONE, and nothing is stored below stack_lo by a frame:
 *     every move of the stack pointer is checked against the fiber's
 *     limit (STACK_OVERFLOW_CHECK=2, which Emscripten's linker inserts in
 *     every function of the module, whatever flags it was compiled with),
 *     and the limit sits WASM_RED_ZONE above the stack's end, so that a
 *     leaf function's frame kept below an unmoved stack pointer still lies
 *     inside the stack.
 *
 * Locking: none (see context.h).
 */
#include <emscripten/fiber.h>

#include "arch/context.h"

const char gort__context_backend[] = "wasm-fiber";

/* The Asyncify buffer of each goroutine: it holds the wasm locals of every
 * frame on the goroutine's call chain while it is switched out. */
const size_t gort__context_scratch_size = 16 * 1024;

void gort__context_init_current(struct gort_context *c, void *scratch,
                                size_t scratch_size) {
  emscripten_fiber_init_from_current_context(&c->fiber, scratch, scratch_size);
}

/* LLVM lets a wasm leaf function keep a frame of up to 128 bytes below the
 * stack pointer without moving it (LLVM's WebAssemblyFrameLowering.h,
 * RedZoneSize), and the stack check only sees moves: a leaf called with
 * the stack pointer at the limit would store up to 128 bytes below it,
 * on a guardless target into the memory below the stack (the neighbouring
 * slot's Asyncify buffer). So the limit given to the fiber is that much
 * above the stack's end. */
enum { WASM_RED_ZONE = 128 };

void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void *scratch, size_t scratch_size,
                        void (*entry)(void *), void *arg) {
  emscripten_fiber_init(&c->fiber, entry, arg, (char *)stack_lo + WASM_RED_ZONE,
                        stack_size - WASM_RED_ZONE, scratch, scratch_size);
}

void gort__context_switch(struct gort_context *from, struct gort_context *to) {
  emscripten_fiber_swap(&from->fiber, &to->fiber);
}

void *gort__context_saved_sp(const struct gort_context *c) {
  return c->fiber.stack_ptr; /* the wasm locals are in the scratch buffer */
}

const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size) {
  *size = sizeof *c; /* the fiber record: no registers, scanned whole */
  return c;
}

void *gort__context_saved_scratch_end(const struct gort_context *c,
                                      void *scratch) {
  /* Asyncify writes a suspended fiber's locals from the buffer's start up
   * to its current position (emscripten/fiber.h, asyncify_data_t). */
  void *end = c->fiber.asyncify_data.stack_ptr;
  return (char *)end >= (char *)scratch ? end : NULL;
}
