/*
 * mheapmap.c - the live heap map (mheapmap.h): sysmon walks every span
 * under the heap's lock, without stopping the world, and stores one
 * record per span straight into a seqlock'd area (debug/seqlock.h) that
 * the web page copies from wasm memory. gort's own; the stopping,
 * exact version is gort_heap_snapshot (mheapsnapshot.c), and Go's
 * nearest is the heap dump (runtime/debug.WriteHeapDump).
 *
 * What is exact and what is not:
 *   - The layout is exact at one instant: the heap's lock keeps spans
 *     from being made, freed, split or merged during the walk, and a
 *     span's class, object size and slot count are set under it.
 *   - The counts are of some instant within the walk: marked is counted
 *     from the mark bits (atomics); swept from sweepgen (atomic);
 *     allocated is alloc_count, which the P caching the span bumps with
 *     plain stores, read here racily (one aligned 16-bit load; TSan is
 *     told, GORT_NO_SANITIZE_RACY). It is a display figure, never used.
 *   - Span descriptors are never freed (mheap.c keeps a pool), so
 *     nothing read here can be unmapped.
 *
 * Invariants: one writer at a time (the seqlock's odd window); the
 * records of a published map cover nspans spans in address order, none
 * overlapping; its check covers the records and the header.
 * Locking: the heap's lock for the walk (bounded: HEAPMAP_SPANS records,
 * the walk stops there), taken with no other lock held.
 */
#include <string.h>

#include "arch/procyield.h"
#include "arch/sanitizer.h"
#include "debug/seqlock.h"
#include "mem/mgc.h"
#include "mem/mheap.h"
#include "mem/mheapmap.h"
#include "os/os.h"
#include "sched/lock.h"
#include "sched/runtime2.h"

_Static_assert(sizeof(struct heapmap_header) % 8 == 0, "header: 64-bit words");
_Static_assert(sizeof(struct heapmap_span) == 24, "span record: 24 bytes");
_Static_assert(offsetof(struct heapmap_area, words) == 8,
               "heapmap_area: words at 8");

_Alignas(8) struct heapmap_area gort__heapmap_area;

static uint32_t fnv(uint32_t h, const void *p, size_t n, size_t skip) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    uint32_t w = 0;
    if (i != skip)
      memcpy(&w, b + 4 * i, 4);
    h = (h ^ w) * 16777619u;
  }
  return h;
}

uint32_t gort__heapmap_checksum(const struct heapmap *m) {
  uint32_t h = fnv(2166136261u, m->spans,
                   (size_t)m->h.nspans * HEAPMAP_SPAN_WORDS, SIZE_MAX);
  return fnv(h, &m->h, HEAPMAP_HEADER_WORDS,
             offsetof(struct heapmap_header, check) / 4);
}

/* The P that caches the span bumps it with plain stores: a display
 * figure, read racily on purpose. */
GORT_NO_SANITIZE_RACY static uint16_t racy_alloc_count(const struct mspan *s) {
  return *(const volatile uint16_t *)&s->alloc_count;
}

struct walk {
  struct heapmap_header h;
  uint32_t hash;
  uintptr_t row; /* index in the heap's arena list of the current span */
};

static void add_span(struct mspan *s, void *arg) {
  struct walk *w = arg;
  struct mheap *mh = &gort__mheap;
  if (w->h.nspans >= HEAPMAP_SPANS) {
    w->h.dropped++;
    return;
  }
  while (w->row + 1 < mh->arena_list_len &&
         s->base >= mh->arena_list[w->row + 1] << ARENA_SHIFT)
    w->row++;
  uintptr_t arena_base = mh->arena_list[w->row] << ARENA_SHIFT;
  struct heapmap_span r = {
      .cell = (uint32_t)(w->row * PAGES_PER_ARENA +
                         ((s->base - arena_base) >> GORT_PAGE_SHIFT)),
      .npages = (uint32_t)s->npages,
  };
  if (gort__span_state(s) == SPAN_IN_USE) {
    r.kind = HEAPMAP_IN_USE;
    r.size_class = s->spanclass >> 1;
    r.noscan = s->spanclass & 1;
    r.swept = gort__atomic_load_relaxed(&s->sweepgen) == gort__sweepgen();
    r.objects = s->nelems;
    uint16_t a = racy_alloc_count(s);
    r.allocated = a > s->nelems ? s->nelems : a;
    uint64_t marks[MAX_SPAN_OBJECTS / 64];
    gort__mark_bits_copy(s, marks);
    r.marked = (uint16_t)gort__count_bits(marks, s->nelems);
  } else {
    r.released_pages = (uint32_t)s->npages_released;
    r.kind = s->npages_released == s->npages ? HEAPMAP_RELEASED : HEAPMAP_FREE;
  }
  size_t at = HEAPMAP_HEADER_WORDS + (size_t)w->h.nspans * HEAPMAP_SPAN_WORDS;
  gort__seqlock_write_words(&gort__heapmap_area.words[at], &r,
                            HEAPMAP_SPAN_WORDS);
  w->hash = fnv(w->hash, &r, HEAPMAP_SPAN_WORDS, SIZE_MAX);
  w->h.nspans++;
}

void gort__heapmap_publish(void) {
  static uint64_t seq; /* the writer's: inside the odd window only */
  struct heapmap_area *a = &gort__heapmap_area;
  uint32_t q;
  if (!gort__seqlock_write_begin(&a->seq, &q))
    return;
  struct walk w = {.hash = 2166136261u};
  w.h.marking = gort__gc_phase() != GC_OFF;
  w.h.pages_per_arena = (uint32_t)PAGES_PER_ARENA;
  w.h.page_size = GORT_PAGE_SIZE;
  for (int k = 0; k < GORT_NUM_SIZE_CLASSES; k++)
    w.h.class_size[k] = gort__class_to_size[k];
  gort__lock(&gort__mheap.lock);
  if (gort__arena_map() != NULL)
    gort__mheap_each_span_any(add_span, &w);
  w.h.narenas = (uint32_t)gort__mheap.arena_list_len;
  gort__unlock(&gort__mheap.lock);
  w.h.seq = ++seq;
  w.h.time_ns = gort__os_nanotime() - gort__sched.start_ns;
  w.h.check = fnv(w.hash, &w.h, HEAPMAP_HEADER_WORDS,
                  offsetof(struct heapmap_header, check) / 4);
  gort__seqlock_write_words(a->words, &w.h, HEAPMAP_HEADER_WORDS);
  gort__seqlock_write_end(&a->seq, q);
}

/* Only the header and the records it counts: a small heap's map is a
 * few KiB of the 384 the area holds. A torn header's count is bounded,
 * and the copy is thrown away when seq moved. */
bool gort__heapmap_copy(struct heapmap *out, uint32_t *retries) {
  struct heapmap_area *a = &gort__heapmap_area;
  uint32_t *w = (uint32_t *)out;
  for (;;) {
    uint32_t s0 = gort__atomic_load_acquire(&a->seq);
    if (s0 & 1) {
      gort__procyield(10);
      if (retries != NULL)
        (*retries)++;
      continue;
    }
    for (size_t i = 0; i < HEAPMAP_HEADER_WORDS; i++)
      w[i] = gort__atomic_load_relaxed(&a->words[i]);
    size_t n = out->h.nspans < HEAPMAP_SPANS ? out->h.nspans : HEAPMAP_SPANS;
    for (size_t i = HEAPMAP_HEADER_WORDS;
         i < HEAPMAP_HEADER_WORDS + n * HEAPMAP_SPAN_WORDS; i++)
      w[i] = gort__atomic_load_relaxed(&a->words[i]);
    gort__atomic_fence_acquire();
    if (gort__atomic_load_relaxed(&a->seq) == s0)
      return s0 != 0;
    if (retries != NULL)
      (*retries)++;
  }
}
