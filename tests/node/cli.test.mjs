// cli.test.mjs - the `gort` command-line contract (issue 2, WORKLOADS.md),
// on the native binary and on the same program compiled to wasm.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO } from './lib/ctest.mjs';

const REQUIRED = ['workload', 'n', 'procs', 'wall_ms', 'ns_per_op', 'result', 'rss_peak_bytes'];

const targets = {
  native: { file: path.join(REPO, 'build/gort'), cmd: (args) => [path.join(REPO, 'build/gort'), args] },
  wasm: {
    file: path.join(REPO, 'build-wasm/gort.js'),
    cmd: (args) => [process.execPath, [path.join(REPO, 'wasm/run-node.cjs'), path.join(REPO, 'build-wasm/gort.js'), ...args]],
  },
};

function gort(target, args) {
  const [cmd, argv] = target.cmd(args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

function jsonLine(r) {
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `want exactly one line, got:\n${r.stdout}`);
  return JSON.parse(lines[0]);
}

for (const [name, target] of Object.entries(targets)) {
  describe(`gort CLI (${name})`, () => {
    test('is built', () => assert.ok(fs.existsSync(target.file), `${target.file} missing: run node scripts/build.mjs`));

    test('list names the workloads', () => {
      const r = gort(target, ['list']);
      assert.equal(r.status, 0, r.stderr);
      const names = r.stdout.trim().split('\n');
      assert.ok(names.includes('spawn') && names.includes('yield'), r.stdout);
    });

    for (const [workload, n] of [['spawn', 100000], ['yield', name === 'wasm' ? 100000 : 1000000]]) {
      test(`run ${workload} --n ${n} --json`, () => {
        const r = gort(target, ['run', workload, '--n', String(n), '--json']);
        assert.equal(r.status, 0, r.stderr);
        const j = jsonLine(r);
        for (const k of REQUIRED) assert.ok(k in j, `missing field ${k} in ${JSON.stringify(j)}`);
        assert.equal(j.workload, workload);
        assert.equal(j.n, n);
        assert.equal(j.result, n);
        assert.ok(j.wall_ms > 0 && j.ns_per_op > 0, JSON.stringify(j));
        assert.ok(Math.abs(j.ns_per_op - (j.wall_ms * 1e6) / n) / j.ns_per_op < 0.01, 'ns_per_op = wall / n');
      });
    }

    // tcp_echo needs the network API, which wasm does not have: there the
    // run must fail saying so, not hang or claim a result.
    test('run tcp_echo --n 2000 --json', () => {
      const r = gort(target, ['run', 'tcp_echo', '--n', '2000', '--json']);
      if (name === 'wasm') {
        assert.equal(r.status, 1, `status ${r.status}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /not supported on this platform \(wasm\)/);
        return;
      }
      assert.equal(r.status, 0, r.stderr);
      const j = jsonLine(r);
      assert.equal(j.workload, 'tcp_echo');
      assert.equal(j.result, 2000);
      assert.ok(j.rt_per_sec > 0, JSON.stringify(j));
    });

    test('tcp_echo rejects an n that is not a multiple of 100', () => {
      const r = gort(target, ['run', 'tcp_echo', '--n', '150']);
      assert.equal(r.status, 1, `status ${r.status}`);
      assert.match(r.stderr, /multiple of 100/);
    });

    test('usage errors exit 2 with a message', () => {
      for (const args of [['run', 'nosuch'], ['run', 'spawn', '--n', 'abc'], ['run'], ['frobnicate']]) {
        const r = gort(target, args);
        assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}`);
        assert.match(r.stderr, /gort/, `${args.join(' ')}: no message`);
      }
    });
  });
}
