// bench/lib/suite.mjs - what the benchmark suite runs besides gort and Go:
// the C peers of each workload, the wasm sizes, the --quick sizes, the
// time budget and the per-run time estimates used before any history
// exists. The targets and headline figures are in bench/targets.json.

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

// wasm has a fixed 1 GiB memory and commits every goroutine's 32 KiB stack
// plus its 16 KiB Asyncify buffer, so about 21,000 goroutines fit alive at
// once. Workloads that keep more alive run at a smaller N there (their
// ns_per_op stays comparable with the native one).
const WASM_GOROUTINES = 'more goroutines alive at once than fit in wasm\'s fixed 1 GiB (~21,000 at 48 KiB each)';
export const WASM_N = {
  skynet: { n: 10_000, why: WASM_GOROUTINES },
  context_cancel: { n: 10_000, why: WASM_GOROUTINES },
  timers: { n: 10_000, why: WASM_GOROUTINES },
};

// Workloads wasm cannot run at all, with the reason the table gives.
export const NOT_ON_WASM = {
  tcp_echo: 'no network on wasm (the API returns GORT_ENOTSUP)',
};

// --quick: one run at a tiny N, only to prove the runner works (npm test).
export const QUICK_N = {
  yield: 1000,
  spawn: 1000,
  skynet: 1000,
  imbalance: 100,
  pingpong: 1000,
  chan_buffered: 1000,
  chan_buffered_4x4: 1000,
  select4: 1000,
  sieve: 10,
  timers: 100,
  mutex_contended: 800,
  rwmutex_read: 800,
  context_cancel: 100,
  alloc_small: 10_000,
  binary_trees: 6,
  gc_pause: 20_000, // enough allocation past the 4 MiB minimum heap for cycles: a pause to compare
  tcp_echo: 1000,
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
export const UNKNOWN_MS = 2000;
