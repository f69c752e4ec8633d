// wasm-st.test.mjs - the single-threaded wasm build (preset wasm-st,
// build-wasm-st/gort-st.js: no pthreads, no SharedArrayBuffer; the page's
// fallback without cross-origin isolation) runs workloads under Node at
// GOMAXPROCS 1 on its one thread: goroutines (spawn), timers, whose lone M
// sleeps to the next timer without a futex (os_wasm_nothreads.c), and the
// collector (binary_trees). Every JSON line says one thread.
//
// The build comes from `node scripts/build.mjs` (the wasm-st flavour); if
// it is missing, the test fails with that command.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildDir } from '../../scripts/presets.mjs';
import { REPO } from './lib/ctest.mjs';

const ST_JS = path.join(REPO, buildDir('wasm-st'), 'gort-st.js');

function run(workload, n) {
  assert.ok(fs.existsSync(ST_JS), `${path.relative(REPO, ST_JS)} is missing: run \`node scripts/build.mjs\``);
  const r = spawnSync(process.execPath, [path.join(REPO, 'wasm/run-node.cjs'), ST_JS, 'run', workload, '--n', String(n), '--json'],
    { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${workload}: exit ${r.status ?? r.signal}\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  assert.ok(line, `${workload}: no JSON line:\n${r.stdout}`);
  const j = JSON.parse(line);
  assert.equal(j.workload, workload);
  assert.equal(j.n, n);
  assert.equal(j.procs, 1, `${workload}: GOMAXPROCS defaults to 1 on one thread`);
  assert.equal(j.sched?.threads, 1, `${workload}: one thread (no sysmon, no other M)`);
  return j;
}

test('the single-threaded build runs spawn on one thread', () => {
  assert.equal(run('spawn', 100000).result, 100000);
});

test('the single-threaded build sleeps to its timers without a futex', () => {
  const j = run('timers', 2000);
  assert.equal(j.result, 2000);
  // The run cannot end before its longest sleep: of the first 2000
  // (splitmix64 seeded 42, docs/WORKLOADS.md) 9.997 ms. A wait that
  // returned early would wake the sleepers before their time.
  assert.ok(j.wall_ms >= 9.99, `timers ended in ${j.wall_ms} ms`);
  assert.ok(j.late_mean_us >= 0 && j.late_p99_us >= 0, `negative lateness: ${JSON.stringify(j)}`);
});

test('the single-threaded build collects (binary_trees)', () => {
  const j = run('binary_trees', 14);
  assert.ok(j.gc?.num_gc >= 1, `no GC cycle: ${JSON.stringify(j.gc)}`);
});
