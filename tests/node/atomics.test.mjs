// atomics.test.mjs - the runtime's atomic operations all go through
// runtime/atomic/atomic.h, each naming its memory order: no <stdatomic.h>
// function, GCC __atomic or __sync builtin is called anywhere else in
// runtime/. (The other half of the rule, no plain access to an _Atomic
// object, is checked by clang's -Watomic-implicit-seq-cst in the fuzz and
// wasm builds: see CMakeLists.txt.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO } from './lib/ctest.mjs';

const HEADER = 'runtime/atomic/atomic.h';
const DIRECT = /(^|[^\w])(atomic_(?!init\b)[a-z_]+\s*\(|__atomic_\w+|__sync_\w+)/;

function sources(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(c|h|S)$/.test(e.name)) out.push(rel);
  }
  return out;
}

// Comments may name the functions: strip them first (keeping lines).
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/\/\/.*$/gm, '');
}

test('runtime/ calls atomics only through runtime/atomic/atomic.h', () => {
  const bad = [];
  for (const file of sources('runtime')) {
    if (file === HEADER) continue;
    code(fs.readFileSync(path.join(REPO, file), 'utf8')).split('\n').forEach((line, i) => {
      const m = DIRECT.exec(line);
      if (m) bad.push(`${file}:${i + 1}: ${m[2]}`);
    });
  }
  assert.deepEqual(bad, [], `direct atomic calls:\n${bad.join('\n')}`);
});

test('the check sees a direct call', () => {
  assert.ok(DIRECT.test('x = atomic_load(&y);'));
  assert.ok(DIRECT.test('__atomic_load_n(&y, __ATOMIC_RELAXED)'));
  assert.ok(!DIRECT.test('gort__atomic_load_relaxed(&y)'));
  assert.ok(!DIRECT.test('atomic_init(&y, 0)'));
});
