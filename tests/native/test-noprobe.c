/*
 * test-noprobe.c - a frame larger than a goroutine stack's guard in code
 * compiled without -fstack-clash-protection (CMakeLists.txt turns the flag
 * off for this file alone), as a user's code built without it would be:
 * the stack pointer jumps the guard without touching it. Used by
 * crash_stack_jump_then_switch (test-sched.c).
 */
#include <stddef.h>

int gort_test_unprobed_frame(void (*during)(void));

int gort_test_unprobed_frame(void (*during)(void)) {
  volatile char buf[128 * 1024];
  /* Only the frame's top is written: nothing below the guard. The index
   * is opaque, or clang would shrink the array to the one byte used. */
  volatile size_t top = sizeof buf - 1;
  buf[top] = 1;
  during(); /* called with the stack pointer 128 KiB down */
  return buf[top];
}
