/*
 * lock_futex.c - runtime mutex on the os.h futex, after Go's
 * lock_futex.go: spin briefly on a multiprocessor, then sleep in the kernel
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
 * thread-local, not per goroutine: a lock never crosses a switch).
 * Locking: this is the lock.
 */
#include "atomic/atomic.h"

#include "os/os.h"
#include "debug/print.h"
#include "time/when.h"
#include "sched/runtime2.h"

enum { MUTEX_UNLOCKED = 0, MUTEX_LOCKED = 1, MUTEX_SLEEPING = 2 };
enum { ACTIVE_SPIN = 4, ACTIVE_SPIN_CNT = 30 };

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static _Thread_local uint32_t locks_held;

uint32_t gort__locks_held(void) { return locks_held; }

static void lock_slow(struct mutex *l, uint32_t v);

void gort__lock(struct mutex *l) {
  /* Counted first: from here on the preemption signal leaves this thread
   * alone (lock.h). The compiler barrier keeps the count before the lock's
   * memory accesses as seen by a signal handler on this thread. */
  locks_held++;
  gort__atomic_signal_fence_seq_cst();
  /* Fast path: acquire pairs with the release in gort__unlock. */
  uint32_t v = gort__atomic_exchange_acquire(&l->key, MUTEX_LOCKED);
  if (v != MUTEX_UNLOCKED)
    lock_slow(l, v);
}

static void lock_slow(struct mutex *l, uint32_t v) {
  /* v is LOCKED or SLEEPING; if SLEEPING, we must keep it SLEEPING when we
   * take the lock, because another thread may sleep on it. */
  uint32_t wait = v;
  for (;;) {
    for (int i = 0; i < ACTIVE_SPIN; i++) {
      while (gort__atomic_load_relaxed(&l->key) ==
             MUTEX_UNLOCKED) {
        uint32_t expect = MUTEX_UNLOCKED;
        if (gort__atomic_cas_weak_acquire(&l->key, &expect, wait))
          return;
      }
      for (int k = 0; k < ACTIVE_SPIN_CNT; k++)
        cpu_relax();
    }
    v = gort__atomic_exchange_acquire(&l->key, MUTEX_SLEEPING);
    if (v == MUTEX_UNLOCKED)
      return;
    wait = MUTEX_SLEEPING;
    gort__os_futex_wait((uint32_t *)&l->key, MUTEX_SLEEPING, -1);
  }
}

void gort__unlock(struct mutex *l) {
  /* Release: everything written under the lock is visible to the next
   * holder's acquire. */
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

void gort__noteclear(struct note *n) {
  gort__atomic_store_relaxed(&n->key, 0);
}

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
