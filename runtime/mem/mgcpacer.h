/*
 * mgcpacer.h - when the next collection starts (Go's mgcpacer.go): the
 * heap goal from GOGC and the live heap the last mark found, pulled down
 * by the memory limit, and the trigger before the goal.
 *
 *   goal_gogc  = marked + (marked + stacks + globals) * GOGC / 100
 *                (at least 4 MiB * GOGC / 100: Go's heapMinimum)
 *   goal_limit = limit - non-heap memory - heap fragmentation - headroom
 *                (3% of the limit: memoryLimitHeapGoalHeadroomPercent)
 *   goal       = min(goal_gogc, goal_limit), never below marked + 1/16
 *                (a stop-the-world collector cannot run back to back: the
 *                stand-in for Go's 50% GC CPU limiter)
 *   trigger    = marked + (goal - marked) * p%: p = 95 for the
 *                stop-the-world collector, which needs no runway; the
 *                concurrent one moves p within Go's [70%, 95%] bounds by
 *                feedback: 5 points earlier after a mark that ended past
 *                its goal, 1 later after one that left a quarter of the
 *                runway unused (Go computes it from its cons/mark
 *                estimate; assists keep the heap near the goal meanwhile).
 *
 * heap_live counts the bytes of objects allocated since the last mark
 * plus what it found live, at span granularity as Go's heapLive does: a
 * span cached by a P counts as allocated whole, its unused rest is taken
 * off when it is given back.
 *
 * Invariants: goal and trigger are recomputed at the end of every mark and
 * whenever a setting changes; both only move under pacer_lock, and are
 * read with relaxed atomics by the allocation path.
 * Locking: pacer_lock (a leaf) around the settings and the recomputation.
 */
#ifndef GORT_MEM_MGCPACER_H
#define GORT_MEM_MGCPACER_H

#include <stdbool.h>
#include <stdint.h>

/* Take the start values of GOGC and the memory limit from the settings
 * (sched/settings.h: GORT_GOGC, GORT_MEMLIMIT, checked there). */
void gort__gcpacer_init(void);

int32_t gort__gc_percent(void);      /* -1: off */
int64_t gort__gc_memory_limit(void); /* INT64_MAX: none */
uint64_t gort__gc_heap_goal(void);   /* UINT64_MAX: no collection planned */
uint64_t gort__gc_trigger(void);
uint64_t gort__gc_heap_live(void);
uint64_t gort__gc_heap_marked(void); /* live bytes found by the last mark */
uint64_t gort__gc_scan_extra(void);  /* stacks + globals it scanned */

/* Bytes taken into (positive) or given back from (negative) the count of
 * allocated bytes; true when heap_live has reached the trigger. */
bool gort__gc_heap_live_add(int64_t delta);

/* The end of a mark: heap_live becomes the bytes marked; the goal and the
 * trigger are recomputed (stacks and globals: the bytes scanned). */
void gort__gcpacer_end_mark(uint64_t heap_marked, uint64_t stack_bytes,
                            uint64_t globals_bytes);

/* A concurrent mark ended with heap_at_end bytes live for goal goal:
 * move the trigger (call before end_mark). */
void gort__gcpacer_mark_ended(uint64_t heap_at_end, uint64_t goal);

/* Memory the runtime holds outside the heap's spans, for the limit
 * (stacks, metadata); set by whoever knows (mstats). */
void gort__gcpacer_set_non_heap(uint64_t bytes);

#endif
