/*
 * peer.h - the shared frame of the C peer programs (bench/peers): the same
 * command line and JSON line as `gort run` and the Go twin, so that
 * bench/run.mjs treats every implementation alike.
 *
 *   peer-NAME list
 *   peer-NAME run WORKLOAD [--procs N] [--n N] [--json]
 *
 * Each peer (boehm.c, malloc.c) defines the table `peer_workloads`, the
 * name `peer_impl`, `peer_version()` and `peer_init(procs)`; peer.c does
 * the rest. Definitions: docs/WORKLOADS.md and bench/go/WORKLOADS-NOTES.md.
 * Exit status: 0 ok, 1 wrong result (FAILED on stderr), 2 usage error.
 */
#ifndef GORT_BENCH_PEER_H
#define GORT_BENCH_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The "gc" object of the JSON line (GC peers only); figures cover the
 * workload's GC window, as in the Go twin. */
struct peer_gc {
  int64_t num_gc;
  int64_t pause_total_ns;
  int64_t pause_max_ns;
  int64_t pause_p50_ns;
  int64_t heap_peak_bytes;
  int64_t pauses_seen;
  bool pauses_known; /* false: pause figures are printed as null */
};

/* One workload-specific JSON field (printed after rss_peak_bytes). */
struct peer_extra {
  const char *key;
  double value;
  bool integer;
};

#define PEER_MAX_EXTRA 4

/* What a workload hands back; ns_per_op = timed_ns / n. */
struct peer_outcome {
  int64_t wall_ns;
  int64_t timed_ns;
  int64_t result;
  bool has_gc;
  struct peer_gc gc;
  int nextra;
  struct peer_extra extra[PEER_MAX_EXTRA];
};

struct peer_workload {
  const char *name;
  int64_t default_n;
  int64_t min_n, max_n;
  /* Runs the workload; returns NULL on success or a static message
   * describing the wrong result. */
  const char *(*run)(int64_t n, struct peer_outcome *out);
};

/* Defined by each peer. */
extern const struct peer_workload peer_workloads[];
extern const size_t peer_nworkloads;
extern const char peer_impl[];
const char *peer_version(void);
void peer_init(int procs);

/* Helpers from peer.c. */
int64_t peer_now_ns(void); /* CLOCK_MONOTONIC */
void peer_add_extra(struct peer_outcome *out, const char *key, double value,
                    bool integer);
/* Nearest-rank percentile (0 < p <= 100); sorts xs in place. */
int64_t peer_percentile(int64_t *xs, size_t count, double p);

#endif
