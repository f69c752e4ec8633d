// bench/lib/build.mjs - brings everything the suite runs up to date:
// installs what is missing (scripts/setup.mjs: wasm and bench groups), then
// gort native + wasm (scripts/build.mjs), the Go twin (bench/go/build.sh)
// and the C peers (make -C bench/peers). Every step is incremental. Build
// output goes to stderr so stdout stays the table.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensure, REPO } from '../../scripts/setup.mjs';

export class BuildError extends Error {}

export const STEPS = [
  { name: 'gort native + wasm', gort: true, cmd: process.execPath, args: ['scripts/build.mjs'] },
  { name: 'Go twin', cmd: 'sh', args: ['bench/go/build.sh'] },
  { name: 'C peers', cmd: 'make', args: ['-s', '-C', 'bench/peers', `OUT=${path.join(REPO, 'build/bench')}`] },
];

function runStep(step) {
  const r = spawnSync(step.cmd, step.args, { cwd: REPO, stdio: ['ignore', 2, 2] });
  const shown = [step.cmd === process.execPath ? 'node' : step.cmd, ...step.args].join(' ');
  if (r.error) throw new BuildError(`bench: building ${step.name} failed: ${r.error.message}`);
  if (r.status !== 0) {
    throw new BuildError(`bench: building ${step.name} failed (\`${shown}\`: exit ${r.status ?? r.signal});`
      + ' --no-build-gort runs gort as built (--no-build: everything)');
  }
}

// Returns the seconds it took. gort: false skips gort's own build.
export async function buildAll(log, { gort = true } = {}) {
  const t0 = Date.now();
  await ensure({ wasm: true, bench: true, log });
  for (const step of STEPS.filter((s) => gort || !s.gort)) {
    log(`bench: building ${step.name}`);
    runStep(step);
  }
  return (Date.now() - t0) / 1000;
}
