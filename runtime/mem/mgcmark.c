/*
 * mgcmark.c - marking (Go's mgcmark.go: scanblock, scanobject,
 * greyobject, gcDrain): shading objects grey, and scanning grey objects
 * until none is left.
 *
 * Every word of a root range that points into an allocated object shades
 * it (conservatively: find_slot accepts interior pointers). Shading sets
 * the object's mark bit with an atomic or; the marker that set it puts
 * the object, if it may hold pointers, in its gcwork (mgcwork.h). The
 * drain scans each grey object: a precise object (gort_alloc_typed) only
 * at the words its type's mask names, for each element; any other object
 * that may hold pointers at every aligned word. Pointer-free objects are
 * marked and never scanned.
 *
 * The mark runs beside the program (mgc.c): markers on several Ps and
 * write-barrier flushes shade at once, objects are allocated meanwhile.
 * What makes that safe here:
 *   - mark bits are set with an atomic or, so each object is put grey by
 *     exactly one marker;
 *   - a slot counts as allocated only below its span's freeindex_for_scan
 *     (or by its alloc bit), which the allocator raises after the object
 *     is made and, during a mark, marked black (malloc.c): a stale
 *     pointer to a slot being allocated is ignored, never scanned
 *     half-made;
 *   - a span is published in use only with its layout set (mheap.h);
 *   - reading an object while its owner writes it only makes the scan
 *     see an older or newer word: either was shaded by the barrier.
 *
 * Large objects are scanned in oblets of GC_OBLET_BYTES (Go's
 * maxObletBytes, mgcmark.go): the first scan of an object larger than
 * that queues the start of each further oblet as a work item of its own,
 * so no one scan takes longer than an oblet (about 100 µs), a drain looks
 * for a preemption request between them, and other markers share the
 * object. A work item past the base of a large span is such an oblet.
 *
 * Checkmark (GORT_DEBUG=gccheckmark=1, mgccheckmark.c) reuses the scan
 * with its own bits: while it runs (world stopped) shading checks instead
 * of marks.
 *
 * Invariants: every span was swept before the mark began (a mark bit means
 * "found live by this mark"); no span is swept until the mark ends.
 *
 * Locking: none of its own (a gcwork is its owner's; mgcwork.c's lists
 * have theirs).
 */
#include <string.h>

#include "arch/sanitizer.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "mem/mgcwork.h"
#include "sched/runtime2.h"

static _Atomic(uint64_t) root_bytes;

/* Set by mgccheckmark.c with the world stopped, for its pass only. */
bool gort__gc_checkmarking;

void gort__gc_mark_begin(void) {
  /* A mark bit must mean "found live by this mark": every span swept. */
  if (!gort__sweep_done())
    gort__throw("runtime: gc: a mark began before the last sweep ended");
  gort__atomic_store_relaxed(&root_bytes, 0);
  gort__gcw_begin_cycle();
}

uint64_t gort__gc_scanned_root_bytes(void) {
  return gort__atomic_load_relaxed(&root_bytes);
}

/* Shade the object in s at slot idx (found from word w at address slot,
 * 0 when not known): Go's greyobject. */
static inline void grey(struct mspan *s, uint32_t idx, uintptr_t w,
                        uintptr_t slot, struct gcwork *gcw) {
  if (__builtin_expect(gort__gc_checkmarking, 0)) {
    gort__gc_checkmark_shade(s, idx, w, slot, gcw);
    return;
  }
  _Atomic(uint64_t) *word = &s->mark_bits[idx / 64];
  uint64_t bit = (uint64_t)1 << (idx % 64);
  if (gort__atomic_load_relaxed(word) & bit)
    return;
  if (gort__atomic_or_relaxed(word, bit) & bit)
    return; /* another marker won */
  gcw->bytes_marked += s->elemsize;
  if ((s->spanclass & 1) == 0)
    gort__gcw_put(gcw, s->base + idx * s->elemsize);
}

static inline void mark_word(uintptr_t w, uintptr_t slot, struct gcwork *gcw) {
  struct mspan *s;
  uint32_t idx;
  if (gort__find_slot((const void *)w, &s, &idx))
    grey(s, idx, w, slot, gcw);
}

void gort__gc_shade(uintptr_t w, struct gcwork *gcw) { mark_word(w, 0, gcw); }

/* Any word of memory, whatever its declared type. */
typedef uintptr_t __attribute__((may_alias)) any_word;

GORT_NO_SANITIZE_SCAN
static void scan_range(uintptr_t lo, uintptr_t hi, struct gcwork *gcw) {
  uintptr_t a =
      (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
  for (; a + sizeof(uintptr_t) <= hi; a += sizeof(uintptr_t))
    mark_word(*(const any_word *)a, a, gcw);
}

void gort__gc_mark_range(const void *lo, const void *hi, struct gcwork *gcw) {
  if ((uintptr_t)hi > (uintptr_t)lo)
    gort__atomic_add_relaxed(&root_bytes, (uintptr_t)hi - (uintptr_t)lo);
  scan_range((uintptr_t)lo, (uintptr_t)hi, gcw);
}

/* The words in [lo, hi) of a precise object: its header names its type;
 * the mask, repeated for each element up to the end of the slot, says
 * which words to follow (Go's scanobject with the type's pointer bitmap).
 * [lo, hi) is the whole object or one of its oblets. */
GORT_NO_SANITIZE_SCAN
static void scan_precise(uintptr_t obj, uintptr_t end, const gort_type *t,
                         uintptr_t lo, uintptr_t hi, struct gcwork *gcw) {
  size_t words = t->size / sizeof(uintptr_t);
  uintptr_t first = obj + MALLOC_HEADER;
  uintptr_t a = first;
  if (lo > first)
    a += (lo - first) / t->size * t->size; /* the element holding lo */
  for (; a < hi && a + t->size <= end; a += t->size) {
    for (size_t w = 0; w < words; w++) {
      uintptr_t at = a + w * sizeof(uintptr_t);
      if (at >= lo && at < hi && (t->ptrmask[w / 8] >> (w % 8) & 1))
        mark_word(*(const any_word *)at, at, gcw);
    }
  }
}

/* A small precise object: the span's heap bits name its pointer words. */
GORT_NO_SANITIZE_SCAN
static void scan_heap_bits(uintptr_t obj, const struct mspan *s,
                           struct gcwork *gcw) {
  for (uintptr_t a = obj; a < obj + s->elemsize; a += sizeof(uintptr_t))
    if (gort__heap_bit(s, a))
      mark_word(*(const any_word *)a, a, gcw);
}

/* The words that may be pointers of the object at obj in span s: a whole
 * object from its base, or one oblet of a large object (obj inside it). */
GORT_NO_SANITIZE_SCAN
static void scan_object(uintptr_t obj, struct mspan *s, struct gcwork *gcw) {
  if (s->spanclass & 1)
    return; /* pointer-free */
  uintptr_t base = obj, end = obj + s->elemsize, hi = end;
  if (s->elemsize > GC_OBLET_BYTES) { /* one object per span */
    base = s->base;
    end = base + s->elemsize;
    if (obj == base)
      for (uintptr_t o = base + GC_OBLET_BYTES; o < end; o += GC_OBLET_BYTES)
        gort__gcw_put(gcw, o);
    hi = end - obj > GC_OBLET_BYTES ? obj + GC_OBLET_BYTES : end;
  }
  gcw->bytes_scanned += hi - obj;
  if (!gort__slot_precise(s, gort__object_index(s, base)))
    scan_range(obj, hi, gcw); /* conservative */
  else if (gort__span_has_headers(s))
    scan_precise(base, end, *(const gort_type *const *)base, obj, hi, gcw);
  else
    scan_heap_bits(obj, s, gcw);
}

/* Drain through a small FIFO: each object is prefetched when it enters
 * the FIFO and scanned PREFETCH_AHEAD objects later, so its cache miss
 * overlaps other scanning (Boehm GC's mark-stack prefetch; Go's
 * scanobject leans on the hardware in the same way). */
enum { PREFETCH_AHEAD = 8 };

bool gort__gc_drain(struct gcwork *gcw, int64_t budget) {
  uintptr_t fifo[PREFETCH_AHEAD];
  unsigned head = 0, n = 0;
  uint64_t start = gcw->bytes_scanned;
  /* A budgeted drain runs beside the world: it stops early when its
   * goroutine is asked to yield (a stop of the world, a time slice over:
   * Go's gcDrainN checks gp.preempt the same way). */
  struct g *self = budget >= 0 ? gort__getg() : NULL;
  unsigned since_check = 0;
  uint64_t checked_at = start;
  for (;;) {
    uintptr_t obj;
    while (n < PREFETCH_AHEAD && gort__gcw_tryget(gcw, &obj)) {
      __builtin_prefetch((const void *)obj);
      fifo[(head + n++) % PREFETCH_AHEAD] = obj;
    }
    if (n == 0)
      return true;
    obj = fifo[head];
    head = (head + 1) % PREFETCH_AHEAD;
    n--;
    struct mspan *s = gort__span_of((const void *)obj);
    if (__builtin_expect(gort__gc_checkmarking, 0))
      gort__gc_checkmark_scanning(s->elemsize > GC_OBLET_BYTES ? s->base : obj,
                                  s);
    scan_object(obj, s, gcw);
    bool asked = false;
    if (self != NULL && (++since_check == 64 ||
                         gcw->bytes_scanned - checked_at >= GC_OBLET_BYTES)) {
      since_check = 0;
      checked_at = gcw->bytes_scanned;
      asked = gort__atomic_load_relaxed(&self->preempt) != 0;
    }
    if (budget >= 0 &&
        ((int64_t)(gcw->bytes_scanned - start) >= budget || asked)) {
      for (; n > 0; n--, head = (head + 1) % PREFETCH_AHEAD)
        gort__gcw_put(gcw, fifo[head]); /* what the FIFO holds goes back */
      return false;
    }
  }
}

bool gort__gc_is_marked(const void *p) {
  struct mspan *s;
  void *obj = gort__find_object(p, &s);
  if (obj == NULL)
    return false;
  return gort__mark_bit(s, gort__object_index(s, (uintptr_t)obj));
}

void gort__gc_scan_object(const void *p, struct gcwork *gcw) {
  struct mspan *s;
  void *obj = gort__find_object(p, &s);
  if (obj != NULL)
    scan_object((uintptr_t)obj, s, gcw);
}
