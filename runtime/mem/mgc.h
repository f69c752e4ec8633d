/*
 * mgc.h - the collector, internal (Go's file map):
 *
 *   mgc.c       the cycle: its design essay, the phase state machine, the
 *               collector's goroutine, stop-the-world phases, gctrace
 *   mbarrier.c  the write barrier and its per-P buffer (mbarrier.h)
 *   mgcwork.c   grey objects in work buffers (mgcwork.h)
 *   mgcmark.c   marking: shading, conservative and precise scans, drain
 *   mgcroots.c  roots: goroutine stacks (one at a time during the mark),
 *               globals, registered ranges
 *   mgcworker.c the background mark workers (dedicated, fractional, idle)
 *   mgcassist.c mark assists by allocating goroutines
 *   mgccheckmark.c  checkmark (GORT_DEBUG=gccheckmark=1)
 *   mgcsweep.c  sweeping: sweep generations, lazy and background sweeping
 *   mgcpacer.c  when the next cycle starts (mgcpacer.h)
 *   mgcverify.c the heap verifier (GORT_DEBUG=gcverify=1)
 *   mgcscavenge.c  memory back to the OS (mgcscavenge.h)
 *   mfinal.c    finalizers (mfinal.h; addrmap.c is their table)
 *   mstats.c    MemStats and the GC event ring (mstats.h)
 *   mheapsnapshot.c  the heap map for the page (gort.h)
 *
 * Invariants and locking: in each file's head.
 */
#ifndef GORT_MEM_MGC_H
#define GORT_MEM_MGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mspan;

/* ---- the cycle (mgc.c) ------------------------------------------------- */

/* The collector's phase (Go's gcphase): only the cycle moves it, with the
 * world stopped. Mutators run during GC_MARK (the concurrent collector),
 * with the write barrier on and new objects allocated black. */
enum gc_phase { GC_OFF = 0, GC_MARK, GC_MARKTERMINATION };
enum gc_phase gort__gc_phase(void);
/* The concurrent collector, unless GORT_GC=stw or gcstoptheworld=1 (the
 * settings, read once at start). */
bool gort__gc_concurrent(void);
/* The write barrier is on (Go's writeBarrier.enabled): mbarrier.h. */
bool gort__gc_write_barrier_on(void);

enum gc_trigger_kind { GC_TRIGGER_HEAP, GC_TRIGGER_TIME, GC_TRIGGER_FORCED };
/* Start a cycle if none is running, and wait until its mark has ended
 * (the heap trigger: the allocating goroutine pays by waiting, as Go's
 * gcStart makes it do the stop-the-world). A no-op where waiting is not
 * allowed (runtime locks held, no goroutine). */
void gort__gc_start(enum gc_trigger_kind kind);

/* Park the calling goroutine until the cycle in progress (if any) has
 * ended its mark (an assist that cannot pay: mgcassist.c). */
void gort__gc_wait_mark_end(void);

/* For sysmon: when no cycle ran for 2 minutes (and GOGC is not off),
 * asks for one and returns the collector's parked goroutine for the
 * caller to make runnable (NULL: nothing to do). */
struct g;
struct g *gort__gc_forced_due(int64_t now);
extern _Atomic(int64_t)
    gort__gc_force_period_ns; /* 2 minutes; tests shorten it */

/* A whole collection, from a goroutine: a new cycle, then the sweep of
 * the whole heap; its sweep totals. 0, or GORT_ENOMEM. */
struct gort__sweep_result {
  uint64_t objects_freed, bytes_freed, spans_freed;
  uint64_t objects_live, bytes_live;
};
int gort__gc_collect(struct gort__sweep_result *result);

/* ---- marking (mgcmark.c) ----------------------------------------------- */

struct gcwork;
struct mspan;
/* A mark begins (world stopped): counters to zero. */
void gort__gc_mark_begin(void);
/* Shade the object word w points into (any byte of it), if any: mark it
 * and, if it may hold pointers, put it grey in gcw. */
void gort__gc_shade(uintptr_t w, struct gcwork *gcw);
/* Every aligned word in [lo, hi) shades what it points to (a root
 * range: counted in gort__gc_scanned_root_bytes). */
void gort__gc_mark_range(const void *lo, const void *hi, struct gcwork *gcw);
/* Is the object containing p marked; scan what it points to without
 * marking it (Go's markrootSpans does this for objects with finalizers). */
bool gort__gc_is_marked(const void *p);
void gort__gc_scan_object(const void *p, struct gcwork *gcw);
/* Scan grey objects from gcw, then from the full list, until none is
 * left (true) or budget bytes were scanned or the calling goroutine was
 * asked to yield (false; budget < 0: no budget, no early stop). A large
 * object is scanned GC_OBLET_BYTES at a time, each part a work item, and
 * the request to yield is looked at after every 64 objects or oblet's
 * worth of bytes (Go's maxObletBytes). */
enum { GC_OBLET_BYTES = 128 * 1024 };
bool gort__gc_drain(struct gcwork *gcw, int64_t budget);
/* Bytes of root ranges scanned since mark_begin. */
uint64_t gort__gc_scanned_root_bytes(void);

/* ---- assists (mgcassist.c) -------------------------------------------- */

/* A mark begins (world stopped): the assist ratio from the scan work
 * expected and the bytes left before the goal. It ends: no assists. */
void gort__gc_assist_begin(uint64_t scan_expected, uint64_t heap_live,
                           uint64_t goal);
void gort__gc_assist_end(void);
/* The calling goroutine allocated bytes during the mark: pay for them. */
void gort__gc_assist_alloc(uint64_t bytes);
/* The collector's own marking banks what it scanned, for assists. */
void gort__gc_bg_credit_add(uint64_t scanned);
/* Time spent in assists since the last call (gctrace, CPU accounting). */
uint64_t gort__gc_assist_take_ns(void);

/* ---- background mark workers (mgcworker.c) ----------------------------- */

/* For the scheduler: a mark worker to run on pp now (NULL: none), for
 * its share of the time, or because it has nothing else to run. */
struct p;
struct g *gort__gc_find_worker(struct p *pp);
struct g *gort__gc_idle_worker(struct p *pp);
/* For the cycle: at least procs workers exist (before the first stop of
 * the world: it makes goroutines); the mark begins (world stopped: the
 * dedicated and fractional shares for procs Ps); it ends (their times);
 * park until the workers ran dry with nothing left in the global lists. */
void gort__gc_workers_ensure(int32_t procs);
void gort__gc_workers_begin(int32_t procs, int64_t now);
void gort__gc_workers_end(uint64_t *background_ns, uint64_t *idle_ns);
void gort__gc_workers_wait_dry(void);
/* An assist drains from here to leave: counted with the running workers,
 * so the collector does not take the global lists' emptiness for the end
 * of the mark while the assist holds a buffer it took from them (Go's
 * assists leave work.nwait the same way). Leaving wakes the collector if
 * no marker is left and nothing is in the global lists. */
void gort__gc_assist_drain_enter(void);
void gort__gc_assist_drain_leave(void);

/* ---- checkmark (mgccheckmark.c), world stopped ------------------------- */

/* After a concurrent mark: mark again from the roots with separate bits;
 * any reachable object the mark left white is fatal ("missing write
 * barrier?"). */
void gort__gc_checkmark(void);
extern bool gort__gc_checkmarking; /* during that pass */
void gort__gc_checkmark_shade(struct mspan *s, uint32_t idx, uintptr_t w,
                              uintptr_t slot, struct gcwork *gcw);
void gort__gc_checkmark_scanning(uintptr_t obj, struct mspan *s);

/* ---- roots (mgcroots.c) ------------------------------------------------ */

struct g;
/* With the world stopped: the stacks of every goroutine but the
 * caller's. */
void gort__gc_mark_goroutines(struct gcwork *gcw);
/* The program's global data. */
void gort__gc_mark_globals(struct gcwork *gcw);
/* Concurrently (mgc.c's concurrent mark): scan every goroutine's stack
 * once this cycle, each at a safe point (Go's markroot with suspendG):
 * a parked, runnable or blocked goroutine is held by its status's scan
 * bit while the collector scans it; a running one is asked to yield and
 * scans itself at its preemption point (gort__gc_scan_self). Returns when
 * every goroutine that existed at the mark's start has been scanned.
 * gen is the cycle's scan generation. */
void gort__gc_scan_stacks(uint32_t gen);
/* A goroutine at its preemption point, on g0 (its context saved): scan
 * its stack into its P's gcwork if the mark wants it. */
void gort__gc_scan_self(struct g *gp);
/* The scan generation: a goroutine whose g->gcscan_gen equals it has been
 * scanned this cycle (or was made during the mark: born black). */
uint32_t gort__gc_scan_gen(void);
void gort__gc_scan_gen_next(void); /* a mark begins (world stopped) */
/* ---- What the runtime holds for the program (mgcroots.c) ---------------
 *
 * The runtime's own objects live in C memory, which the collector does
 * not scan. Some of them hold words the program handed over (a timer's or
 * a task's argument, a call's result, a context's value, buffered channel
 * elements), often the only reference left to a GC object. Each such
 * object holds those words in one way only, a gc_root, registered before
 * the object is visible to any other thread and removed when the runtime
 * lets go of the words (a call finished, the object freed). Go gets this
 * for free, its runtime objects being heap objects; here it is the one
 * constructor/destructor pair below, so that holding a user word without
 * a root is visible in review:
 *
 *   - Fixed words: declare them as one member with GC_HELD(fields), e.g.
 *       GC_HELD(void *arg; void *val;) held;
 *     read and write them only as held.v.arg, and register them with
 *     gort__gc_held_add(&x->held) / gort__gc_held_remove(&x->held). A
 *     user word as a plain field of a runtime struct is the mistake
 *     (docs/API.md, "Memory: what the runtime keeps alive", lists them).
 *   - A buffer (a channel's): a struct gc_root over [lo, hi).
 *   - gort__gc_root_add on a registered root, or _remove on one that is
 *     not, throws; gort__gc_roots_registered counts the holders (tests
 *     check that each kind adds one and gives it back).
 *
 * Add and remove take one lock of a sharded registry (a leaf; the shard
 * is picked by the root's address), never a global one: they may be
 * called with any runtime lock held, on any M, without a goroutine.
 */
struct gc_root {
  const void *lo, *hi;
  struct gc_root *prev, *next; /* (the shard's lock) */
  bool registered;             /* (the shard's lock) */
};
void gort__gc_root_add(struct gc_root *r, const void *lo, const void *hi);
void gort__gc_root_remove(struct gc_root *r);
/* Roots registered now, the program's (gort_gc_add_root) included. */
size_t gort__gc_roots_registered(void);

/* An anonymous struct of the fields (v) and their root. */
#define GC_HELD(...)                                                           \
  struct {                                                                     \
    struct {                                                                   \
      __VA_ARGS__                                                              \
    } v;                                                                       \
    struct gc_root root;                                                       \
  }
#define gort__gc_held_add(h) gort__gc_root_add(&(h)->root, &(h)->v, &(h)->v + 1)
#define gort__gc_held_remove(h) gort__gc_root_remove(&(h)->root)

/* Scan every registered range, and the P timer heaps. */
void gort__gc_mark_runtime_objects(struct gcwork *gcw);

/* ---- sweeping (mgcsweep.c) --------------------------------------------- */

uint32_t gort__sweepgen(void);
enum sweep_outcome { SWEEP_KEPT, SWEEP_FREED };
/* Sweep s, which the caller took off its list (its sweepgen must be
 * sg - 2). SWEEP_FREED: its pages went back to the heap. */
enum sweep_outcome gort__sweep_span(struct mspan *s);
/* A large object's new span joins the swept large list. */
void gort__sweep_large_add(struct mspan *s);
/* Sweep spans until npages came free or nothing is unswept. */
void gort__sweep_reclaim(uintptr_t npages);
/* Sweep everything left and wait for other sweepers (from a goroutine). */
void gort__sweep_finish(void);
bool gort__sweep_done(void);
/* End of a mark (world stopped, every P's cache emptied): sg += 2. */
void gort__sweep_flip(void);
void gort__sweep_wake_background(void);
/* This cycle's sweep totals so far. */
void gort__sweep_results(struct gort__sweep_result *r);
/* Empty every P's cache, flip, sweep everything: a mark followed by an
 * eager sweep, for tests that drive the phases themselves. */
void gort__gc_sweep(struct gort__sweep_result *r);
uint32_t gort__count_bits(const uint64_t *bits, uint32_t n);

/* ---- the heap verifier (mgcverify.c), world stopped -------------------- */

/* After the mark: allocation counts match the bits, marks only on
 * allocated slots, and no marked object points at an unmarked or free
 * slot. After the sweep: counts match, no mark bit left, every span
 * swept. A failure prints what is wrong and throws. */
void gort__gc_verify_marked(void);
void gort__gc_verify_swept(void);

#endif
