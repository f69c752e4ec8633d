// web/goworker.js — runs one invocation of the Go twin (bench/go) on Go's own
// js/wasm port, off the page thread, for the page's side-by-side comparison.
//
// Rules:
//  - A classic dedicated worker: Go's wasm_exec.js (its glue, served by
//    web/server.mjs at /go/wasm_exec.js from $GOROOT, never a copy) is a
//    classic script that defines globalThis.Go, loaded with importScripts.
//  - Go's js/wasm port runs every goroutine on this worker's one thread and
//    returns to its event loop when they all wait (timers are setTimeout):
//    the worker is busy while Go code runs, the page never is.
//  - One worker per run: the page terminates it once the program exits.
//  - Go's glue prints through globalThis.fs.writeSync, which in a browser
//    goes to console.log whatever the descriptor; this worker replaces that
//    one function so that each line reaches the page with its stream.
//  - Protocol, as web/worker.js's. In: {args: string[], goUrl: absolute URL
//    of the /go/ folder ending in '/'}. Out: {type:'stdout'|'stderr', line},
//    then exactly one of {type:'exit', code} or {type:'error',
//    kind:'missing'|'crash', message}.

'use strict';

let finished = false;
function finish(msg) {
  if (finished) return;
  finished = true;
  postMessage(msg);
}

// Splits what Go writes into lines, one buffer per descriptor.
function lineWriter() {
  const decoder = new TextDecoder('utf-8');
  const pending = { 1: '', 2: '' };
  const flush = (fd, all) => {
    const type = fd === 2 ? 'stderr' : 'stdout';
    const text = pending[fd];
    const cut = all ? text.length : text.lastIndexOf('\n') + 1;
    if (cut <= 0) return;
    for (const line of text.slice(0, cut).replace(/\n$/, '').split('\n')) postMessage({ type, line });
    pending[fd] = text.slice(cut);
  };
  return {
    write(fd, buf) {
      const key = fd === 2 ? 2 : 1;
      pending[key] += decoder.decode(buf, { stream: true });
      flush(key, false);
      return buf.length;
    },
    flushAll() { flush(1, true); flush(2, true); },
  };
}

self.onmessage = async (e) => {
  const { args, goUrl } = e.data;
  const execJs = goUrl + 'wasm_exec.js';
  try {
    importScripts(execJs);
  } catch (err) {
    finish({ type: 'error', kind: 'missing', message: `cannot load Go's ${execJs}: ${err && err.message}` });
    return;
  }
  if (typeof Go !== 'function' || !globalThis.fs) {
    finish({ type: 'error', kind: 'missing', message: `${execJs} does not define Go and fs` });
    return;
  }
  const out = lineWriter();
  globalThis.fs.writeSync = (fd, buf) => out.write(fd, buf);
  try {
    const go = new Go();
    go.argv = ['gort-go', ...args];
    go.env = {};
    let code = null;
    go.exit = (c) => { code = c; };
    const res = await fetch(goUrl + 'gort-go.wasm');
    if (!res.ok) {
      finish({ type: 'error', kind: 'missing', message: `${goUrl}gort-go.wasm: HTTP ${res.status}` });
      return;
    }
    const { instance } = await WebAssembly.instantiate(await res.arrayBuffer(), go.importObject);
    await go.run(instance);
    out.flushAll();
    finish({ type: 'exit', code: code ?? 0 });
  } catch (err) {
    out.flushAll();
    finish({ type: 'error', kind: 'crash', message: String(err && err.stack || err) });
  }
};
