/*
 * sched_stats.h - scheduler observability: gort_sched_stats (gort.h), the
 * GORT_DEBUG=schedtrace=MS line, and the goroutine dump on SIGQUIT.
 */
#ifndef GORT_DEBUG_SCHED_STATS_H
#define GORT_DEBUG_SCHED_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "gort.h"

/* Read the scheduler's counts into *out (seq and check left 0): the one
 * reader behind gort_sched_stats and the live sample. Takes allplock, then
 * sched.lock for three loads; neither may be held by the caller. */
void gort__sched_read(struct gort_sched_sample *out);

/* pp's switch count, 64 bits from its two 32-bit words (sched/runtime2.h,
 * switches); from any thread. */
struct p;
uint64_t gort__p_switches(struct p *pp);

/* Print one SCHED line (Go's schedtrace), with per-P and per-M lines when
 * detail is set. Called by sysmon. */
void gort__schedtrace(bool detail);
/* SCHED lines printed so far (tests wait for the first). */
extern _Atomic uint64_t gort__schedtrace_lines;

#endif
