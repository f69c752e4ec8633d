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
 * Invariants and locking: see mheap.h. The mspan structs themselves are
 * never returned to the OS: a dead one goes to span_pool for reuse.
 */
#include <stdlib.h>
#include <string.h>

#include "../debug/print.h"
#include "../os/os.h"
#include "mheap.h"

struct mheap gort__mheap;

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
  s->state = SPAN_DEAD;
  s->next = gort__mheap.span_pool;
  gort__mheap.span_pool = s;
}

/* ---- the page -> span map -------------------------------------------------- */

static struct heap_arena *arena_of(uintptr_t addr) {
  struct heap_arena **arenas = gort__mheap.arenas;
  uintptr_t i = addr >> ARENA_SHIFT;
  if (arenas == NULL || i >= ARENA_COUNT)
    return NULL;
  return __atomic_load_n(&arenas[i], __ATOMIC_ACQUIRE);
}

static void set_span(uintptr_t page_addr, struct mspan *s) {
  struct heap_arena *a = arena_of(page_addr);
  a->spans[(page_addr & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT] = s;
}

static struct mspan *span_at(uintptr_t page_addr) {
  struct heap_arena *a = arena_of(page_addr);
  if (a == NULL)
    return NULL;
  return a->spans[(page_addr & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT];
}

/* Record s for its first and last page (free), or every page (in use). */
static void record(struct mspan *s) {
  if (s->state == SPAN_IN_USE) {
    for (uintptr_t i = 0; i < s->npages; i++)
      set_span(s->base + i * GORT_PAGE_SIZE, s);
    return;
  }
  set_span(s->base, s);
  set_span(gort__span_limit(s) - GORT_PAGE_SIZE, s);
}

struct mspan *gort__span_of(const void *p) {
  uintptr_t addr = (uintptr_t)p;
  struct mspan *s = span_at(addr & ~(uintptr_t)(GORT_PAGE_SIZE - 1));
  if (s == NULL || __atomic_load_n(&s->state, __ATOMIC_RELAXED) != SPAN_IN_USE ||
      addr < s->base || addr >= gort__span_limit(s))
    return NULL;
  return s;
}

/* ---- growing ----------------------------------------------------------------- */

static bool heap_init_locked(void) {
  struct mheap *h = &gort__mheap;
  if (h->arenas != NULL)
    return true;
  /* calloc: natively a fresh zero mapping (32 MiB of address space,
   * touched only where arenas exist); on wasm 4 KiB. */
  h->arenas = calloc(ARENA_COUNT, sizeof *h->arenas);
  if (h->arenas == NULL)
    return false;
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
    __atomic_store_n(&h->arenas[idx], metas[i], __ATOMIC_RELEASE);
  }
  free(metas);
  h->arenas_mapped += n;
  s->base = (uintptr_t)mem;
  s->npages = n * PAGES_PER_ARENA;
  h->pages_free += s->npages;
  insert_free(s); /* coalesces with a neighbouring arena's free tail */
  return true;

fail_mem:
  gort__os_release(mem, n * ARENA_BYTES);
fail_span:
  span_dispose(s);
  gort__print_oom(n * ARENA_BYTES, bytes_mapped());
  return false;
}

static void walk_spans(void (*fn)(struct mspan *s, void *arg), void *arg,
                       bool with_free) {
  struct mheap *h = &gort__mheap;
  uintptr_t next = 0; /* the first address not yet covered */
  for (uintptr_t i = 0; i < h->arena_list_len; i++) {
    uintptr_t base = h->arena_list[i] << ARENA_SHIFT;
    struct heap_arena *meta = h->arenas[h->arena_list[i]];
    uintptr_t page = next > base ? (next - base) >> GORT_PAGE_SHIFT : 0;
    while (page < PAGES_PER_ARENA) {
      struct mspan *s = meta->spans[page];
      uintptr_t addr = base + page * GORT_PAGE_SIZE;
      /* A span's first page is always recorded, free or in use. */
      if (s == NULL || s->base != addr || s->state == SPAN_DEAD) {
        page++;
        continue;
      }
      next = gort__span_limit(s);
      if (s->state == SPAN_IN_USE || with_free)
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

/* ---- allocate and free --------------------------------------------------------- */

/* Add a free span to its list, merged with free neighbours first. */
static void insert_free(struct mspan *s) {
  s->state = SPAN_FREE;
  struct mspan *before =
      s->base >= GORT_PAGE_SIZE ? span_at(s->base - GORT_PAGE_SIZE) : NULL;
  if (before && before->state == SPAN_FREE &&
      gort__span_limit(before) == s->base) {
    gort__span_list_remove(before);
    s->base = before->base;
    s->npages += before->npages;
    span_dispose(before);
  }
  struct mspan *after = span_at(gort__span_limit(s));
  if (after && after->state == SPAN_FREE && after->base == gort__span_limit(s)) {
    gort__span_list_remove(after);
    s->npages += after->npages;
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
    s->npages = npages;
    h->pages_free += rest->npages;
    rest->state = SPAN_FREE;
    record(rest);
    gort__span_list_push(list_for(rest->npages), rest);
  }
  s->spanclass = spanclass;
  s->needzero = false;
  for (uintptr_t a = s->base; a < gort__span_limit(s);
       a = (a | (ARENA_BYTES - 1)) + 1) {
    /* Each arena the span touches: dirty below its zeroed mark? */
    struct heap_arena *meta = arena_of(a);
    uintptr_t first = (a & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT;
    uintptr_t end = gort__span_limit(s) - (a & ~(ARENA_BYTES - 1));
    uintptr_t last = end >= ARENA_BYTES ? PAGES_PER_ARENA
                                        : end >> GORT_PAGE_SHIFT;
    if (first < meta->zeroed_page)
      s->needzero = true;
    if (last > meta->zeroed_page)
      meta->zeroed_page = last;
  }
  __atomic_store_n(&s->state, SPAN_IN_USE, __ATOMIC_RELAXED);
  record(s);
  h->pages_in_use += npages;
  h->spans_in_use++;
  gort__unlock(&h->lock);
  return s;
}

void gort__mheap_free(struct mspan *s) {
  struct mheap *h = &gort__mheap;
  gort__lock(&h->lock);
  if (s->state != SPAN_IN_USE)
    gort__throw("runtime: mheap: free of a span not in use");
  h->pages_in_use -= s->npages;
  h->spans_in_use--;
  h->pages_free += s->npages;
  insert_free(s);
  gort__unlock(&h->lock);
}
