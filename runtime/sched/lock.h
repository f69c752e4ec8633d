/*
 * lock.h - the runtime's own mutex (Go's runtime.mutex): a futex-based lock
 * for short critical sections inside the runtime. It blocks the OS thread,
 * never the goroutine, so it must not be held across a goroutine switch
 * (gopark's unlock callback releases it on the scheduler stack).
 *
 * Invariants: key is MUTEX_UNLOCKED, MUTEX_LOCKED (held, nobody sleeping) or
 * MUTEX_SLEEPING (held, maybe sleepers). Zeroed memory is an unlocked lock.
 * A lock is taken and released on the same thread (it is never held across
 * a switch), and each thread counts the locks it holds (Go's m.locks): the
 * preemption signal never stops a thread whose count is not zero, even at
 * a pc that looks like user code (preempt.c).
 */
#ifndef GORT_SCHED_LOCK_H
#define GORT_SCHED_LOCK_H

#include <stdint.h>

struct mutex {
  _Atomic uint32_t key;
};

void gort__lock(struct mutex *l);
void gort__unlock(struct mutex *l);
/* Runtime locks the calling thread holds now (async-signal-safe). */
uint32_t gort__locks_held(void);

#endif
