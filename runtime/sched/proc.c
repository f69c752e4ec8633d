/*
 * proc.c - the goroutine scheduler.
 *
 * The design is Go's (proc.go), in C:
 *
 *   G  a goroutine: a context (saved registers or fiber), a stack taken
 *      lazily from the stack pool, a status.
 *   M  an OS thread. Its own thread stack is g0, which runs the scheduler;
 *      user goroutines never run on g0 and g0 never leaves its thread.
 *   P  the right to run goroutines, with a local run queue (runq.c). An M
 *      needs a P to run Gs; GOMAXPROCS Ps exist.
 *
 * GOMAXPROCS Ps exist (GORT_MAXPROCS, gort_set_maxprocs); Ms are made as
 * needed (mp.c) and park when there is nothing to do. An M looks for work
 * in findrunnable: its P's runnext and ring, the global queue, then it
 * steals half of another P's ring (runq.c), and parks only after giving its
 * P back and checking every queue once more. sysmon (sysmon.c) retakes Ps
 * from Ms stuck in blocking calls and preempts long-running goroutines.
 *
 * Switching. A G switches to its M's g0 with mcall(fn): g0 resumes in
 * execute(), right after the switch that started a G on this M, and runs
 * fn(gp) there: park_m, gosched_m or goexit0 finishes the job on the
 * scheduler stack, where gp's context is already completely saved, so
 * another M could resume gp at once. Then g0 loops: findrunnable, execute.
 * Such a goroutine switch costs two context switches, as in Go (gopark ->
 * mcall -> schedule -> gogo).
 *
 * Direct switch (gort's addition). A G that parks or exits while its own P
 * has a G ready to run (runnext or the ring), and nothing is due that only
 * g0 does (a stop-the-world, a timer, the 61st-tick look at the global
 * queue, the end of a slice sysmon asked for), switches straight to that
 * G: one context switch instead of two (leave). The parking G's commit
 * (park_m: status waiting, then its unlockf, which is what lets others
 * ready it) must still wait until its context is saved, and an exiting
 * G's goexit0 until nobody runs on its stack, so the arriving G runs it
 * first thing after the switch (m->after_fn). Until then the parked G is
 * in no queue and no waiter list can reach it, exactly as between mcall
 * and park_m. On wasm a switch to g0 costs as much as one to a G (an
 * unwind of the leaving G's frames; g0 itself is never unwound:
 * arch/context.h, gort__context_run_from_thread), so there the direct
 * switch saves the scheduler loop's work rather than a switch.
 *
 * Lazy wake (gort's, where waking is costly). Go's ready() wakes an idle
 * M (wakep) whenever there is an idle P and no spinning M, so that the
 * readied G may run in parallel. When it goes into runnext of a P whose
 * ring is empty, a thief may take it only after runqgrab's 3 µs back-off,
 * and in a hand-off (pingpong, a chain of channel sends) the readier
 * parks at once and runs it here: the woken M finds nothing, parks, and
 * the next ready wakes it again. Natively that wake is a futex call of a
 * few µs; on wasm it is Atomics.notify, tens to hundreds of µs on the
 * readier's own path (docs/WASM-NOTES.md: most of what a second P cost
 * pingpong there). So where gort__os_wake_is_costly() says so (or
 * GORT_DEBUG=lazywake=1), such a ready only marks the P (wake_deferred),
 * and the wake is settled later: at the P's next pick of a G, which
 * wakes only if the queue still holds work after it (settle_wake), or
 * by sysmon, when the readier kept running past one of its ticks
 * without picking (sysmon.c). Any other ready (the ring not empty, an old
 * runnext pushed to it, next=false) and gort_go wake as Go does. The
 * same trade tokio makes for its LIFO slot, which wakes no worker either
 * (tokio's multi_thread worker, schedule_local); Go's issue 32113 argues
 * for skipping this wake in the send-then-receive case.
 *
 * Deadlock. When an M parks it counts itself idle and calls checkdead():
 * if no M is left running Go code (sysmon does not count) and no timer or
 * poller could ever make a G runnable, every goroutine is blocked for good,
 * and the program dies with Go's "all goroutines are asleep - deadlock!",
 * exit 2.
 *
 * Invariants:
 *   - Only g0 calls execute/findrunnable/checkdead.
 *   - after_fn is set only between a direct switch and the arriving G's
 *     first instruction; mcall_g is the G that switched to g0 (not
 *     necessarily the one g0 started: direct switches happen in between).
 *   - A G's status changes only in gort__casgstatus.
 *   - After any switch returns, the current M is re-read (gort__getm), since
 *     the G may now run on another thread.
 *
 * Locking: see runtime2.h. sched.lock is never held across a switch.
 */
#include "atomic/atomic.h"
#include <stdlib.h>
#include <string.h>

#include "arch/procyield.h"
#include "arch/sanitizer.h"
#include "debug/debugvars.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "debug/sched_sample.h"
#include "debug/traceback.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "mem/mgcsample.h"
#include "mem/mheap.h"
#include "mem/mheapmap.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/park.h"
#include "sched/runq.h"
#include "sched/settings.h"
#include "sched/stack.h"
#include "time/timer.h"

const char *const gort__waitreason_names[WAIT_COUNT] = {
    [WAIT_NONE] = "",
    [WAIT_WAITGROUP] = "sync.WaitGroup.Wait",
    [WAIT_CHAN_RECEIVE] = "chan receive",
    [WAIT_CHAN_SEND] = "chan send",
    [WAIT_CHAN_RECEIVE_NIL] = "chan receive (nil chan)",
    [WAIT_CHAN_SEND_NIL] = "chan send (nil chan)",
    [WAIT_SELECT] = "select",
    [WAIT_SELECT_NO_CASES] = "select (no cases)",
    [WAIT_IO] = "IO wait",
    [WAIT_SLEEP] = "sleep",
    [WAIT_SEMACQUIRE] = "semacquire",
    [WAIT_SYNC_MUTEX] = "sync.Mutex.Lock",
    [WAIT_SYNC_RWMUTEX_R] = "sync.RWMutex.RLock",
    [WAIT_SYNC_RWMUTEX_W] = "sync.RWMutex.Lock",
    [WAIT_SYNC_COND] = "sync.Cond.Wait",
    [WAIT_FOREVER] = "forever",
    [WAIT_PREEMPTED] = "preempted",
    [WAIT_GC] = "garbage collection",
    [WAIT_GC_IDLE] = "force gc (idle)",
    [WAIT_GC_SWEEP_WAIT] = "GC sweep wait",
    [WAIT_GC_SCAVENGE_WAIT] = "GC scavenge wait",
    [WAIT_FINALIZER] = "finalizer wait",
    [WAIT_GC_WORKER] = "GC worker (idle)",
    [WAIT_GC_MARK_DONE] = "GC mark wait",
};

struct mutex gort__allglock = GORT_LOCK_INITIALIZER(LOCK_RANK_ALLG);
struct g **gort__allgs;
size_t gort__allglen;
static size_t allgcap;

static _Thread_local struct m *tls_m;
static struct m m0;
static _Atomic int runtime_started;

/* ---- current M and G ---------------------------------------------------- */

__attribute__((noinline)) struct m *gort__getm(void) { return tls_m; }

void gort__settls(struct m *mp) { tls_m = mp; }

__attribute__((noinline)) struct g *gort__getg(void) {
  struct m *mp = tls_m;
  if (mp == NULL)
    return NULL;
  struct g *curg = gort__loadcurg(mp);
  return curg ? curg : &mp->g0;
}

static struct m *must_getm(const char *what) {
  struct m *mp = gort__getm();
  struct g *curg = mp ? gort__loadcurg(mp) : NULL;
  if (curg == NULL) {
    gort__print_str("gort: ");
    gort__print_str(what);
    gort__print_str(" called outside a goroutine\n");
    gort__fatal("gort: runtime not running on this thread (call gort_main)");
  }
  /* Between gort_syscall_enter and _exit the goroutine has no P: nothing
   * of the runtime may run on it (Go's entersyscall has the compiler's
   * guarantee; C has this check). */
  if (gort__readgstatus(curg) == G_SYSCALL) {
    gort__print_str("gort: ");
    gort__print_str(what);
    gort__print_str(" called between gort_syscall_enter and "
                    "gort_syscall_exit\n");
    gort__fatal("gort: runtime call inside a blocking-call section");
  }
  return mp;
}

struct g *gort__must_getg(const char *what) {
  return gort__loadcurg(must_getm(what));
}

/* ---- status ------------------------------------------------------------- */

void gort__casgstatus(struct g *gp, uint32_t oldval, uint32_t newval) {
  uint32_t cur = oldval;
  /* Acquire/release: the status hand-off orders everything the previous
   * owner wrote to the G (context, stack) before the next owner reads it.
   * While the collector scans the G (its scan bit), wait: a scan is
   * short and never waits for this thread (Go's casgstatus loop). */
  for (int spins = 0;
       !gort__atomic_cas_strong_acq_rel(&gp->atomicstatus, &cur, newval);
       spins++) {
    if (cur != (oldval | G_SCAN))
      break;
    if (spins < 64)
      gort__procyield(16);
    else
      gort__os_yield();
    cur = oldval;
  }
  if (cur != oldval) {
    gort__print_str("runtime: casgstatus: goroutine ");
    gort__print_int(gp->goid);
    gort__print_str(" from ");
    gort__print_uint(cur);
    gort__print_str(", wanted ");
    gort__print_uint(oldval);
    gort__print_str(" -> ");
    gort__print_uint(newval);
    gort__print_str("\n");
    gort__throw("runtime: casgstatus: bad incoming values");
  }
}

bool gort__castogscanstatus(struct g *gp, uint32_t oldval) {
  uint32_t cur = oldval;
  return gort__atomic_cas_strong_acq_rel(&gp->atomicstatus, &cur,
                                         oldval | G_SCAN);
}

void gort__casfromgscanstatus(struct g *gp, uint32_t oldval) {
  uint32_t cur = oldval | G_SCAN;
  if (!gort__atomic_cas_strong_acq_rel(&gp->atomicstatus, &cur, oldval))
    gort__throw("runtime: casfromgscanstatus: bad incoming values");
}

/* ---- switching ---------------------------------------------------------- */

/* Called first thing on a stack that was just switched to. */
static void switched_in(struct g *self) {
  const void *prev_bottom;
  size_t prev_size;
  gort__asan_finish_switch(self->asan_fake, &prev_bottom, &prev_size);
  struct m *mp = gort__getm();
  if (!self->is_g0 && prev_bottom && mp->g0.stack.hi == 0) {
    /* ASan told us where this M's thread stack is: remember it for the
     * switches back to g0. */
    mp->g0.stack.lo = (uintptr_t)prev_bottom;
    mp->g0.stack.hi = (uintptr_t)prev_bottom + prev_size;
  }
}

/* Finish what the G that switched directly to us left undone (it could not
 * do it itself before its context was saved). */
static void finish_direct_switch(void) {
  struct m *mp = gort__getm();
  void (*fn)(struct g *) = mp->after_fn;
  if (fn == NULL)
    return;
  struct g *prev = mp->after_g;
  mp->after_fn = NULL;
  mp->after_g = NULL;
  gort__atomic_store_relaxed(&prev->m, NULL);
  fn(prev);
}

/* Out of line (sched/park.h): on wasm every frame of a parked G is
 * unwound and rewound with the wasm locals live at its possible switches,
 * so the frames that switch keep to the switch and this call. */
void gort__resumed(struct g *self) {
  switched_in(self);
  finish_direct_switch();
}

/* g0 runs to; returns on g0's own thread once a G switches back to g0. */
static void gswitch_from_g0(struct g *g0, struct g *to) {
  gort__gswitch_announce(&g0->asan_fake, to);
  gort__context_run_from_thread(&g0->ctx, &to->ctx);
  switched_in(g0);
}

/* The calling thread's stack becomes mp's g0, which runs fn(arg); returns
 * when fn does. */
void gort__mstart_context(struct m *mp, void (*fn)(void *), void *arg) {
  mp->g0.tsan_fiber = gort__tsan_fiber_current();
  gort__context_start_current(&mp->g0.ctx, fn, arg);
}

/* What mcall leaves for g0: fn(gp) to run once gp's context is saved. */
static void set_mcall(struct m *mp, struct g *gp, void (*fn)(struct g *)) {
  gort__stack_check(gp);
  mp->mcall_fn = fn;
  mp->mcall_g = gp;
}

/* mcall switches from the current G to g0, which runs fn(gp) and then
 * schedules. Returns (possibly on another M) when gp runs again. Inlined
 * into its few callers: one frame fewer to unwind and rewind on wasm. */
static inline __attribute__((always_inline)) void
mcall_impl(void (*fn)(struct g *), bool dying) {
  struct m *mp = gort__getm();
  struct g *gp = gort__loadcurg(mp);
  set_mcall(mp, gp, fn);
  gort__gswitch_from_g(gp, &mp->g0, dying);
}

void gort__mcall(void (*fn)(struct g *)) { mcall_impl(fn, false); }

/* ---- goroutine creation and exit ---------------------------------------- */

static void allgadd(struct g *gp) {
  gort__lock(&gort__allglock);
  if (gort__allglen == allgcap) {
    size_t ncap = allgcap ? allgcap * 2 : 1024;
    struct g **n = realloc(gort__allgs, ncap * sizeof *n);
    if (n == NULL)
      gort__throw_oom(ncap * sizeof *n, "allgs");
    gort__allgs = n;
    allgcap = ncap;
  }
  gort__allgs[gort__allglen++] = gp;
  gort__unlock(&gort__allglock);
}

static void goexit1(void);

/* The first frame of every goroutine: it starts, runs its function and
 * exits. Where a switch unwinds every frame (wasm) the context backend
 * does the same from its loop (gort__context_make_body), so that the
 * goroutine's function is its bottom frame: goroutine_start, the function,
 * then a switch to goroutine_finish's choice. */
static void goroutine_start(void *arg) { gort__resumed(arg); }

static struct gort_context *goroutine_finish(void *arg);

static void goentry(void *arg) {
  struct g *gp = arg;
  goroutine_start(gp);
  gp->fn(gp->arg);
  goexit1();
}

static const struct gort_context_entry goroutine_entry = {
    goentry, goroutine_start, goroutine_finish};

/* Goids come from a batch the P reserves (Go's goidcache, proc.go), so
 * that Ps spawning at once share one add per GOID_BATCH goroutines instead
 * of one each: the word does not move between CPUs on every spawn. Goids
 * stay unique and positive; across Ps they no longer follow spawn order
 * (nor do Go's). */
enum { GOID_BATCH = 16 };

static int64_t next_goid(struct p *pp) {
  if (pp->goid_next == pp->goid_end) {
    int64_t last = gort__atomic_add_relaxed(&gort__sched.goidgen, GOID_BATCH);
    pp->goid_next = last + 1;
    pp->goid_end = last + 1 + GOID_BATCH;
  }
  return pp->goid_next++;
}

static struct g *newproc(gort_func fn, void *arg, struct p *pp,
                         bool is_system) {
  struct g *gp = gort__gfget(pp);
  if (gp == NULL) {
    gp = calloc(1, sizeof *gp);
    if (gp == NULL)
      return NULL;
    gort__atomic_store_relaxed(&gp->atomicstatus, G_DEAD);
    allgadd(gp);
  }
  gp->fn = fn;
  gp->arg = arg;
  gp->goid = next_goid(pp);
  gp->waitreason = WAIT_NONE;
  gp->waiting_on = NULL;
  gp->is_main = false;
  gp->is_system = is_system;
  gp->no_heap_pointers = false;
  gort__atomic_store_relaxed(&gp->preempt, 0);
  /* Made during a mark: black (its stack holds nothing yet), its
   * argument shaded as Go's newproc1 stores the closure with a barrier.
   * Relaxed: a scanner that sees this generation skips gp without
   * reading anything else of it, and one that does not can only take gp
   * through its status, whose compare-and-swap below publishes the store
   * (mgcroots.c, try_scan). On wasm a release store is a locked xchg. */
  gort__atomic_store_relaxed(&gp->gcscan_gen, gort__gc_scan_gen());
  gort__wb_shade(arg);
  gort__casgstatus(gp, G_DEAD, G_RUNNABLE);
  if (is_system)
    return gp;
  int64_t live = gort__atomic_add_relaxed(&gort__sched.ngoroutines, 1) + 1;
  int64_t peak = gort__atomic_load_relaxed(&gort__sched.goroutines_peak);
  while (live > peak && !gort__atomic_cas_weak_relaxed(
                            &gort__sched.goroutines_peak, &peak, live)) {
  }
  return gp;
}

int gort__newproc_from_g0(gort_func fn, void *arg) {
  struct p *pp = gort__loadmp(gort__getm());
  struct g *gp = newproc(fn, arg, pp, false);
  if (gp == NULL)
    return GORT_ENOMEM;
  gort__runqput(pp, gp, true);
  gort__wakep();
  return 0;
}

int gort__go_system(gort_func fn, void *arg, bool holds_heap_pointers) {
  struct p *pp = gort__loadmp(must_getm("gort__go_system"));
  struct g *gp = newproc(fn, arg, pp, true);
  if (gp == NULL)
    return GORT_ENOMEM;
  gp->no_heap_pointers = !holds_heap_pointers;
  gort__runqput(pp, gp, false);
  if (gort__sched.main_started)
    gort__wakep();
  return 0;
}

int gort_go(gort_func fn, void *arg) {
  struct m *mp = must_getm("gort_go");
  if (fn == NULL)
    gort__panic("gort_go: nil func");
  /* A call is a safe point, checked on entry as Go checks in a function's
   * prologue: a chain of goroutines each starting the next through runnext
   * inherits one time slice, and only this yield, before the child exists,
   * lets the global queue in. */
  if (gort__atomic_load_relaxed(&gort__loadcurg(mp)->preempt)) {
    gort_preempt_check();
    mp = gort__getm();
  }
  struct p *pp = gort__loadmp(mp);
  struct g *gp = newproc(fn, arg, pp, false);
  if (gp == NULL)
    return GORT_ENOMEM;
  /* Like Go's newproc: the new G runs next on this P, and an idle P gets
   * an M to steal the spawner's older work. */
  gort__runqput(pp, gp, true);
  if (gort__sched.main_started)
    gort__wakep();
  return 0;
}

/* goexit0 runs on g0 after gp returned from its function. */
static void goexit0(struct g *gp) {
  struct p *pp = gort__loadmp(gort__getm());
  gort__casgstatus(gp, G_RUNNING, G_DEAD);
  if (!gp->is_system)
    gort__atomic_sub_relaxed(&gort__sched.ngoroutines, 1);
  gp->fn = NULL;
  gp->arg = NULL;
  gort__stackfree(pp, &gp->stack);
  gort__tsan_fiber_destroy(gp->tsan_fiber);
  gp->tsan_fiber = NULL;
  gort__gfput(pp, gp);
}

static void end_slice_if_asked(struct m *mp, struct g *gp);
static void prepare_run(struct m *mp, struct g *gp, bool inherit_time);
static struct g *runnable_here(struct m *mp, bool *inherit_time);

/* The G gp switches to when it leaves: another G of this P, made
 * current, with fn left for it to run (a direct switch), or g0, with fn
 * left as for mcall, when the scheduler loop must decide. Always called
 * out of line (goexit1, gort__park_choose): on wasm only the few lines
 * around the switch carry Asyncify's instrumentation
 * (docs/WASM-NOTES.md). */
static struct g *choose_next(struct m *mp, struct g *gp,
                             void (*fn)(struct g *)) {
  end_slice_if_asked(mp, gp);
  bool inherit_time;
  struct g *next = runnable_here(mp, &inherit_time);
  if (next == NULL) {
    set_mcall(mp, gp, fn);
    return &mp->g0;
  }
  gort__stack_check(gp);
  prepare_run(mp, next, inherit_time);
  mp->after_fn = fn;
  mp->after_g = gp;
  return next;
}

/* The current G leaves the CPU (goexit1; a park is the same through
 * gort__park_choose and sched/park.h); fn(gp) finishes the job once gp is
 * switched out: on g0 (mcall), or, when this P has a G ready, on that G
 * after a direct switch (see the head of the file). Returns when gp runs
 * again (never if dying). */
static inline __attribute__((always_inline)) void leave(void (*fn)(struct g *),
                                                        bool dying) {
  struct m *mp = gort__getm();
  struct g *gp = gort__loadcurg(mp);
  gort__gswitch_from_g(gp, choose_next(mp, gp, fn), dying);
}

/* Out of line: goentry, the bottom frame of every goroutine, stays small. */
static __attribute__((noinline)) void goexit1(void) {
  leave(goexit0, true); /* the next G frees our stack */
  gort__throw("runtime: a dead goroutine was resumed");
}

/* goexit1 for a backend that makes the switch itself: gp's function has
 * returned into the backend's loop (goroutine_entry). */
static struct gort_context *goroutine_finish(void *arg) {
  struct g *gp = arg;
  struct m *mp = gort__getm();
  if (gort__loadcurg(mp) != gp)
    gort__throw("runtime: a finished goroutine is not the current one");
  struct g *next = choose_next(mp, gp, goexit0); /* next frees our stack */
  gort__gswitch_announce(NULL, next);            /* gp never runs again */
  return &next->ctx;
}

_Noreturn void gort_goexit(void) {
  struct m *mp = must_getm("gort_goexit");
  if (gort__loadcurg(mp)->is_main) {
    gort__lock(&gort__sched.lock);
    gort__sched.main_exited = true;
    gort__unlock(&gort__sched.lock);
  }
  goexit1();
  __builtin_unreachable();
}

/* ---- parking ------------------------------------------------------------ */

static void park_m(struct g *gp) {
  struct m *mp = gort__getm();
  gort__casgstatus(gp, G_RUNNING, G_WAITING);
  bool (*unlockf)(struct g *, void *) = mp->park_unlockf;
  void *lock = mp->park_lock;
  mp->park_unlockf = NULL;
  mp->park_lock = NULL;
  if (unlockf && !unlockf(gp, lock)) {
    /* The wait ended before it began: run gp again next. */
    gort__casgstatus(gp, G_WAITING, G_RUNNABLE);
    gort__runqput(gort__loadmp(mp), gp, true);
  }
}

/* Clear a preemption flag and say whether it was set. A load first: a
 * request is rare, and an exchange is a locked instruction; three at
 * every switch (two here, one in prepare_run) cost pingpong 13% of its
 * time natively and 7% on wasm. A request stored after the load stays
 * set for the next look, as it would had the exchange come first. */
static inline bool take_request(_Atomic uint32_t *flag) {
  return gort__atomic_load_relaxed(flag) != 0 &&
         gort__atomic_exchange_relaxed(flag, 0) != 0;
}

/* Asked to yield (sysmon: the slice is over) and leaving the CPU anyway
 * (parking or exiting): the slice must still end here, or two goroutines
 * that ready each other into runnext would keep the P, and the global
 * queue waiting, forever (Go ends it at the next function prologue; we
 * have fewer safe points). The request may sit on the P: sysmon's store
 * can land after the G it read as current has switched out. */
static void end_slice_if_asked(struct m *mp, struct g *gp) {
  struct p *pp = gort__loadmp(mp);
  if (pp == NULL)
    return;
  bool asked_g = take_request(&gp->preempt); /* both flags cleared */
  bool asked_p = take_request(&pp->preempt);
  if (asked_g || asked_p)
    pp->slice_over = true;
}

struct g *gort__park_choose(struct g *gp, bool (*unlockf)(struct g *, void *),
                            void *lock, uint32_t reason) {
  struct m *mp = gort__getm();
  mp->park_unlockf = unlockf;
  mp->park_lock = lock;
  gp->waitreason = reason;
  return choose_next(mp, gp, park_m);
}

void gort__gopark(bool (*unlockf)(struct g *, void *), void *lock,
                  uint32_t reason) {
  gort__gopark_from(gort__loadcurg(gort__getm()), unlockf, lock, reason);
}

bool gort__parkunlock(struct g *gp, void *lock) {
  (void)gp;
  gort__unlock(lock);
  return true;
}

void gort__ready(struct g *gp, bool next) {
  gp->waitreason = WAIT_NONE;
  gp->waiting_on = NULL;
  gort__casgstatus(gp, G_WAITING, G_RUNNABLE);
  struct p *pp = gort__loadmp(gort__getm());
  if (pp == NULL)
    gort__throw("runtime: ready without a P");
  gort__runqput(pp, gp, next);
  /* The ring is empty: gp is all this P holds (a displaced runnext went
   * to the ring). Relaxed: sysmon reading it late only wakes later. */
  if (__builtin_expect(gort__sched.lazy_wake, 0) && next &&
      gort__runqlen(pp) == 0) {
    gort__atomic_store_relaxed(&pp->wake_deferred, 1);
    return;
  }
  gort__wakep();
}

/* A ready of this P deferred its wake (lazy wake, above); the P has just
 * picked its next G: wake now if the queue still holds work, else the
 * wake was not needed. */
static void settle_wake_slow(struct p *pp) {
  if (gort__atomic_load_relaxed(&pp->wake_deferred) &&
      gort__atomic_exchange_relaxed(&pp->wake_deferred, 0) &&
      !gort__runqempty(pp))
    gort__wakep();
}

/* Off (natively): one load of a read-only setting and a branch. */
static inline void settle_wake(struct p *pp) {
  if (__builtin_expect(gort__sched.lazy_wake, 0))
    settle_wake_slow(pp);
}

void gort__goready(struct g *gp) { gort__ready(gp, true); }

/* gosched_m puts gp on the global queue, as Go's Gosched does, so that a
 * yielding G goes behind everything already waiting. */
void gort__gosched_m(struct g *gp) {
  gort__casgstatus(gp, G_RUNNING, G_RUNNABLE);
  gort__lock(&gort__sched.lock);
  gort__globrunqput_locked(gp);
  gort__unlock(&gort__sched.lock);
  gort__wakep();
}

/* gopreempt_m: the same for a G stopped because its slice is over; the
 * request sysmon left on the P is served, so the next G starts afresh. */
void gort__gopreempt_m(struct g *gp) {
  gort__atomic_store_relaxed(&gort__loadmp(gort__getm())->preempt, 0);
  gort__gc_scan_self(gp); /* the collector asked for its stack */
  gort__gosched_m(gp);
}

void gort_yield(void) {
  must_getm("gort_yield");
  /* Not a direct switch: the yield workload's goroutines find their own
   * ring empty (the other is on the global queue), so it measured no
   * faster; Gosched keeps Go's path. */
  mcall_impl(gort__gosched_m, false);
}

void gort_preempt_check(void) {
  struct g *gp = gort__getg();
  /* Relaxed: a late view only delays the yield to the next check. */
  if (gp && !gp->is_g0 && gort__atomic_load_relaxed(&gp->preempt)) {
    gort__atomic_store_relaxed(&gp->preempt, 0);
    mcall_impl(gort__gopreempt_m, false);
  }
}

/* ---- the scheduler loop (g0 only) --------------------------------------- */

/* checkdead is called with sched.lock held when an M goes idle. Port of
 * checkdead, proc.go. */
void gort__checkdead_locked(void) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  struct schedt *s = &gort__sched;
  int32_t running = s->mcount - s->nmidle - s->nmsys;
  if (running > 0)
    return;
  /* A pending timer will wake the timer sleeper: not a deadlock. */
  if (gort__atomic_load_seq_cst(&s->ntimers) > 0)
    return;
  if (running < 0) {
    gort__unlock(&s->lock);
    gort__throw("runtime: checkdead: inconsistent M counts");
  }
  if (s->runq.size > 0) {
    gort__unlock(&s->lock);
    gort__throw("runtime: checkdead: runnable goroutines and no M");
  }
  gort__unlock(&s->lock);
  if (s->main_exited && gort__atomic_load_relaxed(&s->ngoroutines) == 0)
    gort__fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  gort__fatal("all goroutines are asleep - deadlock!");
}

static uint32_t fastrand(struct m *mp) {
  /* xorshift64*: the steal order only needs to be spread out. */
  uint64_t x = mp->fastrand;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  mp->fastrand = x;
  return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

uint32_t gort__fastrand(void) { return fastrand(gort__getm()); }

static uint32_t gcd(uint32_t a, uint32_t b) {
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* stealwork tries four rounds over all Ps in a random order (a random
 * start and a stride coprime with their number visits each once); the last
 * round may also take a victim's runnext (Go's stealWork). */
static struct g *stealwork(struct m *mp) {
  struct p *pp = gort__loadmp(mp);
  for (int round = 0; round < 4; round++) {
    uint32_t n = (uint32_t)gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
    uint32_t start = fastrand(mp) % n;
    uint32_t stride = fastrand(mp) % n + 1;
    while (gcd(stride, n) != 1)
      stride++;
    for (uint32_t k = 0; k < n; k++) {
      if (gort__atomic_load_relaxed(&gort__sched.gcwaiting))
        return NULL;
      struct p *victim = gort__sched.allp[(start + k * stride) % n];
      if (victim == pp)
        continue;
      /* Run the victim's due timers here; what they ready lands on our P
       * (Go's stealWork does the same). */
      int64_t w = gort__atomic_load_relaxed(&victim->timer0_when);
      if (w != 0 && w <= gort__os_nanotime()) {
        gort__checktimers(victim, gort__os_nanotime());
        bool inherit;
        struct g *gp = gort__runqget(pp, &inherit);
        if (gp)
          return gp;
      }
      struct g *gp = gort__runqsteal(pp, victim, round == 3);
      if (gp)
        return gp;
    }
  }
  return NULL;
}

/* A spinning M found work: stop spinning and, if it was the last spinner,
 * start another so that remaining work is found (Go's resetspinning). */
static void resetspinning(struct m *mp) {
  mp->spinning = false;
  if (gort__atomic_sub_seq_cst(&gort__sched.nmspinning, 1) == 1)
    gort__wakep();
}

/* Called by an M that gave its P back: a resize may replace allp meanwhile,
 * so it walks allp under allplock. */
static bool any_local_work(void) {
  bool found = false;
  gort__lock(&gort__sched.allplock);
  int32_t n = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  for (int32_t i = 0; i < n && !found; i++)
    found = !gort__runqempty(gort__sched.allp[i]);
  gort__unlock(&gort__sched.allplock);
  return found;
}

/* A G the poller handed back (G_WAITING) becomes runnable. */
static void polled_runnable(struct g *gp) {
  gp->waitreason = WAIT_NONE;
  gp->waiting_on = NULL;
  gort__casgstatus(gp, G_WAITING, G_RUNNABLE);
}

/* injectglist makes the Gs of list (linked by schedlink, G_WAITING: the
 * poller's) runnable: with a P, as many as there are idle Ps go to the
 * global queue, each with an M started for it, and the rest to this P's
 * ring; without one (sysmon, a poller M that found no idle P) all go to
 * the global queue. Port of injectglist, proc.go. */
void gort__injectglist(struct g *list) {
  if (list == NULL)
    return;
  int32_t n = 0;
  for (struct g *gp = list; gp; gp = gp->schedlink, n++)
    polled_runnable(gp);
  struct m *mp = gort__getm();
  struct p *pp = mp ? gort__loadmp(mp) : NULL;
  int32_t global =
      pp == NULL ? n : gort__atomic_load_seq_cst(&gort__sched.npidle);
  if (global > n)
    global = n;
  if (global > 0) {
    gort__lock(&gort__sched.lock);
    for (int32_t i = 0; i < global; i++) {
      struct g *gp = list;
      list = gp->schedlink;
      gort__globrunqput_locked(gp);
    }
    gort__unlock(&gort__sched.lock);
    for (int32_t i = 0;
         i < global && gort__atomic_load_seq_cst(&gort__sched.npidle) > 0; i++)
      gort__startm(NULL, false);
  }
  while (list) {
    struct g *gp = list;
    list = gp->schedlink;
    gp->schedlink = NULL;
    gort__runqput(pp, gp, false);
  }
}

/* The first G of a poller's list to run here, the rest injected. */
static struct g *take_polled(struct g *list) {
  struct g *gp = list;
  gort__injectglist(gp->schedlink);
  gp->schedlink = NULL;
  polled_runnable(gp);
  return gp;
}

/* An M with nothing to do blocks in the poller instead of parking, if
 * goroutines wait on it and no other M does already (Go's findrunnable
 * tail). Returns a G to run (with a P acquired), or NULL: then mp holds a
 * P again (look for work once more) or none (park). */
static struct g *block_in_netpoll(struct m *mp) {
  int64_t next = gort__timers_next();
  int64_t now = gort__os_nanotime();
  gort__atomic_store_seq_cst(&gort__sched.poll_until, next);
  struct g *list = gort__netpoll(next == 0 ? -1 : next > now ? next - now : 0);
  gort__atomic_store_seq_cst(&gort__sched.poll_until, 0);
  gort__atomic_store_seq_cst(&gort__sched.lastpoll, gort__os_nanotime());
  gort__lock(&gort__sched.lock);
  struct p *pp = gort__pidleget_locked();
  gort__unlock(&gort__sched.lock);
  if (pp == NULL) {
    gort__injectglist(list);
    return NULL;
  }
  gort__acquirep(mp, pp);
  return list ? take_polled(list) : NULL;
}

static struct g *findrunnable(struct m *mp, bool *inherit_time) {
  struct g *gp;
top:
  *inherit_time = false;
  if (gort__atomic_load_acquire(&gort__sched.gcwaiting)) {
    gort__gcstopm(mp);
    goto top;
  }
  struct p *pp = gort__loadmp(mp);
  if (gort__atomic_load_relaxed(&pp->timer0_when) != 0)
    gort__checktimers(pp, gort__os_nanotime());
  /* A mark in progress: this P's share of the background marking first
   * (Go's schedule asks findRunnableGCWorker before its queues). */
  if ((gp = gort__gc_find_worker(pp)) != NULL)
    return gp;
  /* Every 61st tick, and when a slice ended in a park, look at the global
   * queue first, so a pair of Gs readying each other through runnext
   * cannot starve it (proc.go). A slice that ended also sends runnext to
   * the ring's tail: the pair would starve the ring's Gs just as well. */
  bool slice_over = pp->slice_over;
  pp->slice_over = false;
  if (slice_over)
    gort__runqnext_to_tail(pp);
  if ((slice_over || gort__atomic_load_relaxed(&pp->schedtick) % 61 == 0) &&
      gort__atomic_load_relaxed(&gort__sched.runqsize) > 0) {
    gort__lock(&gort__sched.lock);
    gp = gort__globrunqget_locked(pp, 1);
    gort__unlock(&gort__sched.lock);
    if (gp)
      return gp;
  }
  if ((gp = gort__runqget(pp, inherit_time)) != NULL)
    return gp;
  if (gort__atomic_load_relaxed(&gort__sched.runqsize) > 0) {
    gort__lock(&gort__sched.lock);
    gp = gort__globrunqget_locked(pp, 0);
    gort__unlock(&gort__sched.lock);
    if (gp)
      return gp;
  }
  /* The network, without blocking, unless an M blocks in it already. */
  if (gort__netpoll_wanted() &&
      gort__atomic_load_seq_cst(&gort__sched.lastpoll) != 0) {
    struct g *list = gort__netpoll(0);
    if (list)
      return take_polled(list);
  }
  /* Steal, unless too many Ms spin already: at most as many as busy Ps. */
  int32_t procs = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  if (mp->spinning ||
      2 * gort__atomic_load_seq_cst(&gort__sched.nmspinning) <
          procs - gort__atomic_load_seq_cst(&gort__sched.npidle)) {
    if (!mp->spinning) {
      mp->spinning = true;
      gort__atomic_add_seq_cst(&gort__sched.nmspinning, 1);
    }
    if ((gp = stealwork(mp)) != NULL)
      return gp;
  }
  /* Nothing to run: mark, if a mark wants it (Go's idle mark workers). */
  if ((gp = gort__gc_idle_worker(pp)) != NULL)
    return gp;
  /* Nothing: give the P back. */
  gort__lock(&gort__sched.lock);
  if (gort__atomic_load_seq_cst(&gort__sched.gcwaiting)) {
    gort__unlock(&gort__sched.lock);
    goto top;
  }
  if (gort__sched.runq.size > 0) {
    gp = gort__globrunqget_locked(pp, 0);
    gort__unlock(&gort__sched.lock);
    return gp;
  }
  gort__releasep(mp);
  gort__pidleput_locked(pp);
  gort__unlock(&gort__sched.lock);
  /* The delicate dance of proc.go: drop spinning first, then look at every
   * queue once more; work readied in between saw us spinning and did not
   * wake anyone, so we must find it. */
  bool was_spinning = mp->spinning;
  if (mp->spinning) {
    mp->spinning = false;
    gort__atomic_sub_seq_cst(&gort__sched.nmspinning, 1);
  }
  if (was_spinning && (any_local_work() ||
                       gort__atomic_load_seq_cst(&gort__sched.runqsize) > 0)) {
    gort__lock(&gort__sched.lock);
    pp = gort__pidleget_locked();
    gort__unlock(&gort__sched.lock);
    if (pp) {
      gort__acquirep(mp, pp);
      mp->spinning = true;
      gort__atomic_add_seq_cst(&gort__sched.nmspinning, 1);
      goto top;
    }
  }
  /* Block in the poller (until the earliest timer, if any) when
   * goroutines wait on it and nobody else does. */
  if (gort__netpoll_wanted() &&
      gort__atomic_exchange_seq_cst(&gort__sched.lastpoll, 0) != 0) {
    gp = block_in_netpoll(mp);
    if (gp)
      return gp;
    if (gort__loadmp(mp))
      goto top;
  }
  /* Park; until the earliest timer if there is one (this M then runs
   * it), else until someone hands us a P. */
  int64_t next = gort__timers_next();
  if (next != 0)
    gort__timedstopm(mp, next);
  else
    gort__stopm(mp);
  goto top;
}

static void make_first_frame(struct m *mp, struct g *gp) {
  /* or dies: out of memory */
  gort__stackalloc(gort__loadmp(mp), &gp->stack, gp->is_main || gp->is_system);
  /* The lowest 16 bytes hold the canary of an unguarded stack. */
  gort__context_make_body(&gp->ctx, (void *)(gp->stack.lo + 16),
                          gp->stack.hi - gp->stack.lo - 16, &goroutine_entry,
                          gp, gp->fn, gp->arg);
  gp->asan_fake = NULL;
  gp->tsan_fiber = gort__tsan_fiber_create();
}

/* One more switch on pp, by its owner (runtime2.h, switches). The carry
 * comes once in 2^32 switches: its release stores order the odd carry
 * before the low word's 0, and that before the even carry, so a reader
 * that sees either new word sees the carry move (gort__p_switches). */
static inline void count_switch(struct p *pp) {
  uint32_t low = gort__atomic_load_relaxed(&pp->switches) + 1;
  if (low != 0) {
    gort__atomic_store_relaxed(&pp->switches, low);
    return;
  }
  uint32_t carry = gort__atomic_load_relaxed(&pp->switches_carry);
  gort__atomic_store_relaxed(&pp->switches_carry, carry + 1);
  gort__atomic_store_release(&pp->switches, 0);
  gort__atomic_store_release(&pp->switches_carry, carry + 2);
}

/* Make gp the M's current G, about to run (the switch is the caller's). */
static void prepare_run(struct m *mp, struct g *gp, bool inherit_time) {
  /* Running first: the collector scans a runnable G's stack and context
   * (holding it by its scan bit), so they are made only once it is ours. */
  gort__casgstatus(gp, G_RUNNABLE, G_RUNNING);
  if (gp->stack.lo == 0)
    make_first_frame(mp, gp);
  struct p *pp = gort__loadmp(mp);
  /* Only this P's M writes schedtick and switches: a load and a store
   * each, no locked add (on wasm every add is a locked compare-and-swap
   * loop). */
  if (!inherit_time)
    gort__atomic_store_relaxed(&pp->schedtick,
                               gort__atomic_load_relaxed(&pp->schedtick) + 1);
  count_switch(pp);
  /* A fresh slice starts unpreempted; an inherited one keeps a request
   * sysmon made while this M was between goroutines. */
  uint32_t pending = take_request(&pp->preempt);
  gort__atomic_store_relaxed(&gp->preempt, inherit_time ? pending : 0);
  gort__atomic_store_relaxed(&gp->m, mp);
  gort__setcurg(mp, gp);
}

/* A G of this P that a leaving G may switch to directly, or NULL when the
 * scheduler loop on g0 must decide: a stop-the-world is pending, a timer
 * is due, this tick is findrunnable's look at the global queue, or the
 * slice ended (slice_over: the global queue's turn). */
static struct g *runnable_here(struct m *mp, bool *inherit_time) {
  struct p *pp = gort__loadmp(mp);
  if (pp == NULL || pp->slice_over ||
      gort__atomic_load_acquire(&gort__sched.gcwaiting))
    return NULL;
  int64_t w = gort__atomic_load_relaxed(&pp->timer0_when);
  if (w != 0 && w <= gort__os_nanotime())
    return NULL;
  if (gort__atomic_load_relaxed(&pp->schedtick) % 61 == 0 &&
      gort__atomic_load_relaxed(&gort__sched.runqsize) > 0)
    return NULL;
  struct g *gp = gort__runqget(pp, inherit_time);
  if (gp != NULL)
    settle_wake(pp);
  return gp;
}

static void execute(struct m *mp, struct g *gp, bool inherit_time) {
  prepare_run(mp, gp, inherit_time);
  gswitch_from_g0(&mp->g0, gp);
  /* Back on g0 (g0 never changes thread, so mp is still ours), switched
   * to by mcall_g: gp itself, or a G gp or its successors switched to
   * directly. That G is ours until fn publishes it. */
  void (*fn)(struct g *) = mp->mcall_fn;
  gp = mp->mcall_g;
  mp->mcall_fn = NULL;
  mp->mcall_g = NULL;
  if (fn == NULL || gp == NULL)
    gort__throw("runtime: goroutine switched to g0 without mcall");
  gort__setcurg(mp, NULL);
  if (gort__readgstatus(gp) != G_SYSCALL)
    gort__atomic_store_relaxed(&gp->m, NULL);
  fn(gp);
}

/* One round of the scheduler loop: find a G, run it, and come back once
 * it (or a G it switched to directly) has mcall'd. On wasm a function of
 * its own, called afresh each round: a running function is never
 * replaced by its optimised code there (V8 has no on-stack replacement
 * for wasm), so a loop body inlined into the never-returning loop would
 * run in the baseline tier for the whole run. Natively inlined
 * (GORT_CONTEXT_LOOP_BODY, arch/context.h). */
static GORT_CONTEXT_LOOP_BODY void schedule_round(struct m *mp) {
  if (gort__loadmp(mp) == NULL)
    gort__stopm(mp); /* e.g. back from a syscall that lost its P */
  bool inherit_time;
  struct g *gp = findrunnable(mp, &inherit_time);
  if (mp->spinning)
    resetspinning(mp);
  settle_wake(gort__loadmp(mp));
  execute(mp, gp, inherit_time);
}

_Noreturn void gort__schedule(struct m *mp) {
  for (;;)
    schedule_round(mp);
}

/* ---- start-up ----------------------------------------------------------- */

struct mainargs {
  int (*fn)(int, char **);
  int argc;
  char **argv;
  int procs;
};

static void m0_main(void *arg);

static void runmain(void *arg) {
  struct mainargs *a = arg;
  int rc = a->fn(a->argc, a->argv);
  /* The run's last moments, for the page's plots (sysmon's next sample
   * would come after the exit). */
  if (gort__debug.schedsample > 0) {
    gort__sched_sample_publish();
    gort__gc_sample_publish();
  }
  if (gort__debug.heapmap > 0)
    gort__heapmap_publish();
  gort__os_exit(rc);
}

/* The start-up, in schedinit's order: the settings first (read once:
 * sched/settings.h), then each subsystem from its field. */
_Noreturn void gort_main_opts(int (*main_fn)(int argc, char **argv), int argc,
                              char **argv, const gort_options *opts) {
  if (gort__atomic_exchange_seq_cst(&runtime_started, 1))
    gort__fatal("gort_main called twice");
  if (main_fn == NULL)
    gort__fatal("gort_main: nil main function");
  gort__sched.start_ns = gort__os_nanotime();
  gort__atomic_store_seq_cst(&gort__sched.lastpoll, gort__sched.start_ns);
  gort__settings_init(opts); /* GORT_DEBUG, GORT_TRACEBACK applied here */
  gort__sched.lazy_wake = gort__debug.lazywake >= 0 ? gort__debug.lazywake != 0
                                                    : gort__os_wake_is_costly();
  int procs = gort__settings.maxprocs;
  gort__stack_init();
  gort__gcpacer_init();
  gort__gc_handles_init(); /* GORT_GCHANDLES (debug/handle.h) */
  gort__os_install_fault_handler();
  gort__preempt_init();
  if (gort__os_thread_init() != 0) {
    gort__print_str("runtime: cannot allocate a signal stack\n");
    gort__throw("out of memory");
  }

  gort__settls(&m0);
  m0.thread = gort__os_thread_self();
  static struct mainargs args;
  args = (struct mainargs){main_fn, argc, argv, procs};
  gort__mstart_context(&m0, m0_main, &args);
  gort__throw("runtime: m0's scheduler returned");
}

/* The rest of the start-up, on m0's g0. */
static void m0_main(void *arg) {
  struct mainargs *a = arg;
  gort__procinit(&m0, a->procs);

  struct g *gp = newproc(runmain, a, gort__loadmp(&m0), false);
  if (gp == NULL)
    gort__throw_oom(sizeof *gp, "the main goroutine");
  gp->is_main = true;
  gort__runqput(gort__loadmp(&m0), gp, true);
  gort__sched.main_started = true;
  /* Where one thread is all there can be (wasm without SharedArrayBuffer:
   * os_wasm_nothreads.c), M0 is it and there is no sysmon, as in Go's
   * main (proc.go: no sysmon on wasm, which has no threads): no retake,
   * no time-slice preemption requests, no live samples but the last. */
  if (gort__os_max_threads() != 1)
    gort__newm_sys(gort__sysmon);
  gort__schedule(&m0);
}

_Noreturn void gort_main(int (*main_fn)(int argc, char **argv), int argc,
                         char **argv) {
  gort_main_opts(main_fn, argc, argv, NULL);
}

int gort_maxprocs(void) {
  return gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
}

int gort_set_maxprocs(int n) {
  must_getm("gort_set_maxprocs");
  int prev = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  if (n < 1 || n == prev)
    return prev;
  if (n > MAX_PROCS)
    return GORT_EINVAL;
  gort__world_lock();
  gort__stop_the_world();
  gort__start_the_world(n);
  gort__world_unlock();
  return prev;
}

/* ---- queries ------------------------------------------------------------ */

int64_t gort_goid(void) { return gort__loadcurg(must_getm("gort_goid"))->goid; }

int64_t gort_num_goroutine(void) {
  return gort__atomic_load_relaxed(&gort__sched.ngoroutines);
}

_Noreturn void gort_exit(int code) { gort__os_exit(code); }

int64_t gort_nanotime(void) { return gort__os_nanotime(); }

size_t gort_stack_size(void) { return gort__stack_usable_size(); }

uint64_t gort_rss_peak_bytes(void) { return gort__os_rss_peak(); }

const char *gort_version(void) { return GORT_VERSION; }

const char *gort_strerror(int code) {
  switch (code) {
  case GORT_OK:
    return "success";
  case GORT_EINVAL:
    return "invalid argument";
  case GORT_ENOMEM:
    return "out of memory";
  case GORT_EAGAIN:
    return "resource temporarily unavailable";
  case GORT_CTX_CANCELED:
    return "context canceled";
  case GORT_CTX_DEADLINE_EXCEEDED:
    return "context deadline exceeded";
  case GORT_ENOTSUP:
    return "not supported on this platform";
  case GORT_ECLOSED:
    return "use of closed network connection";
  case GORT_ETIMEOUT:
    return "i/o timeout";
  default:
    /* A system call's errno, negated (glibc's strings are static). */
    return code < 0 && code > -4096 ? strerror(-code) : "unknown error";
  }
}

/* ---- faults ------------------------------------------------------------- */

void gort__on_quit_signal(void) {
  gort__die_begin("", "SIGQUIT: quit");
  gort__die_end();
}

void gort__on_fault(void *addr, const char *signame, void *pc) {
  struct m *mp = tls_m;
  struct g *gp = mp ? gort__loadcurg(mp) : NULL;
  if (gp == NULL)
    return; /* not in a goroutine: let the OS report it */
  if (gort__stack_in_guard(gp, (uintptr_t)addr))
    gort__stack_overflow(gp, NULL, (uintptr_t)addr);
  gort__die_begin(
      "panic: ",
      "runtime error: invalid memory address or nil pointer dereference");
  gort__print_str("[signal ");
  gort__print_str(signame);
  gort__print_str(" addr=");
  gort__print_hex((uintptr_t)addr);
  gort__print_str(" pc=");
  gort__print_hex((uintptr_t)pc);
  gort__print_str("]\n");
  gort__die_end();
}
