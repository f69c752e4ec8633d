// asyncify-list.test.mjs - wasm/asyncify-remove.txt stays true to the
// runtime it describes (docs/WASM-BUILD.md, "Narrowing Asyncify").
//
// Binaryen only warns at the link when a name on the list matches no
// function, and a renamed runtime function silently drops off the list
// (its instrumentation, and that of its callers, comes back: a loss of
// speed nobody sees). The final .wasm cannot tell, since Binaryen inlines
// some listed functions after Asyncify has run (gort__netpoll_break is
// gone from gort.wasm). So the runtime's own entries are checked against
// the sources: each gort__ name is a function defined (not static, not
// just declared) in runtime/. The libc and Emscripten names are fixed by
// the pinned Emscripten 3.1.6 and checked by the leave-one-out run the
// docs describe. Also: every entry has a comment above it (its reason).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO } from './lib/ctest.mjs';

const LIST = path.join(REPO, 'wasm/asyncify-remove.txt');

// [{ name, line, reasoned }] in file order; reasoned: a comment line comes
// before it in the same paragraph (no blank line between).
function entries() {
  const out = [];
  let commented = false;
  fs.readFileSync(LIST, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') { commented = false; return; }
    if (line.startsWith('#')) { commented = true; return; }
    if (line.startsWith('[')) { commented = false; return; }
    out.push({ name: line.replace(/#.*/, '').trim(), line: i + 1, reasoned: commented });
  });
  return out;
}

function runtimeSources(dir) {
  const files = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...runtimeSources(p));
    else if (e.name.endsWith('.c')) files.push(p);
  }
  return files;
}

test('the list names something, each entry with its reason', () => {
  const list = entries();
  assert.ok(list.length > 0, 'wasm/asyncify-remove.txt has no entries');
  for (const e of list)
    assert.ok(e.reasoned, `asyncify-remove.txt:${e.line}: ${e.name} has no comment above it`);
});

test("every gort__ entry is a function the runtime defines", () => {
  const text = runtimeSources(path.join(REPO, 'runtime'))
    .map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const gort = entries().filter((e) => e.name.startsWith('gort'));
  assert.ok(gort.length > 0);
  for (const e of gort) {
    // A definition: at the start of a line, not static, the name and '('
    // on the line, and a '{' before the next ';' (a declaration has none).
    const re = new RegExp(String.raw`^(?!static)[A-Za-z_][\w \t*]*\b${e.name}\(([^;{]*)\{`, 'm');
    assert.ok(re.test(text), `asyncify-remove.txt:${e.line}: ${e.name} is not defined in runtime/ (renamed? its line no longer removes anything)`);
  }
});
