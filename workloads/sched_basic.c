/*
 * sched_basic.c - the workloads `yield` and `spawn` (WORKLOADS.md).
 *
 * yield: two goroutines each call gort_yield n/2 times (n rounded down to
 *        even); result = the number of yields done, which must equal n.
 * spawn: wg.Add(n); main starts n goroutines that each call wg.Done();
 *        wg.Wait(). Timed from the spawn loop's start to Wait's return;
 *        result = the number of goroutines that ran, which must equal n.
 */
#include <stdatomic.h>

#include "gort.h"
#include "workloads.h"

struct yield_arg {
  int64_t rounds;
  _Atomic int64_t *count;
  gort_waitgroup *wg;
};

static void yielder(void *p) {
  struct yield_arg *a = p;
  for (int64_t i = 0; i < a->rounds; i++) {
    gort_yield();
    atomic_fetch_add_explicit(a->count, 1, memory_order_relaxed);
  }
  gort_waitgroup_done(a->wg);
}

void gort_workload_yield(int64_t n, struct workload_result *r) {
  _Atomic int64_t count = 0;
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  struct yield_arg a = {n / 2, &count, &wg};
  int64_t t0 = gort_nanotime();
  gort_waitgroup_add(&wg, 2);
  gort_go(yielder, &a);
  gort_go(yielder, &a);
  gort_waitgroup_wait(&wg);
  r->wall_ns = gort_nanotime() - t0;
  r->n = a.rounds * 2;
  r->result = atomic_load(&count);
  r->ok = r->result == r->n;
  r->error = r->ok ? NULL : "yield count does not match n";
}

struct spawn_arg {
  gort_waitgroup wg;
  _Atomic int64_t ran;
};

static void spawned(void *p) {
  struct spawn_arg *a = p;
  atomic_fetch_add_explicit(&a->ran, 1, memory_order_relaxed);
  gort_waitgroup_done(&a->wg);
}

void gort_workload_spawn(int64_t n, struct workload_result *r) {
  static struct spawn_arg a;
  a = (struct spawn_arg){GORT_WAITGROUP_INIT, 0};
  int64_t t0 = gort_nanotime();
  gort_waitgroup_add(&a.wg, n);
  for (int64_t i = 0; i < n; i++) {
    if (gort_go(spawned, &a) != 0) {
      r->ok = false;
      r->error = "gort_go failed: out of memory";
      return;
    }
  }
  gort_waitgroup_wait(&a.wg);
  r->wall_ns = gort_nanotime() - t0;
  r->n = n;
  r->result = atomic_load(&a.ran);
  r->ok = r->result == n;
  r->error = r->ok ? NULL : "not every goroutine ran";
}
