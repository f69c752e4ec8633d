// bench/lib/plan.mjs - what a bench invocation will run: for each chosen
// workload the implementations that have it (gort, Go, its C peers, wasm,
// Go's js/wasm port) with their N (both wasm ones at the table's wasm n),
// the runs, and an estimate of the time it takes. When the estimate does
// not fit the budget (15 minutes for the whole suite) and
// --runs was not given, the slowest workloads get fewer runs, never fewer
// than MIN_RUNS.
//
// Each workload's sizes (quick n, wasm n and why) and whether it runs on
// wasm come from the workload table (`gort list --json`, workloads.mjs).
// Estimates come from the last results file when it measured the same
// implementation at the same N (median process time), else from suite.mjs.

import fs from 'node:fs';
import { median } from './stats.mjs';
import {
  BUDGET_S, BUILD_RESERVE_S, EST_MS, GO_WASM_FACTOR, GO_WASM_SKIP, GO_WASM_START_MS, GORT_FACTOR, MIN_RUNS, PEERS,
  UNKNOWN_MS, WASM_FACTOR, WASM_SMALL_N_SCALE, WASM_START_MS,
} from './suite.mjs';

const QUICK_EST_MS = { wasm: WASM_START_MS, 'go-wasm': GO_WASM_START_MS, other: 100 };
const WASM_IDS = ['wasm', 'go-wasm'];

// One implementation of one workload: { id, n (null: its default), why }.
// info: the workload's entry in the table, or null (a workload gort does
// not have: its default n everywhere).
function implEntry(id, info, quick) {
  if (quick) return { id, n: info?.quick_n ?? null, why: null };
  const wasm = info?.wasm;
  if (WASM_IDS.includes(id) && wasm?.runs && wasm.n !== info.default_n) return { id, n: wasm.n, why: wasm.why };
  return { id, n: null, why: null };
}

function candidates(name, info) {
  return ['gort', 'go', ...(PEERS[name] || []), ...(info?.wasm?.runs === false ? [] : WASM_IDS)];
}

// lists: { impl id: [workload names] or null (not built) }. skipped: the
// implementations known to fail it at this size, with why (GO_WASM_SKIP).
function planWorkload(name, info, lists, quick) {
  const impls = [];
  const missing = [];
  const skipped = [];
  for (const id of candidates(name, info)) {
    if (id === 'go-wasm' && !quick && GO_WASM_SKIP[name]) skipped.push({ id, why: GO_WASM_SKIP[name] });
    else if (lists[id]?.includes(name)) impls.push(implEntry(id, info, quick));
    else missing.push(id);
  }
  return { name, info, impls, missing, skipped };
}

// history(name, id, n): median process time of the earlier runs of
// (workload, impl) in `file` when they were asked the same n (null: the
// default N), else null.
export function historyFrom(file) {
  let old;
  try { old = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return () => null; }
  return (name, id, n) => {
    const impl = old.workloads?.find((x) => x.name === name)?.impls?.[id];
    if (!impl || (impl.n_asked ?? null) !== (n ?? null)) return null;
    return median((impl.runs || []).filter((r) => r.ok).map((r) => r.elapsed_ms));
  };
}

function estimateMs(name, impl, history, quick) {
  const seen = history(name, impl.id, impl.n);
  if (seen != null) return seen;
  if (quick) return QUICK_EST_MS[impl.id] ?? QUICK_EST_MS.other;
  const go = EST_MS.go[name] ?? UNKNOWN_MS;
  if (impl.id === 'go') return go;
  if (impl.id === 'gort') return go * GORT_FACTOR;
  if (impl.id === 'wasm') {
    const native = history(name, 'gort', null) ?? go * GORT_FACTOR;
    return WASM_START_MS + WASM_FACTOR * native * (impl.n != null ? WASM_SMALL_N_SCALE : 1);
  }
  if (impl.id === 'go-wasm') {
    const native = history(name, 'go', null) ?? go;
    return GO_WASM_START_MS + GO_WASM_FACTOR * native * (impl.n != null ? WASM_SMALL_N_SCALE : 1);
  }
  return EST_MS[impl.id]?.[name] ?? UNKNOWN_MS;
}

const totalMs = (ws) => ws.reduce((s, w) => s + (w.warmup + w.runs) * w.round_ms, 0);

// Lowers runs of the costliest workloads until the estimate fits.
function fitBudget(ws, budgetMs) {
  const lowered = new Set();
  while (totalMs(ws) > budgetMs) {
    const w = ws.filter((x) => x.runs > MIN_RUNS).sort((a, b) => b.round_ms - a.round_ms)[0];
    if (!w) break;
    w.runs -= 1;
    lowered.add(w.name);
  }
  return [...lowered];
}

// table: the workload table (a Map from name to entry; null when gort is
// not built). Returns { workloads: [{ name, info, impls, missing, runs,
// warmup, round_ms }], est_s, budget_s, lowered: [names] }.
export function makePlan(names, lists, opts, history, table = null) {
  const ws = names.map((name) => {
    const w = planWorkload(name, table?.get(name) ?? null, lists, opts.quick);
    w.runs = opts.runs;
    w.warmup = opts.warmup;
    w.impls.forEach((i) => { i.est_ms = Math.round(estimateMs(name, i, history, opts.quick)); });
    w.round_ms = w.impls.reduce((s, i) => s + i.est_ms, 0);
    return w;
  });
  const budgetMs = (BUDGET_S - BUILD_RESERVE_S) * 1000;
  const lowered = opts.runsGiven || opts.quick ? [] : fitBudget(ws, budgetMs);
  return { workloads: ws, est_s: Math.round(totalMs(ws) / 1000), budget_s: BUDGET_S, lowered };
}
