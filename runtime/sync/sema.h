/*
 * sema.h - the runtime semaphore (Go's runtime/sema.go) on which every
 * blocking primitive of runtime/sync parks its goroutines, and the sync
 * statistics.
 *
 * A semaphore is any uint32 in memory (a Mutex's sema field, say): its
 * value is the number of permits. semacquire takes one, parking the
 * goroutine until there is one; semrelease adds one and wakes the longest
 * waiter on that address. They are not for counting things: think of them
 * as sleep and wakeup where every sleep is paired with exactly one wakeup,
 * even when the wakeup comes first (Mullender and Cox, "Semaphores in Plan
 * 9", as sema.go says).
 *
 * Invariants: both must be called from a goroutine. Waiters on one address
 * are woken in arrival order, except that lifo puts the caller first
 * (Mutex waiters that already waited once). With handoff, semrelease gives
 * its permit straight to the woken waiter and yields its P to it.
 *
 * Locking: internal (per-bucket runtime locks, never held while parked).
 */
#ifndef GORT_SYNC_SEMA_H
#define GORT_SYNC_SEMA_H

#include <stdbool.h>
#include <stdint.h>

void gort__semacquire(_Atomic uint32_t *addr, bool lifo, uint32_t reason);
void gort__semrelease(_Atomic uint32_t *addr, bool handoff);

/* Counters behind gort_sync_stats (relaxed atomics: each exact, not
 * mutually consistent). */
struct sync_counters {
  _Atomic uint64_t mutex_starvation_entered;
  _Atomic uint64_t mutex_starvation_left;
  _Atomic uint64_t sema_parks;
  _Atomic uint64_t sema_handoffs;
  _Atomic uint64_t rwmutex_bias_revocations;
  _Atomic uint64_t rwmutex_bias_readers_drained;
};
extern struct sync_counters gort__sync_counters;

#endif
