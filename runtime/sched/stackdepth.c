/*
 * stackdepth.c - GORT_DEBUG=stackdepth=1: how deep goroutine stacks go,
 * for choosing a stack size (on wasm, where stacks cannot be lazily
 * committed, a goroutine costs its whole stack).
 *
 * A stack handed out (gort__stackalloc) is painted with PAINT from just
 * above its bottom (BOTTOM_BYTES) to its top; when it is given back (goexit0's
 * gort__stackfree) the lowest byte that no longer holds PAINT marks how
 * deep the goroutine went, and the deepest such figure is kept. A frame
 * can skip bytes without writing them (an array left unwritten), so the
 * figure is a lower bound of the depth reached; every byte of it was
 * written. gort_stack_deepest_bytes also measures the calling goroutine's
 * own stack, which is still in use.
 *
 * Painting writes every byte of every stack: natively that commits whole
 * stacks (a debugging cost, off by default).
 *
 * Invariants: a stack is painted only while no goroutine runs on it
 * (before its first frame) and measured only after its goroutine ended
 * or by that goroutine itself.
 *
 * Locking: none; the deepest figure is an atomic maximum.
 */
#include "arch/sanitizer.h"
#include "atomic/atomic.h"
#include "debug/debugvars.h"
#include "sched/runtime2.h"
#include "sched/stack.h"

/* The bottom BOTTOM_BYTES of a stack are not painted: the canary of an
 * unguarded stack (proc.c's make_first_frame starts the context 16 bytes
 * up), and on wasm the fiber's red zone and the stack cookie Emscripten's
 * stack check writes at the limit (arch/wasm/context_wasm.c). A goroutine
 * that reaches them is about to overflow anyway. */
enum { PAINT = 0xa5, BOTTOM_BYTES = 256 };

static _Atomic(uint64_t) deepest;

static bool enabled(void) { return gort__debug.stackdepth != 0; }

static unsigned char *paint_lo(const struct gstack *s) {
  return (unsigned char *)s->lo + BOTTOM_BYTES;
}

/* Not instrumented, and written byte by byte through a volatile pointer
 * (no memset call for a sanitizer to intercept): an earlier goroutine's
 * frames may have left the stack's shadow poisoned. */
GORT_NO_SANITIZE_SCAN
void gort__stackdepth_paint(const struct gstack *s) {
  if (!enabled())
    return;
  for (volatile unsigned char *b = paint_lo(s); (uintptr_t)b < s->hi; b++)
    *b = PAINT;
}

/* Bytes from the top of s down to its lowest written byte. The scan is
 * upward from the bottom, so it reads only bytes below the lowest frame
 * (those of a goroutine measuring itself included), never one that is
 * being written. */
GORT_NO_SANITIZE_SCAN
static uint64_t depth_of(const struct gstack *s) {
  const volatile unsigned char *b = paint_lo(s);
  while ((uintptr_t)b < s->hi && *b == PAINT)
    b++;
  return (uint64_t)(s->hi - (uintptr_t)b);
}

static void record(uint64_t d) {
  uint64_t cur = gort__atomic_load_relaxed(&deepest);
  while (d > cur && !gort__atomic_cas_weak_relaxed(&deepest, &cur, d)) {
  }
}

void gort__stackdepth_measure(const struct gstack *s) {
  if (enabled() && s->lo != 0)
    record(depth_of(s));
}

GORT_API size_t gort_stack_deepest_bytes(void) {
  if (!enabled())
    return 0;
  struct g *gp = gort__getg();
  if (gp != NULL && !gp->is_g0 && gp->stack.lo != 0)
    record(depth_of(&gp->stack));
  return (size_t)gort__atomic_load_relaxed(&deepest);
}
