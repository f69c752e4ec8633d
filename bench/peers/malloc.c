/*
 * malloc.c - the manual-memory peers of alloc_small: built twice, as
 * peer-glibc (malloc/free from glibc) and, with -DPEER_MIMALLOC, as
 * peer-mimalloc (mi_malloc/mi_free from Debian's libmimalloc-dev).
 *
 * alloc_small (docs/WORKLOADS.md): N allocations of a pointer-free 32-byte
 * object, each stored to a global and dead at the next iteration. Without
 * a GC the previous object is freed when the global is overwritten, so
 * each iteration is one allocation plus one free. result = the last
 * object's field + 1 = N. No "gc" object: there is no collector.
 */
#include "peer.h"

#include <stdio.h>

#ifdef PEER_MIMALLOC
#include <mimalloc.h>
#define ALLOC mi_malloc
#define FREE mi_free
const char peer_impl[] = "mimalloc";

const char *peer_version(void) {
  static char v[32];
  int x = mi_version(); /* e.g. 209 for 2.0.9 */
  snprintf(v, sizeof v, "%d.%d.%d", x / 100, x / 10 % 10, x % 10);
  return v;
}
#else
#include <gnu/libc-version.h>
#include <stdlib.h>
#define ALLOC malloc
#define FREE free
const char peer_impl[] = "glibc";

const char *peer_version(void) { return gnu_get_libc_version(); }
#endif

struct small {
  int64_t a, b, c, d;
};

/* Global and volatile: every store happens, no allocation is elided. */
struct small *volatile alloc_small_sink;

static const char *run_alloc_small(int64_t n, struct peer_outcome *out) {
  int64_t t0 = peer_now_ns();
  for (int64_t i = 0; i < n; i++) {
    struct small *p = ALLOC(sizeof *p);
    p->a = i;
    struct small *old = alloc_small_sink;
    alloc_small_sink = p;
    FREE(old);
  }
  int64_t el = peer_now_ns() - t0;
  out->wall_ns = out->timed_ns = el;
  out->result = alloc_small_sink->a + 1;
  FREE(alloc_small_sink);
  alloc_small_sink = NULL;
  return out->result == n ? NULL : "last object's field + 1 != n";
}

const struct peer_workload peer_workloads[] = {
    {"alloc_small", 50000000, 1, INT64_MAX / 2, run_alloc_small},
};
const size_t peer_nworkloads = sizeof peer_workloads / sizeof *peer_workloads;

/* One thread and no collector: procs only goes into the JSON line. */
void peer_init(int procs) { (void)procs; }
