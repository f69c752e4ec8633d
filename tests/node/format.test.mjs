// format.test.mjs - the C sources are formatted as .clang-format says
// (LLVM style). clang-format's output changes between major versions, so
// the check runs the version the files were formatted with (the one
// Debian's clang-format package gives; scripts/setup.mjs installs it with
// the fuzz tools); another version is reported as a failure naming it,
// not skipped. To fix a failure: `clang-format -i FILE...`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { REPO } from './lib/ctest.mjs';

const MAJOR = 14; // the version .clang-format was checked with

function sources() {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.c', '*.h'], { cwd: REPO, encoding: 'utf8' });
  return out.split('\0').filter((f) => f);
}

test(`C sources match .clang-format (clang-format ${MAJOR})`, () => {
  const v = spawnSync('clang-format', ['--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0, 'clang-format not found: npm test installs it as root (apt install clang-format)');
  const major = Number((/version (\d+)/.exec(v.stdout) || [])[1]);
  assert.equal(major, MAJOR, `clang-format ${major} formats differently from ${MAJOR}: install clang-format-${MAJOR}`);
  const files = sources();
  assert.ok(files.length > 100, `only ${files.length} C files found`);
  const r = spawnSync('clang-format', ['--dry-run', '--Werror', ...files], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  const bad = [...new Set((r.stderr || '').split('\n').map((l) => /^([^:\s]+):\d+:\d+: error/.exec(l)).filter(Boolean).map((m) => m[1]))];
  assert.equal(r.status, 0, `not formatted (clang-format -i these):\n${bad.join('\n')}`);
});
