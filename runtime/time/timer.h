/*
 * timer.h - runtime timers (Go's runtime/time.go, the Go 1.14 design):
 * every P keeps its timers in a 4-ary min-heap ordered by when; the
 * scheduler runs due timers of its own P on every pass of findrunnable and
 * those of other Ps while stealing, and an M with nothing to do sleeps
 * until the earliest timer of all (see proc.c and time.c).
 *
 * A timer's f runs on the scheduler stack (g0) of whichever M holds a P
 * when it is due; it must not block: it readies a goroutine, does a
 * non-blocking channel send, or starts a goroutine.
 *
 * Invariants:
 *   - t->pp is the P whose heap holds t, or NULL; t->idx is its index.
 *   - pp->timer0_when is the when of pp's heap top, 0 if the heap is empty.
 *   - A timer that is not self_freeing and is neither on a heap nor
 *     idle has running > 0: checktimers counts it before taking it off
 *     (so gort_timer_free, finding it off every heap, waits for it).
 *
 * Locking: pp->timerslock guards pp's heap and the t->pp, t->idx, t->when
 * of the timers in it; t->pp is also read without the lock (atomically)
 * to find which lock to take, and re-checked under it. t->mu serialises
 * the API's stop/reset of one timer (so two resets cannot queue it twice);
 * lock order: sched/lockrank.c.
 */
#ifndef GORT_TIME_TIMER_H
#define GORT_TIME_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/runtime2.h"

struct timer {
  struct mutex mu; /* (see Locking) */
  int64_t when;
  int64_t period; /* > 0: fires again every period */
  void (*f)(struct timer *t, int64_t now);
  void *arg;
  _Atomic(struct p *) pp; /* (see Locking) */
  int32_t idx;
  _Atomic int32_t running; /* f runs now or is about to: counted before
                              t leaves its heap (so freeing must wait) */
  bool self_freeing;       /* t may be gone once f returns (f frees it, or
                              it lives on the stack of the G f readies):
                              checktimers must not touch it after f */
  _Atomic uint32_t gen;    /* bumped by every stop/reset (under mu) */
  uint32_t qgen;           /* (mu) gen when the API last queued it; a
                              periodic tick re-queues only while equal */
};

/* Queue t on the current P to fire at t->when. */
void gort__addtimer(struct timer *t);
/* Take t off its heap; true if it was pending. */
bool gort__deltimer(struct timer *t);
/* Run pp's timers that are due at now. The caller holds a P. */
void gort__checktimers(struct p *pp, int64_t now);
/* Earliest when over all Ps, 0 if there is no timer. */
int64_t gort__timers_next(void);
/* Move every timer of dead P from to P to (procresize, world stopped). */
void gort__timers_move(struct p *from, struct p *to);
/* Mark from every P's heap array, as a root range (the collector's mark,
 * world stopped; mgcroots.c calls it). */
struct gcwork;
void gort__timers_mark(struct gcwork *gcw);

#endif
