#!/usr/bin/env node
// scripts/build.mjs - builds what the demo and the tests need, installing
// missing tools first (scripts/setup.mjs).
//
//   node scripts/build.mjs            native (build/) and wasm (build-wasm/,
//                                     copied to web/dist/)
//   node scripts/build.mjs --test     also the ASan+UBSan build
//                                     (build-asan/), the TSan build
//                                     (build-tsan/), the ucontext-backend
//                                     build (build-ucontext/), the arm64
//                                     cross build run under qemu-user
//                                     (build-arm64/), the build with every
//                                     runtime check (build-debug/,
//                                     GORT_DEBUG_LEVEL=3) and the wasm spike
//                                     (build-wasm-spike/), and installs
//                                     Chromium for the browser test
//   node scripts/build.mjs --native   native only
//
// Every build directory is configured once and rebuilt incrementally; CI
// starts from a clean clone, so it always configures. Warnings are errors
// (GORT_WERROR=ON) in every build made here. Everything it and the tools it
// runs print goes to stderr (stdout stays free for the callers' results:
// scripts/demo.mjs prints the page's URL there).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensure, emccEnv, REPO, SetupError } from './setup.mjs';

const args = new Set(process.argv.slice(2));
const forTests = args.has('--test');
const nativeOnly = args.has('--native');
const jobs = String(Math.max(2, os.availableParallelism?.() ?? os.cpus().length));

function run(cmd, argv, opts = {}) {
  const shown = [cmd, ...argv].join(' ');
  console.error(`build: ${shown}`);
  const r = spawnSync(cmd, argv, { cwd: REPO, stdio: ['inherit', 2, 2], ...opts });
  if (r.error) throw new Error(`${shown}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${shown}: exit status ${r.status}`);
}

function cmakeBuild(dir, configure, env) {
  const opts = env ? { env } : {};
  if (!fs.existsSync(path.join(REPO, dir, 'CMakeCache.txt'))) {
    run(configure[0], configure.slice(1), opts);
  }
  run('cmake', ['--build', dir, '-j', jobs], opts);
}

try {
  await ensure({ wasm: !nativeOnly, browser: forTests && !nativeOnly, arm64: forTests, fuzz: forTests });

  cmakeBuild('build', ['cmake', '-S', '.', '-B', 'build', '-DGORT_WERROR=ON']);
  if (forTests) {
    cmakeBuild('build-asan', ['cmake', '-S', '.', '-B', 'build-asan', '-DGORT_WERROR=ON',
      '-DGORT_SANITIZE=address,undefined']);
    cmakeBuild('build-tsan', ['cmake', '-S', '.', '-B', 'build-tsan', '-DGORT_WERROR=ON',
      '-DGORT_SANITIZE=thread']);
    cmakeBuild('build-ucontext', ['cmake', '-S', '.', '-B', 'build-ucontext', '-DGORT_WERROR=ON',
      '-DGORT_CONTEXT=ucontext']);
    cmakeBuild('build-arm64', ['cmake', '-S', '.', '-B', 'build-arm64', '-DGORT_WERROR=ON',
      '-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake']);
    // Every runtime check on (GORT_DEBUG_LEVEL=3: asserts, lock held and
    // lock ranks, heap and run-queue walks each cycle; debug/assert.h).
    cmakeBuild('build-debug', ['cmake', '-S', '.', '-B', 'build-debug', '-DGORT_WERROR=ON',
      '-DGORT_DEBUG_LEVEL=3']);
    // The libFuzzer harnesses (tests/fuzz): clang only; without it
    // tests/node/fuzz.test.mjs skips.
    if (spawnSync('clang', ['--version'], { stdio: 'ignore' }).status === 0) {
      cmakeBuild('build-fuzz', ['cmake', '-S', '.', '-B', 'build-fuzz', '-DGORT_WERROR=ON',
        '-DGORT_FUZZ=ON', '-DGORT_SANITIZE=address,undefined'], { ...process.env, CC: 'clang' });
    }
  }
  if (!nativeOnly) {
    const env = emccEnv();
    cmakeBuild('build-wasm', ['emcmake', 'cmake', '-S', '.', '-B', 'build-wasm',
      '-DGORT_WERROR=ON'], env);
    if (forTests) {
      cmakeBuild('build-wasm-spike', ['emcmake', 'cmake', '-S', 'tests/wasm-spike',
        '-B', 'build-wasm-spike'], env);
    }
  }
  console.error('build: done');
} catch (e) {
  if (e instanceof SetupError) console.error(`build: ${e.message}`);
  else console.error(`build: failed: ${e.message}`);
  process.exit(1);
}
