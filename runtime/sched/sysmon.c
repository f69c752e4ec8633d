/*
 * sysmon.c - the system monitor: an M without a P that wakes every 20 µs
 * to 10 ms (backing off while nothing happens) and
 *   - retakes Ps from Ms blocked in calls (gort_syscall_enter) for more than
 *     one of its ticks, when there is other work (Go's retake);
 *   - asks goroutines that have run for more than 10 ms to yield
 *     (preemptone: the preempt flag, and a signal natively);
 *   - does the wake a lazy ready deferred (proc.c, "Lazy wake") when the
 *     readier kept running: the P still marks it and has picked no G
 *     since sysmon's last look;
 *   - prints the schedtrace line when GORT_DEBUG=schedtrace=MS asks;
 *   - publishes the live scheduler sample every 10 ms (GORT_DEBUG
 *     schedsample=MS; debug/sched_sample.c): the web page's plots;
 *     the live GC sample with it (mem/mgcsample.c), and the heap map
 *     every GORT_DEBUG heapmap ms (off by default; mem/mheapmap.c);
 *   - once a second returns long-unused pooled stacks to the OS;
 *   - polls the network when nobody has for 10 ms;
 *   - starts a collection when none ran for 2 minutes (Go's forcegc).
 * Port of sysmon and retake in proc.go.
 *
 * Invariants: sysmon holds no P and never runs goroutines; it is counted in
 * sched.nmsys, so it does not keep checkdead from seeing a deadlock, except
 * while it hands goroutines from the poller to the run queues.
 *
 * Locking: allplock while walking allp (a resize replaces it); the
 * sysmon_* fields of each P are sysmon's alone; a P's wake_deferred is
 * taken with an exchange (its owner races for it).
 */
#include "atomic/atomic.h"

#include "debug/debugvars.h"
#include "debug/sched_sample.h"
#include "debug/sched_stats.h"
#include "mem/mgc.h"
#include "mem/mgcsample.h"
#include "mem/mheapmap.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"
#include "sched/stack.h"

enum {
  FORCE_PREEMPT_NS = 10 * 1000 * 1000, /* Go's forcePreemptNS */
  SYSMON_MIN_US = 20,
  SYSMON_MAX_US = 10 * 1000,
  SCAVENGE_NS = 1000 * 1000 * 1000,
  NETPOLL_NS = 10 * 1000 * 1000,
};

/* A ready deferred its wake and the P has switched to no G since our last
 * look (switches unchanged): the readier keeps running, so wake an M now,
 * which may steal the readied G as Go's woken M would have. Stored as
 * switches + 1, so that 0 means "not seen". */
static bool deferred_wake_due(struct p *pp) {
  if (!gort__atomic_load_relaxed(&pp->wake_deferred)) {
    if (pp->sysmon_wake_switches != 0)
      pp->sysmon_wake_switches = 0;
    return false;
  }
  uint64_t seen = gort__atomic_load_relaxed(&pp->switches) + 1;
  if (pp->sysmon_wake_switches != seen) {
    pp->sysmon_wake_switches = seen;
    return false;
  }
  pp->sysmon_wake_switches = 0;
  return gort__atomic_exchange_relaxed(&pp->wake_deferred, 0) != 0;
}

static uint32_t retake(int64_t now) {
  uint32_t n = 0, wakes = 0;
  gort__lock(&gort__sched.allplock);
  int32_t procs = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  for (int32_t i = 0; i < procs; i++) {
    struct p *pp = gort__sched.allp[i];
    uint32_t s = gort__atomic_load_acquire(&pp->status);
    if (gort__sched.lazy_wake && s == P_RUNNING && deferred_wake_due(pp))
      wakes++;
    bool sysretake = false;
    if (s == P_RUNNING || s == P_SYSCALL) {
      /* The same G has been running since sysmon last looked, for more
       * than 10 ms: ask it to yield. (schedwhen 0: never looked yet.) */
      uint32_t t = gort__atomic_load_relaxed(&pp->schedtick);
      if (pp->sysmon_schedtick != t || pp->sysmon_schedwhen == 0) {
        pp->sysmon_schedtick = t;
        pp->sysmon_schedwhen = now;
      } else if (pp->sysmon_schedwhen + FORCE_PREEMPT_NS <= now) {
        gort__preemptone(pp);
        sysretake = true;
      }
    }
    if (s != P_SYSCALL)
      continue;
    uint32_t t = gort__atomic_load_relaxed(&pp->syscalltick);
    if (!sysretake && pp->sysmon_syscalltick != t) {
      /* A new call since last time: give it one tick. */
      pp->sysmon_syscalltick = t;
      pp->sysmon_syscallwhen = now;
      continue;
    }
    /* Leave the P alone if it has no work, others are free to take new
     * work, and the call is still short (saves waking an M). */
    if (gort__runqempty(pp) &&
        gort__atomic_load_seq_cst(&gort__sched.nmspinning) +
                gort__atomic_load_seq_cst(&gort__sched.npidle) >
            0 &&
        pp->sysmon_syscallwhen + FORCE_PREEMPT_NS > now)
      continue;
    gort__unlock(&gort__sched.allplock);
    uint32_t expect = P_SYSCALL;
    if (gort__atomic_cas_strong_seq_cst(&pp->status, &expect, P_IDLE)) {
      n++;
      gort__atomic_add_relaxed(&gort__sched.handoffs, 1);
      gort__atomic_add_relaxed(&pp->syscalltick, 1);
      gort__handoffp(pp);
    }
    gort__lock(&gort__sched.allplock);
  }
  gort__unlock(&gort__sched.allplock);
  /* Outside allplock (startm takes sched.lock); wakep starts one spinning
   * M at most, which then wakes the next if it finds work. */
  if (wakes > 0)
    gort__wakep();
  return n + wakes;
}

/* sysmon is not counted for deadlock detection (sched.nmsys) except
 * while it holds goroutines it is about to make runnable. */
static void set_counted(bool counted) {
  gort__lock(&gort__sched.lock);
  if (counted) {
    gort__sched.nmsys--;
  } else {
    gort__sched.nmsys++;
    /* Others may have gone idle meanwhile, skipping the check on us. */
    gort__checkdead_locked();
  }
  gort__unlock(&gort__sched.lock);
}

void gort__sysmon(struct m *mp) {
  mp->is_sysmon = true;
  int64_t delay_us = SYSMON_MIN_US;
  uint32_t idle = 0;
  int64_t last_trace = gort__os_nanotime(), last_scavenge = last_trace;
  int64_t last_sample = last_trace, last_heapmap = last_trace;
  for (;;) {
    if (idle == 0)
      delay_us = SYSMON_MIN_US;
    else if (idle > 50)
      delay_us *= 2; /* nothing happened for 1 ms: back off */
    if (delay_us > SYSMON_MAX_US)
      delay_us = SYSMON_MAX_US;
    gort__os_usleep(delay_us);
    int64_t now = gort__os_nanotime();
    /* Poll the network if nobody has for 10 ms (the Ms are all busy, or
     * all parked with nothing but I/O to wait for and none blocked in the
     * poller). */
    int64_t last = gort__atomic_load_seq_cst(&gort__sched.lastpoll);
    if (last != 0 && last + NETPOLL_NS < now && gort__netpoll_wanted() &&
        gort__atomic_cas_strong_seq_cst(&gort__sched.lastpoll, &last, now)) {
      /* Count as running while the Gs are in our hands (out of the
       * poller, not yet queued): else the last M going idle meanwhile
       * finds nothing anywhere and reports a deadlock (Go's
       * incidlelocked around the same step). */
      set_counted(true);
      struct g *list = gort__netpoll(0);
      if (list) {
        gort__injectglist(list);
        idle = 0;
      }
      set_counted(false);
    }
    if (retake(now) != 0)
      idle = 0;
    else
      idle++;
    if (now - last_scavenge >= SCAVENGE_NS) {
      last_scavenge = now;
      gort__stack_scavenge();
    }
    /* No collection for 2 minutes: start one (Go's forcegchelper). The
     * collector's goroutine is counted as ours while in our hands. */
    struct g *gc = gort__gc_forced_due(now);
    if (gc != NULL) {
      set_counted(true);
      gc->schedlink = NULL;
      gort__injectglist(gc);
      set_counted(false);
      idle = 0;
    }
    if (gort__debug.schedtrace > 0 &&
        now - last_trace >= gort__debug.schedtrace * 1000000) {
      last_trace = now;
      gort__schedtrace(gort__debug.scheddetail != 0);
    }
    if (gort__debug.schedsample > 0 &&
        now - last_sample >= gort__debug.schedsample * 1000000) {
      last_sample = now;
      gort__sched_sample_publish();
      gort__gc_sample_publish();
    }
    if (gort__debug.heapmap > 0 &&
        now - last_heapmap >= gort__debug.heapmap * 1000000) {
      last_heapmap = now;
      gort__heapmap_publish();
    }
  }
}
