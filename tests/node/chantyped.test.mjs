// chantyped.test.mjs - what the C test cases cannot show (issue 14):
// GORT_CHAN's macros refuse a value of the wrong type at compile time,
// with gort.h's static-assertion message, and the right usage compiles
// warning-free as strict C11 and runs; and every code of gort.h's
// gort_err is in the list that the native case
// errors_every_code_has_message checks (tests/native/test-chantyped.c).
//
// The compiler is the one CMake chose for build/ (CMakeCache.txt), and
// clang too when it is installed (Emscripten's compiler is clang), so the
// macros are checked with both families. The program that runs links
// build/libgort.a, which `node scripts/build.mjs --test` builds first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { buildDir } from '../../scripts/presets.mjs';
import { REPO } from './lib/ctest.mjs';

const INCLUDE = path.join(REPO, 'runtime/include');
const BUILD = path.join(REPO, buildDir('release'));
const STRICT = ['-std=c11', '-Wall', '-Wextra', '-Wpedantic', '-Werror'];

function projectCompiler() {
  const cache = path.join(BUILD, 'CMakeCache.txt');
  if (fs.existsSync(cache)) {
    const m = fs.readFileSync(cache, 'utf8').match(/^CMAKE_C_COMPILER:\w+=(.+)$/m);
    if (m) return m[1].trim();
  }
  return 'cc';
}

function have(cmd) {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
}

const compilers = [projectCompiler()];
if (have('clang') && !compilers.includes('clang')) compilers.push('clang');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gort-chantyped-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function compile(cc, name, source, args) {
  const file = path.join(dir, `${name}.c`);
  fs.writeFileSync(file, source);
  return spawnSync(cc, [...STRICT, `-I${INCLUDE}`, file, ...args], { encoding: 'utf8' });
}

// Each misuse: a body inside a function, and the message's subject.
const PRELUDE = `#include <stdint.h>
#include "gort.h"
struct point { int32_t x, y; };
struct other { int32_t x, y; };
void misuse(void);
void misuse(void) {
  GORT_CHAN(int64_t) c = {0};
  GORT_CHAN(struct point) pc = {0};
  (void)c; (void)pc;
`;
const MISUSES = [
  ['send_int32_on_int64', 'int32_t v = 1; GORT_CHAN_SEND(c, &v);', 'the value sent'],
  ['recv_double_from_int64', 'double v; GORT_CHAN_RECV(c, &v);', 'the variable received into'],
  ['try_send_same_size_struct', 'struct other v = {1, 2}; GORT_CHAN_TRY_SEND(pc, &v);', 'the value sent'],
  ['try_recv_pointer', 'int64_t *v = 0; bool ok; GORT_CHAN_TRY_RECV(c, &v, &ok);', 'the variable received into'],
  ['select_recv_case', 'int32_t v; gort_select_case cs[] = {GORT_SELECT_RECV_CASE(c, &v)}; (void)cs;', 'the variable received into'],
  ['select_send_case', 'uint64_t v = 1; gort_select_case cs[] = {GORT_SELECT_SEND_CASE(c, &v)}; (void)cs;', 'the value sent'],
];

const RIGHT = `#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "gort.h"

struct point { int32_t x, y; };
typedef GORT_CHAN(int64_t) chan_int64;
typedef GORT_CHAN(struct point) chan_point;

static void producer(void *arg) {
  chan_int64 c = {.ch = arg};
  for (int64_t i = 1; i <= 10; i++)
    GORT_CHAN_SEND(c, &i);
  gort_chan_close(c.ch);
}

static int body(int argc, char **argv) {
  (void)argc;
  (void)argv;
  chan_int64 c;
  chan_point pc;
  if (!GORT_CHAN_MAKE(c, 0) || !GORT_CHAN_MAKE(pc, 1))
    return 1;
  gort_go(producer, c.ch);
  int64_t v, sum = 0;
  while (GORT_CHAN_RECV(c, &v))
    sum += v;
  const struct point p = {3, 4};
  struct point q = {0, 0};
  bool ok = false;
  gort_select_case cs[] = {GORT_SELECT_SEND_CASE(pc, &p)};
  int sent = gort_select(cs, 1, false);
  bool got = GORT_CHAN_TRY_RECV(pc, &q, &ok);
  gort_select_case none[] = {GORT_SELECT_RECV_CASE(pc, &q)};
  int dflt = gort_select(none, 1, false);
  printf("typed channels: sum=%lld sent=%d got=%d ok=%d q=%d,%d default=%d\\n",
         (long long)sum, sent, got, ok, q.x, q.y, dflt == GORT_SELECT_DEFAULT);
  return 0;
}

int main(int argc, char **argv) { gort_main(body, argc, argv); }
`;

describe('typed channels', () => {
  for (const cc of compilers) {
    for (const [name, body, subject] of MISUSES) {
      test(`${path.basename(cc)}: ${name} does not compile`, () => {
        const r = compile(cc, `${path.basename(cc)}-${name}`, `${PRELUDE}  ${body}\n}\n`,
          ['-c', '-o', path.join(dir, `${name}.o`)]);
        assert.notEqual(r.status, 0, `${name} compiled:\n${r.stderr}`);
        assert.match(r.stderr, /static.?assert/i, r.stderr);
        assert.ok(r.stderr.includes(`gort: ${subject} is not of the channel element type`), r.stderr);
      });
    }

    test(`${path.basename(cc)}: the right usage compiles as strict C11 and runs`, () => {
      const lib = path.join(BUILD, 'libgort.a');
      assert.ok(fs.existsSync(lib), 'build/libgort.a is not built: run `node scripts/build.mjs --test`');
      const exe = path.join(dir, `right-${path.basename(cc)}`);
      const r = compile(cc, `right-${path.basename(cc)}`, RIGHT, [lib, '-pthread', '-lm', '-o', exe]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'warnings');
      const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 60000 });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'typed channels: sum=55 sent=0 got=1 ok=1 q=3,4 default=1');
    });
  }
});

test("every gort_err code is in errors_every_code_has_message's list", () => {
  const header = fs.readFileSync(path.join(INCLUDE, 'gort.h'), 'utf8');
  const block = header.match(/typedef enum gort_err \{([\s\S]*?)\} gort_err;/);
  assert.ok(block, 'gort.h has no typedef enum gort_err');
  const codes = [...block[1].replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/\b(GORT_\w+)\s*=/g)].map((m) => m[1]);
  assert.ok(codes.length >= 9, `only ${codes.length} codes parsed`);
  const testSrc = fs.readFileSync(path.join(REPO, 'tests/native/test-chantyped.c'), 'utf8');
  const list = testSrc.match(/#define GORT_ERR_CODES\(X\)([\s\S]*?)\n\n/);
  assert.ok(list, 'test-chantyped.c has no GORT_ERR_CODES list');
  const listed = [...list[1].matchAll(/X\((GORT_\w+)\)/g)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), [...codes].sort());
});
