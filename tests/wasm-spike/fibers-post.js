// fibers-post.js - the --post-js that lets Emscripten 3.1.6's fibers
// work across pthread workers, for tests/wasm-spike only. gort's own
// goroutines no longer use Emscripten's fibers (runtime/arch/wasm/
// context_wasm.c drives Asyncify itself and needs neither part), so this
// glue left wasm/post.js; the spike keeps it to go on proving the facts in
// docs/WASM-NOTES.md, "Emscripten's fibers", and its build without this
// file (wasm_spike_no_fibers_post_js) must crash when a fiber migrates.
//
// 1. Same Asyncify call-stack ids in every worker (fiber migration).
//    When a fiber unwinds, Emscripten 3.1.6 stores in its asyncify_data the
//    id of the wasm export at the bottom of the JS call stack
//    (Asyncify.setDataRewindFunc -> getCallStackId), and a rewind maps the id
//    back to an export (getDataRewindFunc). Ids are handed out per worker in
//    first-seen order, so a fiber parked on worker A and resumed on worker B
//    rewinds through the wrong export or through `undefined` ("TypeError:
//    start is not a function"); see emscripten#22269 and docs/WASM-NOTES.md
//    "Migration between workers". Goroutines move between Ms, so ids must be global.
//    Fix: before the first id is handed out or looked up in an instance,
//    number every export of Module['asm'] by its sorted name. Every instance
//    has the same export names, so every instance gets the same table. The id
//    counter is moved past them in case an unknown name ever shows up.
//
// 2. Fiber state reset at every pthread start (worker reuse).
//    A pthread whose code runs inside the fiber trampoline and ends with
//    pthread_exit() leaves Fibers.trampolineRunning == true in its worker;
//    the next pthread on that pool worker then stops at its first fiber swap
//    and never resumes (docs/WASM-NOTES.md "Fibers"). worker.js calls
//    Module['PThread'].threadInit() at the start of every pthread, so we
//    clear the trampoline state there. C code does not need its own
//    EM_ASM reset with this post.js (doing it as well is harmless: the first
//    swap of a thread has not happened yet at that point).
//
(function gortFibersPostJs() {
  if (typeof Asyncify == 'object' && Asyncify &&
      typeof Asyncify.getCallStackId == 'function' &&
      typeof Asyncify.getDataRewindFunc == 'function') {
    var numbered = false;
    var numberExports = function () {
      if (numbered) return;
      var exportsObj = Module['asm'];
      if (!exportsObj) {
        // Not instantiated yet; no unwind can happen before that.
        return;
      }
      numbered = true;
      if (Asyncify.callStackId !== 0) {
        // Someone handed out ids before us: they may differ between workers.
        err('fibers-post.js: Asyncify ids were assigned before numbering; ' +
            'fibers may not migrate between workers');
      }
      var names = Object.keys(exportsObj).sort();
      var toId = {}, toName = {};
      for (var i = 0; i < names.length; i++) {
        toId[names[i]] = i;
        toName[i] = names[i];
      }
      Asyncify.callStackNameToId = toId;
      Asyncify.callStackIdToName = toName;
      Asyncify.callStackId = names.length;
    };
    var origGetCallStackId = Asyncify.getCallStackId;
    var origGetDataRewindFunc = Asyncify.getDataRewindFunc;
    Asyncify.getCallStackId = function (funcName) {
      numberExports();
      return origGetCallStackId(funcName);
    };
    Asyncify.getDataRewindFunc = function (ptr) {
      numberExports();
      return origGetDataRewindFunc(ptr);
    };
  }

  if (typeof Fibers == 'object' && Fibers &&
      typeof PThread == 'object' && PThread &&
      typeof PThread.threadInit == 'function') {
    var origThreadInit = PThread.threadInit;
    PThread.threadInit = function () {
      Fibers.trampolineRunning = false;
      Fibers.nextFiber = 0;
      return origThreadInit.apply(this, arguments);
    };
    // worker.js looks it up by its quoted name.
    PThread['threadInit'] = PThread.threadInit;
  }

})();
