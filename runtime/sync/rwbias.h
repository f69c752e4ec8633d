/*
 * rwbias.h - the visible-readers table behind RWMutex's read bias (BRAVO:
 * Dice and Kogan, "BRAVO - Biased Locking for Reader-Writer Locks",
 * USENIX ATC 2019).
 *
 * One global table of slots. A reader of a biased lock publishes the
 * lock's address in a slot instead of adding to the lock's shared reader
 * count, so readers on different Ps write different cache lines. A writer
 * finds the readers it must wait for by scanning the table for its lock.
 *
 * Slot values: 0 (free), the lock's address (a reader holds it), or the
 * address with bit 0 set (held, and counted by a writer that waits for it:
 * whoever frees such a slot tells the lock, rwmutex.c). Lock addresses
 * are at least 4-aligned, so bit 0 is free for the mark.
 *
 * Invariants: a slot changes only by compare-and-swap, all seq_cst: the
 * reader's publish-then-check-bias and the writer's clear-bias-then-scan
 * are the Dekker pair that keeps a reader from slipping past a writer
 * (rwmutex.c). The table is shared by every lock; two locks may hash to
 * one slot (the second reader tries the next of RWBIAS_PROBES slots, then
 * takes the counted path); a slot holds one lock's address, never a count,
 * so a writer waits only for its own readers.
 *
 * Locking: none; every slot is its own atomic word.
 */
#ifndef GORT_SYNC_RWBIAS_H
#define GORT_SYNC_RWBIAS_H

#include <stdbool.h>
#include <stdint.h>

#include "atomic/atomic.h"

/* What freeing a slot found there. */
enum rwbias_release {
  RWBIAS_NOT_HELD,       /* the slot does not hold this lock */
  RWBIAS_RELEASED,       /* freed */
  RWBIAS_RELEASED_MARKED /* freed, and a writer had counted it */
};

enum {
  RWBIAS_GROUPS = 64,
  RWBIAS_GROUP_BITS = 5,
  RWBIAS_GROUP_SLOTS = 1 << RWBIAS_GROUP_BITS,
  RWBIAS_SLOTS = RWBIAS_GROUPS * RWBIAS_GROUP_SLOTS,
  /* Slots tried from the hashed one on: goroutines of one P that hold the
   * same lock at once (one parked in its read section, say). */
  RWBIAS_PROBES = 4,
};

/* A P's group, on cache lines of its own. */
struct rwbias_group {
  _Alignas(64) _Atomic uintptr_t slot[RWBIAS_GROUP_SLOTS];
};

extern struct rwbias_group gort__rwbias_table[RWBIAS_GROUPS];

/* The take, check and release are inline: they are the read lock's whole
 * fast path. */

static inline _Atomic uintptr_t *gort__rwbias_at(uint32_t i) {
  return &gort__rwbias_table[i / RWBIAS_GROUP_SLOTS]
              .slot[i % RWBIAS_GROUP_SLOTS];
}

/* Publishes lock in a free slot of P pid's group, among the few its
 * address hashes to: false if they are all taken. *slot is where. */
static inline bool gort__rwbias_take(const void *lock, int32_t pid,
                                     uint32_t *slot) {
  /* Fibonacci hashing of the address, word granularity. */
  uint32_t h = ((uint32_t)((uintptr_t)lock >> 2) * 0x9e3779b1u) >>
               (32 - RWBIAS_GROUP_BITS);
  uint32_t group = ((uint32_t)pid % RWBIAS_GROUPS) * RWBIAS_GROUP_SLOTS;
  for (uint32_t probe = 0; probe < RWBIAS_PROBES; probe++) {
    uint32_t i = group + (h + probe) % RWBIAS_GROUP_SLOTS;
    uintptr_t free_slot = 0;
    if (gort__atomic_load_relaxed(gort__rwbias_at(i)) == 0 &&
        gort__atomic_cas_strong_seq_cst(gort__rwbias_at(i), &free_slot,
                                        (uintptr_t)lock)) {
      *slot = i;
      return true;
    }
  }
  return false;
}

/* True if slot i holds lock, marked or not. */
static inline bool gort__rwbias_holds(uint32_t i, const void *lock) {
  return (gort__atomic_load_seq_cst(gort__rwbias_at(i)) & ~(uintptr_t)1) ==
         (uintptr_t)lock;
}

/* Frees slot i if it holds lock, marked or not. */
static inline enum rwbias_release gort__rwbias_release(uint32_t i,
                                                       const void *lock) {
  _Atomic uintptr_t *s = gort__rwbias_at(i);
  uintptr_t seen = (uintptr_t)lock;
  if (gort__atomic_cas_strong_seq_cst(s, &seen, 0))
    return RWBIAS_RELEASED;
  /* Marked meanwhile (or before): only a writer marks, and only once. */
  if (seen == ((uintptr_t)lock | 1) &&
      gort__atomic_cas_strong_seq_cst(s, &seen, 0))
    return RWBIAS_RELEASED_MARKED;
  return RWBIAS_NOT_HELD;
}

/* Frees any one slot that holds lock (a read hold taken on one goroutine
 * and given up on another). */
enum rwbias_release gort__rwbias_release_any(const void *lock);

/* Marks every slot that holds lock (unmarked) and returns how many: the
 * readers a writer must wait for. */
int32_t gort__rwbias_mark(const void *lock);

/* True if any slot holds lock. */
bool gort__rwbias_held(const void *lock);

#endif
