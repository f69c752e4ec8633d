/*
 * os_fault.c - deterministic fault injection for the OS layer (os.h,
 * "Fault injection"): GORT_DEBUG=failthreadcreate=N, failstackalloc=N and
 * failarenaalloc=N make every thread creation, goroutine-stack reservation
 * or heap-arena reservation after the first N fail as if the OS had
 * refused it. The OS files ask gort__os_fault_injected at the top of the
 * real request and return the same failure the OS would, so what runs
 * above is the runtime's real failure path, not a test double.
 *
 * Shared by every OS file (it knows nothing about the OS); built on every
 * target.
 *
 * Invariants: limit[what] is written once by gort__os_fail_after, before
 * any M but the first exists (debug/debugvars.c), and only read after.
 *
 * Locking: count[what] is an atomic counter; requests from several threads
 * each take one number, so exactly the first N succeed.
 */
#include "atomic/atomic.h"

#include "os/os.h"

static int64_t limit[OS_REQ_COUNT] = {-1, -1, -1, -1};
static _Atomic int64_t count[OS_REQ_COUNT];

void gort__os_fail_after(enum gort_os_req what, int64_t n) {
  if (what < OS_REQ_OTHER)
    limit[what] = n;
}

bool gort__os_fault_injected(enum gort_os_req what) {
  int64_t n = limit[what];
  if (n < 0)
    return false; /* the usual case: one load, no counting */
  /* Relaxed: the count only has to hand out distinct numbers. */
  return gort__atomic_add_relaxed(&count[what], 1) >= n;
}
