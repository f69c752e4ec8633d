/*
 * gcwatch.h - the GC window of a GC workload and its "gc" JSON object,
 * measured as the Go twin measures it (bench/go/gcstats.go and
 * WORKLOADS-NOTES.md, "The gc object"):
 *
 *   num_gc, pause_total_ns  MemStats NumGC / PauseTotalNs at the window's
 *                           end minus at its start;
 *   pause_max_ns,           over the per-cycle pauses of the cycles that
 *   pause_p50_ns            ended in the window (PauseNs[(k + 255) % 256]
 *                           for cycle k: every stop-the-world phase of the
 *                           cycle summed), p50 by nearest rank;
 *   pauses_seen             how many pauses those were (= num_gc unless
 *                           more than 256 cycles ended between two MemStats
 *                           reads and the ring wrapped);
 *   heap_peak_bytes         the high-water mark of the heap's allocated
 *                           bytes not yet freed by sweeping: the largest
 *                           of HeapAlloc at both ends and the heap_live
 *                           of every GC event in the window (at a cycle's
 *                           start that is the cycle's peak).
 *
 * As Go's sampler polls the cheap runtime/metrics counters every
 * millisecond and calls ReadMemStats (a short stop-the-world) only when
 * 64 cycles are unharvested, gort's polls the GC event ring
 * (gort_gc_events: no stop-the-world) and reads MemStats as seldom. The
 * events give the heap peak exactly where Go's 1 ms samples of HeapAlloc
 * can miss up to a millisecond of allocation before a cycle starts.
 *
 * Invariants: between start and stop the sampler goroutine alone writes
 * the watch; stop joins it (a WaitGroup) before reading. One watch at a
 * time (the workloads run one after another).
 */
#ifndef GORT_WORKLOADS_GCWATCH_H
#define GORT_WORKLOADS_GCWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gc_out {
  uint32_t num_gc;
  uint64_t pause_total_ns, pause_max_ns, pause_p50_ns, heap_peak_bytes;
  uint64_t pauses_seen;
};

/* Start the window: read the base MemStats, start the sampler. 0, or -1
 * when the sampler goroutine cannot be started (out of memory). */
int gc_watch_start(void);

/* End the window: stop and join the sampler, take a last sample, and
 * fill out. */
void gc_watch_stop(struct gc_out *out);

/* Append `"gc":{...}` (the fields above, in the Go twin's order) to
 * buf, which holds a string of its length; false when it does not fit. */
bool gc_out_json(const struct gc_out *o, char *buf, size_t size);

#endif
