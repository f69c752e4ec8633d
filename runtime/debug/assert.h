/*
 * assert.h - the runtime's checked invariants, in levels chosen when the
 * runtime is built (mimalloc's MI_DEBUG: mi_assert, mi_assert_internal,
 * mi_assert_expensive in include/mimalloc/types.h and internal.h):
 *
 *   GORT_DEBUG_LEVEL 0  release: every check below compiles to nothing;
 *                       its expression is not evaluated (no side effects).
 *   GORT_DEBUG_LEVEL 1  GORT_ASSERT: cheap checks.
 *   GORT_DEBUG_LEVEL 2  also lock-held checks (GORT_ASSERT_LOCKED at the
 *                       top of every _locked function) and lock ranks
 *                       (sched/lockrank.h), Go's lockrank_on.go.
 *   GORT_DEBUG_LEVEL 3  also GORT_ASSERT_EXPENSIVE: walks (run queues on
 *                       every put and get, the heap verifier each cycle).
 *
 * The level comes from CMake (-DGORT_DEBUG_LEVEL=N, default 0), which
 * defines it for the runtime and for everything built against its
 * internal headers (the tests), since struct mutex grows at level 2.
 *
 * A failed check dies the way Go's throw does:
 *   fatal error: runtime: assertion failed: <expr> (file:line)
 * followed by the goroutine dump (debug/print.h), exit status 2.
 *
 * Invariants: at level 0 nothing here generates code; a check's
 * expression must have no side effect the runtime relies on.
 */
#ifndef GORT_DEBUG_ASSERT_H
#define GORT_DEBUG_ASSERT_H

#ifndef GORT_DEBUG_LEVEL
#define GORT_DEBUG_LEVEL 0
#endif

/* Prints the failed expression and where, then dies (print.h's throw). */
_Noreturn void gort__assert_fail(const char *expr, const char *file, int line);

/* Keeps expr type-checked (and its variables and helpers "used") without
 * evaluating it: the right of a constant-false && never runs, and the
 * compiler drops it. */
#define GORT_CHECK_NOTHING_(expr) ((void)(0 && (expr)))

#define GORT_CHECK_(expr)                                                      \
  (__builtin_expect(!!(expr), 1)                                               \
       ? (void)0                                                               \
       : gort__assert_fail(#expr, __FILE__, __LINE__))

#if GORT_DEBUG_LEVEL >= 1
#define GORT_ASSERT(expr) GORT_CHECK_(expr)
#else
#define GORT_ASSERT(expr) GORT_CHECK_NOTHING_(expr)
#endif

#if GORT_DEBUG_LEVEL >= 3
#define GORT_ASSERT_EXPENSIVE(expr) GORT_CHECK_(expr)
#else
#define GORT_ASSERT_EXPENSIVE(expr) GORT_CHECK_NOTHING_(expr)
#endif

/* Lock checks (level 2): the lock's owner and rank are recorded by
 * sched/lock_futex.c only at this level. */
#define GORT_LOCK_CHECKS (GORT_DEBUG_LEVEL >= 2)

#endif
