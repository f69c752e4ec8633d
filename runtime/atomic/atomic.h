/*
 * atomic.h - every atomic operation of the runtime, each naming its memory
 * order (the shape of mimalloc's atomic.h: mi_atomic_load_acquire and
 * friends). Nothing in runtime/ calls <stdatomic.h>'s functions or GCC's
 * __atomic builtins directly, and nothing reads or writes an _Atomic
 * object with a plain expression (which C makes a silent seq_cst
 * operation): the clang build checks that with
 * -Watomic-implicit-seq-cst.
 *
 * The orders, weakest first:
 *   relaxed   atomicity only: counters and statistics, a word read again
 *             under a lock, a hint re-checked later. (On wasm a relaxed
 *             store of up to 4 bytes is a plain store: see below.)
 *   acquire   a load that must see what the writer published before its
 *             release (the run queue's head and tail, a status word).
 *   release   a store that publishes the writes before it.
 *   acq_rel   a read-modify-write that does both.
 *   seq_cst   one total order over all seq_cst operations: what Go's own
 *             runtime/internal/atomic gives every operation. Kept where
 *             two threads each store then load another's word (the
 *             spinning-M / idle-P handshake of proc.go, the lock word with
 *             its waiter count) and wherever weaker has not been argued.
 *
 * A compare-and-swap names its success order; its failure order is the
 * strongest one C allows below it (relaxed for release, acquire for
 * acq_rel).
 *
 * Types: declare atomic objects as _Atomic(T) (or the aliases below);
 * atomic_init initialises one that nobody else can see yet.
 *
 * Invariants: none beyond C11's. Locking: none.
 */
#ifndef GORT_ATOMIC_ATOMIC_H
#define GORT_ATOMIC_ATOMIC_H

#include <stdatomic.h>

#define GORT__MO(o) memory_order_##o

/* ---- load / store ------------------------------------------------------- */

#define gort__atomic_load_relaxed(p)                                           \
  atomic_load_explicit((p), GORT__MO(relaxed))
#define gort__atomic_load_acquire(p)                                           \
  atomic_load_explicit((p), GORT__MO(acquire))
#define gort__atomic_load_seq_cst(p)                                           \
  atomic_load_explicit((p), GORT__MO(seq_cst))

/* A relaxed store on wasm. wasm has only sequentially consistent atomics,
 * so the compiler makes every relaxed store an atomic store, which V8 emits
 * on x86-64 as an xchg: a locked instruction that drains the store buffer,
 * some 20-30 cycles where a move takes one. The hot paths are full of
 * relaxed stores to words their owner alone writes (a G's fields, a P's
 * counters, run-queue slots; prepare_run made five). So on wasm a relaxed
 * store of at most 4 bytes is a plain volatile store: wasm makes an aligned
 * non-atomic access of that size tear-free, V8 and SpiderMonkey emit it as
 * one machine store, and relaxed promises atomicity, which that keeps, and
 * no order; the atomics around it keep theirs. Wider stores stay atomic (a
 * 32-bit host may split an 8-byte plain store). Natively it is C11's
 * relaxed store, already a plain move on x86-64 and arm64. Measured in
 * docs/PERFORMANCE.md (issue 15, session 17). */
#if defined(__wasm__)
#define gort__atomic_store_relaxed(p, v)                                       \
  __extension__({                                                              \
    __typeof__(p) gort__store_p = (p);                                         \
    if (sizeof(*gort__store_p) <= 4)                                           \
      *(volatile __typeof__(__c11_atomic_load(gort__store_p,                   \
                                              0)) *)gort__store_p = (v);       \
    else                                                                       \
      atomic_store_explicit(gort__store_p, (v), GORT__MO(relaxed));            \
  })
#else
#define gort__atomic_store_relaxed(p, v)                                       \
  atomic_store_explicit((p), (v), GORT__MO(relaxed))
#endif
#define gort__atomic_store_release(p, v)                                       \
  atomic_store_explicit((p), (v), GORT__MO(release))
#define gort__atomic_store_seq_cst(p, v)                                       \
  atomic_store_explicit((p), (v), GORT__MO(seq_cst))

/* ---- read-modify-write: each returns the old value ----------------------- */

#define GORT__RMW(op, p, v, o) atomic_##op##_explicit((p), (v), GORT__MO(o))

#define gort__atomic_exchange_relaxed(p, v) GORT__RMW(exchange, p, v, relaxed)
#define gort__atomic_exchange_acquire(p, v) GORT__RMW(exchange, p, v, acquire)
#define gort__atomic_exchange_release(p, v) GORT__RMW(exchange, p, v, release)
#define gort__atomic_exchange_acq_rel(p, v) GORT__RMW(exchange, p, v, acq_rel)
#define gort__atomic_exchange_seq_cst(p, v) GORT__RMW(exchange, p, v, seq_cst)

#define gort__atomic_add_relaxed(p, v) GORT__RMW(fetch_add, p, v, relaxed)
#define gort__atomic_add_acquire(p, v) GORT__RMW(fetch_add, p, v, acquire)
#define gort__atomic_add_release(p, v) GORT__RMW(fetch_add, p, v, release)
#define gort__atomic_add_acq_rel(p, v) GORT__RMW(fetch_add, p, v, acq_rel)
#define gort__atomic_add_seq_cst(p, v) GORT__RMW(fetch_add, p, v, seq_cst)

#define gort__atomic_sub_relaxed(p, v) GORT__RMW(fetch_sub, p, v, relaxed)
#define gort__atomic_sub_acquire(p, v) GORT__RMW(fetch_sub, p, v, acquire)
#define gort__atomic_sub_release(p, v) GORT__RMW(fetch_sub, p, v, release)
#define gort__atomic_sub_acq_rel(p, v) GORT__RMW(fetch_sub, p, v, acq_rel)
#define gort__atomic_sub_seq_cst(p, v) GORT__RMW(fetch_sub, p, v, seq_cst)

#define gort__atomic_or_relaxed(p, v) GORT__RMW(fetch_or, p, v, relaxed)
#define gort__atomic_or_acq_rel(p, v) GORT__RMW(fetch_or, p, v, acq_rel)
#define gort__atomic_or_seq_cst(p, v) GORT__RMW(fetch_or, p, v, seq_cst)

#define gort__atomic_and_relaxed(p, v) GORT__RMW(fetch_and, p, v, relaxed)
#define gort__atomic_and_acq_rel(p, v) GORT__RMW(fetch_and, p, v, acq_rel)
#define gort__atomic_and_seq_cst(p, v) GORT__RMW(fetch_and, p, v, seq_cst)

/* ---- compare-and-swap: true when *p held *expected and now holds desired;
 * otherwise *expected is updated to what *p held. weak may fail spuriously
 * (use it in a loop). */

#define GORT__CAS(kind, p, e, d, s, f)                                         \
  atomic_compare_exchange_##kind##_explicit((p), (e), (d), GORT__MO(s),        \
                                            GORT__MO(f))

#define gort__atomic_cas_weak_relaxed(p, e, d)                                 \
  GORT__CAS(weak, p, e, d, relaxed, relaxed)
#define gort__atomic_cas_weak_acquire(p, e, d)                                 \
  GORT__CAS(weak, p, e, d, acquire, acquire)
#define gort__atomic_cas_weak_release(p, e, d)                                 \
  GORT__CAS(weak, p, e, d, release, relaxed)
#define gort__atomic_cas_weak_acq_rel(p, e, d)                                 \
  GORT__CAS(weak, p, e, d, acq_rel, acquire)
#define gort__atomic_cas_weak_seq_cst(p, e, d)                                 \
  GORT__CAS(weak, p, e, d, seq_cst, seq_cst)

#define gort__atomic_cas_strong_relaxed(p, e, d)                               \
  GORT__CAS(strong, p, e, d, relaxed, relaxed)
#define gort__atomic_cas_strong_acquire(p, e, d)                               \
  GORT__CAS(strong, p, e, d, acquire, acquire)
#define gort__atomic_cas_strong_release(p, e, d)                               \
  GORT__CAS(strong, p, e, d, release, relaxed)
#define gort__atomic_cas_strong_acq_rel(p, e, d)                               \
  GORT__CAS(strong, p, e, d, acq_rel, acquire)
#define gort__atomic_cas_strong_seq_cst(p, e, d)                               \
  GORT__CAS(strong, p, e, d, seq_cst, seq_cst)

/* ---- fences ---------------------------------------------------------------
 */

#define gort__atomic_fence_seq_cst() atomic_thread_fence(GORT__MO(seq_cst))
/* Orders this thread against a signal handler running on it only. */
#define gort__atomic_signal_fence_seq_cst()                                    \
  atomic_signal_fence(GORT__MO(seq_cst))

#endif /* GORT_ATOMIC_ATOMIC_H */
