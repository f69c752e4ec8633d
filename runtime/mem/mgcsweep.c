/*
 * mgcsweep.c - sweeping: turning a span's mark bits into its alloc bits
 * after a mark, lazily (Go's mgcsweep.go).
 *
 * The heap's sweep generation sg grows by 2 at the end of every mark, with
 * the world stopped (sweep_flip); from then on every span made before is
 * unswept (its sweepgen is sg - 2) and is swept by whoever reaches it
 * first:
 *   - a P taking a span of its class (mcentral.c's cache_span sweeps
 *     unswept spans of the class until one has room);
 *   - the heap about to grow (sweep_reclaim sweeps spans of any class
 *     until enough pages came free: garbage is reused before new memory is
 *     taken);
 *   - the background sweeper, a system goroutine woken after each mark,
 *     sweeping one span at a time and yielding often (Go's bgsweep);
 *   - the next cycle, which finishes what is left before it stops the
 *     world (Go's sweep termination), and gort_gc, which sweeps the whole
 *     heap before it returns (as runtime.GC does).
 * No stop-the-world sweep of the whole heap exists.
 *
 * Sweeping one span: claim it (sweepgen sg - 2 -> sg - 1, a CAS, so only
 * one sweeper ever touches it), count the objects freed, give the span
 * back to the page heap if nothing in it is marked, else make the mark
 * bits its alloc bits (freed slots are reused from index 0 and zeroed
 * when handed out), clear the mark bits, set sweepgen to sg and put it on
 * its class's swept list.
 *
 * Large objects' spans sit on a list of their own here, swept the same
 * way (Go keeps them in the central sets of size class 0).
 *
 * Invariants: between two flips, a span is swept at most once; every
 * span is swept before the next mark begins (the cycle calls
 * sweep_finish, and checks it under gcverify). A span being swept is on
 * no list.
 * Locking: large_lock (a leaf) for the large lists; the central lists'
 * locks in mcentral.c; sweeping itself holds no lock but the heap's,
 * inside gort__mheap_free.
 */
#include <string.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "mem/mgcscavenge.h"
#include "mem/mstats.h"
#include "sched/mp.h"
#include "sched/runtime2.h"
#include "sync/sema.h"

static struct {
  _Atomic(uint32_t) sg;     /* even; written with the world stopped */
  _Atomic(int32_t) active;  /* sweepers in the middle of a span */
  _Atomic(uint32_t) done;   /* nothing unswept is left */
  _Atomic(uint32_t) cursor; /* where sweep_one starts looking */
  struct mutex large_lock;
  struct span_list large[2]; /* [sg / 2 % 2]: swept */
  bool large_ready;
  /* This cycle's totals, since the last flip. */
  _Atomic(uint64_t) objects_freed, bytes_freed, spans_freed;
  _Atomic(uint64_t) objects_live, bytes_live;
  /* The background sweeper: started once (bg_start), woken through its
   * semaphore when bg_pending goes from 0 to 1. */
  gort_once bg_start;
  _Atomic(uint32_t) bg_pending;
  _Atomic uint32_t bg_sema;
} sweep = {.done = 1,
           .bg_start = GORT_ONCE_INIT,
           .large_lock = GORT_LOCK_INITIALIZER(LOCK_RANK_SWEEP_LARGE)};

uint32_t gort__sweepgen(void) { return gort__atomic_load_acquire(&sweep.sg); }

/* ---- large spans ------------------------------------------------------------
 */

static void large_init_locked(void) {
  GORT_ASSERT_LOCKED(&sweep.large_lock);
  if (!sweep.large_ready) {
    gort__span_list_init(&sweep.large[0]);
    gort__span_list_init(&sweep.large[1]);
    sweep.large_ready = true;
  }
}

static int large_set(bool swept) {
  return (int)((gort__sweepgen() / 2 + (swept ? 0 : 1)) % 2);
}

void gort__sweep_large_add(struct mspan *s) {
  gort__atomic_store_relaxed(&s->sweepgen, gort__sweepgen());
  gort__lock(&sweep.large_lock);
  large_init_locked();
  gort__span_list_push(&sweep.large[large_set(true)], s);
  gort__unlock(&sweep.large_lock);
}

static struct mspan *take_large_unswept(void) {
  gort__lock(&sweep.large_lock);
  large_init_locked();
  struct mspan *s = gort__span_list_pop(&sweep.large[large_set(false)]);
  gort__unlock(&sweep.large_lock);
  return s;
}

/* ---- one span
 * ------------------------------------------------------------------ */

/* Set bits in x, by halves (math/bits.OnesCount64's method). Not
 * __builtin_popcountll: without -mpopcnt it calls libgcc's __popcountdi2,
 * which the linker puts in the program's own .text, where asynchronous
 * preemption could stop the runtime (tests/runtime-symbols.cmake). */
static uint32_t ones64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

uint32_t gort__count_bits(const uint64_t *bits, uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n / 64; i++)
    c += ones64(bits[i]);
  if (n % 64)
    c += ones64(bits[n / 64] & (((uint64_t)1 << (n % 64)) - 1));
  return c;
}

enum sweep_outcome gort__sweep_span(struct mspan *s) {
  uint32_t sg = gort__sweepgen();
  uint32_t want = sg - 2;
  if (!gort__atomic_cas_strong_acq_rel(&s->sweepgen, &want, sg - 1)) {
    gort__print_str("runtime: sweep: span sweepgen ");
    gort__print_uint(want);
    gort__print_str(", heap sweepgen ");
    gort__print_uint(sg);
    gort__print_str("\n");
    gort__throw("runtime: sweep: a span taken for sweeping was not unswept");
  }
  bool large = (s->spanclass >> 1) == 0;
  uint64_t marks[MAX_SPAN_OBJECTS / 64];
  gort__mark_bits_copy(s, marks);
  uint32_t live = gort__count_bits(marks, s->nelems);
  uint32_t was = s->alloc_count; /* exact: no P caches it */
  if (live > was)
    gort__throw("runtime: sweep: more objects marked than allocated");
  uint32_t freed = was - live;
  gort__mstats_swept(s, freed);
  gort__atomic_add_relaxed(&sweep.objects_freed, freed);
  gort__atomic_add_relaxed(&sweep.bytes_freed, (uint64_t)freed * s->elemsize);
  gort__atomic_add_relaxed(&sweep.objects_live, live);
  gort__atomic_add_relaxed(&sweep.bytes_live, (uint64_t)live * s->elemsize);
  if (live == 0) {
    gort__atomic_add_relaxed(&sweep.spans_freed, 1);
    gort__mark_bits_clear(s);
    gort__mheap_free(s);
    return SWEEP_FREED;
  }
  if (!large) {
    memcpy(s->alloc_bits, marks, sizeof s->alloc_bits);
    for (size_t i = 0; i < MAX_SPAN_OBJECTS / 64; i++)
      gort__atomic_store_relaxed(
          &s->precise_bits[i], gort__atomic_load_relaxed(&s->precise_bits[i]) &
                                   marks[i]); /* freed slots: no type */
    gort__atomic_store_relaxed(&s->freeindex, 0);
    gort__atomic_store_relaxed(&s->freeindex_for_scan, 0);
    s->alloc_cache = ~s->alloc_bits[0];
    s->alloc_count = (uint16_t)live;
    if (freed > 0)
      s->needzero = true; /* freed slots hold old contents */
  }
  gort__mark_bits_clear(s);
  gort__atomic_store_release(&s->sweepgen, sg);
  return SWEEP_KEPT;
}

/* ---- finding work
 * ------------------------------------------------------------------ */

/* Sweep one unswept span of any class: the pages it gave back to the heap
 * (0 if it was kept), or -1 if none was left. */
static intptr_t sweep_one(void) {
  if (gort__atomic_load_acquire(&sweep.done))
    return -1;
  gort__atomic_add_acq_rel(&sweep.active, 1);
  enum { LISTS = NUM_SPAN_CLASSES + 1 }; /* every class, then large */
  uint32_t start = gort__atomic_load_relaxed(&sweep.cursor);
  intptr_t result = -1;
  for (uint32_t i = 0; i < LISTS; i++) {
    uint32_t k = (start + i) % LISTS;
    bool is_large = k == NUM_SPAN_CLASSES;
    /* Span classes 0 and 1 are the large objects' (no central list). */
    if (!is_large && (k >> 1) == 0)
      continue;
    struct mspan *s = is_large ? take_large_unswept()
                               : gort__mcentral_take_unswept((uint8_t)k);
    if (s == NULL)
      continue;
    gort__atomic_store_relaxed(&sweep.cursor, k);
    uintptr_t npages = s->npages;
    if (gort__sweep_span(s) == SWEEP_FREED) {
      result = (intptr_t)npages;
    } else {
      result = 0;
      if (is_large) {
        gort__lock(&sweep.large_lock);
        gort__span_list_push(&sweep.large[large_set(true)], s);
        gort__unlock(&sweep.large_lock);
      } else {
        gort__mcentral_put_swept(s);
      }
    }
    break;
  }
  if (result < 0 && gort__atomic_exchange_acq_rel(&sweep.done, 1) == 0) {
    gort__gc_event(GORT_GC_EV_SWEEP_DONE, gort__mstats_num_gc(),
                   gort__gc_heap_live(), gort__gc_heap_goal());
    gort__scavenger_wake(); /* the sweep freed what it could (Go's sweepone) */
  }
  gort__atomic_sub_acq_rel(&sweep.active, 1);
  return result;
}

void gort__sweep_reclaim(uintptr_t npages) {
  uintptr_t freed = 0;
  while (freed < npages) {
    intptr_t n = sweep_one();
    if (n < 0)
      return;
    freed += (uintptr_t)n;
  }
}

bool gort__sweep_done(void) {
  return gort__atomic_load_acquire(&sweep.done) &&
         gort__atomic_load_acquire(&sweep.active) == 0;
}

void gort__sweep_finish(void) {
  while (sweep_one() >= 0) {
  }
  /* Another sweeper may still be in the middle of its last span. */
  while (gort__atomic_load_acquire(&sweep.active) != 0)
    gort_yield();
}

/* ---- the cycle's side
 * ----------------------------------------------------------------- */

void gort__sweep_flip(void) {
  if (!gort__sweep_done())
    gort__throw("runtime: sweep: a mark ended before the last sweep did");
  gort__atomic_store_relaxed(&sweep.objects_freed, 0);
  gort__atomic_store_relaxed(&sweep.bytes_freed, 0);
  gort__atomic_store_relaxed(&sweep.spans_freed, 0);
  gort__atomic_store_relaxed(&sweep.objects_live, 0);
  gort__atomic_store_relaxed(&sweep.bytes_live, 0);
  gort__atomic_store_release(&sweep.sg,
                             gort__atomic_load_relaxed(&sweep.sg) + 2);
  gort__atomic_store_release(&sweep.done, 0);
}

void gort__sweep_results(struct gort__sweep_result *r) {
  r->objects_freed = gort__atomic_load_relaxed(&sweep.objects_freed);
  r->bytes_freed = gort__atomic_load_relaxed(&sweep.bytes_freed);
  r->spans_freed = gort__atomic_load_relaxed(&sweep.spans_freed);
  r->objects_live = gort__atomic_load_relaxed(&sweep.objects_live);
  r->bytes_live = gort__atomic_load_relaxed(&sweep.bytes_live);
}

void gort__gc_sweep(struct gort__sweep_result *r) {
  for (int32_t i = 0; i < gort__sched.allp_cap; i++)
    gort__mcache_release(gort__sched.allp[i]);
  gort__sweep_flip();
  gort__sweep_finish();
  gort__sweep_results(r);
}

/* ---- the background sweeper
 * ------------------------------------------------------------ */

static void bgsweep(void *arg) {
  (void)arg;
  for (;;) {
    gort__semacquire(&sweep.bg_sema, false, WAIT_GC_SWEEP_WAIT);
    gort__atomic_store_release(&sweep.bg_pending, 0);
    /* One span at a time, letting others run often: the allocating
     * goroutines sweep what they need themselves. */
    for (int n = 1; sweep_one() >= 0; n++)
      if (n % 8 == 0)
        gort_yield();
  }
}

static void start_bgsweep(void *arg) {
  (void)arg;
  if (gort__go_system(bgsweep, NULL, false) != 0)
    gort__throw_oom(sizeof(struct g), "the background sweeper");
}

void gort__sweep_wake_background(void) {
  gort_once_do(&sweep.bg_start, start_bgsweep, NULL);
  if (gort__atomic_exchange_acq_rel(&sweep.bg_pending, 1) == 0)
    gort__semrelease(&sweep.bg_sema, false);
}
