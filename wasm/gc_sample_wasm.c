/*
 * gc_sample_wasm.c - the wasm export that lets JS read the live GC sample
 * (mem/mgcsample.c) and the heap map (mem/mheapmap.c) straight from wasm
 * memory, as wasm/sched_sample_wasm.c does for the scheduler sample.
 *
 * gort_wasm_gc_sample_layout() returns the address of a JSON text, made
 * once:
 *
 *   {"version":1,
 *    "gc":{"area":A,"seq":0,"data":8,"size":S,
 *          "fields":{"seq":[0,"u64",1],...,"check":[44,"u32",1]},
 *          "cycles":[48,112,16],            offset, stride, count
 *          "cycle":{"n":[0,"u32",1],...}},  offsets within one cycle
 *    "heapmap":{"area":A,"seq":0,"data":8,
 *          "header":{"seq":[0,"u64",1],...,"class_size":[48,"u32",68]},
 *          "spans":[320,24,16384],          offset, stride, capacity
 *          "span":{"cell":[0,"u32",1],...}}}
 *
 * Both areas are seqlocks (debug/seqlock.h): seq even means the data is
 * whole. The page thread copies a GC sample (about 2 KiB) at 20 Hz and
 * the heap map's header plus its nspans records at a few Hz, between two
 * Atomics.load of seq (web/gcsample.js). The heap map is written only
 * when GORT_DEBUG heapmap=MS is set (the page's worker sets 250).
 *
 * Invariants: the text is built on the first call and never changes; the
 * areas' addresses are static. Locking: none; the first call comes from
 * the loading thread before any pthread runs gort.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdio.h>

#include "gort.h"
#include "mem/mgcsample.h"
#include "mem/mheapmap.h"

struct field {
  const char *name;
  size_t offset;
  const char *type;
  int count;
};

#define F(T, name, type, count)                                                \
  { #name, offsetof(T, name), type, count }

static const struct field gc_fields[] = {
    F(struct gc_sample, seq, "u64", 1),
    F(struct gc_sample, time_ns, "i64", 1),
    F(struct gc_sample, num_gc, "u32", 1),
    F(struct gc_sample, ncycles, "u32", 1),
    F(struct gc_sample, heap_live, "u64", 1),
    F(struct gc_sample, heap_goal, "u64", 1),
    F(struct gc_sample, cpu_fraction_ppm, "u32", 1),
    F(struct gc_sample, check, "u32", 1),
    {NULL, 0, NULL, 0},
};

static const struct field cycle_fields[] = {
    F(struct gc_sample_cycle, n, "u32", 1),
    F(struct gc_sample_cycle, phase, "u32", 1),
    F(struct gc_sample_cycle, sweep_term, "i64", 1),
    F(struct gc_sample_cycle, mark, "i64", 1),
    F(struct gc_sample_cycle, mark_term, "i64", 1),
    F(struct gc_sample_cycle, sweep, "i64", 1),
    F(struct gc_sample_cycle, sweep_done, "i64", 1),
    F(struct gc_sample_cycle, pause_ns, "u64", 1),
    F(struct gc_sample_cycle, heap_start, "u64", 1),
    F(struct gc_sample_cycle, heap_end, "u64", 1),
    F(struct gc_sample_cycle, heap_marked, "u64", 1),
    F(struct gc_sample_cycle, heap_goal, "u64", 1),
    F(struct gc_sample_cycle, assist_ns, "u64", 1),
    F(struct gc_sample_cycle, background_ns, "u64", 1),
    F(struct gc_sample_cycle, idle_ns, "u64", 1),
    {NULL, 0, NULL, 0},
};

static const struct field header_fields[] = {
    F(struct heapmap_header, seq, "u64", 1),
    F(struct heapmap_header, time_ns, "i64", 1),
    F(struct heapmap_header, nspans, "u32", 1),
    F(struct heapmap_header, dropped, "u32", 1),
    F(struct heapmap_header, narenas, "u32", 1),
    F(struct heapmap_header, pages_per_arena, "u32", 1),
    F(struct heapmap_header, page_size, "u32", 1),
    F(struct heapmap_header, marking, "u32", 1),
    F(struct heapmap_header, check, "u32", 1),
    F(struct heapmap_header, walk_ns, "u32", 1),
    F(struct heapmap_header, class_size, "u32", GORT_NUM_SIZE_CLASSES),
    {NULL, 0, NULL, 0},
};

static const struct field span_fields[] = {
    F(struct heapmap_span, cell, "u32", 1),
    F(struct heapmap_span, npages, "u32", 1),
    F(struct heapmap_span, released_pages, "u32", 1),
    F(struct heapmap_span, kind, "u8", 1),
    F(struct heapmap_span, size_class, "u8", 1),
    F(struct heapmap_span, noscan, "u8", 1),
    F(struct heapmap_span, swept, "u8", 1),
    F(struct heapmap_span, objects, "u16", 1),
    F(struct heapmap_span, allocated, "u16", 1),
    F(struct heapmap_span, marked, "u16", 1),
    {NULL, 0, NULL, 0},
};

static char layout[4096];
static size_t used;

static void put(const char *fmt, unsigned long a, unsigned long b,
                unsigned long c) {
  if (used < sizeof layout)
    used += (size_t)snprintf(layout + used, sizeof layout - used, fmt, a, b, c);
}

static void put_fields(const char *key, const struct field *f) {
  if (used < sizeof layout)
    used +=
        (size_t)snprintf(layout + used, sizeof layout - used, "\"%s\":{", key);
  for (int i = 0; f[i].name != NULL && used < sizeof layout; i++)
    used +=
        (size_t)snprintf(layout + used, sizeof layout - used,
                         "%s\"%s\":[%lu,\"%s\",%d]", i ? "," : "", f[i].name,
                         (unsigned long)f[i].offset, f[i].type, f[i].count);
  put("}", 0, 0, 0);
}

/* Exported (the CLI lists it in EXPORTED_FUNCTIONS), so visible. */
GORT_API const char *gort_wasm_gc_sample_layout(void);

EMSCRIPTEN_KEEPALIVE const char *gort_wasm_gc_sample_layout(void) {
  if (used > 0)
    return layout;
  put("{\"version\":1,\"gc\":{\"area\":%lu,\"seq\":%lu,\"data\":%lu,",
      (unsigned long)(uintptr_t)&gort__gc_sample_area,
      (unsigned long)offsetof(struct gc_sample_area, seq),
      (unsigned long)offsetof(struct gc_sample_area, words));
  put("\"size\":%lu,\"cycles\":[%lu,%lu,",
      (unsigned long)sizeof(struct gc_sample),
      (unsigned long)offsetof(struct gc_sample, cycles),
      (unsigned long)sizeof(struct gc_sample_cycle));
  put("%lu],", GC_SAMPLE_CYCLES, 0, 0);
  put_fields("fields", gc_fields);
  put(",", 0, 0, 0);
  put_fields("cycle", cycle_fields);
  put("},\"heapmap\":{\"area\":%lu,\"seq\":%lu,\"data\":%lu,",
      (unsigned long)(uintptr_t)&gort__heapmap_area,
      (unsigned long)offsetof(struct heapmap_area, seq),
      (unsigned long)offsetof(struct heapmap_area, words));
  put("\"spans\":[%lu,%lu,%lu],",
      (unsigned long)offsetof(struct heapmap, spans),
      (unsigned long)sizeof(struct heapmap_span), HEAPMAP_SPANS);
  put_fields("header", header_fields);
  put(",", 0, 0, 0);
  put_fields("span", span_fields);
  put("}}", 0, 0, 0);
  return layout;
}
