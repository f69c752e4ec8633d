/*
 * mgcroots.c - the roots of the mark (Go's markroot in mgcmark.go,
 * conservative as gort scans them): goroutine stacks and arguments, the
 * program's globals, and what the runtime holds for the program.
 *
 * A suspended goroutine keeps what it needs in [saved sp, top of stack):
 * the native switches push the callee-saved registers there, and a
 * signal-preempted goroutine's whole register file is saved there too.
 * Where the backend cannot tell the saved sp (ucontext: registers in the
 * context itself) the whole stack and the context are scanned; on wasm
 * the goroutine's wasm locals live in its saved Asyncify data, outside
 * the stack (gort__context_saved_data: exactly what its switch saved). The
 * runtime's own goroutines that hold no GC pointer (the collector's, the
 * sweepers': gort__go_system with holds_heap_pointers false) are not scanned:
 * span bases left in their frames would keep those spans' first objects. A
 * goroutine that never ran has only its argument (g->arg, scanned until it
 * exits). A goroutine in a blocking call keeps running: its whole stack is
 * scanned. A value in flight through a channel is always in memory its
 * goroutine's stack reaches: a parked sender's sudog points at the value in the
 * sender's frame (or the program's memory), a parked receiver's at its
 * destination (Go's sudog.elem, which also points into stacks).
 *
 * Globals: the program's data and bss (os.h's data ranges).
 *
 * What the runtime holds for the program: every runtime object in C
 * memory that keeps a word the program gave it registers the range of
 * those words (mgc.h, "What the runtime holds for the program": a
 * gc_root, GC_HELD for fixed words). The holders today: channel buffers
 * whose elements can hold a pointer; value contexts (key and value);
 * AfterFunc timers and context AfterFunc registrations (the argument);
 * errgroup tasks not yet started (the argument); singleflight calls (the
 * argument and the result); the program's own C ranges
 * (gort_gc_add_root); and every P's timer heap array (time.c's
 * gort__timers_mark: GC-heap timers, gort_set_gc_handles, are reachable
 * while queued). A timer's channel carries times (no root); conns
 * carry no user data (a parked read or write keeps its buffer in its
 * goroutine's frame).
 *
 * The registry is sharded by the root's address (SHARDS lists, each with
 * its lock): registering takes one shard's lock, so channels and timers
 * made on different Ps do not meet on one lock. The mark walks every
 * shard.
 *
 * Invariants: marking is called with the world stopped; only the
 * caller's own goroutine may be running, and it is not scanned (it must
 * hold no heap pointer the collection has to keep, or keep it in a root
 * range). A root is on its shard's list iff registered.
 *
 * Locking: allglock while walking allgs. Each shard's lock is a leaf,
 * taken under any runtime lock (a singleflight group's, a context's);
 * user_lock guards the program's roots (order: sched/lockrank.c).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "arch/context.h"
#include "debug/print.h"
#include "mem/addrmap.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runtime2.h"
#include "time/timer.h"

/* gp is held still: by its scan bit, by the stopped world, or it is the
 * caller at its preemption point. Its stack and context are made only
 * once it runs (proc.c, prepare_run), so they are complete here. */
static void mark_goroutine(struct g *gp, struct gcwork *gcw) {
  gort__gc_mark_range(&gp->arg, &gp->arg + 1, gcw);
  if (gp->stack.lo == 0)
    return; /* never ran: no stack yet */
  uintptr_t lo = gp->stack.lo, hi = gp->stack.hi;
  if (gort__readgstatus(gp) != G_SYSCALL) {
    uintptr_t sp = (uintptr_t)gort__context_saved_sp(&gp->ctx);
    if (sp >= lo && sp < hi)
      lo = sp;
  }
  gort__gc_mark_range((const void *)lo, (const void *)hi, gcw);
  size_t regs_size;
  const char *regs = gort__context_saved_regs(&gp->ctx, &regs_size);
  gort__gc_mark_range(regs, regs + regs_size, gcw);
  size_t saved_size;
  const char *saved = gort__context_saved_data(&gp->ctx, &saved_size);
  if (saved_size > 0)
    gort__gc_mark_range(saved, saved + saved_size, gcw);
}

void gort__gc_mark_goroutines(struct gcwork *gcw) {
  struct g *self = gort__getg();
  gort__lock(&gort__allglock);
  for (size_t i = 0; i < gort__allglen; i++) {
    struct g *gp = gort__allgs[i];
    uint32_t status = gort__readgstatus(gp);
    if (gp == self || status == G_DEAD || status == G_IDLE ||
        gp->no_heap_pointers)
      continue;
    if (status == G_RUNNING) {
      gort__unlock(&gort__allglock);
      gort__throw("runtime: gc: a goroutine runs while stacks are marked");
    }
    mark_goroutine(gp, gcw);
  }
  gort__unlock(&gort__allglock);
}

/* ---- stacks during a concurrent mark -------------------------------------
 *
 * Go's markroot -> suspendG -> scanstack -> resumeG. A goroutine that is
 * not running is held still by setting the scan bit in its status (a
 * CAS): whoever wants to run or ready it spins in gort__casgstatus until
 * the scan is over. A running goroutine is asked to yield (its preempt
 * flag, and the signal where there is one); at its preemption point it
 * scans itself, on g0 with its context saved, before it goes back to a
 * run queue (gort__gc_scan_self): the collector never waits on a
 * goroutine that keeps getting rescheduled. Each goroutine is scanned
 * once per cycle (gcscan_gen); goroutines made during the mark start
 * black (proc.c: newproc shades their argument). */

static _Atomic(uint32_t) scan_gen;

uint32_t gort__gc_scan_gen(void) {
  return gort__atomic_load_relaxed(&scan_gen);
}

void gort__gc_scan_gen_next(void) { gort__atomic_add_relaxed(&scan_gen, 1); }

static struct gcwork *my_gcw(void) { return &gort__loadmp(gort__getm())->gcw; }

static bool scanned(struct g *gp, uint32_t gen) {
  return gort__atomic_load_acquire(&gp->gcscan_gen) == gen;
}

void gort__gc_scan_self(struct g *gp) {
  if (gort__gc_phase() != GC_MARK)
    return;
  uint32_t gen = gort__gc_scan_gen();
  if (scanned(gp, gen))
    return;
  if (!gp->no_heap_pointers) {
    mark_goroutine(gp, my_gcw());
    gort__gcw_dispose(my_gcw()); /* for the workers */
  }
  gort__atomic_store_release(&gp->gcscan_gen, gen);
}

/* Try to scan gp (not the caller): true when it is scanned or holds no
 * stack to scan. */
static bool try_scan(struct g *gp, uint32_t gen) {
  if (scanned(gp, gen))
    return true;
  uint32_t status = gort__readgstatus_raw(gp);
  switch (status) {
  case G_DEAD:
  case G_IDLE:
    return true; /* a goroutine made from it now starts black */
  case G_RUNNING:
    gort__preempt_g(gp); /* it scans itself at its preemption point */
    return false;
  case G_RUNNABLE:
  case G_WAITING:
  case G_SYSCALL:
    if (!gort__castogscanstatus(gp, status))
      return false; /* it moved on: look again */
    if (!scanned(gp, gen)) {
      if (!gp->no_heap_pointers)
        mark_goroutine(gp, my_gcw());
      gort__atomic_store_release(&gp->gcscan_gen, gen);
    }
    gort__casfromgscanstatus(gp, status);
    return true;
  default:
    return false; /* held by another scanner (its scan bit): look again */
  }
}

void gort__gc_scan_stacks(uint32_t gen) {
  struct g *self = gort__getg();
  gort__atomic_store_release(&self->gcscan_gen, gen);
  for (;;) {
    bool all = true;
    for (size_t i = 0;; i++) {
      gort__lock(&gort__allglock);
      struct g *gp = i < gort__allglen ? gort__allgs[i] : NULL;
      gort__unlock(&gort__allglock);
      if (gp == NULL)
        break;
      if (!try_scan(gp, gen))
        all = false;
    }
    if (all)
      return;
    /* Let the goroutines asked to yield reach their preemption point
     * (with one P, they run only if we step aside). */
    gort_yield();
  }
}

static void mark_data(const void *lo, const void *hi, void *arg) {
  gort__gc_mark_range(lo, hi, arg);
}

void gort__gc_mark_globals(struct gcwork *gcw) {
  gort__os_data_ranges(mark_data, gcw);
}

/* ---- the registry of runtime-held ranges -------------------------------- */

enum { SHARD_BITS = 5, SHARDS = 1 << SHARD_BITS, CACHE_LINE = 64 };

struct root_shard {
  struct mutex lock;
  struct gc_root *first; /* (lock) */
  size_t count;          /* (lock) */
};

/* One cache line each: shards taken on different Ps share no line. */
static _Alignas(CACHE_LINE) union {
  struct root_shard s;
  char pad[CACHE_LINE];
} shards[SHARDS] = {[0 ... SHARDS - 1] = {
                        .s.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_ROOT_SHARD)}};
_Static_assert(sizeof(struct root_shard) <= CACHE_LINE, "root_shard too big");

static struct root_shard *shard_of(const struct gc_root *r) {
  /* Fibonacci hashing: the top bits of the product mix every bit of the
   * address (roots sit at the same offset of similarly aligned blocks). */
  uintptr_t h = (uintptr_t)r * (uintptr_t)0x9e3779b97f4a7c15ull;
  return &shards[h >> (sizeof h * 8 - SHARD_BITS)].s;
}

void gort__gc_root_add(struct gc_root *r, const void *lo, const void *hi) {
  struct root_shard *sh = shard_of(r);
  gort__lock(&sh->lock);
  if (r->registered) {
    gort__unlock(&sh->lock);
    gort__throw("runtime: gc root registered twice");
  }
  r->lo = lo;
  r->hi = hi;
  r->prev = NULL;
  r->next = sh->first;
  if (sh->first)
    sh->first->prev = r;
  sh->first = r;
  r->registered = true;
  sh->count++;
  gort__unlock(&sh->lock);
  /* A mark may have walked this shard already: what the range holds now
   * is shaded (the insertion half of the barrier). */
  gort__wb_shade_range(lo, hi);
}

void gort__gc_root_remove(struct gc_root *r) {
  struct root_shard *sh = shard_of(r);
  /* A mark may not have walked it yet: what it held is shaded (the
   * deletion half of the barrier). */
  if (r->registered)
    gort__wb_shade_range(r->lo, r->hi);
  gort__lock(&sh->lock);
  if (!r->registered) {
    gort__unlock(&sh->lock);
    gort__throw("runtime: gc root removed but not registered");
  }
  if (r->prev)
    r->prev->next = r->next;
  else
    sh->first = r->next;
  if (r->next)
    r->next->prev = r->prev;
  r->prev = r->next = NULL;
  r->registered = false;
  sh->count--;
  gort__unlock(&sh->lock);
}

size_t gort__gc_roots_registered(void) {
  size_t n = 0;
  for (int i = 0; i < SHARDS; i++) {
    gort__lock(&shards[i].s.lock);
    n += shards[i].s.count;
    gort__unlock(&shards[i].s.lock);
  }
  return n;
}

void gort__gc_mark_runtime_objects(struct gcwork *gcw) {
  for (int i = 0; i < SHARDS; i++) {
    struct root_shard *sh = &shards[i].s;
    gort__lock(&sh->lock);
    for (struct gc_root *r = sh->first; r; r = r->next)
      gort__gc_mark_range(r->lo, r->hi, gcw);
    gort__unlock(&sh->lock);
  }
  gort__timers_mark(gcw); /* the P timer heaps (time.c): GC timers */
}

/* ---- C memory registered by the program (gort.h: gort_gc_add_root) ----
 *
 * Each registered range is a gc_root in the registry above, in a node
 * found by its base through an addrmap.h table (user_lock, taken
 * before a shard's lock). */

struct user_root {
  struct addr_entry by_base; /* first: the table's entry, keyed by base */
  struct gc_root root;
};

static struct mutex user_lock = GORT_LOCK_INITIALIZER(LOCK_RANK_USER_ROOTS);
static struct addr_map user_roots;

GORT_API int gort_gc_add_root(const void *base, size_t size) {
  gort__must_getg("gort_gc_add_root");
  if (base == NULL || size == 0 || (uintptr_t)base + size < (uintptr_t)base)
    return GORT_EINVAL;
  gort__lock(&user_lock);
  if (gort__addrmap_find(&user_roots, base) != NULL) {
    gort__unlock(&user_lock);
    return GORT_EINVAL;
  }
  struct user_root *r = calloc(1, sizeof *r);
  size_t asked;
  if (r != NULL)
    r->by_base.key = base;
  if (r == NULL || !gort__addrmap_insert(&user_roots, &r->by_base, &asked)) {
    gort__unlock(&user_lock);
    free(r);
    return GORT_ENOMEM;
  }
  gort__gc_root_add(&r->root, base, (const char *)base + size);
  gort__unlock(&user_lock);
  return 0;
}

GORT_API int gort_gc_remove_root(const void *base) {
  gort__must_getg("gort_gc_remove_root");
  gort__lock(&user_lock);
  struct addr_entry **link =
      base ? gort__addrmap_find(&user_roots, base) : NULL;
  if (link == NULL) {
    gort__unlock(&user_lock);
    return GORT_EINVAL;
  }
  struct user_root *r = (struct user_root *)*link;
  gort__addrmap_unlink(&user_roots, link);
  gort__gc_root_remove(&r->root);
  gort__unlock(&user_lock);
  free(r);
  return 0;
}
