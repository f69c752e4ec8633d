#!/usr/bin/env node
// scripts/build.mjs - builds what the demo and the tests need, installing
// missing tools first (scripts/setup.mjs). The build flavours are the
// configure presets of CMakePresets.json (and tests/wasm-spike's), read
// through scripts/presets.mjs; docs/BUILD.md lists them.
//
//   node scripts/build.mjs            the flavours marked build: 'always':
//                                     native (build/) and wasm (build-wasm/,
//                                     copied to web/dist/), and, when Go is
//                                     installed, the Go twin for Go's js/wasm
//                                     port (bench/go/build.sh:
//                                     build/bench/gort-go.wasm, which the
//                                     page runs beside gort's)
//   node scripts/build.mjs --test     also those marked 'test' (ASan+UBSan,
//                                     TSan, ucontext, the arm64 cross build
//                                     run under qemu-user, every runtime
//                                     check (GORT_DEBUG_LEVEL=3), the libFuzzer
//                                     harnesses when clang is there, the
//                                     wasm spike), and installs Chromium
//                                     and Go for the browser test
//   node scripts/build.mjs --native   native flavours only (no wasm)
//
// Every build directory is configured once (`cmake --preset NAME`, through
// emcmake for the wasm ones) and rebuilt incrementally; CI starts from a
// clean clone, so it always configures. Warnings are errors (GORT_WERROR=ON,
// the presets' base) in every gort build made here. Everything it and the
// tools it runs print goes to stderr (stdout stays free for the callers'
// results: scripts/demo.mjs prints the page's URL there).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configureCommand, hasNeeds, loadFlavours } from './presets.mjs';
import { ensure, emccEnv, REPO, SetupError } from './setup.mjs';

const args = new Set(process.argv.slice(2));
const forTests = args.has('--test');
const nativeOnly = args.has('--native');
const jobs = String(Math.max(2, os.availableParallelism?.() ?? os.cpus().length));

function run(cmd, argv, opts = {}) {
  const cwd = opts.cwd ?? REPO;
  const shown = (cwd === REPO ? '' : `(cd ${path.relative(REPO, cwd)}) `) + [cmd, ...argv].join(' ');
  console.error(`build: ${shown}`);
  const r = spawnSync(cmd, argv, { cwd, stdio: ['inherit', 2, 2], ...opts });
  if (r.error) throw new Error(`${shown}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${shown}: exit status ${r.status}`);
}

// Configures the flavour once (its preset), then builds it incrementally.
function buildFlavour(f) {
  const env = f.wasm ? emccEnv() : process.env;
  if (!fs.existsSync(path.join(f.dir, 'CMakeCache.txt'))) {
    const [cmd, argv, cwd] = configureCommand(f);
    run(cmd, argv, { cwd, env });
  }
  run('cmake', ['--build', f.binaryDir, '-j', jobs], { env });
}

try {
  const flavours = loadFlavours().filter((f) => (f.build === 'always' || forTests) && !(f.wasm && nativeOnly));
  const groups = new Set(flavours.map((f) => f.setup).filter(Boolean));
  await ensure({
    wasm: groups.has('wasm'), browser: forTests && !nativeOnly, arm64: groups.has('arm64'), fuzz: groups.has('fuzz'),
  });
  for (const f of flavours) {
    if (!hasNeeds(f)) {
      console.error(`build: ${f.name} (${f.binaryDir}/) skipped: it needs ${f.needs}`);
      continue;
    }
    buildFlavour(f);
  }
  // The page's comparison with Go's js/wasm port (web/server.mjs serves
  // it); without Go the page says how to install it (the tests ensured it).
  if (!nativeOnly) {
    if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) run('sh', ['bench/go/build.sh']);
    else console.error('build: Go is not installed: the page runs without its Go js/wasm comparison (apt-get install -y golang-go)');
  }
  console.error('build: done');
} catch (e) {
  if (e instanceof SetupError) console.error(`build: ${e.message}`);
  else console.error(`build: failed: ${e.message}`);
  process.exit(1);
}
