/*
 * lock.h - the runtime's own mutex (Go's runtime.mutex): a futex-based lock
 * for short critical sections inside the runtime. It blocks the OS thread,
 * never the goroutine, so it must not be held across a goroutine switch
 * (gopark's unlock callback releases it on the scheduler stack).
 *
 * Invariants: key is MUTEX_UNLOCKED, MUTEX_LOCKED (held, nobody sleeping) or
 * MUTEX_SLEEPING (held, maybe sleepers). Zeroed memory is an unlocked,
 * unranked lock. A lock is taken and released on the same thread (it is
 * never held across a switch), and each thread counts the locks it holds
 * (Go's m.locks): the preemption signal never stops a thread whose count
 * is not zero, even at a pc that looks like user code (preempt.c).
 *
 * Checks (GORT_DEBUG_LEVEL >= 2, debug/assert.h; Go's lockrank_on.go): a
 * lock also records its rank (sched/lockrank.h, given where it is
 * initialised) and its owner, the thread holding it (an M is one thread
 * for life, and some locks are taken by threads that have no M, so the
 * thread is the owner, as it is for the lock count). Every _locked
 * function starts with GORT_ASSERT_LOCKED(l): the caller must hold l.
 * Below level 2 the fields do not exist and the checks compile to nothing.
 */
#ifndef GORT_SCHED_LOCK_H
#define GORT_SCHED_LOCK_H

#include <stdint.h>

#include "debug/assert.h"
#include "sched/lockrank.h"

struct mutex {
  _Atomic uint32_t key;
#if GORT_LOCK_CHECKS
  uint32_t rank;               /* enum lock_rank; set before first use */
  _Atomic(const void *) owner; /* the holding thread's token, or NULL */
#endif
};

/* Go's active_spin and active_spin_cnt (lock_futex.go, proc.go): how many
 * rounds a locker (here) or a sync.Mutex (sched/spin.c) spins before
 * sleeping, and how many pause instructions (arch/procyield.h) a round
 * is. */
enum { GORT_ACTIVE_SPIN = 4, GORT_ACTIVE_SPIN_CNT = 30 };

void gort__lock(struct mutex *l);
void gort__unlock(struct mutex *l);
/* Runtime locks the calling thread holds now (async-signal-safe). */
uint32_t gort__locks_held(void);

#if GORT_LOCK_CHECKS
/* Go's lockInit: l's rank, before l is first taken. */
static inline void gort__lock_init(struct mutex *l, enum lock_rank rank) {
  l->rank = (uint32_t)rank;
}
/* A static lock's initialiser:
 *   static struct mutex m = GORT_LOCK_INITIALIZER(LOCK_RANK_X); */
#define GORT_LOCK_INITIALIZER(rank_)                                           \
  { .rank = (rank_) }
/* Does the calling thread hold l? */
int gort__lock_held(const struct mutex *l);
/* Go's assertLockHeld: dies unless the calling thread holds l. */
void gort__assert_lock_held(const struct mutex *l, const char *expr,
                            const char *file, int line);
#define GORT_ASSERT_LOCKED(l)                                                  \
  gort__assert_lock_held((l), #l " held", __FILE__, __LINE__)
#else
static inline void gort__lock_init(struct mutex *l, enum lock_rank rank) {
  (void)l;
  (void)rank;
}
#define GORT_LOCK_INITIALIZER(rank_)                                           \
  { 0 }
#define GORT_ASSERT_LOCKED(l) GORT_CHECK_NOTHING_((l) != 0)
#endif

#endif
