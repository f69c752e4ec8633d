/*
 * mcentral.c - the central lists: for each span class, the spans with
 * free objects that no P caches, and the full ones (Go's mcentral.go,
 * before its sweep generations: those come with the collector).
 *
 * Invariants: a span is on exactly one list of its class while no P
 * caches it, on none while cached. A span made here has its object
 * layout set (elemsize, nelems, divmagic) and all its slots free.
 *
 * Locking: one lock per class; the heap's lock nests inside it.
 */
#include <string.h>

#include "../debug/print.h"
#include "malloc.h"

static struct mcentral central[NUM_SPAN_CLASSES];
static int central_ready; /* __atomic */
static struct mutex central_init_lock;

static void init_once(void) {
  if (__atomic_load_n(&central_ready, __ATOMIC_ACQUIRE))
    return;
  gort__lock(&central_init_lock);
  if (!central_ready) {
    for (int i = 0; i < NUM_SPAN_CLASSES; i++) {
      gort__span_list_init(&central[i].partial);
      gort__span_list_init(&central[i].full);
    }
    __atomic_store_n(&central_ready, 1, __ATOMIC_RELEASE);
  }
  gort__unlock(&central_init_lock);
}

/* Lay objects out in a fresh span: every slot free. */
static void init_span(struct mspan *s, uint8_t spanclass) {
  uint8_t sizeclass = spanclass >> 1;
  s->elemsize = gort__class_to_size[sizeclass];
  s->divmagic = gort__class_to_divmagic[sizeclass];
  s->nelems = (uint16_t)(s->npages * GORT_PAGE_SIZE / s->elemsize);
  s->freeindex = 0;
  s->alloc_count = 0;
  s->alloc_cache = ~(uint64_t)0;
  memset(s->alloc_bits, 0, sizeof s->alloc_bits);
  memset(s->precise_bits, 0, sizeof s->precise_bits);
}

struct mspan *gort__mcentral_cache_span(uint8_t spanclass) {
  init_once();
  struct mcentral *c = &central[spanclass];
  gort__lock(&c->lock);
  struct mspan *s = gort__span_list_pop(&c->partial);
  if (s == NULL) {
    uint8_t sizeclass = spanclass >> 1;
    s = gort__mheap_alloc(gort__class_to_npages[sizeclass], spanclass);
    if (s != NULL) {
      init_span(s, spanclass);
      __atomic_fetch_add(&c->spans_made, 1, __ATOMIC_RELAXED);
    }
  }
  if (s != NULL)
    s->in_cache = true;
  gort__unlock(&c->lock);
  return s;
}

void gort__mcentral_uncache_span(struct mspan *s) {
  struct mcentral *c = &central[s->spanclass];
  gort__lock(&c->lock);
  if (!s->in_cache)
    gort__throw("runtime: mcentral: uncache of a span not cached");
  s->in_cache = false;
  gort__span_list_push(s->alloc_count < s->nelems ? &c->partial : &c->full, s);
  gort__unlock(&c->lock);
}

void gort__mcentral_reset(void) {
  init_once();
  for (int i = 0; i < NUM_SPAN_CLASSES; i++) {
    gort__lock(&central[i].lock);
    gort__span_list_init(&central[i].partial);
    gort__span_list_init(&central[i].full);
    gort__unlock(&central[i].lock);
  }
}

void gort__mcentral_return(struct mspan *s) {
  struct mcentral *c = &central[s->spanclass];
  gort__lock(&c->lock);
  gort__span_list_push(s->alloc_count < s->nelems ? &c->partial : &c->full, s);
  gort__unlock(&c->lock);
}

uint64_t gort__mcentral_spans_made(void) {
  uint64_t n = 0;
  for (int i = 0; i < NUM_SPAN_CLASSES; i++)
    n += __atomic_load_n(&central[i].spans_made, __ATOMIC_RELAXED);
  return n;
}
