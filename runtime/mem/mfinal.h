/*
 * mfinal.h - finalizers (mfinal.c; Go's mfinal.go): the table of objects
 * with a finalizer, the queue of finalizers to run, and the finalizer
 * goroutine. The public call is gort_set_finalizer (gort.h).
 *
 * The cycle calls three hooks, in this order (mgc.c, run_cycle):
 *
 *   gort__fin_mark_roots         with the other roots (during the
 *                                concurrent mark, or with the world
 *                                stopped): every object in the table has
 *                                what it points to shaded (not itself),
 *                                and every queued object is shaded;
 *   gort__fin_queue_unreachable  mark termination, world stopped, after
 *                                the drain: objects of the table still
 *                                unmarked move to the queue, are marked
 *                                (kept for one more cycle) and the marks
 *                                are drained again (their referents are
 *                                marked already: this scans only them);
 *   gort__fin_wake               after the world restarts: the finalizer
 *                                goroutine is readied if it waits and the
 *                                queue has work.
 *
 * Invariants and locking: see mfinal.c.
 */
#ifndef GORT_MEM_MFINAL_H
#define GORT_MEM_MFINAL_H

#include <stdint.h>

struct gcwork;
void gort__fin_mark_roots(struct gcwork *gcw);
void gort__fin_queue_unreachable(struct gcwork *gcw);
void gort__fin_wake(void);

/* Finalizers that have returned, since the start (tests). The finalizer
 * goroutine counts one after its function returns, and reaches no safe
 * point between that and taking or waiting for the next: a collection
 * that starts after the count was read finds it parked or starting the
 * next one, with no copy of the previous object left on its stack. */
uint64_t gort__fin_runs_done(void);
/* Finalizers ever queued by collections (tests: the queue is empty when
 * runs_done reaches it). */
uint64_t gort__fin_queued_total(void);

#endif
