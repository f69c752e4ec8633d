// library_gort.js - JS library functions gort's wasm build overrides.
//
// __handle_stack_overflow: with -sSTACK_OVERFLOW_CHECK=2 every change of
// the C stack pointer is checked against the limits that the switch sets
// for the running context (the goroutine's stack; runtime/arch/wasm).
// wasm has no guard pages, so this check is how a runaway recursion in a
// goroutine is caught before it writes over a neighbour's stack. Emscripten's
// own handler aborts with a generic message; ours reports it the way gort's
// native build (and Go) does, and exits with Go's status 2. The gort target
// links this file and the check into every program that links it
// (CMakeLists.txt); the limit is 144 bytes above the stack's end (the
// canary's 16 and LLVM's 128-byte red zone: runtime/arch/wasm).
mergeInto(LibraryManager.library, {
  __handle_stack_overflow__deps: ['gort_wasm_stack_check_base',
                                  'gort_wasm_stack_check_end',
                                  'emscripten_force_exit'],
  __handle_stack_overflow: function(requested) {
    requested = requested >>> 0;
    // The bounds the check enforced (the running goroutine's; the switch
    // leaves Emscripten's own emscripten_stack_get_* at the thread's).
    var base = _gort_wasm_stack_check_base() >>> 0;
    var end = _gort_wasm_stack_check_end() >>> 0;
    if (base == 0 && end == 0) {
      // A thread that has no stack bounds at all is no goroutine: it is a
      // pthread that a worker began while the program was exiting, after
      // the exiting thread had freed its pthread struct (its bounds read
      // zero; seen when an overflow ends the program while an M starts).
      // Reporting would overflow again at once; leave the thread the way
      // pthread_exit does.
      throw 'unwind';
    }
    err('runtime: goroutine stack exceeds ' + (base - end) +
        '-byte limit (stack pointer would move to 0x' +
        requested.toString(16) + ', stack=[0x' + end.toString(16) + ', 0x' +
        base.toString(16) + '])');
    err('fatal error: stack overflow');
    _emscripten_force_exit(2);
  },

  // The switch's stack-check setter (runtime/arch/wasm/context_wasm.c,
  // thread_setup): put the raw __set_stack_limits export that wasm/pre.js
  // kept into table slot `index` of this thread's instance, so that C
  // calls it through a function pointer with no JS. The index comes as a
  // wasm argument, not through EM_ASM (whose 3.1.6 argument reader breaks
  // for a C stack above 2 GiB).
  gort_wasm_install_stack_limits: function(index) {
    if (!Module['asm']['__set_stack_limits']) return 0;
    var f = Module['gortSetStackLimits'];
    if (!f) return -1;
    Module['asm']['__indirect_function_table'].set(index >>> 0, f);
    return 1;
  },

  // gort's monotonic clock (runtime/os/os_wasm.c, gort__os_nanotime), in
  // ms, the same on every thread. Emscripten 3.1.6's own (clock_gettime,
  // emscripten_get_now) is not in a browser: each pthread worker subtracts
  // a drift it measured from the time the loading thread wrote into its
  // start message, so its clock lags by that message's delivery, which
  // differs per worker (milliseconds on a busy machine; Emscripten's
  // issue 9783 saw -100 ms). A timer set on one M and run by another could
  // fire early, and the page saw a live sample from main's thread dated
  // before sysmon's previous one. timeOrigin + now() is one clock in every
  // worker (High Resolution Time; what Emscripten itself moved to later,
  // its PR 18267). A fixed epoch (November 2023) keeps the values small,
  // and is the same in every worker. Under Node, Emscripten's own clock
  // (process.hrtime) is one clock for the whole process already.
  gort_wasm_now_ms__deps: ['emscripten_get_now'],
  gort_wasm_now_ms: function() {
    if (ENVIRONMENT_IS_NODE) return _emscripten_get_now();
    return performance.timeOrigin + performance.now() - 1.7e12;
  },

  // The switch (runtime/arch/wasm/context_wasm.c) imports Binaryen's
  // Asyncify API from module "asyncify"; the Asyncify pass replaces those
  // imports with the functions it makes, so the program never imports
  // them. These names only satisfy emcc's check for undefined symbols,
  // which runs before that pass; reaching one means the pass did not run.
  start_unwind: function() { abort('asyncify.start_unwind not replaced'); },
  stop_unwind: function() { abort('asyncify.stop_unwind not replaced'); },
  start_rewind: function() { abort('asyncify.start_rewind not replaced'); },
  stop_rewind: function() { abort('asyncify.stop_rewind not replaced'); },
});
