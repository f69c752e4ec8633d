// web/app.js — the demo page's logic: pick a workload, run it on the wasm build, show the result.
//
// Rules:
//  - Plain ES module; its one dependency is uPlot, for the plots (live.js, gc.js).
//    The page thread never runs wasm: every
//    gort invocation (`list`, `run W --n N --json`) gets its own dedicated
//    worker (worker.js), which loads dist/gort.js (the gort CLI built with
//    Emscripten, -pthread -sPROXY_TO_PTHREAD -sMODULARIZE, factory createGort)
//    and is terminated when the program exits.
//  - Run arguments: `run W --n N [--procs P] [--gogc G|off] --json` (Procs and
//    GOGC empty = the build's default; GOGC is the CLI's --gogc, shown in the
//    table from the JSON line's "gogc").
//  - Go's js/wasm port beside gort (the "compare" box): after gort's run, the
//    Go twin (bench/go, built GOOS=js GOARCH=wasm) runs the same arguments in
//    its own worker (goworker.js, Go's wasm_exec.js from the server's /go/);
//    one table row holds both, with gort's ns/op over Go's. When the server
//    says Go is not there (/go/status.json), the box is off and the note says
//    what to install; gort's runs are unaffected.
//  - The workload list comes from the wasm build's own `gort list --json` (the one
//    workload table, workloads/registry.c); there is no list of its own here, so
//    when that fails the page says so and Run stays off. Picking a workload
//    proposes its page_n from the table (a size that finishes in seconds on wasm),
//    else the field's default; a workload that does not run on wasm is listed
//    disabled, with the table's reason.
//  - The threaded build (dist/gort.js) needs cross-origin isolation
//    (SharedArrayBuffer). Without it the page shows a banner (#noiso,
//    html[data-build="single-threaded"]) and runs the single-threaded build
//    (dist/gort-st.js: one thread, Procs fixed at 1, no live plots).
//    Without the build it needs, the page says so and Run stays off.
//  - Live plots (web/live.js): the worker hands over the wasm memory and the
//    sample layout ('sampler' message) before main runs; the plots read the
//    samples from that memory until the run ends. `gort list` runs get no plots.
//    The GC panels (web/gc.js) read the GC sample and heap map the same way
//    (the 'sampler' message's gcLayout). live.js and gc.js (and uPlot) are
//    imported dynamically, after the isolation status is drawn: without them
//    (no `npm install`) the page still runs workloads and says why it has no plots.
//  - Test hooks: window.__ticks (page-thread setInterval counter),
//    window.__lastRun ({ok, json, result, ticks, maxGapMs, go: {ok, json, result, error}, ...}),
//    window.__goStatus ({ready, why}), #rows td[data-col],
//    window.__live (web/live.js), window.__gc (web/gc.js),
//    #result[data-state] = idle | running | done | error | stopped.

// The workload table from `gort list --json`: name -> entry (docs/WORKLOADS.md).
let table = new Map();
const DIST_URL = new URL('./dist/', import.meta.url).href;
const WORKER_URL = new URL('./worker.js', import.meta.url);
const GO_URL = new URL('./go/', import.meta.url).href;
const GO_WORKER_URL = new URL('./goworker.js', import.meta.url);
const TICK_MS = 10;

const $ = (id) => document.getElementById(id);
const ui = {
  coi: $('coi'), sab: $('sab'), heartbeat: $('heartbeat'), error: $('error'),
  form: $('controls'), workload: $('workload'), n: $('n'), procs: $('procs'), gogc: $('gogc'),
  goCompare: $('go-compare'), goNote: $('go-note'), run: $('run'), stop: $('stop'),
  state: $('state'), result: $('result'), raw: $('raw'), rawGo: $('raw-go'), rows: $('rows'), log: $('log'),
  liveNote: $('live-note'),
};

// ---- status ----
const isolated = globalThis.crossOriginIsolated === true;
const hasSAB = typeof SharedArrayBuffer === 'function';
// Which build runs: the threaded one (dist/gort.js) needs SharedArrayBuffer;
// without it, the single-threaded one (dist/gort-st.js: one thread,
// GOMAXPROCS 1, memory not shared with the page, so no live plots).
const BUILD = isolated && hasSAB ? 'gort' : 'gort-st';
ui.coi.textContent = `crossOriginIsolated: ${isolated}`;
ui.coi.className = isolated ? 'ok' : 'bad';
ui.sab.textContent = `SharedArrayBuffer: ${hasSAB ? 'yes' : 'no'}`;
ui.sab.className = hasSAB ? 'ok' : 'bad';

// The plots' modules (uPlot), loaded side by side after the status line
// is drawn (the page's first lines do not wait for them).
let live = null;
let gc = null;
const [liveMod, gcMod] = await Promise.allSettled([import('./live.js'), import('./gc.js')]);
try {
  if (liveMod.status === 'rejected') throw liveMod.reason;
  live = liveMod.value.createLive({ runq: $('plot-runq'), gs: $('plot-gs'), ms: $('plot-ms'), rates: $('plot-rates') });
} catch (err) {
  ui.liveNote.textContent = `No live plots: ${err.message}. uPlot comes from npm: run \`npm install\` (or \`npm run demo\`).`;
}
try {
  if (gcMod.status === 'rejected') throw gcMod.reason;
  gc = gcMod.value.createGc({
    timeline: $('plot-gc-timeline'), heap: $('plot-gc-heap'), cycles: $('plot-gc-cycles'),
    map: $('heapmap'), heapNote: $('heap-note'), tip: $('heap-tip'),
  });
} catch (err) {
  $('gc-note').textContent = `No GC panels: ${err.message}.`;
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

// ---- running gort (or Go's js/wasm port) in a worker ----
let current = null; // { worker, stop }

// Runs one program in a fresh worker (workerUrl, speaking worker.js's
// protocol) given message msg. Resolves {code, stdout, stderr}; rejects
// with an Error whose .kind is 'missing' | 'abort' | 'crash' | 'stopped'.
function runWorker(workerUrl, name, msg, { onLine, onSampler } = {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { name });
    const stdout = [];
    const stderr = [];
    const done = (fn, value) => {
      if (onSampler) { live?.stop(); gc?.stop(); }
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
    worker.postMessage(msg);
  });
}

// Runs `gort ...args` on the wasm build.
export function runGort(args, hooks) {
  return runWorker(WORKER_URL, `gort ${args.join(' ')}`, { args, distUrl: DIST_URL, build: BUILD }, hooks);
}

// Runs `gort-go ...args`, the Go twin, on Go's own js/wasm port.
export function runGoWasm(args, hooks) {
  return runWorker(GO_WORKER_URL, `gort-go ${args.join(' ')}`, { args, goUrl: GO_URL }, hooks);
}

// The JSON result line of a finished run, parsed; throws when the program
// failed or printed none.
function resultOf({ code, stdout }, who) {
  const line = [...stdout].reverse().find((l) => l.trim().startsWith('{'));
  if (code !== 0) throw Object.assign(new Error(`${who} exited with status ${code}`), { kind: 'exit' });
  if (!line) throw Object.assign(new Error(`${who} printed no JSON result line`), { kind: 'exit' });
  return { json: line.trim(), result: JSON.parse(line) };
}

async function buildPresent() {
  try {
    const res = await fetch(`${DIST_URL}${BUILD}.js`, { method: 'HEAD', cache: 'no-store' });
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

function fmtGogc(g) {
  if (typeof g !== 'number') return '—';
  return g < 0 ? 'off' : String(g);
}

// One row per run: gort's figures, and Go's js/wasm port's beside them when
// the run was compared (go: {result} or {error}); ratio = gort's ns/op
// over Go's (under 1: gort took less time per op).
function addRow(r, ticks, go) {
  const tr = document.createElement('tr');
  const g = go?.result;
  const ratio = g && r.ns_per_op > 0 && g.ns_per_op > 0 ? r.ns_per_op / g.ns_per_op : null;
  let result = fmtNum(r.result);
  if (g && g.result !== r.result) result += ` ≠ Go's ${fmtNum(g.result)}`;
  const cells = [
    ['workload', r.workload], ['n', fmtNum(r.n)], ['procs', fmtNum(r.procs)], ['gogc', fmtGogc(r.gogc)],
    ['wall', fmtNum(r.wall_ms, 1)], ['nsop', fmtNum(r.ns_per_op, 1)],
    ['go-nsop', g ? fmtNum(g.ns_per_op, 1) : (go?.error ? 'failed' : '—')],
    ['ratio', ratio == null ? '—' : `${fmtNum(ratio, 2)}×`],
    ['result', result], ['rss', fmtBytes(r.rss_peak_bytes)], ['ticks', fmtNum(ticks)],
  ];
  for (const [key, c] of cells) {
    const td = document.createElement('td');
    td.dataset.col = key;
    td.textContent = c;
    if (key === 'go-nsop' && (g || go?.error)) td.title = go.json ?? go.error;
    tr.append(td);
  }
  ui.rows.prepend(tr);
  while (ui.rows.children.length > 20) ui.rows.lastElementChild.remove();
}

// The GOGC field: '' (the build's default), 'off' or a percent 0..1000000
// (-1 is off too, as for the CLI). Returns the CLI's spelling, '' for the
// default, or null when the text is not one of these.
export function parseGogc(text) {
  const t = text.trim().toLowerCase();
  if (t === '') return '';
  if (t === 'off' || t === '-1') return 'off';
  if (!/^\d+$/.test(t) || Number(t) > 1_000_000) return null;
  return String(Number(t));
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
  const gogc = parseGogc(ui.gogc.value);
  if (gogc == null) return showError('GOGC must be empty (default), off, or a whole number from 0 to 1000000');
  showError('');
  const common = ['--n', String(n), ...(procsText ? ['--procs', String(procs)] : [])];
  const args = ['run', workload, ...common, ...(gogc ? ['--gogc', gogc] : []), '--json'];
  // The Go twin's --gogc is Go's SetGCPercent: -1 is off.
  const goArgs = ['run', workload, ...common, ...(gogc ? ['--gogc', gogc === 'off' ? '-1' : gogc] : []), '--json'];
  const compare = ui.goCompare.checked && !ui.goCompare.disabled;
  ui.run.disabled = true;
  ui.stop.disabled = false;
  ui.raw.textContent = '…';
  ui.rawGo.textContent = compare ? '(after gort’s run)' : '—';
  ui.log.replaceChildren();
  appendLog(`$ gort ${args.join(' ')}`, 'cmd');
  setState('running', `running ${workload}…`);
  const ticks0 = window.__ticks;
  maxGap = 0;
  lastTick = performance.now();
  const t0 = performance.now();
  const run = { ok: false, args, json: null, result: null, ticks: 0, maxGapMs: 0, ms: 0, go: null };
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
      if (gc && msg.gcLayout) {
        $('gc-note').textContent = `${workload}: cycles sampled by sysmon every 10 ms, the heap map every 250 ms; this page reads them without a call into wasm.`;
        gc.start(msg.buffer, msg.gcLayout);
      } else if (gc) {
        $('gc-note').textContent = `No GC panels for this run: ${msg.gcError || 'the build has no gort_wasm_gc_sample_layout'}`;
      }
    };
    const out = await runGort(args, { onLine: (l, s) => appendLog(l, s), onSampler });
    run.ms = performance.now() - t0;
    ({ json: run.json, result: run.result } = resultOf(out, 'gort'));
    ui.raw.textContent = run.json;
    if (compare) {
      // After gort's run, not beside it: the two never share the cores.
      appendLog(`$ gort-go ${goArgs.join(' ')}    (Go's js/wasm port)`, 'cmd');
      setState('running', `running ${workload} on Go's js/wasm port…`);
      run.go = { ok: false, args: goArgs };
      try {
        const goOut = await runGoWasm(goArgs, { onLine: (l, s) => appendLog(l, s) });
        Object.assign(run.go, resultOf(goOut, 'gort-go (js/wasm)'), { ok: true });
        ui.rawGo.textContent = run.go.json;
      } catch (err) {
        if (err.kind === 'stopped') throw err;
        run.go.error = err.message;
        ui.rawGo.textContent = `failed: ${err.message}`;
        document.getElementById('logbox').open = true;
      }
    }
    run.ticks = window.__ticks - ticks0;
    run.maxGapMs = maxGap;
    run.ok = true;
    addRow(run.result, run.ticks, run.go);
    const goText = run.go?.ok ? `; Go js/wasm ${fmtNum(run.go.result.wall_ms, 0)} ms` : (run.go ? '; Go js/wasm failed' : '');
    setState('done', `done in ${fmtNum(run.ms, 0)} ms${goText} (page ticked ${run.ticks}×, longest gap ${fmtNum(run.maxGapMs, 0)} ms)`);
  } catch (err) {
    run.ticks = window.__ticks - ticks0;
    run.maxGapMs = maxGap;
    run.error = err.message;
    if (!run.json) ui.raw.textContent = '—';
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

// Whether Go's js/wasm port can run here (the server's /go/status.json);
// when not, the comparison stays off and the note says what to install.
async function checkGo() {
  let st;
  try {
    const res = await fetch(GO_URL + 'status.json', { cache: 'no-store' });
    st = res.ok ? await res.json() : { ready: false, why: `the server has no /go/status.json (HTTP ${res.status}): serve the page with \`npm run demo\`.` };
  } catch (err) {
    st = { ready: false, why: `cannot ask the server (${err.message}).` };
  }
  ui.goCompare.disabled = !st.ready;
  if (!st.ready) ui.goCompare.checked = false;
  ui.goNote.textContent = st.ready
    ? 'runs the same workload and N on Go\'s own js/wasm port (one thread) after gort\'s run'
    : `Go's js/wasm port is not available: ${st.why}`;
  ui.goNote.className = st.ready ? 'note' : 'note bad';
  window.__goStatus = st;
}

function missingText() {
  return `The wasm build is missing (web/dist/${BUILD}.js): run \`npm run demo\` to build it and serve this page.`;
}

async function init() {
  ui.form.addEventListener('submit', onRun);
  ui.stop.addEventListener('click', () => current?.stop());
  ui.workload.addEventListener('change', proposeN);
  checkGo();

  if (BUILD === 'gort-st') {
    // A host without COOP/COEP: the single-threaded build, one M on one
    // thread (in this page's worker), GOMAXPROCS 1.
    const banner = $('noiso');
    banner.hidden = false;
    document.documentElement.dataset.build = 'single-threaded';
    ui.procs.value = '1';
    ui.procs.disabled = true;
    ui.procs.title = 'one thread: GOMAXPROCS is 1 in the single-threaded build';
    const why = 'in the single-threaded build: without cross-origin isolation its memory cannot be shared with this page, and it has no sysmon to sample it.';
    ui.liveNote.textContent = `No live plots ${why}`;
    $('gc-note').textContent = `No GC panels ${why}`;
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
