/*
 * seqlock.h - the seqlock of the live samples (debug/sched_sample.c has
 * the protocol and its C11 reasoning, after Boehm's "Can seqlocks get
 * along with programming language memory models?"), as inline helpers for
 * the areas that copy whole structs as 32-bit words: the GC sample
 * (mem/mgcsample.c) and the heap map (mem/mheapmap.c).
 *
 * Invariants: seq is even outside a write and odd inside one; one writer
 * at a time, the one whose CAS made it odd; every word is an atomic, so a
 * racing reader reads old or new words, and a mix is thrown away because
 * seq changed.
 * Locking: none. A writer that finds seq odd leaves (the other's data is
 * as fresh); a reader retries, spinning briefly while seq is odd.
 */
#ifndef GORT_DEBUG_SEQLOCK_H
#define GORT_DEBUG_SEQLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/procyield.h"
#include "atomic/atomic.h"

/* Make seq odd; false (and nothing to undo) when another writer is in.
 * *q gets the even value it had. */
static inline bool gort__seqlock_write_begin(_Atomic uint32_t *seq,
                                             uint32_t *q) {
  *q = gort__atomic_load_relaxed(seq);
  if ((*q & 1) != 0 || !gort__atomic_cas_strong_relaxed(seq, q, *q + 1))
    return false;
  gort__atomic_fence_release();
  return true;
}

/* Store n words of src into the area's words, relaxed. */
static inline void gort__seqlock_write_words(_Atomic uint32_t *dst,
                                             const void *src, size_t n) {
  const unsigned char *p = src;
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, p + 4 * i, 4);
    gort__atomic_store_relaxed(&dst[i], w);
  }
}

/* Make seq even again: the words are stored before a reader sees it. */
static inline void gort__seqlock_write_end(_Atomic uint32_t *seq, uint32_t q) {
  gort__atomic_store_release(seq, q + 2);
}

/* Copy n words into out between two equal even reads of seq; returns
 * that seq (0: nothing was ever written). *tries (may be NULL) counts
 * the copies thrown away. */
static inline uint32_t gort__seqlock_read(_Atomic uint32_t *seq,
                                          _Atomic uint32_t *src, void *out,
                                          size_t n, uint32_t *tries) {
  unsigned char *p = out;
  for (;;) {
    uint32_t s0 = gort__atomic_load_acquire(seq);
    if (s0 & 1) {
      gort__procyield(10);
      if (tries != NULL)
        (*tries)++;
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      uint32_t w = gort__atomic_load_relaxed(&src[i]);
      memcpy(p + 4 * i, &w, 4);
    }
    gort__atomic_fence_acquire();
    if (gort__atomic_load_relaxed(seq) == s0)
      return s0;
    if (tries != NULL)
      (*tries)++;
  }
}

/* FNV-1a over n 32-bit words, the word at index skip taken as 0: the
 * checksum each sample carries so that tests can prove no torn copy
 * got through. */
static inline uint32_t gort__seqlock_checksum(const void *p, size_t n,
                                              size_t skip) {
  const unsigned char *b = p;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    uint32_t w = 0;
    if (i != skip)
      memcpy(&w, b + 4 * i, 4);
    h = (h ^ w) * 16777619u;
  }
  return h;
}

#endif
