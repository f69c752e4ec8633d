// workloads.test.mjs - the one workload table (workloads/registry.c) as
// `gort list --json` prints it, natively and on wasm: well-formed and
// complete (every workload docs/WORKLOADS.md defines is listed, in the
// same order as plain `gort list`), every listed workload runs at its
// quick_n (on wasm: those that run there; the others fail saying so), the
// bench's own tables (bench/lib/suite.mjs, bench/targets.json) name only
// listed workloads, and the Go twin (bench/go/main.go) has the same names,
// default sizes and kinds. The escaping of odd strings is tested in C
// (tests/native/test-workloads.c).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { IMPLS } from '../../bench/lib/impls.mjs';
import { loadTargets } from '../../bench/lib/figures.mjs';
import { EST_MS, GO_WASM_SKIP, PEERS } from '../../bench/lib/suite.mjs';
import { parseWorkloadTable } from '../../bench/lib/workloads.mjs';
import { REPO } from './lib/ctest.mjs';

function run(impl, args) {
  assert.ok(fs.existsSync(impl.file), `${impl.file} is not built: run node scripts/build.mjs`);
  const [cmd, argv] = impl.command(args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 300_000 });
  if (r.error) throw r.error;
  return r;
}

function listJson(impl) {
  const r = run(impl, ['list', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return { text: r.stdout, table: parseWorkloadTable(r.stdout) };
}

const isInt = (x) => Number.isSafeInteger(x);

// The shape docs/WORKLOADS.md ("The workload table") gives each entry.
function checkEntry(w) {
  const at = `${w.name}: ${JSON.stringify(w)}`;
  assert.match(w.name, /^[a-z0-9_]+$/, at);
  assert.equal(typeof w.summary, 'string', at);
  assert.ok(isInt(w.default_n) && isInt(w.max_n) && isInt(w.quick_n), at);
  assert.ok(w.quick_n >= 1 && w.quick_n <= w.default_n && w.default_n <= w.max_n, at);
  assert.ok(['sched', 'gc'].includes(w.kind), at);
  const f = w.figure;
  assert.ok(f && typeof f.name === 'string' && typeof f.field === 'string' && typeof f.unit === 'string', at);
  assert.ok(Number.isFinite(f.scale) && f.scale > 0 && ['lower', 'higher'].includes(f.better), at);
  assert.equal(typeof w.wasm.runs, 'boolean', at);
  if (w.wasm.runs) {
    assert.ok(isInt(w.wasm.n) && w.wasm.n >= 1 && w.wasm.n <= w.max_n, at);
    assert.equal(w.wasm.why === null, w.wasm.n === w.default_n, `${at}: a smaller wasm n says why`);
  } else {
    assert.equal(w.wasm.n, null, at);
    assert.ok(typeof w.wasm.why === 'string' && w.wasm.why.length > 0, `${at}: says why not on wasm`);
  }
  assert.ok(w.page_n === null || (isInt(w.page_n) && w.page_n >= 1 && w.page_n <= w.max_n), at);
}

// The names of docs/WORKLOADS.md's definitions table, in its order.
function documentedNames() {
  const text = fs.readFileSync(path.join(REPO, 'docs/WORKLOADS.md'), 'utf8');
  const head = text.indexOf('| name | default N |');
  assert.ok(head >= 0, 'docs/WORKLOADS.md has no definitions table');
  const rows = text.slice(head).split('\n').slice(2);
  return rows.slice(0, rows.findIndex((l) => !l.startsWith('|'))).map((l) => l.split('|')[1].trim());
}

// The Go twin's table: from its own `list --json` when Go is installed
// (built by bench/go/build.sh, incrementally), else from its source.
function goTwinTable() {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) {
    const b = spawnSync('sh', [path.join(REPO, 'bench/go/build.sh')], { encoding: 'utf8', timeout: 900_000 });
    assert.equal(b.status, 0, `bench/go/build.sh failed:\n${b.stderr}`);
    return { how: 'gort-go list --json', table: listJson(IMPLS.go).table };
  }
  const src = fs.readFileSync(path.join(REPO, 'bench/go/main.go'), 'utf8');
  const body = src.slice(src.indexOf('var workloads = []workload{'));
  const rows = [...body.slice(0, body.indexOf('\n}\n')).matchAll(/^\s*\{"(\w+)", (\d+), kind(Sched|GC),/gm)];
  assert.ok(rows.length > 0, 'no workload rows found in bench/go/main.go');
  return {
    how: 'bench/go/main.go source',
    table: new Map(rows.map(([, name, n, kind]) => [name, { name, default_n: Number(n), kind: kind.toLowerCase() }])),
  };
}

describe('the workload table (gort list --json)', () => {
  const native = () => listJson(IMPLS.gort).table;

  test('is well-formed and complete, in plain list\'s order', () => {
    const table = native();
    for (const w of table.values()) checkEntry(w);
    const plain = run(IMPLS.gort, ['list']).stdout.trim().split('\n');
    assert.deepEqual([...table.keys()], plain);
    assert.deepEqual([...table.keys()].sort(), documentedNames().sort(), 'the workloads docs/WORKLOADS.md defines');
  });

  test('gort list refuses other arguments', () => {
    for (const args of [['list', '--yaml'], ['list', '--json', 'x']]) {
      const r = run(IMPLS.gort, args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /gort list: unexpected argument "(--yaml|x)"/);
      assert.equal(r.stdout, '');
    }
  });

  test('every listed workload runs at its quick_n (native)', () => {
    for (const w of native().values()) {
      const r = run(IMPLS.gort, ['run', w.name, '--n', String(w.quick_n), '--json']);
      assert.equal(r.status, 0, `${w.name} --n ${w.quick_n}: status ${r.status}\n${r.stderr}`);
      const j = JSON.parse(r.stdout.trim());
      assert.equal(j.workload, w.name);
      assert.equal(j.n, w.quick_n);
      assert.equal(w.kind === 'gc', typeof j.gc === 'object', `${w.name}: kind ${w.kind} and its gc object`);
      let v = j;
      for (const k of w.figure.field.split('.')) v = v?.[k];
      assert.equal(typeof v, 'number', `${w.name}: its figure's field ${w.figure.field} in ${r.stdout}`);
    }
  });

  test('wasm prints the same table and runs what it says it runs', () => {
    const { text, table } = listJson(IMPLS.wasm);
    assert.equal(text, listJson(IMPLS.gort).text, 'the same document natively and on wasm');
    for (const w of table.values()) {
      const r = run(IMPLS.wasm, ['run', w.name, '--n', String(w.quick_n), '--json']);
      if (w.wasm.runs) {
        assert.equal(r.status, 0, `${w.name} on wasm: status ${r.status}\n${r.stderr}`);
        assert.equal(JSON.parse(r.stdout.trim()).n, w.quick_n);
      } else {
        assert.equal(r.status, 1, `${w.name} on wasm should fail: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /not supported on this platform \(wasm\)/);
      }
    }
  });

  test('the bench\'s own tables name only listed workloads', () => {
    const names = new Set(native().keys());
    const keyed = [['PEERS', PEERS], ...Object.entries(EST_MS).map(([id, t]) => [`EST_MS.${id}`, t]),
      ['GO_WASM_SKIP', GO_WASM_SKIP], ['targets.json', loadTargets().workloads]];
    for (const [what, t] of keyed) {
      for (const k of Object.keys(t)) assert.ok(names.has(k), `${what} names ${k}, which gort list does not`);
    }
  });

  test('the Go twin has the same workloads, default sizes and kinds', { timeout: 1_000_000 }, () => {
    const table = native();
    const { how, table: twin } = goTwinTable();
    const pick = (t) => [...t.values()].map((w) => ({ name: w.name, default_n: w.default_n, kind: w.kind }))
      .sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(pick(twin), pick(table), `the Go twin (${how}) and gort list --json differ`);
  });
});
