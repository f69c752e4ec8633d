/*
 * mbarrier.h - the write barrier (Go's mbarrier.go and mwbbuf.go): Go's
 * hybrid barrier, a Yuasa deletion barrier plus a Dijkstra insertion
 * barrier:
 *
 *   store(slot, ptr):  shade(*slot); shade(ptr); *slot = ptr
 *
 * on every store of a pointer into memory the collector scans other than
 * a goroutine's stack: GC objects, globals, registered root ranges (the
 * runtime's own: channel buffers, context values, timer arguments, and
 * the program's gort_gc_add_root ranges). Go shades ptr only while the
 * storing goroutine's stack is grey; like Go's implementation, gort
 * shades it always (the stack's colour is not known cheaply). Why this
 * needs no stack re-scan: mgc.c's design essay.
 *
 * Shading is buffered: while the barrier is on, each store appends the
 * old and the new word to its P's wbbuf, and a full buffer is flushed
 * into the P's gcwork (marking what the words point to). The mark's end
 * flushes every P's buffer with the world stopped (mgc.c).
 *
 * For memory whose layout the runtime does not know (a channel element,
 * a user range) the copy and clear calls shade every aligned word
 * conservatively, as the collector scans such memory.
 *
 * Invariants: gort__wb_enabled is set only with the world stopped (mgc.c),
 * from the mark's start until its end; while it is set, no store into
 * scanned non-stack memory skips the barrier. Objects allocated while it
 * is set are black (malloc.c).
 *
 * Locking: a P's wbbuf is its owner's; the runtime's code never parks or
 * is preempted inside a barrier, so a goroutine keeps its P throughout.
 * Without a P (a blocking call, a thread of its own) the words are shaded
 * at once into a gcwork of the call's own, handed to the global lists. Every
 * call here may run with any runtime lock held (the barrier's own locks are
 * leaves).
 */
#ifndef GORT_MEM_MBARRIER_H
#define GORT_MEM_MBARRIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic/atomic.h"

/* One word per entry: Go's wbBuf holds 512 pointers. */
enum { WBBUF_WORDS = 256 };

struct wbbuf {
  uint32_t n;
  uintptr_t words[WBBUF_WORDS];
};

/* The barrier is on (Go's writeBarrier.enabled). Relaxed: it changes
 * only with the world stopped, which orders it for every goroutine. */
extern _Atomic(uint32_t) gort__wb_enabled;
static inline bool gort__wb_on(void) {
  return gort__atomic_load_relaxed(&gort__wb_enabled) != 0;
}

/* The cycle turns it on and off, with the world stopped. */
void gort__wb_set(bool on);
/* Mark termination begins (world stopped): threads without a P, which
 * the stop of the world does not stop, shade no more; returns once none
 * is shading. */
void gort__wb_close_without_p(void);

/* *(void **)slot = ptr, with the barrier (the runtime's own code is never
 * preempted by a signal, so its check may be inlined). */
void gort__wb_store_slow(void *slot, const void *ptr);
static inline void gort__wb_store(void *slot, const void *ptr) {
  if (__builtin_expect(gort__wb_on(), 0))
    gort__wb_store_slow(slot, ptr);
  else
    *(const void **)slot = ptr;
}
/* memmove / memset while the barrier is on, for memory that may hold
 * pointers: every aligned word of the old and the new contents is shaded
 * first. The caller checks gort__wb_on() inline and copies plainly when it
 * is off (a channel moves every pointer-sized element that way). */
void gort__wb_copy_slow(void *dst, const void *src, size_t n);
void gort__wb_clear_slow(void *dst, size_t n);
/* Shade a pointer the runtime is about to keep where the collector may
 * already have looked (a root registered during the mark, a goroutine's
 * argument): no store. No-ops while the barrier is off. */
void gort__wb_shade(const void *p);
void gort__wb_shade_range(const void *lo, const void *hi);
/* Shade what the object containing p points to, not the object itself
 * (a finalizer set during a mark: mfinal.c). */
void gort__wb_shade_object_referents(const void *p);

/* Flush a P's buffer into its gcwork (the P's owner, or the world
 * stopped). */
struct p;
void gort__wbbuf_flush(struct p *pp);
#endif
