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
#include <stddef.h>
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
/* ---- What the runtime holds for the program (mgcroots.c) ---------------
 *
 * The runtime's own objects live in C memory, which the collector does
 * not scan. Some of them hold words the program handed over (a timer's or
 * a task's argument, a call's result, a context's value, buffered channel
 * elements), often the only reference left to a GC object. Each such
 * object holds those words in one way only, a gc_root, registered before
 * the object is visible to any other thread and removed when the runtime
 * lets go of the words (a call finished, the object freed). Go gets this
 * for free, its runtime objects being heap objects; here it is the one
 * constructor/destructor pair below, so that holding a user word without
 * a root is visible in review:
 *
 *   - Fixed words: declare them as one member with GC_HELD(fields), e.g.
 *       GC_HELD(void *arg; void *val;) held;
 *     read and write them only as held.v.arg, and register them with
 *     gort__gc_held_add(&x->held) / gort__gc_held_remove(&x->held). A
 *     user word as a plain field of a runtime struct is the mistake
 *     (docs/API.md, "Memory: what the runtime keeps alive", lists them).
 *   - A buffer (a channel's): a struct gc_root over [lo, hi).
 *   - gort__gc_root_add on a registered root, or _remove on one that is
 *     not, throws; gort__gc_roots_registered counts the holders (tests
 *     check that each kind adds one and gives it back).
 *
 * Add and remove take one lock of a sharded registry (a leaf; the shard
 * is picked by the root's address), never a global one: they may be
 * called with any runtime lock held, on any M, without a goroutine.
 */
struct gc_root {
  const void *lo, *hi;
  struct gc_root *prev, *next; /* (the shard's lock) */
  bool registered;             /* (the shard's lock) */
};
void gort__gc_root_add(struct gc_root *r, const void *lo, const void *hi);
void gort__gc_root_remove(struct gc_root *r);
/* Roots registered now, the program's (gort_gc_add_root) included. */
size_t gort__gc_roots_registered(void);

/* An anonymous struct of the fields (v) and their root. */
#define GC_HELD(...)                                                           \
  struct {                                                                     \
    struct {                                                                   \
      __VA_ARGS__                                                              \
    } v;                                                                       \
    struct gc_root root;                                                       \
  }
#define gort__gc_held_add(h)                                                   \
  gort__gc_root_add(&(h)->root, &(h)->v, &(h)->v + 1)
#define gort__gc_held_remove(h) gort__gc_root_remove(&(h)->root)

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
