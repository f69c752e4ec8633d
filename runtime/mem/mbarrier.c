/*
 * mbarrier.c - the write barrier and its per-P buffer (Go's mbarrier.go,
 * mwbbuf.go): see mbarrier.h for the barrier, its invariants and locking.
 *
 * Only words that may point into the heap are buffered (zero is the
 * common old value of a fresh slot); the flush finds each word's object
 * and marks it grey (mgcmark.c: gort__gc_shade), as Go's wbBufFlush1
 * does with findObject and greyobject.
 *
 * GORT_DEBUG=wbbroken=1 drops the deletion half (the old value) and
 * wbbroken=2 the insertion half (the new value): the collector's torture
 * test shows that either makes it free reachable objects.
 */
#include <string.h>

#include "arch/procyield.h"
#include "debug/debugvars.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "mem/mgcwork.h"
#include "sched/runtime2.h"

_Atomic(uint32_t) gort__wb_enabled;
/* Shading without a P (shade_without_p below). */
static _Atomic(uint32_t) nop_open;     /* shading without a P allowed */
static _Atomic(uint32_t) nop_inflight; /* shaders between check and end */

void gort__wb_set(bool on) {
  gort__atomic_store_relaxed(&gort__wb_enabled, on ? 1u : 0u);
  if (on)
    gort__atomic_store_seq_cst(&nop_open, 1);
}

/* Shading without a P (a blocking call, a thread of the program's own):
 * a gcwork of the call's own, handed to the global lists at once. Such a
 * thread is not stopped with the world, so it must not shade once mark
 * termination has begun (the marks are final then, and the sweep's flip
 * follows): the cycle closes this path first and waits for shades in
 * flight (a Dekker handshake on two seq_cst words: a shader that counts
 * itself in after the close sees it closed). */
static bool enter_without_p(void) {
  gort__atomic_add_seq_cst(&nop_inflight, 1);
  if (gort__atomic_load_seq_cst(&nop_open))
    return true;
  gort__atomic_sub_seq_cst(&nop_inflight, 1);
  return false;
}

/* After a true enter_without_p: hand w's work over and count out. */
static void leave_without_p(struct gcwork *w) {
  gort__gcw_dispose(w);
  gort__atomic_sub_seq_cst(&nop_inflight, 1);
}

static void shade_without_p(const uintptr_t *words, uint32_t n) {
  if (!enter_without_p())
    return;
  struct gcwork w = {0};
  for (uint32_t i = 0; i < n; i++)
    gort__gc_shade(words[i], &w);
  leave_without_p(&w);
}

void gort__wb_close_without_p(void) {
  gort__atomic_store_seq_cst(&nop_open, 0);
  while (gort__atomic_load_seq_cst(&nop_inflight) != 0)
    gort__procyield(16);
}

static struct p *current_p(void) {
  struct m *mp = gort__getm();
  return mp ? gort__loadmp(mp) : NULL;
}

void gort__wbbuf_flush(struct p *pp) {
  struct wbbuf *b = &pp->wbbuf;
  if (b->n == 0)
    return;
  for (uint32_t i = 0; i < b->n; i++)
    gort__gc_shade(b->words[i], &pp->gcw);
  b->n = 0;
  /* What the barrier found goes to the global lists at once: a P's own
   * gcwork is invisible to the workers' "dry" test, and grey objects
   * kept there cost the mark's end a stop of the world each time it
   * looks (mgcworker.c). */
  gort__gcw_dispose(&pp->gcw);
}

/* Record up to two words (0 for none) for shading. */
static void record(uintptr_t a, uintptr_t b) {
  uintptr_t words[2];
  uint32_t n = 0;
  if (a != 0)
    words[n++] = a;
  if (b != 0)
    words[n++] = b;
  if (n == 0)
    return;
  struct p *pp = current_p();
  if (pp == NULL) {
    shade_without_p(words, n);
    return;
  }
  struct wbbuf *buf = &pp->wbbuf;
  if (buf->n + n > WBBUF_WORDS)
    gort__wbbuf_flush(pp);
  for (uint32_t i = 0; i < n; i++)
    buf->words[buf->n++] = words[i];
}

/* Any word of memory, whatever its declared type. */
typedef uintptr_t __attribute__((may_alias)) any_word;

static uintptr_t deleted(uintptr_t old) {
  return gort__debug.wbbroken == 1 ? 0 : old;
}
static uintptr_t inserted(uintptr_t new_value) {
  return gort__debug.wbbroken == 2 ? 0 : new_value;
}

void gort__wb_store_slow(void *slot, const void *ptr) {
  record(deleted(*(const any_word *)slot), inserted((uintptr_t)ptr));
  *(const void **)slot = ptr;
}

GORT_API void gort_store_ptr(void *slot, const void *ptr) {
  gort__wb_store(slot, ptr);
}

/* Every aligned word of [lo, lo + n): shade each (deletion or insertion
 * as the caller says). */
static void shade_words(const void *lo, size_t n, bool old_values) {
  uintptr_t a = ((uintptr_t)lo + sizeof(uintptr_t) - 1) &
                ~(uintptr_t)(sizeof(uintptr_t) - 1);
  uintptr_t hi = (uintptr_t)lo + n;
  for (; a + sizeof(uintptr_t) <= hi; a += sizeof(uintptr_t)) {
    uintptr_t w = *(const any_word *)a;
    record(old_values ? deleted(w) : inserted(w), 0);
  }
}

void gort__wb_copy_slow(void *dst, const void *src, size_t n) {
  shade_words(dst, n, true);
  shade_words(src, n, false);
  memmove(dst, src, n);
}

void gort__wb_clear_slow(void *dst, size_t n) {
  shade_words(dst, n, true);
  memset(dst, 0, n);
}

void gort__wb_shade(const void *p) {
  if (__builtin_expect(gort__wb_on(), 0))
    record((uintptr_t)p, 0);
}

void gort__wb_shade_range(const void *lo, const void *hi) {
  if (__builtin_expect(gort__wb_on(), 0) && (uintptr_t)hi > (uintptr_t)lo)
    shade_words(lo, (uintptr_t)hi - (uintptr_t)lo, false);
}

void gort__wb_shade_object_referents(const void *p) {
  if (!gort__wb_on())
    return;
  struct p *pp = current_p();
  if (pp != NULL) {
    gort__gc_scan_object(p, &pp->gcw);
    return;
  }
  if (!enter_without_p())
    return;
  struct gcwork w = {0};
  gort__gc_scan_object(p, &w);
  leave_without_p(&w);
}

GORT_API void gort_copy_ptrs(void *dst, const void *src, size_t n) {
  if (gort__wb_on())
    gort__wb_copy_slow(dst, src, n);
  else
    memmove(dst, src, n);
}

GORT_API void gort_clear_ptrs(void *dst, size_t n) {
  if (gort__wb_on())
    gort__wb_clear_slow(dst, n);
  else
    memset(dst, 0, n);
}
