/*
 * mgcsample.c - the live GC sample (mgcsample.h): what the page's GC
 * timeline plots, published like the scheduler sample (sysmon, every
 * GORT_DEBUG schedsample ms, and once as main ends) through a seqlock
 * (debug/seqlock.h). Go has no live view; its gctrace line (mgc.go)
 * prints the same figures once per cycle, and runtime/metrics the
 * totals.
 *
 * Sources: the phases' times and heap figures come from the GC event
 * ring (mstats.c, gort_gc_events: its lock for one copy); the pause, the
 * bytes marked and the assist / background / idle mark time from the
 * collector's one call per cycle, gort__gc_sample_cycle_end (mgc.c), into
 * a ring of slots each guarded by its own cycle number as a version;
 * heap live, goal, num_gc and the CPU fraction are atomics read now.
 *
 * Invariants:
 *   - The writer's table (cycles, last_event) changes only inside the
 *     seqlock's odd window, so only by the one writer in it.
 *   - A done slot is readable when its n, read before and after the
 *     fields, is the cycle wanted: the collector zeroes n, stores the
 *     fields, then stores n, and the reader loads n, the fields, n again,
 *     as the seqlock does (debug/seqlock.h: release stores, acquire loads,
 *     so a reader that sees a new field sees n changed).
 *   - A cycle whose events fell out of the ring (256 events: more than
 *     50 cycles between two samples) shows 0 for the phases it missed.
 * Locking: the event ring's lock (a leaf) for the copy; nothing else.
 */
#include <string.h>

#include "debug/seqlock.h"
#include "gort.h"
#include "mem/mgcpacer.h"
#include "mem/mgcsample.h"
#include "mem/mstats.h"
#include "os/os.h"
#include "sched/runtime2.h"

_Static_assert(sizeof(struct gc_sample) % 8 == 0, "gc_sample: 64-bit words");
_Static_assert(sizeof(struct gc_sample_cycle) % 8 == 0,
               "gc_sample_cycle: 64-bit words");
_Static_assert(offsetof(struct gc_sample_area, words) == 8,
               "gc_sample_area: words at 8");

_Alignas(8) struct gc_sample_area gort__gc_sample_area;

/* ---- the collector's figures, one slot per cycle --------------------- */

enum { DONE_FIELDS = 5 };
static struct {
  _Atomic uint32_t n;
  _Atomic uint64_t f[DONE_FIELDS]; /* pause, marked, assist, bg, idle */
} done[GC_SAMPLE_CYCLES];

void gort__gc_sample_cycle_end(uint32_t n, uint64_t pause_ns,
                               uint64_t heap_marked, uint64_t assist_ns,
                               uint64_t background_ns, uint64_t idle_ns) {
  uint64_t v[DONE_FIELDS] = {pause_ns, heap_marked, assist_ns, background_ns,
                             idle_ns};
  __typeof__(done[0]) *d = &done[n % GC_SAMPLE_CYCLES];
  gort__atomic_store_relaxed(&d->n, 0);
  for (int i = 0; i < DONE_FIELDS; i++)
    gort__atomic_store_release(&d->f[i], v[i]);
  gort__atomic_store_release(&d->n, n);
}

static bool done_read(uint32_t n, uint64_t v[DONE_FIELDS]) {
  __typeof__(done[0]) *d = &done[n % GC_SAMPLE_CYCLES];
  if (gort__atomic_load_acquire(&d->n) != n)
    return false;
  for (int i = 0; i < DONE_FIELDS; i++)
    v[i] = gort__atomic_load_acquire(&d->f[i]);
  return gort__atomic_load_relaxed(&d->n) == n;
}

/* ---- the writer's table (inside the odd window only) ----------------- */

static struct {
  struct gc_sample_cycle cycles[GC_SAMPLE_CYCLES]; /* at n % CYCLES */
  uint64_t last_event;
  uint64_t seq;
} w;

static void take_event(const gort_gc_event *e) {
  struct gc_sample_cycle *c = &w.cycles[e->cycle % GC_SAMPLE_CYCLES];
  if (c->n != e->cycle) {
    if (c->n > e->cycle)
      return; /* older than what the slot holds: gone */
    *c = (struct gc_sample_cycle){.n = e->cycle};
  }
  uint64_t goal = e->heap_goal == UINT64_MAX ? 0 : e->heap_goal;
  int64_t t = e->time_ns - gort__sched.start_ns; /* the sched sample's */
  c->phase = e->kind;
  switch (e->kind) {
  case GORT_GC_EV_SWEEP_TERMINATION:
    c->sweep_term = t;
    c->heap_start = e->heap_live;
    c->heap_goal = goal;
    break;
  case GORT_GC_EV_MARK:
    c->mark = t;
    break;
  case GORT_GC_EV_MARK_TERMINATION:
    c->mark_term = t;
    c->heap_end = e->heap_live;
    break;
  case GORT_GC_EV_SWEEP:
    c->sweep = t;
    break;
  case GORT_GC_EV_SWEEP_DONE:
    c->sweep_done = t;
    break;
  }
}

static void read_gc(struct gc_sample *s) {
  gort_gc_event ev[32];
  size_t got;
  while ((got = gort_gc_events(w.last_event, ev, 32)) > 0) {
    for (size_t i = 0; i < got; i++)
      take_event(&ev[i]);
    w.last_event = ev[got - 1].seq;
  }
  uint32_t newest = 0;
  for (int i = 0; i < GC_SAMPLE_CYCLES; i++)
    if (w.cycles[i].n > newest)
      newest = w.cycles[i].n;
  for (uint32_t k = newest >= GC_SAMPLE_CYCLES ? newest - GC_SAMPLE_CYCLES + 1
                                               : 1;
       newest > 0 && k <= newest; k++) {
    struct gc_sample_cycle *c = &w.cycles[k % GC_SAMPLE_CYCLES];
    uint64_t v[DONE_FIELDS];
    if (c->n != k)
      continue;
    if (c->pause_ns == 0 && done_read(k, v)) {
      c->pause_ns = v[0];
      c->heap_marked = v[1];
      c->assist_ns = v[2];
      c->background_ns = v[3];
      c->idle_ns = v[4];
    }
    s->cycles[s->ncycles++] = *c;
  }
  s->num_gc = gort__mstats_num_gc();
  s->heap_live = gort__gc_heap_live();
  uint64_t goal = gort__gc_heap_goal();
  s->heap_goal = goal == UINT64_MAX ? 0 : goal;
  s->cpu_fraction_ppm = (uint32_t)(gort__mstats_gc_cpu_fraction() * 1e6 + 0.5);
}

uint32_t gort__gc_sample_checksum(const struct gc_sample *s) {
  return gort__seqlock_checksum(s, GC_SAMPLE_WORDS,
                                offsetof(struct gc_sample, check) / 4);
}

void gort__gc_sample_publish(void) {
  struct gc_sample_area *a = &gort__gc_sample_area;
  uint32_t q;
  if (!gort__seqlock_write_begin(&a->seq, &q))
    return;
  struct gc_sample s;
  memset(&s, 0, sizeof s);
  read_gc(&s);
  s.seq = ++w.seq;
  s.time_ns = gort__os_nanotime() - gort__sched.start_ns;
  s.check = gort__gc_sample_checksum(&s);
  gort__seqlock_write_words(a->words, &s, GC_SAMPLE_WORDS);
  gort__seqlock_write_end(&a->seq, q);
}

bool gort__gc_sample_copy(struct gc_sample *out, uint32_t *retries) {
  struct gc_sample_area *a = &gort__gc_sample_area;
  struct gc_sample s;
  if (gort__seqlock_read(&a->seq, a->words, &s, GC_SAMPLE_WORDS, retries) == 0)
    return false;
  *out = s;
  return true;
}
