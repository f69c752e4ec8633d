/*
 * test.h - helpers for the test cases. A case is `int test_NAME(void)`
 * (TEST_IMPL) run as the main goroutine; it returns 0 to pass. CHECK fails
 * the case from any goroutine: it prints where and exits 1.
 *
 * GORT_TEST_SMALL is defined for sanitizer and wasm builds: stress cases
 * scale down (STRESS(big, small)); GORT_TEST_TSAN further still. Cases
 * whose point is how many goroutines are alive at once use ALIVE(big,
 * small): full size on wasm too, where goroutines are small since issue 15
 * (a million fit in its 4 GiB).
 */
#ifndef GORT_TEST_H
#define GORT_TEST_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "gort.h"

#define TEST_IMPL(name)                                                        \
  int test_##name(void);                                                       \
  int test_##name(void)

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      fflush(NULL);                                                            \
      gort_exit(1);                                                            \
    }                                                                          \
  } while (0)

#define CHECK_EQ(a, b)                                                         \
  do {                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                        \
    if (a_ != b_) {                                                            \
      fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n",     \
              __FILE__, __LINE__, #a, #b, a_, b_);                             \
      fflush(NULL);                                                            \
      gort_exit(1);                                                            \
    }                                                                          \
  } while (0)

/* Goroutines that signalled a WaitGroup may still be on their way out on
 * another P: yield until only n are left (a bounded number of times). */
#define CHECK_GOROUTINES_SETTLE(n)                                             \
  do {                                                                         \
    for (long i_ = 0; i_ < 10000000 && gort_num_goroutine() != (n); i_++)      \
      gort_yield();                                                            \
    CHECK_EQ(gort_num_goroutine(), (n));                                       \
  } while (0)

/* Run fn(arg) on a thread of its own, not a goroutine's, and wait for it
 * with this goroutine inside gort_syscall_enter (its M blocks in the
 * join): for the cases whose call there must die. Returns 1, which a case
 * returns when the call did not die. */
#define RUN_ON_FOREIGN_THREAD(fn, arg)                                         \
  do {                                                                         \
    pthread_t th_;                                                             \
    CHECK_EQ(pthread_create(&th_, NULL, (fn), (arg)), 0);                      \
    gort_syscall_enter();                                                      \
    pthread_join(th_, NULL);                                                   \
    gort_syscall_exit();                                                       \
  } while (0)

/* The options a case named options_* or crash_options_* starts with
 * (test-settings.c): o holds the environment's; false: pass NULL. */
bool test_options_for(const char *name, gort_options *o);

#if defined(GORT_TEST_TSAN)
/* ThreadSanitizer tracks each goroutine stack as a thread (8128 at most). */
#define STRESS(big, small) ((small) / 5)
#elif defined(GORT_TEST_SMALL)
#define STRESS(big, small) (small)
#else
#define STRESS(big, small) (big)
#endif

#if defined(__EMSCRIPTEN__) && !defined(GORT_TEST_TSAN)
#define ALIVE(big, small) (big)
#else
#define ALIVE(big, small) STRESS(big, small)
#endif

#endif
