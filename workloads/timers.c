/*
 * timers.c - the workload `timers` (WORKLOADS.md): goroutine i notes t0,
 * sleeps d_i = 1 ms + (i-th output of splitmix64 seeded 42) mod 9,000,001
 * ns, and records its lateness (now - t0) - d_i. Wall time from the first
 * spawn to Wait's return; lateness mean, p50 and p99 (nearest rank) in µs.
 * result = the number of sleeps that were not early (must be n).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gort.h"
#include "workloads.h"

struct sleeper {
  int64_t d, late;
};

static struct sleeper *sleepers;
static gort_waitgroup wg;

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void sleeper(void *p) {
  struct sleeper *s = p;
  int64_t t0 = gort_nanotime();
  gort_sleep(s->d);
  s->late = gort_nanotime() - t0 - s->d;
  gort_waitgroup_done(&wg);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static double nearest_rank(const int64_t *sorted, int64_t n, double p) {
  int64_t k = (int64_t)ceil(p / 100.0 * (double)n);
  return (double)sorted[k < 1 ? 0 : k - 1];
}

void gort_workload_timers(int64_t n, struct workload_result *r) {
  sleepers = calloc((size_t)n, sizeof *sleepers);
  int64_t *late = calloc((size_t)n, sizeof *late);
  if (!sleepers || !late) {
    r->ok = false;
    r->error = "out of memory";
    return;
  }
  uint64_t state = 42;
  for (int64_t i = 0; i < n; i++)
    sleepers[i].d = 1000000 + (int64_t)(splitmix64(&state) % 9000001);
  gort_waitgroup_add(&wg, n);
  int64_t t0 = gort_nanotime();
  for (int64_t i = 0; i < n; i++)
    gort_go(sleeper, &sleepers[i]);
  gort_waitgroup_wait(&wg);
  r->wall_ns = gort_nanotime() - t0;
  int64_t on_time = 0;
  double sum = 0;
  for (int64_t i = 0; i < n; i++) {
    late[i] = sleepers[i].late;
    on_time += late[i] >= 0;
    sum += (double)late[i];
  }
  qsort(late, (size_t)n, sizeof *late, cmp_i64);
  snprintf(r->extra, sizeof r->extra,
           "\"late_mean_us\":%.1f,\"late_p50_us\":%.1f,\"late_p99_us\":%.1f",
           sum / (double)n / 1e3, nearest_rank(late, n, 50) / 1e3,
           nearest_rank(late, n, 99) / 1e3);
  free(late);
  free(sleepers);
  r->n = n;
  r->result = on_time;
  r->ok = on_time == n;
  r->error = r->ok ? NULL : "a sleep returned early";
}
