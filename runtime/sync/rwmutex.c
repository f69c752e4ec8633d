/*
 * rwmutex.c - sync.RWMutex, after Go's sync/rwmutex.go: a reader/writer
 * lock that prefers writers, with a read bias after BRAVO (Dice and Kogan,
 * USENIX ATC 2019; the table is rwbias.c).
 *
 * The counted lock (Go's). Fields: w, a Mutex that writers hold (so they
 * queue among themselves); readerCount, the counted readers holding or
 * waiting for the read lock, minus RWMUTEX_MAX_READERS while a writer is
 * pending or holds it; readerWait, the readers a pending writer still
 * waits to depart; and two semaphores, writerSem (the writer waits for
 * departing readers) and readerSem (readers wait for the writer). A
 * counted RLock adds one to readerCount: non-negative, it has the read
 * lock; negative, a writer is pending and the reader parks on readerSem,
 * so a stream of readers cannot starve a writer. Lock takes w, then
 * subtracts RWMUTEX_MAX_READERS from readerCount, which both announces it
 * and tells it how many readers are active; it adds those to readerWait
 * and, unless they all left already, parks on writerSem; the last of them
 * to leave releases it. Unlock adds RWMUTEX_MAX_READERS back, releases
 * readerSem once for each reader that queued meanwhile, then unlocks w.
 *
 * The read bias. A counted RLock writes readerCount, one cache line that
 * every P's readers then pass around: on this lock alone, readers on two
 * CPUs run slower than on one. While the lock's bias is on (the zero
 * value's state), RLock instead publishes the lock's address in a slot of
 * the visible-readers table, in the group of its P, and then checks that
 * the bias is still on; RUnlock frees the slot. Neither writes the lock.
 * A writer takes w, turns the bias off (BIAS_REVOKED), marks every slot
 * holding its lock, then subtracts RWMUTEX_MAX_READERS as above and waits
 * for the marked readers and the counted ones together: readerWait counts
 * both, and whoever frees a marked slot takes one off. Reader (publish,
 * then check) and writer (turn off, then scan) both use seq_cst: either
 * the reader sees the bias off and backs out to the counted path, where
 * the pending writer holds it back, or the writer's scan finds its slot.
 * A writer that found the bias off already has nothing to scan
 * (BIAS_WRITER). Both states keep counted readers from turning the bias
 * on while the writer is pending or holds the lock; Unlock leaves it
 * BIAS_OFF. A counted reader turns it back on, holding its read lock,
 * once nine times what the last revocation cost (the scan and the wait)
 * has passed (BRAVO's inhibition): a lock written often stays counted and
 * its writers rarely scan.
 *
 * Read holds are interchangeable: Go lets one goroutine RUnlock what
 * another RLocked, and a G may move to another P in between. A G
 * remembers its slot (g->rw_bias_lock and rw_bias_slot, one at a time).
 * RUnlock frees that slot if it still holds the lock; else it ends some
 * other hold (runlock_any): from the count while it holds only active
 * readers, else from the table. A reader backing out of a slot that such
 * an RUnlock freed for it ends a hold in its place. Every RUnlock thus ends
 * exactly one hold, counted or in the table.
 *
 * A biased RUnlock is a safe point: a goroutine asked to yield (its slice
 * is over) does so there, with the hold already ended. A loop of read
 * locks makes no other call, and where no signal can stop a goroutine
 * (wasm) nothing else would end its slice (Go's safe points are its
 * functions' prologues, which RLock and RUnlock, inlined, do not have).
 * On wasm it also takes the loop's function out of V8's baseline tier:
 * a goroutine resumed after the yield calls it afresh, and a fresh call
 * runs the optimised code (rwmutex_read, docs/PERFORMANCE.md).
 *
 * Invariants:
 *   - Read holds = counted ones (readerCount without a writer; with one,
 *     the readers the writer counted and still waits for) + slots holding
 *     the lock, marked or not.
 *   - BIAS_ON: no writer holds the lock or waits past revoking the bias
 *     (one may hold w, about to revoke it). BIAS_REVOKED: slots may hold
 *     it. BIAS_OFF and BIAS_WRITER: none does (a reader backing out may
 *     hold one for a moment; it is no hold).
 *   - Only a writer holding w marks slots, and it adds to readerWait the
 *     number it marked.
 *   - At most RWMUTEX_MAX_READERS - 1 counted readers at once.
 *   - RUnlock or Unlock of an unlocked RWMutex is fatal, as in Go.
 *
 * Locking: every field is atomic (seq_cst) or the semaphore's; w
 * serialises writers. bias moves ON -> REVOKED and OFF -> WRITER (a
 * writer holding w), REVOKED -> WRITER (that writer, drained), WRITER or
 * REVOKED -> OFF or REVOKED (its Unlock, a failed TryLock), OFF -> ON (a
 * counted reader holding the lock, by CAS). inhibit_until: written by
 * writers holding w, read by counted readers.
 */
#include "atomic/atomic.h"

#include "debug/handle.h"
#include "debug/print.h"
#include "os/os.h"
#include "sched/runtime2.h"
#include "sync/rwbias.h"
#include "sync/sema.h"

enum { RWMUTEX_MAX_READERS = 1 << 30 };

/* The read bias's states. Readers use the table only in BIAS_ON; counted
 * readers turn BIAS_OFF back on; the other two belong to a writer. */
enum rw_bias {
  BIAS_ON = 0,      /* readers take slots (the zero value) */
  BIAS_OFF = 1,     /* no slot holds the lock */
  BIAS_REVOKED = 2, /* slots may still hold it: a writer drains them, or a
                       failed TryLock left them for the next writer */
  BIAS_WRITER = 3,  /* no slot holds it, and a writer holds or waits */
};

enum {
  INHIBIT_FACTOR = 9,           /* BRAVO's N: off for 9x a revocation */
  INHIBIT_MAX_TICKS = 1u << 20, /* about a second, in 1,024 ns ticks */
  CLOCK_EVERY = 16,             /* counted reads per P per look at it */
  RUNLOCK_SEARCHES = 100,
};

struct sync_rwmutex {
  gort_mutex w;
  _Atomic uint32_t writer_sem;
  _Atomic uint32_t reader_sem;
  _Atomic int32_t reader_count;
  _Atomic int32_t reader_wait;
  _Atomic uint32_t bias;          /* enum rw_bias */
  _Atomic uint32_t inhibit_until; /* bias stays off until (clock_ticks) */
};

_Static_assert(sizeof(struct sync_rwmutex) <= sizeof(gort_rwmutex),
               "gort_rwmutex is too small for struct sync_rwmutex");

static struct sync_rwmutex *rw_of(gort_rwmutex *rw) {
  if (rw == NULL)
    gort__panic_nil("sync.RWMutex", "*gort_rwmutex"); /* wasm: no fault */
  return (struct sync_rwmutex *)(void *)rw;
}

/* ---- the inhibition: when a counted reader may turn the bias back on -- */

/* A 32-bit clock of 1,024 ns ticks; it wraps every 73 minutes, so only
 * differences of less than INHIBIT_MAX_TICKS are read. */
static uint32_t clock_ticks(int64_t ns) { return (uint32_t)(ns >> 10); }

/* A revocation that began at revoked_at ends now: the bias stays off for
 * INHIBIT_FACTOR times what it cost (BRAVO's policy). */
static void set_inhibition(struct sync_rwmutex *rw, int64_t revoked_at) {
  int64_t now = gort__os_nanotime();
  uint64_t ticks = (uint64_t)((now - revoked_at) >> 10) * INHIBIT_FACTOR + 1;
  if (ticks > INHIBIT_MAX_TICKS)
    ticks = INHIBIT_MAX_TICKS;
  gort__atomic_store_relaxed(&rw->inhibit_until,
                             clock_ticks(now) + (uint32_t)ticks);
}

static bool inhibition_over(struct sync_rwmutex *rw) {
  uint32_t left = gort__atomic_load_relaxed(&rw->inhibit_until) -
                  clock_ticks(gort__os_nanotime());
  /* 0 or "more than the longest inhibition": the time has passed. */
  return left == 0 || left > INHIBIT_MAX_TICKS;
}

/* Called by a counted reader holding its read lock. */
static void maybe_restore_bias(struct sync_rwmutex *rw) {
  if (gort__atomic_load_relaxed(&rw->bias) == BIAS_ON)
    return;
  struct m *mp = gort__getm();
  struct p *pp = mp ? gort__loadmp(mp) : NULL;
  if (pp == NULL || pp->rw_counted_reads++ % CLOCK_EVERY != 0)
    return;
  /* From BIAS_OFF only: a writer's BIAS_REVOKED keeps readers out of the
   * table until it is done with them. */
  uint32_t off = BIAS_OFF;
  if (inhibition_over(rw))
    gort__atomic_cas_strong_seq_cst(&rw->bias, &off, BIAS_ON);
}

/* ---- read holds --------------------------------------------------------- */

/* A reader a pending writer counted in readerWait has left. */
static void reader_left(struct sync_rwmutex *rw) {
  if (gort__atomic_sub_seq_cst(&rw->reader_wait, 1) - 1 == 0)
    gort__semrelease(&rw->writer_sem, false);
}

static void runlock_any(struct sync_rwmutex *rw);

/* What the biased read lock got. */
enum biased {
  BIASED_HELD,   /* a slot in the table */
  BIASED_NOT,    /* no slot: take the counted path */
  BIASED_MARKED, /* no slot; the one it backed out of was marked: the
                    writer counted it */
  BIASED_TAKEN,  /* no slot, and an RUnlock had taken the one it backed out
                    of for its own hold: end a hold in its place */
};

/* The biased read lock: a slot in the table, if the bias is on and this
 * G holds no other slot. It never parks (nor reaches a switch: on wasm
 * Asyncify leaves it uninstrumented, it is the whole fast path). */
static enum biased rlock_biased(struct sync_rwmutex *rw) {
  if (gort__atomic_load_relaxed(&rw->bias) != BIAS_ON)
    return BIASED_NOT;
  struct g *gp = gort__getg();
  if (gp == NULL || gp->is_g0)
    return BIASED_NOT;
  if (gp->rw_bias_lock != NULL) {
    if (gort__rwbias_holds(gp->rw_bias_slot, gp->rw_bias_lock))
      return BIASED_NOT;     /* one slot per G: this read lock is counted */
    gp->rw_bias_lock = NULL; /* its hold was given up elsewhere */
  }
  struct p *pp = gort__loadmp(gort__loadgm(gp));
  uint32_t i;
  if (pp == NULL || !gort__rwbias_take(rw, pp->id, &i))
    return BIASED_NOT; /* other readers', of this lock or others */
  if (gort__atomic_load_seq_cst(&rw->bias) != BIAS_ON) {
    /* A writer turned the bias off meanwhile: back out. */
    enum rwbias_release r = gort__rwbias_release(i, rw);
    return r == RWBIAS_RELEASED          ? BIASED_NOT
           : r == RWBIAS_RELEASED_MARKED ? BIASED_MARKED
                                         : BIASED_TAKEN;
  }
  gp->rw_bias_lock = rw;
  gp->rw_bias_slot = i;
  return BIASED_HELD;
}

/* True if the biased path got the read lock; else the caller takes the
 * counted path. */
static bool rlock_fast(struct sync_rwmutex *rw) {
  enum biased b = rlock_biased(rw);
  if (b == BIASED_MARKED)
    reader_left(rw);
  else if (b == BIASED_TAKEN)
    runlock_any(rw);
  return b == BIASED_HELD;
}

void gort_rwmutex_rlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  if (rlock_fast(rw))
    return;
  if (gort__atomic_add_seq_cst(&rw->reader_count, 1) + 1 < 0)
    /* A writer is pending: wait for it. */
    gort__semacquire(&rw->reader_sem, false, WAIT_SYNC_RWMUTEX_R);
  maybe_restore_bias(rw);
}

bool gort_rwmutex_tryrlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  if (rlock_fast(rw))
    return true;
  int32_t c = gort__atomic_load_seq_cst(&rw->reader_count);
  for (;;) {
    if (c < 0)
      return false;
    if (gort__atomic_cas_weak_seq_cst(&rw->reader_count, &c, c + 1)) {
      maybe_restore_bias(rw);
      return true;
    }
  }
}

/* Ends one read hold this G has no slot for (a counted hold, or one
 * another goroutine took). Holds are interchangeable, but a writer's
 * pending count also holds readers queued behind it: so while a writer is
 * pending, a hold in the table is ended first, and the count only when the
 * table has none (then the hold is a counted, active one, which the writer
 * waits for). The table cannot gain holds then, so one search is exact.
 * Without a writer the count holds only active readers; a search there can
 * miss a hold that a concurrent RUnlock or a reader backing out moves, so
 * only RUNLOCK_SEARCHES empty searches in a row report the misuse. */
static void runlock_any(struct sync_rwmutex *rw) {
  for (int search = 0;; search++) {
    int32_t c = gort__atomic_load_seq_cst(&rw->reader_count);
    if (c > 0) {
      if (gort__atomic_cas_weak_seq_cst(&rw->reader_count, &c, c - 1))
        return;
      continue;
    }
    uint32_t b = gort__atomic_load_seq_cst(&rw->bias);
    if (b == BIAS_ON || b == BIAS_REVOKED) {
      enum rwbias_release r = gort__rwbias_release_any(rw);
      if (r == RWBIAS_RELEASED_MARKED)
        reader_left(rw);
      if (r != RWBIAS_NOT_HELD)
        return;
    }
    if (c < 0 && c > -RWMUTEX_MAX_READERS) {
      if (gort__atomic_cas_strong_seq_cst(&rw->reader_count, &c, c - 1)) {
        reader_left(rw); /* the pending writer counted this reader */
        return;
      }
      continue;
    }
    if (search == RUNLOCK_SEARCHES)
      gort__fatal("sync: RUnlock of unlocked RWMutex");
    struct g *gp = gort__getg();
    if (gp != NULL && !gp->is_g0)
      gort_yield();
  }
}

void gort_rwmutex_runlock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  struct g *gp = gort__getg();
  if (gp != NULL && gp->rw_bias_lock == rw) {
    gp->rw_bias_lock = NULL;
    enum rwbias_release res = gort__rwbias_release(gp->rw_bias_slot, rw);
    if (res == RWBIAS_RELEASED_MARKED)
      reader_left(rw);
    if (res != RWBIAS_NOT_HELD) {
      /* The safe point (see the head of the file); relaxed as in
       * gort_preempt_check: a late view yields at the next one. */
      if (__builtin_expect(gort__atomic_load_relaxed(&gp->preempt), 0))
        gort_preempt_check();
      return;
    }
  }
  runlock_any(rw);
}

/* ---- write holds -------------------------------------------------------- */

/* Turns the bias off for a writer holding w (and the counted lock, or
 * about to take it): from here until it unlocks, readers take the counted
 * path and queue behind it. Returns false if slots may hold the lock: then
 * the bias is BIAS_REVOKED and the writer must deal with them. */
static bool bias_off_for_writer(struct sync_rwmutex *rw) {
  uint32_t b = gort__atomic_load_seq_cst(&rw->bias);
  for (;;) {
    uint32_t want = b == BIAS_OFF ? BIAS_WRITER : BIAS_REVOKED;
    if (gort__atomic_cas_weak_seq_cst(&rw->bias, &b, want))
      return want == BIAS_WRITER;
  }
}

/* Marks the readers in the table for a writer: how many. */
static int32_t mark_biased_readers(struct sync_rwmutex *rw) {
  int32_t marked = gort__rwbias_mark(rw);
  struct sync_counters *c = &gort__sync_counters;
  gort__atomic_add_relaxed(&c->rwmutex_bias_revocations, 1);
  gort__atomic_add_relaxed(&c->rwmutex_bias_readers_drained, (uint64_t)marked);
  return marked;
}

void gort_rwmutex_lock(gort_rwmutex *r) {
  struct sync_rwmutex *rw = rw_of(r);
  /* First, resolve competition with other writers. */
  gort_mutex_lock(&rw->w);
  /* Keep new readers out of the table; count those in it. What that
   * costs, the scan and the wait, sets how long the bias stays off. */
  int64_t revoked_at = 0;
  int32_t marked = 0;
  if (!bias_off_for_writer(rw)) {
    revoked_at = gort__os_nanotime();
    marked = mark_biased_readers(rw);
  }
  /* Announce to readers there is a pending writer; v = counted readers. */
  int32_t v = gort__atomic_sub_seq_cst(&rw->reader_count, RWMUTEX_MAX_READERS);
  /* Wait for all of them, unless they all left meanwhile. */
  int32_t wait = v + marked;
  if (wait != 0 && gort__atomic_add_seq_cst(&rw->reader_wait, wait) + wait != 0)
    gort__semacquire(&rw->writer_sem, false, WAIT_SYNC_RWMUTEX_W);
  if (revoked_at != 0)
    set_inhibition(rw, revoked_at);
  /* The table holds no reader of ours now. */
  gort__atomic_store_seq_cst(&rw->bias, BIAS_WRITER);
}

/* Ends a write hold, leaving the bias in state bias (BIAS_OFF, or
 * BIAS_REVOKED after a TryLock that found readers in the table). */
static void unlock_write(struct sync_rwmutex *rw, uint32_t bias) {
  gort__atomic_store_seq_cst(&rw->bias, bias);
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
  if (!bias_off_for_writer(rw)) {
    /* As Lock, but it cannot wait for readers in the table: if there are
     * any, it gives up and leaves the bias revoked (new readers take the
     * counted path) for the next writer to drain. */
    int64_t revoked_at = gort__os_nanotime();
    bool held = gort__rwbias_held(rw);
    set_inhibition(rw, revoked_at);
    if (held) {
      unlock_write(rw, BIAS_REVOKED);
      return false;
    }
    gort__atomic_store_seq_cst(&rw->bias, BIAS_WRITER);
  }
  return true;
}

void gort_rwmutex_unlock(gort_rwmutex *r) { unlock_write(rw_of(r), BIAS_OFF); }

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
