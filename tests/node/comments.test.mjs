// comments.test.mjs - every file name that a comment or a doc mentions
// exists in the repository (tests/node/lib/comments.mjs says what counts
// as a comment, a name, and another project's file). A renamed or deleted
// file leaves its old name in comments; this test lists each one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadNames, namesIn } from './lib/comments.mjs';
import { REPO } from './lib/ctest.mjs';

test('comments and docs name only files that exist', () => {
  let checked = 0;
  const dead = deadNames(REPO, (kind) => { if (kind !== 'foreign') checked++; });
  // The check has teeth only if it finds names: the runtime's file heads
  // alone name hundreds.
  assert.ok(checked > 500, `only ${checked} names checked: the scanner lost the comments`);
  assert.deepEqual(dead.map((d) => `${d.file}:${d.line}: ${d.name}`), []);
});

test('the scanner finds names and tells ours from other projects\'', async () => {
  const { isForeign } = await import('./lib/comments.mjs');
  const names = (t) => namesIn(t).map((n) => n.name);
  assert.deepEqual(names(' * see netpoll/fd.c and docs/WASM-NOTES.md.'), ['netpoll/fd.c', 'docs/WASM-NOTES.md']);
  assert.deepEqual(names(' (runtime/os/sigctx_linux_*.c; tests/wasm-spike)'), ['runtime/os/sigctx_linux_*.c', 'tests/wasm-spike']);
  assert.deepEqual(names(' facts in /work/shared/WASM.md'), ['/work/shared/WASM.md']);
  assert.deepEqual(names(' https://github.com/golang/go/blob/master/src/runtime/proc.go'), []);
  assert.equal(isForeign('proc.go', "Go's "), true);
  assert.equal(isForeign('bench/go/main.go', ''), false);
  assert.equal(isForeign('page.c', "mimalloc's "), true);
  assert.equal(isForeign('include/mimalloc/atomic.h', '(mimalloc: '), true);
  assert.equal(isForeign('proc.c', 'as Go does in '), false);
  assert.equal(isForeign('pthread.h', '#include <'), true);
  assert.equal(isForeign('cases.mjs', ''), false);
});
