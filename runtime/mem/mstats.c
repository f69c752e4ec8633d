/*
 * mstats.c - MemStats (Go's mstats.go, ReadMemStats) and the GC event
 * ring. See mstats.h for where each count is taken.
 *
 * HeapAlloc is computed, not kept: the bytes of objects allocated (each
 * size class's mallocs minus frees, times its size, plus large objects)
 * at the moment the world is stopped for the read. Tiny allocations are
 * counted in Mallocs and in Frees alike, as Go does (their 16-byte blocks
 * are the heap objects).
 *
 * Invariants: class_mallocs[c] >= class_frees[c] once the P caches'
 * pending counts are added (a slot is freed only after it was counted as
 * allocated: spans are swept only while no P caches them).
 * Locking: counters are relaxed atomics; stats_lock (a leaf) guards the
 * cycle records and the event ring.
 */
#include <string.h>
#include <time.h>

#include "atomic/atomic.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "gort.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "mem/mstats.h"
#include "os/os.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "sched/runtime2.h"
#include "sched/stack.h"

_Static_assert(GORT_MEMSTATS_SIZE_CLASSES == GORT_NUM_SIZE_CLASSES,
               "gort.h's by_size must have one entry per size class");

enum { EVENT_RING = 256 };

static struct {
  _Atomic(uint64_t) class_mallocs[GORT_NUM_SIZE_CLASSES];
  _Atomic(uint64_t) class_frees[GORT_NUM_SIZE_CLASSES];
  _Atomic(uint64_t) large_frees, large_bytes_freed;
  _Atomic(uint64_t) gc_cpu_ns;
  struct mutex lock;
  _Atomic(uint32_t) num_gc;
  uint32_t num_forced_gc;
  uint64_t pause_total_ns, last_gc;
  uint64_t pause_ns[256], pause_end[256];
  uint64_t event_seq;
  gort_gc_event events[EVENT_RING];
} stats = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_MSTATS)};

/* ---- counting
 * ----------------------------------------------------------------- */

void gort__mstats_span_uncached(const struct mspan *s) {
  uint32_t taken = (uint32_t)(s->alloc_count - s->alloc_count_at_cache);
  gort__atomic_add_relaxed(&stats.class_mallocs[s->spanclass >> 1], taken);
  /* The rest of the span, counted as allocated when it was cached, is
   * not (mgcpacer.h). */
  gort__gc_heap_live_add(
      -(int64_t)((uint64_t)(s->nelems - s->alloc_count) * s->elemsize));
}

void gort__mstats_swept(const struct mspan *s, uint32_t freed) {
  if (freed == 0)
    return;
  if ((s->spanclass >> 1) == 0) {
    gort__atomic_add_relaxed(&stats.large_frees, freed);
    gort__atomic_add_relaxed(&stats.large_bytes_freed,
                             (uint64_t)freed * s->elemsize);
  } else {
    gort__atomic_add_relaxed(&stats.class_frees[s->spanclass >> 1], freed);
  }
}

void gort__mstats_record_cycle(uint64_t pause_ns, uint64_t end_unix_ns,
                               bool forced, uint64_t cpu_ns) {
  gort__lock(&stats.lock);
  uint32_t n = gort__atomic_load_relaxed(&stats.num_gc);
  uint32_t k = n % 256; /* cycle num_gc + 1 at [(n + 255) % 256] */
  stats.pause_ns[k] = pause_ns;
  stats.pause_end[k] = end_unix_ns;
  stats.pause_total_ns += pause_ns;
  stats.last_gc = end_unix_ns;
  gort__atomic_store_relaxed(&stats.num_gc, n + 1);
  if (forced)
    stats.num_forced_gc++;
  gort__unlock(&stats.lock);
  gort__mstats_add_gc_cpu(cpu_ns);
}

void gort__mstats_add_gc_cpu(uint64_t ns) {
  gort__atomic_add_relaxed(&stats.gc_cpu_ns, ns);
}

uint32_t gort__mstats_num_gc(void) {
  return gort__atomic_load_relaxed(&stats.num_gc);
}

double gort__mstats_gc_cpu_fraction(void) {
  int64_t elapsed = gort__os_nanotime() - gort__sched.start_ns;
  int32_t procs = gort_maxprocs();
  if (elapsed <= 0 || procs <= 0)
    return 0;
  return (double)gort__atomic_load_relaxed(&stats.gc_cpu_ns) /
         ((double)elapsed * procs);
}

/* ---- reading
 * ------------------------------------------------------------------- */

/* Objects taken from spans that Ps cache now, per class (world stopped). */
static void add_cached(uint64_t pending[GORT_NUM_SIZE_CLASSES], uint64_t *tiny,
                       uint64_t *large_n, uint64_t *large_bytes) {
  for (int32_t i = 0; i < gort__sched.allp_cap; i++) {
    struct mcache *c = gort__sched.allp[i]->mcache;
    if (c == NULL)
      continue;
    for (int k = 0; k < NUM_SPAN_CLASSES; k++) {
      struct mspan *s = c->alloc[k];
      if (s != NULL)
        pending[k >> 1] += (uint32_t)(s->alloc_count - s->alloc_count_at_cache);
    }
    *tiny += gort__atomic_load_relaxed(&c->tiny_allocs);
    *large_n += gort__atomic_load_relaxed(&c->large_allocs);
    *large_bytes += gort__atomic_load_relaxed(&c->large_bytes);
  }
}

GORT_API void gort_read_memstats(gort_memstats *m) {
  gort__must_getg("gort_read_memstats");
  if (m == NULL)
    gort__panic_nil("gort_read_memstats", "out");
  memset(m, 0, sizeof *m);
  uint64_t pending[GORT_NUM_SIZE_CLASSES] = {0};
  uint64_t tiny = 0, large_n = 0, large_bytes = 0;

  gort__world_lock();
  int32_t procs = gort_maxprocs();
  gort__stop_the_world();
  add_cached(pending, &tiny, &large_n, &large_bytes);
  for (int k = 1; k < GORT_NUM_SIZE_CLASSES; k++) {
    uint64_t size = gort__class_to_size[k];
    uint64_t mallocs =
        gort__atomic_load_relaxed(&stats.class_mallocs[k]) + pending[k];
    uint64_t frees = gort__atomic_load_relaxed(&stats.class_frees[k]);
    m->by_size[k].size = (uint32_t)size;
    m->by_size[k].mallocs = mallocs;
    m->by_size[k].frees = frees;
    m->mallocs += mallocs;
    m->frees += frees;
    m->total_alloc += mallocs * size;
    m->heap_alloc += (mallocs - frees) * size;
  }
  uint64_t large_frees = gort__atomic_load_relaxed(&stats.large_frees);
  uint64_t large_freed_bytes =
      gort__atomic_load_relaxed(&stats.large_bytes_freed);
  m->mallocs += large_n + tiny;
  m->frees += large_frees + tiny;
  m->total_alloc += large_bytes;
  m->heap_alloc += large_bytes - large_freed_bytes;
  m->heap_objects = m->mallocs - m->frees;
  m->alloc = m->heap_alloc;

  struct heap_stats hs;
  gort__mheap_read_stats(&hs);
  m->heap_inuse = hs.inuse;
  m->heap_idle = hs.idle;
  m->heap_released = hs.released;
  m->heap_sys = hs.inuse + hs.idle; /* Go's: in use + free + released */
  gort__lock(&gort__mheap.lock);
  uint64_t spans = gort__mheap.spans_in_use;
  uint64_t arenas = gort__mheap.arenas_mapped;
  gort__unlock(&gort__mheap.lock);
  gort__stack_stats(&m->stack_inuse, &m->stack_sys);
  /* The rest: span descriptors and each arena's page -> span table. */
  uint64_t metadata =
      spans * sizeof(struct mspan) + arenas * sizeof(struct heap_arena);
  m->sys = m->heap_sys + m->stack_sys + metadata;

  gort__lock(&stats.lock);
  m->num_gc = gort__atomic_load_relaxed(&stats.num_gc);
  m->num_forced_gc = stats.num_forced_gc;
  m->pause_total_ns = stats.pause_total_ns;
  m->last_gc = stats.last_gc;
  memcpy(m->pause_ns, stats.pause_ns, sizeof m->pause_ns);
  memcpy(m->pause_end, stats.pause_end, sizeof m->pause_end);
  gort__unlock(&stats.lock);
  gort__start_the_world(procs);
  gort__world_unlock();

  uint64_t goal = gort__gc_heap_goal();
  m->next_gc = goal;
  m->gc_cpu_fraction = gort__mstats_gc_cpu_fraction();
}

/* ---- the event ring
 * ---------------------------------------------------------------- */

void gort__gc_event(uint32_t kind, uint32_t cycle, uint64_t heap_live,
                    uint64_t heap_goal) {
  gort__gc_event_at(kind, cycle, heap_live, heap_goal, gort__os_nanotime());
}

void gort__gc_event_at(uint32_t kind, uint32_t cycle, uint64_t heap_live,
                       uint64_t heap_goal, int64_t time_ns) {
  gort__lock(&stats.lock);
  uint64_t seq = ++stats.event_seq;
  stats.events[seq % EVENT_RING] = (gort_gc_event){
      .seq = seq,
      .time_ns = time_ns,
      .cycle = cycle,
      .kind = kind,
      .heap_live = heap_live,
      .heap_goal = heap_goal,
  };
  gort__unlock(&stats.lock);
}

GORT_API size_t gort_gc_events(uint64_t after_seq, gort_gc_event *out,
                               size_t cap) {
  if (out == NULL || cap == 0)
    return 0;
  gort__lock(&stats.lock);
  uint64_t last = stats.event_seq;
  uint64_t first = last > EVENT_RING ? last - EVENT_RING + 1 : 1;
  if (after_seq + 1 > first)
    first = after_seq + 1;
  size_t n = 0;
  for (uint64_t seq = first; seq <= last && n < cap; seq++)
    out[n++] = stats.events[seq % EVENT_RING];
  gort__unlock(&stats.lock);
  return n;
}
