/*
 * stack.c - the goroutine stack pool.
 *
 * A slot is [guard][usable stack]. Slots are carved from chunks of
 * STACKS_PER_CHUNK reserved with gort__os_reserve (lazily committed: a new
 * goroutine costs only the pages its calls touch). The guard is made with
 * gort__os_guard; on Linux >= 6.13 that is MADV_GUARD_INSTALL, which adds no
 * memory mapping, so a million guarded stacks stay far below
 * vm.max_map_count. Where no guard can be had (wasm; old kernels past the
 * mprotect budget) the lowest word of the stack holds a canary, checked
 * every time the goroutine switches out (gort__stack_check), which also checks
 * that the stack pointer is inside the stack (a frame that jumped the guard). A
 * frame larger than the guard is caught as it is made only if probed: see
 * cmake/GortStackClash.cmake and docs/API.md, "Stack overflow".
 *
 * A stack handed out has its top page committed with one
 * gort__os_populate call: a new goroutine's first frames land there, and
 * committing ahead costs a twelfth of taking the page fault under
 * virtualisation (measured: 1.0 vs 11.8 us a page on this project's VM).
 *
 * Freed stacks go to the P's cache (STACK_CACHE_SIZE), half of it spilling
 * to the global pool when full and refilling from it when empty, as Go's
 * stackcache does (stack.go). Memory goes back to the OS off the hot path:
 * sysmon calls gort__stack_scavenge about once a second, which decommits
 * the pool's stacks beyond STACK_POOL_WARM that nobody took since the last
 * pass (the pool is a LIFO, so those are the ones below its low-water
 * mark), so a burst of goroutines does not pin its peak memory forever,
 * and a steady load never pays a page fault per goroutine. (Decommitting
 * on every free cost a TLB shootdown per stack: a quarter of the time of
 * the timers workload.)
 *
 * Out of memory: a stack that cannot be had (the OS refuses a chunk's
 * reservation, or GORT_DEBUG=failstackalloc=N says it would) is Go's
 * "fatal error: out of memory", exit 2, before anything about the G that
 * wanted it has changed.
 *
 * GORT_STACK_SIZE sets the usable size, from the OS layer's minimum
 * (gort__os_min_stack_size: 16K natively, 2K on wasm) to 1G (16M on
 * 32-bit targets); anything else, or text that is not a size, is fatal at
 * start (sched/settings.c reads and checks it; the bounds are why slot
 * sizes cannot wrap).
 *
 * System stacks. The main goroutine and the runtime's own goroutines
 * (collector, sweeper, scavenger, finalizers) get at least
 * gort__os_system_stack_size, from a second pool of its own (no per-P
 * cache: there are a few of them, made once). Natively that is 0 and the
 * second pool is never used. On wasm, where a goroutine costs
 * its whole stack, ordinary goroutines get 3 KiB (the deepest any workload
 * or test goroutine went, measured with GORT_DEBUG=stackdepth=1, was
 * 2,768 bytes: select4; docs/PERFORMANCE.md, "Bytes per goroutine"), but
 * these get more: main runs the program's own code (the CLI's workloads
 * run there, binary_trees recursing), finalizers run arbitrary callbacks
 * and the finalizer goroutine scrubs 8 KiB below itself
 * (gort__stack_scrub_below), and the collector's goroutines never end, so
 * stackdepth.c (which measures a stack when it is freed) never measured
 * them. 32 KiB, the old default, costs nothing for a handful of them.
 *
 * Invariants:
 *   - min <= stack_usable <= 1G (16M on 32-bit; rounded up to a page
 *     where stacks are guarded, to 16 bytes where they cannot be; sched/
 *     settings.c checks), so slot_size * STACKS_PER_CHUNK cannot wrap; the
 *     system pool's usable size is the larger of it and the OS's system
 *     size.
 *   - Every stack in a cache or the pool is whole: canaries (if unguarded)
 *     are rewritten by gort__stackalloc, so decommitted stacks are fine.
 *   - Both pools' sizes and guard_size never change after
 *     gort__stack_init; a gstack's big flag says which pool it goes back
 *     to.
 *
 * Locking: each pool's lock guards it (never both held); a P's stackcache
 * is its owner's.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/sanitizer.h"
#include "debug/print.h"
#include "mem/mheap.h"
#include "os/os.h"
#include "sched/settings.h"
#include "sched/stack.h"

enum { STACKS_PER_CHUNK = 16, STACK_POOL_WARM = 256 };
enum { NATIVE_GUARD_SIZE = 16 * 1024 };

static const uint64_t CANARY_SEED = 0x9e3779b97f4a7c15ull;

static size_t guard_size; /* bytes below each stack */

struct stackpool {
  struct mutex lock;
  size_t usable, slot_size; /* usable bytes per stack; with its guard */
  bool big;                 /* the system pool: its stacks say so */
  struct gstack *items;
  size_t len, cap;
  size_t total;       /* stacks ever made; cap >= total, so frees always fit */
  size_t low;         /* smallest len since the last scavenge pass */
  size_t decommitted; /* items[0..decommitted) are known decommitted */
};
static struct stackpool pool = {.lock =
                                    GORT_LOCK_INITIALIZER(LOCK_RANK_STACKPOOL)};
static struct stackpool syspool = {
    .lock = GORT_LOCK_INITIALIZER(LOCK_RANK_STACKPOOL), .big = true};

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

void gort__stack_init(void) {
  size_t page = gort__os_page_size();
  bool guarded = strcmp(gort__os_guard_kind(), "none") != 0;
  /* Unguarded stacks need no page alignment: nothing is protected. */
  size_t align = guarded ? page : 16;
  guard_size = guarded ? round_up(NATIVE_GUARD_SIZE, page) : 0;
  pool.usable = round_up(gort__settings.stack_size, align);
  pool.slot_size = guard_size + pool.usable;
  size_t sys = round_up(gort__os_system_stack_size(), align);
  syspool.usable = sys > pool.usable ? sys : pool.usable;
  syspool.slot_size = guard_size + syspool.usable;
}

size_t gort__stack_usable_size(void) { return pool.usable; }

static uint64_t canary_for(uintptr_t where) { return CANARY_SEED ^ where; }

static void write_canaries(struct gstack *s) {
  if (!s->guarded)
    *(uint64_t *)s->lo = canary_for(s->lo);
}

/* Carve a new chunk into sp; sp->lock must be held. False, with the pool
 * unchanged, when the OS or the C heap refuses. */
static bool grow_pool_locked(struct stackpool *sp) {
  GORT_ASSERT_LOCKED(&sp->lock);
  size_t slot_size = sp->slot_size;
  /* GORT_DEBUG=failstackalloc=N counts the goroutine pool's chunks only:
   * the system pool (wasm only) takes one at start-up. */
  char *chunk = gort__os_reserve(slot_size * STACKS_PER_CHUNK,
                                 sp->big ? OS_REQ_OTHER : OS_REQ_STACK);
  if (chunk == NULL)
    return false;
  if (sp->cap < sp->total + STACKS_PER_CHUNK) {
    size_t ncap = sp->cap ? sp->cap * 2 : 64;
    while (ncap < sp->total + STACKS_PER_CHUNK)
      ncap *= 2;
    struct gstack *items = realloc(sp->items, ncap * sizeof *items);
    if (items == NULL) {
      gort__os_release(chunk, slot_size * STACKS_PER_CHUNK);
      return false;
    }
    sp->items = items;
    sp->cap = ncap;
  }
  for (int i = 0; i < STACKS_PER_CHUNK; i++) {
    char *slot = chunk + (size_t)i * slot_size;
    struct gstack s = {0};
    s.guarded = guard_size > 0 && gort__os_guard(slot, guard_size) == 0;
    s.big = sp->big;
    s.lo = (uintptr_t)(slot + guard_size);
    s.hi = s.lo + sp->usable;
    sp->items[sp->len++] = s;
  }
  sp->total += STACKS_PER_CHUNK;
  return true;
}

/* sp->lock held; dies (out of memory) when sp is empty and cannot grow,
 * after unlocking. See refill. */
static void ensure_stack_locked(struct stackpool *sp) {
  if (sp->len == 0 && !grow_pool_locked(sp)) {
    uint64_t in_use = (uint64_t)sp->total * sp->slot_size;
    gort__unlock(&sp->lock);
    gort__print_oom(sp->slot_size * STACKS_PER_CHUNK, in_use);
    gort__throw("out of memory");
  }
}

/* Take one stack out of sp; sp->lock held. */
static struct gstack take_locked(struct stackpool *sp) {
  struct gstack s = sp->items[--sp->len];
  if (sp->len < sp->low)
    sp->low = sp->len;
  if (sp->len < sp->decommitted)
    sp->decommitted = sp->len;
  return s;
}

/* Move up to n stacks from the global pool into pp's cache. When the pool
 * is empty and cannot grow, the program dies as Go's stackalloc does
 * (stack.go: throw("out of memory")), after mheap.go's line saying how
 * much was asked and how much stack memory is held. Nothing has changed
 * by then: the G that wanted the stack is still runnable, unstarted. */
static void refill(struct p *pp, int n) {
  gort__lock(&pool.lock);
  ensure_stack_locked(&pool);
  while (n-- > 0 && pool.len > 0)
    pp->stackcache[pp->stackcachecnt++] = take_locked(&pool);
  gort__unlock(&pool.lock);
}

void gort__stack_stats(uint64_t *inuse, uint64_t *sys) {
  *sys = *inuse = 0;
  struct stackpool *pools[] = {&pool, &syspool};
  for (int i = 0; i < 2; i++) {
    struct stackpool *sp = pools[i];
    gort__lock(&sp->lock);
    *sys += (uint64_t)sp->total * sp->slot_size;
    *inuse += (uint64_t)(sp->total - sp->len) * sp->slot_size;
    gort__unlock(&sp->lock);
  }
}

/* Move n stacks from pp's cache to the global pool. */
static void spill(struct p *pp, int n) {
  gort__lock(&pool.lock);
  while (n-- > 0) {
    struct gstack s = pp->stackcache[--pp->stackcachecnt];
    if (pool.len == pool.cap) /* impossible while cap >= total */
      gort__throw("runtime: stack pool overflow");
    pool.items[pool.len++] = s;
  }
  gort__unlock(&pool.lock);
}

/* Put s back into sp. */
static void put_back(struct stackpool *sp, const struct gstack *s) {
  gort__lock(&sp->lock);
  if (sp->len == sp->cap) /* impossible while cap >= total */
    gort__throw("runtime: stack pool overflow");
  sp->items[sp->len++] = *s;
  gort__unlock(&sp->lock);
}

void gort__stackalloc(struct p *pp, struct gstack *s, bool system) {
  if (system && syspool.usable > pool.usable) {
    gort__lock(&syspool.lock);
    ensure_stack_locked(&syspool);
    *s = take_locked(&syspool);
    gort__unlock(&syspool.lock);
  } else {
    if (pp->stackcachecnt == 0)
      refill(pp, STACK_CACHE_SIZE / 2);
    *s = pp->stackcache[--pp->stackcachecnt];
  }
  if (!s->committed) {
    size_t page = gort__os_page_size();
    if (page > s->hi - s->lo)
      page = s->hi - s->lo;
    gort__os_populate((void *)(s->hi - page), page);
    s->committed = true;
  }
  write_canaries(s);
  gort__stackdepth_paint(s);
}

void gort__stackfree(struct p *pp, struct gstack *s) {
  gort__stackdepth_measure(s);
  if (s->big) {
    put_back(&syspool, s);
    memset(s, 0, sizeof *s);
    return;
  }
  if (pp->stackcachecnt == STACK_CACHE_SIZE)
    spill(pp, STACK_CACHE_SIZE / 2);
  pp->stackcache[pp->stackcachecnt++] = *s;
  memset(s, 0, sizeof *s);
}

/* Go's report (stack.go, newstack: "runtime: goroutine stack exceeds
 * N-byte limit", then "fatal error: stack overflow"), for both ways an
 * overflow is caught: the guard touched (the fault handler, proc.c) and
 * the checks at a switch (gort__stack_check). */
_Noreturn void gort__stack_overflow(const struct g *gp, const char *why,
                                    uintptr_t guard_addr) {
  gort__print_str("runtime: goroutine stack exceeds ");
  gort__print_uint(gp->stack.hi - gp->stack.lo);
  gort__print_str("-byte limit");
  if (why != NULL) {
    gort__print_str(" (");
    gort__print_str(why);
    gort__print_str(")");
  }
  gort__print_str("\nruntime: goroutine ");
  gort__print_int(gp->goid);
  if (guard_addr != 0) {
    gort__print_str(" touched guard page addr=");
    gort__print_hex(guard_addr);
  }
  gort__print_str(" stack=[");
  gort__print_hex(gp->stack.lo);
  gort__print_str(", ");
  gort__print_hex(gp->stack.hi);
  gort__print_str("]\n");
  gort__fatal("stack overflow");
}

/* Not instrumented by the sanitizers, so that the array is on the real
 * stack and has no redzones left unwritten. */
static GORT_NO_SANITIZE_SCAN __attribute__((noinline)) void
scrub_words(size_t n) {
  volatile uintptr_t words[n];
  for (size_t i = 0; i < n; i++)
    words[i] = 0;
  (void)words[0]; /* a volatile read: the array is used (gcc) */
}

/* Bounded by the goroutine's stack: SCRUB_BYTES, or what lies between the
 * caller's frame and SCRUB_MARGIN above the stack's end (room for
 * scrub_words' own frame, the red zone and the canary). */
enum { SCRUB_BYTES = 8192, SCRUB_MARGIN = 512 };

__attribute__((noinline)) void gort__stack_scrub_below(void) {
  struct g *gp = gort__getg();
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  size_t room = SCRUB_BYTES;
  if (gp != NULL && sp > gp->stack.lo && sp <= gp->stack.hi) {
    size_t below = sp - gp->stack.lo;
    room = below > SCRUB_MARGIN ? below - SCRUB_MARGIN : 0;
    if (room > SCRUB_BYTES)
      room = SCRUB_BYTES;
  }
  if (room >= sizeof(uintptr_t))
    scrub_words(room / sizeof(uintptr_t));
}

void gort__stack_check(struct g *gp) {
  const struct gstack *s = &gp->stack;
  /* This runs on gp's own stack as it switches out. A frame that jumped
   * the guard (code compiled without -fstack-clash-protection) and then
   * called the runtime leaves the stack pointer below the stack: whatever
   * it wrote there is done, but it goes no further. (The frame address,
   * not a local's: under ASan a local may live on a fake stack.) */
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  if (sp < s->lo || sp > s->hi)
    gort__stack_overflow(gp, "stack pointer outside the stack at a switch", 0);
  if (!s->guarded && *(const uint64_t *)s->lo != canary_for(s->lo))
    gort__stack_overflow(gp, "canary at the stack's end was overwritten", 0);
}

bool gort__stack_in_guard(const struct g *gp, uintptr_t addr) {
  const struct gstack *s = &gp->stack;
  return s->guarded && addr < s->lo && addr >= s->lo - guard_size;
}

void gort__stackcache_release(struct p *pp) {
  if (pp->stackcachecnt > 0)
    spill(pp, pp->stackcachecnt);
}

void gort__stack_scavenge(void) {
  gort__lock(&pool.lock);
  /* items[0..low) were not touched since the last pass. (The system pool
   * holds a few stacks, for goroutines that rarely end: never scavenged.) */
  size_t upto = pool.low > STACK_POOL_WARM ? pool.low - STACK_POOL_WARM : 0;
  for (size_t i = pool.decommitted; i < upto; i++) {
    struct gstack *s = &pool.items[i];
    gort__os_decommit((void *)s->lo, s->hi - s->lo);
    s->committed = false;
  }
  if (upto > pool.decommitted)
    pool.decommitted = upto;
  pool.low = pool.len;
  gort__unlock(&pool.lock);
}
