// bench/lib/options.mjs - the command line of bench/run.mjs.

import os from 'node:os';
import path from 'node:path';
import { REPO } from '../../scripts/setup.mjs';
import { DEFAULT_RUNS, DEFAULT_WARMUP } from './suite.mjs';

export const USAGE = `usage: node bench/run.mjs [WORKLOAD...] [options]     (npm run bench -- ...)

  WORKLOAD...    only these (default: every workload of the Go twin); a
                 subset writes bench/results/subset.json and leaves
                 docs/PERFORMANCE.md alone unless --docs
  --runs N       measured runs per implementation (default ${DEFAULT_RUNS}; lowered
                 for the slowest workloads, never below 3, when the estimate
                 would not fit 15 minutes)
  --warmup N     warm-up runs, not counted (default ${DEFAULT_WARMUP})
  --procs N      GORT_MAXPROCS = GOMAXPROCS = --procs (default: CPU count)
  --quick        1 run, no warm-up, tiny N: proves the runner works
                 (writes bench/results/quick.json, never the docs)
  --gc-scaling   instead of the suite: gc_pause at 250,000, 1,000,000 and
                 4,000,000 live objects for gort, Go, Boehm and wasm (3 runs
                 after 1 warm-up by default, ~10 min), max / p50 pause and
                 wall per size, the max pause's growth and issue 12's checks;
                 writes bench/results/gc-scaling.json and its section of
                 docs/PERFORMANCE.md (with --quick: tiny sizes, once,
                 gc-scaling-quick.json, never the docs)
  --out FILE     results JSON (default bench/results/latest.json)
  --no-docs      do not rewrite the numbers section of docs/PERFORMANCE.md
  --docs         rewrite it even for a subset
  --no-build     use the binaries as they are (no builds, no installs)
  --no-build-gort  build only the Go twin and the C peers (npm test has
                 built gort already)
  -h, --help     this text`;

export class UsageError extends Error {}

function positiveInt(flag, v, min) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} needs an integer >= ${min}, got ${v ?? 'nothing'}`);
  return n;
}

export function parseOptions(argv) {
  const o = {
    workloads: [], runs: DEFAULT_RUNS, runsGiven: false, warmup: DEFAULT_WARMUP,
    procs: os.availableParallelism?.() ?? os.cpus().length,
    quick: false, gcScaling: false, out: null, docs: null, build: true, buildGort: true, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s) : [argv[i]];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--runs': o.runs = positiveInt(flag, value(), 1); o.runsGiven = true; break;
      case '--warmup': o.warmup = positiveInt(flag, value(), 0); break;
      case '--procs': o.procs = positiveInt(flag, value(), 1); break;
      case '--quick': o.quick = true; break;
      case '--gc-scaling': o.gcScaling = true; break;
      case '--out': {
        const file = value();
        if (!file) throw new UsageError('--out needs a file name');
        o.out = path.resolve(file);
        break;
      }
      case '--no-docs': o.docs = false; break;
      case '--docs': o.docs = true; break;
      case '--no-build': o.build = false; break;
      case '--no-build-gort': o.buildGort = false; break;
      case '-h': case '--help': o.help = true; break;
      default:
        if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
        o.workloads.push(flag);
    }
  }
  return applyDefaults(o);
}

export const RESULTS_DIR = path.join(REPO, 'bench/results');

// The defaults that depend on other options: --quick is one run without
// warm-up and never writes the docs or latest.json; a subset writes
// subset.json and not the docs (unless --docs); the whole suite writes
// latest.json and the docs. --gc-scaling takes no workload (or gc_pause)
// and writes gc-scaling.json and its docs section unless quick.
function applyDefaults(o) {
  if (o.gcScaling) {
    if (o.workloads.some((w) => w !== 'gc_pause')) {
      throw new UsageError(`--gc-scaling runs gc_pause only, not ${o.workloads.filter((w) => w !== 'gc_pause').join(', ')}`);
    }
    o.workloads = [];
    if (o.quick) { o.warmup = 0; o.docs = false; }
    o.docs ??= true;
    o.out ??= path.join(RESULTS_DIR, o.quick ? 'gc-scaling-quick.json' : 'gc-scaling.json');
    return o;
  }
  const subset = o.workloads.length > 0;
  if (o.quick) {
    if (!o.runsGiven) o.runs = 1;
    o.warmup = 0;
    o.docs = false;
  }
  o.docs ??= !subset;
  o.out ??= path.join(RESULTS_DIR, o.quick ? 'quick.json' : subset ? 'subset.json' : 'latest.json');
  return o;
}
