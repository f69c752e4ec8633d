/*
 * sched_sample_wasm.c - the wasm export that lets JS read the live
 * scheduler sample (debug/sched_sample.c) straight from wasm memory.
 *
 * gort_wasm_sched_sample_layout() returns the address of a JSON text, made
 * once, describing where the seqlock area lives and where each field of
 * struct gort_sched_sample sits in it:
 *
 *   {"version":1,"area":A,"seq":0,"data":8,"size":408,
 *    "fields":{"seq":[0,"u64",1],...,"local_runq":[88,"i32",64],...}}
 *
 * area is the area's address in linear memory; seq the offset of the
 * seqlock word in it; data the offset of the sample; each field gives its
 * offset in the sample, its type and its count. The page's worker calls
 * this once (before main runs) and passes the answer with the memory's
 * SharedArrayBuffer to the page thread, which from then on only reads
 * memory (web/sample.js): no wasm call and no message per sample.
 *
 * Invariants: the text is built on the first call and never changes; the
 * area's address is static. Locking: none; the first call comes from the
 * loading thread before any pthread runs gort.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdio.h>

#include "debug/sched_sample.h"

#define F(name, type, count)                                                   \
  { #name, offsetof(struct gort_sched_sample, name), type, count }

static const struct {
  const char *name;
  size_t offset;
  const char *type;
  int count;
} fields[] = {
    F(seq, "u64", 1),
    F(time_ns, "i64", 1),
    F(gomaxprocs, "i32", 1),
    F(nprocs, "i32", 1),
    F(idle_procs, "i32", 1),
    F(threads, "i32", 1),
    F(running_threads, "i32", 1),
    F(spinning_threads, "i32", 1),
    F(idle_threads, "i32", 1),
    F(check, "u32", 1),
    F(goroutines, "i64", 1),
    F(global_runq, "i64", 1),
    F(steals, "u64", 1),
    F(handoffs, "u64", 1),
    F(switches, "u64", 1),
    F(local_runq, "i32", GORT_STATS_MAX_PROCS),
    F(runnext, "u8", GORT_STATS_MAX_PROCS),
};

static char layout[2048];

/* Exported (the CLI lists it in EXPORTED_FUNCTIONS), so visible. */
GORT_API const char *gort_wasm_sched_sample_layout(void);

EMSCRIPTEN_KEEPALIVE const char *gort_wasm_sched_sample_layout(void) {
  if (layout[0] != '\0')
    return layout;
  size_t n = 0, cap = sizeof layout;
  n += (size_t)snprintf(
      layout + n, cap - n,
      "{\"version\":1,\"area\":%lu,\"seq\":%lu,\"data\":%lu,\"size\":%lu,"
      "\"fields\":{",
      (unsigned long)(uintptr_t)&gort__sched_sample_area,
      (unsigned long)offsetof(struct sched_sample_area, seq),
      (unsigned long)offsetof(struct sched_sample_area, words),
      (unsigned long)sizeof(struct gort_sched_sample));
  for (size_t i = 0; i < sizeof fields / sizeof fields[0] && n < cap; i++)
    n += (size_t)snprintf(layout + n, cap - n, "%s\"%s\":[%lu,\"%s\",%d]",
                          i ? "," : "", fields[i].name,
                          (unsigned long)fields[i].offset, fields[i].type,
                          fields[i].count);
  if (n < cap)
    snprintf(layout + n, cap - n, "}}");
  return layout;
}
