/*
 * lock_futex.c - runtime mutex on the os.h futex, after Go's
 * lock_futex.go: spin briefly on a multiprocessor (longer where a wake is
 * costly: spin_rounds), then sleep in the kernel
 * (or in Atomics.wait on wasm). An unlock that finds MUTEX_SLEEPING wakes one
 * sleeper, which re-marks the lock SLEEPING when it takes it, because others
 * may still sleep. (lock2's passive spin, one osyield between spinning and
 * sleeping, is not ported: on this machine's chan_buffered, where the
 * channel lock is contended, gort and Go make the same few thousand
 * futex calls a run.)
 *
 * Also the notes (one-shot sleep/wakeup) Ms park on.
 *
 * Invariants: see lock.h; locks_held counts this thread's locks (it is
 * thread-local, not per goroutine: a lock never crosses a switch). At
 * GORT_DEBUG_LEVEL >= 2 the rank is checked (lockrank.c) before the lock
 * is taken and given up before it is released (never after: l's memory
 * may be freed by then), and owner is set while it is held (written only
 * by the holder; read by any thread only to compare with its own
 * token).
 * Locking: this is the lock.
 */
#include "atomic/atomic.h"

#include "arch/procyield.h"
#include "debug/print.h"
#include "os/os.h"
#include "sched/runtime2.h"
#include "time/when.h"

enum { MUTEX_UNLOCKED = 0, MUTEX_LOCKED = 1, MUTEX_SLEEPING = 2 };

static _Thread_local uint32_t locks_held;

uint32_t gort__locks_held(void) { return locks_held; }

#if GORT_LOCK_CHECKS
/* This thread's token for struct mutex's owner: the address of a
 * thread-local, unique among live threads. */
static _Thread_local char owner_token;

int gort__lock_held(const struct mutex *l) {
  /* Relaxed: only this thread ever stores its own token. */
  return gort__atomic_load_relaxed(&((struct mutex *)l)->owner) == &owner_token;
}

void gort__assert_lock_held(const struct mutex *l, const char *expr,
                            const char *file, int line) {
  if (gort__lock_held(l))
    return;
  /* Go's assertLockHeld report: the lock, then what this thread holds. */
  gort__print_str("caller requires lock ");
  gort__print_hex((uintptr_t)l);
  gort__print_str(" (rank ");
  gort__print_str(gort__lockrank_name(l->rank));
  gort__print_str("), holding:\n");
  gort__lockrank_print_held();
  gort__assert_fail(expr, file, line);
}

/* Before l is taken: not by this thread already (that would deadlock),
 * and in rank order. */
static void check_lock(struct mutex *l) {
  if (gort__lock_held(l))
    gort__throw("runtime: lock: lock already held by this thread");
  gort__lockrank_acquire(l);
}

static void set_owner(struct mutex *l) {
  gort__atomic_store_relaxed(&l->owner, &owner_token);
}

/* Before l is released: by its holder; the owner goes first, then the
 * rank. Both read or write l, so neither may come after the release (as
 * in Go's lockrank_on.go): once l is free, its next holder may free the
 * memory it lies in (a select's woken G frees a channel whose lock
 * selparkcommit has just dropped). */
static void check_unlock(struct mutex *l) {
  if (!gort__lock_held(l))
    gort__throw("runtime: unlock: lock not held by this thread");
  gort__atomic_store_relaxed(&l->owner, NULL);
  gort__lockrank_release(l);
}
#else
static void check_lock(struct mutex *l) { (void)l; }
static void set_owner(struct mutex *l) { (void)l; }
static void check_unlock(struct mutex *l) { (void)l; }
#endif

static void lock_slow(struct mutex *l, uint32_t v);

void gort__lock(struct mutex *l) {
  /* Counted first: from here on the preemption signal leaves this thread
   * alone (lock.h). The compiler barrier keeps the count before the lock's
   * memory accesses as seen by a signal handler on this thread. */
  locks_held++;
  gort__atomic_signal_fence_seq_cst();
  check_lock(l);
  /* Fast path: acquire pairs with the release in gort__unlock. */
  uint32_t v = gort__atomic_exchange_acquire(&l->key, MUTEX_LOCKED);
  if (v != MUTEX_UNLOCKED)
    lock_slow(l, v);
  set_owner(l);
}

/* Rounds of spinning before a contended lock sleeps. Go's four (a few
 * µs) where a futex wake costs a few µs too; eight times as many where
 * waking a sleeper costs far more (gort__os_wake_is_costly: wasm, where
 * Atomics.notify costs the unlocker tens of µs or more). There a spawning
 * P and a P taking Gs from the global queue met on sched.lock often
 * enough that 6,000 of its waiters slept in a run of spawn (1,000,000
 * goroutines, 2 Ps), and 13,000 unlocks paid a wake: spawn 8% and skynet
 * 4% faster with the longer spin, which left about 20 sleeps a run. */
static int spin_rounds(void) {
  return gort__os_wake_is_costly() ? 8 * GORT_ACTIVE_SPIN : GORT_ACTIVE_SPIN;
}

static void lock_slow(struct mutex *l, uint32_t v) {
  /* v is LOCKED or SLEEPING; if SLEEPING, we must keep it SLEEPING when we
   * take the lock, because another thread may sleep on it. */
  uint32_t wait = v;
  int rounds = spin_rounds();
  for (;;) {
    for (int i = 0; i < rounds; i++) {
      while (gort__atomic_load_relaxed(&l->key) == MUTEX_UNLOCKED) {
        uint32_t expect = MUTEX_UNLOCKED;
        if (gort__atomic_cas_weak_acquire(&l->key, &expect, wait))
          return;
      }
      gort__procyield(GORT_ACTIVE_SPIN_CNT);
    }
    v = gort__atomic_exchange_acquire(&l->key, MUTEX_SLEEPING);
    if (v == MUTEX_UNLOCKED)
      return;
    wait = MUTEX_SLEEPING;
    gort__os_futex_wait((uint32_t *)&l->key, MUTEX_SLEEPING, -1);
  }
}

void gort__unlock(struct mutex *l) {
  check_unlock(l);
  /* Release: everything written under the lock is visible to the next
   * holder's acquire. Only the futex wake-up touches l afterwards, as Go's
   * unlock2 does. */
  uint32_t v = gort__atomic_exchange_release(&l->key, MUTEX_UNLOCKED);
  if (v == MUTEX_SLEEPING)
    gort__os_futex_wake((uint32_t *)&l->key, 1);
  /* Counted down last: the thread is in the runtime until this returns,
   * also while the futex wake-up calls out of it (a PLT stub, libc). */
  gort__atomic_signal_fence_seq_cst();
  if (locks_held == 0)
    gort__fatal("runtime: unlock: lock count");
  locks_held--;
}

/* ---- notes (Go's note on futexes, lock_futex.go) ------------------------
 * One sleeper, one waker: notewakeup sets key to 1 and wakes the futex;
 * notesleep waits while key is 0. A note is reused after noteclear. */

void gort__noteclear(struct note *n) { gort__atomic_store_relaxed(&n->key, 0); }

void gort__notewakeup(struct note *n) {
  /* Release: what the waker did before is visible to the woken thread. */
  uint32_t old = gort__atomic_exchange_release(&n->key, 1);
  if (old != 0)
    gort__throw("runtime: notewakeup - double wakeup");
  gort__os_futex_wake((uint32_t *)&n->key, 1);
}

void gort__notesleep(struct note *n) {
  while (gort__atomic_load_acquire(&n->key) == 0)
    gort__os_futex_wait((uint32_t *)&n->key, 0, -1);
}

bool gort__notetsleep(struct note *n, int64_t ns) {
  if (ns < 0) {
    gort__notesleep(n);
    return true;
  }
  /* Saturating: ns may be the distance to a timer at GORT_MAXWHEN. */
  int64_t deadline = gort__add_sat(gort__os_nanotime(), ns);
  while (gort__atomic_load_acquire(&n->key) == 0) {
    int64_t left = deadline - gort__os_nanotime();
    if (left <= 0)
      return false;
    gort__os_futex_wait((uint32_t *)&n->key, 0, left);
  }
  return true;
}
