/*
 * boehm.c - the Boehm GC peer (Debian libgc-dev, -lgc): binary_trees and
 * gc_pause exactly as docs/WORKLOADS.md and bench/go/WORKLOADS-NOTES.md
 * define them, allocating every node with GC_MALLOC.
 *
 * Configuration (peer_init): --procs sets the number of marker threads
 * (GC_set_markers_count; the parallel markers are started explicitly, as a
 * single-threaded client must); interior-pointer recognition is off
 * (every pointer kept is an object's start), so Boehm does not pad each
 * object by a byte (a 16-byte node would otherwise take 32). Everything
 * else is Boehm's default: non-incremental, stop-the-world marking, lazy
 * sweeping.
 *
 * The "gc" object: num_gc from GC_get_gc_no(); each pause is
 * GC_EVENT_PRE_STOP_WORLD .. GC_EVENT_POST_START_WORLD as reported by
 * GC_set_on_collection_event (the whole stopped mark of a cycle);
 * heap_peak_bytes is the largest "heap size - free bytes" (bytes in heap
 * blocks in use: live plus not-yet-swept objects) seen at each collection's
 * start and at the window's ends.
 */
#define GC_THREADS
#include <gc/gc.h>

#include "peer.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char peer_impl[] = "boehm";

/* ---- GC window: pauses, cycles, heap peak ---- */

#define MAX_PAUSES 65536

struct gc_window {
  bool on;
  GC_word gc_no0;
  int64_t stop_t0;
  int64_t count, total, max;
  int64_t heap_peak;
  int64_t pauses[MAX_PAUSES]; /* last: not cleared per window */
};

static struct gc_window win;

static int64_t heap_in_use(const struct GC_prof_stats_s *s) {
  return (int64_t)(s->heapsize_full - s->free_bytes_full);
}

static void note_heap(int64_t bytes) {
  if (bytes > win.heap_peak)
    win.heap_peak = bytes;
}

/* Called with the GC lock held (or the world stopped): no allocation, no
 * locking calls; only the clock and the unsynchronized statistics. */
static void GC_CALLBACK on_event(GC_EventType ev) {
  if (!win.on)
    return;
  if (ev == GC_EVENT_START) {
    struct GC_prof_stats_s s;
    GC_get_prof_stats_unsafe(&s, sizeof s);
    note_heap(heap_in_use(&s));
  } else if (ev == GC_EVENT_PRE_STOP_WORLD) {
    win.stop_t0 = peer_now_ns();
  } else if (ev == GC_EVENT_POST_START_WORLD && win.stop_t0) {
    int64_t p = peer_now_ns() - win.stop_t0;
    win.stop_t0 = 0;
    if (win.count < MAX_PAUSES)
      win.pauses[win.count] = p;
    win.count++;
    win.total += p;
    if (p > win.max)
      win.max = p;
  }
}

static void sample_heap(void) {
  struct GC_prof_stats_s s;
  GC_get_prof_stats(&s, sizeof s);
  note_heap(heap_in_use(&s));
}

static void window_start(void) {
  memset(&win, 0, offsetof(struct gc_window, pauses));
  win.gc_no0 = GC_get_gc_no();
  sample_heap();
  win.on = true;
}

static void window_stop(struct peer_outcome *out) {
  sample_heap();
  win.on = false;
  int64_t seen = win.count < MAX_PAUSES ? win.count : MAX_PAUSES;
  out->has_gc = true;
  out->gc = (struct peer_gc){
      .num_gc = (int64_t)(GC_get_gc_no() - win.gc_no0),
      .pause_total_ns = win.total,
      .pause_max_ns = win.max,
      .pause_p50_ns = peer_percentile(win.pauses, (size_t)seen, 50),
      .heap_peak_bytes = win.heap_peak,
      .pauses_seen = seen,
      .pauses_known = true,
  };
}

/* ---- binary_trees ---- */

struct bt_node {
  struct bt_node *left, *right;
};

static struct bt_node *bt_bottom_up(int depth) {
  struct bt_node *l = NULL, *r = NULL;
  if (depth > 0) {
    l = bt_bottom_up(depth - 1);
    r = bt_bottom_up(depth - 1);
  }
  struct bt_node *t = GC_MALLOC(sizeof *t);
  t->left = l;
  t->right = r;
  return t;
}

static int64_t bt_check(const struct bt_node *t) {
  if (!t->left)
    return 1;
  return 1 + bt_check(t->left) + bt_check(t->right);
}

static char fail_msg[160];

static const char *fail_check(const char *what, int d, int64_t got,
                              int64_t want) {
  snprintf(fail_msg, sizeof fail_msg, "%s %d: check %lld, want %lld", what, d,
           (long long)got, (long long)want);
  return fail_msg;
}

/* Global so the compiler keeps the long-lived tree reachable until the
 * end (Go: runtime.KeepAlive). */
struct bt_node *volatile bt_long_lived;

static const char *run_binary_trees(int64_t n, struct peer_outcome *out) {
  const int min_depth = 4, max_depth = (int)n;
  window_start();
  int64_t t0 = peer_now_ns(), res = 0;
  int64_t stretch = bt_check(bt_bottom_up(max_depth + 1));
  if (stretch != ((int64_t)1 << (max_depth + 2)) - 1)
    return fail_check("stretch tree depth", max_depth + 1, stretch,
                      ((int64_t)1 << (max_depth + 2)) - 1);
  res += stretch;
  bt_long_lived = bt_bottom_up(max_depth);
  for (int d = min_depth; d <= max_depth; d += 2) {
    int64_t iters = (int64_t)1 << (max_depth - d + min_depth), chk = 0;
    for (int64_t i = 0; i < iters; i++)
      chk += bt_check(bt_bottom_up(d));
    int64_t want = iters * (((int64_t)1 << (d + 1)) - 1);
    if (chk != want)
      return fail_check("depth", d, chk, want);
    res += chk;
  }
  int64_t lc = bt_check(bt_long_lived);
  if (lc != ((int64_t)1 << (max_depth + 1)) - 1)
    return fail_check("long lived tree depth", max_depth, lc,
                      ((int64_t)1 << (max_depth + 1)) - 1);
  res += lc;
  bt_long_lived = NULL;
  int64_t el = peer_now_ns() - t0;
  window_stop(out);
  out->wall_ns = out->timed_ns = el;
  out->result = res;
  return NULL;
}

/* ---- gc_pause ---- */

struct gc_node {
  struct gc_node *left, *right;
  int64_t v[6];
};

/* Roots in the data segment, which Boehm scans. */
struct gc_node *volatile gc_root, *volatile gc_sink;

static struct gc_node *gc_build(int64_t i, int64_t n) {
  if (i >= n)
    return NULL;
  struct gc_node *t = GC_MALLOC(sizeof *t);
  t->v[0] = i;
  t->left = gc_build(2 * i + 1, n);
  t->right = gc_build(2 * i + 2, n);
  return t;
}

static void gc_sum(const struct gc_node *t, int64_t *count, int64_t *sum) {
  for (; t; t = t->right) {
    gc_sum(t->left, count, sum);
    *count += 1;
    *sum += t->v[0];
  }
}

static const char *run_gc_pause(int64_t n, struct peer_outcome *out) {
  int64_t allocs = n * 33554432 / 1000000;
  int64_t t0 = peer_now_ns();
  gc_root = gc_build(0, n);
  GC_gcollect();
  window_start();
  int64_t t1 = peer_now_ns();
  for (int64_t i = 0; i < allocs; i++) {
    struct gc_node *p = GC_MALLOC(sizeof *p);
    p->v[0] = i;
    gc_sink = p;
  }
  int64_t el = peer_now_ns() - t1;
  window_stop(out);
  out->wall_ns = peer_now_ns() - t0;
  out->timed_ns = el;
  int64_t count = 0, sum = 0;
  gc_sum(gc_root, &count, &sum);
  if (count != n) {
    snprintf(fail_msg, sizeof fail_msg, "live tree has %lld nodes, want %lld",
             (long long)count, (long long)n);
    return fail_msg;
  }
  if (sum != n * (n - 1) / 2)
    return fail_check("live tree sum, n", (int)n, sum, n * (n - 1) / 2);
  out->result = sum;
  peer_add_extra(out, "alloc_ms", el / 1e6, false);
  peer_add_extra(out, "allocs", (double)allocs, true);
  peer_add_extra(out, "ns_per_alloc", allocs ? (double)el / allocs : 0, false);
  return NULL;
}

/* ---- the peer's table ---- */

const struct peer_workload peer_workloads[] = {
    {"binary_trees", 18, 6, 25, run_binary_trees},
    {"gc_pause", 1000000, 1, 100000000, run_gc_pause},
};
const size_t peer_nworkloads = sizeof peer_workloads / sizeof *peer_workloads;

const char *peer_version(void) {
  static char v[32];
  unsigned x = GC_get_version(); /* major << 16 | minor << 8 | micro */
  snprintf(v, sizeof v, "%u.%u.%u", x >> 16, (x >> 8) & 0xff, x & 0xff);
  return v;
}

void peer_init(int procs) {
  GC_set_all_interior_pointers(0);
  GC_set_markers_count((unsigned)procs);
  GC_set_on_collection_event(on_event);
  GC_INIT();
  if (procs > 1)
    GC_start_mark_threads();
}
