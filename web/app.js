// web/app.js — the demo page's logic: pick a workload, run it on the wasm build, show the result.
//
// Rules:
//  - Plain ES module; its one dependency is uPlot, for the plots (live.js).
//    The page thread never runs wasm: every
//    gort invocation (`list`, `run W --n N --json`) gets its own dedicated
//    worker (worker.js), which loads dist/gort.js (the gort CLI built with
//    Emscripten, -pthread -sPROXY_TO_PTHREAD -sMODULARIZE, factory createGort)
//    and is terminated when the program exits.
//  - Run arguments: `run W --n N [--procs P] --json` (Procs empty = the build's default).
//  - The workload list comes from the wasm build's own `gort list --json` (the one
//    workload table, workloads/registry.c); there is no list of its own here, so
//    when that fails the page says so and Run stays off. Picking a workload
//    proposes its page_n from the table (a size that finishes in seconds on wasm),
//    else the field's default; a workload that does not run on wasm is listed
//    disabled, with the table's reason.
//  - The threaded build needs cross-origin isolation (SharedArrayBuffer);
//    without it, or without web/dist/gort.js, the page says so and Run stays off.
//  - Live plots (web/live.js): the worker hands over the wasm memory and the
//    sample layout ('sampler' message) before main runs; the plots read the
//    samples from that memory until the run ends. `gort list` runs get no plots.
//    live.js (and uPlot) is imported dynamically: without it (no `npm install`)
//    the page still runs workloads and says why it has no plots.
//  - Test hooks: window.__ticks (page-thread setInterval counter),
//    window.__lastRun ({ok, json, result, ticks, maxGapMs, ...}),
//    window.__live (web/live.js),
//    #result[data-state] = idle | running | done | error | stopped.

// The workload table from `gort list --json`: name -> entry (docs/WORKLOADS.md).
let table = new Map();
const DIST_URL = new URL('./dist/', import.meta.url).href;
const WORKER_URL = new URL('./worker.js', import.meta.url);
const TICK_MS = 10;

const $ = (id) => document.getElementById(id);
const ui = {
  coi: $('coi'), sab: $('sab'), heartbeat: $('heartbeat'), error: $('error'),
  form: $('controls'), workload: $('workload'), n: $('n'), procs: $('procs'), run: $('run'), stop: $('stop'),
  state: $('state'), result: $('result'), raw: $('raw'), rows: $('rows'), log: $('log'),
  liveNote: $('live-note'),
};

let live = null;
try {
  const { createLive } = await import('./live.js');
  live = createLive({ runq: $('plot-runq'), gs: $('plot-gs'), ms: $('plot-ms'), rates: $('plot-rates') });
} catch (err) {
  ui.liveNote.textContent = `No live plots: ${err.message}. uPlot comes from npm: run \`npm install\` (or \`npm run demo\`).`;
}

// ---- page-thread heartbeat: proves the page stays responsive during a run ----
window.__ticks = 0;
let lastTick = performance.now();
let maxGap = 0;
setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - lastTick);
  lastTick = now;
  window.__ticks++;
}, TICK_MS);
const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
function drawHeartbeat() {
  ui.heartbeat.textContent = `page thread: ${spinner[Math.floor(window.__ticks / 8) % spinner.length]} ${window.__ticks} ticks`;
  requestAnimationFrame(drawHeartbeat);
}
requestAnimationFrame(drawHeartbeat);

// ---- status ----
const isolated = globalThis.crossOriginIsolated === true;
const hasSAB = typeof SharedArrayBuffer === 'function';
ui.coi.textContent = `crossOriginIsolated: ${isolated}`;
ui.coi.className = isolated ? 'ok' : 'bad';
ui.sab.textContent = `SharedArrayBuffer: ${hasSAB ? 'yes' : 'no'}`;
ui.sab.className = hasSAB ? 'ok' : 'bad';

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

function appendLog(line, cls) {
  const span = document.createElement('span');
  if (cls) span.className = cls;
  span.textContent = line + '\n';
  ui.log.append(span);
}

// ---- running gort in a worker ----
let current = null; // { worker, reject }

// Runs `gort ...args` in a fresh worker. Resolves {code, stdout, stderr};
// rejects with an Error whose .kind is 'missing' | 'abort' | 'crash' | 'stopped'.
export function runGort(args, { onLine, onSampler } = {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { name: `gort ${args.join(' ')}` });
    const stdout = [];
    const stderr = [];
    const done = (fn, value) => {
      if (onSampler) live?.stop();
      worker.terminate();
      if (current && current.worker === worker) current = null;
      fn(value);
    };
    const fail = (kind, message) => {
      const err = new Error(message);
      err.kind = kind;
      err.stdout = stdout;
      err.stderr = stderr;
      done(reject, err);
    };
    current = { worker, stop: () => fail('stopped', 'stopped by user') };
    worker.onmessage = ({ data }) => {
      switch (data.type) {
        case 'stdout': stdout.push(data.line); onLine?.(data.line, 'stdout'); break;
        case 'stderr': stderr.push(data.line); onLine?.(data.line, 'stderr'); break;
        case 'sampler': onSampler?.(data); break;
        case 'exit': done(resolve, { code: data.code, stdout, stderr }); break;
        case 'error': fail(data.kind, data.message); break;
      }
    };
    worker.onerror = (ev) => { ev.preventDefault(); fail('crash', ev.message || 'worker failed to start'); };
    worker.postMessage({ args, distUrl: DIST_URL });
  });
}

async function buildPresent() {
  try {
    const res = await fetch(DIST_URL + 'gort.js', { method: 'HEAD', cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

// Parses the lines `gort list --json` printed into the table (a Map).
export function parseTable(lines) {
  const doc = JSON.parse(lines.join('\n'));
  if (!Array.isArray(doc?.workloads)) throw new Error('no "workloads" array');
  return new Map(doc.workloads.filter((w) => typeof w?.name === 'string').map((w) => [w.name, w]));
}

function fillWorkloads() {
  const keep = ui.workload.value;
  ui.workload.replaceChildren(...[...table.values()].map((w) => {
    const o = new Option(w.name, w.name);
    o.title = w.summary ?? '';
    if (w.wasm?.runs === false) {
      o.disabled = true;
      o.textContent = `${w.name} (not on wasm: ${w.wasm.why})`;
    }
    return o;
  }));
  if (table.get(keep)?.wasm?.runs !== false && table.has(keep)) ui.workload.value = keep;
  else if (table.has('spawn')) ui.workload.value = 'spawn';
  proposeN();
}

function proposeN() {
  ui.n.value = String(table.get(ui.workload.value)?.page_n ?? ui.n.defaultValue);
}

function setState(state, text) {
  ui.result.dataset.state = state;
  ui.state.textContent = text ?? '';
  ui.state.className = `state ${state}`;
}

function fmtBytes(b) {
  if (typeof b !== 'number' || !(b > 0)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function fmtNum(x, digits) {
  if (typeof x !== 'number') return x == null ? '—' : String(x);
  return digits == null ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function addRow(r, ticks) {
  const tr = document.createElement('tr');
  const cells = [r.workload, fmtNum(r.n), fmtNum(r.procs), fmtNum(r.wall_ms, 1), fmtNum(r.ns_per_op, 1),
    fmtNum(r.result), fmtBytes(r.rss_peak_bytes), fmtNum(ticks)];
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.append(td);
  }
  ui.rows.prepend(tr);
  while (ui.rows.children.length > 20) ui.rows.lastElementChild.remove();
}

async function onRun(ev) {
  ev.preventDefault();
  if (current) return;
  const workload = ui.workload.value;
  const n = Math.floor(Number(ui.n.value));
  if (!workload) return showError('no workload selected');
  if (!Number.isFinite(n) || n < 1) return showError('N must be a whole number ≥ 1');
  const procsText = ui.procs.value.trim();
  const procs = Math.floor(Number(procsText));
  if (procsText && (!Number.isFinite(procs) || procs < 1)) return showError('Procs must be empty (default) or a whole number ≥ 1');
  showError('');
  const args = ['run', workload, '--n', String(n), ...(procsText ? ['--procs', String(procs)] : []), '--json'];
  ui.run.disabled = true;
  ui.stop.disabled = false;
  ui.raw.textContent = '…';
  ui.log.replaceChildren();
  appendLog(`$ gort ${args.join(' ')}`, 'cmd');
  setState('running', `running ${workload}…`);
  const ticks0 = window.__ticks;
  maxGap = 0;
  lastTick = performance.now();
  const t0 = performance.now();
  const run = { ok: false, args, json: null, result: null, ticks: 0, maxGapMs: 0, ms: 0 };
  window.__lastRun = run;
  try {
    const onSampler = (msg) => {
      if (!live) return;
      if (msg.error) {
        ui.liveNote.textContent = `No live plots for this run: ${msg.error}`;
        return;
      }
      ui.liveNote.textContent = `${workload}: sampled by sysmon every 10 ms, read by this page 20 times a second.`;
      live.start(msg.buffer, msg.layout);
    };
    const { code, stdout } = await runGort(args, { onLine: (l, s) => appendLog(l, s), onSampler });
    run.ms = performance.now() - t0;
    run.ticks = window.__ticks - ticks0;
    run.maxGapMs = maxGap;
    const line = [...stdout].reverse().find((l) => l.trim().startsWith('{'));
    if (code !== 0) throw Object.assign(new Error(`gort exited with status ${code}`), { kind: 'exit' });
    if (!line) throw Object.assign(new Error('gort printed no JSON result line'), { kind: 'exit' });
    run.json = line.trim();
    run.result = JSON.parse(run.json);
    run.ok = true;
    ui.raw.textContent = run.json;
    addRow(run.result, run.ticks);
    setState('done', `done in ${fmtNum(run.ms, 0)} ms (page ticked ${run.ticks}×, longest gap ${fmtNum(run.maxGapMs, 0)} ms)`);
  } catch (err) {
    run.ticks = window.__ticks - ticks0;
    run.maxGapMs = maxGap;
    run.error = err.message;
    ui.raw.textContent = '—';
    if (err.kind === 'stopped') {
      appendLog('stopped', 'cmd');
      setState('stopped', 'stopped');
    } else {
      showError(err.kind === 'missing' ? missingText() : `${workload} failed: ${err.message}`);
      setState('error', 'failed');
      document.getElementById('logbox').open = true;
    }
  } finally {
    ui.run.disabled = false;
    ui.stop.disabled = true;
  }
}

function missingText() {
  return 'The wasm build is missing (web/dist/gort.js): run `npm run demo` to build it and serve this page.';
}

async function init() {
  ui.form.addEventListener('submit', onRun);
  ui.stop.addEventListener('click', () => current?.stop());
  ui.workload.addEventListener('change', proposeN);

  if (!isolated || !hasSAB) {
    showError('This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the threaded wasm build cannot run. '
      + 'Serve it with `node web/server.mjs` (or `npm run demo`), which sends the COOP/COEP headers, and open it via http://127.0.0.1.');
    setState('error', 'not isolated');
    return;
  }
  if (!(await buildPresent())) {
    showError(missingText());
    setState('error', 'no build');
    return;
  }
  setState('idle', 'loading workloads…');
  try {
    const { code, stdout, stderr } = await runGort(['list', '--json']);
    if (code !== 0) throw new Error(`exit status ${code}: ${stderr.join(' ')}`);
    table = parseTable(stdout);
    if (!table.size) throw new Error('it lists no workload');
    fillWorkloads();
    setState('idle', '');
  } catch (err) {
    if (err.kind === 'missing') {
      showError(missingText());
      setState('error', 'no build');
      return;
    }
    showError(`gort list --json failed, so the page has no workloads to offer: ${err.message}`);
    setState('error', 'no workloads');
    return;
  }
  ui.run.disabled = false;
  document.documentElement.dataset.ready = 'true';
}

init();
