/*
 * test-debug.c - the runtime's checks in levels (debug/assert.h) and its
 * lock checks (sched/lock.h, sched/lockrank.h): an assert's expression is
 * not evaluated at level 0; a failed assert, a _locked function called
 * without its lock, a lock taken out of rank order, under an unranked
 * lock or twice each die with a clear message. The lock cases are DEBUG
 * in test-list.h: registered only in builds at GORT_DEBUG_LEVEL >= 2
 * (build-debug/), where the checks exist.
 */
#include "test.h"

#include "debug/assert.h"
#include "sched/lock.h"
#include "sched/mp.h"

/* Every level: the expression runs exactly when the level checks it. */
TEST_IMPL(debug_assert_level) {
  int evaluated = 0;
  GORT_ASSERT(++evaluated == 1);
  CHECK_EQ(evaluated, GORT_DEBUG_LEVEL >= 1 ? 1 : 0);
  int walked = 0;
  GORT_ASSERT_EXPENSIVE(++walked == 1);
  CHECK_EQ(walked, GORT_DEBUG_LEVEL >= 3 ? 1 : 0);
  return 0;
}

#if GORT_LOCK_CHECKS

TEST_IMPL(crash_assert_failed) {
  int two = 2;
  GORT_ASSERT(two + two == 5);
  return 1;
}

/* A _locked function without its lock: the assert at its top fires
 * before it touches anything. */
TEST_IMPL(crash_locked_without_lock) {
  gort__pidleget_locked();
  return 1;
}

/* Two private locks of the scheduler's ranks, taken against the table:
 * sched.lock may be held when allplock is taken, not the other way. */
TEST_IMPL(crash_lock_out_of_rank_order) {
  static struct mutex sched_like = GORT_LOCK_INITIALIZER(LOCK_RANK_SCHED);
  static struct mutex allp_like = GORT_LOCK_INITIALIZER(LOCK_RANK_ALLP);
  gort__lock(&allp_like);
  gort__lock(&sched_like);
  return 1;
}

/* An unranked lock is a leaf: no ranked lock may be taken under it. */
TEST_IMPL(crash_lock_under_unranked) {
  static struct mutex leaf;
  static struct mutex ranked = GORT_LOCK_INITIALIZER(LOCK_RANK_HCHAN);
  gort__lock(&leaf);
  gort__lock(&ranked);
  return 1;
}

/* A runtime lock is not recursive: the second lock would sleep forever. */
TEST_IMPL(crash_lock_twice) {
  static struct mutex l = GORT_LOCK_INITIALIZER(LOCK_RANK_HCHAN);
  gort__lock(&l);
  gort__lock(&l);
  return 1;
}

TEST_IMPL(crash_unlock_not_held) {
  static struct mutex l = GORT_LOCK_INITIALIZER(LOCK_RANK_HCHAN);
  gort__unlock(&l);
  return 1;
}

/* The table's order is allowed, the same rank may repeat where the table
 * says so (channels in select), locks may be released in any order, and
 * the owner is this thread exactly while it holds the lock. */
TEST_IMPL(debug_lock_ranks_in_order) {
  static struct mutex ctx = GORT_LOCK_INITIALIZER(LOCK_RANK_CONTEXT);
  static struct mutex ch1 = GORT_LOCK_INITIALIZER(LOCK_RANK_HCHAN);
  static struct mutex ch2 = GORT_LOCK_INITIALIZER(LOCK_RANK_HCHAN);
  static struct mutex pool_like = GORT_LOCK_INITIALIZER(LOCK_RANK_STACKPOOL);
  CHECK(!gort__lock_held(&ctx));
  gort__lock(&ctx);
  gort__lock(&ch1);
  gort__lock(&ch2);
  CHECK(gort__lock_held(&ctx) && gort__lock_held(&ch1) &&
        gort__lock_held(&ch2));
  gort__unlock(&ch1);     /* out of order */
  gort__lock(&pool_like); /* a parked channel's lock, a fresh G's stack */
  CHECK_EQ(gort__locks_held(), 3);
  gort__unlock(&pool_like);
  gort__unlock(&ch2);
  gort__unlock(&ctx);
  CHECK(!gort__lock_held(&ctx) && !gort__lock_held(&ch1));
  CHECK_EQ(gort__locks_held(), 0);
  /* And the real scheduler lock, through the assert itself. */
  gort__lock(&gort__sched.lock);
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  gort__unlock(&gort__sched.lock);
  return 0;
}

#else /* below level 2 these cases are not registered (test-list.h) */

TEST_IMPL(crash_assert_failed) { return 1; }
TEST_IMPL(crash_locked_without_lock) { return 1; }
TEST_IMPL(crash_lock_out_of_rank_order) { return 1; }
TEST_IMPL(crash_lock_under_unranked) { return 1; }
TEST_IMPL(crash_lock_twice) { return 1; }
TEST_IMPL(crash_unlock_not_held) { return 1; }
TEST_IMPL(debug_lock_ranks_in_order) { return 1; }

#endif
