// bench.test.mjs - proves the benchmark suite's runner works, without
// benchmarking (issue 3: benchmarks are not tests). One `bench/run.mjs
// --quick` run (tiny N, one run each, no warm-up) of every workload gort
// has, one only the Go twin has and one with C peers, into a temporary
// results file and without touching docs/PERFORMANCE.md or
// bench/results/latest.json; then the shape of its JSON and table. Plus
// the runner's pure parts: ratios, targets, budget fitting, the docs
// section. And one `--gc-scaling --quick` run (gc_pause at three tiny live
// heaps on gort, Go, Boehm and wasm) with the scaling mode's pure parts
// (growth, issue 12's checks) fed made-up figures. Go's js/wasm port
// (go-wasm) runs in the quick run beside gort's wasm build, into the
// report's second table, whenever the toolchain has Go's wasm_exec.js. The
// runner's build step (bench/lib/build.mjs) builds the Go twin (native
// and js/wasm) and the peers first, as its own test: on a machine's first run it
// installs Go, libgc-dev and libmimalloc-dev (as root) and compiles Go's
// standard library, minutes on a loaded machine, which is not what the
// quick run's time limit is about; the quick run then uses --no-build.
// gort is already built by `npm test`. The report is read from the JSON file
// the run writes, never scraped from its stdout (a first run's installs
// once printed there); that stdout carries nothing but the report is
// checked with a noisy stub installer in setup.test.mjs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildAll } from '../../bench/lib/build.mjs';
import {
  costRatio, figureOf as figureOfTable, goWasmWithin, loadTargets, missedChecks, wasmValueWithin, withinTarget,
} from '../../bench/lib/figures.mjs';
import { IMPLS, listWorkloads, procsEnv } from '../../bench/lib/impls.mjs';
import { replaceSection, BEGIN, END } from '../../bench/lib/outputs.mjs';
import { parseOptions, UsageError } from '../../bench/lib/options.mjs';
import { makePlan } from '../../bench/lib/plan.mjs';
import { summarizeWorkload } from '../../bench/lib/results.mjs';
import {
  growthByImpl, planScaling, SCALING_BEGIN, SCALING_END, scalingChecks,
} from '../../bench/lib/scaling.mjs';
import { GC_SCALING, GO_WASM_SKIP, MIN_RUNS } from '../../bench/lib/suite.mjs';
import { readWorkloadTable } from '../../bench/lib/workloads.mjs';
import { REPO } from './lib/ctest.mjs';

const PEER_WORKLOAD = 'alloc_small';
const GUARDED = ['docs/PERFORMANCE.md', 'bench/results/latest.json'];

function snapshot(rel) {
  const f = path.join(REPO, rel);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
}

describe('bench runner', () => {
  test('build step: installs what is missing, builds the Go twin and the C peers', { timeout: 1_200_000 }, async () => {
    await buildAll((m) => process.stderr.write(`${m}\n`), { gort: false });
    for (const id of ['go', 'go-wasm', 'boehm', 'mimalloc', 'glibc']) assert.ok(fs.existsSync(IMPLS[id].file), `${IMPLS[id].file} not built`);
  });

  test('--quick: every gort workload, one Go-only, one with peers', { timeout: 300_000 }, () => {
    const gortHas = listWorkloads(IMPLS.gort) || [];
    assert.ok(gortHas.length, 'build/gort list names no workload: is gort built?');
    const wasmHas = listWorkloads(IMPLS.wasm) || [];
    const goWasmHas = listWorkloads(IMPLS['go-wasm']) || [];
    const table = readWorkloadTable(IMPLS.gort);
    const targets = loadTargets();
    const goOnly = Object.keys(targets.workloads).find((w) => !gortHas.includes(w) && w !== PEER_WORKLOAD);
    const names = [...new Set([...gortHas, ...(goOnly ? [goOnly] : []), PEER_WORKLOAD])];

    const before = GUARDED.map(snapshot);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gort-bench-test-'));
    const out = path.join(dir, 'quick.json');
    const r = spawnSync(process.execPath, [path.join(REPO, 'bench/run.mjs'), ...names, '--quick', '--no-docs', '--no-build', '--out', out],
      { cwd: REPO, encoding: 'utf8', timeout: 280_000 });
    assert.equal(r.status, 0, `bench/run.mjs failed:\n${r.stderr}\n${r.stdout}`);
    assert.deepEqual(GUARDED.map(snapshot), before, 'a --quick run must not touch docs/PERFORMANCE.md or latest.json');

    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(doc.quick, true);
    assert.ok(doc.machine.cores >= 1 && doc.machine.cpu_model && doc.machine.kernel, JSON.stringify(doc.machine));
    for (const k of ['gcc', 'go', 'emcc', 'node']) assert.ok(doc.versions[k], `versions.${k} missing`);
    assert.match(doc.command, /--quick/);
    assert.deepEqual(doc.workloads.map((w) => w.name), names);

    for (const w of doc.workloads) {
      const { gort, go, wasm } = w.impls;
      assert.equal(go.status, 'ok', `${w.name}: Go ${go.status} ${go.error ?? ''}`);
      assert.equal(go.runs.length, 1, `${w.name}: one run, no warm-up`);
      assert.ok(Number.isFinite(go.figure.median), `${w.name}: Go has no ${w.figure.field}`);
      assert.ok(go.rss_peak_bytes > 0, `${w.name}: Go has no rss_peak_bytes`);
      if (gortHas.includes(w.name)) {
        assert.equal(gort.status, 'ok', `${w.name}: gort ${gort.error ?? ''}`);
        assert.equal(gort.n, go.n);
        assert.ok(w.ratio > 0, `${w.name}: no gort/Go ratio`);
        assert.ok(['yes', 'no', null].includes(w.within));
      } else {
        assert.equal(gort.status, 'missing');
        assert.equal(w.ratio, null);
      }
      assert.deepEqual(w.figure.name, table.get(w.name)?.figure.name ?? 'ns_per_op', `${w.name}: the table's figure`);
      if (gort.status === 'ok') assert.equal(gort.n, table.get(w.name).quick_n, `${w.name}: --quick runs the table's quick_n`);
      if (table.get(w.name)?.wasm.runs === false) {
        assert.equal(wasm, undefined, `${w.name}: wasm cannot run it, so it is not planned`);
      } else if (wasmHas.includes(w.name) && gortHas.includes(w.name)) {
        assert.equal(wasm.status, 'ok', `${w.name}: wasm ${wasm.error ?? ''}`);
        assert.ok(w.wasm_ratio > 0, `${w.name}: no wasm/native ratio`);
      }
      const goWasm = w.impls['go-wasm'];
      if (table.get(w.name)?.wasm.runs === false) {
        assert.equal(goWasm, undefined, `${w.name}: not run on wasm, so not on Go js/wasm either`);
        assert.ok(w.notes.some((n) => n.startsWith('not run on wasm')), `${w.name}: no note says why it is not run on wasm`);
      } else if (goWasmHas.includes(w.name)) {
        assert.equal(goWasm.status, 'ok', `${w.name}: Go js/wasm ${goWasm.error ?? ''}`);
        assert.equal(goWasm.n, go.n, `${w.name}: Go js/wasm runs the quick n`);
        assert.deepEqual(goWasm.result, go.result, `${w.name}: Go js/wasm computes what Go computes`);
        if (wasm?.status === 'ok') {
          assert.equal(wasm.n, goWasm.n, `${w.name}: both wasm implementations at the same n`);
          assert.ok(w.go_wasm_ratio > 0, `${w.name}: no gort-wasm / Go js/wasm ratio`);
          if (w.target.go_wasm_max_ratio != null) assert.ok(['yes', 'no'].includes(w.go_wasm_within), `${w.name}: no verdict`);
        }
      }
    }
    const peers = doc.workloads.find((w) => w.name === PEER_WORKLOAD).impls;
    for (const id of ['mimalloc', 'glibc']) {
      assert.equal(peers[id].status, 'ok', `${id}: ${peers[id].error ?? ''}`);
      assert.ok(peers[id].figure.median > 0);
    }

    const tables = doc.report.split(/\n\s*\n/).filter((t) => t.startsWith('|')).map((t) => t.split('\n'));
    const [lines, wasmLines] = tables;
    assert.match(lines[0], /\| workload .*\| gort .*\| Go .*\| gort\/Go .*\| target .*\| wasm\/native/);
    assert.equal(lines.length, 2 + names.length, 'header, rule and one row per workload');
    if (wasmHas.length || goWasmHas.length) {
      assert.equal(tables.length, 2, 'the main table and the wasm one');
      assert.match(wasmLines[0], /\| workload .*\| wasm ns\/op .*\| Go js\/wasm ns\/op .*\| gort-wasm \/ Go js\/wasm .*\| target/);
      assert.equal(wasmLines.length, 2 + names.length, 'the wasm table: one row per workload too');
      if (wasmHas.includes('pingpong') && goWasmHas.includes('pingpong')) {
        assert.match(doc.report, /\n\| pingpong +\|.*\| ≤ 0\.5 (met|NOT MET) +\|/);
      }
    }
    if (goOnly) assert.match(doc.report, new RegExp(`\\| ${goOnly} .*missing \\(gort\\)`));
    assert.ok(r.stdout.includes(doc.report), 'the run prints the report it wrote');
  });

  test('ratios are gort cost / Go cost, inverted for throughput', () => {
    const targets = loadTargets();
    const table = readWorkloadTable(IMPLS.gort);
    assert.ok(table, 'build/gort list --json failed: is gort built?');
    const figureOf = (t, name) => figureOfTable(t, name, table.get(name).figure);
    const pp = figureOf(targets, 'pingpong');
    assert.equal(costRatio(pp, 200, 400), 0.5);
    assert.equal(withinTarget(pp, 0.5, 200), 'yes');
    assert.equal(withinTarget(pp, 0.9, 200), 'no');
    const tcp = figureOf(targets, 'tcp_echo');
    assert.equal(costRatio(tcp, 50_000, 100_000), 2, 'half the throughput costs twice as much');
    const gc = figureOf(targets, 'gc_pause');
    assert.equal(withinTarget(gc, 0.5, 1500), 'no', 'gc_pause: 1 ms absolute bound');
    assert.equal(withinTarget(gc, 0.5, 800), 'yes');
    assert.deepEqual(missedChecks(gc, 0.5, 1500), ['> 1000 µs'], 'the miss names the 1 ms bound');
    assert.deepEqual(missedChecks(gc, 2, 800), ['gort/Go > 1.0'], 'the miss names the ratio to Go');
    assert.deepEqual(missedChecks(gc, 0.5, 800), []);
    assert.equal(wasmValueWithin(gc, 1200), 'no', 'gc_pause on wasm: 1 ms absolute bound');
    assert.equal(wasmValueWithin(gc, 900), 'yes');
    assert.equal(wasmValueWithin(figureOf(targets, 'pingpong'), 5), null, 'no wasm bound');
    assert.equal(withinTarget(figureOf(targets, 'yield'), 3, 10), null, 'no target');
    const bt = figureOf(targets, 'binary_trees');
    assert.equal(withinTarget(bt, 0.9, 1000, 1.1), 'yes');
    assert.equal(withinTarget(bt, 0.9, 1000, 1.3), 'no', 'binary_trees: peak RSS at most 1.2x Go\'s');
    assert.equal(withinTarget(bt, 0.9, 1000, null), 'no', 'no RSS ratio: not shown within');
  });

  test('Go js/wasm: issue 15\'s targets, and no GOMAXPROCS in its environment', () => {
    const targets = loadTargets();
    const fig = (name) => figureOfTable(targets, name);
    assert.equal(fig('skynet').go_wasm_max_ratio, 0.3);
    assert.equal(fig('pingpong').go_wasm_max_ratio, 0.5);
    assert.equal(fig('yield').go_wasm_max_ratio, 1.0);
    assert.equal(fig('tcp_echo').go_wasm_max_ratio, undefined, 'tcp_echo does not run on wasm');
    assert.equal(goWasmWithin(fig('skynet'), 0.29), 'yes');
    assert.equal(goWasmWithin(fig('skynet'), 0.31), 'no');
    assert.equal(goWasmWithin(fig('pingpong'), null), null, 'no ratio, no verdict');
    assert.equal(goWasmWithin(fig('tcp_echo'), 0.1), null, 'no target, no verdict');
    // Go's js/wasm runtime dies at start-up with GOMAXPROCS > 1 set.
    const env = IMPLS['go-wasm'].env(2);
    assert.equal(env.GOMAXPROCS, undefined);
    assert.equal(env.GORT_MAXPROCS, '2');
    assert.equal(procsEnv(2).GOMAXPROCS, '2', 'the others keep it');
  });

  test('gort-wasm / Go js/wasm: ns/op medians at the same n, or no ratio', () => {
    const targets = loadTargets();
    const run = (ns, n) => ({ ok: true, warmup: false, build: 'b', json: { n, ns_per_op: ns, wall_ms: 1, result: 7 } });
    const w = (wasmN, goWasmN) => ({
      name: 'skynet', info: null, runs: 3, warmup: 0, missing: [],
      impls: [{ id: 'wasm', n: wasmN, why: 'small memory' }, { id: 'go-wasm', n: goWasmN, why: 'small memory' }],
    });
    const records = (wasmN, goWasmN) => ({
      wasm: [run(100, wasmN), run(300, wasmN), run(200, wasmN)],
      'go-wasm': [run(1000, goWasmN), run(500, goWasmN), run(900, goWasmN)],
    });
    const same = summarizeWorkload(w(10, 10), records(10, 10), targets);
    assert.equal(same.go_wasm_ratio, 200 / 900, 'median over median');
    assert.equal(same.go_wasm_within, 'yes', 'skynet: ≤ 0.3');
    assert.ok(same.notes.includes('Go js/wasm runs at wasm\'s n=10, the same work'), same.notes.join('; '));
    assert.ok(!same.notes.some((n) => n.includes('go-wasm runs at') && n.includes('small memory')), 'wasm\'s reason is not Go\'s');
    const other = summarizeWorkload(w(10, 20), records(10, 20), targets);
    assert.equal(other.go_wasm_ratio, null);
    assert.equal(other.go_wasm_within, null);
    assert.ok(other.notes.includes('wasm ran n=10, Go js/wasm n=20: no ratio'), other.notes.join('; '));
  });

  test('the plan lowers runs of the slowest workloads to fit the budget, not below 3', () => {
    const lists = { gort: ['a', 'b'], go: ['a', 'b'], wasm: [] };
    const slow = () => 60_000; // one minute per run
    const plan = makePlan(['a', 'b'], lists, { runs: 5, warmup: 1, runsGiven: false, quick: false }, slow);
    assert.ok(plan.workloads.every((w) => w.runs >= MIN_RUNS));
    assert.deepEqual(plan.lowered.sort(), ['a', 'b']);
    const given = makePlan(['a'], lists, { runs: 5, warmup: 1, runsGiven: true, quick: false }, slow);
    assert.equal(given.workloads[0].runs, 5, '--runs is kept');
    assert.deepEqual(given.workloads[0].missing, ['wasm', 'go-wasm']);
  });

  test('the plan takes sizes and wasm support from the workload table', () => {
    const lists = { gort: ['a', 'b'], go: ['a', 'b'], wasm: ['a', 'b'], 'go-wasm': ['a', 'b'] };
    const table = new Map([
      ['a', { name: 'a', default_n: 100, quick_n: 3, wasm: { runs: true, n: 10, why: 'too big' } }],
      ['b', { name: 'b', default_n: 100, quick_n: 5, wasm: { runs: false, n: null, why: 'no network' } }],
    ]);
    const none = () => null;
    const full = makePlan(['a', 'b'], lists, { runs: 3, warmup: 0, runsGiven: true, quick: false }, none, table);
    const [a, b] = full.workloads;
    assert.deepEqual(a.impls.map((i) => [i.id, i.n, i.why]),
      [['gort', null, null], ['go', null, null], ['wasm', 10, 'too big'], ['go-wasm', 10, 'too big']],
      'Go js/wasm runs at wasm\'s n');
    assert.deepEqual(b.impls.map((i) => i.id), ['gort', 'go'], 'b does not run on wasm: not planned there, nor on Go js/wasm');
    assert.deepEqual(b.missing, []);
    const quick = makePlan(['a', 'b'], lists, { runs: 1, warmup: 0, runsGiven: false, quick: true }, none, table);
    assert.deepEqual(quick.workloads.map((w) => w.impls.map((i) => i.n)), [[3, 3, 3, 3], [5, 5]]);
    // A workload Go js/wasm is known to fail at full size is skipped there,
    // with its reason, and still run by --quick.
    const [skip] = Object.keys(GO_WASM_SKIP);
    const all = { gort: [skip], go: [skip], wasm: [skip], 'go-wasm': [skip] };
    const fullSkip = makePlan([skip], all, { runs: 3, warmup: 0, runsGiven: true, quick: false }, none, null).workloads[0];
    assert.deepEqual(fullSkip.impls.map((i) => i.id), ['gort', 'go', 'wasm']);
    assert.deepEqual(fullSkip.skipped, [{ id: 'go-wasm', why: GO_WASM_SKIP[skip] }]);
    const result = summarizeWorkload(fullSkip, { gort: [], go: [], wasm: [] }, loadTargets());
    assert.equal(result.impls['go-wasm'].status, 'skipped');
    assert.ok(result.notes.includes(`go-wasm not run: ${GO_WASM_SKIP[skip]}`), result.notes.join('; '));
    const quickSkip = makePlan([skip], all, { runs: 1, warmup: 0, runsGiven: false, quick: true }, none, null).workloads[0];
    assert.ok(quickSkip.impls.some((i) => i.id === 'go-wasm'), '--quick runs it');
  });

  test('the docs section is replaced between its markers only', () => {
    const text = `# T\nbefore\n${BEGIN}\nold\n${END}\nafter\n`;
    assert.equal(replaceSection(text, 'new'), `# T\nbefore\n${BEGIN}\nnew\n${END}\nafter\n`);
    assert.match(replaceSection('# T\n', 'x'), new RegExp(`${BEGIN}\\nx\\n${END}\\n$`));
    const both = `${text}${SCALING_BEGIN}\nold scaling\n${SCALING_END}\n`;
    const scaled = replaceSection(both, 'new scaling', SCALING_BEGIN, SCALING_END);
    assert.equal(scaled, `${text}${SCALING_BEGIN}\nnew scaling\n${SCALING_END}\n`, 'the gc-scaling section leaves the numbers alone');
  });

  test('--gc-scaling --quick: gc_pause at three sizes on gort, Go, Boehm, wasm', { timeout: 300_000 }, () => {
    const before = [...GUARDED, 'bench/results/gc-scaling.json'].map(snapshot);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gort-bench-scaling-'));
    const out = path.join(dir, 'scaling.json');
    const r = spawnSync(process.execPath, [path.join(REPO, 'bench/run.mjs'), '--gc-scaling', '--quick', '--no-build', '--out', out],
      { cwd: REPO, encoding: 'utf8', timeout: 280_000 });
    assert.equal(r.status, 0, `bench/run.mjs --gc-scaling failed:\n${r.stderr}\n${r.stdout}`);
    assert.deepEqual([...GUARDED, 'bench/results/gc-scaling.json'].map(snapshot), before, 'a quick run writes no docs and no results of record');
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(dir, { recursive: true, force: true });
    const s = doc.scaling;
    assert.equal(doc.quick, true);
    assert.deepEqual(s.sizes, GC_SCALING.quick_sizes);
    const wasmBuilt = (listWorkloads(IMPLS.wasm) || []).includes('gc_pause');
    assert.deepEqual(s.impls, ['gort', 'go', 'boehm', ...(wasmBuilt ? ['wasm'] : [])]);
    assert.equal(s.cells.length, s.sizes.length * s.impls.length, 'every size of every implementation');
    for (const c of s.cells) {
      const what = `${c.impl} at ${c.n}`;
      assert.equal(c.status, 'ok', `${what}: ${c.error ?? ''}`);
      assert.equal(c.runs.length, 1, `${what}: one run, no warm-up`);
      assert.equal(c.runs[0].json.n, c.n, `${what}: ran at its size`);
      assert.ok(c.num_gc > 0, `${what}: no GC cycle in the window`);
      assert.ok(c.pause_max_us.median > 0 && c.pause_p50_us.median <= c.pause_max_us.median, `${what}: pauses ${JSON.stringify(c.pause_max_us)}`);
      assert.ok(c.wall_ms.median > 0, `${what}: no wall`);
    }
    for (const id of s.impls) assert.ok(s.growth[id] > 0, `${id}: no growth ratio`);
    const kinds = s.checks.map((c) => c.check);
    assert.equal(kinds.filter((k) => k === 'gort_max_pause_us').length, s.sizes.length);
    assert.equal(kinds.filter((k) => k === 'gort_over_go').length, s.sizes.length);
    assert.equal(kinds.filter((k) => k === 'gort_growth').length, 1);
    assert.ok(s.checks.every((c) => ['yes', 'no'].includes(c.within) || (c.check === 'wasm_max_pause_us' && !wasmBuilt)), JSON.stringify(s.checks));
    const tables = doc.report.split('\n').filter((l) => l.startsWith('|'));
    assert.match(tables[0], /\| implementation .*\| max pause µs @ 20,000 .*\| 80,000 \/ 20,000 .*\| target/);
    assert.match(doc.report, /\| gort +\|.*\| ≤ 2\.0 (met|NOT MET)/);
    assert.ok(r.stdout.includes(doc.report), 'the run prints the report it wrote');
  });

  test('gc-scaling: growth is largest over smallest, checked against the targets', () => {
    const targets = loadTargets();
    const gc = figureOfTable(targets, 'gc_pause');
    assert.equal(gc.scaling_max_growth, 2, 'issue 12: 4M at most 2x 250k');
    const sizes = [250_000, 1_000_000, 4_000_000];
    const cell = (impl, n, maxUs) => ({ impl, n, status: 'ok', pause_max_us: { median: maxUs } });
    const cells = [
      cell('gort', sizes[0], 400), cell('gort', sizes[1], 500), cell('gort', sizes[2], 900),
      cell('go', sizes[0], 300), cell('go', sizes[1], 600), cell('go', sizes[2], 1000),
      cell('wasm', sizes[0], 800), { impl: 'wasm', n: sizes[1], status: 'failed' }, cell('wasm', sizes[2], 1100),
    ];
    const growth = growthByImpl(cells, sizes, ['gort', 'go', 'wasm']);
    assert.equal(growth.gort, 2.25);
    assert.ok(Math.abs(growth.go - 10 / 3) < 1e-9);
    const checks = scalingChecks(gc, cells, sizes, growth);
    const find = (check, n) => checks.find((c) => c.check === check && c.n === n);
    assert.equal(find('gort_growth', null).within, 'no', '2.25x is more than 2x');
    assert.equal(scalingChecks(gc, cells, sizes, { gort: 1.9 }).find((c) => c.check === 'gort_growth').within, 'yes');
    assert.equal(find('gort_max_pause_us', sizes[2]).within, 'yes');
    assert.equal(find('gort_over_go', sizes[0]).within, 'no', '400 µs against Go\'s 300');
    assert.equal(find('gort_over_go', sizes[1]).within, 'yes');
    assert.equal(find('wasm_max_pause_us', sizes[1]).within, null, 'a failed cell has no verdict');
    assert.equal(find('wasm_max_pause_us', sizes[2]).within, 'no');
  });

  test('gc-scaling plan: every size of every built implementation; quick is once at the tiny sizes', () => {
    const lists = { gort: ['gc_pause'], go: ['gc_pause'], boehm: ['gc_pause'], wasm: null };
    const full = planScaling(lists, { quick: false, runs: 5, runsGiven: false, warmup: 1 });
    assert.deepEqual(full.sizes, GC_SCALING.sizes);
    assert.deepEqual(full.missing, ['wasm']);
    assert.equal(full.runs, GC_SCALING.runs, 'its own default runs');
    assert.deepEqual(full.cells.map((c) => `${c.impl}@${c.n}`).slice(0, 4), ['gort@250000', 'go@250000', 'boehm@250000', 'gort@1000000']);
    const quick = planScaling(lists, { quick: true, runs: 1, runsGiven: false, warmup: 0 });
    assert.deepEqual([quick.runs, quick.warmup, quick.sizes], [1, 0, GC_SCALING.quick_sizes]);
    assert.throws(() => parseOptions(['--gc-scaling', 'yield']), UsageError, 'the scaling mode runs gc_pause only');
    const o = parseOptions(['--gc-scaling', '--quick']);
    assert.deepEqual([o.docs, path.basename(o.out)], [false, 'gc-scaling-quick.json'], 'quick: no docs, its own file');
  });
});
