/*
 * mgc.c - the garbage collector's cycle (Go's mgc.go).
 *
 * The design, in the order a cycle runs (Go's mgc.go essay is numbered
 * the same way). gort's collector is Go's: concurrent tri-colour
 * mark-sweep with the hybrid write barrier; GORT_GC=stw (or
 * GORT_DEBUG=gcstoptheworld=1) keeps the stop-the-world collector for
 * programs that store pointers without the barrier.
 *
 *  1. Sweep termination (world stopped). Every span must be swept before
 *     a mark begins (a mark bit must mean "found live in this cycle"):
 *     the collector's goroutine sweeps what the last cycle left with the
 *     world running (mgcsweep.c: sweep_finish), then stops the world and
 *     sets the phase to GC_MARK, turns the write barrier on (from here
 *     every new object is black: malloc.c), shades each P's tiny block,
 *     sets the assist ratio (mgcassist.c) and the workers' shares
 *     (mgcworker.c), and starts the world again. O(P) work.
 *
 *  2. Mark (phase GC_MARK, world running). The collector's goroutine
 *     scans the program's globals, the ranges the runtime and the program
 *     registered, the referents of finalizable objects, then every
 *     goroutine's stack, one at a time, each at a safe point (mgcroots.c:
 *     held still by its status's scan bit, or scanning itself at its
 *     preemption point). The mark workers (25% of the Ps, plus idle Ps)
 *     and allocating goroutines (assists) drain the grey objects
 *     (mgcwork.c, mgcmark.c). Stores the program and the runtime make
 *     meanwhile go through the barrier (mbarrier.c). When the workers run
 *     dry the collector stops the world and flushes every P's barrier
 *     buffer and work, and drains what that found up to
 *     TERMINATION_DRAIN_BYTES of scanning; more, and the world restarts
 *     and the mark goes on (Go's gcMarkDone).
 *
 *  3. Mark termination (phase GC_MARKTERMINATION, world still stopped).
 *     Finalizable objects no one reaches are queued for their finalizers
 *     and kept one more cycle (their referents are marked already: this
 *     scans only them); checkmark and the heap verifier run if asked;
 *     every P's cached spans are given back; the sweep generation moves
 *     on (all spans become unswept at once); the barrier goes off; the
 *     pacer takes the marked bytes as the new live heap. O(P) work plus
 *     the unreachable finalizable objects: nothing here grows with the
 *     heap or the number of goroutines.
 *
 *  4. Sweep (phase GC_OFF). The world restarts. Spans are swept lazily by
 *     allocating goroutines and by the background sweeper (mgcsweep.c).
 *
 * Why each stack is scanned once, never again at the end (Go's proposal
 * "Eliminate STW stack re-scanning", issue 17503). The hybrid barrier
 * shades the old value of every overwritten heap slot (deletion, Yuasa)
 * and the new value (insertion, Dijkstra). A goroutine's stack is grey
 * until scanned and black after. While it is grey, anything it holds
 * was either reachable from the heap when the mark began and is shaded
 * when the last heap path to it is cut (deletion half), or was allocated
 * during the mark (black). Once it is black, it can only get a pointer
 * from a black or grey object or a new one: loading from the heap finds
 * objects the mark will reach or has shaded, and whatever it stores goes
 * through the barrier (insertion half, needed while other stacks are
 * still grey). So the stacks need no second look, and no stop of the
 * world scans one.
 *
 * What conservative scanning of C stacks changes in that argument:
 *   - The barrier is the program's: C has no compiler to insert it. A
 *     store into scanned memory without gort_store_ptr breaks the
 *     argument (docs/API.md, "Memory: the write barrier");
 *     GORT_DEBUG=gccheckmark=1 finds most such stores.
 *   - A stack's words are read without types. A stale pointer to
 *     garbage in a dead slot only keeps that garbage one more cycle. But
 *     a slot written after the stack's scan (a deeper call's locals) is
 *     not seen in this cycle: that is fine, because a pointer can only
 *     get there by the routes above (a load, a new object, a value passed
 *     from another goroutine through a channel, whose copies go through
 *     the barrier: chan.c).
 *   - A goroutine in a blocking call keeps running C code while its
 *     stack is scanned (the scan bit holds it only from returning): its
 *     registers are not seen. The rule for blocking calls is Go's for
 *     cgo: what the call uses stays reachable from the caller's frame.
 *   - Registers: a suspended goroutine's are on its stack (native
 *     switches push the callee-saved ones; a signal-preempted goroutine
 *     saves all) or in its Asyncify buffer on wasm: scanned with it.
 *
 * Cycles are run by one system goroutine, the collector's own. A cycle
 * starts when
 *   - an allocation takes the heap past the pacer's trigger (the
 *     allocating goroutine goes on: the mark runs beside it, and it pays
 *     in assists; under GORT_GC=stw it waits for the mark);
 *   - gort_gc asks (it waits for a whole new cycle and then sweeps the
 *     heap itself, as runtime.GC does);
 *   - sysmon finds no cycle for 2 minutes (Go's forcegcperiod), unless
 *     GOGC is off.
 * Each stop-the-world is timed into MemStats (PauseNs sums a cycle's
 * two, as Go's does) and GORT_DEBUG=gctrace=1 prints Go's line per cycle.
 *
 * Invariants: one cycle at a time (the collector's goroutine runs them in
 * turn); at most one stop-the-world at a time (world_lock, shared with
 * gort_set_maxprocs, gort_read_memstats and gort_heap_snapshot: Go's
 * worldsema); in the concurrent collector the barrier is on exactly
 * while the phase is not GC_OFF (never in the stop-the-world one), and
 * both change only with the world stopped.
 * Locking: work.lock (a leaf) guards the request state; it is never held
 * across parking or the cycle.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "atomic/atomic.h"
#include "debug/debugvars.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mbarrier.h"
#include "mem/mfinal.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "mem/mgcsample.h"
#include "mem/mgcwork.h"
#include "mem/mheap.h"
#include "mem/mstats.h"
#include "os/os.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "sched/runq.h"
#include "sched/runtime2.h"
#include "sched/settings.h"

/* Go's forcegcperiod: 2 minutes (tests shorten it). */
_Atomic(int64_t) gort__gc_force_period_ns = (int64_t)120 * 1000 * 1000 * 1000;

static struct {
  struct mutex lock;
  struct g *worker_idle;     /* the collector's G while parked (lock) */
  bool worker_started;       /* (lock) */
  bool requested;            /* a cycle is wanted (lock) */
  bool running;              /* a cycle is in progress (lock) */
  enum gc_trigger_kind kind; /* of the requested cycle (lock) */
  uint32_t cycles_done;      /* (lock) */
  struct g *done_waiters;    /* parked until a cycle ends (lock) */
  /* Marks begun, and whether the running cycle's has (lock); allocating
   * goroutines past the trigger wait in start_waiters for the next one. */
  uint32_t marks_started;
  bool marked_this_cycle;
  struct g *start_waiters;      /* (lock) */
  _Atomic(uint32_t) phase;      /* enum gc_phase */
  _Atomic(int64_t) last_end_ns; /* nanotime at the last cycle's end */
} work = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_GC_WORK)};

enum gc_phase gort__gc_phase(void) {
  return (enum gc_phase)gort__atomic_load_acquire(&work.phase);
}

bool gort__gc_write_barrier_on(void) { return gort__wb_on(); }

static void set_phase(enum gc_phase p) {
  gort__atomic_store_release(&work.phase, (uint32_t)p);
}

/* ---- gctrace ----------------------------------------------------------------
 */

/* Go's fmtNSAsMS: whole milliseconds from 10 ms, else two significant
 * digits ("0.021", "1.3"). */
static void fmt_ms(char *buf, size_t len, int64_t ns) {
  if (ns >= 10 * 1000 * 1000) {
    snprintf(buf, len, "%lld", (long long)(ns / 1000000));
    return;
  }
  int64_t x = ns / 1000; /* µs */
  if (x == 0) {
    snprintf(buf, len, "0");
    return;
  }
  int dec = 3;
  while (x >= 100) {
    x /= 10;
    dec--;
  }
  if (dec == 0) {
    snprintf(buf, len, "%lld", (long long)x);
    return;
  }
  int64_t scale = 1;
  for (int i = 0; i < dec; i++)
    scale *= 10;
  snprintf(buf, len, "%lld.%0*lld", (long long)(x / scale), dec,
           (long long)(x % scale));
}

struct cycle_times {
  uint32_t n;
  int64_t start;            /* nanotime: the cycle begins (sweeping) */
  int64_t stw1, stw1_end;   /* sweep termination, world stopped */
  int64_t stw2, end;        /* mark termination, world stopped */
  int64_t mark_cpu;         /* the collector's own root and stack scanning */
  int64_t assist_cpu;       /* allocating goroutines' assists */
  int64_t bg_cpu, idle_cpu; /* the mark workers: dedicated and fractional;
                               idle */
  int32_t procs;
  uint64_t heap_start, heap_end_mark, heap_marked, goal;
  uint64_t stack_bytes, globals_bytes;
  bool forced, concurrent;
  int64_t retry_stw; /* stops that found more to mark, summed */
  uint32_t retries;
};

static void print_gctrace(const struct cycle_times *t) {
  char a[24], b[24], c[24], ca[24], cas[24], cb[24], ci[24], cc[24];
  fmt_ms(a, sizeof a, t->stw1_end - t->stw1);
  fmt_ms(b, sizeof b, t->stw2 - t->stw1_end);
  fmt_ms(c, sizeof c, t->end - t->stw2);
  fmt_ms(ca, sizeof ca, (t->stw1_end - t->stw1) * t->procs);
  fmt_ms(cas, sizeof cas, t->assist_cpu);
  /* Background: the workers' dedicated and fractional time and the
   * collector's own root and stack scanning (Go's bg workers do both). */
  fmt_ms(cb, sizeof cb, t->mark_cpu + t->bg_cpu);
  fmt_ms(ci, sizeof ci, t->idle_cpu);
  fmt_ms(cc, sizeof cc, (t->end - t->stw2) * t->procs);
  int64_t since = t->start - gort__sched.start_ns;
  char line[512];
  /* Go's line: the cpu figures are STW sweep termination, then assist /
   * background / idle marking, then STW mark termination. */
  snprintf(line, sizeof line,
           "gc %u @%lld.%03llds %d%%: %s+%s+%s ms clock, %s+%s/%s/%s+%s ms "
           "cpu, %llu->%llu->%llu MB, %llu MB goal, %llu MB stacks, %llu MB "
           "globals, %d P%s\n",
           t->n, (long long)(since / 1000000000),
           (long long)(since / 1000000 % 1000),
           (int)(gort__mstats_gc_cpu_fraction() * 100), a, b, c, ca, cas, cb,
           ci, cc, (unsigned long long)(t->heap_start >> 20),
           (unsigned long long)(t->heap_end_mark >> 20),
           (unsigned long long)(t->heap_marked >> 20),
           (unsigned long long)(t->goal == UINT64_MAX ? 0 : t->goal >> 20),
           (unsigned long long)(t->stack_bytes >> 20),
           (unsigned long long)(t->globals_bytes >> 20), t->procs,
           t->forced ? " (forced)" : "");
  gort__print_str(line);
}

/* ---- one cycle
 * ------------------------------------------------------------------- */

static uint64_t unix_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The gcwork of the P the caller runs on (re-read after every yield). */
static struct gcwork *my_gcw(void) { return &gort__loadmp(gort__getm())->gcw; }

bool gort__gc_concurrent(void) {
  return !gort__settings.gc_stop_the_world && !gort__debug.gcstoptheworld;
}

/* GORT_DEBUG=gcverify (mgcverify.c): asked for, or left unset in a
 * GORT_DEBUG_LEVEL=3 build. */
static bool verify_heap(void) {
  return gort__debug.gcverify > 0 ||
         (gort__debug.gcverify < 0 && GORT_DEBUG_LEVEL >= 3);
}

/* 1. Sweep termination: finish the last sweep, stop the world, begin the
 * mark. Returns with the world stopped. */
static void sweep_termination(struct cycle_times *t) {
  gort__sweep_finish();
  gort__world_lock();
  t->procs = gort_maxprocs();
  t->stw1 = gort__os_nanotime();
  gort__stop_the_world();
  /* The phase began when the stop did: its pause (from stw1) then lies
   * inside the cycle's timeline, however long the stop took. */
  gort__gc_event_at(GORT_GC_EV_SWEEP_TERMINATION, t->n, gort__gc_heap_live(),
                    t->goal, t->stw1);
  if (verify_heap())
    gort__gc_verify_swept();
  gort__runq_verify();
  gort__gc_mark_begin();
  gort__gc_scan_gen_next();
  set_phase(GC_MARK);
}

/* Each P's current tiny block: objects carved from it during the mark
 * would otherwise be white (Go's gcMarkTinyAllocs). World stopped. */
static void mark_tiny_blocks(void) {
  for (int32_t i = 0; i < gort__sched.allp_cap; i++) {
    struct p *pp = gort__sched.allp[i];
    if (pp->mcache != NULL && pp->mcache->tiny != 0)
      gort__gc_shade(pp->mcache->tiny, &pp->gcw);
  }
}

/* Every P's write-barrier buffer into its gcwork, and every gcwork's
 * grey objects onto the full list. World stopped. */
static void flush_all_ps(void) {
  for (int32_t i = 0; i < gort__sched.allp_cap; i++) {
    struct p *pp = gort__sched.allp[i];
    gort__wbbuf_flush(pp);
    gort__gcw_dispose(&pp->gcw);
  }
}

/* Bytes allocated black during the mark, over every P (world stopped). */
static uint64_t take_black_bytes(void) {
  uint64_t n = 0;
  for (int32_t i = 0; i < gort__sched.allp_cap; i++) {
    struct mcache *c = gort__sched.allp[i]->mcache;
    if (c != NULL) {
      n += c->black_bytes;
      c->black_bytes = 0;
    }
  }
  return n;
}

/* Scan work a mark-termination stop may do itself (about 30 µs). */
enum { TERMINATION_DRAIN_BYTES = 64 * 1024 };

/* 2. The concurrent mark: roots and stacks here, the draining by the
 * mark workers (mgcworker.c) and assists; then stop the world and look
 * for what the write barriers buffered: the mark is over only when
 * nothing is grey with the world stopped (Go's gcMarkDone; its ragged
 * barrier is our stop of the world, which costs one flush per P).
 * Returns with the world stopped. */
static void concurrent_mark(struct cycle_times *t) {
  int64_t begin = gort__os_nanotime();
  gort__gc_mark_globals(my_gcw());
  t->globals_bytes = gort__gc_scanned_root_bytes();
  gort__gc_mark_runtime_objects(my_gcw());
  gort__fin_mark_roots(my_gcw());
  gort__gcw_dispose(my_gcw()); /* for the workers on every P */
  uint64_t before_stacks = gort__gc_scanned_root_bytes();
  gort__gc_scan_stacks(gort__gc_scan_gen());
  t->stack_bytes = gort__gc_scanned_root_bytes() - before_stacks;
  gort__gcw_dispose(my_gcw());
  t->mark_cpu += gort__os_nanotime() - begin;
  for (;;) {
    gort__gc_workers_wait_dry();
    gort__world_lock();
    t->stw2 = gort__os_nanotime();
    gort__stop_the_world();
    gort__wb_close_without_p();
    flush_all_ps();
    /* What the last flush found is usually a few objects (barrier
     * buffers not yet full): drain them here, up to a fixed budget, so
     * the pause stays bounded whatever the heap; more than that, and the
     * mark goes on beside the world. */
    if (gort__gc_drain(my_gcw(), TERMINATION_DRAIN_BYTES))
      return;
    gort__gcw_dispose(my_gcw());
    gort__wb_set(true); /* reopens shading without a P */
    gort__start_the_world(t->procs);
    gort__world_unlock();
    /* A stop that found more to mark is a pause too (Go counts it). */
    t->retry_stw += gort__os_nanotime() - t->stw2;
    t->retries++;
  }
}

/* The whole mark with the world stopped (GORT_GC=stw). */
static void stw_mark(struct cycle_times *t) {
  struct gcwork *gcw = my_gcw();
  gort__gc_mark_goroutines(gcw); /* all but this one, which holds nothing */
  t->stack_bytes = gort__gc_scanned_root_bytes();
  gort__gc_mark_globals(gcw);
  t->globals_bytes = gort__gc_scanned_root_bytes() - t->stack_bytes;
  gort__gc_mark_runtime_objects(gcw);
  gort__fin_mark_roots(gcw);
  gort__gc_drain(gcw, -1);
  t->stw2 = gort__os_nanotime();
}

/* 3. Mark termination, world stopped: finalizers, checks, the flip, the
 * pacer. */
static void mark_termination(struct cycle_times *t) {
  set_phase(GC_MARKTERMINATION);
  t->heap_end_mark = gort__gc_heap_live();
  gort__gc_event(GORT_GC_EV_MARK_TERMINATION, t->n, t->heap_end_mark, t->goal);
  gort__fin_queue_unreachable(my_gcw());
  flush_all_ps();
  if (t->concurrent && gort__debug.gccheckmark)
    gort__gc_checkmark();
  if (verify_heap())
    gort__gc_verify_marked();
  t->heap_marked = gort__gcw_total_marked() + take_black_bytes();
  for (int32_t i = 0; i < gort__sched.allp_cap; i++)
    gort__mcache_release(gort__sched.allp[i]);
  gort__sweep_flip();
  if (t->concurrent)
    gort__gcpacer_mark_ended(t->heap_end_mark, t->goal);
  gort__gcpacer_end_mark(t->heap_marked, t->stack_bytes, t->globals_bytes);
  gort__gc_assist_end();
  t->assist_cpu = (int64_t)gort__gc_assist_take_ns();
  if (t->concurrent) {
    uint64_t bg, idle;
    gort__gc_workers_end(&bg, &idle);
    t->bg_cpu = (int64_t)bg;
    t->idle_cpu = (int64_t)idle;
  }
  gort__wb_set(false);
  set_phase(GC_OFF);
  t->end = gort__os_nanotime();
}

static void mark_started(void);

static void run_cycle(uint32_t n, enum gc_trigger_kind kind) {
  struct cycle_times t = {.n = n,
                          .forced = kind == GC_TRIGGER_FORCED,
                          .concurrent = gort__gc_concurrent()};
  t.start = gort__os_nanotime();
  t.heap_start = gort__gc_heap_live();
  t.goal = gort__gc_heap_goal();

  if (t.concurrent)
    gort__gc_workers_ensure(gort_maxprocs());
  sweep_termination(&t);
  if (t.concurrent) {
    /* The scan work expected: the heap as it is now (what the last
     * mark found live, plus what was allocated since, pointer-free or
     * not: Go counts only its scannable part, which it knows exactly)
     * plus the stacks and globals the last mark scanned. */
    gort__gc_assist_begin(gort__gc_heap_live() + gort__gc_scan_extra(),
                          gort__gc_heap_live(), t.goal);
    gort__wb_set(true);
    mark_tiny_blocks();
    t.stw1_end = gort__os_nanotime();
    gort__gc_workers_begin(t.procs, t.stw1_end);
    gort__gc_event(GORT_GC_EV_MARK, n, gort__gc_heap_live(), t.goal);
    gort__start_the_world(t.procs);
    gort__world_unlock();
    mark_started();
    concurrent_mark(&t);
  } else {
    t.stw1_end = gort__os_nanotime();
    gort__gc_event(GORT_GC_EV_MARK, n, gort__gc_heap_live(), t.goal);
    stw_mark(&t);
    t.mark_cpu = (t.stw2 - t.stw1_end) * t.procs;
  }
  mark_termination(&t);

  /* The pause: the stops of the world (Go's PauseNs sums them); in
   * the stop-the-world collector, the one stop from sweep termination to
   * the end. The sweeping before it ran beside the mutators, as GC CPU
   * time. */
  uint64_t pause = (uint64_t)(t.stw1_end - t.stw1) +
                   (uint64_t)(t.end - t.stw2) + (uint64_t)t.retry_stw;
  if (!t.concurrent)
    pause = (uint64_t)(t.end - t.stw1);
  gort__mstats_record_cycle(
      pause, unix_now_ns(), t.forced,
      pause * (uint64_t)t.procs +
          (uint64_t)(t.concurrent ? t.mark_cpu + t.bg_cpu + t.idle_cpu : 0) +
          (uint64_t)t.assist_cpu + (uint64_t)(t.stw1 - t.start));
  /* The page's GC timeline (mgcsample.c): what only this cycle knows. */
  gort__gc_sample_cycle_end(n, pause, t.heap_marked, (uint64_t)t.assist_cpu,
                            (uint64_t)(t.mark_cpu + t.bg_cpu),
                            (uint64_t)t.idle_cpu);
  gort__gc_event(GORT_GC_EV_SWEEP, n, gort__gc_heap_live(),
                 gort__gc_heap_goal());
  gort__start_the_world(t.procs);
  gort__world_unlock();

  /* 4. Sweep, in the background and by allocation. */
  gort__sweep_wake_background();
  gort__fin_wake();
  gort__atomic_store_relaxed(&work.last_end_ns, t.end);
  if (gort__debug.gctrace > 0)
    print_gctrace(&t);
}

/* ---- the collector's goroutine
 * ------------------------------------------------------ */

static bool park_unlock(struct g *gp, void *arg) {
  (void)gp;
  gort__unlock(arg);
  return true;
}

/* Waiting for the collector, and waking its waiters: goroutines park in
 * a list (linked through schedlink, work.lock) and are made runnable at
 * the tail of the collector's queue, not in its runnext (Go's
 * work.sweepWaiters, readied with injectglist). The collector itself is
 * readied into runnext by whoever asks for a cycle (it runs next, as
 * Go's gcStart runs on the asking goroutine). Were both in runnext, a
 * goroutine running collections back to back and the collector would
 * hand the P to each other inheriting one time slice, and on one P every
 * other goroutine would wait for the slice's end. */
static void park_in_list_unlock(struct g **list, enum waitreason why) {
  GORT_ASSERT_LOCKED(&work.lock);
  struct g *self = gort__getg();
  self->schedlink = *list;
  *list = self;
  gort__gopark(park_unlock, &work.lock, why);
}

/* Wake every goroutine in *list (work.lock held; released here, before
 * the wake-ups). */
static void wake_all_unlock(struct g **list) {
  GORT_ASSERT_LOCKED(&work.lock);
  struct g *gp = *list;
  *list = NULL;
  gort__unlock(&work.lock);
  while (gp != NULL) {
    struct g *next = gp->schedlink;
    gp->schedlink = NULL;
    gort__ready(gp, false);
    gp = next;
  }
}

static void gc_worker(void *arg) {
  (void)arg;
  for (;;) {
    gort__lock(&work.lock);
    if (!work.requested) {
      work.worker_idle = gort__getg();
      gort__gopark(park_unlock, &work.lock, WAIT_GC_IDLE);
      continue;
    }
    work.requested = false;
    work.running = true;
    work.marked_this_cycle = false;
    enum gc_trigger_kind kind = work.kind;
    uint32_t n = work.cycles_done + 1;
    gort__unlock(&work.lock);

    run_cycle(n, kind);

    gort__lock(&work.lock);
    work.running = false;
    work.cycles_done = n;
    wake_all_unlock(&work.done_waiters);
  }
}

/* Ask for a cycle (work.lock held; released here). Returns the worker to
 * make runnable, if it was parked. */
static struct g *request_locked(enum gc_trigger_kind kind) {
  GORT_ASSERT_LOCKED(&work.lock);
  if (!work.requested) {
    work.requested = true;
    work.kind = kind;
  } else if (kind == GC_TRIGGER_FORCED) {
    work.kind = kind;
  }
  struct g *gp = work.worker_idle;
  work.worker_idle = NULL;
  return gp;
}

/* Wait until cycle target has ended (work.lock held; released here). */
static void wait_cycle_locked(uint32_t target) {
  GORT_ASSERT_LOCKED(&work.lock);
  while ((int32_t)(work.cycles_done - target) < 0) {
    park_in_list_unlock(&work.done_waiters, WAIT_GC);
    gort__lock(&work.lock);
  }
  gort__unlock(&work.lock);
}

/* The collector's goroutine, started on first use. */
static void ensure_worker_locked(void) {
  GORT_ASSERT_LOCKED(&work.lock);
  if (work.worker_started)
    return;
  if (gort__go_system(gc_worker, NULL, false) != 0) {
    gort__unlock(&work.lock);
    gort__throw_oom(sizeof(struct g), "the collector's goroutine");
  }
  work.worker_started = true;
}

/* Run a cycle (a new one if forced) and wait for its mark to end. */
/* The heap passed the trigger (concurrent collector): wait until a mark
 * is under way, then allocate on and pay in assists. Go's gcStart does
 * the sweep termination on the allocating goroutine and every other
 * allocating goroutine past the trigger waits for it (work.startSema):
 * without that, the program allocates freely between the trigger and
 * the mark's start, unpaced (10 ms on a loaded machine was 13 MB here).
 * (work.lock held; released here.) */
static void wait_mark_start_locked(void) {
  GORT_ASSERT_LOCKED(&work.lock);
  if (work.running && work.marked_this_cycle && gort__gc_phase() == GC_MARK) {
    gort__unlock(&work.lock); /* marking now: assists pace us */
    return;
  }
  /* The next mark to begin: the running cycle's if it has not marked
   * yet, else a requested one. */
  uint32_t target = work.marks_started + 1;
  struct g *worker = NULL;
  if (!(work.running && !work.marked_this_cycle))
    worker = request_locked(GC_TRIGGER_HEAP);
  if (worker != NULL) {
    gort__unlock(&work.lock);
    gort__goready(worker);
    gort__lock(&work.lock);
  }
  while ((int32_t)(work.marks_started - target) < 0) {
    park_in_list_unlock(&work.start_waiters, WAIT_GC);
    gort__lock(&work.lock);
  }
  gort__unlock(&work.lock);
}

/* The mark has begun (world running again): wake who waited for it. */
static void mark_started(void) {
  gort__lock(&work.lock);
  work.marks_started++;
  work.marked_this_cycle = true;
  wake_all_unlock(&work.start_waiters);
}

static void request_and_wait(enum gc_trigger_kind kind) {
  gort__lock(&work.lock);
  ensure_worker_locked();
  if (kind == GC_TRIGGER_HEAP && gort__gc_concurrent()) {
    wait_mark_start_locked();
    return;
  }
  if (kind == GC_TRIGGER_HEAP && (work.running || work.requested)) {
    gort__unlock(&work.lock); /* one is coming: allocate on */
    return;
  }
  /* runtime.GC wants a cycle that starts after the call: if one is
   * already running, the one after it. */
  uint32_t target = work.cycles_done + 1 + (work.running ? 1 : 0);
  struct g *worker = request_locked(kind);
  if (worker != NULL)
    gort__goready(worker);
  wait_cycle_locked(target);
}

void gort__gc_wait_mark_end(void) {
  gort__lock(&work.lock);
  if (!work.running) {
    gort__unlock(&work.lock);
    return;
  }
  wait_cycle_locked(work.cycles_done + 1);
}

void gort__gc_start(enum gc_trigger_kind kind) {
  struct m *mp = gort__getm();
  struct g *gp = mp ? gort__loadcurg(mp) : NULL;
  if (gp == NULL || gp->is_system || gort__locks_held() != 0)
    return;
  if (kind == GC_TRIGGER_HEAP && gort__gc_heap_live() < gort__gc_trigger())
    return; /* a cycle has run since the trigger was seen */
  request_and_wait(kind);
}

struct g *gort__gc_forced_due(int64_t now) {
  if (gort__gc_percent() < 0)
    return NULL; /* Go's gcTrigger.test: no forced cycles with GOGC off */
  int64_t last = gort__atomic_load_relaxed(&work.last_end_ns);
  if (last == 0)
    last = gort__sched.start_ns;
  if (now - last < gort__atomic_load_relaxed(&gort__gc_force_period_ns))
    return NULL;
  gort__lock(&work.lock);
  struct g *gp = NULL;
  if (work.worker_started && !work.running && !work.requested)
    gp = request_locked(GC_TRIGGER_TIME);
  gort__unlock(&work.lock);
  return gp;
}

int gort__gc_collect(struct gort__sweep_result *result) {
  gort__must_getg("gort_gc");
  request_and_wait(GC_TRIGGER_FORCED);
  gort__sweep_finish();
  gort__sweep_results(result);
  return 0;
}

/* ---- the public call
 * -------------------------------------------------------------- */

GORT_API void gort_gc(void) {
  struct gort__sweep_result r;
  gort__gc_collect(&r);
}
