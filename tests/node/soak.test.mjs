// soak.test.mjs - the mixed soak (tests/soak/soak.c): every subsystem at
// once with GOMAXPROCS varied and invariants checked, under ASan+UBSan
// with LeakSanitizer at the end (a minute), under ThreadSanitizer (half
// a minute) and at GORT_DEBUG_LEVEL=3 (half a minute: every lock taken in
// rank order, the heap verified at every cycle). Longer by setting GORT_SOAK_SECONDS, e.g.
//   GORT_SOAK_SECONDS=600 node --test tests/node/soak.test.mjs
// or by running the binary: build-tsan/gort_soak --seconds 600.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildDir } from '../../scripts/presets.mjs';
import { REPO } from './lib/ctest.mjs';

const extra = Number(process.env.GORT_SOAK_SECONDS || 0);

function soak(dir, seconds, env) {
  return new Promise((resolve) => {
    const bin = path.join(REPO, dir, 'gort_soak');
    const child = spawn(bin, ['--seconds', String(seconds), '--seed', String(Date.now() % 100000)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

const runs = [
  // quarantine_size_mb: ASan's freed-memory quarantine (256 MiB by default)
  // would read as growth to the soak's resident-memory check.
  { title: 'ASan+UBSan, LeakSanitizer at exit', dir: buildDir('asan'), seconds: extra || 60,
    env: { ASAN_OPTIONS: 'quarantine_size_mb=16:detect_leaks=1' } },
  { title: 'ThreadSanitizer', dir: buildDir('tsan'), seconds: extra || 30,
    env: { TSAN_OPTIONS: 'halt_on_error=1' } },
  { title: 'debug level 3 (lock ranks, heap verifier)', dir: buildDir('debug'), seconds: extra || 30,
    env: {} },
];

describe('soak', () => {
  for (const r of runs) {
    test(`${r.title}: ${r.seconds} s clean`, { timeout: (r.seconds + 300) * 1000 }, async () => {
      const bin = path.join(REPO, r.dir, 'gort_soak');
      assert.ok(fs.existsSync(bin), `${bin} is not built: run node scripts/build.mjs --test`);
      const { code, signal, out } = await soak(r.dir, r.seconds, r.env);
      assert.equal(signal, null, `killed by ${signal}:\n${out}`);
      assert.equal(code, 0, `soak failed (exit ${code}):\n${out.slice(-6000)}`);
      assert.match(out, /^soak: \d+ rounds, .* ok$/m, out.slice(-3000));
      assert.doesNotMatch(out, /WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error:/, out.slice(-6000));
    });
  }
});
