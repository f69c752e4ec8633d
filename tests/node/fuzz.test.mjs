// tests/node/fuzz.test.mjs - bounded fuzzing in CI (tests/fuzz/README.md).
//
// Each libFuzzer harness of build-fuzz/ (built by `node scripts/build.mjs
// --test` when clang is there; built here otherwise) runs over its seed
// corpus (tests/fuzz/corpus/NAME, read only: new inputs go to a temp
// folder) for a few seconds, one at a time; then the demo server's
// property fuzzing runs. Any finding fails the test with the fuzzer's
// report and the path of the crashing input. Without clang the libFuzzer
// part is skipped (the server part still runs).
//
// GORT_FUZZ_SECONDS=N runs every fuzzer N seconds instead (a long run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { configureCommand, flavour } from '../../scripts/presets.mjs';
import { REPO } from './lib/ctest.mjs';
import { fuzzServer } from '../fuzz/server_fuzz.mjs';

const FLAVOUR = flavour('fuzz'); // CMakePresets.json: clang, GORT_FUZZ, ASan+UBSan
const BUILD = FLAVOUR.dir;
const LONG = Number(process.env.GORT_FUZZ_SECONDS) || 0;

// name, seconds in CI, extra libFuzzer flags. About 110 s in all.
const FUZZERS = [
  ['chan_select', 30, []],
  ['timers', 25, []],
  ['heap', 20, []],
  ['cli', 10, ['-close_fd_mask=3']],
  ['env', 15, [`-dict=${path.join(REPO, 'tests/fuzz/env.dict')}`]],
];

function haveClang() {
  return spawnSync('clang', ['--version'], { stdio: 'ignore' }).status === 0;
}

// Finds build-fuzz, bringing it up to date (or making it with its preset).
function buildFuzz() {
  if (!fs.existsSync(path.join(BUILD, 'CMakeCache.txt'))) {
    const [cmd, argv, cwd] = configureCommand(FLAVOUR);
    const c = spawnSync(cmd, argv, { cwd, encoding: 'utf8' });
    assert.equal(c.status, 0, `configuring build-fuzz:\n${c.stdout}\n${c.stderr}`);
  }
  const b = spawnSync('cmake', ['--build', BUILD, '-j', '2'], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(b.status, 0, `building build-fuzz:\n${b.stdout.slice(-4000)}\n${b.stderr.slice(-4000)}`);
}

describe('fuzzing', () => {
  const clang = haveClang();
  test('build-fuzz is built', { skip: !clang && 'clang (with libFuzzer) not installed' }, () => {
    buildFuzz();
  });

  for (const [name, seconds, extra] of FUZZERS) {
    test(`fuzz_${name} over its corpus`, { skip: !clang && 'clang not installed', timeout: 600_000 }, (t) => {
      const bin = path.join(BUILD, 'fuzz', `fuzz_${name}`);
      assert.ok(fs.existsSync(bin), `${bin} missing`);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `gort-fuzz-${name}-`));
      const work = path.join(tmp, 'corpus');
      fs.mkdirSync(work);
      const secs = LONG || seconds;
      const args = [work, path.join(REPO, 'tests/fuzz/corpus', name),
        `-max_total_time=${secs}`, '-timeout=60', '-rss_limit_mb=2048',
        `-artifact_prefix=${tmp}/`, '-print_final_stats=1', ...extra];
      const r = spawnSync(bin, args, { encoding: 'latin1', timeout: (secs + 120) * 1000, maxBuffer: 1 << 28 });
      const out = `${r.stdout}\n${r.stderr}`;
      const execs = /stat::number_of_executed_units:\s*(\d+)/.exec(out)?.[1];
      t.diagnostic(`fuzz_${name}: ${secs} s, ${execs ?? '?'} executions`);
      if (r.status !== 0) {
        const artifacts = fs.readdirSync(tmp).filter((f) => f !== 'corpus').map((f) => path.join(tmp, f));
        const tail = out.split('\n').filter((l) => !/^\s+#\d+ 0x/.test(l)).slice(-80).join('\n');
        assert.fail(`fuzz_${name} found something (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}); `
          + `input: ${artifacts.join(' ') || 'none written'}\n`
          + `reproduce: ${bin} ${artifacts[0] ?? ''}\n${tail}`);
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    });
  }

  test('the demo server never serves outside its root nor crashes', { timeout: 600_000 }, async (t) => {
    const seed = Number(process.env.GORT_FUZZ_SEED) || (Date.now() % 1e9);
    let stats;
    try {
      stats = await fuzzServer({ seconds: LONG || 15, seed, log: (m) => t.diagnostic(m) });
    } catch (e) {
      e.message = `GORT_FUZZ_SEED=${seed}: ${e.message}`;
      throw e;
    }
    assert.ok(stats.requests > 100, `only ${stats.requests} requests`);
  });
});
