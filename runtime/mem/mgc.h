/*
 * mgc.h - the collector's mark and sweep (mgc.c). Internal: the cycle
 * driver, roots and public calls are still to come (docs/ARCHITECTURE.md).
 *
 * Use, with the world stopped: mark_begin; mark_range over each root
 * range; mark_drain; sweep.
 *
 * Invariants and locking: see mgc.c.
 */
#ifndef GORT_MEM_MGC_H
#define GORT_MEM_MGC_H

#include <stdbool.h>
#include <stdint.h>

struct gort__sweep_result {
  uint64_t objects_freed, bytes_freed, spans_freed;
  uint64_t objects_live, bytes_live;
};

void gort__gc_mark_begin(void);
/* Every aligned word in [lo, hi) that points into an allocated object
 * marks it (conservative). */
void gort__gc_mark_range(const void *lo, const void *hi);
/* The stacks of every goroutine but the caller's, and the program's
 * global data (mgcroots.c). */
void gort__gc_mark_goroutines(void);
void gort__gc_mark_globals(void);
/* A range of runtime-owned memory that may hold user pointers (a channel
 * buffer, a context's key and value): registered while its object lives,
 * scanned by every collection. Embedded in that object. */
struct gc_root {
  const void *lo, *hi;
  struct gc_root *prev, *next; /* (the registry's lock) */
};
void gort__gc_root_add(struct gc_root *r, const void *lo, const void *hi);
void gort__gc_root_remove(struct gc_root *r);
/* Scan every registered range. */
void gort__gc_mark_runtime_objects(void);
/* One object, found from any address inside it (no-ops when p is not in
 * an allocated object): mark it (it will be scanned by the drain); is it
 * marked; scan what it points to without marking it (Go's markrootSpans
 * does this for objects with finalizers). */
void gort__gc_mark_object(const void *p);
bool gort__gc_is_marked(const void *p);
void gort__gc_scan_object(const void *p);
/* Scan marked objects that may hold pointers until none is left. */
void gort__gc_mark_drain(void);
/* Free what is unmarked; every P's cache is emptied first. */
void gort__gc_sweep(struct gort__sweep_result *r);

/* A whole stop-the-world collection, from a goroutine (mgccycle.c): the
 * caller parks while another goroutine runs it. 0, or GORT_ENOMEM. */
int gort__gc_collect(struct gort__sweep_result *result);

#endif
