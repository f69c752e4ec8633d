/*
 * sync_workloads.c - the sync workloads of WORKLOADS.md, exactly as the Go
 * twin (bench/go/sync.go) runs them. n counts lock+unlock pairs in all and
 * must be a multiple of 8 (default 16,000,000 = 8 x 2,000,000).
 *
 * mutex_contended  8 goroutines each do n/8 times {lock; counter++;
 *                  unlock} on one Mutex; result = counter = n.
 * rwmutex_read     the same with {rlock; s += shared; runlock}, shared = 1
 *                  and s the goroutine's own sum, stored in its slot after
 *                  the loop; no writers; result = sum of the 8 sums = n.
 *
 * Both start their 8 goroutines, wait until each signalled "ready", then
 * close a start channel that releases them together; the timed part runs
 * from the close to the return of the WaitGroup's Wait.
 */
#include <stdio.h>

#include "gort.h"
#include "workloads.h"

enum { SYNC_WORKERS = 8 };

struct release {
  gort_waitgroup ready, done;
  gort_chan *start;
  int64_t iters; /* n / 8 */
  void (*body)(int g, int64_t iters);
};

static struct release rel;

struct worker {
  int g;
};

static void worker(void *p) {
  struct worker *w = p;
  gort_waitgroup_done(&rel.ready);
  gort_chan_recv(rel.start, NULL);
  rel.body(w->g, rel.iters);
  gort_waitgroup_done(&rel.done);
}

/* release_workers starts the workers, releases them together and returns
 * the ns from the release to the last one's end (Go's releaseWorkers). */
static int64_t release_workers(int64_t iters, void (*body)(int, int64_t)) {
  static struct worker ws[SYNC_WORKERS];
  rel = (struct release){
      .start = gort_chan_make(0, 0), .iters = iters, .body = body};
  if (rel.start == NULL)
    return -1;
  gort_waitgroup_add(&rel.ready, SYNC_WORKERS);
  gort_waitgroup_add(&rel.done, SYNC_WORKERS);
  for (int g = 0; g < SYNC_WORKERS; g++) {
    ws[g].g = g;
    gort_go(worker, &ws[g]);
  }
  gort_waitgroup_wait(&rel.ready);
  int64_t t0 = gort_nanotime();
  gort_chan_close(rel.start);
  gort_waitgroup_wait(&rel.done);
  int64_t el = gort_nanotime() - t0;
  gort_chan_free(rel.start);
  return el;
}

static void finish(struct workload_result *r, int64_t n, int64_t el,
                   int64_t result) {
  r->n = n;
  r->wall_ns = el;
  r->result = result;
  r->ok = el >= 0 && result == n;
  r->error = el < 0 ? "out of memory" : r->ok ? NULL : "result differs from n";
}

/* ---- mutex_contended ---------------------------------------------------- */

/* The mutex and the counter it guards share one cache line, as they do in
 * the Go twin (two adjacent 8-byte heap objects there): a lock hand-off
 * between CPUs then moves one line, not two. */
static struct {
  _Alignas(64) gort_mutex mu; /* and so the struct starts a line */
  int64_t counter;            /* guarded by mu */
} mc;

static void mutex_body(int g, int64_t iters) {
  (void)g;
  for (int64_t i = 0; i < iters; i++) {
    gort_mutex_lock(&mc.mu);
    mc.counter++;
    gort_mutex_unlock(&mc.mu);
  }
}

void gort_workload_mutex_contended(int64_t n, struct workload_result *r) {
  if (n % SYNC_WORKERS != 0) {
    r->ok = false;
    r->error = "n must be a multiple of 8";
    return;
  }
  mc.counter = 0;
  struct gort_sync_stats before, after;
  gort_sync_stats(&before);
  int64_t el = release_workers(n / SYNC_WORKERS, mutex_body);
  gort_sync_stats(&after);
  finish(r, n, el, mc.counter);
  snprintf(r->extra, sizeof r->extra,
           "\"sync\":{\"sema_parks\":%llu,\"sema_handoffs\":%llu,"
           "\"starvation_entered\":%llu}",
           (unsigned long long)(after.sema_parks - before.sema_parks),
           (unsigned long long)(after.sema_handoffs - before.sema_handoffs),
           (unsigned long long)(after.mutex_starvation_entered -
                                before.mutex_starvation_entered));
}

/* ---- rwmutex_read ------------------------------------------------------- */

static gort_rwmutex rw;
static int64_t shared = 1; /* read under rw */
static int64_t sums[SYNC_WORKERS];

static void rwmutex_body(int g, int64_t iters) {
  int64_t s = 0;
  for (int64_t i = 0; i < iters; i++) {
    gort_rwmutex_rlock(&rw);
    s += shared;
    gort_rwmutex_runlock(&rw);
  }
  sums[g] = s;
}

void gort_workload_rwmutex_read(int64_t n, struct workload_result *r) {
  if (n % SYNC_WORKERS != 0) {
    r->ok = false;
    r->error = "n must be a multiple of 8";
    return;
  }
  int64_t el = release_workers(n / SYNC_WORKERS, rwmutex_body);
  int64_t res = 0;
  for (int g = 0; g < SYNC_WORKERS; g++)
    res += sums[g];
  finish(r, n, el, res);
}
