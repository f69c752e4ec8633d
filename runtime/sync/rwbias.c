/*
 * rwbias.c - the visible-readers table of RWMutex's read bias (rwbias.h).
 *
 * The table is RWBIAS_GROUPS groups of RWBIAS_GROUP_SLOTS slots, each group
 * on cache lines of its own. A reader uses the group of the P it runs on
 * (P id modulo the group count) and, in it, the first free one of the
 * RWBIAS_PROBES slots from the one its lock's address hashes to: readers of one
 * lock on different Ps never write the same line, which is the point (BRAVO
 * hashes lock and thread over one flat table; grouping by P keeps two Ps' slots
 * off one line). A goroutine may move to another P while it holds a slot; the
 * slot stays where it was taken (the reader remembers its index, rwmutex.c).
 *
 * Invariants: as in rwbias.h. Scans (release_any, mark, held) walk the
 * whole table: 2,048 words, a few microseconds, paid only by a writer of
 * a lock whose readers were biased, and by an RUnlock that finds its hold
 * on no count of the lock's own.
 *
 * Locking: none; seq_cst compare-and-swap and loads on each slot.
 */
#include "atomic/atomic.h"

#include "sync/rwbias.h"

struct rwbias_group gort__rwbias_table[RWBIAS_GROUPS];

enum rwbias_release gort__rwbias_release_any(const void *lock) {
  for (uint32_t i = 0; i < RWBIAS_SLOTS; i++) {
    if (!gort__rwbias_holds(i, lock))
      continue;
    enum rwbias_release r = gort__rwbias_release(i, lock);
    if (r != RWBIAS_NOT_HELD)
      return r;
  }
  return RWBIAS_NOT_HELD;
}

int32_t gort__rwbias_mark(const void *lock) {
  int32_t marked = 0;
  for (uint32_t i = 0; i < RWBIAS_SLOTS; i++) {
    uintptr_t seen = (uintptr_t)lock;
    if (gort__atomic_load_seq_cst(gort__rwbias_at(i)) == seen &&
        gort__atomic_cas_strong_seq_cst(gort__rwbias_at(i), &seen, seen | 1))
      marked++;
  }
  return marked;
}

bool gort__rwbias_held(const void *lock) {
  for (uint32_t i = 0; i < RWBIAS_SLOTS; i++)
    if (gort__rwbias_holds(i, lock))
      return true;
  return false;
}
