// scripts/presets.mjs - gort's build flavours, read from CMakePresets.json
// (the root project's) and tests/wasm-spike/CMakePresets.json (the spike is
// a project of its own). One configure preset is one flavour; its
// vendor.gort object says how the scripts treat it (docs/BUILD.md):
//
//   build    'always' (scripts/build.mjs builds it) or 'test' (only --test)
//   wasm     true: configured through emcmake; skipped by --native
//   setup    the scripts/setup.mjs group its tools come from (arm64, fuzz, wasm)
//   needs    a program it cannot be built without (clang): missing, the
//            flavour is skipped, and so are its tests
//   suite    the title its CTest cases report under (tests/node/flavours.test.mjs)
//   exclude  { case: why } cases this flavour cannot run
//   env      { VAR: value } environment its CTest cases run with
//
// scripts/build.mjs, the tests and bench/lib/impls.mjs take every build
// directory from here, so adding a flavour is one preset entry.
//
// Only what gort's presets use is resolved: inherits (first parent wins,
// the preset's own members over all), ${sourceDir} and ${presetName} in
// binaryDir.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PRESET_FILES = ['CMakePresets.json', 'tests/wasm-spike/CMakePresets.json'];

function resolve(byName, name, file, seen = new Set()) {
  const p = byName.get(name);
  if (!p) throw new Error(`${file}: no configure preset ${name}`);
  if (seen.has(name)) throw new Error(`${file}: preset ${name} inherits itself`);
  seen.add(name);
  const parents = [].concat(p.inherits ?? []).map((n) => resolve(byName, n, file, new Set(seen)));
  const merged = {};
  for (const parent of [...parents].reverse()) Object.assign(merged, parent);
  const vendor = Object.assign({}, ...[...parents].reverse().map((q) => q.vendor?.gort ?? {}), p.vendor?.gort ?? {});
  const cacheVariables = Object.assign({}, ...[...parents].reverse().map((q) => q.cacheVariables ?? {}), p.cacheVariables ?? {});
  const environment = Object.assign({}, ...[...parents].reverse().map((q) => q.environment ?? {}), p.environment ?? {});
  return { ...merged, ...p, cacheVariables, environment, vendor: { gort: vendor } };
}

// Every flavour, in file order: { name, sourceDir (absolute), binaryDir
// (relative to REPO), dir (absolute), description, cacheVariables,
// environment, build, wasm, setup, needs, suite, exclude, env }.
export function loadFlavours(files = PRESET_FILES) {
  const out = [];
  for (const rel of files) {
    const file = path.join(REPO, rel);
    const sourceDir = path.dirname(file);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    const presets = doc.configurePresets ?? [];
    const byName = new Map(presets.map((p) => [p.name, p]));
    for (const p of presets.filter((q) => !q.hidden)) {
      const r = resolve(byName, p.name, rel);
      if (!r.binaryDir) throw new Error(`${rel}: preset ${p.name} has no binaryDir`);
      const dir = path.resolve(sourceDir, r.binaryDir
        .replaceAll('${sourceDir}', sourceDir).replaceAll('${presetName}', p.name));
      const g = r.vendor.gort;
      if (!['always', 'test'].includes(g.build)) throw new Error(`${rel}: preset ${p.name}: vendor.gort.build is ${g.build}`);
      out.push({
        name: p.name, sourceDir, dir, binaryDir: path.relative(REPO, dir),
        description: r.description ?? '', cacheVariables: r.cacheVariables, environment: r.environment,
        build: g.build, wasm: g.wasm === true, setup: g.setup ?? null, needs: g.needs ?? null,
        suite: g.suite ?? null, exclude: g.exclude ?? {}, env: g.env ?? {},
      });
    }
  }
  const names = out.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`preset ${twice} is defined twice`);
  return out;
}

export function flavour(name) {
  const f = loadFlavours().find((x) => x.name === name);
  if (!f) throw new Error(`no build flavour ${name} in ${PRESET_FILES.join(' or ')}`);
  return f;
}

// The build directory of a flavour, relative to the repository root.
export const buildDir = (name) => flavour(name).binaryDir;

// Whether the program a flavour needs (vendor.gort.needs) is there.
export function hasNeeds(f) {
  return !f.needs || spawnSync(f.needs, ['--version'], { stdio: 'ignore' }).status === 0;
}

// The command that configures a flavour: [cmd, argv, cwd]. emcmake for
// wasm flavours (it adds Emscripten's toolchain file and Node as the
// emulator); cmake finds the preset in the flavour's source folder.
export function configureCommand(f) {
  const cmake = ['cmake', '--preset', f.name];
  return f.wasm ? ['emcmake', cmake, f.sourceDir] : [cmake[0], cmake.slice(1), f.sourceDir];
}
