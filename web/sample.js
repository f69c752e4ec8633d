// web/sample.js — reads gort's live scheduler sample straight from wasm memory.
//
// Rules:
//  - No wasm call and no message per sample: the worker hands the page the
//    memory's SharedArrayBuffer and the layout that the wasm export
//    gort_wasm_sched_sample_layout describes (wasm/sched_sample_wasm.c);
//    from then on this module only reads memory.
//  - The same seqlock protocol as the C reader (runtime/debug/sched_sample.c):
//    read seq with Atomics.load; odd means sysmon is writing, try again; copy
//    the sample's bytes; read seq again; a change means the copy may mix two
//    samples, try again. Atomics.load is sequentially consistent, so the plain
//    copy between the two loads is not moved outside them.
//  - A bounded number of tries per read (a write takes well under a
//    microsecond): the page thread never spins.
//  - Fields come from the layout, not from offsets written here; 64-bit
//    fields become Numbers (exact below 2^53).
//  - Works in a browser and in Node (tests/node use it too).

const MAX_TRIES = 8;

function readField(view, [offset, type, count]) {
  const one = (o) => {
    switch (type) {
      case 'u8': return view.getUint8(o);
      case 'i32': return view.getInt32(o, true);
      case 'u32': return view.getUint32(o, true);
      case 'i64': return Number(view.getBigInt64(o, true));
      case 'u64': return Number(view.getBigUint64(o, true));
      default: throw new Error(`sample layout: unknown type ${type}`);
    }
  };
  if (count === 1) return one(offset);
  const size = type === 'u8' ? 1 : type.endsWith('64') ? 8 : 4;
  return Array.from({ length: count }, (_, i) => one(offset + i * size));
}

// Returns { read(): sample | null, tries }. read() gives the latest whole
// sample (an object with the layout's field names), or null when none was
// published yet or sysmon kept writing through every try.
export function makeSampleReader(buffer, layout) {
  if (layout?.version !== 1) throw new Error(`sample layout: unsupported version ${layout?.version}`);
  const seqIndex = (layout.area + layout.seq) / 4;
  if (!Number.isInteger(seqIndex)) throw new Error('sample layout: seq word not 4-aligned');
  const words = new Int32Array(buffer);
  const bytes = new Uint8Array(buffer, layout.area + layout.data, layout.size);
  const fields = Object.entries(layout.fields);
  const reader = {
    tries: 0, // reads that had to try again (statistics for tests)
    read() {
      for (let i = 0; i < MAX_TRIES; i++) {
        const s0 = Atomics.load(words, seqIndex);
        if (s0 & 1) { reader.tries++; continue; }
        const copy = bytes.slice(); // not shared: nothing changes under it
        if (Atomics.load(words, seqIndex) !== s0) { reader.tries++; continue; }
        if (s0 === 0) return null;
        const view = new DataView(copy.buffer);
        const out = {};
        for (const [name, field] of fields) out[name] = readField(view, field);
        return out;
      }
      return null;
    },
  };
  return reader;
}
