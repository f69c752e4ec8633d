/*
 * mgcworker.c - the background mark workers (Go's gcBgMarkWorker,
 * gcBgMarkWorkerPool and gcControllerState.findRunnableGCWorker in
 * mgc.go and mgcpacer.go).
 *
 * The mark's background work takes 25% of GOMAXPROCS, as in Go: whole Ps
 * where 25% is close to a whole number (dedicated workers: 1 for 4 Ps),
 * and for the rest a fraction of every P's time (fractional workers: with
 * 2 Ps, each gives 25% of its time). Ps that find nothing else to run mark
 * too (idle workers). Allocating goroutines pay the rest (mgcassist.c).
 *
 * Workers are system goroutines, one per P, parked in a pool between
 * turns. The scheduler asks gort__gc_find_worker before it looks at its
 * queues, and gort__gc_idle_worker before it gives its P up: either takes
 * a worker from the pool, gives it a mode and returns it to run on that
 * P now. A worker drains grey objects (its P's gcwork, then the global
 * lists) until:
 *   dedicated   no work is left; if its P's time slice ends, the P's
 *               other goroutines are sent to the global queue for other
 *               Ps to take (Go's dedicated worker does the same), and it
 *               goes on; a stop of the world stops it;
 *   fractional  no work, or its P has marked 1.2 x its share of the time
 *               since the mark began, or it is asked to yield;
 *   idle        no work, or there is a goroutine to run, or it is asked
 *               to yield.
 * The last worker to stop with nothing left in the global lists (or an
 * assist that took the last of it) wakes the collector (mgc.c), which then
 * checks for the mark's end with the world stopped (Go's gcMarkDone). A P going
 * idle during a mark first hands its own grey objects to the global lists; a
 * worker that stops with work left wakes an idle P to take it (Go's
 * enlistWorker).
 *
 * Invariants: a worker is in the pool (parked) or running in one mode;
 * dedicated_needed + running dedicated workers = the cycle's dedicated
 * count; workers run only while the phase is GC_MARK.
 * Locking: pool_lock (a leaf) guards the pool; the counters are atomics.
 */
#include <stdlib.h>

#include "atomic/atomic.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "mem/mgcwork.h"
#include "mem/mheap.h"
#include "os/os.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "sched/runq.h"
#include "sched/runtime2.h"
#include "sync/sema.h"

enum worker_mode { MODE_NONE, MODE_DEDICATED, MODE_FRACTIONAL, MODE_IDLE };

struct worker {
  struct g *g;
  struct worker *next; /* in the pool (pool_lock) */
  enum worker_mode mode;
  struct p *p; /* the P it was started on, for fractional accounting */
};

static struct mutex pool_lock = GORT_LOCK_INITIALIZER(LOCK_RANK_NONE);
static struct worker *pool;  /* (pool_lock) */
static int32_t workers_made; /* (pool_lock) */
static _Atomic(uint32_t) on; /* workers may run: the mark's phase */
static _Atomic(int32_t) dedicated_needed;
static _Atomic(int32_t) running; /* markers draining: workers and assists */
static _Atomic(int64_t) mark_start_ns;
static _Atomic(uint64_t) fractional_goal_ppm; /* per P, of its time */
static _Atomic(uint64_t) bg_ns, idle_ns;
/* The collector waiting for the workers to run dry (mgc.c). */
static _Atomic(uint32_t) collector_waiting;
static _Atomic(uint32_t) dry_sema;

/* ---- the worker ------------------------------------------------------- */

static bool park_in_pool(struct g *gp, void *arg) {
  (void)gp;
  struct worker *w = arg;
  gort__lock(&pool_lock);
  w->next = pool;
  pool = w;
  gort__unlock(&pool_lock);
  return true;
}

static struct p *my_p(void) { return gort__loadmp(gort__getm()); }

/* Move the P's queued goroutines to the global queue, for other Ps. */
static void kick_runq(struct p *pp) {
  struct g *gp;
  bool inherit;
  while ((gp = gort__runqget(pp, &inherit)) != NULL) {
    gort__lock(&gort__sched.lock);
    gort__globrunqput_locked(gp);
    gort__unlock(&gort__sched.lock);
  }
}

/* Should a fractional worker on pp stop (it had its share)? */
static bool fractional_done(struct p *pp, int64_t started, int64_t now) {
  int64_t since = now - gort__atomic_load_relaxed(&mark_start_ns);
  if (since <= 0)
    return true;
  int64_t used = pp->gc_fractional_ns + (now - started);
  uint64_t goal = gort__atomic_load_relaxed(&fractional_goal_ppm);
  return (uint64_t)used * 1000000u > (uint64_t)since * goal * 12u / 10u;
}

static bool other_work(struct p *pp) {
  return !gort__runqempty(pp) ||
         gort__atomic_load_relaxed(&gort__sched.runqsize) > 0;
}

/* Drain in the worker's mode; true when it ran dry. */
static bool run(struct worker *w) {
  struct g *self = gort__getg();
  int64_t started = gort__os_nanotime();
  bool dry = false;
  for (;;) {
    struct p *pp = my_p();
    gort__wbbuf_flush(pp);
    uint64_t before = pp->gcw.bytes_scanned;
    dry = gort__gc_drain(&pp->gcw,
                         w->mode == MODE_DEDICATED ? 64 * 1024 : 16 * 1024);
    gort__gc_bg_credit_add(pp->gcw.bytes_scanned - before);
    if (dry || !gort__atomic_load_relaxed(&on))
      break;
    bool asked = gort__atomic_load_relaxed(&self->preempt) != 0;
    if (w->mode == MODE_DEDICATED) {
      if (asked) {
        gort__atomic_store_relaxed(&self->preempt, 0);
        if (gort__atomic_load_acquire(&gort__sched.gcwaiting))
          gort_yield(); /* a stop of the world */
        else
          kick_runq(my_p());
      }
      continue;
    }
    if (asked)
      break;
    if (w->mode == MODE_FRACTIONAL &&
        fractional_done(w->p, started, gort__os_nanotime()))
      break;
    if (w->mode == MODE_IDLE && other_work(my_p()))
      break;
  }
  /* What this P still holds, for the other workers and the dry test. */
  gort__gcw_dispose(&my_p()->gcw);
  int64_t spent = gort__os_nanotime() - started;
  if (w->mode == MODE_IDLE)
    gort__atomic_add_relaxed(&idle_ns, (uint64_t)spent);
  else
    gort__atomic_add_relaxed(&bg_ns, (uint64_t)spent);
  if (w->mode == MODE_FRACTIONAL)
    w->p->gc_fractional_ns += spent;
  if (w->mode == MODE_DEDICATED)
    gort__atomic_add_relaxed(&dedicated_needed, 1);
  return dry;
}

/* No grey object anywhere a worker looks, and no worker left marking:
 * the collector may look for the mark's end. */
static bool looks_done(void) {
  return gort__atomic_load_seq_cst(&running) == 0 && gort__gcw_global_empty();
}

static void workers_poke(void);

static void worker_main(void *arg) {
  struct worker *w = arg;
  w->g = gort__getg();
  for (;;) {
    gort__gopark(park_in_pool, w, WAIT_GC_WORKER);
    bool dry = run(w);
    gort__atomic_sub_seq_cst(&running, 1);
    /* Stopped with work left (its share used, or a goroutine to run):
     * an idle P may take it (Go's enlistWorker). */
    if (!dry)
      gort__wakep();
    workers_poke();
  }
}

/* A marker stopped: wake the collector if no marker is left and nothing
 * is in the global lists. */
static void workers_poke(void) {
  uint32_t one = 1;
  if (gort__atomic_load_relaxed(&collector_waiting) && looks_done() &&
      gort__atomic_cas_strong_seq_cst(&collector_waiting, &one, 0))
    gort__semrelease(&dry_sema, false);
}

void gort__gc_assist_drain_enter(void) {
  gort__atomic_add_seq_cst(&running, 1);
}

void gort__gc_assist_drain_leave(void) {
  gort__atomic_sub_seq_cst(&running, 1);
  workers_poke();
}

/* ---- the scheduler's side ------------------------------------------------ */

/* Take a parked worker for pp in mode (NULL: none parked). */
static struct g *start(struct p *pp, enum worker_mode mode) {
  gort__lock(&pool_lock);
  struct worker *w = pool;
  if (w != NULL)
    pool = w->next;
  gort__unlock(&pool_lock);
  if (w == NULL)
    return NULL;
  w->mode = mode;
  w->p = pp;
  gort__atomic_add_seq_cst(&running, 1);
  gort__casgstatus(w->g, G_WAITING, G_RUNNABLE);
  return w->g;
}

static bool work_available(struct p *pp) {
  return !gort__gcw_empty(&pp->gcw) || pp->wbbuf.n > 0 ||
         !gort__gcw_global_empty();
}

struct g *gort__gc_find_worker(struct p *pp) {
  if (!gort__atomic_load_relaxed(&on) || !work_available(pp))
    return NULL;
  int32_t need = gort__atomic_load_relaxed(&dedicated_needed);
  while (need > 0) {
    if (gort__atomic_cas_weak_relaxed(&dedicated_needed, &need, need - 1)) {
      struct g *gp = start(pp, MODE_DEDICATED);
      if (gp == NULL)
        gort__atomic_add_relaxed(&dedicated_needed, 1);
      return gp;
    }
  }
  if (gort__atomic_load_relaxed(&fractional_goal_ppm) == 0)
    return NULL;
  int64_t now = gort__os_nanotime();
  if (fractional_done(pp, now, now))
    return NULL;
  return start(pp, MODE_FRACTIONAL);
}

struct g *gort__gc_idle_worker(struct p *pp) {
  if (!gort__atomic_load_relaxed(&on))
    return NULL;
  /* A P about to go idle hands what its barriers and assists left to
   * the global lists: an idle P never looks at its own again, and the
   * collector waits for the workers to run dry. */
  gort__wbbuf_flush(pp);
  gort__gcw_dispose(&pp->gcw);
  if (gort__gcw_global_empty())
    return NULL;
  return start(pp, MODE_IDLE);
}

/* ---- the collector's side ------------------------------------------------ */

void gort__gc_workers_ensure(int32_t procs) {
  for (;;) {
    gort__lock(&pool_lock);
    bool enough = workers_made >= procs;
    if (!enough)
      workers_made++;
    gort__unlock(&pool_lock);
    if (enough)
      return;
    struct worker *w = calloc(1, sizeof *w);
    if (w == NULL || gort__go_system(worker_main, w, false) != 0)
      gort__throw_oom(sizeof *w, "a mark worker");
  }
}

void gort__gc_workers_begin(int32_t procs, int64_t now) {
  /* Go's startCycle: 25% of the Ps, in whole Ps where that rounds well. */
  int64_t goal_x100 = (int64_t)procs * 25;
  int32_t dedicated = (int32_t)((goal_x100 + 50) / 100);
  if (dedicated > 0 && (dedicated * 100 - goal_x100) * 10 > goal_x100 * 3)
    dedicated--; /* more than 30% over: use a fraction instead */
  int64_t rest_x100 = goal_x100 - dedicated * 100;
  uint64_t fractional_ppm =
      rest_x100 > 0 ? (uint64_t)rest_x100 * 10000u / (uint64_t)procs : 0;
  for (int32_t i = 0; i < gort__sched.allp_cap; i++)
    gort__sched.allp[i]->gc_fractional_ns = 0;
  gort__atomic_store_relaxed(&dedicated_needed, dedicated);
  gort__atomic_store_relaxed(&fractional_goal_ppm, fractional_ppm);
  gort__atomic_store_relaxed(&mark_start_ns, now);
  gort__atomic_store_relaxed(&bg_ns, 0);
  gort__atomic_store_relaxed(&idle_ns, 0);
  gort__atomic_store_seq_cst(&on, 1);
}

void gort__gc_workers_end(uint64_t *background_ns, uint64_t *idle) {
  gort__atomic_store_seq_cst(&on, 0);
  *background_ns = gort__atomic_load_relaxed(&bg_ns);
  *idle = gort__atomic_load_relaxed(&idle_ns);
}

void gort__gc_workers_wait_dry(void) {
  gort__atomic_store_seq_cst(&collector_waiting, 1);
  uint32_t one = 1;
  if (looks_done() &&
      gort__atomic_cas_strong_seq_cst(&collector_waiting, &one, 0))
    return;
  gort__wakep(); /* idle Ps: there is marking to do */
  gort__semacquire(&dry_sema, false, WAIT_GC_MARK_DONE);
}
