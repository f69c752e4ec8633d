/*
 * test-stackdepth.c - GORT_DEBUG=stackdepth=1 (runtime/sched/stackdepth.c):
 * gort_stack_deepest_bytes reports how deep a goroutine wrote into its
 * stack, and 0 when the flag is off.
 *
 * Invariants: the deep goroutine writes every byte of an array half the
 * stack's size, so the figure must reach at least that; nothing else in
 * the case goes that deep. Locking: none.
 */
#include <stdint.h>
#include <string.h>

#include "test.h"

static gort_waitgroup done = GORT_WAITGROUP_INIT;

/* Write every byte of a frame of half the stack. */
static void __attribute__((noinline)) write_half(void) {
  size_t n = gort_stack_size() / 2;
  volatile char *frame = __builtin_alloca(n);
  for (size_t i = 0; i < n; i++)
    frame[i] = (char)i;
}

static void deep(void *arg) {
  (void)arg;
  write_half();
  gort_waitgroup_done(&done);
}

TEST_IMPL(stack_depth_measured) {
  size_t half = gort_stack_size() / 2;
  size_t before = gort_stack_deepest_bytes();
  CHECK(before < half); /* nothing has gone that deep yet (on wasm this
                           goroutine may have written none of its stack:
                           locals live in wasm locals unless their address
                           is taken) */
  gort_waitgroup_add(&done, 1);
  CHECK_EQ(gort_go(deep, NULL), 0);
  gort_waitgroup_wait(&done);
  /* The goroutine may not have given its stack back yet: its exit runs
   * after the Done. Yield until it has (it is measured then). */
  size_t after = 0;
  for (int i = 0; i < 1000 && after < half; i++) {
    gort_yield();
    after = gort_stack_deepest_bytes();
  }
  CHECK(after >= half);
  CHECK(after <= gort_stack_size());
  return 0;
}

TEST_IMPL(stack_depth_off) {
  gort_waitgroup_add(&done, 1);
  CHECK_EQ(gort_go(deep, NULL), 0);
  gort_waitgroup_wait(&done);
  for (int i = 0; i < 10; i++)
    gort_yield();
  CHECK_EQ(gort_stack_deepest_bytes(), 0);
  return 0;
}
