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
 * GORT_STACK_SIZE sets the usable size, from 16K to 1G (16M on 32-bit
 * targets); anything else, or text that is not a size, is fatal at start
 * (sched/settings.c reads and checks it; the bounds are why slot sizes
 * cannot wrap).
 *
 * Invariants:
 *   - 16K <= stack_usable <= 1G (16M on 32-bit; rounded up to a page;
 *     sched/settings.c checks), so slot_size * STACKS_PER_CHUNK cannot
 *     wrap.
 *   - Every stack in a cache or the pool is whole: canaries (if unguarded)
 *     are rewritten by gort__stackalloc, so decommitted stacks are fine.
 *   - stack_usable and guard_size never change after gort__stack_init.
 *
 * Locking: pool.lock guards pool; a P's stackcache is its owner's.
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

static size_t stack_usable; /* usable bytes per stack */
static size_t guard_size;   /* bytes below each stack */
static size_t slot_size;

static struct {
  struct mutex lock;
  struct gstack *items;
  size_t len, cap;
  size_t total;       /* stacks ever made; cap >= total, so frees always fit */
  size_t low;         /* smallest len since the last scavenge pass */
  size_t decommitted; /* items[0..decommitted) are known decommitted */
} pool = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_STACKPOOL)};

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

void gort__stack_init(void) {
  size_t page = gort__os_page_size();
  stack_usable = round_up(gort__settings.stack_size, page);
  guard_size = strcmp(gort__os_guard_kind(), "none") == 0
                   ? 0
                   : round_up(NATIVE_GUARD_SIZE, page);
  slot_size = guard_size + stack_usable;
}

size_t gort__stack_usable_size(void) { return stack_usable; }

static uint64_t canary_for(uintptr_t where) { return CANARY_SEED ^ where; }

static void write_canaries(struct gstack *s) {
  if (!s->guarded)
    *(uint64_t *)s->lo = canary_for(s->lo);
}

/* Carve a new chunk into the pool; pool.lock must be held. False, with
 * the pool unchanged, when the OS or the C heap refuses. */
static bool grow_pool_locked(void) {
  GORT_ASSERT_LOCKED(&pool.lock);
  char *chunk = gort__os_reserve(slot_size * STACKS_PER_CHUNK, OS_REQ_STACK);
  if (chunk == NULL)
    return false;
  if (pool.cap < pool.total + STACKS_PER_CHUNK) {
    size_t ncap = pool.cap ? pool.cap * 2 : 64;
    while (ncap < pool.total + STACKS_PER_CHUNK)
      ncap *= 2;
    struct gstack *items = realloc(pool.items, ncap * sizeof *items);
    if (items == NULL) {
      gort__os_release(chunk, slot_size * STACKS_PER_CHUNK);
      return false;
    }
    pool.items = items;
    pool.cap = ncap;
  }
  for (int i = 0; i < STACKS_PER_CHUNK; i++) {
    char *slot = chunk + (size_t)i * slot_size;
    struct gstack s = {0};
    s.guarded = guard_size > 0 && gort__os_guard(slot, guard_size) == 0;
    s.lo = (uintptr_t)(slot + guard_size);
    s.hi = s.lo + stack_usable;
    pool.items[pool.len++] = s;
  }
  pool.total += STACKS_PER_CHUNK;
  return true;
}

/* Move up to n stacks from the global pool into pp's cache. When the pool
 * is empty and cannot grow, the program dies as Go's stackalloc does
 * (stack.go: throw("out of memory")), after mheap.go's line saying how
 * much was asked and how much stack memory is held. Nothing has changed
 * by then: the G that wanted the stack is still runnable, unstarted. */
static void refill(struct p *pp, int n) {
  gort__lock(&pool.lock);
  if (pool.len == 0 && !grow_pool_locked()) {
    uint64_t in_use = (uint64_t)pool.total * slot_size;
    gort__unlock(&pool.lock);
    gort__print_oom(slot_size * STACKS_PER_CHUNK, in_use);
    gort__throw("out of memory");
  }
  while (n-- > 0 && pool.len > 0)
    pp->stackcache[pp->stackcachecnt++] = pool.items[--pool.len];
  if (pool.len < pool.low)
    pool.low = pool.len;
  if (pool.len < pool.decommitted)
    pool.decommitted = pool.len;
  gort__unlock(&pool.lock);
}

void gort__stack_stats(uint64_t *inuse, uint64_t *sys) {
  gort__lock(&pool.lock);
  *sys = (uint64_t)pool.total * slot_size;
  *inuse = (uint64_t)(pool.total - pool.len) * slot_size;
  gort__unlock(&pool.lock);
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

void gort__stackalloc(struct p *pp, struct gstack *s) {
  if (pp->stackcachecnt == 0)
    refill(pp, STACK_CACHE_SIZE / 2);
  *s = pp->stackcache[--pp->stackcachecnt];
  if (!s->committed) {
    size_t page = gort__os_page_size();
    gort__os_populate((void *)(s->hi - page), page);
    s->committed = true;
  }
  write_canaries(s);
  gort__stackdepth_paint(s);
}

void gort__stackfree(struct p *pp, struct gstack *s) {
  gort__stackdepth_measure(s);
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
  gort__print_uint(stack_usable);
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
GORT_NO_SANITIZE_SCAN __attribute__((noinline)) void
gort__stack_scrub_below(void) {
  volatile uintptr_t words[1024];
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    words[i] = 0;
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
  /* items[0..low) were not touched since the last pass. */
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
