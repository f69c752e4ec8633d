/*
 * spin.c - what the scheduler offers the sync package (runtime/sync): may a
 * goroutine that found a Mutex locked spin for a moment instead of
 * parking, the spin itself, and goyield, the cheap hand-over of the P to a
 * goroutine just readied. After Go's proc.go (sync_runtime_canSpin,
 * sync_runtime_doSpin, goyield) and lock_futex.go's procyield.
 *
 * Invariants:
 *   - Spinning is allowed only while it can pay off: more than one CPU,
 *     another P running goroutines (which may be about to unlock), and
 *     nothing waiting on this P's run queue (spinning would delay it);
 *     and only GORT_ACTIVE_SPIN times in a row (sched/lock.h). Where a
 *     switch is costly (gort__context_switch_is_costly: wasm) a queued
 *     goroutine does not forbid the spin: parking instead costs this
 *     goroutine a switch out and one back, each dearer than the spin's
 *     few hundred ns, and delays the queued one by as much (at 2 Ps,
 *     mutex_contended on wasm 38.5 -> 20.3 ns an op).
 *   - goyield keeps the yielding G on its own P (the local ring's tail),
 *     unlike gort_yield (Gosched), which queues it globally.
 *
 * Locking: none. The scheduler counters are atomics read racily: a stale
 * view only makes one spin decision less well informed.
 */
#include "atomic/atomic.h"

#include "arch/procyield.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"

static _Atomic int ncpu; /* 0 until first asked */

bool gort__can_spin(int iter) {
  if (iter >= GORT_ACTIVE_SPIN)
    return false;
  int n = gort__atomic_load_relaxed(&ncpu);
  if (n == 0) {
    n = gort__os_ncpu();
    gort__atomic_store_relaxed(&ncpu, n);
  }
  if (n <= 1)
    return false;
  /* Relaxed: racy hints, as in Go. */
  int32_t procs = gort__atomic_load_relaxed(&gort__sched.gomaxprocs);
  int32_t busy_elsewhere = gort__atomic_load_relaxed(&gort__sched.npidle) +
                           gort__atomic_load_relaxed(&gort__sched.nmspinning) +
                           1;
  if (procs <= busy_elsewhere)
    return false;
  struct p *pp = gort__loadmp(gort__getm());
  return pp != NULL && (gort__context_switch_is_costly || gort__runqempty(pp));
}

void gort__do_spin(void) { gort__procyield(GORT_ACTIVE_SPIN_CNT); }

/* goyield_m runs on g0: gp goes to the tail of its own P's ring, so the
 * G readied into runnext just before runs first and gp soon after. */
static void goyield_m(struct g *gp) {
  struct m *mp = gort__getm();
  gort__casgstatus(gp, G_RUNNING, G_RUNNABLE);
  gort__runqput(gort__loadmp(mp), gp, false);
}

void gort__goyield(void) { gort__mcall(goyield_m); }
