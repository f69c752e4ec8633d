// bench/lib/suite.mjs - what the benchmark suite knows beyond the workloads
// themselves: the C peers of each workload, the time budget and the per-run
// time estimates used before any history exists. Facts about a workload
// (its n, quick n, wasm n or why it does not run on wasm, its headline
// figure) come from `gort list --json` (workloads.mjs); the targets are in
// bench/targets.json. Every table here is keyed by workload name, and
// tests/node/workloads.test.mjs checks that each key names a listed one.

// Whole suite on 2 cores, builds included (issue 3: 15 minutes).
export const BUDGET_S = 15 * 60;
// Seconds kept aside for builds and process start-up when fitting runs.
export const BUILD_RESERVE_S = 60;
export const DEFAULT_RUNS = 5;
export const MIN_RUNS = 3;
export const DEFAULT_WARMUP = 1;

// C peers (bench/peers) per workload: implementation ids of impls.mjs.
export const PEERS = {
  binary_trees: ['boehm'],
  gc_pause: ['boehm'],
  alloc_small: ['mimalloc', 'glibc'],
};

// Milliseconds per run (process included) at the default N on the 2-core
// reference VM, for the estimate before bench/results holds a measured
// run: the Go twin and the peers as measured; gort is assumed GORT_FACTOR
// times Go until measured; wasm WASM_FACTOR times native gort per op plus
// Node's start-up.
export const EST_MS = {
  go: {
    yield: 150, spawn: 250, skynet: 1400, imbalance: 700, pingpong: 600,
    chan_buffered: 950, chan_buffered_4x4: 1000, select4: 650, sieve: 100,
    timers: 300, mutex_contended: 650, rwmutex_read: 350, context_cancel: 1300,
    alloc_small: 1250, binary_trees: 2100, gc_pause: 2400, tcp_echo: 1800,
  },
  boehm: { binary_trees: 1400, gc_pause: 3000 },
  mimalloc: { alloc_small: 300 },
  glibc: { alloc_small: 350 },
};
export const GORT_FACTOR = 2;
export const WASM_FACTOR = 4;
export const WASM_START_MS = 700;
export const WASM_SMALL_N_SCALE = 0.1; // a wasm run at its WASM_N size
// Go's js/wasm port (go-wasm): GO_WASM_FACTOR times the Go twin per op
// (measured 4-9x: pingpong 1,494 ns against 240, gc_pause 22 s against
// 2.4) plus Node's start-up
// and the compile of its 3 MB module; at wasm's n when that is smaller.
export const GO_WASM_FACTOR = 6;
export const GO_WASM_START_MS = 400;
// Workloads Go's js/wasm port cannot run at the wasm n, with its failure as
// measured here: not planned on go-wasm in a full run (its cell says
// "skipped", a note says why); --quick still runs them at their tiny n.
export const GO_WASM_SKIP = {
  spawn: 'out of memory with 1,000,000 goroutines alive ("fatal error: out of memory" after 0.4 to 2.2 GB and up to 2.5 min, Node 20, Go 1.19)',
};
export const UNKNOWN_MS = 2000;

// `--gc-scaling` (bench/lib/scaling.mjs, issue 12): gc_pause at these live
// heaps (objects), for these implementations, with these measured runs by
// default (about 10 minutes on the 2-core VM, wasm's 4,000,000 the longest;
// the mode is its own command, outside the suite's budget). quick_sizes:
// --quick's, enough allocation for GC cycles at each.
export const GC_SCALING = {
  workload: 'gc_pause',
  sizes: [250_000, 1_000_000, 4_000_000],
  quick_sizes: [20_000, 40_000, 80_000],
  impls: ['gort', 'go', 'boehm', 'wasm'],
  runs: 3,
};
