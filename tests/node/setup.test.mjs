// setup.test.mjs - a first run's installs never reach a stream a tool
// parses (issue 10, item 7: on a fresh machine the bench runner's quick
// test failed once, because the apt-get that installed golang-go,
// libgc-dev and libmimalloc-dev printed on the runner's stdout, where its
// report goes).
//
// Each case rehearses a first run: GORT_SETUP_PRETEND_MISSING names Debian
// packages that scripts/setup.mjs must treat as missing, and a stub
// apt-get first on PATH "installs" them, printing noise on both streams
// (a line shaped like a table row among it) and logging its arguments.
// The stub installs nothing, so the rehearsed packages are really present
// first: before() runs the bench's build step the ordinary way (on a fresh
// machine as root that is the real first install, and the Go twin's first
// build; their output goes to stderr as well), so the rehearsals only
// rebuild incrementally.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildAll } from '../../bench/lib/build.mjs';
import { REPO } from './lib/ctest.mjs';

const BENCH_PACKAGES = ['golang-go', 'libgc-dev', 'libmimalloc-dev'];
const NOISE_OUT = 'Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB] (stub apt-get, stdout)';
const NOISE_ROW = '| stub | apt-get | on stdout |';
const NOISE_ERR = 'debconf: delaying package configuration (stub apt-get, stderr)';

let dir;
let stubLog;

before(async () => {
  await buildAll((m) => process.stderr.write(`${m}\n`), { gort: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gort-setup-test-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  stubLog = path.join(dir, 'apt-get.log');
  fs.writeFileSync(path.join(bin, 'apt-get'), `#!/bin/sh
echo "$*" >> '${stubLog}'
echo '${NOISE_OUT}'
echo '${NOISE_ROW}'
echo '${NOISE_ERR}' >&2
exit 0
`, { mode: 0o755 });
});

after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

// Runs `node args...` from the repo as a first run that must install `pretend`.
function rehearse(args, pretend, timeout = 120_000) {
  fs.writeFileSync(stubLog, '');
  const env = {
    ...process.env,
    PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}`,
    GORT_SETUP_PRETEND_MISSING: pretend.join(','),
  };
  const r = spawnSync(process.execPath, args, { cwd: REPO, env, encoding: 'utf8', timeout });
  const calls = fs.readFileSync(stubLog, 'utf8').trim().split('\n').filter(Boolean);
  return { ...r, calls };
}

function assertInstalled(r, pretend) {
  assert.ok(r.calls.some((c) => /(^| )update( |$)/.test(c)), `apt-get update not run: ${r.calls}`);
  const install = r.calls.find((c) => / install /.test(` ${c} `));
  assert.ok(install, `apt-get install not run: ${r.calls}`);
  for (const p of pretend) assert.match(install, new RegExp(`(^| )${p}( |$)`), install);
  assert.ok(r.stderr.includes(NOISE_OUT) && r.stderr.includes(NOISE_ERR),
    `the installer's output belongs on stderr:\n${r.stderr}`);
  for (const noise of [NOISE_OUT, NOISE_ROW, NOISE_ERR]) {
    assert.ok(!r.stdout.includes(noise), `installer output reached stdout: ${noise}\nstdout:\n${r.stdout}`);
  }
}

describe('a first run that installs prints nothing of it on stdout', () => {
  test('scripts/setup.mjs --bench', () => {
    const r = rehearse(['scripts/setup.mjs', '--bench'], BENCH_PACKAGES);
    assert.equal(r.status, 0, r.stderr);
    assertInstalled(r, BENCH_PACKAGES);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /setup: installed go, libgc-dev \(Boehm GC\), libmimalloc-dev/);
  });

  test('scripts/build.mjs --native (the setup npm test and the demo use)', () => {
    const r = rehearse(['scripts/build.mjs', '--native'], ['cmake'], 600_000);
    assert.equal(r.status, 0, r.stderr);
    assertInstalled(r, ['cmake']);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /build: done/);
  });

  test('bench/run.mjs: stdout is exactly the report it writes', () => {
    const out = path.join(dir, 'quick.json');
    const r = rehearse([path.join(REPO, 'bench/run.mjs'), 'yield', '--quick', '--no-docs', '--no-build-gort',
      '--out', out], BENCH_PACKAGES, 280_000);
    assert.equal(r.status, 0, `bench/run.mjs failed:\n${r.stderr}\n${r.stdout}`);
    assertInstalled(r, BENCH_PACKAGES);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(doc.workloads.map((w) => w.name), ['yield']);
    assert.equal(r.stdout, `${doc.report}\n`);
  });
});
