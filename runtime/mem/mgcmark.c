/*
 * mgcmark.c - marking (Go's mgcmark.go: scanblock, scanobject, greyobject),
 * with the world stopped.
 *
 * Every word of a root range that points into an allocated object marks
 * it (conservatively: find_object accepts interior pointers). A newly
 * marked object that may hold pointers goes on the gray stack; draining
 * the stack scans each: a precise object (gort_alloc_typed) only at the
 * words its type's mask names, for each element; any other object that
 * may hold pointers at every aligned word. Pointer-free objects are
 * marked and never scanned.
 *
 * Invariants: between mark_begin and the end of the mark the heap does not
 * change (the world is stopped: nothing allocates or sweeps); an object is
 * pushed on the gray stack at most once per cycle (its mark bit is set
 * first); every span is swept before a mark begins, so alloc bits and
 * freeindex say exactly which slots hold objects.
 *
 * Locking: none of its own; the caller has stopped the world.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/sanitizer.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "sched/runtime2.h"

static struct {
  uintptr_t *items;
  size_t len, cap;
} gray;

static uint64_t marked_bytes, root_bytes;

static void push_gray(uintptr_t obj) {
  if (gray.len == gray.cap) {
    size_t ncap = gray.cap ? gray.cap * 2 : 1024;
    uintptr_t *n = realloc(gray.items, ncap * sizeof *n);
    if (n == NULL)
      gort__throw_oom(ncap * sizeof *n, "the mark stack");
    gray.items = n;
    gray.cap = ncap;
  }
  gray.items[gray.len++] = obj;
}

/* Mark the object containing word w, if any. */
static void mark_word(uintptr_t w) {
  struct mspan *s;
  uint32_t idx;
  if (!gort__find_slot((const void *)w, &s, &idx))
    return;
  uintptr_t obj = s->base + idx * s->elemsize;
  uint64_t bit = (uint64_t)1 << (idx % 64);
  if (s->mark_bits[idx / 64] & bit)
    return;
  s->mark_bits[idx / 64] |= bit;
  marked_bytes += s->elemsize;
  if ((s->spanclass & 1) == 0)
    push_gray(obj);
}

void gort__gc_mark_begin(void) {
  /* A mark bit must mean "found live by this mark": every span swept. */
  if (!gort__sweep_done())
    gort__throw("runtime: gc: a mark began before the last sweep ended");
  gray.len = 0;
  marked_bytes = 0;
  root_bytes = 0;
}

uint64_t gort__gc_marked_bytes(void) { return marked_bytes; }
uint64_t gort__gc_scanned_root_bytes(void) { return root_bytes; }

/* Any word of memory, whatever its declared type. */
typedef uintptr_t __attribute__((may_alias)) any_word;

GORT_NO_SANITIZE_SCAN
static void scan_range(uintptr_t lo, uintptr_t hi) {
  uintptr_t a =
      (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
  for (; a + sizeof(uintptr_t) <= hi; a += sizeof(uintptr_t))
    mark_word(*(const any_word *)a);
}

void gort__gc_mark_range(const void *lo, const void *hi) {
  if ((uintptr_t)hi > (uintptr_t)lo)
    root_bytes += (uintptr_t)hi - (uintptr_t)lo;
  scan_range((uintptr_t)lo, (uintptr_t)hi);
}

/* A precise object: its header names its type; the mask, repeated for
 * each element up to the end of the slot, says which words to follow
 * (Go's scanobject with the type's pointer bitmap). */
GORT_NO_SANITIZE_SCAN
static void scan_precise(uintptr_t obj, uintptr_t end, const gort_type *t) {
  size_t words = t->size / sizeof(uintptr_t);
  uintptr_t a = obj + MALLOC_HEADER;
  while (a + t->size <= end) {
    for (size_t w = 0; w < words; w++)
      if (t->ptrmask[w / 8] >> (w % 8) & 1)
        mark_word(((const any_word *)a)[w]);
    a += t->size;
  }
}

/* A small precise object: the span's heap bits name its pointer words. */
GORT_NO_SANITIZE_SCAN
static void scan_heap_bits(uintptr_t obj, const struct mspan *s) {
  for (uintptr_t a = obj; a < obj + s->elemsize; a += sizeof(uintptr_t))
    if (gort__heap_bit(s, a))
      mark_word(*(const any_word *)a);
}

/* The words of object obj (its base, in span s) that may be pointers. */
static void scan_object(uintptr_t obj, struct mspan *s) {
  if (s->spanclass & 1)
    return; /* pointer-free */
  if (!gort__slot_precise(s, gort__object_index(s, obj)))
    scan_range(obj, obj + s->elemsize); /* conservative */
  else if (gort__span_has_headers(s))
    scan_precise(obj, obj + s->elemsize, *(const gort_type *const *)obj);
  else
    scan_heap_bits(obj, s);
}

/* Drain the gray stack through a small FIFO: each object is prefetched
 * when it enters the FIFO and scanned PREFETCH_AHEAD objects later, so
 * its cache miss overlaps other scanning (Boehm GC's mark-stack prefetch;
 * Go's scanobject leans on the hardware in the same way). */
enum { PREFETCH_AHEAD = 8 };

void gort__gc_mark_drain(void) {
  uintptr_t fifo[PREFETCH_AHEAD];
  unsigned head = 0, n = 0;
  while (gray.len > 0 || n > 0) {
    while (n < PREFETCH_AHEAD && gray.len > 0) {
      uintptr_t obj = gray.items[--gray.len];
      __builtin_prefetch((const void *)obj);
      fifo[(head + n++) % PREFETCH_AHEAD] = obj;
    }
    uintptr_t obj = fifo[head];
    head = (head + 1) % PREFETCH_AHEAD;
    n--;
    scan_object(obj, gort__span_of((const void *)obj));
  }
}

void gort__gc_mark_object(const void *p) { mark_word((uintptr_t)p); }

bool gort__gc_is_marked(const void *p) {
  struct mspan *s;
  void *obj = gort__find_object(p, &s);
  if (obj == NULL)
    return false;
  uint32_t idx = gort__object_index(s, (uintptr_t)obj);
  return s->mark_bits[idx / 64] >> (idx % 64) & 1;
}

void gort__gc_scan_object(const void *p) {
  struct mspan *s;
  void *obj = gort__find_object(p, &s);
  if (obj != NULL)
    scan_object((uintptr_t)obj, s);
}
