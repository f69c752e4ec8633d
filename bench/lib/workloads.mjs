// bench/lib/workloads.mjs - the workload table, read from `gort list
// --json` (workloads/registry.c is its one source): each workload's
// default, largest and quick n, its kind, its headline figure (JSON field,
// scale, unit, which way is better), whether it runs on wasm and at which
// n. The bench suite, the tests and (through the wasm build's own `list
// --json`) the page read it; nothing else keeps a copy. docs/WORKLOADS.md
// describes the members.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

// Parses the document `gort list --json` prints into a Map from name to
// entry, in table order. Throws on anything that is not that document.
export function parseWorkloadTable(text) {
  const doc = JSON.parse(text);
  if (!doc || !Array.isArray(doc.workloads)) throw new Error('gort list --json: no "workloads" array');
  const table = new Map();
  for (const w of doc.workloads) {
    if (typeof w?.name !== 'string' || !w.name) throw new Error(`gort list --json: a workload without a name: ${JSON.stringify(w)}`);
    if (table.has(w.name)) throw new Error(`gort list --json: ${w.name} listed twice`);
    table.set(w.name, w);
  }
  return table;
}

// The table of an implementation that has `list --json` (gort native or
// wasm: bench/lib/impls.mjs), or null when it is not built or fails.
export function readWorkloadTable(impl) {
  if (!fs.existsSync(impl.file)) return null;
  const [cmd, argv] = impl.command(['list', '--json']);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return null;
  return parseWorkloadTable(r.stdout);
}
