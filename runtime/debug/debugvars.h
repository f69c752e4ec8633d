/*
 * debugvars.h - GORT_DEBUG, gort's GODEBUG: a comma-separated list of
 * name=value settings read once at start-up (Go's runtime/runtime1.go
 * dbgvars).
 *
 *   schedtrace=MS      print a SCHED line every MS milliseconds (sysmon)
 *   scheddetail=1      with schedtrace: one line per P and M as well
 *   asyncpreemptoff=1  no signal-based preemption (cooperative only)
 *   gctrace=1          (reserved for the collector)
 *
 * Unknown names are reported once on stderr and ignored, as Go does.
 * Invariants: written only by gort__debug_init before any M but the first
 * exists; read freely afterwards.
 */
#ifndef GORT_DEBUG_DEBUGVARS_H
#define GORT_DEBUG_DEBUGVARS_H

#include <stdint.h>

struct gort_debugvars {
  int64_t schedtrace; /* ms; 0 = off */
  int32_t scheddetail;
  int32_t asyncpreemptoff;
  int32_t gctrace;
};

extern struct gort_debugvars gort__debug;

void gort__debug_init(void);

#endif
