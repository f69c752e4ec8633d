/*
 * context_types.h (wasm) - a suspended wasm stack is an Emscripten fiber:
 * its C (shadow) stack range in linear memory and its Asyncify buffer, which
 * holds the wasm locals of the unwound call chain.
 */
#ifndef GORT_ARCH_CONTEXT_TYPES_H
#define GORT_ARCH_CONTEXT_TYPES_H

#include <emscripten/fiber.h>

struct gort_context {
  emscripten_fiber_t fiber;
};

#endif
