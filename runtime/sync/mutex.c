/*
 * mutex.c - sync.Mutex, after Go's sync/mutex.go ("Mutex fairness").
 *
 * One int32 state word and a runtime semaphore (sema.c):
 *
 *   state = waiters << MUTEX_WAITER_SHIFT | starving | woken | locked
 *
 * locked: held. woken: a goroutine is awake and trying to lock (a spinner
 * that announced itself, or a waiter just released by Unlock), so Unlock
 * need not wake another. starving: the mutex is in starvation mode.
 * waiters: goroutines parked (or about to park) on sema.
 *
 * Normal mode. Waiters queue FIFO, but a woken waiter does not own the
 * mutex: it competes with goroutines arriving just now, which have the
 * advantage of already running on a CPU. A waiter that loses is re-queued
 * at the front (semacquire with lifo). Arrivals may spin briefly first
 * (gort__can_spin: more than one CPU, another P busy, nothing queued on our
 * P, at most 4 rounds of 30 pauses), announcing themselves with the woken
 * bit so Unlock does not wake a waiter for nothing. This mode performs well
 * because a goroutine can take the mutex many times in a row although
 * waiters are blocked.
 *
 * Lock looks before it swaps (test and test-and-set): its fast path loads
 * the state and tries the compare-and-swap only if the mutex is free,
 * with or without waiters. Go's Lock swaps 0 for locked at once, which on
 * a held mutex fails but still takes the cache line from the holder, who
 * must fetch it back to unlock; and once waiters exist the state is never
 * 0, so every Lock failed that swap first. mutex_contended at 2 Ps,
 * medians of 5 alternated runs: wasm 50.5 -> 33.5 ns an op, native 58 ->
 * 47; the price is one load on an uncontended Lock (wasm at 1 P: 22.3 ->
 * 23.1 ns).
 *
 * Starvation mode. A waiter that has waited more than 1 ms in all sets the
 * starving bit on its next attempt. Then Unlock hands the mutex straight to
 * the waiter at the head of the queue (semrelease with handoff: the waiter
 * runs at once on the unlocker's P), newcomers do not try to take it and do
 * not spin but queue at the tail. A waiter that receives the mutex and is
 * the last waiter, or waited less than 1 ms, turns starvation mode off.
 * This bounds the wait of the unluckiest waiter (tail latency).
 *
 * Invariants:
 *   - waiters counts goroutines that went through the waiter increment and
 *     have not yet been released by an Unlock (normal mode: the unlock that
 *     sets woken takes one off; starvation: the waiter takes itself off).
 *   - In starvation mode the mutex is never free while waiters exist: it
 *     passes from the unlocker to the head waiter, with locked clear and
 *     woken clear until that waiter sets locked.
 *   - Unlocking an unlocked mutex is fatal, as in Go.
 *
 * Locking: state is changed only by atomic operations (seq_cst; they also
 * order the data the mutex protects: Lock's CAS acquires, Unlock's add
 * releases). sema is the semaphore's.
 */
#include "atomic/atomic.h"

#include "debug/handle.h"
#include "debug/print.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sync/sema.h"

enum {
  MUTEX_LOCKED = 1,
  MUTEX_WOKEN = 2,
  MUTEX_STARVING = 4,
  MUTEX_WAITER_SHIFT = 3,
};

static const int64_t STARVATION_THRESHOLD_NS = 1000000; /* 1 ms, as Go */

struct sync_mutex {
  _Atomic int32_t state;
  _Atomic uint32_t sema;
};

_Static_assert(sizeof(struct sync_mutex) <= sizeof(gort_mutex),
               "gort_mutex is too small for struct sync_mutex");

static struct sync_mutex *mutex_of(gort_mutex *m) {
  if (m == NULL)
    gort__panic_nil("sync.Mutex", "*gort_mutex"); /* wasm: 0 does not fault */
  return (struct sync_mutex *)(void *)m;
}

/* old: the state as Lock's fast path saw it. Out of line, as Go keeps
 * lockSlow: Lock's fast path stays a few instructions; on wasm also a
 * frame with nothing for Asyncify to save or restore around its one call. */
static __attribute__((noinline)) void lock_slow(struct sync_mutex *m,
                                                int32_t old) {
  int64_t wait_start = 0;
  bool starving = false, awoke = false;
  int iter = 0;
  for (;;) {
    /* Spin only in normal mode while locked: in starvation mode ownership
     * goes to the waiters, so spinning could not win it. */
    if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED &&
        gort__can_spin(iter)) {
      /* A safe point (lockSlow's prologue is one in Go), so that a
       * goroutine that keeps spinning here lets its P's queue run. Here,
       * where the spin waits anyway, not at the slow path's start, where
       * it delayed every contended Lock's first try (mutex_contended at 2
       * Ps natively, medians of 9: 20.4 ns an op there, 16.4 here, 14.3
       * with no check at all). Before we announce ourselves: the woken
       * flag must not stay set while we are off the CPU. A Lock that does
       * not spin parks, which lets the queue run, or takes the mutex at
       * once; natively the preemption signal stops a goroutine that keeps
       * doing that. */
      if (!awoke)
        gort_preempt_check();
      /* Announce ourselves (woken) so Unlock wakes no one for nothing. */
      if (!awoke && !(old & MUTEX_WOKEN) && (old >> MUTEX_WAITER_SHIFT) != 0 &&
          gort__atomic_cas_strong_seq_cst(&m->state, &old, old | MUTEX_WOKEN))
        awoke = true;
      gort__do_spin();
      iter++;
      old = gort__atomic_load_relaxed(&m->state);
      continue;
    }
    int32_t newstate = old;
    /* Don't try to take a starving mutex: newcomers queue. */
    if (!(old & MUTEX_STARVING))
      newstate |= MUTEX_LOCKED;
    if (old & (MUTEX_LOCKED | MUTEX_STARVING))
      newstate += 1 << MUTEX_WAITER_SHIFT;
    /* Switch to starvation mode, but only while locked: an unlocked
     * mutex in starvation mode would expect an Unlock's hand-off that
     * never comes. */
    if (starving && (old & MUTEX_LOCKED))
      newstate |= MUTEX_STARVING;
    if (awoke) {
      /* We were woken (or announced ourselves): clear the flag either
       * way, we are going to sleep or have the lock. */
      if (!(newstate & MUTEX_WOKEN))
        gort__throw("sync: inconsistent mutex state");
      newstate &= ~MUTEX_WOKEN;
    }
    if (!gort__atomic_cas_strong_seq_cst(&m->state, &old, newstate))
      continue; /* old is fresh */
    if ((newstate & MUTEX_STARVING) && !(old & MUTEX_STARVING))
      gort__atomic_add_relaxed(&gort__sync_counters.mutex_starvation_entered,
                               1);
    if (!(old & (MUTEX_LOCKED | MUTEX_STARVING)))
      return; /* locked with the CAS */
    /* Waited before: go to the front of the queue. */
    bool lifo = wait_start != 0;
    if (wait_start == 0)
      wait_start = gort__os_nanotime();
    gort__semacquire(&m->sema, lifo, WAIT_SYNC_MUTEX);
    starving =
        starving || gort__os_nanotime() - wait_start > STARVATION_THRESHOLD_NS;
    old = gort__atomic_load_seq_cst(&m->state);
    if (old & MUTEX_STARVING) {
      /* The mutex was handed to us: it is in an inconsistent state
       * (locked clear, we still counted as a waiter). Fix it. */
      if ((old & (MUTEX_LOCKED | MUTEX_WOKEN)) ||
          (old >> MUTEX_WAITER_SHIFT) == 0)
        gort__throw("sync: inconsistent mutex state");
      int32_t delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
      if (!starving || (old >> MUTEX_WAITER_SHIFT) == 1) {
        /* Leave starvation mode. Critical to do it here and consider the
         * wait time: it is efficient enough that two goroutines could
         * otherwise go on in lock-step starvation mode forever. */
        delta -= MUTEX_STARVING;
        gort__atomic_add_relaxed(&gort__sync_counters.mutex_starvation_left, 1);
      }
      gort__atomic_add_seq_cst(&m->state, delta);
      return;
    }
    awoke = true;
    iter = 0;
  }
}

/* One look and at most one compare-and-swap: take the mutex if it is seen
 * free, waiters or not (there may be a goroutine waiting, but we are
 * running now and can grab it before that one wakes up). A locked mutex is
 * left alone: a compare-and-swap on it would pull its cache line away from
 * the holder, who then waits for it to unlock. *old is left as the state
 * last seen. */
static inline bool try_take(struct sync_mutex *m, int32_t *old) {
  *old = gort__atomic_load_relaxed(&m->state);
  return !(*old & (MUTEX_LOCKED | MUTEX_STARVING)) &&
         gort__atomic_cas_strong_seq_cst(&m->state, old, *old | MUTEX_LOCKED);
}

void gort_mutex_lock(gort_mutex *mu) {
  struct sync_mutex *m = mutex_of(mu);
  int32_t old;
  if (try_take(m, &old)) /* the fast path: lock_slow's first try */
    return;
  lock_slow(m, old); /* old is fresh either way */
}

bool gort_mutex_trylock(gort_mutex *mu) {
  int32_t old;
  return try_take(mutex_of(mu), &old);
}

/* Out of line, as lock_slow. */
static __attribute__((noinline)) void unlock_slow(struct sync_mutex *m,
                                                  int32_t newstate) {
  if (!((newstate + MUTEX_LOCKED) & MUTEX_LOCKED))
    gort__fatal("sync: unlock of unlocked mutex");
  if (newstate & MUTEX_STARVING) {
    /* Starvation mode: hand ownership to the head waiter and yield our
     * time slice to it. locked stays clear: the waiter sets it; but the
     * starving bit keeps newcomers from taking the mutex meanwhile. */
    gort__semrelease(&m->sema, true);
    return;
  }
  int32_t old = newstate;
  for (;;) {
    /* Nobody to wake, or someone is already woken or took the lock (or
     * the mutex turned starving, then the owner hands it on): done. */
    if ((old >> MUTEX_WAITER_SHIFT) == 0 ||
        (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)))
      return;
    /* Take one waiter off and give it the right to wake. */
    newstate = (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN;
    if (gort__atomic_cas_strong_seq_cst(&m->state, &old, newstate)) {
      gort__semrelease(&m->sema, false);
      return;
    }
  }
}

void gort_mutex_unlock(gort_mutex *mu) {
  struct sync_mutex *m = mutex_of(mu);
  /* The fast path: drop the lock bit. */
  int32_t newstate =
      gort__atomic_sub_seq_cst(&m->state, MUTEX_LOCKED) - MUTEX_LOCKED;
  if (newstate != 0)
    unlock_slow(m, newstate); /* waiters, or misuse */
}

/* ---- Locker ------------------------------------------------------------- */

static void mutex_lock_fn(void *m) { gort_mutex_lock(m); }
static void mutex_unlock_fn(void *m) { gort_mutex_unlock(m); }

gort_locker gort_mutex_locker(gort_mutex *m) {
  return (gort_locker){mutex_lock_fn, mutex_unlock_fn, m};
}
