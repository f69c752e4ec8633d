// bench/go/run-wasm.cjs - runs the Go twin built for Go's own js/wasm port
// (GOOS=js GOARCH=wasm, bench/go/build.sh: build/bench/gort-go.wasm) under
// Node, with Go's wasm_exec.js from the toolchain that built it:
//
//   node bench/go/run-wasm.cjs WASM_EXEC_JS GORT_GO_WASM [ARGS...]
//
// WASM_EXEC_JS is Go's glue at its installed path ($GOROOT/misc/wasm/ up
// to Go 1.23, $GOROOT/lib/wasm/ after; bench/lib/gowasm.mjs finds it);
// nothing of it is copied here. Go 1.19's own Node launcher beside it,
// Go's wasm_exec_node.js, cannot run on Node 20 (it assigns
// globalThis.crypto, a getter there), so this file is the launcher: Node
// 20 already has crypto, performance and TextEncoder/Decoder as globals;
// Go's glue needs globalThis.fs (the Go program's files and stdout) and
// process. Exit status: the Go program's; 1 when it could not start, or
// when Node ran out of events before the program exited (every goroutine
// asleep: Go's js/wasm port waits on the event loop, so a deadlock ends
// the process instead of Go's "all goroutines are asleep" error).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [execJs, wasmFile, ...args] = process.argv.slice(2);
if (!execJs || !wasmFile) {
  console.error('usage: node bench/go/run-wasm.cjs WASM_EXEC_JS GORT_GO_WASM [ARGS...]');
  process.exit(2);
}

globalThis.fs ??= fs;
require(path.resolve(execJs));

const go = new globalThis.Go();
go.argv = [wasmFile, ...args];
go.env = { TMPDIR: os.tmpdir(), ...process.env };
go.exit = (code) => process.exit(code);

process.on('exit', (code) => {
  if (code === 0 && !go.exited) {
    console.error('run-wasm: the Go program had not exited when Node ran out of events (every goroutine asleep?)');
    process.exitCode = 1;
  }
});

WebAssembly.instantiate(fs.readFileSync(wasmFile), go.importObject)
  .then(({ instance }) => go.run(instance))
  .catch((err) => {
    console.error(`run-wasm: ${err?.stack || err}`);
    process.exit(1);
  });
