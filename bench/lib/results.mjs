// bench/lib/results.mjs - turns the raw runs of one workload into its
// result: per implementation the status, N, medians and min-max of the
// headline figure and of ns_per_op, the median peak RSS; then the gort/Go
// ratio, the peak-RSS ratio, the wasm/native ratio, the ratio of gort's
// wasm build to Go's js/wasm port (ns_per_op, at the same n only), wasm's
// own headline figure, the verdicts against the targets (and which part a miss
// missed), and notes on anything that makes a figure not comparable.

import {
  costRatio, figureOf, goWasmWithin, headline, missedChecks, wasmValueWithin, wasmWithin, withinTarget,
} from './figures.mjs';
import { median, summarize } from './stats.mjs';

function summarizeImpl(impl, runs, fig) {
  const base = { status: 'ok', n_asked: impl.n, why_n: impl.why, runs };
  const bad = runs.find((r) => !r.ok);
  if (bad) return { ...base, status: 'failed', error: bad.error };
  const jsons = runs.filter((r) => !r.warmup).map((r) => r.json);
  const results = [...new Set(jsons.map((j) => j.result))];
  return {
    ...base,
    n: jsons[0]?.n ?? null,
    procs: jsons[0]?.procs ?? null,
    figure: summarize(jsons.map((j) => headline(fig, j))),
    ns_per_op: summarize(jsons.map((j) => j.ns_per_op)),
    rss_peak_bytes: median(jsons.map((j) => j.rss_peak_bytes)),
    result: results.length === 1 ? results[0] : results,
  };
}

const isOk = (s) => s?.status === 'ok';

function comparabilityNotes(impls, fig) {
  const notes = [];
  const { go } = impls;
  for (const [id, s] of Object.entries(impls)) {
    if (s.status === 'failed') notes.push(`${id} failed: ${s.error}`);
    if (new Set((s.runs || []).map((r) => r.build)).size > 1) {
      notes.push(`${id}'s binary was rebuilt during these runs: its figures mix two builds`);
    }
    if (!isOk(s)) continue;
    if (s.figure == null && id !== 'wasm') notes.push(`${id}: its JSON has no ${fig.field}`);
    if (s.why_n && id === 'go-wasm') notes.push(`Go js/wasm runs at wasm's n=${s.n}, the same work`);
    else if (s.why_n) notes.push(`${id} runs at n=${s.n}: ${s.why_n}`);
    if (isOk(go) && id !== 'go' && s.n === go.n && JSON.stringify(s.result) !== JSON.stringify(go.result)) {
      notes.push(`${id}'s result ${JSON.stringify(s.result)} differs from Go's ${JSON.stringify(go.result)}`);
    }
  }
  if (isOk(impls.gort) && isOk(go) && impls.gort.n !== go.n) {
    notes.push(`gort ran n=${impls.gort.n}, Go n=${go.n}: no ratio`);
  }
  const goWasm = impls['go-wasm'];
  if (isOk(impls.wasm) && isOk(goWasm) && impls.wasm.n !== goWasm.n) {
    notes.push(`wasm ran n=${impls.wasm.n}, Go js/wasm n=${goWasm.n}: no ratio`);
  }
  return notes;
}

// A workload the table says cannot run on wasm is run on neither wasm
// implementation (plan.mjs); the note gives the table's reason.
function wasmSkipNotes(info) {
  if (info?.wasm?.runs !== false) return [];
  return [`not run on wasm (gort's build or Go js/wasm): ${info.wasm.why || 'the workload table says so'}`];
}

// w: a planned workload (its figure from w.info, the table's entry); records: { impl id: [runs] }.
export function summarizeWorkload(w, records, targets) {
  const fig = figureOf(targets, w.name, w.info?.figure);
  const impls = {};
  for (const impl of w.impls) impls[impl.id] = summarizeImpl(impl, records[impl.id] || [], fig);
  for (const id of w.missing) impls[id] = { status: 'missing' };
  for (const s of w.skipped || []) impls[s.id] = { status: 'skipped', why: s.why };
  const { gort, go, wasm } = impls;
  const comparable = isOk(gort) && isOk(go) && gort.n === go.n;
  const ratio = comparable ? costRatio(fig, gort.figure?.median, go.figure?.median) : null;
  const rssRatio = comparable && gort.rss_peak_bytes > 0 && go.rss_peak_bytes > 0
    ? gort.rss_peak_bytes / go.rss_peak_bytes : null;
  const wasmRatio = isOk(wasm) && isOk(gort) ? costRatio({ better: 'lower' }, wasm.ns_per_op?.median, gort.ns_per_op?.median) : null;
  const wasmValue = isOk(wasm) ? wasm.figure?.median ?? null : null;
  const goWasm = impls['go-wasm'];
  const goWasmRatio = isOk(wasm) && isOk(goWasm) && wasm.n === goWasm.n
    ? costRatio({ better: 'lower' }, wasm.ns_per_op?.median, goWasm.ns_per_op?.median) : null;
  return {
    name: w.name,
    figure: { name: fig.name, field: fig.field, unit: fig.unit, better: fig.better },
    target: {
      max_ratio: fig.max_ratio ?? null, max_value: fig.max_value ?? null,
      max_rss_ratio: fig.max_rss_ratio ?? null, wasm_max_ratio: fig.wasm_max_ratio ?? null,
      wasm_max_value: fig.wasm_max_value ?? null, go_wasm_max_ratio: fig.go_wasm_max_ratio ?? null,
    },
    runs: w.runs,
    warmup: w.warmup,
    impls,
    ratio,
    rss_ratio: rssRatio,
    within: withinTarget(fig, ratio, gort?.figure?.median, rssRatio),
    missed: missedChecks(fig, ratio, gort?.figure?.median, rssRatio),
    wasm_ratio: wasmRatio,
    wasm_within: wasmWithin(fig, wasmRatio),
    wasm_value: wasmValue,
    wasm_value_within: wasmValueWithin(fig, wasmValue),
    go_wasm_ratio: goWasmRatio,
    go_wasm_within: goWasmWithin(fig, goWasmRatio),
    notes: [
      ...comparabilityNotes(impls, fig), ...wasmSkipNotes(w.info),
      ...(w.skipped || []).map((s) => `${s.id} not run: ${s.why}`),
    ],
  };
}

// Implementations that ran with another procs than asked, e.g.
// { gort: { reported: [1], workloads: ['yield', 'spawn'] } }.
export function procsMismatches(results, procs) {
  const out = {};
  for (const r of results) {
    for (const [id, s] of Object.entries(r.impls)) {
      if (!isOk(s) || s.procs == null || s.procs === procs) continue;
      const m = (out[id] ??= { reported: [], workloads: [] });
      if (!m.reported.includes(s.procs)) m.reported.push(s.procs);
      m.workloads.push(r.name);
    }
  }
  return out;
}
