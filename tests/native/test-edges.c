/*
 * test-edges.c - bad input at the scheduler's API edge (issue 10): each
 * case gets a clear error code where Go would return an error, and Go's
 * fatal message where Go would die; docs/API.md ("Misuse and bad input")
 * lists them. The channel, sync, time, context and network edges have
 * their own files.
 */
#include <pthread.h>
#include <string.h>

#include "test.h"

static void nothing(void *arg) { (void)arg; }

TEST_IMPL(edge_maxprocs_range) {
  int prev = gort_maxprocs();
  CHECK_EQ(gort_set_maxprocs(0), prev); /* n < 1 only queries */
  CHECK_EQ(gort_set_maxprocs(-5), prev);
  CHECK_EQ(gort_set_maxprocs(1025), GORT_EINVAL);
  CHECK_EQ(gort_set_maxprocs(2147483647), GORT_EINVAL);
  CHECK_EQ(gort_maxprocs(), prev);
  CHECK_EQ(gort_set_maxprocs(1024), prev); /* the largest is fine */
  CHECK_EQ(gort_maxprocs(), 1024);
  CHECK_EQ(gort_set_maxprocs(prev), 1024);
  return 0;
}

TEST_IMPL(edge_stats_null) {
  CHECK_EQ(gort_sched_stats(NULL), GORT_EINVAL);
  CHECK_EQ(gort_sync_stats(NULL), GORT_EINVAL);
  return 0;
}

TEST_IMPL(edge_strerror_any_code) {
  CHECK(strcmp(gort_strerror(GORT_EINVAL), "invalid argument") == 0);
  CHECK(strcmp(gort_strerror(12345), "unknown error") == 0);
  CHECK(strcmp(gort_strerror(-999999), "unknown error") == 0);
  CHECK(strcmp(gort_strerror(-2147483647 - 1), "unknown error") == 0);
  CHECK(gort_strerror(-4095) != NULL);
  return 0;
}

TEST_IMPL(crash_go_nil_func) {
  gort_go(NULL, NULL);
  return 1;
}

TEST_IMPL(crash_syscall_exit_without_enter) {
  gort_syscall_exit();
  return 1;
}

TEST_IMPL(crash_syscall_enter_twice) {
  gort_syscall_enter();
  gort_syscall_enter();
  return 1;
}

TEST_IMPL(crash_call_inside_syscall) {
  gort_syscall_enter();
  gort_go(nothing, NULL);
  return 1;
}

static void *plain_thread(void *arg) {
  (void)arg;
  gort_yield(); /* not a goroutine: dies */
  return NULL;
}

TEST_IMPL(crash_call_from_plain_thread) {
  RUN_ON_FOREIGN_THREAD(plain_thread, NULL);
  return 1;
}
