/*
 * registry.c - the list of workloads, in the order `gort list` prints them,
 * with each one's default and largest n (workloads.h says how the largest
 * is chosen). sieve's is smaller: its n filter goroutines all stay alive,
 * its run grows as n^2, and the sum of the first n primes leaves int64
 * before n = 10^9. binary_trees' n is a tree depth: 25 is the Go twin's
 * largest (a stretch tree of 2^27 nodes); below 6 it fails its result.
 */
#include <string.h>

#include "workloads.h"

const struct workload gort_workloads[] = {
    {"yield", 1000000, WORKLOAD_MAX_N,
     "two goroutines alternately call yield N times in all",
     gort_workload_yield},
    {"spawn", 1000000, WORKLOAD_MAX_N,
     "start N goroutines that each call wg.Done; wg.Wait", gort_workload_spawn},
    {"imbalance", 100000, WORKLOAD_MAX_N,
     "one goroutine starts N ~10 us tasks on its P; the rest is stolen",
     gort_workload_imbalance},
    {"skynet", 1000000, WORKLOAD_MAX_N,
     "skynet: 1,111,111 goroutines, fan-out 10, channels",
     gort_workload_skynet},
    {"pingpong", 2000000, WORKLOAD_MAX_N,
     "round trips over two unbuffered channels", gort_workload_pingpong},
    {"chan_buffered", 20000000, WORKLOAD_MAX_N,
     "1 producer, 1 consumer, cap 1024", gort_workload_chan_buffered},
    {"chan_buffered_4x4", 20000000, WORKLOAD_MAX_N,
     "4 producers, 4 consumers, cap 1024", gort_workload_chan_buffered_4x4},
    {"select4", 2000000, WORKLOAD_MAX_N,
     "4-case receive select over unbuffered channels", gort_workload_select4},
    {"sieve", 1000, 1000000, "Go's concurrent prime sieve, first N primes",
     gort_workload_sieve},
    {"timers", 100000, WORKLOAD_MAX_N,
     "N goroutines sleep 1-10 ms each; lateness", gort_workload_timers},
    {"mutex_contended", 16000000, WORKLOAD_MAX_N,
     "8 goroutines lock, count, unlock one Mutex; n pairs in all",
     gort_workload_mutex_contended},
    {"rwmutex_read", 16000000, WORKLOAD_MAX_N,
     "8 goroutines RLock, read, RUnlock one RWMutex; n pairs in all",
     gort_workload_rwmutex_read},
    {"context_cancel", 100000, WORKLOAD_MAX_N,
     "N contexts under one root, a goroutine on each Done; cancel the root",
     gort_workload_context_cancel},
    {"alloc_small", 50000000, WORKLOAD_MAX_N,
     "N pointer-free 32-byte GC objects, each stored to a global",
     gort_workload_alloc_small},
    {"binary_trees", 18, 25,
     "Benchmarks Game binary-trees, depth N, 16-byte precise nodes",
     gort_workload_binary_trees},
    {"gc_pause", 1000000, WORKLOAD_MAX_N,
     "N live 64-byte nodes, then N * 33.5 allocations; GC pauses",
     gort_workload_gc_pause},
    {"tcp_echo", 200000, WORKLOAD_MAX_N,
     "100 loopback TCP conns, 64 B echo round trips; n in all",
     gort_workload_tcp_echo},
};

const int gort_workload_count =
    (int)(sizeof gort_workloads / sizeof gort_workloads[0]);

const struct workload *gort_workload_find(const char *name) {
  for (int i = 0; i < gort_workload_count; i++)
    if (strcmp(gort_workloads[i].name, name) == 0)
      return &gort_workloads[i];
  return NULL;
}
