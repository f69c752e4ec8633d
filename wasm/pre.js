// gort wasm glue: --pre-js for every gort wasm executable (see
// wasm/emscripten.cmake and docs/WASM-BUILD.md). Three jobs.
//
// First job: under Node only, and only in the instance that loads the
// program (not in pthread workers), it reads the .wasm file that sits beside
// the .js file and hands it to the loader as Module['wasmBinary'].
//
// Why: Emscripten 3.1.6's instantiateAsync() calls the global fetch() on the
// .wasm file's path whenever fetch exists. Node 20 has a global fetch, which
// rejects a bare file path ("Failed to parse URL from /x/y.wasm"), so the
// program never starts and its pool workers keep Node alive forever
// (docs/WASM-NOTES.md, "Building"). With wasmBinary set the loader skips
// fetch and instantiates from the bytes.
//
// What it must not break:
// - Browsers (page or Web Worker): no `process`, so it does nothing and the
//   loader fetches the .wasm next to the script as usual.
// - pthread workers (Node or browser): worker.js sets
//   Module['ENVIRONMENT_IS_PTHREAD'] and passes the compiled module in
//   Module['wasmModule'] before it calls the factory; we leave those alone.
// - A caller that already supplied wasmBinary, instantiateWasm or a
//   locateFile: their choice wins (locateFile is honoured for the name).
//
// Second job, in every instance: main's exit on its pthread, and let a
// PROXY_TO_PTHREAD main() use Emscripten's fibers (details below, at the
// code).
//
// Third job, in pthread workers: keep the raw __set_stack_limits export for
// the goroutine switch (below, at the code).
//
// This code runs inside the MODULARIZE factory, where `Module` is the object
// passed to the factory.

(function gortPreJs() {
  var isNode = typeof process == 'object' && process !== null &&
               typeof process.versions == 'object' &&
               typeof process.versions.node == 'string';
  if (!isNode || typeof require != 'function' ||
      typeof __filename != 'string') {
    return;
  }
  if (Module['ENVIRONMENT_IS_PTHREAD'] || Module['wasmModule'] ||
      Module['wasmBinary'] || Module['instantiateWasm']) {
    return;
  }
  var path = require('path');
  // emcc names the binary after the output: prog.js -> prog.wasm.
  var name = path.basename(__filename).replace(/\.[cm]?js$/, '') + '.wasm';
  var dir = path.dirname(__filename) + '/';
  var file = typeof Module['locateFile'] == 'function' ?
             Module['locateFile'](name, dir) : dir + name;
  Module['wasmBinary'] = require('fs').readFileSync(file);
})();

// Third job, in pthread workers: keep the raw __set_stack_limits export
// for the context switch (runtime/arch/wasm/context_wasm.c). With
// STACK_OVERFLOW_CHECK=2 Binaryen adds that export after the link, and it
// alone sets the limits every move of the C stack pointer is checked
// against; the switch must set them for each goroutine's stack. C cannot
// name it, so each thread puts it into one slot of its function table and
// calls it from there, with no JS on the switch. Module['asm'] holds
// Asyncify's JS wrappers of the exports, which a table cannot hold, so we
// keep the instance's own function as the instance is made (worker.js
// instantiates through Module['instantiateWasm'], before any post-js runs).
(function gortKeepStackLimitsSetter() {
  var instantiate = Module['instantiateWasm'];
  if (typeof instantiate != 'function') return;
  Module['instantiateWasm'] = function (info, receiveInstance) {
    return instantiate(info, function (instance, module) {
      Module['gortSetStackLimits'] = instance.exports['__set_stack_limits'];
      return receiveInstance(instance, module);
    });
  };
})();

// Second job: let a PROXY_TO_PTHREAD main() use fibers.
// With PROXY_TO_PTHREAD, 3.1.6 runs main from the JS import __call_main,
// which calls the wasm export main and then, unless the runtime is kept
// alive, posts exit(main's result) to the loading thread. When main (or
// anything it calls) swaps fibers, main's wasm frames unwind back into
// __call_main, which takes the unwind for a return: it posts an exit with a
// garbage status and calls into wasm in the middle of the unwind, and the
// next rewind of main's context dies in dynCall_ii ("RuntimeError:
// unreachable"). Checked here with tests/wasm-spike. (gort's own switch
// never unwinds main's frames: its loop runs above them, in gort_main;
// the spike's fibers do.) Our replacement does
// the same job but, when main comes back because it is unwinding (Asyncify
// state not Normal), returns at once so the unwind can finish; the rewind
// later re-enters through here and resumes main, and main's real return
// exits the program with its status. It must be installed from the
// pre-js: the wasm imports object is built (and, in workers, instantiated)
// before any post-js runs. Function declarations are hoisted, so the name is
// already bound here; it is absent without PROXY_TO_PTHREAD.
if (typeof ___call_main == 'function') {
  ___call_main = function gortCallMain(argc, argv) {
    var status = _main(argc, argv);
    if (typeof Asyncify == 'object' && Asyncify &&
        Asyncify.state !== Asyncify.State.Normal) {
      return;  // main is parked in a fiber switch, not finished
    }
    // Unlike the original we do not ask keepRuntimeAlive(): every fiber
    // switch leaves a runtimeKeepalivePush behind (pushed at each unwind,
    // popped only when a context is rewound, never when a fresh fiber is
    // entered), so after any fiber use the counter is > 0 and the original
    // would never exit (the launcher would hang). For gort, main returning
    // ends the program, as in Go and C.
    //
    // Returning from main means exit(status): run the atexit handlers and
    // flush C stdio here, on main's pthread, where blocking on a lock is
    // safe. post.js turns both into no-ops on the loading thread, where
    // 3.1.6 would otherwise do them and can deadlock (see post.js, part 3).
    if (typeof ___funcs_on_exit == 'function') ___funcs_on_exit();
    if (typeof ___stdio_exit == 'function') ___stdio_exit();
    exitOnMainThread(status);
    // Leave main's pthread the way exit() leaves a pthread in 3.1.6: throw
    // 'unwind', which worker.js swallows without touching the thread again.
    // Returning instead hands control back to worker.js, which then reads
    // the stack cookie at the bottom of this thread's stack
    // (checkStackCookie) and calls _emscripten_thread_exit on its pthread
    // struct. But the exit posted just above runs on the loading thread at
    // the same time: exitRuntime -> PThread.terminateAllThreads ->
    // _emscripten_thread_free_data zeroes that struct and frees the block
    // with this thread's stack, and malloc reuses it. When the loading
    // thread won that race (about 1 run in 10 of the page test on a busy
    // machine) the program, already finished and successful, aborted with
    // "Stack overflow! Stack cookie has been overwritten, ... received 0x0
    // 0x11c7b8" (the bytes malloc had put there).
    throw 'unwind';
  };
}
