/*
 * seqlock.h - the seqlock of the live samples, as inline helpers for the
 * areas that copy whole structs as 32-bit words: the scheduler sample
 * (debug/sched_sample.c), the GC sample (mem/mgcsample.c); the heap map
 * (mem/mheapmap.c) follows the same steps with 64-bit words. A P's switch
 * count reads its one data word with gort__seqlock_read; its one writer,
 * the P's owner, makes the sequence odd with a relaxed store
 * (sched/runtime2.h, switches).
 *
 * Writer: seq even -> odd by CAS (acquire: it synchronizes with the last
 * writer's release of seq, so state a writer keeps for the next one, as
 * mgcsample.c's table, is handed over; a writer that finds it odd or
 * loses the CAS leaves); the data words with release stores; seq <- seq +
 * 2 (release). Reader: s0 <- seq (acquire), odd: again; the data words
 * with acquire loads; s1 <- seq (relaxed); s0 != s1: again. A reader that
 * loads any word of a newer write synchronizes with that release store,
 * so its second look at seq sees the odd value (or later) and the copy is
 * thrown away. This is the fence-free form of Boehm's ("Can seqlocks get
 * along with programming language memory models?", 2012): the same on
 * x86 (plain moves), ldar/stlr on arm64, and ThreadSanitizer, which does
 * not model fences (GCC refuses atomic_thread_fence under it), checks it.
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
 * *q gets the even value it had. On success, everything the last writer
 * did before its write_end is visible. */
static inline bool gort__seqlock_write_begin(_Atomic uint32_t *seq,
                                             uint32_t *q) {
  *q = gort__atomic_load_relaxed(seq);
  return (*q & 1) == 0 && gort__atomic_cas_strong_acquire(seq, q, *q + 1);
}

/* Store n words of src into the area's words (release: see above). */
static inline void gort__seqlock_write_words(_Atomic uint32_t *dst,
                                             const void *src, size_t n) {
  const unsigned char *p = src;
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, p + 4 * i, 4);
    gort__atomic_store_release(&dst[i], w);
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
      uint32_t w = gort__atomic_load_acquire(&src[i]);
      memcpy(p + 4 * i, &w, 4);
    }
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
