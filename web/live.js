// web/live.js — the page's live plots of gort's scheduler (uPlot), fed by web/sample.js.
//
// Rules:
//  - The page thread only reads shared memory and draws: a timer reads the
//    latest sample every POLL_MS (20 Hz); a new one is appended and the
//    plots are redrawn in the next animation frames. No wasm call, no
//    message per sample.
//  - Counters (steals, hand-offs, switches) become rates between two
//    samples the page read: their difference over the difference of time_ns;
//    the first from the run's start, where every counter is 0.
//  - One run's series at a time, the last WINDOW points of it; start()
//    clears them; the run-queue chart gets one series per P of the run.
//  - Charts take their container's width and follow it (ResizeObserver), so
//    they fit a phone.
//  - No task over 50 ms on the page thread: the four charts are made once, as
//    the page loads, one per task (one costs tens of ms on a busy machine); a
//    run only adds or removes P series; an animation frame redraws one chart
//    (one setData of at most WINDOW points).
//  - Test hook: window.__live = { samples, nprocs, perP, maxRate, notLater
//    (samples dated no later than the one before: none, with one clock on
//    every thread), polls, empty (polls that got no sample: none yet, or
//    sysmon writing through every try), same (polls that found the sample
//    already read), last }.

import uPlot from './vendor/uplot/uPlot.esm.js';
import { makeSampleReader } from './sample.js';

const POLL_MS = 50;
const WINDOW = 1200; // points kept: a minute at 20 Hz
const HEIGHT = 200;
const P_COLORS = ['#00add8', '#ce3262', '#5dc9e2', '#fdd00e', '#8a2be2', '#2e8b57', '#ff7f50', '#4682b4'];
const pColor = (i) => P_COLORS[i % P_COLORS.length];

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

function axis(label, extra = {}) {
  return { label, stroke: css('--muted'), grid: { stroke: css('--border'), width: 1 }, ticks: { stroke: css('--border') }, ...extra };
}

const timeAxis = () => axis('time since start (s)', { values: (u, ticks) => ticks.map((t) => t.toFixed(1)) });

const count = (u, v) => (v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 0 }));

function pSeries(i) {
  return { label: `P${i}`, stroke: pColor(i), width: 1.5, scale: 'local', value: count };
}

// The charts: each a list of series after x (time in s), its axes and scales.
// The run-queue chart's per-P series come last, added and removed as a run's
// GOMAXPROCS asks (pSeries).
function chartDefs() {
  const stepped = uPlot.paths.stepped({ align: 1 });
  return {
    runq: {
      series: [
        { label: 'global', stroke: css('--fg'), width: 2, dash: [6, 4], scale: 'global', value: count },
        { label: 'runnext held (Ps)', stroke: '#999', width: 1, scale: 'local', paths: stepped, value: count },
      ],
      axes: [timeAxis(), axis("Gs in a P's ring", { scale: 'local', size: 60 }), axis('global queue (Gs)', { scale: 'global', side: 1, grid: { show: false }, size: 70 })],
      scales: { local: { range: (u, min, max) => [0, Math.max(4, max)] }, global: { range: (u, min, max) => [0, Math.max(4, max)] } },
    },
    gs: {
      series: [{ label: 'goroutines alive', stroke: '#00add8', width: 2, fill: 'rgba(0,173,216,0.12)', value: count }],
      axes: [timeAxis(), axis('goroutines (Gs)', { size: 70 })],
      scales: { y: { range: (u, min, max) => [0, Math.max(4, max)] } },
    },
    ms: {
      series: [
        { label: 'Ms running', stroke: '#1a7f37', width: 2 },
        { label: 'Ms spinning', stroke: '#fdb10e', width: 2 },
        { label: 'Ms idle', stroke: '#999', width: 1.5 },
        { label: 'Ps idle', stroke: '#ce3262', width: 1.5, dash: [5, 3] },
      ].map((x) => ({ ...x, paths: stepped, value: count })),
      axes: [timeAxis(), axis('Ms (threads), Ps', { size: 50 })],
      scales: { y: { range: (u, min, max) => [0, Math.max(2, max + 1)] } },
    },
    rates: {
      series: [
        { label: 'switches/s', stroke: '#00add8', width: 2, scale: 'sw', value: count },
        { label: 'steals/s', stroke: '#ce3262', width: 2, scale: 'ev', value: count },
        { label: 'hand-offs/s', stroke: '#8a2be2', width: 1.5, scale: 'ev', value: count },
      ],
      axes: [timeAxis(), axis('switches / s', { scale: 'sw', size: 80 }), axis('steals, hand-offs / s', { scale: 'ev', side: 1, grid: { show: false }, size: 70 })],
      scales: { sw: { range: (u, min, max) => [0, Math.max(10, max)] }, ev: { range: (u, min, max) => [0, Math.max(10, max)] } },
    },
  };
}

// els: { runq, gs, ms, rates } container elements.
export function createLive(els) {
  const defs = chartDefs();
  const charts = {};
  const dirty = new Set();
  let reader = null;
  let timer = 0;
  let frame = 0;
  let prev = null;
  let nprocs = 0;
  const empty = (k) => [[], ...defs[k].series.map(() => []), ...(k === 'runq' ? Array.from({ length: nprocs }, () => []) : [])];
  let data = Object.fromEntries(Object.keys(defs).map((k) => [k, empty(k)]));
  const stats = { samples: 0, nprocs: 0, perP: [], maxRate: { steals: 0, handoffs: 0, switches: 0 }, notLater: 0, polls: 0, empty: 0, same: 0, last: null };
  window.__live = stats;

  const width = (el) => Math.max(260, el.clientWidth);
  const ro = new ResizeObserver(() => {
    for (const [k, c] of Object.entries(charts)) c.setSize({ width: width(els[k]), height: HEIGHT });
  });
  for (const el of Object.values(els)) ro.observe(el);

  // The charts, one per task (each costs tens of ms), made once.
  const pending = Object.keys(defs);
  const makeNext = () => {
    const k = pending.shift();
    if (!k) return;
    const d = defs[k];
    const extra = k === 'runq' ? Array.from({ length: nprocs }, (_, i) => pSeries(i)) : [];
    els[k].replaceChildren();
    charts[k] = new uPlot({
      width: width(els[k]), height: HEIGHT,
      series: [{ label: 'time (s)', value: (u, v) => (v == null ? '—' : `${v.toFixed(2)} s`) }, ...d.series, ...extra],
      axes: d.axes, scales: { x: { time: false }, ...d.scales },
      legend: { live: true }, cursor: { drag: { x: false, y: false } },
    }, data[k], els[k]);
    setTimeout(makeNext, 0);
  };
  setTimeout(makeNext, 0);

  // A run with n Ps: the run-queue chart gets one series per P.
  function setProcs(n) {
    const c = charts.runq;
    if (c) {
      const first = 1 + defs.runq.series.length;
      while (c.series.length - first > n) c.delSeries(c.series.length - 1);
      while (c.series.length - first < n) c.addSeries(pSeries(c.series.length - first));
    }
    nprocs = n;
    data = Object.fromEntries(Object.keys(defs).map((k) => [k, empty(k)]));
    stats.nprocs = n;
    stats.perP = new Array(n).fill(0);
  }

  function push(k, values) {
    const cols = data[k];
    values.forEach((v, i) => cols[i].push(v));
    if (cols[0].length > WINDOW) for (const c of cols) c.shift();
    dirty.add(k);
  }

  function add(s) {
    if (s.nprocs !== stats.nprocs || stats.samples === 0) {
      setProcs(s.nprocs);
      // Every counter is 0 when gort starts: the first rate is from there.
      prev = stats.samples === 0 ? { time_ns: 0, steals: 0, handoffs: 0, switches: 0 } : null;
    }
    const t = s.time_ns / 1e9;
    const locals = s.local_runq.slice(0, s.nprocs);
    locals.forEach((v, i) => { stats.perP[i]++; });
    const runnext = s.runnext.slice(0, s.nprocs).reduce((a, b) => a + b, 0);
    push('runq', [t, s.global_runq, runnext, ...locals]);
    push('gs', [t, s.goroutines]);
    push('ms', [t, s.running_threads, s.spinning_threads, s.idle_threads, s.idle_procs]);
    if (prev && s.time_ns > prev.time_ns) {
      const dt = (s.time_ns - prev.time_ns) / 1e9;
      const rate = (k) => Math.max(0, s[k] - prev[k]) / dt;
      const r = { switches: rate('switches'), steals: rate('steals'), handoffs: rate('handoffs') };
      for (const k of Object.keys(r)) stats.maxRate[k] = Math.max(stats.maxRate[k], r[k]);
      push('rates', [t, r.switches, r.steals, r.handoffs]);
      prev = s;
    } else if (prev) {
      // Not later than the sample before (the runtime's clock must not
      // allow it: one clock on every thread): no rate, and the counts
      // stay in the next one's.
      stats.notLater++;
    } else {
      prev = s;
    }
    stats.samples++;
    stats.last = s;
    if (!frame) frame = requestAnimationFrame(draw);
  }

  // One chart per animation frame: a frame's work stays one setData.
  function draw() {
    frame = 0;
    const k = [...dirty].find((x) => charts[x]);
    if (!k) return;
    dirty.delete(k);
    charts[k].setData(data[k]);
    if (dirty.size) frame = requestAnimationFrame(draw);
  }

  function poll() {
    const s = reader.read();
    stats.polls++;
    if (!s) stats.empty++;
    else if (s.seq === stats.last?.seq) stats.same++;
    else add(s);
  }

  return {
    // A new run: its memory and layout (the worker's 'sampler' message).
    start(buffer, layout) {
      this.stop();
      reader = makeSampleReader(buffer, layout);
      stats.samples = 0;
      stats.maxRate = { steals: 0, handoffs: 0, switches: 0 };
      stats.notLater = 0;
      stats.polls = stats.empty = stats.same = 0;
      stats.last = null;
      timer = setInterval(poll, POLL_MS);
    },
    // The run ended: one last read (main publishes a sample as it returns).
    stop() {
      if (!reader) return;
      clearInterval(timer);
      poll();
      reader = null;
    },
    stats,
  };
}
