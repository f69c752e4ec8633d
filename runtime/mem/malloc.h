/*
 * malloc.h - allocating objects (Go's malloc.go, mcache.go, mcentral.go):
 *
 *   tiny   pointer-free objects under 16 B share 16-byte blocks (per P);
 *   small  up to 32 KiB: rounded up to a size class; each P caches one
 *          span per span class (class x {scan, noscan}) and takes objects
 *          from it without a lock; an exhausted span goes back to its
 *          class's central list and the P takes another (mcentral.c),
 *          which takes fresh spans from the page heap;
 *   large  above 32 KiB: a span of its own from the page heap.
 *
 * Objects are freed only by a collection (mgc.h: sweeping resets a span's
 * free slots from its mark bits). The public calls (gort_alloc,
 * gort_alloc_noscan, gort_alloc_typed) are at the end of malloc.c; an
 * allocation that takes the heap past the pacer's trigger starts a cycle
 * on its way out (mgc.c).
 *
 * Invariants:
 *   - A span is cached by at most one P (mspan.in_cache), and then only
 *     that P allocates from it.
 *   - Object memory is zero when handed out.
 *
 * Locking: a P's mcache is its owner's (the M holding the P); each
 * central list has its own lock, a leaf (mcentral.c), released before the
 * heap's is taken (lock order: sched/lockrank.c).
 */
#ifndef GORT_MEM_MALLOC_H
#define GORT_MEM_MALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic/atomic.h"
#include "mem/mheap.h"

enum {
  NUM_SPAN_CLASSES = GORT_NUM_SIZE_CLASSES * 2,
  TINY_SIZE = 16,
};

static inline uint8_t gort__make_spanclass(uint8_t sizeclass, bool noscan) {
  return (uint8_t)(sizeclass << 1 | (noscan ? 1 : 0));
}

struct mcache {
  struct mspan *alloc[NUM_SPAN_CLASSES]; /* NULL: take one at next use */
  uintptr_t tiny;                        /* current tiny block, or 0 */
  uintptr_t tinyoffset;
  /* Counts for statistics (owner; read racily). */
  _Atomic(uint64_t) tiny_allocs, small_allocs, large_allocs, large_bytes;
  bool gc_due; /* the heap reached the GC trigger during this malloc, or
                  its goroutine was asked to yield: see after_trigger */
  /* Bytes allocated black during the current mark (owner; the cycle adds
   * them to the marked bytes with the world stopped, and zeroes them). */
  uint64_t black_bytes;
  /* Bytes taken during a mark and not yet paid for (malloc.c). */
  uint64_t assist_debt;
};

struct mcentral {
  struct mutex lock;
  /* [sweepgen / 2 % 2]: swept spans; the other: unswept (mcentral.c). */
  struct span_list partial[2]; /* with free objects, not cached */
  struct span_list full[2];    /* without */
  _Atomic(uint64_t) spans_made;
};

/* The index of the object slot holding address p of span s (0 for a
 * large object's span). */
static inline uint32_t gort__object_index(const struct mspan *s, uintptr_t p) {
  if ((s->spanclass >> 1) == 0)
    return 0;
  return (uint32_t)(((uint64_t)(p - s->base) * s->divmagic) >> 32);
}

/* Slot idx holds an allocated, initialised object: below
 * freeindex_for_scan (acquire: it publishes the object's contents, see
 * mheap.h), or allocated as of the last sweep. */
static inline bool gort__slot_allocated(const struct mspan *s, uint32_t idx) {
  return idx < gort__atomic_load_acquire(&s->freeindex_for_scan) ||
         (s->alloc_bits[idx / 64] >> (idx % 64) & 1);
}

/* Allocate size bytes, zeroed; noscan: the object holds no pointers. Must
 * run in a goroutine (it uses the P's cache). Never NULL: out of memory is
 * Go's "fatal error: out of memory" (exit 2). size 0 gives one shared
 * address. */
void *gort__mallocgc(size_t size, bool noscan);

/* Precise objects (gort_alloc_typed), as Go 1.22 lays them out: up to
 * HEAP_BITS_MAX bytes, the object is just its elements and the span's
 * heap_bits say which of its words are pointers; larger ones start with
 * a MALLOC_HEADER-byte header holding their type (8 bytes on every
 * target, so the elements stay 8-byte aligned on wasm32 too), and the
 * program gets the address after it. Returns that address; the type was
 * checked by the caller. */
struct gort_type;
enum { MALLOC_HEADER = 8, HEAP_BITS_MAX = 512 };
void *gort__mallocgc_typed(const struct gort_type *t, size_t count);

/* Mark slot idx precise (its owner, before the object is published): a
 * load and a store, no read-modify-write needed; markers read the word
 * for other slots meanwhile. */
static inline void gort__set_slot_precise(struct mspan *s, uint32_t idx) {
  _Atomic(uint64_t) *w = &s->precise_bits[idx / 64];
  gort__atomic_store_relaxed(w, gort__atomic_load_relaxed(w) |
                                    (uint64_t)1 << (idx % 64));
}

static inline bool gort__slot_precise(const struct mspan *s, uint32_t idx) {
  return gort__atomic_load_relaxed(&s->precise_bits[idx / 64]) >> (idx % 64) &
         1;
}

/* A precise object of s whose type is in its header (not heap bits). */
static inline bool gort__span_has_headers(const struct mspan *s) {
  return s->elemsize > HEAP_BITS_MAX;
}

/* Does the word at address a (in small-object span s) hold a pointer? */
static inline bool gort__heap_bit(const struct mspan *s, uintptr_t a) {
  uintptr_t w = (a - s->base) / sizeof(void *);
  return gort__atomic_load_relaxed(&s->heap_bits[w / 64]) >> (w % 64) & 1;
}

/* The header type of precise object obj (its base) in a span with
 * headers, or NULL for any other object. */
static inline const struct gort_type *gort__object_type(const struct mspan *s,
                                                        uintptr_t obj) {
  if (!gort__span_has_headers(s) ||
      !gort__slot_precise(s, gort__object_index(s, obj)))
    return NULL;
  return *(const struct gort_type *const *)obj;
}

/* The address the program was given for the object at base obj. */
static inline uintptr_t gort__object_user_start(const struct mspan *s,
                                                uintptr_t obj) {
  return gort__object_type(s, obj) != NULL ? obj + MALLOC_HEADER : obj;
}

/* The object containing p (any byte of it): find_slot gives its span and
 * slot index (false: p is not inside an allocated object; the collector's
 * conservative scan asks this of every word), find_object its base and
 * span (NULL: not inside one). */
static inline bool gort__find_slot(const void *p, struct mspan **span,
                                   uint32_t *slot) {
  struct mspan *s = gort__span_of(p);
  *span = s;
  if (s == NULL)
    return false;
  *slot = gort__object_index(s, (uintptr_t)p);
  /* Not past the span's last object (its tail), and allocated. */
  return *slot < s->nelems && gort__slot_allocated(s, *slot);
}

static inline void *gort__find_object(const void *p, struct mspan **span) {
  struct mspan *s;
  uint32_t idx;
  bool found = gort__find_slot(p, &s, &idx);
  if (span)
    *span = s;
  return found ? (void *)(s->base + idx * s->elemsize) : NULL;
}

/* Give back pp's cached spans (a P going away, or a test). */
struct p;
void gort__mcache_release(struct p *pp);
void gort__mcache_release_current(void); /* the calling goroutine's P */

/* Central lists (mcentral.c). cache_span: a swept span with a free slot
 * for a P (NULL: out of memory); *trigger: the heap reached the GC
 * trigger by it. */
struct mspan *gort__mcentral_cache_span(uint8_t spanclass, bool *trigger);
void gort__mcentral_uncache_span(struct mspan *s);
uint64_t gort__mcentral_spans_made(void);
/* For the sweepers (mgcsweep.c): an unswept span of the class taken off
 * its list (NULL: none left), and a swept one put back. */
struct mspan *gort__mcentral_take_unswept(uint8_t spanclass);
void gort__mcentral_put_swept(struct mspan *s);

/* Totals over all Ps and lists, for tests and statistics. */
struct gort__malloc_totals {
  uint64_t tiny_allocs, small_allocs, large_allocs, large_bytes;
  uint64_t spans_made;
};
void gort__malloc_totals(struct gort__malloc_totals *out);

#endif
