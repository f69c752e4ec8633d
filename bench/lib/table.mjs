// bench/lib/table.mjs - renders workload results as Markdown tables
// (padded, so they read as well in a terminal as in docs/PERFORMANCE.md):
// the main one (gort against Go, its peers and its own wasm build) and the
// wasm one (gort's wasm build against Go's js/wasm port, both under Node).

import { IMPLS } from './impls.mjs';
import { targetText } from './figures.mjs';

const DASH = '—';

export function fmtNum(x) {
  if (x == null || !Number.isFinite(x)) return DASH;
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const fmtInt = (x) => (x == null ? DASH : x.toLocaleString('en-US'));
const fmtRatio = (x) => (x == null ? DASH : x.toFixed(2));
const fmtVerdict = (v) => (v == null ? DASH : v === 'yes' ? 'yes' : 'NO');

function fmtMiB(bytes) {
  if (bytes == null) return DASH;
  const m = bytes / 1048576;
  return m >= 10 ? m.toFixed(0) : m.toFixed(1);
}

// The median cell of one implementation: a number, or why there is none.
function medianCell(s, id) {
  if (!s || s.status === 'missing') return `missing (${IMPLS[id].label})`;
  if (s.status === 'failed') return 'failed';
  return fmtNum(s.figure?.median);
}

function spreadCell(s) {
  if (s?.status !== 'ok' || !s.figure) return DASH;
  return `${fmtNum(s.figure.min)}–${fmtNum(s.figure.max)}`;
}

function rssCell(r) {
  const { gort, go } = r.impls;
  return `${fmtMiB(gort?.rss_peak_bytes)} / ${fmtMiB(go?.rss_peak_bytes)}`;
}

function peersCell(r) {
  const peers = Object.keys(r.impls).filter((id) => !['gort', 'go', 'wasm', 'go-wasm'].includes(id));
  if (!peers.length) return DASH;
  return peers.map((id) => {
    const s = r.impls[id];
    const label = IMPLS[id].label;
    if (s.status !== 'ok') return `${label} ${s.status}`;
    return `${label} ${fmtNum(s.figure?.median)} (${fmtMiB(s.rss_peak_bytes)} MiB)`;
  }).join('; ');
}

// A wasm implementation's ns/op (id: wasm or go-wasm); withN: name a
// smaller n than native's.
function wasmCell(r, id = 'wasm', withN = true) {
  const s = r.impls[id];
  if (!s) return 'n/a'; // not planned: the table says it does not run on wasm
  if (s.status === 'missing') return 'missing';
  if (s.status === 'failed') return 'failed';
  if (s.status === 'skipped') return 'skipped';
  const n = withN && s.why_n ? ` (n=${fmtInt(s.n)})` : '';
  return `${fmtNum(s.ns_per_op?.median)}${n}`;
}

function nsSpreadCell(s) {
  if (s?.status !== 'ok' || !s.ns_per_op) return DASH;
  return `${fmtNum(s.ns_per_op.min)}–${fmtNum(s.ns_per_op.max)}`;
}

// wasm's targets: its ratio to native ("≤ 3 NO") and/or a bound on its
// own headline figure ("1,234 ≤ 1000 µs NO": gc_pause's max pause).
function wasmTargetCell(r) {
  const parts = [];
  if (r.target.wasm_max_ratio != null) parts.push(`≤ ${r.target.wasm_max_ratio} ${fmtVerdict(r.wasm_within)}`);
  if (r.target.wasm_max_value != null) {
    const unit = r.figure.unit.split(' ')[0];
    parts.push(`${fmtNum(r.wasm_value)} ≤ ${r.target.wasm_max_value} ${unit} ${fmtVerdict(r.wasm_value_within)}`);
  }
  return parts.length ? parts.join('; ') : DASH;
}

// "yes", "NO (> 1000 µs)" naming what a miss missed, or "—".
function withinCell(r) {
  const v = fmtVerdict(r.within);
  return r.missed?.length ? `${v} (${r.missed.join(', ')})` : v;
}

function nCell(r) {
  const { go, gort } = r.impls;
  return fmtInt(go?.n ?? gort?.n ?? null);
}

function workloadCell(r, defaultRuns) {
  return r.runs !== defaultRuns ? `${r.name} (${r.runs} runs)` : r.name;
}

const COLUMNS = [
  ['workload', (r, o) => workloadCell(r, o.defaultRuns)],
  ['n', nCell],
  ['figure', (r) => r.figure.unit],
  ['gort', (r) => medianCell(r.impls.gort, 'gort')],
  ['gort min–max', (r) => spreadCell(r.impls.gort)],
  ['Go', (r) => medianCell(r.impls.go, 'go')],
  ['Go min–max', (r) => spreadCell(r.impls.go)],
  ['gort/Go', (r) => fmtRatio(r.ratio)],
  ['target', (r) => targetText({ ...r.target, unit: r.figure.unit }) || DASH],
  ['within', withinCell],
  ['RSS MiB gort / Go', rssCell],
  ['peers (same figure)', peersCell],
  ['wasm ns/op', (r) => wasmCell(r)],
  ['wasm/native', (r) => fmtRatio(r.wasm_ratio)],
  ['wasm target', wasmTargetCell],
];

// The wasm table's n: the wasm runs' (both run at the table's wasm n).
function wasmNCell(r) {
  const { wasm } = r.impls;
  const goWasm = r.impls['go-wasm'];
  return fmtInt(wasm?.n ?? goWasm?.n ?? null);
}

function goWasmTargetCell(r) {
  const max = r.target.go_wasm_max_ratio;
  if (max == null) return DASH;
  const verdict = { yes: 'met', no: 'NOT MET' }[r.go_wasm_within] ?? DASH;
  return `≤ ${max.toFixed(1)} ${verdict}`;
}

const WASM_COLUMNS = [
  ['workload', (r) => r.name],
  ['n', wasmNCell],
  ['wasm ns/op', (r) => wasmCell(r, 'wasm', false)],
  ['wasm min–max', (r) => nsSpreadCell(r.impls.wasm)],
  ['Go js/wasm ns/op', (r) => wasmCell(r, 'go-wasm', false)],
  ['Go js/wasm min–max', (r) => nsSpreadCell(r.impls['go-wasm'])],
  ['gort-wasm / Go js/wasm', (r) => fmtRatio(r.go_wasm_ratio)],
  ['target', goWasmTargetCell],
];

export function renderMarkdown(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function render(columns, results, opts) {
  const header = columns.map(([h]) => h);
  const rows = results.map((r) => columns.map(([, cell]) => cell(r, opts)));
  return renderMarkdown(header, rows);
}

// results: summarized workloads; opts: { defaultRuns }.
export const renderTable = (results, opts) => render(COLUMNS, results, opts);

// Every workload (n/a where neither wasm implementation was planned: the
// notes say why), or null when no workload was planned on either.
export function renderWasmTable(results) {
  if (!results.some((r) => r.impls.wasm || r.impls['go-wasm'])) return null;
  return render(WASM_COLUMNS, results, {});
}
