/*
 * mstats.h - the heap's counters behind gort_read_memstats, and the ring
 * of GC events (Go's mstats.go; the event ring is gort's own, for the
 * page to poll).
 *
 * Counting is done where it is cheap (Go's approach): objects taken from
 * a span are counted when its P gives the span back (alloc_count minus
 * alloc_count_at_cache), objects freed when a span is swept; reading adds
 * what P caches hold now, with the world stopped.
 *
 * Locking: the counters are relaxed atomics; the cycle records (pauses,
 * counts) and the event ring take stats.lock (mstats.c), a leaf.
 */
#ifndef GORT_MEM_MSTATS_H
#define GORT_MEM_MSTATS_H

#include <stdbool.h>
#include <stdint.h>

struct mspan;

void gort__mstats_span_uncached(const struct mspan *s);
void gort__mstats_swept(const struct mspan *s, uint32_t freed);

/* One finished cycle: its stop-the-world time, when it ended (ns since
 * 1970), and the CPU time the collector spent (ns, all threads). */
void gort__mstats_record_cycle(uint64_t pause_ns, uint64_t end_unix_ns,
                               bool forced, uint64_t cpu_ns);
/* Collector CPU time spent outside cycles (the background sweeper). */
void gort__mstats_add_gc_cpu(uint64_t ns);
uint32_t gort__mstats_num_gc(void);
double gort__mstats_gc_cpu_fraction(void);

/* The GC event ring (public shape in gort.h: gort_gc_event), stamped
 * now, or at time_ns (gort__os_nanotime's clock) for an event that began
 * earlier than it could be recorded. */
void gort__gc_event(uint32_t kind, uint32_t cycle, uint64_t heap_live,
                    uint64_t heap_goal);
void gort__gc_event_at(uint32_t kind, uint32_t cycle, uint64_t heap_live,
                       uint64_t heap_goal, int64_t time_ns);

#endif
