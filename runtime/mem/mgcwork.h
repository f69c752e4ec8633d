/*
 * mgcwork.h - the mark's work: grey objects in buffers (Go's mgcwork.go,
 * gcWork and workbuf).
 *
 * A grey object is one marked but not yet scanned. Each marker (a P's
 * mutators flushing their write-barrier buffer or assisting, a mark
 * worker, the collector's goroutine) holds a gcwork: two work buffers of
 * its own, used without a lock. A buffer that fills goes to the global
 * full list and an empty one comes from the global empty list; a marker
 * that runs dry takes a full one. Two buffers, not one, so a marker
 * hovering around a buffer boundary does not hit the global lists on every
 * put and get (Go's wbuf1/wbuf2 hysteresis).
 *
 * Invariants: a buffer is in exactly one place: a gcwork, the full list
 * or the empty list (or being moved between them by one thread). An
 * object is put at most once per cycle (its mark bit is set first, with
 * an atomic or). The mark is over when every gcwork and every write
 * barrier buffer is empty and so is the full list (mgc.c checks that
 * with the world stopped).
 *
 * Locking: a gcwork is its owner's (a P's: the M holding the P; a
 * worker's or the collector's: that goroutine's). The global lists are
 * guarded by one leaf lock, taken under any runtime lock (the barrier
 * runs with a channel's lock held).
 */
#ifndef GORT_MEM_MGCWORK_H
#define GORT_MEM_MGCWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2 KiB each: Go uses 2 KiB workbufs too. */
enum { WORKBUF_OBJS = 2048 / sizeof(uintptr_t) - 2 };

struct workbuf {
  struct workbuf *next; /* in the full or the empty list */
  uintptr_t nobj;
  uintptr_t obj[WORKBUF_OBJS];
};

struct gcwork {
  struct workbuf *wbuf1, *wbuf2; /* NULL until first used */
  /* Since the last flush into the cycle's totals (gort__gcw_flush_stats):
   * bytes of objects this marker marked, bytes it scanned. */
  uint64_t bytes_marked, bytes_scanned;
};

/* Put a grey object; take one (false: none here nor in the full list). */
void gort__gcw_put(struct gcwork *w, uintptr_t obj);
bool gort__gcw_tryget(struct gcwork *w, uintptr_t *obj);
/* Only what this gcwork holds, without touching the global lists. */
bool gort__gcw_tryget_local(struct gcwork *w, uintptr_t *obj);
bool gort__gcw_empty(const struct gcwork *w);
/* Give every grey object this gcwork holds to the full list (a P whose
 * work another marker must be able to find), and its empty buffers to
 * the empty list (Go's gcWork.dispose). */
void gort__gcw_dispose(struct gcwork *w);
/* Add bytes_marked and bytes_scanned into the cycle's totals and zero
 * them. */
void gort__gcw_flush_stats(struct gcwork *w);
/* The full list is empty (no grey object outside the gcworks). */
bool gort__gcw_global_empty(void);
/* A cycle begins: totals to zero. Totals of the cycle so far. */
void gort__gcw_begin_cycle(void);
uint64_t gort__gcw_total_marked(void);
uint64_t gort__gcw_total_scanned(void);

#endif
