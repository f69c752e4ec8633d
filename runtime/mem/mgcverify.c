/*
 * mgcverify.c - the heap verifier, GORT_DEBUG=gcverify=1 (the role of
 * Go's gccheckmark and the debug checks in mgcsweep.go): run by the cycle
 * with the world stopped at two phase boundaries.
 *
 *   after sweep termination: every span swept, no mark bit left, each
 *   span's alloc_count equal to the slots its bits and freeindex call
 *   allocated;
 *   after the mark: the same counts, marks only on allocated slots, and
 *   every pointer word of every marked object that points into the heap
 *   points at an allocated, marked object (else the sweep would free an
 *   object still referenced). Pointer words are the mask's words for
 *   precise objects and every aligned word for the others: a test heap
 *   holds no integers that look like heap addresses, a real program might,
 *   so the verifier is for tests.
 *
 * A failure prints the span, slot and word, then throws.
 *
 * Invariants: runs with the world stopped, reads only.
 * Locking: none (the world is stopped; the span walk takes the heap lock
 * through gort__mheap_each_span).
 */
#include "arch/sanitizer.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "sched/runtime2.h"

/* A span made by the allocator (tests may take raw spans from the page
 * heap, with no object layout). */
static bool has_objects(const struct mspan *s) {
  return s->nelems > 0 && s->elemsize > 0;
}

static _Noreturn void fail(const char *what, const struct mspan *s,
                           uint32_t slot, uintptr_t word) {
  gort__print_str("runtime: gcverify: span ");
  gort__print_hex(s->base);
  gort__print_str(" class ");
  gort__print_uint(s->spanclass);
  gort__print_str(" elemsize ");
  gort__print_uint(s->elemsize);
  gort__print_str(" slot ");
  gort__print_uint(slot);
  if (word != 0) {
    gort__print_str(" word ");
    gort__print_hex(word);
  }
  gort__print_str(": ");
  gort__print_str(what);
  gort__print_str("\n");
  gort__throw("runtime: gcverify: the heap is inconsistent");
}

static void check_counts(const struct mspan *s) {
  uint32_t allocated = 0;
  for (uint32_t i = 0; i < s->nelems; i++)
    allocated += gort__slot_allocated(s, i);
  if (allocated != s->alloc_count)
    fail("alloc_count disagrees with the alloc bits", s, allocated, 0);
}

static void swept_span(struct mspan *s, void *arg) {
  (void)arg;
  if (!has_objects(s))
    return;
  if (gort__atomic_load_relaxed(&s->sweepgen) != gort__sweepgen())
    fail("not swept when the mark began", s, 0, 0);
  for (uint32_t i = 0; i < s->nelems; i++)
    if (gort__mark_bit(s, i))
      fail("a mark bit left from an earlier cycle", s, i, 0);
  check_counts(s);
}

void gort__gc_verify_swept(void) { gort__mheap_each_span(swept_span, NULL); }

/* Word w of a marked object: if it points into the heap, at a live,
 * marked object. */
static void check_word(const struct mspan *from, uint32_t slot, uintptr_t w) {
  struct mspan *s = gort__span_of((const void *)w);
  if (s == NULL || !has_objects(s))
    return;
  uint32_t idx = gort__object_index(s, w);
  if (idx >= s->nelems)
    return; /* the span's tail: never an object */
  if (!gort__slot_allocated(s, idx))
    fail("a marked object points at a free slot", from, slot, w);
  if (!gort__mark_bit(s, idx))
    fail("a marked object points at an unmarked object", from, slot, w);
}

typedef uintptr_t __attribute__((may_alias)) any_word;

GORT_NO_SANITIZE_SCAN
static void check_object(const struct mspan *s, uint32_t slot) {
  uintptr_t obj = s->base + (uintptr_t)slot * s->elemsize;
  uintptr_t end = obj + s->elemsize;
  if (!gort__slot_precise(s, slot)) {
    for (uintptr_t a = obj; a + sizeof(uintptr_t) <= end; a += sizeof a)
      check_word(s, slot, *(const any_word *)a);
    return;
  }
  if (!gort__span_has_headers(s)) {
    for (uintptr_t a = obj; a < end; a += sizeof a)
      if (gort__heap_bit(s, a))
        check_word(s, slot, *(const any_word *)a);
    return;
  }
  const gort_type *t = *(const gort_type *const *)obj;
  size_t words = t->size / sizeof(uintptr_t);
  for (uintptr_t a = obj + MALLOC_HEADER; a + t->size <= end; a += t->size)
    for (size_t w = 0; w < words; w++)
      if (t->ptrmask[w / 8] >> (w % 8) & 1)
        check_word(s, slot, ((const any_word *)a)[w]);
}

static void marked_span(struct mspan *s, void *arg) {
  (void)arg;
  if (!has_objects(s))
    return;
  check_counts(s);
  bool scan = (s->spanclass & 1) == 0;
  for (uint32_t i = 0; i < s->nelems; i++) {
    if (!gort__mark_bit(s, i))
      continue;
    if (!gort__slot_allocated(s, i))
      fail("a free slot is marked", s, i, 0);
    if (scan)
      check_object(s, i);
  }
}

void gort__gc_verify_marked(void) { gort__mheap_each_span(marked_span, NULL); }
