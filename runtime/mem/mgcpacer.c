/*
 * mgcpacer.c - the heap goal and the trigger (see mgcpacer.h for the
 * formulas; Go's mgcpacer.go: gcControllerState.heapGoal,
 * memoryLimitHeapGoal, trigger). The start values come from
 * sched/settings.c (Go's readGOGC and readGOMEMLIMIT).
 *
 * Invariants: goal and trigger are consistent with the settings and the
 * last mark whenever pacer_lock is free.
 * Locking: pacer_lock, a leaf, guards the settings and the recomputation;
 * the fields the allocation path reads are atomics.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "gort.h"
#include "mem/mgcpacer.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "sched/settings.h"

enum {
  HEAP_MINIMUM = 4 << 20,     /* Go's defaultHeapMinimum, at GOGC=100 */
  LIMIT_HEADROOM_PERCENT = 3, /* memoryLimitHeapGoalHeadroomPercent */
  TRIGGER_MAX_PERCENT = 95,   /* of the way from marked to goal: Go's */
  TRIGGER_MIN_PERCENT = 70,   /* triggerRatio bounds */
};

static struct mutex pacer_lock = GORT_LOCK_INITIALIZER(LOCK_RANK_PACER);
static struct {
  _Atomic(int32_t) percent; /* -1: off */
  _Atomic(int64_t) limit;   /* INT64_MAX: none */
  uint64_t marked;          /* bytes live at the last mark */
  uint64_t scan_extra;      /* stacks + globals scanned by it */
  uint64_t non_heap;        /* runtime memory outside the heap */
  _Atomic(uint64_t) goal, trigger;
  _Atomic(uint64_t) heap_live;
  /* Where between marked and goal the next cycle starts (percent of the
   * way): 95 for the stop-the-world collector; the concurrent one moves it
   * by feedback (gort__gcpacer_mark_ended). */
  uint32_t trigger_percent;
} pacer = {
    .percent = 100, .limit = INT64_MAX, .trigger_percent = TRIGGER_MAX_PERCENT};

/* ---- the goal -------------------------------------------------------------
 */

static uint64_t gogc_goal(void) {
  int32_t percent = gort__atomic_load_relaxed(&pacer.percent);
  if (percent < 0)
    return UINT64_MAX;
  uint64_t base = pacer.marked + pacer.scan_extra;
  uint64_t goal = pacer.marked + base / 100 * (uint64_t)percent +
                  base % 100 * (uint64_t)percent / 100;
  uint64_t minimum = (uint64_t)HEAP_MINIMUM * (uint64_t)percent / 100;
  return goal < minimum ? minimum : goal;
}

static uint64_t limit_goal(void) {
  int64_t set = gort__atomic_load_relaxed(&pacer.limit);
  if (set == INT64_MAX)
    return UINT64_MAX;
  uint64_t limit = (uint64_t)set;
  uint64_t headroom = limit / 100 * LIMIT_HEADROOM_PERCENT;
  uint64_t taken = pacer.non_heap + headroom;
  return limit > taken ? limit - taken : 0;
}

/* pacer_lock held. */
static void recompute_locked(void) {
  GORT_ASSERT_LOCKED(&pacer_lock);
  uint64_t goal = gogc_goal(), lg = limit_goal();
  if (lg < goal)
    goal = lg;
  uint64_t floor = pacer.marked + pacer.marked / 16 + (256 << 10);
  if (goal != UINT64_MAX && goal < floor)
    goal = floor;
  uint64_t trigger = UINT64_MAX;
  if (goal != UINT64_MAX)
    trigger =
        pacer.marked + (goal - pacer.marked) / 100 * pacer.trigger_percent;
  gort__atomic_store_relaxed(&pacer.goal, goal);
  gort__atomic_store_relaxed(&pacer.trigger, trigger);
}

/* ---- settings
 * ----------------------------------------------------------------- */

/* The start values (GORT_GOGC, GORT_MEMLIMIT or gort_options), read and
 * checked by sched/settings.c. */
void gort__gcpacer_init(void) {
  gort__lock(&pacer_lock); /* alone at start-up, but _locked asks for it */
  gort__atomic_store_relaxed(&pacer.percent, gort__settings.gogc);
  gort__atomic_store_relaxed(&pacer.limit, gort__settings.memory_limit);
  recompute_locked();
  gort__unlock(&pacer_lock);
}

GORT_API int gort_set_gc_percent(int percent) {
  gort__must_getg("gort_set_gc_percent");
  gort__lock(&pacer_lock);
  int old = gort__atomic_load_relaxed(&pacer.percent);
  gort__atomic_store_relaxed(&pacer.percent, percent < 0 ? -1 : percent);
  recompute_locked();
  gort__unlock(&pacer_lock);
  return old;
}

GORT_API int64_t gort_set_memory_limit(int64_t limit) {
  gort__must_getg("gort_set_memory_limit");
  gort__lock(&pacer_lock);
  int64_t old = gort__atomic_load_relaxed(&pacer.limit);
  if (limit >= 0) {
    gort__atomic_store_relaxed(&pacer.limit, limit);
    recompute_locked();
  }
  gort__unlock(&pacer_lock);
  return old;
}

/* ---- readings
 * ---------------------------------------------------------------- */

int32_t gort__gc_percent(void) {
  return gort__atomic_load_relaxed(&pacer.percent);
}
int64_t gort__gc_memory_limit(void) {
  return gort__atomic_load_relaxed(&pacer.limit);
}
uint64_t gort__gc_heap_goal(void) {
  return gort__atomic_load_relaxed(&pacer.goal);
}
uint64_t gort__gc_trigger(void) {
  return gort__atomic_load_relaxed(&pacer.trigger);
}
uint64_t gort__gc_heap_live(void) {
  return gort__atomic_load_relaxed(&pacer.heap_live);
}
uint64_t gort__gc_heap_marked(void) {
  gort__lock(&pacer_lock);
  uint64_t m = pacer.marked;
  gort__unlock(&pacer_lock);
  return m;
}

uint64_t gort__gc_scan_extra(void) {
  gort__lock(&pacer_lock);
  uint64_t e = pacer.scan_extra;
  gort__unlock(&pacer_lock);
  return e;
}

bool gort__gc_heap_live_add(int64_t delta) {
  uint64_t live = gort__atomic_add_relaxed(&pacer.heap_live, (uint64_t)delta) +
                  (uint64_t)delta;
  return delta > 0 && live >= gort__atomic_load_relaxed(&pacer.trigger);
}

void gort__gcpacer_end_mark(uint64_t heap_marked, uint64_t stack_bytes,
                            uint64_t globals_bytes) {
  gort__lock(&pacer_lock);
  pacer.marked = heap_marked;
  pacer.scan_extra = stack_bytes + globals_bytes;
  gort__atomic_store_relaxed(&pacer.heap_live, heap_marked);
  recompute_locked();
  gort__unlock(&pacer_lock);
}

void gort__gcpacer_mark_ended(uint64_t heap_at_end, uint64_t goal) {
  if (goal == UINT64_MAX)
    return;
  gort__lock(&pacer_lock);
  uint64_t runway = goal > pacer.marked ? goal - pacer.marked : 0;
  if (heap_at_end > goal) {
    /* The mark ended past the goal: start earlier. */
    pacer.trigger_percent = pacer.trigger_percent >= TRIGGER_MIN_PERCENT + 5
                                ? pacer.trigger_percent - 5
                                : TRIGGER_MIN_PERCENT;
  } else if (goal - heap_at_end > runway / 4 &&
             pacer.trigger_percent < TRIGGER_MAX_PERCENT) {
    /* A quarter of the runway unused: start later. */
    pacer.trigger_percent++;
  }
  gort__unlock(&pacer_lock);
}

void gort__gcpacer_set_non_heap(uint64_t bytes) {
  gort__lock(&pacer_lock);
  pacer.non_heap = bytes;
  recompute_locked();
  gort__unlock(&pacer_lock);
}
