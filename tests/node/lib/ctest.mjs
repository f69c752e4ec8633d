// lib/ctest.mjs - turns the CTest tests of one build directory into
// node:test tests, one each, so `node --test` reports every C test case by
// name. Each runs `ctest -R ^name$` (a fresh process per case, natively or
// under node for wasm builds), and fails with ctest's output.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function listTests(dir) {
  const r = spawnSync('ctest', ['--test-dir', dir, '-N'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ctest -N in ${dir} failed:\n${r.stdout}${r.stderr}`);
  return [...r.stdout.matchAll(/Test +#\d+: (\S+)/g)].map((m) => m[1]);
}

function runOne(dir, name, timeoutSec, env) {
  return new Promise((resolve) => {
    const child = spawn('ctest', ['--test-dir', dir, '-R', `^${name}$`,
      '--output-on-failure', '--timeout', String(timeoutSec)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
}

// ctestSuite('native', 'build') registers one test per CTest test of
// REPO/build. A missing build directory is a failure, not a skip.
// exclude: a RegExp of case names this build cannot run, each with its
// reason where it is given (the preset's vendor.gort.exclude; never used
// to hide a failure). env: more environment for every case (the preset's
// vendor.gort.env). tests/node/flavours.test.mjs calls it per flavour.
export function ctestSuite(title, buildDir, { timeoutSec = 600, concurrency = 2, exclude = null, env = {} } = {}) {
  const dir = path.join(REPO, buildDir);
  describe(title, { concurrency }, () => {
    if (!fs.existsSync(path.join(dir, 'CTestTestfile.cmake'))) {
      test('build exists', () => {
        assert.fail(`${buildDir}/ is not built: run \`node scripts/build.mjs --test\` (npm test does)`);
      });
      return;
    }
    const names = listTests(dir).filter((n) => !(exclude && exclude.test(n)));
    test('the suite has cases', () => assert.ok(names.length > 0, `no CTest tests in ${buildDir}`));
    for (const name of names) {
      test(name, { timeout: (timeoutSec + 60) * 1000 }, async () => {
        const { code, out } = await runOne(dir, name, timeoutSec, env);
        assert.equal(code, 0, `${name} failed in ${buildDir}:\n${out}`);
        assert.match(out, /100% tests passed, 0 tests failed out of 1/, out);
      });
    }
  });
}
