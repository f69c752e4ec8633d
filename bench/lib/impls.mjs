// bench/lib/impls.mjs - the implementations the suite compares and how to
// invoke them. All share one command line (`list`, `run WORKLOAD --procs P
// [--n N] --json`) and one JSON line (docs/WORKLOADS.md):
//   gort      gort in the release flavour's directory (build/)
//   go        build/bench/gort-go (the Go twin, bench/go/build.sh)
//   wasm      gort.js in the wasm flavour's directory (build-wasm/) under
//             Node via wasm/run-node.cjs
//   go-wasm   build/bench/gort-go.wasm, the Go twin built for Go's own
//             js/wasm port (bench/go/build.sh), under Node via
//             bench/go/run-wasm.cjs with Go's wasm_exec.js
//             (gowasm.mjs); not built when Go ships none
//   boehm, mimalloc, glibc   the C peers (bench/peers) in build/bench/
// The flavours' directories come from CMakePresets.json (scripts/
// presets.mjs); build/bench/ is the bench's own output folder
// (bench/go/build.sh, bench/lib/build.mjs), not a CMake build.
// runOnce() runs one of them once and checks its JSON line.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDir } from '../../scripts/presets.mjs';
import { wasmExecJs } from './gowasm.mjs';
import { REPO } from '../../scripts/setup.mjs';

const at = (rel) => path.join(REPO, rel);

function native(id, label, rel) {
  return { id, label, file: at(rel), command: (args) => [at(rel), args] };
}

const NATIVE_DIR = buildDir('release');
const WASM_JS = path.join(buildDir('wasm'), 'gort.js');

export const IMPLS = {
  gort: native('gort', 'gort', path.join(NATIVE_DIR, 'gort')),
  go: native('go', 'Go', 'build/bench/gort-go'),
  wasm: {
    id: 'wasm',
    label: 'wasm',
    file: at(WASM_JS),
    command: (args) => [process.execPath, [at('wasm/run-node.cjs'), at(WASM_JS), ...args]],
  },
  'go-wasm': {
    id: 'go-wasm',
    label: 'Go js/wasm',
    file: at('build/bench/gort-go.wasm'),
    needs: wasmExecJs,
    // Go's js/wasm runtime dies at start-up ("newosproc: not implemented")
    // when GOMAXPROCS > 1 is in its environment; --procs still sets it.
    env: (procs) => {
      const env = procsEnv(procs);
      delete env.GOMAXPROCS;
      return env;
    },
    command: (args) => [process.execPath, [at('bench/go/run-wasm.cjs'), wasmExecJs(), at('build/bench/gort-go.wasm'), ...args]],
  },
  boehm: native('boehm', 'Boehm', 'build/bench/peer-boehm'),
  mimalloc: native('mimalloc', 'mimalloc', 'build/bench/peer-mimalloc'),
  glibc: native('glibc', 'glibc', 'build/bench/peer-glibc'),
};

export function procsEnv(procs) {
  return { ...process.env, GORT_MAXPROCS: String(procs), GOMAXPROCS: String(procs) };
}

// The workloads an implementation has (`list`), or null when it is not
// built (or lacks what it needs to run: impl.needs() is null) or does not
// answer.
export function listWorkloads(impl) {
  if (!fs.existsSync(impl.file) || (impl.needs && !impl.needs())) return null;
  const [cmd, argv] = impl.command(['list']);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return null;
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

function lastJsonLine(text) {
  const lines = text.split('\n').map((s) => s.trim()).filter((s) => s.startsWith('{'));
  if (!lines.length) return null;
  try { return JSON.parse(lines[lines.length - 1]); } catch { return null; }
}

function tail(text, max = 400) {
  const t = (text || '').trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

// What a failed run printed: a Go crash's first line ("fatal error: out of
// memory") rather than the end of its goroutine dump, else the tail.
function failure(text) {
  const line = (text || '').split('\n').find((l) => /^(fatal error|panic): /.test(l));
  return line ? line.trim() : tail(text);
}

// Why a finished run is not usable, or null when it is.
function problem(r, json, workload, n) {
  if (r.error?.code === 'ENOBUFS') return `killed: over 16 MiB of output: ${failure(r.stderr)}`;
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') return 'timed out';
  if (r.error) return r.error.message;
  if (r.status !== 0) return `exit ${r.status ?? r.signal}: ${failure(r.stderr) || 'no message'}`;
  if (!json) return `no JSON line on stdout: ${tail(r.stdout)}`;
  if (json.workload !== workload) return `JSON names workload ${json.workload}`;
  if (n != null && json.n !== n) return `JSON says n=${json.n}, asked ${n}`;
  return null;
}

// Identifies the build of an implementation's file (size and mtime), so a
// rebuild in the middle of a bench shows.
export function buildStamp(impl) {
  try {
    const st = fs.statSync(impl.file);
    return `${st.size}@${new Date(st.mtimeMs).toISOString()}`;
  } catch {
    return null;
  }
}

// Runs `impl run workload` once. n = null keeps the implementation's
// default N. Returns { impl, ok, json, elapsed_ms, error, build }.
export function runOnce(impl, workload, { n = null, procs, timeoutMs }) {
  const args = ['run', workload, '--procs', String(procs), ...(n != null ? ['--n', String(n)] : []), '--json'];
  const [cmd, argv] = impl.command(args);
  const build = buildStamp(impl);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8', env: impl.env ? impl.env(procs) : procsEnv(procs), timeout: timeoutMs, killSignal: 'SIGKILL',
    maxBuffer: 16 << 20,
  });
  const elapsed_ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const json = lastJsonLine(r.stdout || '');
  const error = problem(r, json, workload, n);
  return { impl: impl.id, ok: !error, json: error ? null : json, elapsed_ms: Math.round(elapsed_ms), error, build };
}
