/*
 * mcentral.c - the central lists: for each span class, the spans no P
 * caches, with free objects (partial) or without (full), each in two sets
 * by sweep state (Go's mcentral.go with its partial/full spanSets indexed
 * by sweepgen). Set [sg/2 % 2] holds swept spans, the other set unswept
 * ones; when the collector adds 2 to sg at the end of a mark, every swept
 * span becomes unswept without being touched. Taking a span for a P
 * sweeps unswept spans of the class on the way (Go's cacheSpan: the
 * allocating goroutine pays for the sweeping its class needs), and
 * before the heap grows, spans of any class are swept to reclaim pages
 * (mgcsweep.c).
 *
 * Invariants: a span not cached by a P is on exactly one list of its
 * class; a cached span is on none and is swept (every P's cache is
 * emptied before sg moves). A span made here has its object layout set
 * (elemsize, nelems, divmagic), all its slots free, and sweepgen = sg.
 *
 * Locking: one lock per class, a leaf: held only to push and pop (never
 * while sweeping or taking pages from the heap, whose lock is taken after
 * it is released; lock order: sched/lockrank.c).
 */
#include <string.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "mem/mstats.h"

static struct mcentral central[NUM_SPAN_CLASSES];
static _Atomic(int) central_ready;
static struct mutex central_init_lock =
    GORT_LOCK_INITIALIZER(LOCK_RANK_MCENTRAL_INIT);

static void init_once(void) {
  if (gort__atomic_load_acquire(&central_ready))
    return;
  gort__lock(&central_init_lock);
  if (!gort__atomic_load_relaxed(&central_ready)) {
    for (int i = 0; i < NUM_SPAN_CLASSES; i++) {
      gort__lock_init(&central[i].lock, LOCK_RANK_MCENTRAL);
      for (int k = 0; k < 2; k++) {
        gort__span_list_init(&central[i].partial[k]);
        gort__span_list_init(&central[i].full[k]);
      }
    }
    gort__atomic_store_release(&central_ready, 1);
  }
  gort__unlock(&central_init_lock);
}

/* The set index of swept (true) or unswept spans. */
static int set_of(bool swept) {
  uint32_t sg = gort__sweepgen();
  return (int)((sg / 2 + (swept ? 0 : 1)) % 2);
}

/* Lay objects out in a fresh span: every slot free. */
static void init_span(struct mspan *s) {
  /* The layout (elemsize, nelems, no slot allocated) is the page heap's
   * (mheap.c: lay_out, before the span is published). */
  s->alloc_count = 0;
  s->alloc_cache = ~(uint64_t)0;
  gort__atomic_store_relaxed(&s->sweepgen, gort__sweepgen());
}

/* Put a swept span of c's class on the swept list that fits it. */
static void push_swept_locked(struct mcentral *c, struct mspan *s) {
  GORT_ASSERT_LOCKED(&c->lock);
  int k = set_of(true);
  gort__span_list_push(
      s->alloc_count < s->nelems ? &c->partial[k] : &c->full[k], s);
}

/* An unswept span of c's class taken off its list (partial ones first),
 * or NULL. */
static struct mspan *take_unswept(struct mcentral *c) {
  gort__lock(&c->lock);
  int k = set_of(false);
  struct mspan *s = gort__span_list_pop(&c->partial[k]);
  if (s == NULL)
    s = gort__span_list_pop(&c->full[k]);
  gort__unlock(&c->lock);
  return s;
}

/* Sweep unswept spans of the class until one has a free slot (returned,
 * not on any list) or the budget or the spans run out (Go's cacheSpan
 * spanBudget). */
static struct mspan *sweep_for_free(struct mcentral *c) {
  for (int budget = 100; budget > 0; budget--) {
    struct mspan *s = take_unswept(c);
    if (s == NULL)
      return NULL;
    enum sweep_outcome out = gort__sweep_span(s);
    if (out == SWEEP_FREED)
      continue;
    if (s->alloc_count < s->nelems)
      return s;
    gort__lock(&c->lock);
    push_swept_locked(c, s);
    gort__unlock(&c->lock);
  }
  return NULL;
}

struct mspan *gort__mcentral_cache_span(uint8_t spanclass, bool *trigger) {
  init_once();
  struct mcentral *c = &central[spanclass];
  gort__lock(&c->lock);
  struct mspan *s = gort__span_list_pop(&c->partial[set_of(true)]);
  gort__unlock(&c->lock);
  if (s == NULL)
    s = sweep_for_free(c);
  if (s == NULL) {
    uint8_t sizeclass = spanclass >> 1;
    uintptr_t npages = gort__class_to_npages[sizeclass];
    gort__sweep_reclaim(npages);
    s = gort__mheap_alloc(npages, spanclass);
    if (s == NULL)
      return NULL;
    init_span(s);
    gort__atomic_add_relaxed(&c->spans_made, 1);
  }
  s->in_cache = true;
  s->alloc_count_at_cache = s->alloc_count;
  /* The span's free slots count as allocated from now (mgcpacer.h). */
  *trigger = gort__gc_heap_live_add(
      (int64_t)((uint64_t)(s->nelems - s->alloc_count) * s->elemsize));
  return s;
}

void gort__mcentral_uncache_span(struct mspan *s) {
  struct mcentral *c = &central[s->spanclass];
  if (!s->in_cache)
    gort__throw("runtime: mcentral: uncache of a span not cached");
  s->in_cache = false;
  gort__mstats_span_uncached(s);
  gort__lock(&c->lock);
  push_swept_locked(c, s);
  gort__unlock(&c->lock);
}

struct mspan *gort__mcentral_take_unswept(uint8_t spanclass) {
  init_once();
  return take_unswept(&central[spanclass]);
}

void gort__mcentral_put_swept(struct mspan *s) {
  struct mcentral *c = &central[s->spanclass];
  gort__lock(&c->lock);
  push_swept_locked(c, s);
  gort__unlock(&c->lock);
}

uint64_t gort__mcentral_spans_made(void) {
  uint64_t n = 0;
  for (int i = 0; i < NUM_SPAN_CLASSES; i++)
    n += gort__atomic_load_relaxed(&central[i].spans_made);
  return n;
}
