// web/worker.js — runs one gort CLI invocation on the wasm build, off the page thread.
//
// Rules:
//  - A classic (non-module) dedicated worker: Emscripten 3.1.6's MODULARIZE
//    output (web/dist/gort.js, factory global createGort; or the
//    single-threaded build web/dist/gort-st.js, factory createGortSt) is
//    loaded with importScripts, which module workers do not have.
//  - The single-threaded build runs main on this worker's own thread (no
//    pthreads): the worker is busy for the whole run, the page is not.
//  - One worker per run: the program exits at the end (EXIT_RUNTIME), and the
//    page terminates this worker afterwards, which also ends every pthread
//    worker it started and frees the wasm memory.
//  - Inside a worker Emscripten cannot find its own script, so the factory is
//    given mainScriptUrlOrBlob (what each pthread worker importScripts) and
//    locateFile (where gort.wasm and gort.worker.js live).
//  - Protocol. In: {args: string[], distUrl: absolute URL of web/dist/ ending
//    in '/', build: 'gort' (default) | 'gort-st'}. Out: {type:'stdout'|'stderr',
//    line}, then exactly one of {type:'exit', code} or {type:'error', kind:'missing'|'abort'|'crash', message}.
//    Before main runs, once: {type:'sampler', buffer: the wasm memory's
//    SharedArrayBuffer, layout: the live scheduler sample's layout (JSON
//    from the export gort_wasm_sched_sample_layout), gcLayout: the GC
//    sample's and heap map's (gort_wasm_gc_sample_layout) or gcError}; the
//    page reads the samples from that memory itself (web/sample.js,
//    web/gcsample.js). A build without the export, or whose memory is not
//    shared (the single-threaded one), sends {type:'sampler', error}.
//  - The run's GORT_DEBUG is heapmap=250: sysmon publishes the heap map
//    4 times a second (off unless asked).

'use strict';

let finished = false;
function finish(msg) {
  if (finished) return;
  finished = true;
  postMessage(msg);
}

self.onmessage = (e) => {
  const { args, distUrl } = e.data;
  const build = e.data.build === 'gort-st' ? 'gort-st' : 'gort';
  const script = `${distUrl}${build}.js`;
  const factoryName = build === 'gort-st' ? 'createGortSt' : 'createGort';
  try {
    importScripts(script);
  } catch (err) {
    finish({ type: 'error', kind: 'missing', message: `cannot load ${script}: ${err && err.message}` });
    return;
  }
  const factory = self[factoryName];
  if (typeof factory !== 'function') {
    finish({ type: 'error', kind: 'missing', message: `${script} does not define ${factoryName}` });
    return;
  }
  let started;
  try {
    const mod = {
      onRuntimeInitialized() {
        // On this worker's own thread, before main starts on a pthread:
        // the page thread never calls into wasm.
        try {
          if (typeof SharedArrayBuffer !== 'function' || !(mod.HEAPU8.buffer instanceof SharedArrayBuffer)) {
            // Posting it would copy all of memory, and the copy would not move.
            throw new Error('the wasm memory is not shared with the page (single-threaded build)');
          }
          const readJson = (ptr) => {
            ptr >>>= 0; // an address: unsigned (memory is over 2 GiB)
            let end = ptr;
            while (mod.HEAPU8[end] !== 0) end++;
            return JSON.parse(new TextDecoder().decode(mod.HEAPU8.slice(ptr, end)));
          };
          const layout = readJson(mod._gort_wasm_sched_sample_layout());
          const msg = { type: 'sampler', buffer: mod.HEAPU8.buffer, layout };
          try {
            msg.gcLayout = readJson(mod._gort_wasm_gc_sample_layout());
          } catch (err) {
            msg.gcError = String(err && err.message || err);
          }
          postMessage(msg);
        } catch (err) {
          postMessage({ type: 'sampler', error: String(err && err.message || err) });
        }
      },
    };
    started = factory(Object.assign(mod, {
      // The heap map is off by default (it walks the heap under its lock):
      // the page asks for one every 250 ms (GORT_DEBUG heapmap=MS).
      preRun: [() => { if (mod.ENV) mod.ENV.GORT_DEBUG = 'heapmap=250'; }],
      arguments: args,
      mainScriptUrlOrBlob: script,
      locateFile: (name) => distUrl + name,
      print: (line) => postMessage({ type: 'stdout', line }),
      printErr: (line) => postMessage({ type: 'stderr', line }),
      onExit: (code) => finish({ type: 'exit', code }),
      onAbort: (what) => finish({ type: 'error', kind: 'abort', message: `aborted: ${what}` }),
    }));
  } catch (err) {
    finish({ type: 'error', kind: 'crash', message: String(err && err.stack || err) });
    return;
  }
  if (started && typeof started.catch === 'function') {
    started.catch((err) => finish({ type: 'error', kind: 'crash', message: String(err && err.stack || err) }));
  }
};

// Errors thrown later (a trap in a pthread that Emscripten rethrows here, a
// RuntimeError in the runtime thread) end the run with a message instead of
// hanging the page; preventDefault keeps them from also surfacing on the page.
function describe(x) {
  if (x && typeof x === 'object' && 'message' in x && x.message) return String(x.message);
  return String(x);
}
self.addEventListener('error', (ev) => {
  const msg = describe(ev.error && typeof ev.error === 'object' ? ev.error : ev);
  // Emscripten throws an ExitStatus / 'unwind' to leave main; not an error.
  if (/ExitStatus|^unwind$/.test(msg)) return;
  ev.preventDefault();
  finish({ type: 'error', kind: 'crash', message: msg });
});
self.addEventListener('unhandledrejection', (ev) => {
  const msg = describe(ev.reason);
  if (/ExitStatus|^unwind$/.test(msg)) return;
  ev.preventDefault();
  finish({ type: 'error', kind: 'crash', message: msg });
});
