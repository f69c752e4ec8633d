/*
 * waitgroup.c - sync.WaitGroup, after Go's sync/waitgroup.go.
 *
 * One 64-bit state word, counter << 32 | waiters, and a runtime semaphore.
 * Add adds delta << 32: one atomic add. Wait increments the waiter count
 * with a CAS (only while the counter is non-zero) and parks on sema. The
 * Add that brings the counter to zero with waiters present owns the whole
 * state: nobody may change it now (a concurrent Add or Wait would be a
 * misuse), so it resets it to zero with a plain store and releases sema
 * once per waiter (FIFO: in arrival order).
 *
 * Misuse, as Go detects it (each a panic):
 *   "sync: negative WaitGroup counter"
 *   "sync: WaitGroup misuse: Add called concurrently with Wait": an Add
 *     from zero raced with a Wait, or the state changed while the last
 *     Done was releasing waiters;
 *   "sync: WaitGroup is reused before previous Wait has returned": a woken
 *     waiter finds the state no longer zero.
 *
 * Invariants:
 *   - counter (the high 32 bits, signed) >= 0.
 *   - waiters > 0 only while counter > 0, or while the releasing Add owns
 *     the state.
 *
 * Locking: state is atomic (acq_rel adds: the Add that reaches zero is
 * ordered after every Done before it, and the waiters it releases through
 * sema see their work); sema is the semaphore's.
 */
#include "atomic/atomic.h"

#include "debug/handle.h"
#include "debug/print.h"
#include "sched/runtime2.h"
#include "sync/sema.h"

struct waitgroup {
  _Atomic uint64_t state; /* counter << 32 | waiters */
  _Atomic uint32_t sema;
};

_Static_assert(sizeof(struct waitgroup) <= sizeof(gort_waitgroup),
               "gort_waitgroup is too small for struct waitgroup");

static struct waitgroup *wg_of(gort_waitgroup *w) {
  if (w == NULL)
    gort__panic_nil("sync.WaitGroup", "*gort_waitgroup"); /* wasm: no fault */
  return (struct waitgroup *)(void *)w;
}

void gort_waitgroup_add(gort_waitgroup *w, int64_t delta) {
  struct waitgroup *wg = wg_of(w);
  uint64_t state = gort__atomic_add_seq_cst(&wg->state, (uint64_t)delta << 32) +
                   ((uint64_t)delta << 32);
  int32_t v = (int32_t)(state >> 32);
  uint32_t waiters = (uint32_t)state;
  if (v < 0)
    gort__panic("sync: negative WaitGroup counter");
  /* A first Add (counter from 0 to delta) while goroutines wait: they
   * were released or are being released, so this Add raced with Wait. */
  if (waiters != 0 && delta > 0 && v == (int32_t)delta)
    gort__panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || waiters == 0)
    return;
  /* counter == 0, waiters > 0: we own the state. A change now is a
   * misuse (cheap check; it cannot catch every one). */
  if (gort__atomic_load_seq_cst(&wg->state) != state)
    gort__panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  gort__atomic_store_seq_cst(&wg->state, 0);
  for (; waiters != 0; waiters--)
    gort__semrelease(&wg->sema, false);
}

void gort_waitgroup_done(gort_waitgroup *w) { gort_waitgroup_add(w, -1); }

void gort_waitgroup_wait(gort_waitgroup *w) {
  struct waitgroup *wg = wg_of(w);
  uint64_t state = gort__atomic_load_seq_cst(&wg->state);
  for (;;) {
    if ((int32_t)(state >> 32) == 0)
      return; /* counter is 0: no need to wait */
    /* Count ourselves as a waiter (the CAS fails if anything moved). */
    if (gort__atomic_cas_weak_seq_cst(&wg->state, &state, state + 1)) {
      gort__semacquire(&wg->sema, false, WAIT_WAITGROUP);
      if (gort__atomic_load_seq_cst(&wg->state) != 0)
        gort__panic(
            "sync: WaitGroup is reused before previous Wait has returned");
      return;
    }
  }
}
