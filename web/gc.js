// web/gc.js — the page's GC panels: the cycle timeline (uPlot), the per-cycle
// pauses and mark work (uPlot), and the heap map (a canvas), fed by
// web/gcsample.js.
//
// Rules:
//  - The page thread only reads shared memory and draws: a timer reads the
//    GC sample every POLL_MS and the heap map every HEAP_MS; drawing happens
//    in animation frames, one chart or the map per frame.
//  - Cycles are kept by number for the whole run (at most MAX_CYCLES): each
//    sample carries the last 16, and a cycle's later phases fill in as they
//    come.
//  - The timeline's phases are drawn by a uPlot draw hook under the lines,
//    one coloured band per phase of each cycle; pauses (the stops of the
//    world) are the two stop phases and show as red bands.
//  - Charts: the timeline (time on x), heap per cycle and pauses / mark work
//    per cycle (cycle number on x).
//  - The heap map: one cell per 8 KiB page, arenas one after another in rows
//    of COLS cells; hovering a cell names its span (binary search by cell).
//  - Charts are made once as the page loads, one per task (see live.js).
//  - The map's cells are a whole number of device pixels (at least 2), as
//    many CSS pixels as fit 128 across the map's box: on a phone's width a
//    cell is 2 to 3 CSS pixels and the map never overflows the screen.
//    Hovering (or tapping: pointer events) names the span.
//  - Test hook: window.__gc = { samples, cycles, maxPauseNs, maps, classes,
//    kinds, spanClasses (the last map's: [{size_class, size, noscan,
//    spans}]), classesSeen (every span class of every map read this run,
//    'C' or 'C noscan'), last, lastMap }.

import uPlot from './vendor/uplot/uPlot.esm.js';
import { makeGcReader } from './gcsample.js';

const POLL_MS = 50;
const HEAP_MS = 250;
const WINDOW = 1200;
const MAX_CYCLES = 2000;
const HEIGHT = 200;
const COLS = 128;
const MB = 1 << 20;

// Phase colours, in Go's words.
const PHASES = [
  { key: 'sweep_term', end: 'mark', label: 'sweep termination (world stopped)', color: 'rgba(206,50,98,0.55)' },
  { key: 'mark', end: 'mark_term', label: 'mark (concurrent)', color: 'rgba(253,208,14,0.35)' },
  { key: 'mark_term', end: 'sweep', label: 'mark termination (world stopped)', color: 'rgba(206,50,98,0.55)' },
  { key: 'sweep', end: 'sweep_done', label: 'sweep (concurrent)', color: 'rgba(0,173,216,0.16)' },
];

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
function axis(label, extra = {}) {
  return { label, stroke: css('--muted'), grid: { stroke: css('--border'), width: 1 }, ticks: { stroke: css('--border') }, ...extra };
}
const fix = (d) => (u, v) => (v == null ? '—' : v.toFixed(d));

export const fmtBytes = (b) => (b >= MB ? `${(b / MB).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

// The span's colour: hue by kind (scanned blue, pointer-free green, large
// purple), nudged by size class so neighbouring classes differ; lightness by
// how full it is (or, during a mark, how much of it is marked).
function spanColor(s, marking) {
  if (s.kind === 1) return '#d0d4d9'; // free, held
  if (s.kind === 2) return '#f3f4f6'; // free, released to the OS
  const full = s.objects ? (marking ? s.marked : s.allocated) / s.objects : 1;
  let hue;
  if (s.size_class === 0) hue = 280;
  else hue = (s.noscan ? 120 : 200) + ((s.size_class * 7) % 30) - 15;
  const light = 85 - 50 * Math.min(1, full);
  return marking ? `hsl(30 90% ${light}%)` : `hsl(${hue} 65% ${light}%)`;
}

// The classes of a map, for its note: ": 8 B scanned, 32 B noscan", the
// most-used first, at most 4 named.
function namedClasses(list) {
  if (!list.length) return '';
  const top = [...list].sort((a, b) => b.spans - a.spans);
  const named = top.slice(0, 4).map((c) => `${fmtBytes(c.size)} ${c.noscan ? 'noscan' : 'scanned'}`).join(', ');
  return `: ${named}${top.length > 4 ? ', …' : ''}`;
}

export function describeSpan(s, m) {
  const pages = `${s.npages} page${s.npages === 1 ? '' : 's'}`;
  if (s.kind !== 3) {
    return `free span, ${pages}${s.released_pages ? `, ${s.released_pages} released to the OS` : ''}`;
  }
  const size = s.size_class ? m.class_size[s.size_class] : s.npages * m.page_size;
  const what = s.size_class ? `span class ${s.size_class}${s.noscan ? ' noscan' : ''}` : `large object${s.noscan ? ' (noscan)' : ''}`;
  return `${what}: ${fmtBytes(size)} objects, ${s.allocated}/${s.objects} used, ${pages}, ${s.noscan ? 'pointer-free' : 'scanned'}` +
    `${m.marking ? `, ${s.marked} marked so far` : ''}${s.swept ? '' : ', not swept yet'}`;
}

// els: { timeline, heap, cycles (chart containers), map (a div: the canvas
// goes in it), heapNote, tip }.
export function createGc(els) {
  const charts = {};
  const dirty = new Set();
  let reader = null, timer = 0, heapTimer = 0, frame = 0;
  const cycles = new Map(); // n -> cycle
  let data = { timeline: [[], [], [], []], heap: [[], [], [], [], []], cycles: [[], [], [], [], []] };
  let map = null;
  const fresh = () => ({ samples: 0, cycles: [], maxPauseNs: 0, maps: 0, classes: 0, kinds: {}, spanClasses: [], classesSeen: [], last: null, lastMap: null });
  const stats = fresh();
  window.__gc = stats;

  const drawPhases = (u) => {
    const { ctx } = u;
    const [x0, x1] = [u.scales.x.min, u.scales.x.max];
    const top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    for (const c of cycles.values()) {
      for (const p of PHASES) {
        const a = c[p.key], b = c[p.end] || (p.key === 'sweep' && !c.sweep_done ? stats.last?.time_ns : 0);
        if (!a || !b || b / 1e9 < x0 || a / 1e9 > x1) continue;
        const l = u.valToPos(a / 1e9, 'x', true), r = u.valToPos(b / 1e9, 'x', true);
        ctx.fillStyle = p.color;
        ctx.fillRect(l, top, Math.max(1.5 * devicePixelRatio, r - l), h);
      }
    }
    ctx.restore();
  };

  const defs = {
    timeline: {
      series: [
        { label: 'heap live (MiB)', stroke: '#00add8', width: 2, value: fix(1), scale: 'mb' },
        { label: 'heap goal (MiB)', stroke: '#ce3262', width: 1.5, dash: [6, 4], value: fix(1), scale: 'mb' },
        { label: 'GC CPU (%)', stroke: '#555', width: 1, value: fix(1), scale: 'pct' },
      ],
      axes: [axis('time since start (s)', { values: (u, t) => t.map((x) => x.toFixed(1)) }),
        axis('heap (MiB)', { scale: 'mb', size: 60 }), axis('GC CPU (%)', { scale: 'pct', side: 1, grid: { show: false }, size: 50 })],
      scales: { mb: { range: (u, min, max) => [0, Math.max(1, max)] }, pct: { range: (u, min, max) => [0, Math.max(5, max)] } },
      hooks: { drawClear: [drawPhases] },
    },
    heap: {
      series: [
        { label: 'at mark start (MiB)', stroke: '#00add8', width: 2, value: fix(2) },
        { label: 'at mark end (MiB)', stroke: '#fdb10e', width: 2, value: fix(2) },
        { label: 'marked live (MiB)', stroke: '#1a7f37', width: 2, value: fix(2) },
        { label: 'goal (MiB)', stroke: '#ce3262', width: 1.5, dash: [6, 4], value: fix(2) },
      ],
      axes: [axis('GC cycle', { values: (u, t) => t.map((x) => (Number.isInteger(x) ? String(x) : '')) }), axis('heap (MiB)', { size: 60 })],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    },
    cycles: {
      series: [
        { label: 'pause (µs)', stroke: '#ce3262', fill: 'rgba(206,50,98,0.35)', width: 1, scale: 'us', paths: uPlot.paths.bars({ size: [0.6, 40] }), value: fix(0) },
        { label: 'assist (ms CPU)', stroke: '#fdb10e', width: 2, scale: 'ms', value: fix(2) },
        { label: 'background (ms CPU)', stroke: '#00add8', width: 2, scale: 'ms', value: fix(2) },
        { label: 'idle (ms CPU)', stroke: '#999', width: 1.5, scale: 'ms', value: fix(2) },
      ],
      axes: [axis('GC cycle', { values: (u, t) => t.map((x) => (Number.isInteger(x) ? String(x) : '')) }),
        axis('pause (µs)', { scale: 'us', size: 60 }), axis('mark CPU (ms)', { scale: 'ms', side: 1, grid: { show: false }, size: 60 })],
      scales: { us: { range: (u, min, max) => [0, Math.max(10, max)] }, ms: { range: (u, min, max) => [0, Math.max(1, max)] } },
    },
  };

  const width = (el) => Math.max(260, el.clientWidth);
  const ro = new ResizeObserver(() => {
    for (const [k, c] of Object.entries(charts)) c.setSize({ width: width(els[k]), height: HEIGHT });
    if (map) dirty.add('map');
    schedule();
  });
  for (const k of ['timeline', 'heap', 'cycles', 'map']) ro.observe(els[k]);

  const pending = Object.keys(defs);
  const makeNext = () => {
    const k = pending.shift();
    if (!k) return;
    const d = defs[k];
    els[k].replaceChildren();
    charts[k] = new uPlot({
      width: width(els[k]), height: HEIGHT,
      series: [{ label: k === 'timeline' ? 'time (s)' : 'cycle', value: (u, v) => (v == null ? '—' : k === 'timeline' ? `${v.toFixed(2)} s` : `gc ${v}`) }, ...d.series],
      axes: d.axes, scales: { x: { time: false }, ...d.scales }, hooks: d.hooks,
      legend: { live: true }, cursor: { drag: { x: false, y: false } },
    }, data[k], els[k]);
    setTimeout(makeNext, 0);
  };
  setTimeout(makeNext, 0);

  const canvas = document.createElement('canvas');
  canvas.className = 'heapmap';
  els.map.replaceChildren(canvas);

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw() {
    frame = 0;
    const k = [...dirty].find((x) => x === 'map' || charts[x]);
    if (!k) return;
    dirty.delete(k);
    if (k === 'map') drawHeap();
    else charts[k].setData(data[k]);
    if (dirty.size) schedule();
  }

  // A cell's side in CSS pixels: a whole number of device pixels, at
  // least 2, so that COLS cells fit the box (a phone's box is ~310 px).
  function cellPx() {
    const dpr = devicePixelRatio || 1;
    return Math.max(2, Math.floor((els.map.clientWidth * dpr) / COLS)) / dpr;
  }

  function drawHeap() {
    const m = map;
    const px = cellPx();
    const cells = m.narenas * m.pages_per_arena;
    // Rows up to the last span's end: the untouched tail of the last arena
    // is one free span; it is drawn, but the map stops at the arena's end.
    const rows = Math.max(1, Math.ceil(cells / COLS));
    const dpr = devicePixelRatio || 1;
    const dev = Math.round(px * dpr); // a cell in device pixels
    canvas.style.width = `${COLS * px}px`;
    canvas.style.height = `${rows * px}px`;
    canvas.width = COLS * dev;
    canvas.height = rows * dev;
    const ctx = canvas.getContext('2d');
    for (const s of m.spans) {
      ctx.fillStyle = spanColor(s, m.marking);
      let c = s.cell, left = s.npages;
      while (left > 0) {
        const col = c % COLS, row = Math.floor(c / COLS);
        const run = Math.min(left, COLS - col);
        // A one-device-pixel gap after a span's last cell and under each row, when cells are big enough.
        const gap = dev > 2 ? Math.max(1, Math.round(dpr / 2)) : 0;
        ctx.fillRect(col * dev, row * dev, run * dev - (run === left ? gap : 0), dev - gap);
        c += run;
        left -= run;
      }
    }
  }

  const name = (ev) => {
    if (!map) return;
    const px = cellPx();
    const r = canvas.getBoundingClientRect();
    const cell = Math.floor((ev.clientY - r.top) / px) * COLS + Math.floor((ev.clientX - r.left) / px);
    let lo = 0, hi = map.spans.length - 1, hit = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, s = map.spans[mid];
      if (cell < s.cell) hi = mid - 1;
      else if (cell >= s.cell + s.npages) lo = mid + 1;
      else { hit = s; break; }
    }
    const arena = Math.floor(cell / map.pages_per_arena), page = cell % map.pages_per_arena;
    els.tip.textContent = hit ? `arena ${arena}, page ${page}: ${describeSpan(hit, map)}` : `arena ${arena}, page ${page}: not in the heap`;
  };
  canvas.addEventListener('pointermove', name);
  canvas.addEventListener('pointerdown', name);
  canvas.addEventListener('pointerleave', (ev) => { if (ev.pointerType === 'mouse') els.tip.textContent = 'Hover or tap a cell: its span.'; });

  function addSample(s) {
    stats.samples++;
    stats.last = s;
    for (const c of s.cycles) {
      const had = cycles.get(c.n);
      cycles.set(c.n, { ...had, ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== 0)), n: c.n });
    }
    while (cycles.size > MAX_CYCLES) cycles.delete(cycles.keys().next().value);
    const t = s.time_ns / 1e9;
    const tl = data.timeline;
    [t, s.heap_live / MB, s.heap_goal ? s.heap_goal / MB : null, s.cpu_fraction_ppm / 1e4].forEach((v, i) => tl[i].push(v));
    if (tl[0].length > WINDOW) for (const col of tl) col.shift();
    dirty.add('timeline');
    const done = [...cycles.values()].filter((c) => c.pause_ns).sort((a, b) => a.n - b.n);
    data.cycles = [done.map((c) => c.n), done.map((c) => c.pause_ns / 1e3),
      done.map((c) => (c.assist_ns || 0) / 1e6), done.map((c) => (c.background_ns || 0) / 1e6), done.map((c) => (c.idle_ns || 0) / 1e6)];
    stats.cycles = done.map((c) => ({ n: c.n, pause_ns: c.pause_ns, sweep_term: c.sweep_term, mark: c.mark, mark_term: c.mark_term, sweep: c.sweep }));
    stats.maxPauseNs = Math.max(0, ...done.map((c) => c.pause_ns));
    dirty.add('cycles');
    const mib = (v) => (v ? v / MB : null);
    data.heap = [done.map((c) => c.n), done.map((c) => mib(c.heap_start)), done.map((c) => mib(c.heap_end)),
      done.map((c) => mib(c.heap_marked)), done.map((c) => mib(c.heap_goal))];
    dirty.add('heap');
    schedule();
  }

  function addMap(m) {
    map = m;
    stats.maps++;
    const classes = new Set(), kinds = {}, spanClasses = new Map();
    for (const s of m.spans) {
      if (s.kind === 3 && s.size_class) {
        classes.add(s.size_class);
        const key = `${s.size_class}${s.noscan ? ' noscan' : ''}`;
        const c = spanClasses.get(key) ?? { size_class: s.size_class, size: m.class_size[s.size_class], noscan: !!s.noscan, spans: 0 };
        c.spans++;
        spanClasses.set(key, c);
        if (!stats.classesSeen.includes(key)) stats.classesSeen.push(key);
      }
      const k = s.kind !== 3 ? (s.kind === 1 ? 'free' : 'released') : s.size_class === 0 ? 'large' : s.noscan ? 'noscan' : 'scanned';
      kinds[k] = (kinds[k] || 0) + 1;
    }
    stats.classes = classes.size;
    stats.kinds = kinds;
    stats.spanClasses = [...spanClasses.values()];
    stats.lastMap = { seq: m.seq, nspans: m.nspans, dropped: m.dropped, narenas: m.narenas, marking: m.marking };
    const used = m.spans.filter((s) => s.kind === 3).reduce((a, s) => a + s.npages, 0);
    els.heapNote.textContent = `${m.nspans} spans in ${m.narenas} arena${m.narenas === 1 ? '' : 's'} ` +
      `(${fmtBytes(used * m.page_size)} in use, ${classes.size} span class${classes.size === 1 ? '' : 'es'}${namedClasses(stats.spanClasses)}; the walk held the heap lock ${(m.walk_ns / 1e3).toFixed(0)} µs)` +
      `${m.dropped ? `; ${m.dropped} more spans not drawn` : ''}${m.marking ? '; a mark was in progress: orange shows marked' : ''}.`;
    dirty.add('map');
    schedule();
  }

  function poll() {
    const s = reader.readGc();
    if (s && s.seq !== stats.last?.seq) addSample(s);
  }
  function pollHeap() {
    const m = reader.readHeap();
    if (m && m.seq !== stats.lastMap?.seq) addMap(m);
  }

  return {
    start(buffer, layout) {
      this.stop();
      reader = makeGcReader(buffer, layout);
      cycles.clear();
      data = { timeline: [[], [], [], []], heap: [[], [], [], [], []], cycles: [[], [], [], [], []] };
      map = null;
      Object.assign(stats, fresh());
      timer = setInterval(poll, POLL_MS);
      heapTimer = setInterval(pollHeap, HEAP_MS);
    },
    stop() {
      if (!reader) return;
      clearInterval(timer);
      clearInterval(heapTimer);
      poll();
      pollHeap();
      reader = null;
    },
    stats,
  };
}
