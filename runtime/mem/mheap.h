/*
 * mheap.h - the page heap: address space in arenas, cut into spans of
 * 8 KiB pages (Go's mheap.go, mheap's arenas and spans, in its Go 1.11
 * "sparse heap" layout). The size-class allocator (per-P caches, central
 * lists: malloc.c, mcentral.c) takes its spans from here, and the sweeper
 * gives them back.
 *
 * Arenas are aligned blocks of ARENA_BYTES (64 MiB on 64-bit, 4 MiB on
 * wasm32). A sparse map, arena index -> its metadata (one pointer per
 * possible arena: 4M of them for a 48-bit address space, reserved but only
 * touched where arenas exist; Go splits it in two levels on 64-bit
 * Windows and arm64 too, one level suffices here), finds the span of any
 * heap address in O(1): the metadata holds one span pointer per page.
 *
 * Invariants:
 *   - Spans tile the heap's arenas: every page belongs to exactly one span,
 *     free or in use.
 *   - An in-use span is recorded for every one of its pages; a free span
 *     for its first and last page only (the others may point at dead
 *     spans: gort__span_of checks the state and the bounds).
 *   - Two free spans are never adjacent (free coalesces).
 *   - Released pages (Go's scavenged pages, mheap.go and mpagealloc.go):
 *     a page whose RAM went back to the OS, or never came (a fresh arena,
 *     natively), reads as zero and has its bit set in its arena's
 *     released map. Only free pages are released: allocation clears the
 *     bits of the pages it hands out. A free span counts its released
 *     pages (npages_released), whatever mix of released and unreleased
 *     neighbours coalescing made it of; the heap's pages_released is their
 *     sum, at most pages_free. On wasm nothing is ever released.
 *
 * Locking: gort__mheap.lock guards everything here but the map reads of
 * gort__span_of, which are racy by design (the caller owns the address it
 * asks about, so its span cannot change under it).
 */
#ifndef GORT_MEM_MHEAP_H
#define GORT_MEM_MHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic/atomic.h"
#include "mem/sizeclasses.h"
#include "sched/lock.h"

enum {
  ARENA_SHIFT = sizeof(void *) == 8 ? 26 : 22,
  ADDRESS_BITS = sizeof(void *) == 8 ? 48 : 32,
};
#define ARENA_BYTES ((uintptr_t)1 << ARENA_SHIFT)
#define PAGES_PER_ARENA (ARENA_BYTES / GORT_PAGE_SIZE)
#define ARENA_COUNT ((uintptr_t)1 << (ADDRESS_BITS - ARENA_SHIFT))

enum span_state { SPAN_DEAD = 0, SPAN_FREE, SPAN_IN_USE };

/* Most objects a span holds: a one-page span of 8-byte objects. */
enum { MAX_SPAN_OBJECTS = GORT_PAGE_SIZE / 8 };

struct mspan {
  struct mspan *next, *prev; /* in a heap free list or a central list
                                (that list's lock) */
  uintptr_t base;            /* first byte */
  uintptr_t npages;
  _Atomic(uint8_t) state; /* enum span_state */
  uint8_t spanclass;      /* size class << 1 | noscan; 0 or 1: large */
  bool needzero;          /* its memory may hold old data */
  bool in_cache;          /* owned by an mcache (mcentral.c) */
  /* Sweep generation (mgcsweep.c; Go's mspan.sweepgen), against the
   * heap's sg: sg - 2 needs sweeping, sg - 1 is being swept, sg is swept.
   * Set to sg when the span is made. */
  _Atomic(uint32_t) sweepgen;
  uint16_t alloc_count_at_cache; /* alloc_count when an mcache took it */
  /* Objects (mcentral.c and malloc.c; the owning mcache's while cached). */
  uintptr_t elemsize;
  uint32_t divmagic; /* offset / elemsize == offset * divmagic >> 32 */
  uint16_t nelems;
  _Atomic(uint16_t) freeindex; /* objects below it are allocated */
  /* freeindex as the collector may see it (Go's freeIndexForScan): raised
   * by the allocating P with a release store only once the objects below
   * it are initialised (zeroed, their type bits or header written, and
   * marked black during a mark), so a marker that finds a stale pointer
   * to a slot being allocated never scans it half-made. */
  _Atomic(uint16_t) freeindex_for_scan;
  uint16_t alloc_count;
  uint64_t alloc_cache; /* ~alloc_bits from freeindex & ~63, shifted
                           so bit 0 is object freeindex */
  /* Objects allocated as of the last sweep (all zero before the first);
   * the slots at or above freeindex with a 0 bit are free. */
  uint64_t alloc_bits[MAX_SPAN_OBJECTS / 64];
  /* Objects found reachable by the current mark (mgc.c); sweeping makes
   * them the new alloc bits. Set with an atomic or: markers on every P
   * and the allocation of black objects share the words. */
  _Atomic(uint64_t) mark_bits[MAX_SPAN_OBJECTS / 64];
  /* The checkmark pass's own bits (mgccheckmark.c; NULL otherwise). */
  uint64_t *check_bits;
  /* Scan spans only: slot i holds a precise object (gort_alloc_typed).
   * Set by the allocating P before the object is published, cleared by
   * the sweep for freed slots; read by the marker for allocated slots. */
  _Atomic(uint64_t) precise_bits[MAX_SPAN_OBJECTS / 64];
  /* Spans of objects up to HEAP_BITS_MAX bytes (one page): bit w says
   * word w of the span holds a pointer, for the words of precise slots
   * (Go 1.22's heap bits in the span; larger precise objects carry their
   * type in a header word instead). Written with precise_bits. */
  _Atomic(uint64_t) heap_bits[GORT_PAGE_SIZE / sizeof(void *) / 64];
  /* Free spans: how many of its pages are released (heap lock); 0 while
   * in use. */
  uintptr_t npages_released;
};

struct heap_arena {
  /* Written under the heap lock, read without it (relaxed: the span's
   * state, loaded with acquire, says whether the entry is current). */
  _Atomic(struct mspan *) spans[PAGES_PER_ARENA];
  /* Pages at or above this page index were never handed out: they still
   * read as zero (heap lock). */
  uintptr_t zeroed_page;
  /* Bit i: page i is released (free, RAM given back, reads as zero; heap
   * lock). */
  uint64_t released[PAGES_PER_ARENA / 64];
};

/* Free spans of 1..FREE_LISTS-1 pages sit in the list of their size;
 * larger ones in one list searched best-fit. */
enum { FREE_LISTS = 128 };

struct span_list {
  struct mspan head; /* sentinel of a circular list */
};

/* Span lists (the list owner's lock held): the heap's free lists and the
 * central lists share them. */
static inline void gort__span_list_init(struct span_list *l) {
  l->head.next = l->head.prev = &l->head;
}

static inline bool gort__span_list_empty(const struct span_list *l) {
  return l->head.next == &l->head;
}

static inline void gort__span_list_push(struct span_list *l, struct mspan *s) {
  s->next = l->head.next;
  s->prev = &l->head;
  l->head.next->prev = s;
  l->head.next = s;
}

static inline void gort__span_list_remove(struct mspan *s) {
  s->prev->next = s->next;
  s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

/* The first span, taken off the list; NULL if empty. */
static inline struct mspan *gort__span_list_pop(struct span_list *l) {
  if (gort__span_list_empty(l))
    return NULL;
  struct mspan *s = l->head.next;
  gort__span_list_remove(s);
  return s;
}

struct mheap {
  struct mutex lock;
  /* [ARENA_COUNT], reserved lazily: set once under the lock, read
   * without it (gort__arena_map). */
  _Atomic(struct heap_arena *) *_Atomic arenas;
  uintptr_t *arena_list; /* indices of the mapped arenas, in order */
  uintptr_t arena_list_len, arena_list_cap;
  struct span_list free[FREE_LISTS];
  struct span_list free_large;
  struct mspan *span_pool; /* dead mspans for reuse */
  /* Statistics (lock). */
  uintptr_t pages_in_use, pages_free, arenas_mapped;
  uintptr_t spans_in_use;
  uintptr_t pages_released; /* of pages_free */
};

extern struct mheap gort__mheap;

/* An in-use span of npages (spanclass recorded for the caller; needzero
 * set if any of its pages were handed out before), or NULL when the
 * address space is exhausted (the OS refused an arena: Go's "runtime: out
 * of memory: cannot allocate ..." line is printed, the heap is unchanged,
 * and the caller throws "out of memory") or npages is absurd. */
struct mspan *gort__mheap_alloc(uintptr_t npages, uint8_t spanclass);
/* Print Go's line before a throw("out of memory"): "runtime: out of
 * memory: cannot allocate n-byte block (in_use in use)". Allocation-free. */
void gort__print_oom(uintptr_t n, uint64_t in_use);
/* The same for the runtime's own structures (C heap, or the OS outside
 * the heap): "... cannot allocate n-byte block (for what)", then
 * "fatal error: out of memory". */
_Noreturn void gort__throw_oom(uintptr_t n, const char *what);
/* Give s's pages back; it coalesces with free neighbours. */
void gort__mheap_free(struct mspan *s);
/* The in-use span containing p, or NULL if p is not in one. */
/* Every in-use span, each once, in address order: fn(s, arg). The heap
 * must not change meanwhile (the world is stopped). */
void gort__mheap_each_span(void (*fn)(struct mspan *s, void *arg), void *arg);
/* The same, free spans included (the heap snapshot). */
void gort__mheap_each_span_any(void (*fn)(struct mspan *s, void *arg),
                               void *arg);

/* The heap's memory figures (MemStats' HeapSys, HeapInuse, HeapIdle and
 * HeapReleased), read together under the heap lock: sys = inuse + idle,
 * released <= idle. */
struct heap_stats {
  uint64_t sys;      /* bytes of arenas mapped */
  uint64_t inuse;    /* bytes in in-use spans (cached ones included) */
  uint64_t idle;     /* bytes in free spans */
  uint64_t released; /* of idle: given back to the OS (0 on wasm) */
};
void gort__mheap_read_stats(struct heap_stats *out);
/* Release free pages to the OS (Go's pageAlloc.scavenge): from the free
 * span holding the highest unreleased page, a run of at most max_bytes
 * (rounded up to the OS page, if that is larger than a heap page) ending
 * at that page. Returns the bytes newly released: 0 when no free page is
 * left unreleased, or the OS releases nothing (wasm). The heap lock is
 * held for one run only: callers loop. */
uintptr_t gort__mheap_scavenge(uintptr_t max_bytes);
/* The released pages' invariants (see above), checked over every span:
 * NULL, or what is broken. For tests and the heap verifier. */
const char *gort__mheap_check_released(void);

/* A span's state: written under the heap lock, read without it by the
 * marker and the allocator's checks. A span becomes SPAN_IN_USE with a
 * release store once its object layout (elemsize, divmagic, nelems) is
 * set and no slot reads as allocated; readers load it with acquire, so
 * a marker that finds an in-use span sees that layout. */
static inline enum span_state gort__span_state(const struct mspan *s) {
  return (enum span_state)gort__atomic_load_acquire(&s->state);
}
static inline void gort__set_span_state(struct mspan *s, enum span_state st) {
  gort__atomic_store_release(&s->state, (uint8_t)st);
}

/* Mark bits, read and cleared outside a mark (the sweeper, the verifier,
 * the heap snapshot): relaxed, the cycle's stop of the world orders them. */
static inline bool gort__mark_bit(const struct mspan *s, uint32_t idx) {
  return gort__atomic_load_relaxed(&s->mark_bits[idx / 64]) >> (idx % 64) & 1;
}
static inline void gort__mark_bits_copy(const struct mspan *s, uint64_t *out) {
  for (size_t i = 0; i < MAX_SPAN_OBJECTS / 64; i++)
    out[i] = gort__atomic_load_relaxed(&s->mark_bits[i]);
}
static inline void gort__mark_bits_clear(struct mspan *s) {
  for (size_t i = 0; i < MAX_SPAN_OBJECTS / 64; i++)
    gort__atomic_store_relaxed(&s->mark_bits[i], 0);
}

static inline uintptr_t gort__span_limit(const struct mspan *s) {
  return s->base + s->npages * GORT_PAGE_SIZE;
}

/* The arena map, NULL before the first arena. */
static inline _Atomic(struct heap_arena *) *gort__arena_map(void) {
  return gort__atomic_load_acquire(&gort__mheap.arenas);
}

/* The in-use span containing p, or NULL if p is not in one (inline: the
 * marker asks it of every word it scans). */
static inline struct mspan *gort__span_of(const void *p) {
  uintptr_t addr = (uintptr_t)p;
  _Atomic(struct heap_arena *) *arenas = gort__arena_map();
  uintptr_t i = addr >> ARENA_SHIFT;
  if (arenas == NULL || i >= ARENA_COUNT)
    return NULL;
  struct heap_arena *a = gort__atomic_load_acquire(&arenas[i]);
  if (a == NULL)
    return NULL;
  struct mspan *s = gort__atomic_load_relaxed(
      &a->spans[(addr & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT]);
  if (s == NULL || gort__span_state(s) != SPAN_IN_USE || addr < s->base ||
      addr >= gort__span_limit(s))
    return NULL;
  return s;
}

/* The size class for an object of size bytes (1 .. GORT_MAX_SMALL_SIZE). */
static inline uint8_t gort__size_to_class(size_t size) {
  if (size <= GORT_SMALL_SIZE_MAX)
    return gort__size_to_class8[(size + GORT_SMALL_SIZE_DIV - 1) /
                                GORT_SMALL_SIZE_DIV];
  return gort__size_to_class128[(size - GORT_SMALL_SIZE_MAX +
                                 GORT_LARGE_SIZE_DIV - 1) /
                                GORT_LARGE_SIZE_DIV];
}

#endif
