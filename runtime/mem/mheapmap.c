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
 * the walk stops there), taken with no other lock held. The walk writes
 * plain stores into a scratch map; the area's atomic stores and the
 * checksum come after the lock is dropped, so allocators wait only for
 * the walk.
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

static uint32_t fnv(uint32_t h, const void *p, size_t nbytes, size_t skip) {
  const unsigned char *b = p;
  for (size_t i = 0; i < nbytes / 4; i++) {
    uint32_t w = 0;
    if (i != skip)
      memcpy(&w, b + 4 * i, 4);
    h = (h ^ w) * 16777619u;
  }
  return h;
}

uint32_t gort__heapmap_checksum(const struct heapmap *m) {
  size_t n = m->h.nspans < HEAPMAP_SPANS ? m->h.nspans : HEAPMAP_SPANS;
  uint32_t h = fnv(2166136261u, m->spans, n * sizeof m->spans[0], SIZE_MAX);
  return fnv(h, &m->h, sizeof m->h, offsetof(struct heapmap_header, check) / 4);
}

/* The P that caches the span bumps it with plain stores: a display
 * figure, read racily on purpose. */
GORT_NO_SANITIZE_RACY static uint16_t racy_alloc_count(const struct mspan *s) {
  return *(const volatile uint16_t *)&s->alloc_count;
}

/* The writer's copy, filled under the heap's lock with plain stores
 * (the area's atomic stores come after the lock is dropped); inside the
 * seqlock's odd window only. */
static struct heapmap scratch;

struct walk {
  uintptr_t row; /* index in the heap's arena list of the current span */
};

static void add_span(struct mspan *s, void *arg) {
  struct walk *w = arg;
  struct heapmap_header *h = &scratch.h;
  struct mheap *mh = &gort__mheap;
  if (h->nspans >= HEAPMAP_SPANS) {
    h->dropped++;
    return;
  }
  while (w->row + 1 < mh->arena_list_len &&
         s->base >= mh->arena_list[w->row + 1] << ARENA_SHIFT)
    w->row++;
  uintptr_t arena_base = mh->arena_list[w->row] << ARENA_SHIFT;
  struct heapmap_span *r = &scratch.spans[h->nspans++];
  *r = (struct heapmap_span){
      .cell = (uint32_t)(w->row * PAGES_PER_ARENA +
                         ((s->base - arena_base) >> GORT_PAGE_SHIFT)),
      .npages = (uint32_t)s->npages,
  };
  if (gort__span_state(s) == SPAN_IN_USE) {
    r->kind = HEAPMAP_IN_USE;
    r->size_class = s->spanclass >> 1;
    r->noscan = s->spanclass & 1;
    r->swept = gort__atomic_load_relaxed(&s->sweepgen) == gort__sweepgen();
    r->objects = s->nelems;
    uint16_t a = racy_alloc_count(s);
    r->allocated = a > s->nelems ? s->nelems : a;
    if (h->marking) { /* outside a mark the bits mean nothing new */
      uint64_t marks[MAX_SPAN_OBJECTS / 64];
      gort__mark_bits_copy(s, marks);
      r->marked = (uint16_t)gort__count_bits(marks, s->nelems);
    }
  } else {
    r->released_pages = (uint32_t)s->npages_released;
    r->kind = s->npages_released == s->npages ? HEAPMAP_RELEASED : HEAPMAP_FREE;
  }
}

static void store_words(size_t at, const void *src, size_t nbytes) {
  const unsigned char *p = src;
  for (size_t i = 0; i < nbytes / 8; i++) {
    uint64_t v;
    memcpy(&v, p + 8 * i, 8);
    gort__atomic_store_release(&gort__heapmap_area.words[at + i], v);
  }
}

void gort__heapmap_publish(void) {
  static uint64_t seq; /* the writer's: inside the odd window only */
  struct heapmap_area *a = &gort__heapmap_area;
  uint32_t q;
  if (!gort__seqlock_write_begin(&a->seq, &q))
    return;
  struct heapmap_header *h = &scratch.h;
  memset(h, 0, sizeof *h);
  h->marking = gort__gc_phase() != GC_OFF;
  h->pages_per_arena = (uint32_t)PAGES_PER_ARENA;
  h->page_size = GORT_PAGE_SIZE;
  for (int k = 0; k < GORT_NUM_SIZE_CLASSES; k++)
    h->class_size[k] = gort__class_to_size[k];
  struct walk w = {0};
  int64_t t0 = gort__os_nanotime();
  gort__lock(&gort__mheap.lock);
  if (gort__arena_map() != NULL)
    gort__mheap_each_span_any(add_span, &w);
  h->narenas = (uint32_t)gort__mheap.arena_list_len;
  gort__unlock(&gort__mheap.lock);
  int64_t t1 = gort__os_nanotime();
  h->walk_ns = (uint32_t)(t1 - t0 < UINT32_MAX ? t1 - t0 : UINT32_MAX);
  h->seq = ++seq;
  h->time_ns = t1 - gort__sched.start_ns;
  h->check = gort__heapmap_checksum(&scratch);
  store_words(HEAPMAP_HEADER_WORDS, scratch.spans,
              h->nspans * sizeof scratch.spans[0]);
  store_words(0, h, sizeof *h);
  gort__seqlock_write_end(&a->seq, q);
}

bool gort__heapmap_copy(struct heapmap *out, uint32_t *retries) {
  struct heapmap_area *a = &gort__heapmap_area;
  uint64_t *w = (uint64_t *)out;
  for (;;) {
    uint32_t s0 = gort__atomic_load_acquire(&a->seq);
    if (s0 & 1) {
      gort__procyield(10);
      if (retries != NULL)
        (*retries)++;
      continue;
    }
    for (size_t i = 0; i < HEAPMAP_HEADER_WORDS; i++)
      w[i] = gort__atomic_load_acquire(&a->words[i]);
    size_t n = out->h.nspans < HEAPMAP_SPANS ? out->h.nspans : HEAPMAP_SPANS;
    for (size_t i = HEAPMAP_HEADER_WORDS;
         i < HEAPMAP_HEADER_WORDS + n * HEAPMAP_SPAN_WORDS; i++)
      w[i] = gort__atomic_load_acquire(&a->words[i]);
    if (gort__atomic_load_relaxed(&a->seq) == s0)
      return s0 != 0;
    if (retries != NULL)
      (*retries)++;
  }
}
