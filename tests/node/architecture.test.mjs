// architecture.test.mjs - docs/ARCHITECTURE.md's picture of runtime/ is
// the code's: the "deps" block lists, for each folder of runtime/, the
// folders whose headers its files include (read here from the #include
// lines), and each row of the hooks table names a function that its
// callers call and its last column defines.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO } from './lib/ctest.mjs';

const RUNTIME = path.join(REPO, 'runtime');
const DOC = path.join(REPO, 'docs/ARCHITECTURE.md');

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(c|h|S)$/.test(e.name) ? [p] : [];
  });
}

// The folder a quoted include names. runtime/ is the include root, so
// "sched/lock.h" is runtime/sched/lock.h; two names without a folder come
// from include directories the build adds: gort.h (runtime/include/) and
// an arch backend's context_types.h (runtime/arch/<backend>/).
function includedFolder(file, name) {
  if (name.includes('/')) {
    assert.ok(!name.startsWith('.'), `${file}: relative include "${name}" (runtime/ is the include root)`);
    const target = path.join(RUNTIME, name);
    assert.ok(fs.existsSync(target), `${file}: includes "${name}", which is not runtime/${name}`);
    return name.split('/')[0];
  }
  if (name === 'gort.h') return 'include';
  if (name === 'context_types.h') return 'arch';
  assert.fail(`${file}: include "${name}" names no folder of runtime/`);
}

// { folder: Set of folders it includes }, from the code.
function includeGraph() {
  const deps = new Map();
  for (const f of sources(RUNTIME)) {
    const rel = path.relative(RUNTIME, f);
    const folder = rel.split(path.sep)[0];
    if (!deps.has(folder)) deps.set(folder, new Set());
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/^[ \t]*#[ \t]*include[ \t]+"([^"]+)"/gm)) {
      const to = includedFolder(rel, m[1]);
      if (to !== folder) deps.get(folder).add(to);
    }
  }
  return deps;
}

function render(deps) {
  return [...deps.keys()].sort().map((k) => {
    const to = [...deps.get(k)].sort();
    return to.length ? `${k.padEnd(8)} ${to.join(' ')}` : k;
  }).join('\n');
}

function docBlock(name) {
  const doc = fs.readFileSync(DOC, 'utf8');
  const m = doc.match(new RegExp(`\`\`\`${name}\\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `docs/ARCHITECTURE.md has no \`\`\`${name} block`);
  return m[1].replace(/[ \t]+$/gm, '').trimEnd();
}

test('the include graph in docs/ARCHITECTURE.md matches runtime/\'s includes', () => {
  const want = render(includeGraph());
  assert.equal(docBlock('deps'), want, `replace the \`\`\`deps block of docs/ARCHITECTURE.md with:\n${want}\n`);
});

// A C source without comments and strings, for finding calls.
function code(file) {
  return fs.readFileSync(path.join(RUNTIME, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ').replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

test('each hook in docs/ARCHITECTURE.md is called by its callers and defined where it says', () => {
  const doc = fs.readFileSync(DOC, 'utf8');
  const start = doc.indexOf('### Where one subsystem calls into another');
  assert.ok(start >= 0, 'docs/ARCHITECTURE.md: no hooks section');
  const rows = doc.slice(start).split('\n').filter((l) => /^\| [\w/]+\.c/.test(l));
  assert.ok(rows.length >= 10, `only ${rows.length} hook rows found`);
  for (const row of rows) {
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 4, `hook row with ${cells.length} columns: ${row}`);
    const [callers, hook, , definer] = cells;
    const fn = hook.replace(/`/g, '');
    assert.match(fn, /^gort__\w+$/, `hook is not a runtime function: ${hook}`);
    const def = new RegExp(`^[\\w][\\w \\t*]*\\b${fn}\\([^;{]*\\)\\s*\\{`, 'm');
    assert.match(code(definer), def, `${fn} is not defined in runtime/${definer}`);
    for (const caller of callers.replace(/\([^)]*\)/g, '').split(',').map((c) => c.trim())) {
      assert.match(code(caller), new RegExp(`\\b${fn}\\(`), `runtime/${caller} does not call ${fn}`);
    }
  }
});
