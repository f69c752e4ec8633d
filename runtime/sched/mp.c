/*
 * mp.c - Ms and Ps: starting, parking and waking Ms, handing Ps between
 * them, the idle lists, changing GOMAXPROCS and stopping the world. Ports
 * of proc.go's startm, stopm, handoffp, wakep, pidleput/pidleget,
 * mput/mget, procresize, stopTheWorld and startTheWorld.
 *
 * Spinning Ms (Go's "Worker thread parking/unparking" comment, proc.go):
 * an M without work "spins" (looks for work to steal) before it parks. At
 * most as many Ms spin as there are busy Ps, and whenever work is readied
 * while there is an idle P and no spinning M, one M is woken to spin
 * (wakep). A spinning M that finds work stops spinning and, if it was the
 * last one, wakes another, so new work is never stranded while a P idles.
 *
 * A thread the OS refuses (startm_new): an optional M (the caller holds a
 * P and keeps running) is done without: the P's Gs go to the global
 * queue, the P goes idle; a needed M (no P with the caller, and work) is
 * Go's "failed to create new OS thread" and "fatal error: newosproc".
 *
 * Invariants:
 *   - An M holds at most one P; a P in P_RUNNING has exactly one M.
 *   - sched.nmspinning counts Ms with m->spinning set.
 *   - sched.mcount - sched.nmidle - sched.nmsys is the number of Ms that
 *     may still run Go code; when it is 0 checkdead decides. An M being
 *     made is counted from mreserve_locked until its thread runs or its
 *     failure is undone.
 *   - A P taken off the idle list for a new M is on no list and counted by
 *     no stop-the-world: whoever holds it gives it to an M, puts it back
 *     (queue empty) or stops it for a waiting stop-the-world.
 *   - A P given to an M (m->nextp) belongs to whoever takes it out of
 *     nextp first, with an exchange or a CAS: the M when it wakes, or a
 *     stop-the-world, which stops it there instead of waiting for the
 *     OS to run the M (on a busy machine that wait was most of the
 *     longest GC pauses: milliseconds). An M that wakes to an empty
 *     nextp parks again.
 *   - No G is left on the queue of a P without an M, not even when a
 *     thread is refused.
 *
 * Locking: sched.lock guards the idle lists and counts, and munstarted;
 * newm_backoff_until is a relaxed atomic (a stale view only tries a thread
 * early or late); P status changes out of P_SYSCALL are CASes (the M
 * returning and sysmon race for it).
 */
#include "atomic/atomic.h"
#include <errno.h>
#include <stdlib.h>

#include "arch/sanitizer.h"
#include "debug/debugvars.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mheap.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"
#include "sched/stack.h"
#include "time/timer.h"

/* ---- idle lists (sched.lock) ------------------------------------------- */

void gort__pidleput_locked(struct p *pp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  if (!gort__runqempty(pp))
    gort__throw("runtime: pidleput: P has non-empty run queue");
  gort__atomic_store_release(&pp->status, P_IDLE);
  gort__setpm(pp, NULL);
  pp->link = gort__sched.pidle;
  gort__sched.pidle = pp;
  gort__atomic_add_seq_cst(&gort__sched.npidle, 1);
}

struct p *gort__pidleget_locked(void) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  struct p *pp = gort__sched.pidle;
  if (pp) {
    gort__sched.pidle = pp->link;
    pp->link = NULL;
    gort__atomic_sub_seq_cst(&gort__sched.npidle, 1);
  }
  return pp;
}

static void mput_locked(struct m *mp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  mp->on_midle = true;
  mp->schedlink = gort__sched.midle;
  gort__sched.midle = mp;
  gort__sched.nmidle++;
  gort__checkdead_locked();
}

static struct m *mget_locked(void) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  struct m *mp = gort__sched.midle;
  if (mp) {
    gort__sched.midle = mp->schedlink;
    mp->schedlink = NULL;
    mp->on_midle = false;
    gort__sched.nmidle--;
  }
  return mp;
}

void gort__mremove_locked(struct m *mp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  for (struct m **pm = &gort__sched.midle; *pm; pm = &(*pm)->schedlink) {
    if (*pm == mp) {
      *pm = mp->schedlink;
      mp->schedlink = NULL;
      mp->on_midle = false;
      gort__sched.nmidle--;
      return;
    }
  }
  gort__throw("runtime: mremove: M is not idle");
}

/* Give pp to mp, a parked or new M; its wake-up follows. */
void gort__hand_p(struct m *mp, struct p *pp) {
  gort__atomic_store_release(&mp->nextp, pp);
}

/* The P given to mp, or NULL if a stop-the-world took it back first. An
 * M that lost its P this way stops spinning: nothing it was woken to
 * look for is left to it (start_the_world wakes Ms for whatever is
 * queued). */
static struct p *take_nextp(struct m *mp) {
  if (gort__debug.mwakedelay > 0)
    gort__os_usleep(gort__debug.mwakedelay);
  struct p *pp = gort__atomic_exchange_acq_rel(&mp->nextp, NULL);
  if (pp == NULL && mp->spinning) {
    mp->spinning = false;
    gort__atomic_sub_seq_cst(&gort__sched.nmspinning, 1);
  }
  return pp;
}

/* timedstopm parks like stopm, but only until the earliest timer: this M
 * is the timer sleeper. Woken by startm it continues like stopm; woken by
 * its timeout it takes an idle P (if any) to run the due timers. */
void gort__timedstopm(struct m *mp, int64_t until) {
  gort__lock(&gort__sched.lock);
  mput_locked(mp);
  gort__sched.timer_sleeper = mp;
  gort__sched.timer_sleep_until = until;
  gort__unlock(&gort__sched.lock);
  int64_t wait = until - gort__os_nanotime();
  bool woken = gort__notetsleep(&mp->park, wait > 0 ? wait : 0);
  if (!woken) {
    gort__lock(&gort__sched.lock);
    if (mp->on_midle) {
      gort__mremove_locked(mp);
      if (gort__sched.timer_sleeper == mp)
        gort__sched.timer_sleeper = NULL;
      struct p *pp = gort__pidleget_locked();
      gort__unlock(&gort__sched.lock);
      if (pp) {
        gort__acquirep(mp, pp);
        return;
      }
      gort__stopm(mp); /* every P is busy: they will run the timers */
      return;
    }
    /* A waker took this M off the idle list; its wake-up is coming. */
    gort__unlock(&gort__sched.lock);
    gort__notesleep(&mp->park);
  }
  gort__noteclear(&mp->park);
  gort__lock(&gort__sched.lock);
  if (gort__sched.timer_sleeper == mp)
    gort__sched.timer_sleeper = NULL;
  gort__unlock(&gort__sched.lock);
  struct p *pp = take_nextp(mp);
  if (pp == NULL) {
    gort__stopm(mp); /* a stop-the-world took it */
    return;
  }
  gort__acquirep(mp, pp);
}

/* ---- P ownership -------------------------------------------------------- */

void gort__acquirep(struct m *mp, struct p *pp) {
  if (gort__loadmp(mp) != NULL || gort__loadpm(pp) != NULL)
    gort__throw("runtime: acquirep: already in use");
  gort__setmp(mp, pp);
  gort__setpm(pp, mp);
  gort__atomic_store_release(&pp->status, P_RUNNING);
}

struct p *gort__releasep(struct m *mp) {
  struct p *pp = gort__loadmp(mp);
  if (pp == NULL || gort__loadpm(pp) != mp)
    gort__throw("runtime: releasep: invalid P state");
  gort__setmp(mp, NULL);
  gort__setpm(pp, NULL);
  gort__atomic_store_release(&pp->status, P_IDLE);
  return pp;
}

/* ---- making Ms ---------------------------------------------------------- */

static void mstart(void *arg);
static void drain_runq_locked(struct p *pp);

void gort__mcommoninit_locked(struct m *mp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  mp->id = gort__sched.mnext++;
  mp->alllink = gort__sched.allm;
  gort__sched.allm = mp;
  mp->fastrand = (uint64_t)mp->id * 0x9e3779b97f4a7c15ull + 1;
  mp->g0.is_g0 = true;
  gort__atomic_store_relaxed(&mp->g0.atomicstatus, G_RUNNING);
  gort__setgm(&mp->g0, mp);
}

/* Reserve a slot for a new M (counted as running from now, as Go's
 * mReserveID). sched.lock must be held. */
static void mreserve_locked(void) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  if (gort__sched.mcount >= MAX_MCOUNT) {
    gort__unlock(&gort__sched.lock);
    gort__print_str("runtime: program exceeds 10000-thread limit\n");
    gort__fatal("thread exhaustion");
  }
  gort__sched.mcount++;
}

/* Ms whose thread could not be made (linked by schedlink), kept for the
 * next newm so that a run of failures costs no memory (each is on allm
 * already, with its id, and never ran). sched.lock. */
static struct m *munstarted;

/* Until when (nanotime) an optional M is not even tried after a failure:
 * without it every gort_go beside an idle P would ask the OS again. */
static _Atomic int64_t newm_backoff_until;
enum { NEWM_BACKOFF_NS = 10 * 1000 * 1000, NEWM_RETRIES = 20 };

/* allocm: a fresh M (or the unstarted one) to start with P pp (spinning if
 * asked), or to run fn instead of the scheduler (sysmon). The M struct
 * comes from the C heap; none left is Go's "out of memory". */
static struct m *allocm(struct p *pp, bool spinning, void (*fn)(struct m *)) {
  gort__lock(&gort__sched.lock);
  struct m *mp = munstarted;
  if (mp) {
    munstarted = mp->schedlink;
    mp->schedlink = NULL;
  }
  gort__unlock(&gort__sched.lock);
  if (mp == NULL) {
    mp = calloc(1, sizeof *mp);
    if (mp == NULL)
      gort__throw_oom(sizeof *mp, "an M");
    gort__lock(&gort__sched.lock);
    gort__mcommoninit_locked(mp);
    gort__unlock(&gort__sched.lock);
  }
  gort__hand_p(mp, pp);
  mp->spinning = spinning;
  mp->mstartfn = fn;
  return mp;
}

/* newosproc: a thread for mp. 0, or the negative errno of the last try.
 * With retry, EAGAIN is tried again up to 20 times, sleeping 1, 2, ... 20
 * ms in between (Go's retryOnEAGAIN, runtime/retry.go): a thread limit
 * is often reached for a moment only. */
static int newosproc(struct m *mp, bool retry) {
  for (int tries = 1;; tries++) {
    uintptr_t handle;
    int rc = gort__os_thread_create(mstart, mp, &handle);
    if (rc == 0)
      return 0;
    gort__atomic_add_seq_cst(&gort__sched.thread_create_failures, 1);
    if (rc != -EAGAIN || !retry || tries == NEWM_RETRIES)
      return rc;
    gort__os_usleep((int64_t)tries * 1000);
  }
}

/* A thread the program cannot do without was refused: Go's words
 * (os_linux.go, newosproc), then "fatal error: newosproc", exit 2. */
static _Noreturn void newosproc_failed(int rc) {
  gort__lock(&gort__sched.lock);
  int32_t have = gort__sched.mcount - 1; /* less the one that failed */
  gort__unlock(&gort__sched.lock);
  gort__print_str("runtime: failed to create new OS thread (have ");
  gort__print_int(have);
  gort__print_str(" already; errno=");
  gort__print_int(-rc);
  gort__print_str(")\n");
  if (rc == -EAGAIN) {
    gort__print_str("runtime: ");
    gort__print_str(gort__os_thread_limit_hint());
    gort__print_str("\n");
  }
  gort__throw("newosproc");
}

/* An optional M was not made: undo its reservation and keep mp for next
 * time; pp's queued Gs (a resize's runnable P) go to the global queue and
 * pp to the idle list, so no G is stranded on a P without an M (or, if a
 * stop-the-world is waiting, pp stops for it); the spinning count is
 * given back. */
static void newm_failed(struct m *mp, struct p *pp, bool spinning) {
  /* Unless a stop-the-world took pp back from mp already. */
  bool have_p =
      mp == NULL || gort__atomic_exchange_acq_rel(&mp->nextp, NULL) != NULL;
  gort__lock(&gort__sched.lock);
  gort__sched.mcount--;
  if (mp) {
    mp->spinning = false;
    mp->mstartfn = NULL;
    mp->schedlink = munstarted;
    munstarted = mp;
  }
  if (!have_p) {
    /* Stopped already, its queue kept for procresize. */
  } else if (gort__atomic_load_seq_cst(&gort__sched.gcwaiting)) {
    /* A stop-the-world counts on every P it did not find idle, running
     * or in a call: pp was in our hands, so stop it here (as handoffp
     * does); its queue stays for procresize. */
    gort__atomic_store_seq_cst(&pp->status, P_GCSTOP);
    gort__setpm(pp, NULL);
    if (--gort__sched.stopwait == 0)
      gort__notewakeup(&gort__sched.stopnote);
  } else {
    drain_runq_locked(pp);
    gort__pidleput_locked(pp);
  }
  gort__unlock(&gort__sched.lock);
  if (spinning)
    gort__atomic_sub_seq_cst(&gort__sched.nmspinning, 1);
}

/* startm found no idle M for pp (one is reserved in mcount): make one.
 *
 * When a thread cannot be made (Go dies at once: "failed to create new OS
 * thread"), gort keeps running with the Ms it has where that is safe, and
 * dies with Go's message where it is not:
 *   - The caller holds a P (wakep from a running goroutine, a resize, a
 *     poller M with a P): it keeps running and passes through findrunnable,
 *     which takes the global queue. The new M was optional: pp's Gs, if
 *     any, go to the global queue, pp goes idle, and the program goes on
 *     with fewer Ms; for NEWM_BACKOFF_NS no optional M is tried again.
 *   - The caller holds no P (sysmon handing off the P of a blocked call,
 *     a poller M without a P) and there is work, on pp or the global
 *     queue: possibly no running M will ever come back for it (every
 *     other M may be blocked in a call that waits for that very work), so
 *     this M is needed: EAGAIN is retried as Go does, then the program
 *     dies with Go's message instead of hanging.
 *   - No work at all (a spinning M for sysmon's hand-off): optional. */
static void startm_new(struct p *pp, bool spinning) {
  struct m *self = gort__getm();
  bool needed = (self == NULL || gort__loadmp(self) == NULL) &&
                (!gort__runqempty(pp) ||
                 gort__atomic_load_relaxed(&gort__sched.runqsize) != 0);
  if (!needed &&
      gort__os_nanotime() < gort__atomic_load_relaxed(&newm_backoff_until)) {
    newm_failed(NULL, pp, spinning);
    return;
  }
  struct m *mp = allocm(pp, spinning, NULL);
  int rc = newosproc(mp, needed);
  if (rc == 0)
    return;
  if (needed)
    newosproc_failed(rc);
  gort__atomic_store_relaxed(&newm_backoff_until,
                             gort__os_nanotime() + NEWM_BACKOFF_NS);
  newm_failed(mp, pp, spinning);
}

static void mstart_g0(void *arg);

static void mstart(void *arg) {
  struct m *mp = arg;
  gort__settls(mp);
  int rc = gort__os_thread_init();
  if (rc != 0) {
    /* No signal stack: the thread could not report its own faults. */
    gort__print_str("runtime: cannot allocate a signal stack (errno=");
    gort__print_int(-rc);
    gort__print_str(")\n");
    gort__throw("out of memory");
  }
  mp->thread = gort__os_thread_self();
  gort__mstart_context(mp, mstart_g0, mp);
}

/* mstart, continued on the M's g0. */
static void mstart_g0(void *arg) {
  struct m *mp = arg;
  if (mp->mstartfn) {
    mp->mstartfn(mp);
    return;
  }
  struct p *pp = take_nextp(mp);
  if (pp == NULL)
    gort__stopm(mp); /* a stop-the-world took it */
  else
    gort__acquirep(mp, pp);
  gort__schedule(mp);
}

/* A system M (sysmon): the program cannot run without it, so failing to
 * make it is fatal, as for Go's newm(sysmon, ...). */
void gort__newm_sys(void (*fn)(struct m *)) {
  gort__lock(&gort__sched.lock);
  mreserve_locked();
  gort__sched.nmsys++;
  gort__unlock(&gort__sched.lock);
  struct m *mp = allocm(NULL, false, fn);
  int rc = newosproc(mp, true);
  if (rc != 0)
    newosproc_failed(rc);
}

/* ---- parking and waking Ms ---------------------------------------------- */

void gort__stopm(struct m *mp) {
  if (gort__loadmp(mp) != NULL)
    gort__throw("runtime: stopm holding p");
  if (mp->spinning)
    gort__throw("runtime: stopm spinning");
  for (;;) {
    gort__lock(&gort__sched.lock);
    mput_locked(mp);
    gort__unlock(&gort__sched.lock);
    gort__notesleep(&mp->park);
    gort__noteclear(&mp->park);
    struct p *pp = take_nextp(mp);
    if (pp != NULL) {
      gort__acquirep(mp, pp);
      return;
    }
    /* A stop-the-world took the P we were woken for: park again. */
  }
}

void gort__startm(struct p *pp, bool spinning) {
  gort__lock(&gort__sched.lock);
  if (pp == NULL) {
    pp = gort__pidleget_locked();
    if (pp == NULL) {
      gort__unlock(&gort__sched.lock);
      if (spinning)
        gort__atomic_sub_seq_cst(&gort__sched.nmspinning, 1);
      return;
    }
  }
  struct m *nmp = mget_locked();
  if (nmp == NULL) {
    mreserve_locked();
    gort__unlock(&gort__sched.lock);
    startm_new(pp, spinning);
    return;
  }
  gort__unlock(&gort__sched.lock);
  if (nmp->spinning)
    gort__throw("runtime: startm: m is spinning");
  if (gort__atomic_load_relaxed(&nmp->nextp) != NULL)
    gort__throw("runtime: startm: m has p");
  nmp->spinning = spinning;
  gort__hand_p(nmp, pp);
  gort__notewakeup(&nmp->park);
}

void gort__wakep(void) {
  /* Peeks are racy on purpose: a missed wake-up is repaired by the
   * spinning M that finds work (resetspinning) or by the next ready. */
  if (gort__atomic_load_relaxed(&gort__sched.npidle) == 0)
    return;
  int32_t zero = 0;
  if (gort__atomic_load_relaxed(&gort__sched.nmspinning) != 0 ||
      !gort__atomic_cas_strong_seq_cst(&gort__sched.nmspinning, &zero, 1))
    return;
  gort__startm(NULL, true);
}

void gort__handoffp(struct p *pp) {
  /* Local or global work: start an M for it at once. */
  if (!gort__runqempty(pp) ||
      gort__atomic_load_relaxed(&gort__sched.runqsize) != 0) {
    gort__startm(pp, false);
    return;
  }
  /* Nobody spinning or idle: start a spinning M so work is not stranded. */
  int32_t zero = 0;
  if (gort__atomic_load_seq_cst(&gort__sched.nmspinning) +
              gort__atomic_load_seq_cst(&gort__sched.npidle) ==
          0 &&
      gort__atomic_cas_strong_seq_cst(&gort__sched.nmspinning, &zero, 1)) {
    gort__startm(pp, true);
    return;
  }
  gort__lock(&gort__sched.lock);
  if (gort__atomic_load_seq_cst(&gort__sched.gcwaiting)) {
    gort__atomic_store_seq_cst(&pp->status, P_GCSTOP);
    gort__setpm(pp, NULL);
    if (--gort__sched.stopwait == 0)
      gort__notewakeup(&gort__sched.stopnote);
    gort__unlock(&gort__sched.lock);
    return;
  }
  if (gort__sched.runq.size != 0) {
    gort__unlock(&gort__sched.lock);
    gort__startm(pp, false);
    return;
  }
  /* The last running P, and nobody blocked in the poller while goroutines
   * wait on it: an M keeps the P to poll (proc.go). */
  if (gort__netpoll_wanted() &&
      gort__atomic_load_seq_cst(&gort__sched.lastpoll) != 0 &&
      gort__atomic_load_seq_cst(&gort__sched.npidle) ==
          gort__atomic_load_seq_cst(&gort__sched.gomaxprocs) - 1) {
    gort__unlock(&gort__sched.lock);
    gort__startm(pp, false);
    return;
  }
  gort__pidleput_locked(pp);
  gort__unlock(&gort__sched.lock);
}

/* gcstopm: the running M gives its P to a stop-the-world in progress and
 * parks. */
void gort__gcstopm(struct m *mp) {
  if (mp->spinning) {
    mp->spinning = false;
    gort__atomic_sub_seq_cst(&gort__sched.nmspinning, 1);
  }
  struct p *pp = gort__releasep(mp);
  gort__lock(&gort__sched.lock);
  gort__atomic_store_seq_cst(&pp->status, P_GCSTOP);
  if (--gort__sched.stopwait == 0)
    gort__notewakeup(&gort__sched.stopnote);
  gort__unlock(&gort__sched.lock);
  gort__stopm(mp);
}

/* ---- stop the world, resize --------------------------------------------- */

static void preemptall(void) {
  int32_t n = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  for (int32_t i = 0; i < n; i++) {
    struct p *pp = gort__sched.allp[i];
    if (gort__atomic_load_seq_cst(&pp->status) == P_RUNNING)
      gort__preemptone(pp);
  }
}

/* Ps given to Ms that have not taken them yet (woken, or a new thread
 * not yet running): stop them where they are instead of waiting for the
 * OS to run those Ms. A P handed over after this is stopped by its M. */
static void stop_handed_ps_locked(void) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  for (struct m *mp = gort__sched.allm; mp != NULL; mp = mp->alllink) {
    struct p *pp = gort__atomic_load_acquire(&mp->nextp);
    if (pp != NULL &&
        gort__atomic_cas_strong_seq_cst(&mp->nextp, &pp, (struct p *)NULL)) {
      gort__atomic_store_seq_cst(&pp->status, P_GCSTOP);
      gort__sched.stopwait--;
      gort__atomic_add_relaxed(&gort__sched.stw_handed_ps, 1);
    }
  }
}

/* How long a stop of the world looks for the last Ps to stop before it
 * sleeps on sched.stopnote (yielding the CPU between looks). */
enum { STOP_SPIN_NS = 50 * 1000 };

void gort__stop_the_world(void) {
  struct m *mp = gort__getm();
  gort__lock(&gort__sched.lock);
  int32_t n = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  gort__sched.stopwait = n;
  gort__atomic_store_seq_cst(&gort__sched.gcwaiting, 1);
  preemptall();
  /* Our own P. */
  gort__atomic_store_seq_cst(&gort__loadmp(mp)->status, P_GCSTOP);
  gort__sched.stopwait--;
  /* Ps in blocking calls stop where they are. */
  for (int32_t i = 0; i < n; i++) {
    struct p *pp = gort__sched.allp[i];
    uint32_t s = P_SYSCALL;
    if (gort__atomic_cas_strong_seq_cst(&pp->status, &s, P_GCSTOP)) {
      gort__atomic_add_seq_cst(&pp->syscalltick, 1);
      gort__sched.stopwait--;
    }
  }
  /* Idle Ps. */
  struct p *pp;
  while ((pp = gort__pidleget_locked()) != NULL) {
    gort__atomic_store_seq_cst(&pp->status, P_GCSTOP);
    gort__sched.stopwait--;
  }
  stop_handed_ps_locked();
  bool wait = gort__sched.stopwait > 0;
  gort__unlock(&gort__sched.lock);
  if (wait) {
    /* Running Ms stop at their next safe point; ask again now and then
     * (async preemption natively, the preempt flag everywhere). Look
     * without sleeping first: a P usually stops within tens of µs, and
     * waking from a futex costs as much again. */
    int64_t spin_until = gort__os_nanotime() + STOP_SPIN_NS;
    while (!gort__notetsleep(&gort__sched.stopnote, 0) &&
           gort__os_nanotime() < spin_until)
      gort__os_yield();
    while (!gort__notetsleep(&gort__sched.stopnote, 100 * 1000))
      preemptall();
    gort__noteclear(&gort__sched.stopnote);
  }
  if (gort__sched.stopwait != 0)
    gort__throw("runtime: stop_the_world: not stopped");
}

static struct p *newp(int32_t id) {
  struct p *pp = calloc(1, sizeof *pp);
  if (pp == NULL)
    gort__throw_oom(sizeof *pp, "a P");
  pp->id = id;
  gort__lock_init(&pp->timerslock, LOCK_RANK_TIMERS);
  gort__atomic_store_seq_cst(&pp->status, P_GCSTOP);
  return pp;
}

/* Move everything queued on pp to the global queue (pp is going away). */
static void drain_runq_locked(struct p *pp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  bool inherit;
  struct g *gp;
  while ((gp = gort__runqget(pp, &inherit)) != NULL)
    gort__globrunqput_locked(gp);
}

/* procresize: world stopped, sched.lock held. Returns the Ps that have
 * local work, linked through link; the caller starts Ms for them. */
static struct p *procresize_locked(int32_t nprocs, struct m *mp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  int32_t old = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  if (nprocs > gort__sched.allp_cap) {
    gort__lock(&gort__sched.allplock);
    struct p **n = realloc(gort__sched.allp, (size_t)nprocs * sizeof *n);
    if (n == NULL)
      gort__throw_oom((size_t)nprocs * sizeof *n, "allp");
    for (int32_t i = gort__sched.allp_cap; i < nprocs; i++)
      n[i] = newp(i);
    gort__sched.allp = n;
    gort__sched.allp_cap = nprocs;
    gort__unlock(&gort__sched.allplock);
  }
  /* Ps that go away give their Gs, free Gs and stacks to the global pools. */
  for (int32_t i = nprocs; i < old; i++) {
    struct p *pp = gort__sched.allp[i];
    drain_runq_locked(pp);
    gort__timers_move(pp, gort__sched.allp[0]);
    gort__gfpurge_locked(pp);
    gort__stackcache_release(pp);
    gort__mcache_release(pp);
    gort__atomic_store_seq_cst(&pp->status, P_DEAD);
  }
  gort__lock(&gort__sched.allplock);
  gort__atomic_store_seq_cst(&gort__sched.gomaxprocs, nprocs);
  gort__unlock(&gort__sched.allplock);
  /* Keep our P if it survives, else take P0. */
  struct p *mine = gort__loadmp(mp);
  if (mine && mine->id < nprocs) {
    gort__atomic_store_seq_cst(&mine->status, P_RUNNING);
  } else {
    if (mine) {
      gort__setpm(mine, NULL);
      gort__setmp(mp, NULL);
    }
    struct p *p0 = gort__sched.allp[0];
    gort__setpm(p0, NULL);
    gort__acquirep(mp, p0);
  }
  struct p *runnable = NULL;
  gort__sched.pidle = NULL;
  gort__atomic_store_seq_cst(&gort__sched.npidle, 0);
  for (int32_t i = nprocs - 1; i >= 0; i--) {
    struct p *pp = gort__sched.allp[i];
    if (pp == gort__loadmp(mp))
      continue;
    gort__setpm(pp, NULL);
    if (gort__runqempty(pp)) {
      gort__pidleput_locked(pp);
    } else {
      gort__atomic_store_seq_cst(&pp->status, P_IDLE);
      pp->link = runnable;
      runnable = pp;
    }
  }
  return runnable;
}

static gort_mutex world_mu = GORT_MUTEX_INIT;

void gort__world_lock(void) { gort_mutex_lock(&world_mu); }

void gort__world_unlock(void) { gort_mutex_unlock(&world_mu); }

void gort__start_the_world(int32_t nprocs) {
  struct m *mp = gort__getm();
  gort__lock(&gort__sched.lock);
  struct p *runnable = procresize_locked(nprocs, mp);
  gort__atomic_store_seq_cst(&gort__sched.gcwaiting, 0);
  gort__unlock(&gort__sched.lock);
  while (runnable) {
    struct p *pp = runnable;
    runnable = pp->link;
    pp->link = NULL;
    gort__startm(pp, false);
  }
  gort__wakep();
}

/* ---- the very first M and Ps -------------------------------------------- */

void gort__procinit(struct m *m0, int32_t nprocs) {
  gort__lock(&gort__sched.lock);
  gort__mcommoninit_locked(m0);
  gort__sched.mcount = 1;
  gort__atomic_store_seq_cst(&gort__sched.gomaxprocs, 0);
  (void)procresize_locked(nprocs, m0);
  gort__unlock(&gort__sched.lock);
}
