/*
 * gc_workloads.c - the GC workloads of WORKLOADS.md, exactly as the Go
 * twin (bench/go/gc.go) runs them, on the public GC heap (gort.h,
 * "Memory"). Each reports the "gc" object of its GC window (gcwatch.h).
 *
 * alloc_small   n times {p = alloc_noscan(32); p->a = i; sink = p}; the
 *               previous object is dead from the next store on. Window
 *               and timed part: the loop. result = sink->a + 1 = n.
 * binary_trees  the Benchmarks Game binary-trees, n = max depth (6..25),
 *               two-pointer nodes {left, right} (16 bytes; 8 on wasm32)
 *               on one goroutine: stretch tree
 *               n+1, a long-lived tree n, 2^(n-d+4) trees of each depth
 *               d = 4, 6, .. <= n, the long-lived tree's check; every
 *               check verified. Window and timed part: all of it. result
 *               = the sum of the checks (n = 18: 68332206).
 * gc_pause      a complete binary tree of n 64-byte nodes {left, right,
 *               int64 v[6]} in heap order (node i's children 2i+1, 2i+2;
 *               v[0] = i), built depth-first and rooted in a global; a
 *               full gort_gc(); then the window and timed part:
 *               floor(n * 2^25 / 10^6) times {p = alloc; p->v[0] = i;
 *               sink = p}. wall = all three. result = sum of v[0] over the
 *               tree afterwards = n(n-1)/2 (with n nodes still there).
 *
 * binary_trees' and gc_pause's nodes come from gort_alloc_typed with a
 * mask of their two pointer words, so they are scanned precisely, as Go
 * scans them; alloc_small's object holds no pointers (never scanned).
 *
 * The sinks and gc_pause's root are globals, which the collector scans;
 * binary_trees' trees live in locals (the goroutine's stack is scanned).
 * Every store of a pointer into a node or a global goes through the write
 * barrier (GORT_STORE; gort.h "Memory: the write barrier"), where Go's
 * compiler puts a barrier check on each of the twin's pointer stores into
 * the heap or a global; the integer fields and locals need nothing.
 */
#include <stdio.h>

#include "gcwatch.h"
#include "gort.h"
#include "workloads.h"

/* Append the gc object to r's extra fields. */
static void finish_gc(struct workload_result *r, const struct gc_out *g) {
  if (!gc_out_json(g, r->extra, sizeof r->extra)) {
    r->ok = false;
    r->error = "the gc object does not fit in the JSON line";
  }
}

/* ---- alloc_small -------------------------------------------------------- */

struct small {
  int64_t a, b, c, d; /* 32 bytes, no pointers */
};

static struct small *small_sink;

void gort_workload_alloc_small(int64_t n, struct workload_result *r) {
  r->n = n;
  if (gc_watch_start() != 0) {
    r->error = "out of memory";
    return;
  }
  int64_t t0 = gort_nanotime();
  for (int64_t i = 0; i < n; i++) {
    struct small *p = gort_alloc_noscan(sizeof *p);
    p->a = i;
    GORT_STORE(small_sink, p);
  }
  r->wall_ns = gort_nanotime() - t0;
  struct gc_out g;
  gc_watch_stop(&g);
  r->result = small_sink->a + 1;
  r->ok = r->result == n;
  r->error = r->ok ? NULL : "result differs from n";
  if (r->ok)
    finish_gc(r, &g);
}

/* ---- binary_trees ------------------------------------------------------- */

struct bt_node {
  struct bt_node *left, *right;
};

static const uint8_t bt_mask[] = {
    1u << GORT_PTRMASK_WORD(struct bt_node, left) |
    1u << GORT_PTRMASK_WORD(struct bt_node, right)};
static const gort_type bt_type = {sizeof(struct bt_node), bt_mask, "bt_node"};

/* Children first, then the node, as the Go twin's composite literal. */
static struct bt_node *bt_bottom_up(int depth) {
  struct bt_node *left = NULL, *right = NULL;
  if (depth > 0) {
    left = bt_bottom_up(depth - 1);
    right = bt_bottom_up(depth - 1);
  }
  struct bt_node *t = gort_alloc_typed(&bt_type, 1);
  GORT_STORE(t->left, left);
  GORT_STORE(t->right, right);
  return t;
}

static int64_t bt_check(const struct bt_node *t) {
  if (t->left == NULL)
    return 1;
  return 1 + bt_check(t->left) + bt_check(t->right);
}

enum { BT_MIN_DEPTH = 4, BT_LOWEST_N = 6, BT_HIGHEST_N = 25 };

static bool bt_verify(struct workload_result *r, const char *what, int64_t got,
                      int64_t want) {
  if (got == want)
    return true;
  static char why[96];
  snprintf(why, sizeof why, "%s: check %lld, want %lld", what, (long long)got,
           (long long)want);
  r->result = got;
  r->error = why;
  return false;
}

/* The whole benchmark: false (with r->error) when a check fails. */
static bool bt_run(int max_depth, struct workload_result *r) {
  int64_t stretch = bt_check(bt_bottom_up(max_depth + 1));
  if (!bt_verify(r, "stretch tree", stretch,
                 (INT64_C(1) << (max_depth + 2)) - 1))
    return false;
  int64_t res = stretch;
  struct bt_node *long_lived = bt_bottom_up(max_depth);
  for (int d = BT_MIN_DEPTH; d <= max_depth; d += 2) {
    int64_t iters = INT64_C(1) << (max_depth - d + BT_MIN_DEPTH), chk = 0;
    for (int64_t i = 0; i < iters; i++)
      chk += bt_check(bt_bottom_up(d));
    char what[32];
    snprintf(what, sizeof what, "depth %d", d);
    if (!bt_verify(r, what, chk, iters * ((INT64_C(1) << (d + 1)) - 1)))
      return false;
    res += chk;
  }
  int64_t lc = bt_check(long_lived);
  if (!bt_verify(r, "long lived tree", lc, (INT64_C(1) << (max_depth + 1)) - 1))
    return false;
  gort_keepalive(long_lived);
  r->result = res + lc;
  return true;
}

void gort_workload_binary_trees(int64_t n, struct workload_result *r) {
  r->n = n;
  if (n < BT_LOWEST_N || n > BT_HIGHEST_N) {
    r->error = "n must be in 6..25";
    return;
  }
  if (gc_watch_start() != 0) {
    r->error = "out of memory";
    return;
  }
  int64_t t0 = gort_nanotime();
  r->ok = bt_run((int)n, r);
  r->wall_ns = gort_nanotime() - t0;
  struct gc_out g;
  gc_watch_stop(&g);
  if (r->ok)
    finish_gc(r, &g);
}

/* ---- gc_pause ----------------------------------------------------------- */

struct gc_node {
  struct gc_node *left, *right;
  int64_t v[6]; /* 64 bytes in all */
};

static const uint8_t gc_node_mask[] = {
    1u << GORT_PTRMASK_WORD(struct gc_node, left) |
    1u << GORT_PTRMASK_WORD(struct gc_node, right)};
static const gort_type gc_node_type = {sizeof(struct gc_node), gc_node_mask,
                                       "gc_node"};

static struct gc_node *gc_root, *gc_sink;

/* floor(n * 33,554,432 / 1,000,000): 2 GiB of 64-byte nodes at the
 * default n, the same allocation/live ratio at others (exact for every n
 * up to WORKLOAD_MAX_N). */
static int64_t gc_pause_allocs(int64_t n) { return n * 33554432 / 1000000; }

/* Node i, then its left subtree, then its right (depth-first). */
static struct gc_node *gc_build(int64_t i, int64_t n) {
  if (i >= n)
    return NULL;
  struct gc_node *t = gort_alloc_typed(&gc_node_type, 1);
  t->v[0] = i;
  GORT_STORE(t->left, gc_build(2 * i + 1, n));
  GORT_STORE(t->right, gc_build(2 * i + 2, n));
  return t;
}

/* Node count and sum of v[0]: recursion on the left, a loop on the
 * right (the Go twin's sum). */
static void gc_sum(const struct gc_node *t, int64_t *count, int64_t *sum) {
  for (; t != NULL; t = t->right) {
    gc_sum(t->left, count, sum);
    *count += 1;
    *sum += t->v[0];
  }
}

void gort_workload_gc_pause(int64_t n, struct workload_result *r) {
  r->n = n;
  int64_t allocs = gc_pause_allocs(n);
  int64_t t0 = gort_nanotime();
  GORT_STORE(gc_root, gc_build(0, n));
  gort_gc();
  if (gc_watch_start() != 0) {
    r->error = "out of memory";
    return;
  }
  int64_t t1 = gort_nanotime();
  for (int64_t i = 0; i < allocs; i++) {
    struct gc_node *p = gort_alloc_typed(&gc_node_type, 1);
    p->v[0] = i;
    GORT_STORE(gc_sink, p);
  }
  int64_t el = gort_nanotime() - t1;
  struct gc_out g;
  gc_watch_stop(&g);
  r->wall_ns = gort_nanotime() - t0;
  r->timed_ns = el;
  int64_t count = 0, sum = 0;
  gc_sum(gc_root, &count, &sum);
  r->result = sum;
  if (count != n) {
    static char why[80];
    snprintf(why, sizeof why, "live tree has %lld nodes, want %lld",
             (long long)count, (long long)n);
    r->error = why;
    return;
  }
  r->ok = sum == n * (n - 1) / 2;
  r->error = r->ok ? NULL : "result differs from n(n-1)/2";
  if (!r->ok)
    return;
  double ns_per_alloc = allocs > 0 ? (double)el / (double)allocs : 0;
  snprintf(r->extra, sizeof r->extra,
           "\"alloc_ms\":%.3f,\"allocs\":%lld,\"ns_per_alloc\":%.3f",
           (double)el / 1e6, (long long)allocs, ns_per_alloc);
  finish_gc(r, &g);
}
