#!/usr/bin/env node
// bench/run.mjs - gort's benchmark suite (`npm run bench`): gort side by
// side with the Go twin (bench/go), the C peers (bench/peers: Boehm GC,
// mimalloc, glibc malloc) and gort's wasm build under Node, on the named
// workloads of docs/WORKLOADS.md.
//
//   node bench/run.mjs [WORKLOAD...] [--runs N] [--quick] [--out FILE] ...
//   node bench/run.mjs --gc-scaling [--quick] ...   (gc_pause at 3 live heaps)
//   (node bench/run.mjs --help for every option)
//
// Steps: install what is missing and build everything (bench/lib/build.mjs);
// ask each implementation which workloads it has, and gort for the
// workload table (`gort list --json`: sizes, figures); plan runs and N and fit
// the estimate into 15 minutes (plan.mjs); per workload run the
// implementations interleaved, warm-up first (runner.mjs); take medians and
// ratios against bench/targets.json (results.mjs); print the report
// (report.mjs) and write bench/results/latest.json and the numbers section
// of docs/PERFORMANCE.md (outputs.mjs). docs/PERFORMANCE.md explains the
// method and every column. --gc-scaling runs bench/lib/scaling.mjs's plan
// instead (gc_pause at several live heaps) with the same builds, machine
// record and outputs, into its own file and docs section.
//
// Exit status: 0 when every run worked (targets missed or not), 1 when a
// run failed or the suite could not run, 2 on a usage error. Go's js/wasm
// port is a yardstick, not a thing under test: its failures (it runs out
// of memory holding a million goroutines) are reported, not an exit 1.

import fs from 'node:fs';
import path from 'node:path';
import { REPO, SetupError } from '../scripts/setup.mjs';
import { BuildError, buildAll } from './lib/build.mjs';
import { loadTargets } from './lib/figures.mjs';
import { IMPLS, listWorkloads } from './lib/impls.mjs';
import { gitState, loadAverage, machineInfo, versions } from './lib/machine.mjs';
import { parseOptions, RESULTS_DIR, UsageError, USAGE } from './lib/options.mjs';
import { updateDoc, writeJson } from './lib/outputs.mjs';
import { historyFrom, makePlan } from './lib/plan.mjs';
import { duration, loadText, machineLine, renderReport } from './lib/report.mjs';
import { summarizeWorkload } from './lib/results.mjs';
import { runWorkload } from './lib/runner.mjs';
import {
  planScaling, renderScaling, runScaling, SCALING_BEGIN, SCALING_END, scalingHistory, summarizeScaling,
} from './lib/scaling.mjs';
import { readWorkloadTable } from './lib/workloads.mjs';

const DOC = path.join(REPO, 'docs/PERFORMANCE.md');
const LATEST = path.join(RESULTS_DIR, 'latest.json');
const log = (m) => console.error(m);

// The settings of the environment that change what gort (or Go) measures:
// recorded with the results and named in the report.
const ENV_KEYS = ['GORT_GC', 'GORT_DEBUG', 'GOGC', 'GODEBUG'];
const settingsEnv = () => Object.fromEntries(ENV_KEYS.filter((k) => process.env[k] != null).map((k) => [k, process.env[k]]));

// The fields every results file starts with: what ran, when, for how long.
function runHeader(schema, argv, started, finished, build_s, quick) {
  return {
    schema,
    command: commandLine(argv),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_s: Math.round((finished - started) / 100) / 10,
    build_s: Math.round(build_s * 10) / 10,
    quick,
  };
}

function commandLine(argv) {
  const via = process.env.npm_lifecycle_event === 'bench';
  const args = argv.join(' ');
  if (via) return args ? `npm run bench -- ${args}` : 'npm run bench';
  return `node bench/run.mjs${args ? ` ${args}` : ''}`;
}

// The Go twin's workloads (WORKLOADS.md order), then any only gort has;
// or the asked ones, checked.
function chooseWorkloads(asked, lists) {
  const all = [...new Set([...(lists.go || []), ...(lists.gort || [])])];
  const unknown = asked.filter((w) => !all.includes(w));
  if (unknown.length) throw new UsageError(`unknown workload ${unknown.join(', ')} (known: ${all.join(' ')})`);
  return asked.length ? [...new Set(asked)] : all;
}

function listAll() {
  const lists = Object.fromEntries(Object.values(IMPLS).map((i) => [i.id, listWorkloads(i)]));
  if (!lists.go) throw new Error(`the Go twin (${IMPLS.go.file}) is not built: run bench/go/build.sh`);
  for (const [id, l] of Object.entries(lists)) {
    if (l) continue;
    const why = IMPLS[id].needs && !IMPLS[id].needs() ? `cannot run (${IMPLS[id].label} needs Go's wasm_exec.js: not found)` : 'is not built';
    log(`bench: ${id} (${IMPLS[id].file}) ${why}; its rows say missing`);
  }
  return lists;
}

const shortPath = (f) => (f.startsWith(REPO + path.sep) ? path.relative(REPO, f) : f);
const minutes = (s) => `${(s / 60).toFixed(1)} min`;

async function prepare(opts) {
  const build_s = opts.build ? await buildAll(log, { gort: opts.buildGort }) : 0;
  const lists = listAll();
  // Each workload's sizes, wasm support and figure (workloads/registry.c).
  const table = (lists.gort && readWorkloadTable(IMPLS.gort)) || (lists.wasm && readWorkloadTable(IMPLS.wasm)) || null;
  if (!table) log('bench: no workload table (gort list --json): default sizes and ns_per_op everywhere');
  const plan = makePlan(chooseWorkloads(opts.workloads, lists), lists, opts, historyFrom(LATEST), table);
  log(`bench: ${plan.workloads.length} workloads, estimated ${minutes(plan.est_s)} of runs (budget ${minutes(plan.budget_s)})`
    + (plan.lowered.length ? `; runs lowered to fit for ${plan.lowered.join(', ')}` : ''));
  return { build_s, plan };
}

function measure(plan, opts) {
  const targets = loadTargets();
  return plan.workloads.map((w) => summarizeWorkload(w, runWorkload(w, { procs: opts.procs, log }), targets));
}

function publish(doc, opts) {
  doc.report = renderReport(doc);
  writeJson(opts.out, doc);
  console.log(doc.report);
  if (opts.docs) updateDoc(DOC, doc.report);
  log(`bench: wrote ${shortPath(opts.out)}${opts.docs ? ` and ${shortPath(DOC)}` : ''} (${minutes(doc.duration_s)})`);
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
}

// --gc-scaling: gc_pause at GC_SCALING's sizes (bench/lib/scaling.mjs).
async function gcScaling(opts, argv, started) {
  const build_s = opts.build ? await buildAll(log, { gort: opts.buildGort }) : 0;
  const lists = listAll();
  const plan = planScaling(lists, opts, scalingHistory(readJson(path.join(RESULTS_DIR, 'gc-scaling.json'))));
  log(`bench: gc-scaling: gc_pause at ${plan.sizes.join(', ')} live objects on ${plan.impls.join(', ')}, `
    + `${plan.runs} runs after ${plan.warmup} warm-up, estimated ${minutes(plan.est_s)}`);
  const where = { machine: machineInfo(), versions: versions(), git: gitState() };
  const loadStart = loadAverage();
  const scaling = summarizeScaling(plan, runScaling(plan, { procs: opts.procs, log }), loadTargets());
  const finished = new Date();
  const doc = {
    ...runHeader('gort-bench-gc-scaling/1', argv, started, finished, build_s, opts.quick),
    options: { runs: plan.runs, warmup: plan.warmup, procs: opts.procs },
    env: settingsEnv(),
    ...where,
    load: { start: loadStart, end: loadAverage() },
    plan: { est_s: plan.est_s },
    scaling,
  };
  const envText = Object.entries(doc.env).map(([k, v]) => `${k}=${v}`).join(' ');
  const header = [
    `${doc.finished_at.slice(0, 16).replace('T', ' ')} UTC · commit ${doc.git.commit}${doc.git.dirty ? ' (uncommitted changes)' : ''} · \`${doc.command}\``,
    '',
    machineLine(doc.machine, doc.versions),
    '',
    `Method: ${doc.quick ? 'QUICK run (tiny sizes, one run, no warm-up): proves the mode works, not a measurement; '
      : `${plan.runs} measured runs after ${plan.warmup} warm-up of every (implementation, size), `}`
      + `interleaved (each round: every size smallest first, gort, Go, Boehm, wasm at each); `
      + `GORT_MAXPROCS = GOMAXPROCS = --procs = ${opts.procs}; medians; environment: ${envText || 'defaults'}. `
      + `Took ${duration(doc.duration_s)} (estimated ${duration(plan.est_s)} of runs). ${loadText(doc)}`,
  ];
  doc.report = renderScaling(doc, header);
  writeJson(opts.out, doc);
  console.log(doc.report);
  if (opts.docs) updateDoc(DOC, doc.report, SCALING_BEGIN, SCALING_END);
  log(`bench: wrote ${shortPath(opts.out)}${opts.docs ? ` and ${shortPath(DOC)}` : ''} (${minutes(doc.duration_s)})`);
  return scaling.cells.some((c) => c.status === 'failed') ? 1 : 0;
}

async function bench(argv) {
  const started = new Date();
  const opts = parseOptions(argv);
  if (opts.help) { console.log(USAGE); return 0; }
  if (opts.gcScaling) return gcScaling(opts, argv, started);
  const { build_s, plan } = await prepare(opts);
  const where = { machine: machineInfo(), versions: versions(), git: gitState() };
  const loadStart = loadAverage();
  const workloads = measure(plan, opts);
  const finished = new Date();
  publish({
    ...runHeader('gort-bench/1', argv, started, finished, build_s, opts.quick),
    options: { runs: opts.runs, warmup: opts.warmup, procs: opts.procs, workloads: opts.workloads },
    env: settingsEnv(),
    ...where,
    load: { start: loadStart, end: loadAverage() },
    plan: { est_s: plan.est_s, budget_s: plan.budget_s, lowered: plan.lowered },
    workloads,
  }, opts);
  const failed = workloads.some((w) => Object.entries(w.impls).some(([id, s]) => id !== 'go-wasm' && s.status === 'failed'));
  return failed ? 1 : 0;
}

try {
  process.exitCode = await bench(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`bench: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(e instanceof SetupError || e instanceof BuildError ? e.message : `bench: ${e.stack || e}`);
    process.exitCode = 1;
  }
}
