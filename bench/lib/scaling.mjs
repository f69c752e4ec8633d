// bench/lib/scaling.mjs - `npm run bench -- --gc-scaling` (issue 12): does
// a collector's longest stop of the world grow with the live heap? Runs
// gc_pause at GC_SCALING.sizes live objects (250,000, 1,000,000 and
// 4,000,000) for native gort, the Go twin, Boehm GC and gort's wasm build
// in one invocation, interleaved as the suite's rounds are: each round runs
// every size of every implementation once, smallest first, so a drift of
// the machine hits all cells alike. Per implementation and size: the
// medians of the max pause (gc.pause_max_ns), the p50 pause, the GC
// cycles, the wall time and the peak RSS; per implementation the growth of
// the median max pause from the smallest size to the largest; then the
// checks of bench/targets.json's gc_pause entry at every size: native
// gort's max pause within max_value (µs) and max_ratio of Go's, wasm's
// within wasm_max_value, and native gort's growth within
// scaling_max_growth.
//
// --quick runs GC_SCALING.quick_sizes once without warm-up (proves the
// mode works; tests/node/bench.test.mjs). The mode writes
// bench/results/gc-scaling.json (quick:
// bench/results/gc-scaling-quick.json; --out) and the section between SCALING_BEGIN and SCALING_END of
// docs/PERFORMANCE.md (never when quick, nor with --no-docs). Pure parts
// (plan, summary, checks, rendering) take plain data so the tests can
// feed them figures.

import { figureOf } from './figures.mjs';
import { IMPLS, runOnce } from './impls.mjs';
import { median, summarize } from './stats.mjs';
import {
  EST_MS, GC_SCALING, GORT_FACTOR, WASM_FACTOR, WASM_START_MS,
} from './suite.mjs';
import { fmtInt, fmtNum, renderMarkdown } from './table.mjs';

export const SCALING_BEGIN = '<!-- bench:gc-scaling:begin -->';
export const SCALING_END = '<!-- bench:gc-scaling:end -->';

const W = GC_SCALING.workload;
const MIN_TIMEOUT_MS = 120_000;
const TIMEOUT_FACTOR = 10;
const DASH = '—';

// Milliseconds one run of (id, n) takes: the last gc-scaling results when
// they ran it, else suite.mjs's figures at the default n scaled by n.
function estimateMs(id, n, history, quick) {
  const seen = history(id, n);
  if (seen != null) return seen;
  if (quick) return id === 'wasm' ? WASM_START_MS : 100;
  const scale = n / 1_000_000;
  const gort = EST_MS.go[W] * GORT_FACTOR * scale;
  if (id === 'go') return EST_MS.go[W] * scale;
  if (id === 'gort') return gort;
  if (id === 'wasm') return WASM_START_MS + WASM_FACTOR * gort;
  return (EST_MS[id]?.[W] ?? EST_MS.go[W]) * scale;
}

// history(id, n) from a gc-scaling results document: the median process
// time of its ok runs of (id, n), else null.
export function scalingHistory(old) {
  return (id, n) => {
    const cell = old?.cells?.find((c) => c.impl === id && c.n === n);
    return cell ? median((cell.runs || []).filter((r) => r.ok).map((r) => r.elapsed_ms)) : null;
  };
}

// lists: { impl id: [workload names] or null }. Returns { sizes, impls,
// missing, runs, warmup, cells: [{ impl, n, est_ms }], est_s }.
export function planScaling(lists, opts, history = () => null) {
  const sizes = opts.quick ? GC_SCALING.quick_sizes : GC_SCALING.sizes;
  const impls = GC_SCALING.impls.filter((id) => lists[id]?.includes(W));
  const missing = GC_SCALING.impls.filter((id) => !impls.includes(id));
  const runs = opts.runsGiven ? opts.runs : opts.quick ? 1 : GC_SCALING.runs;
  const warmup = opts.quick ? 0 : opts.warmup;
  const cells = sizes.flatMap((n) => impls.map((impl) => ({ impl, n, est_ms: Math.round(estimateMs(impl, n, history, opts.quick)) })));
  const roundMs = cells.reduce((s, c) => s + c.est_ms, 0);
  return { sizes, impls, missing, runs, warmup, cells, est_s: Math.round(((runs + warmup) * roundMs) / 1000) };
}

// Runs the plan's cells round by round. Returns { 'impl:n': [run records] }.
// A cell whose run fails is not run again.
export function runScaling(plan, { procs, log }) {
  const records = Object.fromEntries(plan.cells.map((c) => [`${c.impl}:${c.n}`, []]));
  const failed = new Set();
  for (let round = 0; round < plan.warmup + plan.runs; round++) {
    const warmup = round < plan.warmup;
    const done = [];
    for (const c of plan.cells) {
      const key = `${c.impl}:${c.n}`;
      if (failed.has(key)) continue;
      const timeoutMs = Math.max(MIN_TIMEOUT_MS, TIMEOUT_FACTOR * c.est_ms);
      const r = runOnce(IMPLS[c.impl], W, { n: c.n, procs, timeoutMs });
      records[key].push({ ...r, warmup, round });
      if (!r.ok) failed.add(key);
      const pause = r.ok ? r.json.gc?.pause_max_ns : null;
      done.push(r.ok ? `${c.impl}@${fmtInt(c.n)} ${pause == null ? '?' : fmtNum(pause / 1000)} µs` : `${c.impl}@${fmtInt(c.n)} FAILED`);
    }
    const what = warmup ? `warm-up ${round + 1}/${plan.warmup}` : `run ${round - plan.warmup + 1}/${plan.runs}`;
    log(`bench: gc-scaling ${what}: max pause ${done.join(' · ')}`);
  }
  return records;
}

const us = (ns) => (typeof ns === 'number' && Number.isFinite(ns) ? ns / 1000 : null);

// One (implementation, size) cell from its runs.
export function summarizeCell(impl, n, runs) {
  const base = { impl, n, runs };
  const bad = runs.find((r) => !r.ok);
  if (!runs.length) return { ...base, status: 'missing' };
  if (bad) return { ...base, status: 'failed', error: bad.error };
  const jsons = runs.filter((r) => !r.warmup).map((r) => r.json);
  return {
    ...base,
    status: 'ok',
    pause_max_us: summarize(jsons.map((j) => us(j.gc?.pause_max_ns))),
    pause_p50_us: summarize(jsons.map((j) => us(j.gc?.pause_p50_ns))),
    num_gc: median(jsons.map((j) => j.gc?.num_gc ?? null)),
    wall_ms: summarize(jsons.map((j) => j.wall_ms ?? null)),
    rss_peak_bytes: median(jsons.map((j) => j.rss_peak_bytes ?? null)),
  };
}

const maxOf = (cell) => (cell?.status === 'ok' ? cell.pause_max_us?.median ?? null : null);

// The medians' growth from the smallest size to the largest, per
// implementation: { impl: ratio or null }.
export function growthByImpl(cells, sizes, impls) {
  const at = (id, n) => cells.find((c) => c.impl === id && c.n === n);
  const out = {};
  for (const id of impls) {
    const lo = maxOf(at(id, sizes[0]));
    const hi = maxOf(at(id, sizes[sizes.length - 1]));
    out[id] = lo != null && hi != null && lo > 0 ? hi / lo : null;
  }
  return out;
}

const verdict = (ok) => (ok == null ? null : ok ? 'yes' : 'no');

// Issue 12's checks against gc_pause's targets (fig: figureOf's entry):
// per size native gort's max pause ≤ max_value and gort/Go ≤ max_ratio,
// wasm's ≤ wasm_max_value; and gort's growth ≤ scaling_max_growth.
// Each { check, n (null: across sizes), value, bound, within }.
export function scalingChecks(fig, cells, sizes, growth) {
  const at = (id, n) => cells.find((c) => c.impl === id && c.n === n);
  const out = [];
  for (const n of sizes) {
    const gort = maxOf(at('gort', n));
    const go = maxOf(at('go', n));
    const wasm = maxOf(at('wasm', n));
    if (fig.max_value != null) {
      out.push({ check: 'gort_max_pause_us', n, value: gort, bound: fig.max_value, within: verdict(gort == null ? null : gort <= fig.max_value) });
    }
    if (fig.max_ratio != null) {
      const ratio = gort != null && go != null && go > 0 ? gort / go : null;
      out.push({ check: 'gort_over_go', n, value: ratio, bound: fig.max_ratio, within: verdict(ratio == null ? null : ratio <= fig.max_ratio) });
    }
    if (fig.wasm_max_value != null) {
      out.push({ check: 'wasm_max_pause_us', n, value: wasm, bound: fig.wasm_max_value, within: verdict(wasm == null ? null : wasm <= fig.wasm_max_value) });
    }
  }
  if (fig.scaling_max_growth != null) {
    const g = growth.gort ?? null;
    out.push({ check: 'gort_growth', n: null, value: g, bound: fig.scaling_max_growth, within: verdict(g == null ? null : g <= fig.scaling_max_growth) });
  }
  return out;
}

// The whole result: { sizes, cells, growth, checks, target }.
export function summarizeScaling(plan, records, targets) {
  const fig = figureOf(targets, W);
  const cells = plan.cells.map((c) => ({ ...summarizeCell(c.impl, c.n, records[`${c.impl}:${c.n}`] || []), n_asked: c.n }));
  const growth = growthByImpl(cells, plan.sizes, plan.impls);
  return {
    sizes: plan.sizes,
    impls: plan.impls,
    missing: plan.missing,
    target: {
      max_value: fig.max_value ?? null, max_ratio: fig.max_ratio ?? null,
      wasm_max_value: fig.wasm_max_value ?? null, scaling_max_growth: fig.scaling_max_growth ?? null,
    },
    cells,
    growth,
    checks: scalingChecks(fig, cells, plan.sizes, growth),
  };
}

// ---- rendering --------------------------------------------------------------

const label = (id) => IMPLS[id]?.label ?? id;
const fmtMiB = (b) => (b == null ? DASH : (b / 1048576 >= 10 ? (b / 1048576).toFixed(0) : (b / 1048576).toFixed(1)));
const range = (s) => (s ? `${fmtNum(s.min)}–${fmtNum(s.max)}` : DASH);
const met = (w) => (w == null ? DASH : w === 'yes' ? 'met' : 'NOT MET');

function cellText(c, pick) {
  if (!c) return DASH;
  if (c.status !== 'ok') return c.status;
  return pick(c);
}

function detailTable(s) {
  const rows = s.cells.map((c) => [
    label(c.impl), fmtInt(c.n),
    cellText(c, (x) => fmtNum(x.pause_max_us?.median)), cellText(c, (x) => range(x.pause_max_us)),
    cellText(c, (x) => fmtNum(x.pause_p50_us?.median)), cellText(c, (x) => (Number.isInteger(x.num_gc) ? fmtInt(x.num_gc) : fmtNum(x.num_gc))),
    cellText(c, (x) => fmtNum(x.wall_ms?.median)), cellText(c, (x) => (c.impl === 'wasm' ? DASH : fmtMiB(x.rss_peak_bytes))),
  ]);
  return renderMarkdown(['implementation', 'live objects', 'max pause µs', 'min–max', 'p50 pause µs', 'GC cycles', 'wall ms', 'peak RSS MiB'], rows);
}

function growthTable(s) {
  const lo = fmtInt(s.sizes[0]);
  const hi = fmtInt(s.sizes[s.sizes.length - 1]);
  const g = s.checks.find((c) => c.check === 'gort_growth');
  const rows = s.impls.map((id) => [
    label(id),
    ...s.sizes.map((n) => cellText(s.cells.find((c) => c.impl === id && c.n === n), (x) => fmtNum(x.pause_max_us?.median))),
    s.growth[id] == null ? DASH : s.growth[id].toFixed(2),
    id === 'gort' && g ? `≤ ${g.bound.toFixed(1)} ${met(g.within)}` : DASH,
  ]);
  return renderMarkdown(['implementation', ...s.sizes.map((n) => `max pause µs @ ${fmtInt(n)}`), `${hi} / ${lo}`, 'target'], rows);
}

const CHECK_TEXT = {
  gort_max_pause_us: (b) => `gort's max pause ≤ ${b} µs`,
  gort_over_go: (b) => `gort's max pause / Go's ≤ ${b.toFixed(1)}`,
  wasm_max_pause_us: (b) => `wasm's max pause ≤ ${b} µs`,
};

function checksTable(s) {
  const kinds = [...new Set(s.checks.filter((c) => c.n != null).map((c) => c.check))];
  const rows = kinds.map((k) => {
    const first = s.checks.find((c) => c.check === k);
    return [CHECK_TEXT[k](first.bound), ...s.sizes.map((n) => {
      const c = s.checks.find((x) => x.check === k && x.n === n);
      if (!c || c.value == null) return DASH;
      return `${k === 'gort_over_go' ? c.value.toFixed(2) : fmtNum(c.value)} ${met(c.within)}`;
    })];
  });
  return renderMarkdown(['issue 12 check', ...s.sizes.map((n) => fmtInt(n))], rows);
}

// An error on one line for a note: its first two lines (a fatal message's
// runtime line and what it says), the goroutine dump left out.
const firstLines = (e) => String(e).split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' / ');

// The report of a gc-scaling document (doc.scaling: summarizeScaling's),
// with the header lines the caller gives (when, where, how).
export function renderScaling(doc, header) {
  const s = doc.scaling;
  const notes = [];
  for (const id of s.missing) notes.push(`${label(id)} is not built or has no gc_pause: not run.`);
  for (const c of s.cells) if (c.status === 'failed') notes.push(`${label(c.impl)} at ${fmtInt(c.n)} failed: ${firstLines(c.error)}`);
  const legend = 'Max pause: the longest of the per-cycle pauses in a run\'s GC window (gc.pause_max_ns; gort and Go: every stop '
    + 'of the world of a cycle, summed; Boehm: its whole stopped mark), median of the runs with their min–max; p50 pause, GC cycles, '
    + 'wall (the whole run: build of the live tree, a full GC, the allocations) and peak RSS (wasm: its fixed memory, not shown) '
    + `are medians too. The growth is the median max pause at ${fmtInt(s.sizes[s.sizes.length - 1])} live objects over `
    + `that at ${fmtInt(s.sizes[0])}; its target (gort only) is scaling_max_growth in bench/targets.json.`;
  return [
    ...header, '',
    growthTable(s), '',
    checksTable(s), '',
    detailTable(s), '',
    legend,
    ...(notes.length ? ['', 'Notes:', '', ...notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
}
