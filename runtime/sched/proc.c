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
 * This version runs one P on one M (the thread that called gort_main);
 * the structures, queues and state machine are the multi-P ones, so the
 * G-M-P work (many Ms, stealing, spinning, sysmon) extends them in place.
 *
 * Switching. A G never switches straight to another G. It switches to its
 * M's g0 with mcall(fn): g0 resumes in execute(), right after the switch
 * that started the G, and runs fn(gp) there: park_m, gosched_m or goexit0
 * finishes the job on the scheduler stack, where gp's context is already
 * completely saved, so another M could resume gp at once. Then g0 loops:
 * findrunnable, execute. Each goroutine switch therefore costs two context
 * switches, as in Go (gopark -> mcall -> schedule -> gogo).
 *
 * Deadlock. When an M finds nothing to run it counts itself idle and calls
 * checkdead(): if no M is running user code and no timer or poller could
 * ever make a G runnable, every goroutine is blocked for good, and the
 * program dies with Go's "all goroutines are asleep - deadlock!", exit 2.
 *
 * Invariants:
 *   - Only g0 calls execute/findrunnable/checkdead.
 *   - A G's status changes only in gort__casgstatus.
 *   - After any switch returns, the current M is re-read (gort__getm), since
 *     the G may now run on another thread.
 *
 * Locking: see runtime2.h. sched.lock is never held across a switch.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../arch/sanitizer.h"
#include "../debug/print.h"
#include "../debug/traceback.h"
#include "../os/os.h"
#include "runq.h"
#include "stack.h"

const char *const gort__waitreason_names[WAIT_COUNT] = {
    [WAIT_NONE] = "",
    [WAIT_WAITGROUP] = "sync.WaitGroup.Wait",
    [WAIT_CHAN_RECEIVE] = "chan receive",
    [WAIT_CHAN_SEND] = "chan send",
    [WAIT_SELECT] = "select",
    [WAIT_SELECT_NO_CASES] = "select (no cases)",
    [WAIT_SLEEP] = "sleep",
    [WAIT_SEMACQUIRE] = "semacquire",
    [WAIT_SYNC_MUTEX] = "sync.Mutex.Lock",
    [WAIT_FOREVER] = "forever",
};

struct mutex gort__allglock;
struct g **gort__allgs;
size_t gort__allglen;
static size_t allgcap;

static _Thread_local struct m *tls_m;
static struct m m0;
static struct p p0;
static _Atomic int runtime_started;

enum { G0_SCRATCH_SIZE = 64 * 1024 };

/* ---- current M and G ---------------------------------------------------- */

__attribute__((noinline)) struct m *gort__getm(void) { return tls_m; }

__attribute__((noinline)) struct g *gort__getg(void) {
  struct m *mp = tls_m;
  if (mp == NULL)
    return NULL;
  return mp->curg ? mp->curg : &mp->g0;
}

static struct m *must_getm(const char *what) {
  struct m *mp = gort__getm();
  if (mp == NULL || mp->curg == NULL) {
    gort__print_str("gort: ");
    gort__print_str(what);
    gort__print_str(" called outside a goroutine\n");
    gort__fatal("gort: runtime not running on this thread (call gort_main)");
  }
  return mp;
}

/* ---- status ------------------------------------------------------------- */

void gort__casgstatus(struct g *gp, uint32_t oldval, uint32_t newval) {
  uint32_t cur = oldval;
  /* Acquire/release: the status hand-off orders everything the previous
   * owner wrote to the G (context, stack) before the next owner reads it. */
  if (!atomic_compare_exchange_strong_explicit(&gp->atomicstatus, &cur,
                                               newval, memory_order_acq_rel,
                                               memory_order_acquire)) {
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

static void gswitch(struct g *from, struct g *to, bool from_dies) {
  gort__asan_start_switch(from_dies ? NULL : &from->asan_fake,
                          (const void *)to->stack.lo,
                          to->stack.hi - to->stack.lo);
  gort__context_switch(&from->ctx, &to->ctx);
  switched_in(from);
}

/* mcall switches from the current G to g0, which runs fn(gp) and then
 * schedules. Returns (possibly on another M) when gp runs again. */
static void mcall(void (*fn)(struct g *), bool dying) {
  struct m *mp = gort__getm();
  struct g *gp = mp->curg;
  gort__stack_check(gp);
  mp->mcall_fn = fn;
  mp->mcall_g = gp;
  gswitch(gp, &mp->g0, dying);
}

/* ---- goroutine creation and exit ---------------------------------------- */

static void allgadd(struct g *gp) {
  gort__lock(&gort__allglock);
  if (gort__allglen == allgcap) {
    size_t ncap = allgcap ? allgcap * 2 : 1024;
    struct g **n = realloc(gort__allgs, ncap * sizeof *n);
    if (n == NULL)
      gort__throw("runtime: out of memory growing allgs");
    gort__allgs = n;
    allgcap = ncap;
  }
  gort__allgs[gort__allglen++] = gp;
  gort__unlock(&gort__allglock);
}

static void goexit1(void);

/* The first frame of every goroutine. */
static void goentry(void *arg) {
  struct g *gp = arg;
  switched_in(gp);
  gp->fn(gp->arg);
  goexit1();
}

static struct g *newproc(gort_func fn, void *arg, struct p *pp) {
  struct g *gp = gort__gfget(pp);
  if (gp == NULL) {
    gp = calloc(1, sizeof *gp);
    if (gp == NULL)
      return NULL;
    gp->atomicstatus = G_DEAD;
    allgadd(gp);
  }
  gp->fn = fn;
  gp->arg = arg;
  gp->goid = atomic_fetch_add_explicit(&gort__sched.goidgen, 1,
                                       memory_order_relaxed) + 1;
  gp->waitreason = WAIT_NONE;
  gp->waiting_on = NULL;
  gp->is_main = false;
  atomic_store_explicit(&gp->preempt, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&gort__sched.ngoroutines, 1, memory_order_relaxed);
  gort__casgstatus(gp, G_DEAD, G_RUNNABLE);
  return gp;
}

int gort_go(gort_func fn, void *arg) {
  struct m *mp = must_getm("gort_go");
  if (fn == NULL)
    gort__panic("gort_go: nil func");
  struct g *gp = newproc(fn, arg, mp->p);
  if (gp == NULL)
    return GORT_ENOMEM;
  /* Like Go's newproc: the new G runs next on this P. */
  gort__runqput(mp->p, gp, true);
  return 0;
}

/* goexit0 runs on g0 after gp returned from its function. */
static void goexit0(struct g *gp) {
  struct m *mp = gort__getm();
  gort__casgstatus(gp, G_RUNNING, G_DEAD);
  atomic_fetch_sub_explicit(&gort__sched.ngoroutines, 1, memory_order_relaxed);
  gp->fn = NULL;
  gp->arg = NULL;
  gp->m = NULL;
  gort__stackfree(mp->p, &gp->stack);
  gort__gfput(mp->p, gp);
}

static void goexit1(void) {
  mcall(goexit0, true);
  gort__throw("runtime: a dead goroutine was resumed");
}

_Noreturn void gort_goexit(void) {
  struct m *mp = must_getm("gort_goexit");
  if (mp->curg->is_main) {
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
    gort__runqput(mp->p, gp, true);
  }
}

void gort__gopark(bool (*unlockf)(struct g *, void *), void *lock,
                  uint32_t reason) {
  struct m *mp = gort__getm();
  mp->park_unlockf = unlockf;
  mp->park_lock = lock;
  mp->curg->waitreason = reason;
  mcall(park_m, false);
}

bool gort__parkunlock(struct g *gp, void *lock) {
  (void)gp;
  gort__unlock(lock);
  return true;
}

void gort__goready(struct g *gp) {
  gp->waitreason = WAIT_NONE;
  gp->waiting_on = NULL;
  gort__casgstatus(gp, G_WAITING, G_RUNNABLE);
  gort__runqput(gort__getm()->p, gp, true);
}

/* gosched_m puts gp on the global queue, as Go's Gosched does, so that a
 * yielding G goes behind everything already waiting. */
static void gosched_m(struct g *gp) {
  gort__casgstatus(gp, G_RUNNING, G_RUNNABLE);
  gort__lock(&gort__sched.lock);
  gort__globrunqput_locked(gp);
  gort__unlock(&gort__sched.lock);
}

void gort_yield(void) {
  must_getm("gort_yield");
  mcall(gosched_m, false);
}

void gort_preempt_check(void) {
  struct g *gp = gort__getg();
  /* Relaxed: a late view only delays the yield to the next check. */
  if (gp && atomic_load_explicit(&gp->preempt, memory_order_relaxed)) {
    atomic_store_explicit(&gp->preempt, 0, memory_order_relaxed);
    gort_yield();
  }
}

/* ---- the scheduler loop (g0 only) --------------------------------------- */

/* checkdead is called with sched.lock held by an M that found nothing to
 * run and counted itself idle. Port of checkdead, proc.go. */
static void checkdead_locked(void) {
  struct schedt *s = &gort__sched;
  int32_t running = s->mcount - s->nmidle;
  if (running > 0)
    return;
  if (s->runq.size > 0)
    return;
  gort__unlock(&s->lock);
  if (s->main_exited &&
      atomic_load_explicit(&s->ngoroutines, memory_order_relaxed) == 0)
    gort__fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  gort__fatal("all goroutines are asleep - deadlock!");
}

static struct g *findrunnable(struct m *mp, bool *inherit_time) {
  struct p *pp = mp->p;
  struct g *gp;
  *inherit_time = false;
  /* Every 61st tick look at the global queue first, so a pair of Gs
   * readying each other through runnext cannot starve it (proc.go). */
  if (pp->schedtick % 61 == 0 && gort__sched.runq.size > 0) {
    gort__lock(&gort__sched.lock);
    gp = gort__globrunqget_locked(pp, 1);
    gort__unlock(&gort__sched.lock);
    if (gp)
      return gp;
  }
  for (;;) {
    gp = gort__runqget(pp, inherit_time);
    if (gp)
      return gp;
    gort__lock(&gort__sched.lock);
    gp = gort__globrunqget_locked(pp, 0);
    if (gp) {
      gort__unlock(&gort__sched.lock);
      return gp;
    }
    /* Nothing anywhere: go idle. With one M nobody else can make work, so
     * checkdead decides; with many Ms this is where the M would park. */
    gort__sched.nmidle++;
    checkdead_locked();
    gort__sched.nmidle--;
    gort__unlock(&gort__sched.lock);
  }
}

static bool make_first_frame(struct m *mp, struct g *gp) {
  if (!gort__stackalloc(mp->p, &gp->stack))
    return false;
  /* The lowest 16 bytes hold the canary of an unguarded stack. */
  gort__context_make(&gp->ctx, (void *)(gp->stack.lo + 16),
                     gp->stack.hi - gp->stack.lo - 16, gp->stack.scratch,
                     gp->stack.scratch_size, goentry, gp);
  gp->asan_fake = NULL;
  return true;
}

static void execute(struct m *mp, struct g *gp, bool inherit_time) {
  if (gp->stack.lo == 0 && !make_first_frame(mp, gp))
    gort__fatal("runtime: out of memory allocating a goroutine stack");
  if (!inherit_time)
    mp->p->schedtick++;
  gort__casgstatus(gp, G_RUNNABLE, G_RUNNING);
  gp->m = mp;
  mp->curg = gp;
  gswitch(&mp->g0, gp, false);
  /* Back on g0 (g0 never changes thread, so mp is still ours). */
  mp->curg = NULL;
  gp->m = NULL;
  void (*fn)(struct g *) = mp->mcall_fn;
  mp->mcall_fn = NULL;
  mp->mcall_g = NULL;
  if (fn == NULL)
    gort__throw("runtime: goroutine switched to g0 without mcall");
  fn(gp);
}

static _Noreturn void schedule(struct m *mp) {
  for (;;) {
    bool inherit_time;
    struct g *gp = findrunnable(mp, &inherit_time);
    execute(mp, gp, inherit_time);
  }
}

/* ---- start-up ----------------------------------------------------------- */

struct mainargs {
  int (*fn)(int, char **);
  int argc;
  char **argv;
};

static void runmain(void *arg) {
  struct mainargs *a = arg;
  int rc = a->fn(a->argc, a->argv);
  gort__os_exit(rc);
}

static void mcommoninit(struct m *mp) {
  gort__lock(&gort__sched.lock);
  mp->id = gort__sched.mnext++;
  gort__sched.mcount++;
  mp->alllink = gort__sched.allm;
  gort__sched.allm = mp;
  gort__unlock(&gort__sched.lock);
  mp->g0.is_g0 = true;
  mp->g0.atomicstatus = G_RUNNING;
  mp->g0.goid = 0;
  mp->g0.m = mp;
  size_t scratch = gort__context_scratch_size ? G0_SCRATCH_SIZE : 0;
  void *buf = scratch ? gort__os_reserve(scratch) : NULL;
  if (scratch && buf == NULL)
    gort__throw("runtime: cannot allocate the scheduler stack buffer");
  gort__context_init_current(&mp->g0.ctx, buf, scratch);
}

static int procs_from_env(void) {
  const char *env = getenv("GORT_MAXPROCS");
  if (env == NULL || *env == 0)
    return gort__os_ncpu();
  char *end;
  long n = strtol(env, &end, 10);
  if (*end != 0 || n < 1 || n > 1024) {
    gort__print_str("runtime: GORT_MAXPROCS=");
    gort__print_str(env);
    gort__print_str(" is not a number from 1 to 1024\n");
    gort__fatal("runtime: bad GORT_MAXPROCS");
  }
  return (int)n;
}

_Noreturn void gort_main(int (*main_fn)(int argc, char **argv), int argc,
                         char **argv) {
  if (atomic_exchange(&runtime_started, 1))
    gort__fatal("gort_main called twice");
  if (main_fn == NULL)
    gort__fatal("gort_main: nil main function");
  (void)procs_from_env(); /* validated now; one P runs in this version */
  gort__stack_init();
  gort__os_install_fault_handler();
  gort__os_thread_init();

  static struct p *allp[1];
  allp[0] = &p0;
  gort__sched.allp = allp;
  gort__sched.gomaxprocs = 1;
  p0.id = 0;
  p0.status = P_RUNNING;
  p0.m = &m0;
  m0.p = &p0;
  tls_m = &m0;
  mcommoninit(&m0);

  static struct mainargs args;
  args = (struct mainargs){main_fn, argc, argv};
  struct g *gp = newproc(runmain, &args, &p0);
  if (gp == NULL)
    gort__fatal("runtime: out of memory creating the main goroutine");
  gp->is_main = true;
  gort__runqput(&p0, gp, true);
  schedule(&m0);
}

/* ---- queries ------------------------------------------------------------ */

int64_t gort_goid(void) { return must_getm("gort_goid")->curg->goid; }

int64_t gort_num_goroutine(void) {
  return atomic_load_explicit(&gort__sched.ngoroutines, memory_order_relaxed);
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
  default:
    return "unknown error";
  }
}

/* ---- faults ------------------------------------------------------------- */

void gort__on_fault(void *addr, const char *signame, void *pc) {
  struct m *mp = tls_m;
  struct g *gp = mp ? mp->curg : NULL;
  if (gp == NULL)
    return; /* not in a goroutine: let the OS report it */
  if (gort__stack_in_guard(gp, (uintptr_t)addr)) {
    gort__print_str("runtime: goroutine stack exceeds ");
    gort__print_uint(gort__stack_usable_size());
    gort__print_str("-byte limit\nruntime: goroutine ");
    gort__print_int(gp->goid);
    gort__print_str(" touched guard page addr=");
    gort__print_hex((uintptr_t)addr);
    gort__print_str(" stack=[");
    gort__print_hex(gp->stack.lo);
    gort__print_str(", ");
    gort__print_hex(gp->stack.hi);
    gort__print_str("]\n");
    gort__fatal("stack overflow");
  }
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
