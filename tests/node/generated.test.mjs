// generated.test.mjs - generated sources are up to date with their
// generators: runtime/mem/sizeclasses.h with scripts/mksizeclasses.mjs
// (which also proves every class's division reciprocal exact).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO } from './lib/ctest.mjs';

test('runtime/mem/sizeclasses.h matches scripts/mksizeclasses.mjs', () => {
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/mksizeclasses.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
