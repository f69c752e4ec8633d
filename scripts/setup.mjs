#!/usr/bin/env node
// scripts/setup.mjs — checks (and, as root, installs) what gort's builds, tests, demo and benchmarks need.
//
// Usage:  node scripts/setup.mjs [--wasm] [--browser] [--bench] [--arm64] [--fuzz] [--check] [--quiet]
//   always:     cmake, gcc/g++/make (build-essential)
//   --wasm:     emscripten + binaryen (emcc --version must work with NODE_PATH=/usr/share/nodejs),
//               and npm uplot (the page's plots, served from node_modules)
//   --browser:  chromium (/usr/bin/chromium) + npm playwright-core in the repo's node_modules,
//               and golang-go (the page's comparison with Go's js/wasm port, which
//               the browser test runs)
//   --bench:    golang-go, libgc-dev, libmimalloc-dev, hyperfine
//   --arm64:    gcc-aarch64-linux-gnu, qemu-user (the emulated arm64 tests)
//   --fuzz:     clang and libclang-rt-dev (libFuzzer, tests/fuzz),
//               clang-format (the format check)
//   --check:    only check; install nothing (exit 1 if something is missing)
// API:    import { ensure, check } from './setup.mjs';
//         await ensure({ wasm: true, browser: true });  // throws SetupError when it can't
//
// Rules:
//  - Idempotent and fast: when everything is present it only looks at files
//    and PATH; `emcc --version` (for --wasm) runs once and its success is
//    remembered in $TMPDIR/gort-setup-emcc-UID.json until emcc changes.
//    No network; well under 1 s.
//  - Installs only when running as root: `apt-get update` once, then one
//    noninteractive `apt-get install -y` of every missing Debian package
//    (waiting for a running apt/dpkg to release its lock); `npm install` in
//    the repo root for missing npm packages. Not root and something missing:
//    prints the exact apt-get / npm command to run and exits 1.
//  - Debian's packages and the npm registry only; nothing else is downloaded.
//  - Nothing setup or an installer prints reaches stdout: apt-get's and
//    npm's output go to stderr, as do setup's own messages. Callers print
//    results on stdout (the bench's table, the demo's URL) and tools parse
//    them; a first run that installs must print exactly what a second run
//    does there (issue 10, item 7).
//  - Rehearsing a first run: GORT_SETUP_PRETEND_MISSING=pkg,pkg (Debian
//    package names) makes those requirements count as missing until this
//    process has run its install, and lets the install run without root.
//    tests/node/setup.test.mjs uses it with a stub apt-get first on PATH
//    that prints noise on both streams.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PLAYWRIGHT_CORE_VERSION = '1.65.1';
export const EMSDK_NODE_PATH = '/usr/share/nodejs';
export const CHROMIUM = '/usr/bin/chromium';

export class SetupError extends Error {}

function onPath(cmd) {
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch { /* next */ }
  }
  return false;
}

function isExecutable(file) {
  try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; }
}

function exists(file) {
  return fs.existsSync(file);
}

export function emccEnv() {
  const cur = process.env.NODE_PATH;
  const parts = cur ? cur.split(path.delimiter) : [];
  if (!parts.includes(EMSDK_NODE_PATH)) parts.unshift(EMSDK_NODE_PATH);
  return { ...process.env, NODE_PATH: parts.join(path.delimiter) };
}

function which(cmd) {
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(path.delimiter)) {
    if (!dir) continue;
    const f = path.join(dir, cmd);
    if (isExecutable(f)) return f;
  }
  return null;
}

// `emcc --version` costs ~0.5 s, so a success is remembered in a stamp file
// keyed by emcc's real path and the size/mtime of emcc and its Python driver:
// any reinstall or upgrade changes the key and the check runs again.
const EMCC_STAMP = path.join(os.tmpdir(), `gort-setup-emcc-${typeof process.getuid === 'function' ? process.getuid() : 'u'}.json`);

function emccKey(emcc) {
  const real = fs.realpathSync(emcc);
  const files = [real, path.join(path.dirname(real), 'emcc.py'), path.join(path.dirname(real), 'emscripten-version.txt')];
  return JSON.stringify(files.map((f) => {
    try { const st = fs.statSync(f); return [f, st.size, st.mtimeMs]; } catch { return [f, null]; }
  }).concat([[process.env.NODE_PATH || '']]));
}

function emccWorks() {
  const emcc = which('emcc');
  if (!emcc) return false;
  let key;
  try { key = emccKey(emcc); } catch { return false; }
  try { if (fs.readFileSync(EMCC_STAMP, 'utf8') === key) return true; } catch { /* no stamp */ }
  const r = spawnSync(emcc, ['--version'], { env: emccEnv(), encoding: 'utf8', timeout: 60_000 });
  const ok = r.status === 0 && /emcc/.test(r.stdout || '');
  if (ok) { try { fs.writeFileSync(EMCC_STAMP, key); } catch { /* read-only tmp: just slower */ } }
  return ok;
}

function npmPackageInstalled(name) {
  return exists(path.join(REPO, 'node_modules', name, 'package.json'));
}

// Every requirement: a name, the group that needs it, how to check it, and
// which Debian package (apt) or npm package (npm) provides it.
export const REQUIREMENTS = [
  { name: 'cmake', group: 'base', apt: 'cmake', ok: () => onPath('cmake') },
  { name: 'gcc/g++/make', group: 'base', apt: 'build-essential', ok: () => onPath('gcc') && onPath('g++') && onPath('make') },
  { name: 'emscripten (emcc)', group: 'wasm', apt: 'emscripten', ok: emccWorks },
  { name: 'acorn for emcc', group: 'wasm', apt: 'node-acorn', ok: () => exists(path.join(EMSDK_NODE_PATH, 'acorn')) },
  { name: 'binaryen (wasm-opt)', group: 'wasm', apt: 'binaryen', ok: () => onPath('wasm-opt') },
  { name: 'uplot (the page\'s plots)', group: 'wasm', npm: 'uplot', ok: () => npmPackageInstalled('uplot') },
  { name: 'chromium', group: 'browser', apt: 'chromium', ok: () => isExecutable(CHROMIUM) },
  { name: 'playwright-core', group: 'browser', npm: 'playwright-core', ok: () => npmPackageInstalled('playwright-core') },
  { name: 'go (the page\'s Go js/wasm comparison)', group: 'browser', apt: 'golang-go', ok: () => onPath('go') },
  { name: 'go', group: 'bench', apt: 'golang-go', ok: () => onPath('go') },
  { name: 'libgc-dev (Boehm GC)', group: 'bench', apt: 'libgc-dev', ok: () => exists('/usr/include/gc.h') || exists('/usr/include/gc/gc.h') },
  { name: 'libmimalloc-dev', group: 'bench', apt: 'libmimalloc-dev', ok: () => exists('/usr/include/mimalloc.h') },
  { name: 'hyperfine', group: 'bench', apt: 'hyperfine', ok: () => onPath('hyperfine') },
  { name: 'aarch64 cross gcc', group: 'arm64', apt: 'gcc-aarch64-linux-gnu', ok: () => onPath('aarch64-linux-gnu-gcc') },
  { name: 'qemu-aarch64 (qemu-user)', group: 'arm64', apt: 'qemu-user', ok: () => onPath('qemu-aarch64') },
  { name: 'clang', group: 'fuzz', apt: 'clang', ok: () => onPath('clang') },
  { name: 'libFuzzer (libclang-rt-dev)', group: 'fuzz', apt: 'libclang-rt-dev', ok: haveLibFuzzer },
  { name: 'clang-format (tests/node/format.test.mjs)', group: 'fuzz', apt: 'clang-format', ok: () => onPath('clang-format') },
];

// libFuzzer's runtime, which clang links for -fsanitize=fuzzer (clang
// prints the bare name when it has no such file).
function haveLibFuzzer() {
  const r = spawnSync('clang', ['-print-file-name=libclang_rt.fuzzer-x86_64.a'], { encoding: 'utf8' });
  const file = r.status === 0 ? r.stdout.trim() : '';
  return file.startsWith('/') && exists(file);
}

// GORT_SETUP_PRETEND_MISSING (see the head of the file): Debian packages
// that count as missing until an install in this process has run.
const pretendMissing = new Set((process.env.GORT_SETUP_PRETEND_MISSING || '')
  .split(',').map((s) => s.trim()).filter(Boolean));

const present = (r) => !(r.apt && pretendMissing.has(r.apt)) && r.ok();

function selected({ wasm = false, browser = false, bench = false, arm64 = false, fuzz = false } = {}) {
  const groups = new Set(['base']);
  if (fuzz) groups.add('fuzz');
  if (wasm) groups.add('wasm');
  if (browser) groups.add('browser');
  if (bench) groups.add('bench');
  if (arm64) groups.add('arm64');
  return REQUIREMENTS.filter((r) => groups.has(r.group));
}

// Returns the requirements of the chosen groups that are missing (checks only).
export function check(opts = {}) {
  return selected(opts).filter((r) => !present(r));
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

// May this process install? Root may; so may a rehearsal (its apt-get is a stub).
const mayInstall = () => isRoot() || pretendMissing.size > 0;

// Whether package.json declares the npm package (so plain `npm install` brings it).
function declaredInPackageJson(name) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    return Boolean(pkg.devDependencies?.[name] || pkg.dependencies?.[name] || pkg.optionalDependencies?.[name]);
  } catch {
    return false;
  }
}

function npmArgs(missingNpm) {
  const undeclared = missingNpm.filter((n) => !declaredInPackageJson(n));
  if (undeclared.length === 0) return ['install', '--no-audit', '--no-fund', '--no-package-lock'];
  const specs = undeclared.map((n) => (n === 'playwright-core' ? `${n}@${PLAYWRIGHT_CORE_VERSION}` : n));
  return ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', ...specs];
}

export function commandsFor(missing) {
  const apt = [...new Set(missing.filter((r) => r.apt).map((r) => r.apt))];
  const npm = [...new Set(missing.filter((r) => r.npm).map((r) => r.npm))];
  const cmds = [];
  if (apt.length) cmds.push(`sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${apt.join(' ')}`);
  if (npm.length) cmds.push(`(cd ${REPO} && npm ${npmArgs(npm).join(' ')})`);
  return { apt, npm, cmds };
}

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
const APT_LOCK_OPTS = ['-o', 'DPkg::Lock::Timeout=600'];

// Runs apt-get, retrying while another apt/dpkg holds a lock (up to ~10 min).
// Its stdout goes to our stderr (fd 2): see "Nothing ... reaches stdout".
function aptGet(args, log) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    log(`setup: apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', [...APT_LOCK_OPTS, ...args], {
      env: APT_ENV,
      stdio: ['ignore', 2, 'pipe'],
      encoding: 'utf8',
    });
    if (r.stderr) process.stderr.write(r.stderr);
    if (r.status === 0) return;
    if (/Could not get lock|Unable to acquire|is another process using it/i.test(r.stderr || '') && Date.now() < deadline) {
      log('setup: apt/dpkg is busy (another install running); waiting 5 s');
      spawnSync('sleep', ['5']);
      continue;
    }
    throw new SetupError(`setup: apt-get ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
  }
}

function describe(missing) {
  return missing.map((r) => `  - ${r.name}${r.apt ? ` (apt: ${r.apt})` : ''}${r.npm ? ` (npm: ${r.npm})` : ''}`).join('\n');
}

// Makes sure what the chosen groups need is present, installing it when
// allowed. Resolves {installed: [names]}; throws SetupError otherwise.
export async function ensure({ wasm = false, browser = false, bench = false, arm64 = false, fuzz = false, install = true, quiet = false, log } = {}) {
  const say = log || ((m) => { if (!quiet) console.error(m); });
  const opts = { wasm, browser, bench, arm64, fuzz };
  const missing = check(opts);
  if (missing.length === 0) return { installed: [] };

  const { apt, npm, cmds } = commandsFor(missing);
  if (!install || ((apt.length || npm.length) && !mayInstall())) {
    const why = !install ? 'check only' : 'not running as root';
    throw new SetupError(`setup: missing (${why}):\n${describe(missing)}\nrun:\n${cmds.map((c) => `  ${c}`).join('\n')}`);
  }

  if (apt.length) {
    aptGet(['update', '-q'], say);
    aptGet(['install', '-y', '-q', ...apt], say);
    for (const pkg of apt) pretendMissing.delete(pkg);
  }
  if (npm.length) {
    const args = npmArgs(npm);
    say(`setup: (cd ${REPO} && npm ${args.join(' ')})`);
    const r = spawnSync('npm', args, { cwd: REPO, stdio: ['ignore', 2, 2], env: process.env });
    if (r.status !== 0) throw new SetupError(`setup: npm ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
  }

  const still = check(opts);
  if (still.length) {
    throw new SetupError(`setup: still missing after installing:\n${describe(still)}\nrun:\n${commandsFor(still).cmds.map((c) => `  ${c}`).join('\n')}`);
  }
  return { installed: missing.map((r) => r.name) };
}

function parseArgs(argv) {
  const o = { wasm: false, browser: false, bench: false, arm64: false, fuzz: false, install: true, quiet: false };
  for (const a of argv) {
    if (a === '--wasm') o.wasm = true;
    else if (a === '--browser') o.browser = true;
    else if (a === '--bench') o.bench = true;
    else if (a === '--arm64') o.arm64 = true;
    else if (a === '--fuzz') o.fuzz = true;
    else if (a === '--all') o.wasm = o.browser = o.bench = o.arm64 = o.fuzz = true;
    else if (a === '--check') o.install = false;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new SetupError(`setup: unknown argument ${a} (use --wasm --browser --bench --all --check --quiet)`);
  }
  return o;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
    if (o.help) {
      console.log('usage: node scripts/setup.mjs [--wasm] [--browser] [--bench] [--arm64] [--fuzz] [--all] [--check] [--quiet]');
      return;
    }
    const { installed } = await ensure(o);
    if (!o.quiet) {
      const groups = ['base', o.wasm && 'wasm', o.browser && 'browser', o.bench && 'bench', o.arm64 && 'arm64', o.fuzz && 'fuzz'].filter(Boolean).join(', ');
      console.error(installed.length ? `setup: installed ${installed.join(', ')}` : `setup: ok (${groups})`);
    }
  } catch (e) {
    console.error(e instanceof SetupError ? e.message : (e.stack || String(e)));
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
