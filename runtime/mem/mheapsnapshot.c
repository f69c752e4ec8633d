/*
 * mheapsnapshot.c - gort_heap_snapshot: the heap's spans as the page's
 * heap map draws them (gort's own; Go's nearest is the heap dump of
 * runtime/debug.WriteHeapDump, which is far heavier).
 *
 * Invariants: the walk runs with the world stopped, so no span changes
 * under it and the counts it copies are exact at that instant.
 * Locking: the world lock (shared with every stop-the-world).
 */
#include "debug/handle.h"
#include "gort.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "mem/mheap.h"
#include "sched/mp.h"
#include "sched/runtime2.h"

struct snapshot {
  gort_span_info *out;
  size_t cap, n;
};

static void add_span(struct mspan *s, void *arg) {
  struct snapshot *w = arg;
  if (w->n < w->cap) {
    gort_span_info *i = &w->out[w->n];
    *i = (gort_span_info){.base = s->base, .npages = (uint32_t)s->npages};
    if (gort__span_state(s) == SPAN_IN_USE) {
      i->state = GORT_SPAN_IN_USE;
      i->size_class = s->spanclass >> 1;
      i->noscan = s->spanclass & 1;
      i->swept = gort__atomic_load_relaxed(&s->sweepgen) == gort__sweepgen();
      i->elem_size = (uint32_t)s->elemsize;
      i->objects = s->nelems;
      i->allocated = s->alloc_count;
      uint64_t marks[MAX_SPAN_OBJECTS / 64];
      gort__mark_bits_copy(s, marks);
      i->marked = (uint16_t)gort__count_bits(marks, s->nelems);
    } else {
      i->state = GORT_SPAN_FREE;
      i->released_pages = (uint32_t)s->npages_released;
    }
  }
  w->n++;
}

GORT_API size_t gort_heap_snapshot(gort_span_info *out, size_t cap) {
  gort__must_getg("gort_heap_snapshot");
  if (out == NULL && cap > 0)
    gort__panic_nil("gort_heap_snapshot", "out");
  struct snapshot w = {out, cap, 0};
  gort__world_lock();
  int32_t procs = gort_maxprocs();
  gort__stop_the_world();
  gort__mheap_each_span_any(add_span, &w);
  gort__start_the_world(procs);
  gort__world_unlock();
  return w.n;
}
