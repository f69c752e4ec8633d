#!/usr/bin/env node
// gort wasm glue: run a gort wasm program (built with wasm/emscripten.cmake:
// -sMODULARIZE=1, -pthread, PROXY_TO_PTHREAD) under Node as if it were a
// native executable. See docs/WASM-BUILD.md.
//
//   node wasm/run-node.cjs path/to/prog.js [args...]
//
// - Loads prog.js; its module.exports is the MODULARIZE factory (whatever
//   EXPORT_NAME is), so no name has to be passed.
// - Passes args as main's argv[1..], argv[0] is the .js path.
// - Forwards the program's stdout/stderr line by line with synchronous writes
//   (so output from every pthread, which 3.1.6 proxies to this thread, stays
//   in order and is all out before we exit).
// - Exits with main's status: main returning, exit(n) from any pthread
//   (3.1.6 proxies it here and calls Module.quit), and 134 (as a native
//   SIGABRT would give) when the program aborts, traps or fails to load.
// - Never hangs after the end: pool workers keep Node alive, so on every
//   way out we terminate them (PThread.terminateAllThreads) and exit.
//
// It is CMAKE_CROSSCOMPILING_EMULATOR for wasm builds ("node;<abs>/wasm/
// run-node.cjs"), so CTest runs wasm test programs unchanged. node:test
// files can require() it and call runWasm() (below) without being killed
// by process.exit: in that mode nothing calls process.exit.
'use strict';

const fs = require('fs');
const path = require('path');

const EXIT_CRASH = 134;

// Write all of text to fd, retrying while a non-blocking pipe is full.
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}

// The names of wasm/asyncify-remove.txt (beside this file), as patterns:
// the functions Asyncify leaves uninstrumented on purpose.
let removedPatterns = null;
function removedList() {
  if (removedPatterns) return removedPatterns;
  removedPatterns = [];
  try {
    const text = fs.readFileSync(path.join(__dirname, 'asyncify-remove.txt'),
                                 'utf8');
    for (let line of text.split('\n')) {
      line = line.replace(/#.*/, '').trim();
      if (!line || line.startsWith('[')) continue;
      const re = line.replace(/[.+?^${}()|\\]/g, '\\$&').replace(/\*/g, '.*');
      removedPatterns.push({ name: line, re: new RegExp('^' + re + '$') });
    }
  } catch (e) {
    // No list beside the launcher: no hint.
  }
  return removedPatterns;
}

// A trap ("RuntimeError: unreachable") whose innermost wasm frame is a
// function of wasm/asyncify-remove.txt is, in a build linked with Asyncify
// asserts (gort_tests), that function seeing a switch start under it: it
// must come off the list (or its caller must not park). Returns a line
// saying so, or null.
function removedFunctionHint(e) {
  const stack = e && typeof e.stack === 'string' ? e.stack : '';
  if (!/unreachable/.test(stack)) return null;
  const m = /\n\s*at ([^\s(]+) \(wasm:\/\//.exec(stack);
  if (!m) return null;
  const hit = removedList().find((p) => p.re.test(m[1]));
  if (!hit) return null;
  return 'run-node: the trap is in ' + m[1] + ', which wasm/asyncify-remove.txt' +
         ' (' + hit.name + ') leaves uninstrumented: a goroutine switched' +
         ' under it (Asyncify asserts; docs/WASM-BUILD.md, "Narrowing' +
         ' Asyncify")';
}

// Runs the program in this process. Returns a promise of
// { code, crashed, message } that settles once the program has ended and
// its workers have been told to terminate.
//   opts.stdout(line), opts.stderr(line): receive each output line without
//   its newline (default: write it to fd 1 / fd 2).
//   opts.onModule(Module): called with the Module object before it starts.
function runWasm(jsFile, args, opts) {
  opts = opts || {};
  const jsPath = path.resolve(jsFile);
  const out = opts.stdout || ((line) => writeAll(1, line + '\n'));
  const errOut = opts.stderr || ((line) => writeAll(2, line + '\n'));

  return new Promise((resolve) => {
    let Module = null;
    let finished = false;
    let abortReason = null;

    function stopWorkers() {
      try {
        if (Module && Module.PThread) Module.PThread.terminateAllThreads();
      } catch (e) {
        // Best effort: the runtime may be half torn down after a crash.
      }
    }

    function finish(code, crashed, message) {
      if (finished) return;
      finished = true;
      if (message) errOut(message);
      stopWorkers();
      resolve({ code, crashed, message: message || null });
    }

    function crash(what) {
      let msg = String(what && what.message !== undefined ? what.message
                                                           : what);
      if (abortReason !== null && msg.indexOf(String(abortReason)) < 0) {
        msg = 'abort(' + abortReason + '): ' + msg;
      }
      finish(EXIT_CRASH, true, 'run-node: program crashed: ' + msg);
    }

    // 3.1.6 installs worker.onerror (Node: worker.on('error') calls it) to
    // rethrow a pthread's uncaught error on this thread; replace it so a trap
    // or abort in any thread ends the run cleanly with EXIT_CRASH. Also on
    // the workers made after start-up: under PROXY_TO_PTHREAD the pool grows
    // when the program has more threads than PTHREAD_POOL_SIZE (a gort run
    // with 4 Ps has 6), and loadWasmModuleToWorker gives each new worker
    // 3.1.6's rethrowing onerror, whose throw here was an uncaught exception
    // (this launcher: status 134 whatever the program's; node:test: a crash
    // of the test process), also for an error after the program had ended.
    function hookWorker(w) {
      w.onerror = (e) => {
        const hint = removedFunctionHint(e);
        if (hint) errOut(hint);
        crash(e && e.message !== undefined ? e.message : e);
      };
    }
    function hookWorkers() {
      const pt = Module.PThread;
      if (!pt) return;
      for (const w of pt.unusedWorkers.concat(pt.runningWorkers)) hookWorker(w);
      const load = pt.loadWasmModuleToWorker;
      if (typeof load === 'function') {
        pt.loadWasmModuleToWorker = function (worker) {
          const r = load.apply(this, arguments);
          hookWorker(worker);
          return r;
        };
      }
    }

    let factory;
    try {
      factory = require(jsPath);
    } catch (e) {
      finish(EXIT_CRASH, true, 'run-node: cannot load ' + jsPath + ': ' +
             (e && e.stack || e));
      return;
    }
    if (typeof factory !== 'function') {
      finish(EXIT_CRASH, true, 'run-node: ' + jsPath +
             ' does not export a MODULARIZE factory ' +
             '(build with -sMODULARIZE=1)');
      return;
    }

    Module = {
      arguments: args.slice(),
      thisProgram: jsPath,
      print: (text) => { if (!finished) out(String(text)); },
      printErr: (text) => { if (!finished) errOut(String(text)); },
      // Called on this thread for every exit path (main's return via
      // __call_main, exit() in any thread), after 3.1.6 has run atexit
      // handlers and flushed stdio; it would otherwise process.exit().
      quit: (status) => finish(status, false, null),
      // A pthread's abort() is reported here first, then its worker errors.
      onAbort: (what) => { abortReason = what === undefined ? '' : what; },
      onRuntimeInitialized: () => hookWorkers(),
      // The program sees this process's GORT_* variables (GORT_DEBUG,
      // GORT_MAXPROCS, GORT_STACK_SIZE...) through getenv, as natively;
      // Emscripten's own environment is otherwise a fixed stand-in.
      // (A program that never calls getenv has no ENV at all.)
      preRun: [() => {
        let env;
        try { env = Module.ENV; } catch { env = undefined; }
        if (!env) return;
        for (const [k, v] of Object.entries(process.env)) {
          if (k.startsWith('GORT_')) env[k] = v;
        }
      }],
    };
    if (opts.onModule) opts.onModule(Module);

    let ready;
    try {
      ready = factory(Module);
    } catch (e) {
      crash(e);
      return;
    }
    Promise.resolve(ready).catch((e) => crash(e));
  });
}

module.exports = { runWasm, EXIT_CRASH };

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv.length < 1) {
    writeAll(2, 'usage: node run-node.cjs prog.js [args...]\n');
    process.exit(2);
  }
  // Anything that escapes (e.g. an error thrown on this thread by the
  // runtime) is a crash of the program, not of the launcher.
  process.on('uncaughtException', (e) => {
    writeAll(2, 'run-node: uncaught: ' + (e && e.stack || e) + '\n');
    process.exit(EXIT_CRASH);
  });
  process.on('unhandledRejection', (e) => {
    writeAll(2, 'run-node: unhandled rejection: ' + (e && e.stack || e) + '\n');
    process.exit(EXIT_CRASH);
  });
  runWasm(argv[0], argv.slice(1)).then((r) => process.exit(r.code));
}
