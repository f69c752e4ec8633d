// gort wasm glue: --post-js for every gort wasm executable (see
// wasm/emscripten.cmake and docs/WASM-BUILD.md). It runs inside the
// MODULARIZE factory in every instance: the loading thread and each pthread
// worker, which all load the same .js and instantiate the same .wasm.
//
// Two jobs. First: no C stdio flush or atexit handlers on the loading
// thread at exit.
//    When a pthread calls exit(), 3.1.6 runs musl's exit in that thread
//    (atexit handlers, stdio flush), then posts the exit to the loading
//    thread, whose exitRuntime runs ___funcs_on_exit and ___stdio_exit
//    again (from flush_NO_FILESYSTEM or FS.quit). ___stdio_exit takes the
//    stdout lock. If another pthread is inside printf at that moment, it
//    holds that lock while it waits for the loading thread to carry out its
//    proxied fd_write, which the loading thread cannot do while it is inside
//    the exit call: deadlock, the program never ends (tests/wasm-spike
//    "exit3" mode hung 9 runs in 10 with a printing thread). So on the
//    loading thread of a PROXY_TO_PTHREAD build both become no-ops; the
//    thread that ends the program has already done them (musl's exit(), or
//    pre.js's __call_main when main returns). JS-side partial output lines
//    are still flushed by the loading thread as before.
//
// The hook is a no-op in a program without PROXY_TO_PTHREAD (the names
// are then absent from the output).
//
// Second: the raw __set_stack_limits export where no pthread worker.js
// instantiates the module (pre.js's third job keeps it there, through
// Module['instantiateWasm']): on the loading thread, which runs main in
// the single-threaded build (preset wasm-st, docs/WASM-NOTES.md). The
// instance's exports pass through Asyncify.instrumentWasmExports before
// Module['asm'] holds their wrappers; the raw function is taken there.
// Instantiation is asynchronous, so it happens after this file has run.
(function gortPostJs() {
  if (typeof ENVIRONMENT_IS_PTHREAD != 'undefined' && !ENVIRONMENT_IS_PTHREAD &&
      typeof ___call_main == 'function') {
    if (typeof ___stdio_exit == 'function') {
      ___stdio_exit = function () {};
    }
    if (typeof ___funcs_on_exit == 'function') {
      ___funcs_on_exit = function () {};
    }
  }
})();

(function gortKeepStackLimitsSetterHere() {
  if (typeof Asyncify != 'object' || !Asyncify ||
      typeof Asyncify.instrumentWasmExports != 'function') {
    return;
  }
  var instrument = Asyncify.instrumentWasmExports;
  Asyncify.instrumentWasmExports = function (exports) {
    if (!Module['gortSetStackLimits'] && exports['__set_stack_limits']) {
      Module['gortSetStackLimits'] = exports['__set_stack_limits'];
    }
    return instrument.call(Asyncify, exports);
  };
})();
