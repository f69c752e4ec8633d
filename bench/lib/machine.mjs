// bench/lib/machine.mjs - where and with what a bench ran: CPU model,
// cores, kernel, memory, load; the versions of gcc, Go, emcc, Node and the
// peer libraries; the git commit.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { emccEnv, REPO } from '../../scripts/setup.mjs';

function firstLine(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env || process.env, cwd: REPO, timeout: 60_000 });
  if (r.status !== 0) return null;
  return (r.stdout || '').split('\n')[0].trim() || null;
}

function cpuModel() {
  try {
    const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? null;
}

const debVersion = (pkg) => firstLine('dpkg-query', ['-W', '-f=${Version}', pkg]);

export function machineInfo() {
  return {
    cpu_model: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    mem_total_bytes: os.totalmem(),
  };
}

export function versions() {
  const gcc = firstLine('gcc', ['--version']);
  const emcc = firstLine('emcc', ['--version'], emccEnv());
  return {
    gcc: gcc?.match(/(\d+\.\d+\.\d+)\s*$/)?.[1] ?? gcc,
    go: firstLine('go', ['version'])?.match(/go\d[\w.]*/)?.[0] ?? null,
    emcc: emcc?.match(/\d+\.\d+\.\d+/)?.[0] ?? emcc,
    node: process.version,
    libgc: debVersion('libgc-dev'),
    libmimalloc: debVersion('libmimalloc-dev'),
    glibc: debVersion('libc6'),
  };
}

// The 1, 5 and 15-minute load averages, rounded.
export const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

export function gitState() {
  const commit = firstLine('git', ['rev-parse', '--short=12', 'HEAD']);
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: REPO, encoding: 'utf8' }).stdout?.trim();
  return { commit, dirty: Boolean(dirty) };
}
