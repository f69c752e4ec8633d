// cli.test.mjs - the `gort` command-line contract (issue 2, WORKLOADS.md),
// on the native binary and on the same program compiled to wasm.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { IMPLS } from '../../bench/lib/impls.mjs';

const REQUIRED = ['workload', 'n', 'procs', 'wall_ms', 'ns_per_op', 'result', 'rss_peak_bytes'];

// The native and wasm builds, in their flavours' directories (CMakePresets.json).
const targets = {
  native: { file: IMPLS.gort.file, cmd: IMPLS.gort.command },
  wasm: { file: IMPLS.wasm.file, cmd: IMPLS.wasm.command },
};

function gort(target, args, env = {}) {
  const [cmd, argv] = target.cmd(args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
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

    // Every value a user gives is checked (issue 10, item 5): a bad flag
    // value exits 2 with Go's flag-package words and the usage, before
    // anything runs.
    test('bad flag values exit 2 with Go\'s flag message', () => {
      const cases = [
        [['--n', 'abc'], /invalid value "abc" for flag --n: parse error/],
        [['--n', '12x'], /invalid value "12x" for flag --n: parse error/],
        [['--n', ''], /invalid value "" for flag --n: parse error/],
        [['--n', ' 5'], /invalid value " 5" for flag --n: parse error/],
        [['--n', '0x10'], /invalid value "0x10" for flag --n: parse error/],
        [['--n', '-5'], /invalid value "-5" for flag --n: spawn takes n from 1 to 1000000000/],
        [['--n', '0'], /invalid value "0" for flag --n: spawn takes n from 1 to 1000000000/],
        [['--n', '99999999999999999999'], /invalid value "99999999999999999999" for flag --n: value out of range/],
        [['--n', '-9223372036854775809'], /for flag --n: value out of range/],
        [['--n=abc'], /invalid value "abc" for flag --n: parse error/],
        [['--procs', '0'], /invalid value "0" for flag --procs: want 1 to 1024/],
        [['--procs', '1025'], /invalid value "1025" for flag --procs: want 1 to 1024/],
        [['--procs', 'two'], /invalid value "two" for flag --procs: parse error/],
        [['--procs', '4294967297'], /invalid value "4294967297" for flag --procs: want 1 to 1024/],
        [['--procs', '99999999999999999999'], /for flag --procs: value out of range/],
        [['--gogc', 'x'], /invalid value "x" for flag --gogc: parse error/],
        [['--gogc', '1e9'], /invalid value "1e9" for flag --gogc: parse error/],
        [['--gogc', '-2'], /invalid value "-2" for flag --gogc: want -1 \(off\) to 1000000/],
        [['--gogc', '2147483648'], /for flag --gogc: want -1 \(off\) to 1000000/],
        [['--n'], /flag needs an argument: --n/],
        [['--bogus', '1'], /flag provided but not defined: --bogus/],
        [['--json=1'], /flag --json takes no value/],
        [['extra'], /unexpected argument "extra"/],
      ];
      for (const [flags, want] of cases) {
        const args = ['run', 'spawn', ...flags];
        const r = gort(target, args);
        assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}\n${r.stderr}`);
        assert.match(r.stderr, want, args.join(' '));
        assert.match(r.stderr, /usage: gort/, `${args.join(' ')}: no usage`);
        assert.equal(r.stdout, '', `${args.join(' ')}: printed ${r.stdout}`);
      }
    });

    test('flags take Go\'s forms: -n, --n=N, a sign', () => {
      for (const flags of [['-n', '1000'], ['--n=1000'], ['--n', '+1000'], ['--gogc', 'off', '--n', '1000']]) {
        const r = gort(target, ['run', 'spawn', ...flags, '--json']);
        assert.equal(r.status, 0, `${flags.join(' ')}: ${r.stderr}`);
        assert.equal(jsonLine(r).n, 1000);
      }
    });

    // The crash: n * 8 bytes wrapped in context_cancel's malloc.
    // Every workload refuses an n beyond its largest (where its counts and
    // checksums stop being exact) before it allocates anything.
    test('an n beyond the workload\'s largest is refused, for every workload', () => {
      const names = gort(target, ['list']).stdout.trim().split('\n');
      assert.ok(names.length >= 14, names.join(' '));
      for (const w of names) {
        const huge = gort(target, ['run', w, '--n', '2305843009213693953', '--json']);
        assert.equal(huge.status, 2, `${w}: status ${huge.status}\n${huge.stdout}${huge.stderr}`);
        const m = huge.stderr.match(new RegExp(`invalid value "2305843009213693953" for flag --n: ${w} takes n from 1 to (\\d+)`));
        assert.ok(m, `${w}: ${huge.stderr}`);
        const over = String(BigInt(m[1]) + 1n);
        const r = gort(target, ['run', w, '--n', over, '--json']);
        assert.equal(r.status, 2, `${w} --n ${over}: status ${r.status}\n${r.stdout}${r.stderr}`);
        assert.match(r.stderr, new RegExp(`invalid value "${over}" for flag --n: ${w} takes n from 1 to ${m[1]}`));
        assert.equal(r.stdout, '');
      }
    });

    // GORT_STACK_SIZE=-1 made a zero-sized stack and crashed in
    // context_make; now it dies at start with the accepted range.
    test('a bad GORT_STACK_SIZE is a fatal error naming the range', () => {
      for (const v of ['-1', '0', 'abc', '64Kx', '18014398509481984K', '99999999999999999999']) {
        const r = gort(target, ['run', 'context_cancel', '--n', '10'], { GORT_STACK_SIZE: v });
        assert.equal(r.status, 2, `GORT_STACK_SIZE=${v}: status ${r.status}\n${r.stderr}`);
        assert.match(r.stderr, new RegExp(`GORT_STACK_SIZE="${v}": want a size from (16|2)K to (1G|16M)`));
        assert.match(r.stderr, /fatal error: runtime: bad GORT_STACK_SIZE/);
      }
      const ok = gort(target, ['run', 'context_cancel', '--n', '10', '--json'], { GORT_STACK_SIZE: '16K' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(jsonLine(ok).stack_bytes, 16384);
    });

    // ---- the GC workloads (issue 11) ----
    // Each runs at a small n with its result checked and prints the gc
    // object of its GC window (WORKLOADS.md); --gogc takes effect: off
    // runs no cycle while alloc_small allocates 32 MB, and GOGC 50 runs
    // more cycles than 200 (a smaller heap goal over the same allocations).
    const GC_FIELDS = ['num_gc', 'pause_total_ns', 'pause_max_ns', 'pause_p50_ns', 'heap_peak_bytes', 'pauses_seen'];
    const gcRun = (workload, n, flags = []) => {
      const r = gort(target, ['run', workload, '--n', String(n), ...flags, '--json']);
      assert.equal(r.status, 0, `${workload} ${flags.join(' ')}: status ${r.status}\n${r.stderr}`);
      const j = jsonLine(r);
      for (const k of REQUIRED) assert.ok(k in j, `${workload}: missing field ${k} in ${JSON.stringify(j)}`);
      for (const k of GC_FIELDS) assert.ok(Number.isInteger(j.gc?.[k]), `${workload}: gc.${k} in ${JSON.stringify(j)}`);
      assert.equal(j.workload, workload);
      assert.equal(j.n, n);
      assert.equal(j.gc.pauses_seen, j.gc.num_gc, 'no pause lost from the ring');
      assert.ok(j.gc.pause_p50_ns <= j.gc.pause_max_ns && j.gc.pause_max_ns <= j.gc.pause_total_ns, JSON.stringify(j.gc));
      assert.ok(j.gc.heap_peak_bytes > 0, JSON.stringify(j.gc));
      return j;
    };

    test('GC workloads: alloc_small, binary_trees, gc_pause print the gc object', () => {
      const a = gcRun('alloc_small', 100000);
      assert.equal(a.result, 100000);
      assert.equal(a.gogc, 100, 'the default GOGC');
      const b = gcRun('binary_trees', 10);
      assert.equal(b.result, 135854, 'the sum of the checks at depth 10');
      const g = gcRun('gc_pause', 10000);
      assert.equal(g.result, 10000 * 9999 / 2);
      assert.equal(g.allocs, 335544, 'floor(n * 33,554,432 / 1,000,000)');
      assert.ok(g.alloc_ms > 0 && g.ns_per_alloc > 0, JSON.stringify(g));
      assert.ok(Math.abs(g.ns_per_alloc * g.allocs - g.ns_per_op * g.n) / (g.ns_per_op * g.n) < 0.01, 'both from alloc ns');
      assert.ok(g.gc.heap_peak_bytes >= 10000 * 64, `the live tree is in the heap peak: ${JSON.stringify(g.gc)}`);
    });

    test('binary_trees takes a depth from 6 to 25', () => {
      const r = gort(target, ['run', 'binary_trees', '--n', '5', '--json']);
      assert.equal(r.status, 1, `status ${r.status}`);
      assert.match(r.stderr, /n must be in 6\.\.25/);
    });

    test('--gogc takes effect: off runs no cycle, 50 runs more than 200', () => {
      const n = 1000000; // 32 MB of objects: 8x the 4 MB minimum heap goal
      const off = gcRun('alloc_small', n, ['--gogc', 'off']);
      assert.equal(off.gogc, -1);
      assert.equal(off.gc.num_gc, 0, JSON.stringify(off.gc));
      const on = gcRun('alloc_small', n);
      assert.ok(on.gc.num_gc > 0, `GOGC 100 ran no cycle: ${JSON.stringify(on.gc)}`);
      const g50 = gcRun('alloc_small', n, ['--gogc', '50']);
      const g200 = gcRun('alloc_small', n, ['--gogc=200']);
      assert.equal(g50.gogc, 50);
      assert.equal(g200.gogc, 200);
      assert.ok(g50.gc.num_gc > g200.gc.num_gc, `GOGC 50: ${g50.gc.num_gc} cycles, 200: ${g200.gc.num_gc}`);
    });

    // --procs and --gogc reach the runtime as its start-up settings
    // (gort_options over the environment's): a flag wins over its
    // variable, the variable holds without the flag, and --gogc is GOGC
    // from the first cycle on (gctrace's first goal: 4 MB * 400 / 100).
    test('--procs and --gogc are the run\'s settings, over GORT_MAXPROCS and GORT_GOGC', () => {
      const run = (workload, n, flags, env) => {
        const r = gort(target, ['run', workload, '--n', String(n), ...flags, '--json'], env);
        assert.equal(r.status, 0, `${flags.join(' ')} ${JSON.stringify(env)}: status ${r.status}\n${r.stderr}`);
        return { j: jsonLine(r), stderr: r.stderr };
      };
      assert.equal(run('spawn', 1000, ['--procs', '3'], { GORT_MAXPROCS: '1' }).j.procs, 3);
      assert.equal(run('spawn', 1000, [], { GORT_MAXPROCS: '3' }).j.procs, 3);
      const firstGoal = (stderr) => stderr.match(/^gc 1 @.* (\d+) MB goal/m)?.[1];
      const flag = run('alloc_small', 1000000, ['--gogc', '400'], { GORT_GOGC: 'off', GORT_DEBUG: 'gctrace=1' });
      assert.equal(flag.j.gogc, 400);
      assert.equal(firstGoal(flag.stderr), '16', flag.stderr.slice(0, 400));
      const env = run('alloc_small', 1000000, [], { GORT_GOGC: '400', GORT_DEBUG: 'gctrace=1' });
      assert.equal(env.j.gogc, 400);
      assert.equal(firstGoal(env.stderr), '16', env.stderr.slice(0, 400));
      const off = run('alloc_small', 1000000, ['--gogc', 'off'], { GORT_GOGC: '50' });
      assert.equal(off.j.gogc, -1);
      assert.equal(off.j.gc.num_gc, 0, JSON.stringify(off.j.gc));
    });

    test('a bad GORT_GOGC dies at start, under the CLI too', () => {
      const r = gort(target, ['run', 'spawn', '--n', '10', '--gogc', '50'], { GORT_GOGC: 'lots' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /fatal error: malformed GORT_GOGC: want a percentage or off/);
    });

    test('GORT_TRACEBACK=crash: a fatal error aborts after its dump', { skip: name === 'wasm' && 'an abort is a trap on wasm' }, () => {
      const plain = gort(target, ['run', 'yield'], { GORT_STACK_SIZE: '1K' });
      assert.equal(plain.status, 2);
      const crash = gort(target, ['run', 'yield'], { GORT_STACK_SIZE: '1K', GORT_TRACEBACK: 'crash' });
      assert.equal(crash.signal, 'SIGABRT', `status ${crash.status}, signal ${crash.signal}`);
      assert.match(crash.stderr, /bad GORT_STACK_SIZE/);
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

// Issue 15: a million goroutines alive at once on wasm under Node (3 KiB
// stacks in 4 GiB less 64 KiB; the page's test does the same in Chromium).
describe('gort CLI (wasm): a million goroutines', () => {
  test('context_cancel at n = 1,000,000 runs to completion', () => {
    const r = gort(targets.wasm, ['run', 'context_cancel', '--n', '1000000', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r);
    assert.equal(j.n, 1000000);
    assert.equal(j.result, 1000000, 'every goroutine woke and ended');
    assert.ok(j.sched.goroutines_peak >= 1000000, `goroutines_peak ${j.sched.goroutines_peak}`);
  });
});
