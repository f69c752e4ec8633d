#!/usr/bin/env node
// gort wasm glue: make Binaryen's Asyncify asserts usable with gort's own
// switch. A build linked with --pass-arg=asyncify-asserts (emscripten.cmake,
// gort_wasm_link_options(... ASYNCIFY_ASSERTS)) gets, in every function
// Asyncify left uninstrumented, a check after each call that the Asyncify
// state is still what it was when the function was entered, and a trap
// ("RuntimeError: unreachable") when it is not. That catches a function
// wrongly on the ASYNCIFY_REMOVE list (wasm/asyncify-remove.txt): one
// that a switch unwinds through would run on mid-unwind instead.
//
//   node wasm/asyncify-asserts.cjs prog.wasm
//
// Binaryen 108 also puts those checks into the runtime that drives Asyncify
// from inside the module (WebAssembly/binaryen src/passes/Asyncify.cpp,
// AsyncifyAssertInNonInstrumented, its FIXME: "the top-most runtime is
// actually a place that needs neither instrumentation *nor* assertions"),
// and there they fire on every switch: the function that calls
// asyncify_start_unwind changes the state on purpose (in gort, functions
// of runtime/arch/wasm/context_wasm.c: context_switch and
// gort__context_run_from_thread today). This
// script takes the checks out of exactly the functions that call one of
// asyncify_{start,stop}_{unwind,rewind} (Binaryen's own definition of that
// runtime, the same file's ModuleAnalyzer) and leaves them everywhere else.
// It rewrites prog.wasm in place through Binaryen's wasm-dis and wasm-as
// (text, names kept; DWARF is dropped).
//
// Invariants: it fails (status 1, prog.wasm untouched) when it finds no
// such runtime function, when one of them has no check to take out, or
// when the state global cannot be found: a Binaryen whose output looks
// different must stop the build, not make an asserts build that traps on
// every switch or checks nothing.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const RUNTIME_CALL =
  /\(call \$asyncify_(?:start_unwind|stop_unwind|start_rewind|stop_rewind)\b/;

function fail(msg) {
  process.stderr.write(`asyncify-asserts: ${msg}\n`);
  process.exit(1);
}

// Splits module text into top-level fields: each function is one chunk
// starting at a line " (func $name".
function splitFuncs(wat) {
  const lines = wat.split('\n');
  const chunks = [];
  let cur = { name: null, lines: [] };
  for (const line of lines) {
    const m = /^ \((?:func) (\$\S+)/.exec(line);
    if (m || /^ \((?!func)/.test(line)) {
      chunks.push(cur);
      cur = { name: m ? m[1] : null, lines: [] };
    }
    cur.lines.push(line);
  }
  chunks.push(cur);
  return chunks;
}

// The state global: the one asyncify_stop_unwind sets (to 0).
function stateGlobal(chunks) {
  const f = chunks.find((c) => c.name === '$asyncify_stop_unwind');
  if (!f) fail('no $asyncify_stop_unwind: not an Asyncify build');
  const m = /\(global\.set (\$\S+)/.exec(f.lines.join('\n'));
  if (!m) fail('$asyncify_stop_unwind sets no global');
  return m[1];
}

function patch(wat) {
  const chunks = splitFuncs(wat);
  const state = stateGlobal(chunks).replace(/\$/g, '\\$');
  // (if (i32.ne (global.get $state) (local.get $n)) (unreachable)), as
  // wasm-dis prints it (one operand per line), either operand order.
  const check = new RegExp(
    String.raw`\(if\s*\(i32\.ne\s*` +
      String.raw`(?:\(global\.get ${state}\)\s*\(local\.get \$\w+\)|` +
      String.raw`\(local\.get \$\w+\)\s*\(global\.get ${state}\))` +
      String.raw`\s*\)\s*\(unreachable\)\s*\)`,
    'g');
  const patched = [];
  for (const c of chunks) {
    if (!c.name || c.name.startsWith('$asyncify_')) continue;
    const text = c.lines.join('\n');
    if (!RUNTIME_CALL.test(text)) continue;
    let n = 0;
    const out = text.replace(check, () => {
      n++;
      return '(nop)';
    });
    if (n === 0) fail(`${c.name} drives Asyncify but has no assert to take out`);
    c.lines = out.split('\n');
    patched.push(`${c.name} (${n})`);
  }
  if (patched.length === 0)
    fail('no function calls asyncify_start_unwind & co.: nothing to patch');
  return { text: chunks.map((c) => c.lines.join('\n')).join('\n'), patched };
}

function main() {
  const wasm = process.argv[2];
  if (!wasm) fail('usage: node wasm/asyncify-asserts.cjs prog.wasm');
  const dir = path.dirname(path.resolve(wasm));
  const base = path.basename(wasm, '.wasm');
  const wat = path.join(dir, `${base}.asserts.wat`);
  const tmp = path.join(dir, `${base}.asserts.wasm`);
  execFileSync('wasm-dis', [wasm, '-o', wat], { stdio: 'inherit' });
  const { text, patched } = patch(fs.readFileSync(wat, 'utf8'));
  fs.writeFileSync(wat, text);
  execFileSync('wasm-as', ['--all-features', '-g', wat, '-o', tmp],
               { stdio: 'inherit' });
  fs.renameSync(tmp, wasm);
  fs.unlinkSync(wat);
  process.stdout.write(
    `asyncify-asserts: ${wasm}: runtime left unchecked: ${patched.join(', ')}\n`);
}

if (require.main === module) main();
module.exports = { patch };
