/*
 * sanitizer.h - telling AddressSanitizer and ThreadSanitizer about stack
 * switches.
 *
 * ASan keeps shadow state per stack; a switch it was not told about makes
 * it report false stack-buffer errors (or miss real ones). The protocol
 * (compiler-rt common_interface_defs.h):
 *   before a switch: gort__asan_start_switch(&save_of_leaving_stack,
 *                                          bottom, size of the target);
 *                    a leaving stack that will never run again passes
 *                    NULL for the save, so ASan frees its fake frames;
 *   after it, on the resumed stack: gort__asan_finish_switch(save, &prev
 *                    bottom, &prev size), which also reports the bounds of
 *                    the stack we came from.
 * ThreadSanitizer keeps a shadow call stack and clock per stack: every G
 * gets a TSan fiber (gort__tsan_fiber_create) when it first runs and
 * loses it when it exits (a dead goroutine's frames never return, so a
 * reused fiber's shadow stack would only grow), every M's g0 adopts the
 * thread's own (gort__tsan_fiber_current), and each switch first calls
 * gort__tsan_fiber_switch(target).
 * Without the sanitizers these are empty inlines.
 */
#ifndef GORT_ARCH_SANITIZER_H
#define GORT_ARCH_SANITIZER_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define GORT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORT_ASAN 1
#endif
#endif

#ifdef GORT_ASAN
#include <sanitizer/common_interface_defs.h>
static inline void gort__asan_start_switch(void **save, const void *bottom,
                                           size_t size) {
  __sanitizer_start_switch_fiber(save, bottom, size);
}
static inline void gort__asan_finish_switch(void *save, const void **bottom,
                                            size_t *size) {
  __sanitizer_finish_switch_fiber(save, bottom, size);
}
#else
static inline void gort__asan_start_switch(void **save, const void *bottom,
                                           size_t size) {
  (void)save, (void)bottom, (void)size;
}
static inline void gort__asan_finish_switch(void *save, const void **bottom,
                                            size_t *size) {
  (void)save;
  if (bottom)
    *bottom = NULL;
  if (size)
    *size = 0;
}
#endif

/* For the collector's conservative scan, which reads whole stacks (ASan's
 * redzones included) and the runtime's own globals while sysmon may write
 * them (aligned words: a stale value only keeps an object one cycle
 * longer or not at all, and such words never point into the GC heap). */
#define GORT_NO_SANITIZE_SCAN __attribute__((no_sanitize("address", "thread")))

/* For a read that races on purpose with plain stores and only feeds a
 * display (the heap map's per-span counts, mem/mheapmap.c). */
#define GORT_NO_SANITIZE_RACY __attribute__((no_sanitize("thread")))

#if defined(__SANITIZE_THREAD__)
#define GORT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TSAN 1
#endif
#endif

#ifdef GORT_TSAN
#include <sanitizer/tsan_interface.h>
static inline void *gort__tsan_fiber_current(void) {
  return __tsan_get_current_fiber();
}
static inline void *gort__tsan_fiber_create(void) {
  return __tsan_create_fiber(0);
}
static inline void gort__tsan_fiber_switch(void *fiber) {
  __tsan_switch_to_fiber(fiber, 0);
}
static inline void gort__tsan_fiber_destroy(void *fiber) {
  __tsan_destroy_fiber(fiber);
}
#else
static inline void *gort__tsan_fiber_current(void) { return NULL; }
static inline void *gort__tsan_fiber_create(void) { return NULL; }
static inline void gort__tsan_fiber_switch(void *fiber) { (void)fiber; }
static inline void gort__tsan_fiber_destroy(void *fiber) { (void)fiber; }
#endif

#endif
