/*
 * imbalance.c - the workload `imbalance` (WORKLOADS.md; exact task in
 * bench/go/WORKLOADS-NOTES.md): the main goroutine starts n tasks on its
 * own P and waits; the other Ps get work only by stealing. Task i computes
 * about 10 us of dependent 64-bit arithmetic into out[i]. Timed from the
 * spawn loop's start to Wait's return; result = sum of out[i]
 * (213830452308652 for n = 100,000). The JSON's sched.steals shows the
 * stealing.
 */
#include <stdlib.h>

#include "gort.h"
#include "workloads.h"

enum { IMBALANCE_ITERS = 6000 };
static const int64_t IMBALANCE_WANT_100K = 213830452308652;

static uint64_t *out;
static gort_waitgroup wg;

static uint64_t imbalance_task(uint64_t i) {
  uint64_t x = i + 0x9E3779B97F4A7C15ull;
  for (int k = 0; k < IMBALANCE_ITERS; k++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
  }
  return x >> 32;
}

static void task(void *arg) {
  uintptr_t i = (uintptr_t)arg;
  out[i] = imbalance_task(i);
  gort_waitgroup_done(&wg);
}

void gort_workload_imbalance(int64_t n, struct workload_result *r) {
  out = calloc((size_t)n, sizeof *out);
  if (out == NULL) {
    r->ok = false;
    r->error = "out of memory";
    return;
  }
  int64_t t0 = gort_nanotime();
  gort_waitgroup_add(&wg, n);
  for (int64_t i = 0; i < n; i++)
    if (gort_go(task, (void *)(uintptr_t)i) != 0) {
      r->ok = false;
      r->error = "gort_go failed: out of memory";
      return;
    }
  gort_waitgroup_wait(&wg);
  r->wall_ns = gort_nanotime() - t0;
  uint64_t sum = 0;
  for (int64_t i = 0; i < n; i++)
    sum += out[i];
  free(out);
  r->n = n;
  r->result = (int64_t)sum;
  r->ok = n != 100000 || r->result == IMBALANCE_WANT_100K;
  r->error = r->ok ? NULL : "checksum differs from the definition's";
}
