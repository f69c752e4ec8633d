/*
 * rwmutex.c - sync.RWMutex, after Go's sync/rwmutex.go: a reader/writer
 * lock that prefers writers.
 *
 * Fields: w, a Mutex that writers hold (so they queue among themselves);
 * readerCount, the readers holding or waiting for the read lock, minus
 * RWMUTEX_MAX_READERS while a writer is pending or holds it; readerWait,
 * the readers a pending writer still waits to depart; and two semaphores,
 * writerSem (the writer waits for departing readers) and readerSem
 * (readers wait for the writer).
 *
 * RLock adds one to readerCount: non-negative, it has the read lock, at
 * the cost of one atomic add. Negative means a writer is pending: the
 * reader parks on readerSem. A pending writer thus blocks new readers (it
 * is preferred), which keeps a stream of readers from starving it.
 * Lock takes w, then subtracts RWMUTEX_MAX_READERS from readerCount, which
 * both announces it and tells it how many readers are active; it adds those
 * to readerWait and, unless they all left already, parks on writerSem.
 * The last of them to RUnlock (readerWait reaching zero) releases it.
 * Unlock adds RWMUTEX_MAX_READERS back, releases readerSem once for each
 * reader that queued meanwhile, then unlocks w.
 *
 * Invariants:
 *   - readerCount >= 0 without a writer; in [-MAX, 0) while one is pending
 *     or holds the lock (readerCount + MAX readers are active or queued).
 *   - At most RWMUTEX_MAX_READERS - 1 readers at once.
 *   - RUnlock or Unlock of an unlocked RWMutex is fatal, as in Go.
 *
 * Locking: every field is atomic (seq_cst) or the semaphore's; w
 * serialises writers.
 */
#include "atomic/atomic.h"

#include "debug/handle.h"
#include "debug/print.h"
#include "sched/runtime2.h"
#include "sync/sema.h"

enum { RWMUTEX_MAX_READERS = 1 << 30 };

struct sync_rwmutex {
  gort_mutex w;
  _Atomic uint32_t writer_sem;
  _Atomic uint32_t reader_sem;
  _Atomic int32_t reader_count;
  _Atomic int32_t reader_wait;
};

_Static_assert(sizeof(struct sync_rwmutex) <= sizeof(gort_rwmutex),
               "gort_rwmutex is too small for struct sync_rwmutex");

static struct sync_rwmutex *rw_of(gort_rwmutex *rw) {
  if (rw == NULL)
    gort__panic_nil("sync.RWMutex", "*gort_rwmutex"); /* wasm: no fault */
  return (struct sync_rwmutex *)(void *)rw;
}

void gort_rwmutex_rlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  if (gort__atomic_add_seq_cst(&rw->reader_count, 1) + 1 < 0)
    /* A writer is pending: wait for it. */
    gort__semacquire(&rw->reader_sem, false, WAIT_SYNC_RWMUTEX_R);
}

bool gort_rwmutex_tryrlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  int32_t c = gort__atomic_load_seq_cst(&rw->reader_count);
  for (;;) {
    if (c < 0)
      return false;
    if (gort__atomic_cas_weak_seq_cst(&rw->reader_count, &c, c + 1))
      return true;
  }
}

static void runlock_slow(struct sync_rwmutex *rw, int32_t r) {
  if (r + 1 == 0 || r + 1 == -RWMUTEX_MAX_READERS)
    gort__fatal("sync: RUnlock of unlocked RWMutex");
  /* A writer is pending: the last reader it waits for releases it. */
  if (gort__atomic_sub_seq_cst(&rw->reader_wait, 1) - 1 == 0)
    gort__semrelease(&rw->writer_sem, false);
}

void gort_rwmutex_runlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  int32_t v = gort__atomic_sub_seq_cst(&rw->reader_count, 1) - 1;
  if (v < 0)
    runlock_slow(rw, v);
}

void gort_rwmutex_lock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  /* First, resolve competition with other writers. */
  gort_mutex_lock(&rw->w);
  /* Announce to readers there is a pending writer; r = active readers. */
  int32_t v = gort__atomic_sub_seq_cst(&rw->reader_count, RWMUTEX_MAX_READERS);
  /* Wait for them, unless they all left between the two adds. */
  if (v != 0 && gort__atomic_add_seq_cst(&rw->reader_wait, v) + v != 0)
    gort__semacquire(&rw->writer_sem, false, WAIT_SYNC_RWMUTEX_W);
}

bool gort_rwmutex_trylock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  if (!gort_mutex_trylock(&rw->w))
    return false;
  int32_t zero = 0;
  if (!gort__atomic_cas_strong_seq_cst(&rw->reader_count, &zero,
                                       -RWMUTEX_MAX_READERS)) {
    gort_mutex_unlock(&rw->w);
    return false;
  }
  return true;
}

void gort_rwmutex_unlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  /* Announce to readers there is no active writer. */
  int32_t v = gort__atomic_add_seq_cst(&rw->reader_count, RWMUTEX_MAX_READERS) +
              RWMUTEX_MAX_READERS;
  if (v >= RWMUTEX_MAX_READERS)
    gort__fatal("sync: Unlock of unlocked RWMutex");
  /* Release the readers that queued behind us. */
  for (int32_t i = 0; i < v; i++)
    gort__semrelease(&rw->reader_sem, false);
  /* Allow other writers to proceed. */
  gort_mutex_unlock(&rw->w);
}

/* ---- Lockers ------------------------------------------------------------ */

static void rw_lock_fn(void *rw) { gort_rwmutex_lock(rw); }
static void rw_unlock_fn(void *rw) { gort_rwmutex_unlock(rw); }
static void rw_rlock_fn(void *rw) { gort_rwmutex_rlock(rw); }
static void rw_runlock_fn(void *rw) { gort_rwmutex_runlock(rw); }

gort_locker gort_rwmutex_locker(gort_rwmutex *rw) {
  return (gort_locker){rw_lock_fn, rw_unlock_fn, rw};
}

gort_locker gort_rwmutex_rlocker(gort_rwmutex *rw) {
  return (gort_locker){rw_rlock_fn, rw_runlock_fn, rw};
}
