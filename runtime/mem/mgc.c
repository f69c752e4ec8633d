/*
 * mgc.c - the collector's mark and sweep, stop-the-world (Go's mgcmark.go
 * and mgcsweep.go in their simplest form; the concurrent cycle, the write
 * barrier and the pacer come on top of these).
 *
 * Mark: every word of a root range that points into an allocated object
 * marks it (conservatively: find_object accepts interior pointers); a
 * newly marked object that may hold pointers (not noscan) is pushed on the
 * gray stack, and draining the stack scans each such object's words the
 * same way. Sweep: a small span's mark bits become its alloc bits (the
 * unmarked slots are free again, from freeindex 0), a span with nothing
 * marked and every unmarked large object go back to the page heap, and
 * the central lists are rebuilt from what is left.
 *
 * Internal, driven by tests until the roots (stacks, globals, the runtime's
 * own objects: see docs/ARCHITECTURE.md) and the cycle driver exist.
 *
 * Invariants: between mark_begin and sweep the heap does not change (the
 * world is stopped: nothing allocates); an object is pushed on the gray
 * stack at most once per cycle (its mark bit is set first).
 *
 * Locking: none of its own; the caller has stopped the world. Sweeping
 * takes the central and heap locks it calls into.
 */
#include <stdlib.h>
#include <string.h>

#include "../arch/sanitizer.h"
#include "../debug/print.h"
#include "../sched/runtime2.h"
#include "malloc.h"
#include "mgc.h"

static struct {
  uintptr_t *items;
  size_t len, cap;
} gray;

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
  void *obj = gort__find_object((const void *)w, &s);
  if (obj == NULL)
    return;
  uint32_t idx = gort__object_index(s, (uintptr_t)obj);
  uint64_t bit = (uint64_t)1 << (idx % 64);
  if (s->mark_bits[idx / 64] & bit)
    return;
  s->mark_bits[idx / 64] |= bit;
  if ((s->spanclass & 1) == 0)
    push_gray((uintptr_t)obj);
}

void gort__gc_mark_begin(void) { gray.len = 0; }

/* Any word of memory, whatever its declared type. */
typedef uintptr_t __attribute__((may_alias)) any_word;

GORT_NO_SANITIZE_SCAN
void gort__gc_mark_range(const void *lo, const void *hi) {
  uintptr_t a = ((uintptr_t)lo + sizeof(uintptr_t) - 1) &
                ~(uintptr_t)(sizeof(uintptr_t) - 1);
  for (; a + sizeof(uintptr_t) <= (uintptr_t)hi; a += sizeof(uintptr_t))
    mark_word(*(const any_word *)a);
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

/* The words of object obj (its base, in span s) that may be pointers. */
static void scan_object(uintptr_t obj, struct mspan *s) {
  if (s->spanclass & 1)
    return; /* pointer-free */
  const gort_type *t = gort__object_type(s, obj);
  if (t != NULL)
    scan_precise(obj, obj + s->elemsize, t);
  else
    gort__gc_mark_range((const void *)obj, (const void *)(obj + s->elemsize));
}

void gort__gc_mark_drain(void) {
  while (gray.len > 0) {
    uintptr_t obj = gray.items[--gray.len];
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

/* ---- sweep ------------------------------------------------------------------ */

struct span_vec {
  struct mspan **items;
  size_t len, cap;
};

static void collect(struct mspan *s, void *arg) {
  struct span_vec *v = arg;
  if (v->len == v->cap) {
    size_t ncap = v->cap ? v->cap * 2 : 256;
    struct mspan **n = realloc(v->items, ncap * sizeof *n);
    if (n == NULL)
      gort__throw_oom(ncap * sizeof *n, "the sweep list");
    v->items = n;
    v->cap = ncap;
  }
  v->items[v->len++] = s;
}

/* Set bits in x, by halves (math/bits.OnesCount64's method). Not
 * __builtin_popcountll: without -mpopcnt it calls libgcc's __popcountdi2,
 * which the linker puts in the program's own .text, where asynchronous
 * preemption could stop the runtime (tests/runtime-symbols.cmake). */
static uint32_t ones64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

static uint32_t count_bits(const uint64_t *bits, uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < (n + 63) / 64; i++)
    c += ones64(bits[i]);
  return c;
}

/* One span; true if it stays in use. */
static bool sweep_span(struct mspan *s, struct gort__sweep_result *r) {
  bool large = (s->spanclass >> 1) == 0;
  uint32_t live = count_bits(s->mark_bits, s->nelems);
  uint32_t was = 0; /* objects allocated before this collection */
  for (uint32_t i = 0; i < s->nelems; i++)
    was += gort__slot_allocated(s, i);
  r->objects_freed += was - live;
  r->bytes_freed += (uint64_t)(was - live) * s->elemsize;
  r->objects_live += live;
  r->bytes_live += (uint64_t)live * s->elemsize;
  if (live == 0) {
    r->spans_freed++;
    memset(s->mark_bits, 0, sizeof s->mark_bits);
    gort__mheap_free(s);
    return false;
  }
  if (!large) {
    memcpy(s->alloc_bits, s->mark_bits, sizeof s->alloc_bits);
    for (size_t i = 0; i < MAX_SPAN_OBJECTS / 64; i++)
      s->precise_bits[i] &= s->mark_bits[i]; /* freed slots: no type */
    s->freeindex = 0;
    s->alloc_cache = ~s->alloc_bits[0];
    s->alloc_count = (uint16_t)live;
    if (live < was)
      s->needzero = true; /* freed slots hold old contents */
  }
  memset(s->mark_bits, 0, sizeof s->mark_bits);
  return true;
}

void gort__gc_sweep(struct gort__sweep_result *r) {
  memset(r, 0, sizeof *r);
  /* No P may keep a span cached across the sweep. */
  for (int32_t i = 0; i < gort__sched.allp_cap; i++)
    gort__mcache_release(gort__sched.allp[i]);
  struct span_vec v = {0};
  gort__mheap_each_span(collect, &v);
  /* Every small span is on a central list now; the lists are rebuilt
   * from the survivors. */
  gort__mcentral_reset();
  for (size_t i = 0; i < v.len; i++) {
    struct mspan *s = v.items[i];
    if (sweep_span(s, r) && (s->spanclass >> 1) != 0)
      gort__mcentral_return(s);
  }
  free(v.items);
}
