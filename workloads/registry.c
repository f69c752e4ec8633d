/*
 * registry.c - the one table of workloads, in the order `gort list` prints
 * them, with every fact about each that the CLI, the bench suite
 * (bench/lib/suite.mjs), the demo page (web/app.js) and the tests need:
 * they read it through `gort list --json` (registry_json.c), so adding a
 * workload touches this file, its own .c file and the Go twin
 * (bench/go/main.go, checked against this table by
 * tests/node/workloads.test.mjs).
 *
 * Invariants: names are unique; 1 <= quick_n, wasm_n, page_n <= max_n and
 * each meets the workload's own conditions on n (tests/node/
 * workloads.test.mjs runs every workload at its quick_n). sieve's max_n is
 * smaller: its n filter goroutines all stay alive, its run grows as n^2,
 * and the sum of the first n primes leaves int64 before n = 10^9.
 * binary_trees' n is a tree depth: 25 is the Go twin's largest (a stretch
 * tree of 2^27 nodes); below 6 it fails its result.
 *
 * Locking: none; the table is constant.
 */
#include <string.h>

#include "workloads.h"

/* The headline figures (bench/targets.json sets targets on them). */
static const struct workload_figure ns_per_op = {"ns_per_op", "ns_per_op", 1,
                                                 "ns/op", false};
static const struct workload_figure wall_ms = {"wall_ms", "wall_ms", 1, "ms",
                                               false};
static const struct workload_figure cancel_ms = {"cancel_ms", "cancel_ms", 1,
                                                 "ms cancel", false};
static const struct workload_figure late_p99_us = {"late_p99_us", "late_p99_us",
                                                   1, "µs p99 late", false};
static const struct workload_figure pause_max_us = {
    "pause_max_us", "gc.pause_max_ns", 0.001, "µs max pause", false};
static const struct workload_figure rt_per_sec = {"rt_per_sec", "rt_per_sec", 1,
                                                  "round trips/s", true};

const struct workload gort_workloads[] = {
    {.name = "yield",
     .default_n = 1000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "two goroutines alternately call yield N times in all",
     .run = gort_workload_yield,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 1000},
    {.name = "spawn",
     .default_n = 1000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "start N goroutines that each call wg.Done; wg.Wait",
     .run = gort_workload_spawn,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 1000},
    {.name = "imbalance",
     .default_n = 100000,
     .max_n = WORKLOAD_MAX_N,
     .summary =
         "one goroutine starts N ~10 us tasks on its P; the rest is stolen",
     .run = gort_workload_imbalance,
     .kind = WORKLOAD_SCHED,
     .figure = &wall_ms,
     .quick_n = 100},
    {.name = "skynet",
     .default_n = 1000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "skynet: 1,111,111 goroutines, fan-out 10, channels",
     .run = gort_workload_skynet,
     .kind = WORKLOAD_SCHED,
     .figure = &wall_ms,
     .quick_n = 1000},
    {.name = "pingpong",
     .default_n = 2000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "round trips over two unbuffered channels",
     .run = gort_workload_pingpong,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 1000},
    {.name = "chan_buffered",
     .default_n = 20000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "1 producer, 1 consumer, cap 1024",
     .run = gort_workload_chan_buffered,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 1000},
    {.name = "chan_buffered_4x4",
     .default_n = 20000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "4 producers, 4 consumers, cap 1024",
     .run = gort_workload_chan_buffered_4x4,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 1000},
    {.name = "select4",
     .default_n = 2000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "4-case receive select over unbuffered channels",
     .run = gort_workload_select4,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 1000},
    {.name = "sieve",
     .default_n = 1000,
     .max_n = 1000000,
     .summary = "Go's concurrent prime sieve, first N primes",
     .run = gort_workload_sieve,
     .kind = WORKLOAD_SCHED,
     .figure = &wall_ms,
     .quick_n = 10},
    {.name = "timers",
     .default_n = 100000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "N goroutines sleep 1-10 ms each; lateness",
     .run = gort_workload_timers,
     .kind = WORKLOAD_SCHED,
     .figure = &late_p99_us,
     .quick_n = 100},
    {.name = "mutex_contended",
     .default_n = 16000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "8 goroutines lock, count, unlock one Mutex; n pairs in all",
     .run = gort_workload_mutex_contended,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 800},
    {.name = "rwmutex_read",
     .default_n = 16000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "8 goroutines RLock, read, RUnlock one RWMutex; n pairs in all",
     .run = gort_workload_rwmutex_read,
     .kind = WORKLOAD_SCHED,
     .figure = &ns_per_op,
     .quick_n = 800},
    {.name = "context_cancel",
     .default_n = 100000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "N contexts under one root, a goroutine on each Done; "
                "cancel the root",
     .run = gort_workload_context_cancel,
     .kind = WORKLOAD_SCHED,
     .figure = &cancel_ms,
     .quick_n = 100},
    {.name = "alloc_small",
     .default_n = 50000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "N pointer-free 32-byte GC objects, each stored to a global",
     .run = gort_workload_alloc_small,
     .kind = WORKLOAD_GC,
     .figure = &ns_per_op,
     .quick_n = 10000,
     .page_n = 1000000},
    {.name = "binary_trees",
     .default_n = 18,
     .max_n = 25,
     .summary = "Benchmarks Game binary-trees, depth N, 16-byte precise nodes",
     .run = gort_workload_binary_trees,
     .kind = WORKLOAD_GC,
     .figure = &wall_ms,
     .quick_n = 6,
     .page_n = 16},
    /* quick_n: enough allocation past the 4 MiB minimum heap for cycles,
     * so there is a pause to compare. */
    {.name = "gc_pause",
     .default_n = 1000000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "N live 64-byte nodes, then N * 33.5 allocations; GC pauses",
     .run = gort_workload_gc_pause,
     .kind = WORKLOAD_GC,
     .figure = &pause_max_us,
     .quick_n = 20000,
     .page_n = 100000},
    {.name = "tcp_echo",
     .default_n = 200000,
     .max_n = WORKLOAD_MAX_N,
     .summary = "100 loopback TCP conns, 64 B echo round trips; n in all",
     .run = gort_workload_tcp_echo,
     .kind = WORKLOAD_SCHED,
     .figure = &rt_per_sec,
     .quick_n = 1000,
     .wasm_unsupported = "no network on wasm (the API returns GORT_ENOTSUP)"},
};

const int gort_workload_count =
    (int)(sizeof gort_workloads / sizeof gort_workloads[0]);

const struct workload *gort_workload_find(const char *name) {
  for (int i = 0; i < gort_workload_count; i++)
    if (strcmp(gort_workloads[i].name, name) == 0)
      return &gort_workloads[i];
  return NULL;
}
