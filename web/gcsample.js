// web/gcsample.js — reads gort's live GC sample and heap map straight from wasm memory.
//
// Rules:
//  - No wasm call and no message per read: the worker hands the page the
//    memory's SharedArrayBuffer and the layout that the export
//    gort_wasm_gc_sample_layout describes (wasm/gc_sample_wasm.c).
//  - The seqlock protocol of web/sample.js (and runtime/debug/seqlock.h):
//    Atomics.load seq, odd: try again; copy; Atomics.load seq again,
//    changed: try again; a bounded number of tries, so the page never spins.
//  - The heap map's copy is its header, then only the nspans records the
//    header counts (bounded by the capacity: a torn count is harmless, the
//    copy is thrown away when seq moved).
//  - Fields come from the layout; 64-bit fields become Numbers.
//  - Works in a browser and in Node.

const MAX_TRIES = 8;
const SIZES = { u8: 1, u16: 2, u32: 4, i32: 4, i64: 8, u64: 8 };

function one(view, o, type) {
  switch (type) {
    case 'u8': return view.getUint8(o);
    case 'u16': return view.getUint16(o, true);
    case 'u32': return view.getUint32(o, true);
    case 'i32': return view.getInt32(o, true);
    case 'i64': return Number(view.getBigInt64(o, true));
    case 'u64': return Number(view.getBigUint64(o, true));
    default: throw new Error(`gc sample layout: unknown type ${type}`);
  }
}

function readFields(view, base, fields) {
  const out = {};
  for (const [name, [offset, type, count]] of fields) {
    if (count === 1) out[name] = one(view, base + offset, type);
    else out[name] = Array.from({ length: count }, (_, i) => one(view, base + offset + i * SIZES[type], type));
  }
  return out;
}

// Copies len bytes at area+data between two equal even seq reads; lenOf,
// when given, reads the real length from the first bytes copied.
function seqlockCopy(words, seqIndex, bytesAt, len, lenOf) {
  for (let i = 0; i < MAX_TRIES; i++) {
    const s0 = Atomics.load(words, seqIndex);
    if (s0 & 1) continue;
    let copy = bytesAt(0, len).slice();
    if (lenOf) {
      const full = lenOf(copy);
      if (full > len) {
        const more = bytesAt(len, full - len).slice();
        const all = new Uint8Array(full);
        all.set(copy);
        all.set(more, len);
        copy = all;
      }
    }
    if (Atomics.load(words, seqIndex) !== s0) continue;
    return s0 === 0 ? null : copy;
  }
  return undefined; // the writer kept writing: try at the next tick
}

// Returns { readGc(): sample | null, readHeap(): map | null }.
// A GC sample: { seq, time_ns, num_gc, heap_live, heap_goal,
// cpu_fraction_ppm, cycles: [{ n, phase, sweep_term, mark, mark_term, sweep,
// sweep_done, pause_ns, heap_start, heap_end, heap_marked, heap_goal,
// assist_ns, background_ns, idle_ns }] oldest first }.
// A heap map: the header's fields plus spans: [{ cell, npages, ... }].
export function makeGcReader(buffer, layout) {
  if (layout?.version !== 1) throw new Error(`gc sample layout: unsupported version ${layout?.version}`);
  const words = new Int32Array(buffer);
  const make = (area) => {
    const seqIndex = (area.area + area.seq) / 4;
    if (!Number.isInteger(seqIndex)) throw new Error('gc sample layout: seq word not 4-aligned');
    const base = area.area + area.data;
    return { seqIndex, bytesAt: (off, len) => new Uint8Array(buffer, base + off, len) };
  };
  const gc = make(layout.gc);
  const hm = make(layout.heapmap);
  const gcFields = Object.entries(layout.gc.fields);
  const cycleFields = Object.entries(layout.gc.cycle);
  const [cyclesAt, cycleSize] = layout.gc.cycles;
  const headerFields = Object.entries(layout.heapmap.header);
  const [spansAt, spanSize, spanCap] = layout.heapmap.spans;
  const nspansAt = layout.heapmap.header.nspans[0];
  const reader = {
    tries: 0,
    readGc() {
      const copy = seqlockCopy(words, gc.seqIndex, gc.bytesAt, layout.gc.size);
      if (copy === undefined) { reader.tries++; return null; }
      if (copy === null) return null;
      const view = new DataView(copy.buffer);
      const s = readFields(view, 0, gcFields);
      s.cycles = Array.from({ length: Math.min(s.ncycles, layout.gc.cycles[2]) },
        (_, i) => readFields(view, cyclesAt + i * cycleSize, cycleFields));
      return s;
    },
    readHeap() {
      const lenOf = (c) => spansAt + Math.min(spanCap, new DataView(c.buffer).getUint32(nspansAt, true)) * spanSize;
      const copy = seqlockCopy(words, hm.seqIndex, hm.bytesAt, spansAt, lenOf);
      if (copy === undefined) { reader.tries++; return null; }
      if (copy === null) return null;
      const view = new DataView(copy.buffer);
      const m = readFields(view, 0, headerFields);
      const n = Math.min(m.nspans, spanCap);
      const spanFields = Object.entries(layout.heapmap.span);
      m.spans = new Array(n);
      for (let i = 0; i < n; i++) m.spans[i] = readFields(view, spansAt + i * spanSize, spanFields);
      return m;
    },
  };
  return reader;
}
