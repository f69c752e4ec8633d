// bench/lib/gowasm.mjs - where Go's js/wasm glue is: Go's wasm_exec.js of
// the toolchain on PATH (the one bench/go/build.sh builds
// build/bench/gort-go.wasm with), at its installed path, never a copy.
// Debian's golang-go (1.19, package golang-1.19-src) has it under
// $GOROOT/misc/wasm/; Go 1.24 moved it to $GOROOT/lib/wasm/. Asked once
// per process (`go env GOROOT`) and remembered; null when Go is not
// installed or ships no such glue, and then the go-wasm implementation
// counts as not built (bench/lib/impls.mjs).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const PLACES = ['lib/wasm/wasm_exec.js', 'misc/wasm/wasm_exec.js'];

let found;

export function wasmExecJs() {
  if (found !== undefined) return found;
  const r = spawnSync('go', ['env', 'GOROOT'], {
    encoding: 'utf8', timeout: 30_000, env: { ...process.env, GOTOOLCHAIN: 'local' },
  });
  const root = r.status === 0 ? r.stdout.trim() : '';
  found = (root && PLACES.map((p) => path.join(root, p)).find((f) => fs.existsSync(f))) || null;
  return found;
}
