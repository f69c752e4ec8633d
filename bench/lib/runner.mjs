// bench/lib/runner.mjs - runs one planned workload: warm-up rounds, then
// measured rounds, each round running every implementation once in the
// plan's order (gort, Go, peers, wasm), so slow drifts of the machine hit
// all of them alike. An implementation whose run fails is not run again
// for this workload (its failure is reported instead).

import { IMPLS, runOnce } from './impls.mjs';

const MIN_TIMEOUT_MS = 120_000;
const TIMEOUT_FACTOR = 10;

function fmtRun(r) {
  if (!r.ok) return `${r.impl} FAILED`;
  return `${r.impl} ${(r.json.wall_ms ?? 0).toFixed(1)} ms`;
}

// Returns { impl id: [run records] } with every run, warm-ups marked.
export function runWorkload(w, { procs, log }) {
  const records = Object.fromEntries(w.impls.map((i) => [i.id, []]));
  const failed = new Set();
  const rounds = w.warmup + w.runs;
  for (let round = 0; round < rounds; round++) {
    const warmup = round < w.warmup;
    const done = [];
    for (const impl of w.impls) {
      if (failed.has(impl.id)) continue;
      const timeoutMs = Math.max(MIN_TIMEOUT_MS, TIMEOUT_FACTOR * impl.est_ms);
      const r = runOnce(IMPLS[impl.id], w.name, { n: impl.n, procs, timeoutMs });
      records[impl.id].push({ ...r, warmup, round });
      done.push(r);
      if (!r.ok) failed.add(impl.id);
    }
    const what = warmup ? `warm-up ${round + 1}/${w.warmup}` : `run ${round - w.warmup + 1}/${w.runs}`;
    log(`bench: ${w.name} ${what}: ${done.map(fmtRun).join(' · ')}`);
  }
  return records;
}
