/*
 * syscall.c - blocking calls: gort_syscall_enter / gort_syscall_exit
 * around a C call that may block the thread (Go's entersyscall and
 * exitsyscall, proc.go).
 *
 * Entering leaves the P attached but marked P_SYSCALL, which costs two
 * atomic stores: most calls return quickly and take their P back with one
 * CAS. If a call blocks longer than a sysmon tick (20 µs to 10 ms) while
 * there is work, sysmon retakes the P (CAS P_SYSCALL -> P_IDLE) and hands
 * it to another M (handoffp). On exit the goroutine takes its old P if it
 * is still free, else any idle P, else it queues itself on the global run
 * queue and its M parks.
 *
 * Invariants:
 *   - Between enter and exit the G is G_SYSCALL and must not call into
 *     gort (its P may be taken from it at any moment).
 *   - m->oldp is the P held before the call; only this M reads it.
 *
 * Locking: P status transitions out of P_SYSCALL are CASes, so sysmon, a
 * stop-the-world and the returning M agree on who owns the P.
 */
#include "atomic/atomic.h"

#include "debug/print.h"
#include "sched/mp.h"
#include "sched/runq.h"

void gort_syscall_enter(void) {
  struct g *gp = gort__must_getg("gort_syscall_enter");
  struct m *mp = gort__getm();
  struct p *pp = gort__loadmp(mp);
  gort__casgstatus(gp, G_RUNNING, G_SYSCALL);
  gort__atomic_add_relaxed(&pp->syscalltick, 1);
  mp->oldp = pp;
  gort__setmp(mp, NULL);
  gort__setpm(pp, NULL);
  /* Release: the P's state is published before sysmon may take it. */
  gort__atomic_store_release(&pp->status, P_SYSCALL);
  if (gort__atomic_load_acquire(&gort__sched.gcwaiting)) {
    /* A stop-the-world is waiting for this P: give it up now. */
    uint32_t s = P_SYSCALL;
    if (gort__atomic_cas_strong_seq_cst(&pp->status, &s, P_GCSTOP)) {
      gort__lock(&gort__sched.lock);
      if (--gort__sched.stopwait == 0)
        gort__notewakeup(&gort__sched.stopnote);
      gort__unlock(&gort__sched.lock);
    }
  }
}

/* Try to get a P without parking: the old one, else an idle one. */
static bool exitsyscallfast(struct m *mp) {
  struct p *oldp = mp->oldp;
  mp->oldp = NULL;
  uint32_t s = P_SYSCALL;
  if (oldp && gort__atomic_cas_strong_seq_cst(&oldp->status, &s, P_IDLE)) {
    gort__acquirep(mp, oldp);
    gort__atomic_add_relaxed(&oldp->syscalltick, 1);
    return true;
  }
  if (gort__atomic_load_seq_cst(&gort__sched.npidle) > 0 &&
      !gort__atomic_load_seq_cst(&gort__sched.gcwaiting)) {
    gort__lock(&gort__sched.lock);
    struct p *pp = gort__pidleget_locked();
    gort__unlock(&gort__sched.lock);
    if (pp) {
      gort__acquirep(mp, pp);
      return true;
    }
  }
  return false;
}

/* exitsyscall0 runs on g0 when no P was free: queue gp globally (or run
 * it, if a P turned up meanwhile); the scheduler loop parks this M. */
static void exitsyscall0(struct g *gp) {
  struct m *mp = gort__getm();
  gort__casgstatus(gp, G_SYSCALL, G_RUNNABLE);
  gort__atomic_store_relaxed(&gp->m, NULL);
  gort__lock(&gort__sched.lock);
  struct p *pp = gort__atomic_load_seq_cst(&gort__sched.gcwaiting)
                     ? NULL
                     : gort__pidleget_locked();
  if (pp == NULL)
    gort__globrunqput_locked(gp);
  gort__unlock(&gort__sched.lock);
  if (pp) {
    gort__acquirep(mp, pp);
    gort__runqput(pp, gp, true);
  }
}

void gort_syscall_exit(void) {
  struct m *mp = gort__getm();
  struct g *gp = mp ? gort__loadcurg(mp) : NULL;
  if (gp == NULL || gort__readgstatus(gp) != G_SYSCALL)
    gort__fatal("gort_syscall_exit without gort_syscall_enter");
  if (exitsyscallfast(mp)) {
    gort__casgstatus(gp, G_SYSCALL, G_RUNNING);
    return;
  }
  gort__mcall(exitsyscall0);
}
