/*
 * mheap.c - the page heap (see mheap.h): arenas taken from the OS, spans
 * allocated best-fit from size-segregated free lists, split on allocation
 * and coalesced with free neighbours on free. Go's mheap.go keeps free
 * pages in a radix tree of bitmaps (mpagealloc.go) to find the lowest
 * fitting address fast at any heap size; gort starts with its older
 * design (Go 1.12's free lists plus a large list), which keeps the same
 * interface for the layers above.
 *
 * Out of memory: grow() obtains everything first (an mspan, room in the
 * arena list, the arenas, their metadata) and publishes only when all of
 * it was had; a refusal prints Go's "runtime: out of memory: cannot
 * allocate ..." line, releases what was taken and leaves the heap as it
 * was, and the allocator above throws "out of memory".
 *
 * Released pages (the scavenger's side, mgcscavenge.c; Go's scavenged
 * bitmap in mpallocbits.go with the counts of mheap.go): one bit per page
 * in its arena's metadata says the page is free and its RAM is back with
 * the OS (gort__os_decommit said so), so it reads as zero. A free span
 * keeps the count of its released pages; split and coalesce move counts,
 * the bits say exactly which pages, so a span made of released and
 * unreleased neighbours stays exact. A fresh arena counts as released
 * where the OS commits lazily (Go's pageAlloc.grow: "newly-grown memory
 * is always considered scavenged"). Allocation clears the bits; a span
 * whose every page is released or was never handed out needs no zeroing.
 *
 * Invariants and locking: see mheap.h. The mspan structs themselves are
 * never returned to the OS: a dead one goes to span_pool for reuse.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "mem/mheap.h"
#include "os/os.h"

struct mheap gort__mheap = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_MHEAP)};

/* ---- free lists and the span pool (lock) --------------------------------- */

static struct span_list *list_for(uintptr_t npages) {
  return npages < FREE_LISTS ? &gort__mheap.free[npages]
                             : &gort__mheap.free_large;
}

enum { SPAN_CHUNK = 64 * 1024 };

static uint64_t bytes_mapped(void) {
  return (uint64_t)gort__mheap.arenas_mapped * ARENA_BYTES;
}

void gort__print_oom(uintptr_t n, uint64_t in_use) {
  /* Go's mheap.grow says this before its caller throws "out of memory". */
  gort__print_str("runtime: out of memory: cannot allocate ");
  gort__print_uint(n);
  gort__print_str("-byte block (");
  gort__print_uint(in_use);
  gort__print_str(" in use)\n");
}

_Noreturn void gort__throw_oom(uintptr_t n, const char *what) {
  gort__print_str("runtime: out of memory: cannot allocate ");
  gort__print_uint(n);
  gort__print_str("-byte block (for ");
  gort__print_str(what);
  gort__print_str(")\n");
  gort__throw("out of memory");
}

static struct mspan *span_new(void) {
  struct mheap *h = &gort__mheap;
  if (h->span_pool == NULL) {
    struct mspan *chunk = gort__os_reserve(SPAN_CHUNK, OS_REQ_OTHER);
    if (chunk == NULL) {
      gort__print_oom(SPAN_CHUNK, bytes_mapped());
      return NULL;
    }
    for (size_t i = 0; i < SPAN_CHUNK / sizeof *chunk; i++) {
      chunk[i].next = h->span_pool;
      h->span_pool = &chunk[i];
    }
  }
  struct mspan *s = h->span_pool;
  h->span_pool = s->next;
  memset(s, 0, sizeof *s);
  return s;
}

static void span_dispose(struct mspan *s) {
  gort__set_span_state(s, SPAN_DEAD);
  s->next = gort__mheap.span_pool;
  gort__mheap.span_pool = s;
}

/* ---- the page -> span map ------------------------------------------------ */

static struct heap_arena *arena_of(uintptr_t addr) {
  _Atomic(struct heap_arena *) *arenas = gort__arena_map();
  uintptr_t i = addr >> ARENA_SHIFT;
  if (arenas == NULL || i >= ARENA_COUNT)
    return NULL;
  return gort__atomic_load_acquire(&arenas[i]);
}

static void set_span(uintptr_t page_addr, struct mspan *s) {
  struct heap_arena *a = arena_of(page_addr);
  gort__atomic_store_relaxed(
      &a->spans[(page_addr & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT], s);
}

static struct mspan *span_at(uintptr_t page_addr) {
  struct heap_arena *a = arena_of(page_addr);
  if (a == NULL)
    return NULL;
  return gort__atomic_load_relaxed(
      &a->spans[(page_addr & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT]);
}

/* Record s for its first and last page (free), or every page (in use). */
static void record(struct mspan *s) {
  if (gort__span_state(s) == SPAN_IN_USE) {
    for (uintptr_t i = 0; i < s->npages; i++)
      set_span(s->base + i * GORT_PAGE_SIZE, s);
    return;
  }
  set_span(s->base, s);
  set_span(gort__span_limit(s) - GORT_PAGE_SIZE, s);
}

/* ---- released pages (lock) ----------------------------------------------- */

enum bits_op { BITS_COUNT, BITS_SET, BITS_CLEAR };

/* Set bits in x, by halves: not __builtin_popcountll, which may call
 * libgcc's __popcountdi2 (see mgcsweep.c's ones64, the same method). */
static uintptr_t ones(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (uintptr_t)((x * 0x0101010101010101ull) >> 56);
}

/* Pages [from, to) of one arena's released map: count the set bits, or
 * set or clear them, returning how many changed. */
static uintptr_t bits_apply(uint64_t *bits, uintptr_t from, uintptr_t to,
                            enum bits_op op) {
  uintptr_t n = 0;
  while (from < to) {
    uintptr_t bit = from % 64;
    uintptr_t len = to - from < 64 - bit ? to - from : 64 - bit;
    uint64_t mask = (len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1)
                    << bit;
    uint64_t *w = &bits[from / 64];
    switch (op) {
    case BITS_COUNT:
      n += ones(*w & mask);
      break;
    case BITS_SET:
      n += ones(~*w & mask);
      *w |= mask;
      break;
    case BITS_CLEAR:
      n += ones(*w & mask);
      *w &= ~mask;
      break;
    }
    from += len;
  }
  return n;
}

/* The part of [lo, hi) in lo's arena: its meta, first page, end page. */
static struct heap_arena *arena_part(uintptr_t lo, uintptr_t hi,
                                     uintptr_t *first, uintptr_t *end) {
  uintptr_t off = lo & (ARENA_BYTES - 1);
  *first = off >> GORT_PAGE_SHIFT;
  *end = hi - lo >= ARENA_BYTES - off ? PAGES_PER_ARENA
                                      : (off + (hi - lo)) >> GORT_PAGE_SHIFT;
  return arena_of(lo);
}

/* The pages of [lo, hi) (page-aligned, within mapped arenas), arena by
 * arena. */
static uintptr_t released_apply(uintptr_t lo, uintptr_t hi, enum bits_op op) {
  uintptr_t n = 0;
  while (lo < hi) {
    uintptr_t first, end;
    struct heap_arena *meta = arena_part(lo, hi, &first, &end);
    n += bits_apply(meta->released, first, end, op);
    lo += (end - first) * GORT_PAGE_SIZE;
  }
  return n;
}

/* The highest page of [lo, hi) not released, or 0 if all are. */
static uintptr_t highest_unreleased(uintptr_t lo, uintptr_t hi) {
  while (hi > lo) {
    /* The part of [lo, hi) in the arena of hi's last page. */
    uintptr_t arena_base = (hi - 1) & ~(ARENA_BYTES - 1);
    uintptr_t from = lo > arena_base ? lo : arena_base;
    uintptr_t first = (from - arena_base) >> GORT_PAGE_SHIFT;
    uintptr_t end = (hi - arena_base) >> GORT_PAGE_SHIFT;
    const uint64_t *bits = arena_of(arena_base)->released;
    while (end > first) {
      uintptr_t w = (end - 1) / 64, low = w * 64 > first ? w * 64 : first;
      uintptr_t len = end - low, bit = low % 64;
      uint64_t mask = (len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1)
                      << bit;
      uint64_t clear = ~bits[w] & mask;
      if (clear != 0)
        return arena_base + (w * 64 + 63 - (uintptr_t)__builtin_clzll(clear)) *
                                GORT_PAGE_SIZE;
      end = low;
    }
    hi = from;
  }
  return 0;
}

/* Does s (being allocated, its bits not yet cleared) hold a page that may
 * have old contents: handed out before (below its arena's zeroed mark)
 * and not released since? Raises the zeroed marks past s. */
static bool span_needs_zero(struct mspan *s) {
  bool dirty = false;
  uintptr_t hi = gort__span_limit(s);
  for (uintptr_t lo = s->base; lo < hi;) {
    uintptr_t first, end;
    struct heap_arena *meta = arena_part(lo, hi, &first, &end);
    uintptr_t touched_end = end < meta->zeroed_page ? end : meta->zeroed_page;
    if (first < touched_end && bits_apply(meta->released, first, touched_end,
                                          BITS_COUNT) < touched_end - first)
      dirty = true;
    if (end > meta->zeroed_page)
      meta->zeroed_page = end;
    lo += (end - first) * GORT_PAGE_SIZE;
  }
  return dirty;
}

/* ---- growing ------------------------------------------------------------- */

static bool heap_init_locked(void) {
  GORT_ASSERT_LOCKED(&gort__mheap.lock);
  struct mheap *h = &gort__mheap;
  if (gort__arena_map() != NULL)
    return true;
  /* calloc: natively a fresh zero mapping (32 MiB of address space,
   * touched only where arenas exist); on wasm 4 KiB. */
  _Atomic(struct heap_arena *) *map =
      calloc(ARENA_COUNT, sizeof(_Atomic(struct heap_arena *)));
  if (map == NULL)
    return false;
  gort__atomic_store_release(&h->arenas, map);
  for (int i = 0; i < FREE_LISTS; i++)
    gort__span_list_init(&h->free[i]);
  gort__span_list_init(&h->free_large);
  return true;
}

static void insert_free(struct mspan *s);

/* Map enough new arenas for npages and add them as one free span. Either
 * all of it is published (arena metadata, the address-ordered arena list,
 * the free span) or nothing is: every piece is obtained first, so a
 * refusal anywhere leaves the heap as it was (and prints Go's message; the
 * caller throws). */
static bool grow(uintptr_t npages) {
  struct mheap *h = &gort__mheap;
  uintptr_t bytes = npages * GORT_PAGE_SIZE;
  uintptr_t n = (bytes + ARENA_BYTES - 1) / ARENA_BYTES;
  if (n > ARENA_COUNT)
    return false; /* more than the address space: not a real request */
  char *mem = NULL;
  struct heap_arena **metas = NULL;
  struct mspan *s = span_new();
  if (s == NULL)
    return false;
  if (h->arena_list_len + n > h->arena_list_cap) {
    uintptr_t ncap = h->arena_list_cap ? h->arena_list_cap * 2 : 16;
    while (ncap < h->arena_list_len + n)
      ncap *= 2;
    uintptr_t *nl = realloc(h->arena_list, ncap * sizeof *nl);
    if (nl == NULL)
      goto fail_span;
    h->arena_list = nl; /* a bigger list changes nothing visible */
    h->arena_list_cap = ncap;
  }
  mem = gort__os_reserve_aligned(n * ARENA_BYTES, ARENA_BYTES);
  if (mem == NULL)
    goto fail_span;
  /* The metadata, one block per arena (calloc: a large block is a fresh
   * zero mapping, touched only where spans are recorded). */
  metas = calloc(n, sizeof *metas);
  if (metas == NULL)
    goto fail_mem;
  for (uintptr_t i = 0; i < n; i++) {
    metas[i] = calloc(1, sizeof *metas[i]);
    if (metas[i] == NULL) {
      for (uintptr_t j = 0; j < i; j++)
        free(metas[j]);
      free(metas);
      goto fail_mem;
    }
  }
  for (uintptr_t i = 0; i < n; i++) {
    uintptr_t idx = ((uintptr_t)mem >> ARENA_SHIFT) + i;
    /* Keep the list in address order (insertion: arenas are few). */
    uintptr_t at = h->arena_list_len++;
    while (at > 0 && h->arena_list[at - 1] > idx) {
      h->arena_list[at] = h->arena_list[at - 1];
      at--;
    }
    h->arena_list[at] = idx;
    gort__atomic_store_release(&gort__arena_map()[idx], metas[i]);
  }
  free(metas);
  h->arenas_mapped += n;
  s->base = (uintptr_t)mem;
  s->npages = n * PAGES_PER_ARENA;
  h->pages_free += s->npages;
  /* Untouched memory is released memory where the OS commits lazily; the
   * OS says whether that holds (natively madvise finds nothing to drop
   * and returns at once; on wasm the memory is resident: nothing). */
  if (gort__os_decommit(mem, n * ARENA_BYTES) == n * ARENA_BYTES) {
    released_apply(s->base, gort__span_limit(s), BITS_SET);
    s->npages_released = s->npages;
    h->pages_released += s->npages;
  }
  insert_free(s); /* coalesces with a neighbouring arena's free tail */
  return true;

fail_mem:
  gort__os_release(mem, n * ARENA_BYTES);
fail_span:
  span_dispose(s);
  gort__print_oom(n * ARENA_BYTES, bytes_mapped());
  return false;
}

/* Every span, free ones too if with_free, in address order. */
static void walk_spans(void (*fn)(struct mspan *s, void *arg), void *arg,
                       bool with_free) {
  struct mheap *h = &gort__mheap;
  uintptr_t next = 0; /* the first address not yet covered */
  for (uintptr_t i = 0; i < h->arena_list_len; i++) {
    uintptr_t base = h->arena_list[i] << ARENA_SHIFT;
    struct heap_arena *meta =
        gort__atomic_load_relaxed(&gort__arena_map()[h->arena_list[i]]);
    uintptr_t page = next > base ? (next - base) >> GORT_PAGE_SHIFT : 0;
    while (page < PAGES_PER_ARENA) {
      struct mspan *s = gort__atomic_load_relaxed(&meta->spans[page]);
      uintptr_t addr = base + page * GORT_PAGE_SIZE;
      /* A span's first page is always recorded, free or in use. */
      if (s == NULL || s->base != addr || gort__span_state(s) == SPAN_DEAD) {
        page++;
        continue;
      }
      next = gort__span_limit(s);
      if (gort__span_state(s) == SPAN_IN_USE || with_free)
        fn(s, arg);
      page += s->npages;
    }
  }
}

void gort__mheap_each_span(void (*fn)(struct mspan *s, void *arg), void *arg) {
  walk_spans(fn, arg, false);
}

void gort__mheap_each_span_any(void (*fn)(struct mspan *s, void *arg),
                               void *arg) {
  walk_spans(fn, arg, true);
}

/* ---- allocate and free --------------------------------------------------- */

/* Add a free span to its list, merged with free neighbours first. */
static void insert_free(struct mspan *s) {
  gort__set_span_state(s, SPAN_FREE);
  struct mspan *before =
      s->base >= GORT_PAGE_SIZE ? span_at(s->base - GORT_PAGE_SIZE) : NULL;
  if (before && gort__span_state(before) == SPAN_FREE &&
      gort__span_limit(before) == s->base) {
    gort__span_list_remove(before);
    s->base = before->base;
    s->npages += before->npages;
    s->npages_released += before->npages_released;
    span_dispose(before);
  }
  struct mspan *after = span_at(gort__span_limit(s));
  if (after && gort__span_state(after) == SPAN_FREE &&
      after->base == gort__span_limit(s)) {
    gort__span_list_remove(after);
    s->npages += after->npages;
    s->npages_released += after->npages_released;
    span_dispose(after);
  }
  record(s);
  gort__span_list_push(list_for(s->npages), s);
}

static struct mspan *find_free(uintptr_t npages) {
  struct mheap *h = &gort__mheap;
  for (uintptr_t n = npages; n < FREE_LISTS; n++)
    if (!gort__span_list_empty(&h->free[n]))
      return h->free[n].head.next;
  struct mspan *best = NULL;
  for (struct mspan *s = h->free_large.head.next; s != &h->free_large.head;
       s = s->next)
    if (s->npages >= npages &&
        (best == NULL || s->npages < best->npages ||
         (s->npages == best->npages && s->base < best->base)))
      best = s;
  return best;
}

/* The object layout of a span about to be in use, set before its state
 * says so (mheap.h): no slot allocated yet, none marked. */
static void lay_out(struct mspan *s, uint8_t spanclass) {
  uint8_t sizeclass = spanclass >> 1;
  if (sizeclass >= GORT_NUM_SIZE_CLASSES) {
    s->elemsize = s->npages * GORT_PAGE_SIZE; /* a test's raw span: no */
    s->divmagic = 0;                          /* objects */
    s->nelems = 0;
  } else if (sizeclass == 0) {
    s->elemsize = s->npages * GORT_PAGE_SIZE;
    s->divmagic = 0;
    s->nelems = 1;
  } else {
    s->elemsize = gort__class_to_size[sizeclass];
    s->divmagic = gort__class_to_divmagic[sizeclass];
    s->nelems = (uint16_t)(s->npages * GORT_PAGE_SIZE / s->elemsize);
  }
  gort__atomic_store_relaxed(&s->freeindex, 0);
  gort__atomic_store_relaxed(&s->freeindex_for_scan, 0);
  memset(s->alloc_bits, 0, sizeof s->alloc_bits);
  for (size_t i = 0; i < MAX_SPAN_OBJECTS / 64; i++)
    gort__atomic_store_relaxed(&s->precise_bits[i], 0);
  gort__mark_bits_clear(s);
}

struct mspan *gort__mheap_alloc(uintptr_t npages, uint8_t spanclass) {
  struct mheap *h = &gort__mheap;
  if (npages == 0 || npages > (UINTPTR_MAX >> GORT_PAGE_SHIFT) / 2)
    return NULL;
  gort__lock(&h->lock);
  struct mspan *s = NULL;
  if (!heap_init_locked()) {
    gort__print_oom(ARENA_COUNT * sizeof(void *), 0);
  } else {
    s = find_free(npages);
    if (s == NULL && grow(npages))
      s = find_free(npages);
  }
  if (s == NULL) {
    gort__unlock(&h->lock);
    return NULL;
  }
  gort__span_list_remove(s);
  h->pages_free -= s->npages;
  if (s->npages > npages) {
    /* Split: the tail stays free. */
    struct mspan *rest = span_new();
    if (rest == NULL) {
      h->pages_free += s->npages;
      insert_free(s);
      gort__unlock(&h->lock);
      return NULL;
    }
    rest->base = s->base + npages * GORT_PAGE_SIZE;
    rest->npages = s->npages - npages;
    rest->npages_released =
        s->npages_released - released_apply(s->base, rest->base, BITS_COUNT);
    s->npages = npages;
    h->pages_free += rest->npages;
    gort__set_span_state(rest, SPAN_FREE);
    record(rest);
    gort__span_list_push(list_for(rest->npages), rest);
  }
  s->spanclass = spanclass;
  s->needzero = span_needs_zero(s);
  /* Its pages are in use now: none is released any more (they recommit
   * as they are touched). */
  h->pages_released -= released_apply(s->base, gort__span_limit(s), BITS_CLEAR);
  s->npages_released = 0;
  lay_out(s, spanclass);
  gort__set_span_state(s, SPAN_IN_USE);
  record(s);
  h->pages_in_use += npages;
  h->spans_in_use++;
  gort__unlock(&h->lock);
  return s;
}

void gort__mheap_free(struct mspan *s) {
  struct mheap *h = &gort__mheap;
  gort__lock(&h->lock);
  if (gort__span_state(s) != SPAN_IN_USE)
    gort__throw("runtime: mheap: free of a span not in use");
  h->pages_in_use -= s->npages;
  h->spans_in_use--;
  h->pages_free += s->npages;
  insert_free(s);
  gort__unlock(&h->lock);
}

/* ---- giving pages back: the scavenger's side ----------------------------- */

void gort__mheap_read_stats(struct heap_stats *out) {
  struct mheap *h = &gort__mheap;
  gort__lock(&h->lock);
  out->sys = bytes_mapped();
  out->inuse = (uint64_t)h->pages_in_use * GORT_PAGE_SIZE;
  out->idle = (uint64_t)h->pages_free * GORT_PAGE_SIZE;
  out->released = (uint64_t)h->pages_released * GORT_PAGE_SIZE;
  gort__unlock(&h->lock);
}

/* The free span holding the highest page that is not released and lies
 * in a whole grain (grain: a power of two, at least a page) inside the
 * span; that page in *top. NULL if there is none. Go's scavenger also
 * works from the highest addresses down: the allocator prefers low ones,
 * so high free memory is the least likely to be wanted back soon. */
static struct mspan *scavenge_candidate(uintptr_t grain, uintptr_t *top) {
  struct mheap *h = &gort__mheap;
  struct mspan *best = NULL;
  *top = 0;
  for (int i = 1; i <= FREE_LISTS; i++) { /* free[0]: no span has 0 pages */
    struct span_list *l = i < FREE_LISTS ? &h->free[i] : &h->free_large;
    for (struct mspan *s = l->head.next; s != &l->head; s = s->next) {
      if (s->npages_released == s->npages || gort__span_limit(s) <= *top)
        continue;
      uintptr_t lo = (s->base + grain - 1) & ~(grain - 1);
      uintptr_t hi = gort__span_limit(s) & ~(grain - 1);
      uintptr_t page = lo < hi ? highest_unreleased(lo, hi) : 0;
      if (page > *top) {
        *top = page;
        best = s;
      }
    }
  }
  return best;
}

uintptr_t gort__mheap_scavenge(uintptr_t max_bytes) {
  struct mheap *h = &gort__mheap;
  uintptr_t grain = gort__os_page_size();
  if (grain < GORT_PAGE_SIZE)
    grain = GORT_PAGE_SIZE;
  if (max_bytes < grain)
    max_bytes = grain;
  max_bytes &= ~(grain - 1);
  gort__lock(&h->lock);
  uintptr_t top;
  struct mspan *s = gort__arena_map() ? scavenge_candidate(grain, &top) : NULL;
  if (s == NULL) {
    gort__unlock(&h->lock);
    return 0;
  }
  /* The run: whole grains inside s, ending with top's. Released pages in
   * it are released again (harmless); only the new ones are counted. */
  uintptr_t lo = (s->base + grain - 1) & ~(grain - 1);
  uintptr_t end = (top & ~(grain - 1)) + grain;
  uintptr_t start = end - lo > max_bytes ? end - max_bytes : lo;
  uintptr_t newly = 0;
  if (gort__os_decommit((void *)start, end - start) == end - start) {
    newly = released_apply(start, end, BITS_SET);
    s->npages_released += newly;
    h->pages_released += newly;
  }
  gort__unlock(&h->lock);
  return newly * GORT_PAGE_SIZE;
}

struct released_check {
  const char *broken;
  uintptr_t released, free_pages;
  struct mspan *prev;
};

static void check_span(struct mspan *s, void *arg) {
  struct released_check *c = arg;
  uintptr_t bits = released_apply(s->base, gort__span_limit(s), BITS_COUNT);
  if (c->broken != NULL)
    return;
  if (gort__span_state(s) == SPAN_IN_USE) {
    if (bits != 0 || s->npages_released != 0)
      c->broken = "an in-use span has released pages";
  } else {
    if (bits != s->npages_released)
      c->broken = "a free span's released count disagrees with its bits";
    else if (s->npages_released > s->npages)
      c->broken = "a free span has more released pages than pages";
    else if (c->prev != NULL && gort__span_state(c->prev) == SPAN_FREE &&
             gort__span_limit(c->prev) == s->base)
      c->broken = "two free spans are adjacent";
    c->released += s->npages_released;
    c->free_pages += s->npages;
  }
  c->prev = s;
}

const char *gort__mheap_check_released(void) {
  struct mheap *h = &gort__mheap;
  struct released_check c = {0};
  gort__lock(&h->lock);
  if (gort__arena_map() != NULL)
    walk_spans(check_span, &c, true);
  if (c.broken == NULL && c.free_pages != h->pages_free)
    c.broken = "the free spans' pages do not add up to pages_free";
  if (c.broken == NULL && c.released != h->pages_released)
    c.broken = "the free spans' released pages do not add up to the heap's";
  if (c.broken == NULL && h->pages_released > h->pages_free)
    c.broken = "more pages released than free";
  gort__unlock(&h->lock);
  return c.broken;
}
