// bench/lib/report.mjs - the human-readable report of a bench run (one
// Markdown block): when, where and how it ran, the main table, the wasm
// table (gort's wasm build against Go's js/wasm port), and the notes that
// qualify their figures. Printed to stdout and put between the markers
// of docs/PERFORMANCE.md.

import { procsMismatches } from './results.mjs';
import { renderTable, renderWasmTable } from './table.mjs';

export function duration(s) {
  if (s == null) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  if (!m) return `${Math.round(s)} s`;
  return sec ? `${m} min ${sec} s` : `${m} min`;
}

export function machineLine(m, v) {
  const gib = (m.mem_total_bytes / 2 ** 30).toFixed(1);
  const parts = [`${m.cpu_model}, ${m.cores} cores, ${m.kernel}, ${gib} GiB`,
    `gcc ${v.gcc}`, v.go, `emcc ${v.emcc}`, `node ${v.node}`,
    `Boehm GC ${v.libgc}`, `mimalloc ${v.libmimalloc}`, `glibc ${v.glibc}`];
  return `Machine: ${parts.join(' · ')}`;
}

function methodLine(doc) {
  const o = doc.options;
  const when = doc.quick ? 'QUICK run (tiny N, one run, no warm-up): proves the runner works, not a measurement; '
    : `${o.runs} measured runs after ${o.warmup} warm-up per implementation, `;
  return `Method: ${when}interleaved (gort, Go, peers, wasm, Go js/wasm in each round); `
    + `GORT_MAXPROCS = GOMAXPROCS = --procs = ${o.procs}; medians. `
    + (doc.env && Object.keys(doc.env).length ? `Environment: ${Object.entries(doc.env).map(([k, v]) => `${k}=${v}`).join(' ')}. ` : '')
    + `Took ${duration(doc.duration_s)}: builds ${duration(doc.build_s)}, runs estimated at ${duration(doc.plan.est_s)}; `
    + `budget ${duration(doc.plan.budget_s)}. `
    + loadText(doc);
}

// The 1-minute load average when the runs started (the end one includes
// the bench itself). Above half the cores, other processes were busy and
// shared the CPUs with the runs.
export function loadText(doc) {
  const [a, b] = [doc.load.start[0], doc.load.end[0]];
  const busy = a > doc.machine.cores / 2;
  return `Load average ${a} at the start (${b} at the end)${busy ? ': other processes were busy, expect noise' : ''}.`;
}

function notes(doc) {
  const out = [];
  for (const [id, m] of Object.entries(procsMismatches(doc.workloads, doc.options.procs))) {
    out.push(`${id} reported procs ${m.reported.join('/')} (asked ${doc.options.procs}) in: ${m.workloads.join(', ')}.`);
  }
  if (doc.plan.lowered.length) {
    out.push(`Runs lowered (min 3) to fit ${duration(doc.plan.budget_s)} for: ${doc.plan.lowered.join(', ')}.`);
  }
  for (const r of doc.workloads) for (const n of r.notes) out.push(`${r.name}: ${n}.`);
  return out;
}

const LEGEND = 'gort/Go = gort cost / Go cost of the headline figure (medians), so lower is better: '
  + 'for a throughput (round trips/s) it is Go / gort. within names what a miss missed. '
  + 'wasm/native = wasm ns/op / native gort ns/op; wasm target: that ratio\'s bound, or for gc_pause wasm\'s own median max pause against 1 ms. '
  + 'min–max: the spread of the measured runs. RSS: median peak RSS (VmHWM). '
  + '"missing (gort)": gort has no such workload yet (its Go figures are still measured).';

const WASM_LEGEND = 'Both under Node, one process per run, at the same n (the workload table\'s wasm n): '
  + 'wasm is gort\'s Emscripten build (wasm/run-node.cjs), Go js/wasm the Go twin built with GOOS=js GOARCH=wasm '
  + '(bench/go/run-wasm.cjs with Go\'s wasm_exec.js; its goroutines share one thread whatever GOMAXPROCS says). '
  + 'gort-wasm / Go js/wasm = wasm ns/op / Go js/wasm ns/op (medians), so lower is better; '
  + 'target: issue 15\'s bound on that ratio. n/a: the workload does not run on wasm.';

export function renderReport(doc) {
  const header = [
    `${doc.finished_at.slice(0, 16).replace('T', ' ')} UTC · commit ${doc.git.commit}${doc.git.dirty ? ' (uncommitted changes)' : ''} · \`${doc.command}\``,
    '',
    machineLine(doc.machine, doc.versions),
    '',
    methodLine(doc),
  ];
  const table = renderTable(doc.workloads, { defaultRuns: doc.options.runs });
  const wasmTable = renderWasmTable(doc.workloads);
  const wasm = wasmTable ? ['', 'gort\'s wasm build against Go\'s js/wasm port:', '', wasmTable, '', WASM_LEGEND] : [];
  const ns = notes(doc);
  return [...header, '', table, '', LEGEND, ...wasm, ...(ns.length ? ['', 'Notes:', '', ...ns.map((n) => `- ${n}`)] : [])].join('\n');
}
