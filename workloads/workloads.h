/*
 * workloads.h - the named workloads of `gort run`, the web page and the
 * benchmark suite. Definitions: docs/WORKLOADS.md
 * (and bench/go/WORKLOADS-NOTES.md for what it leaves open); each one computes
 * or checks a result so that a wrong run shows.
 *
 * A workload runs inside a goroutine (the CLI's main goroutine) and uses
 * only the public API (gort.h).
 */
#ifndef GORT_WORKLOADS_H
#define GORT_WORKLOADS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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

/* The headline figure a workload reports: the JSON field it is read from
 * (dotted for a nested one), the scale to the unit shown, the unit, and
 * whether a lower value is better. The bench compares gort with Go by it;
 * the page and the docs name it. */
struct workload_figure {
  const char *name;  /* "ns_per_op", "pause_max_us", ... */
  const char *field; /* "ns_per_op", "gc.pause_max_ns", ... */
  double scale;      /* field * scale is in unit */
  const char *unit;  /* "ns/op", "µs max pause", ... (UTF-8) */
  bool higher_is_better;
};

/* The JSON objects a workload's line carries besides the common fields:
 * every line has "sched"; a GC workload adds "gc" (WORKLOADS.md), and
 * --gogc is what it is about. As the Go twin's kind. */
enum workload_kind { WORKLOAD_SCHED, WORKLOAD_GC };

/* One workload: everything the CLI, the bench suite, the page and the tests
 * need to know about it, printed by `gort list --json` (registry_json.c).
 *
 * n is checked by the caller (the CLI) against 1..max_n before run: the
 * largest n for which every count, size and checksum of the workload stays
 * exact (WaitGroup counters are 32-bit, as Go's; sums like n(n-1)/2 must
 * fit int64), rounded down to a power of ten. A run that would need more
 * memory than there is below that bound fails with "out of memory".
 * Other conditions on n (a multiple of 4, a power of 10) are the
 * workload's own and fail its result; quick_n, wasm_n and page_n meet
 * them. */
struct workload {
  const char *name;
  int64_t default_n;
  int64_t max_n;
  const char *summary;
  void (*run)(int64_t n, struct workload_result *r);
  enum workload_kind kind;
  const struct workload_figure *figure;
  /* A tiny n that still runs the whole definition: a proof that it runs
   * (`bench --quick`, the tests), not a measurement. */
  int64_t quick_n;
  /* On wasm: NULL when it runs there; else why not (the API it needs
   * returns GORT_ENOTSUP there). */
  const char *wasm_unsupported;
  /* The n the bench runs on wasm when default_n does not fit there (0:
   * default_n), and why. ns_per_op stays comparable with native. */
  int64_t wasm_n;
  const char *wasm_n_why;
  /* The n the demo page proposes (0: the page's own default): a size that
   * finishes in seconds on wasm. */
  int64_t page_n;
};

extern const struct workload gort_workloads[];
extern const int gort_workload_count;

const struct workload *gort_workload_find(const char *name);

/* Writes `gort list --json` for the count workloads of table to f: one
 * JSON document, an object whose "workloads" array lists them in table
 * order (docs/WORKLOADS.md has its members). Every string is escaped, so
 * the document is well-formed whatever the table holds (bytes that are
 * not UTF-8 become U+FFFD). Returns 0, or -1 when writing to f failed. */
int gort_workloads_write_json(FILE *f, const struct workload *table, int count);

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
