/*
 * workloads.h - the named workloads of `gort run`, the web page and the
 * benchmark suite. Definitions: docs/WORKLOADS.md
 * (and bench/go/WORKLOADS-NOTES.md for what it leaves open); each one computes or checks a result so that a wrong
 * run shows.
 *
 * A workload runs inside a goroutine (the CLI's main goroutine) and uses
 * only the public API (gort.h).
 */
#ifndef GORT_WORKLOADS_H
#define GORT_WORKLOADS_H

#include <stdbool.h>
#include <stdint.h>

struct workload_result {
  int64_t n;
  int64_t wall_ns;   /* the whole workload */
  int64_t timed_ns;  /* the timed part (ns_per_op), when not all of wall_ns;
                        0: the same as wall_ns */
  int64_t result;    /* the workload's checksum */
  bool ok;           /* result matches the definition */
  const char *error; /* why not, when !ok */
  char extra[512];   /* more JSON members, e.g. "\"late_p99_us\":12.5" */
};

/* n is checked by the caller (the CLI) against 1..max_n before run: the
 * largest n for which every count, size and checksum of the workload stays
 * exact (WaitGroup counters are 32-bit, as Go's; sums like n(n-1)/2 must
 * fit int64), rounded down to a power of ten. A run that would need more
 * memory than there is below that bound fails with "out of memory".
 * Other conditions on n (a multiple of 4, a power of 10) are the
 * workload's own and fail its result. */
struct workload {
  const char *name;
  int64_t default_n;
  int64_t max_n;
  const char *summary;
  void (*run)(int64_t n, struct workload_result *r);
};

extern const struct workload gort_workloads[];
extern const int gort_workload_count;

const struct workload *gort_workload_find(const char *name);

/* The largest n of most workloads: WaitGroup counters (int32) and the
 * checksums n(n+1)/2 (exact to n = 3,037,000,499) hold beyond it. */
#define WORKLOAD_MAX_N INT64_C(1000000000)

/* The workloads themselves, one per definition. */
void gort_workload_yield(int64_t n, struct workload_result *r);
void gort_workload_spawn(int64_t n, struct workload_result *r);
void gort_workload_imbalance(int64_t n, struct workload_result *r);
void gort_workload_skynet(int64_t n, struct workload_result *r);
void gort_workload_pingpong(int64_t n, struct workload_result *r);
void gort_workload_chan_buffered(int64_t n, struct workload_result *r);
void gort_workload_chan_buffered_4x4(int64_t n, struct workload_result *r);
void gort_workload_select4(int64_t n, struct workload_result *r);
void gort_workload_sieve(int64_t n, struct workload_result *r);
void gort_workload_timers(int64_t n, struct workload_result *r);
void gort_workload_mutex_contended(int64_t n, struct workload_result *r);
void gort_workload_rwmutex_read(int64_t n, struct workload_result *r);
void gort_workload_context_cancel(int64_t n, struct workload_result *r);
void gort_workload_tcp_echo(int64_t n, struct workload_result *r);
/* The GC workloads (gc_workloads.c); their extra holds the "gc" object. */
void gort_workload_alloc_small(int64_t n, struct workload_result *r);
void gort_workload_binary_trees(int64_t n, struct workload_result *r);
void gort_workload_gc_pause(int64_t n, struct workload_result *r);

#endif
