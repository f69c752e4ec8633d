// bench/lib/figures.mjs - a workload's headline figure (from the workload
// table, `gort list --json`) with its targets (bench/targets.json), and what
// follows from them: how to read the figure from a JSON line, the gort/Go
// ratio (always "gort cost / Go cost": lower is better) and whether a
// workload is within its target.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGETS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'targets.json');

export function loadTargets(file = TARGETS_FILE) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// The figure of a workload gort does not list (one only the Go twin has).
export const FALLBACK_FIGURE = { name: 'ns_per_op', field: 'ns_per_op', scale: 1, unit: 'ns/op', better: 'lower' };

// The figure of a workload: { name, field, scale, unit, better } (figure:
// the table's entry's, null for the fallback) plus the workload's target
// fields from targets.json (max_ratio, max_value, max_rss_ratio,
// wasm_max_ratio, wasm_max_value, go_wasm_max_ratio, scaling_max_growth).
export function figureOf(targets, workload, figure = null) {
  const fig = figure || FALLBACK_FIGURE;
  for (const k of ['name', 'field', 'unit']) {
    if (typeof fig[k] !== 'string') throw new Error(`${workload}: its figure has no ${k}: ${JSON.stringify(fig)}`);
  }
  if (!['lower', 'higher'].includes(fig.better)) throw new Error(`${workload}: figure.better is ${fig.better}`);
  return { ...fig, scale: fig.scale ?? 1, ...(targets.workloads[workload] || {}) };
}

// Reads a dotted field ("gc.pause_max_ns") from a JSON line, scaled; null
// when absent or not a number.
export function readField(json, field, scale = 1) {
  let v = json;
  for (const k of field.split('.')) v = v == null ? undefined : v[k];
  return typeof v === 'number' && Number.isFinite(v) ? v * scale : null;
}

export const headline = (fig, json) => readField(json, fig.field, fig.scale);

// gort/Go as a cost ratio: for "higher is better" figures, Go / gort.
export function costRatio(fig, gortValue, goValue) {
  if (gortValue == null || goValue == null) return null;
  const [num, den] = fig.better === 'higher' ? [goValue, gortValue] : [gortValue, goValue];
  return den > 0 ? num / den : null;
}

// "yes" / "no" / null (no target or no ratio). rssRatio: gort's median
// peak RSS / Go's, checked when the workload has max_rss_ratio.
export function withinTarget(fig, ratio, gortValue, rssRatio = null) {
  if (fig.max_ratio == null && fig.max_value == null) return null;
  if (ratio == null) return null;
  const okRatio = fig.max_ratio == null || ratio <= fig.max_ratio;
  const okValue = fig.max_value == null || (gortValue != null && gortValue <= fig.max_value);
  const okRss = fig.max_rss_ratio == null || (rssRatio != null && rssRatio <= fig.max_rss_ratio);
  return okRatio && okValue && okRss ? 'yes' : 'no';
}

// The parts of the target a within 'no' missed, as text for the table:
// ['gort/Go > 1.0', '> 1000 µs'] (empty when within or unknown).
export function missedChecks(fig, ratio, gortValue, rssRatio = null) {
  if (withinTarget(fig, ratio, gortValue, rssRatio) !== 'no') return [];
  const unit = fig.unit.split(' ')[0];
  const out = [];
  if (fig.max_ratio != null && !(ratio <= fig.max_ratio)) out.push(`gort/Go > ${fig.max_ratio.toFixed(1)}`);
  if (fig.max_value != null && !(gortValue != null && gortValue <= fig.max_value)) out.push(`> ${fig.max_value} ${unit}`);
  if (fig.max_rss_ratio != null && !(rssRatio != null && rssRatio <= fig.max_rss_ratio)) out.push(`RSS > ${fig.max_rss_ratio.toFixed(1)}`);
  return out;
}

// wasm's own bound on its headline figure (wasm_max_value: gc_pause's
// 1 ms on wasm): "yes" / "no" / null (no such target or no figure).
export function wasmValueWithin(fig, wasmValue) {
  if (fig.wasm_max_value == null || wasmValue == null) return null;
  return wasmValue <= fig.wasm_max_value ? 'yes' : 'no';
}

export function wasmWithin(fig, wasmRatio) {
  if (fig.wasm_max_ratio == null || wasmRatio == null) return null;
  return wasmRatio <= fig.wasm_max_ratio ? 'yes' : 'no';
}

// gort-wasm / Go js/wasm (ns_per_op) against go_wasm_max_ratio: "yes" /
// "no" / null (no such target or no ratio).
export function goWasmWithin(fig, goWasmRatio) {
  if (fig.go_wasm_max_ratio == null || goWasmRatio == null) return null;
  return goWasmRatio <= fig.go_wasm_max_ratio ? 'yes' : 'no';
}

// The target as text: "≤ 0.8", "≤ 1.0 and ≤ 1000 µs max pause".
export function targetText(fig) {
  const parts = [];
  if (fig.max_ratio != null) parts.push(`≤ ${fig.max_ratio.toFixed(1)}`);
  if (fig.max_value != null) parts.push(`≤ ${fig.max_value} ${fig.unit.split(' ')[0]}`);
  if (fig.max_rss_ratio != null) parts.push(`RSS ≤ ${fig.max_rss_ratio.toFixed(1)}`);
  return parts.join(', ');
}
