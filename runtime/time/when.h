/*
 * when.h - turning a relative duration into an absolute time on the
 * gort__os_nanotime() clock, saturating instead of overflowing (Go's
 * runtime/time.go when() and maxWhen; time/sleep.go's when()).
 *
 * Every place that adds a user-given (or timer-derived) duration to a
 * clock reading goes through here: timers, sleep, tickers and their reset,
 * context timeouts, dial timeouts, and the runtime's timed sleeps
 * (notetsleep, the poll backends) whose durations come from a timer's
 * when. A sum past INT64_MAX is GORT_MAXWHEN, a time the clock never
 * reaches: such a timer never fires, as in Go.
 *
 * Invariants: gort__when(d) >= the clock reading it started from; it is
 * never 0 for a positive clock (0 means "no deadline" in several places).
 * Locking: none; pure functions and one clock read.
 */
#ifndef GORT_TIME_WHEN_H
#define GORT_TIME_WHEN_H

#include <stdint.h>

#include "os/os.h"

/* The latest time; reached by no clock (Go's maxWhen, 1<<63 - 1). */
#define GORT_MAXWHEN INT64_MAX

/* t + d, clamped to [INT64_MIN, GORT_MAXWHEN] instead of overflowing. */
static inline int64_t gort__add_sat(int64_t t, int64_t d) {
  int64_t r;
  if (__builtin_add_overflow(t, d, &r))
    return d > 0 ? GORT_MAXWHEN : INT64_MIN;
  return r;
}

/* The time d from now: now for d <= 0 (fire at once), GORT_MAXWHEN when
 * the sum overflows (never). Go's when(). */
static inline int64_t gort__when(int64_t d) {
  int64_t now = gort__os_nanotime();
  return d <= 0 ? now : gort__add_sat(now, d);
}

#endif
