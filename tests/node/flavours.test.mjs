// flavours.test.mjs - every C test case of tests/native/test-list.h on
// every build flavour that has a suite (CMakePresets.json and
// tests/wasm-spike/CMakePresets.json, read through scripts/presets.mjs),
// each flavour reporting as its own suite and each case through CTest in
// its own process: native (build/), ASan+UBSan, TSan, the ucontext
// backend, arm64 under qemu-user, wasm under Node, and the wasm spike.
// What each flavour is and why it leaves any case out is in its preset
// (description, vendor.gort.exclude), and any environment its cases run
// with (vendor.gort.env). A flavour whose needs are missing
// (vendor.gort.needs) skips; a flavour that should be built and is not
// fails (lib/ctest.mjs).
//
// GORT_FLAVOURS=release,asan runs only the named flavours (a developer's
// shortcut; npm test runs them all).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { hasNeeds, loadFlavours, PRESET_FILES, REPO } from '../../scripts/presets.mjs';
import { ctestSuite } from './lib/ctest.mjs';

const only = process.env.GORT_FLAVOURS ? new Set(process.env.GORT_FLAVOURS.split(',')) : null;

// CMake itself reads the preset files (their version is one this cmake
// knows) and lists the flavours scripts/presets.mjs gives, each with its
// own build directory.
describe('CMakePresets.json', () => {
  test('cmake lists the flavours presets.mjs reads, each in its own directory', () => {
    const flavours = loadFlavours();
    const listed = [];
    for (const rel of PRESET_FILES) {
      const r = spawnSync('cmake', ['--list-presets'], { cwd: path.dirname(path.join(REPO, rel)), encoding: 'utf8' });
      assert.equal(r.status, 0, `cmake --list-presets for ${rel}:\n${r.stderr}`);
      listed.push(...[...r.stdout.matchAll(/^\s+"([^"]+)"/gm)].map((m) => m[1]));
    }
    assert.deepEqual(listed, flavours.map((f) => f.name));
    const dirs = flavours.map((f) => f.binaryDir);
    assert.equal(new Set(dirs).size, dirs.length, `two flavours share a directory: ${dirs}`);
    for (const f of flavours) assert.match(f.binaryDir, /^build(-[a-z0-9-]+)?$/, `${f.name}: ${f.binaryDir}`);
  });

  test('every excluded case exists and says why', () => {
    const list = fs.readFileSync(path.join(REPO, 'tests/native/test-list.h'), 'utf8');
    const cases = new Set([...list.matchAll(/^X\((\w+),/gm)].map((m) => m[1]));
    for (const f of loadFlavours()) {
      for (const [name, why] of Object.entries(f.exclude)) {
        assert.ok(cases.has(name), `${f.name} excludes ${name}, which tests/native/test-list.h does not have`);
        assert.ok(typeof why === 'string' && why.length > 10, `${f.name}: ${name} excluded without a reason`);
      }
    }
  });
});

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const f of loadFlavours().filter((x) => x.suite && (!only || only.has(x.name)))) {
  if (!hasNeeds(f)) {
    describe(f.suite, () => test(`${f.binaryDir}/`, { skip: `${f.needs} not installed` }, () => {}));
    continue;
  }
  const names = Object.keys(f.exclude);
  const exclude = names.length ? new RegExp(`^(${names.map(escape).join('|')})$`) : null;
  ctestSuite(f.suite, f.binaryDir, { exclude, env: f.env });
}
