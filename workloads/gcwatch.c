/*
 * gcwatch.c - the GC window of a GC workload (gcwatch.h): a sampler
 * goroutine that polls the GC event ring every millisecond, keeps the
 * largest heap_live it shows, and once 64 cycles have ended unharvested
 * reads MemStats to copy their pauses out of its ring of 256 (the scheme
 * of bench/go/gcstats.go, with gort_gc_events in the place of Go's
 * runtime/metrics counters).
 *
 * Locking: none. The window's state is written by the sampler alone while
 * it runs and by the workload's goroutine before gort_go and after the
 * join (gort_go and the WaitGroup order them); `stopping` is the one field
 * both touch while the sampler runs (atomic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcwatch.h"
#include "gort.h"

enum { SAMPLE_NS = 1000000, PAUSE_RING = 256, HARVEST_EVERY = 64, EVENTS = 64 };

static struct {
  gort_memstats base, now; /* the window's start; the last sample */
  uint32_t harvested;      /* NumGC up to which pauses were copied */
  uint32_t ended;          /* the last cycle whose end an event showed */
  uint64_t event_seq;      /* the last GC event read */
  gort_gc_event events[EVENTS];
  uint64_t *pauses; /* C heap: copied pauses, one per cycle seen */
  size_t npauses, cap;
  uint64_t heap_peak;
  int stopping; /* atomic: stop asked */
  gort_waitgroup done;
} watch;

/* Copy the pauses of cycles harvested+1 .. now.num_gc still in the ring.
 * A pause that does not fit in memory is dropped (pauses_seen shows it). */
static void harvest(const gort_memstats *ms) {
  for (uint32_t k = watch.harvested + 1; k <= ms->num_gc; k++) {
    if (ms->num_gc - k >= PAUSE_RING)
      continue; /* overwritten before this sample */
    if (watch.npauses == watch.cap) {
      size_t cap = watch.cap ? watch.cap * 2 : 256;
      uint64_t *p = realloc(watch.pauses, cap * sizeof *p);
      if (p == NULL)
        continue;
      watch.pauses = p;
      watch.cap = cap;
    }
    watch.pauses[watch.npauses++] =
        ms->pause_ns[(k + PAUSE_RING - 1) % PAUSE_RING];
  }
  watch.harvested = ms->num_gc;
  if (ms->heap_alloc > watch.heap_peak)
    watch.heap_peak = ms->heap_alloc;
}

static void read_stats(void) {
  gort_read_memstats(&watch.now);
  harvest(&watch.now);
}

/* The events since the last poll: the heap peak, the cycles ended. */
static void poll_events(void) {
  size_t got;
  do {
    got = gort_gc_events(watch.event_seq, watch.events, EVENTS);
    for (size_t i = 0; i < got; i++) {
      const gort_gc_event *e = &watch.events[i];
      watch.event_seq = e->seq;
      if (e->heap_live > watch.heap_peak)
        watch.heap_peak = e->heap_live;
      if (e->kind == GORT_GC_EV_SWEEP && e->cycle > watch.ended)
        watch.ended = e->cycle; /* its pause is in MemStats */
    }
  } while (got == EVENTS);
}

static void sampler(void *arg) {
  (void)arg;
  while (!__atomic_load_n(&watch.stopping, __ATOMIC_ACQUIRE)) {
    gort_sleep(SAMPLE_NS);
    poll_events();
    if (watch.ended >= watch.harvested + HARVEST_EVERY)
      read_stats();
  }
  gort_waitgroup_done(&watch.done);
}

int gc_watch_start(void) {
  free(watch.pauses);
  memset(&watch, 0, sizeof watch);
  /* Only the events from here on count: skip those in the ring. */
  size_t got;
  while ((got = gort_gc_events(watch.event_seq, watch.events, EVENTS)) > 0)
    watch.event_seq = watch.events[got - 1].seq;
  gort_read_memstats(&watch.base);
  watch.harvested = watch.ended = watch.base.num_gc;
  watch.heap_peak = watch.base.heap_alloc;
  gort_waitgroup_add(&watch.done, 1);
  if (gort_go(sampler, NULL) != 0) {
    gort_waitgroup_done(&watch.done);
    return -1;
  }
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* The nearest-rank p50 (WORKLOADS-NOTES.md): sorted[ceil(count / 2) - 1]. */
static uint64_t p50(uint64_t *xs, size_t count) {
  if (count == 0)
    return 0;
  qsort(xs, count, sizeof *xs, cmp_u64);
  return xs[(count + 1) / 2 - 1];
}

void gc_watch_stop(struct gc_out *out) {
  __atomic_store_n(&watch.stopping, 1, __ATOMIC_RELEASE);
  gort_waitgroup_wait(&watch.done);
  poll_events();
  read_stats();
  *out = (struct gc_out){
      .num_gc = watch.now.num_gc - watch.base.num_gc,
      .pause_total_ns = watch.now.pause_total_ns - watch.base.pause_total_ns,
      .heap_peak_bytes = watch.heap_peak,
      .pauses_seen = watch.npauses,
  };
  for (size_t i = 0; i < watch.npauses; i++)
    if (watch.pauses[i] > out->pause_max_ns)
      out->pause_max_ns = watch.pauses[i];
  out->pause_p50_ns = p50(watch.pauses, watch.npauses);
  free(watch.pauses);
  watch.pauses = NULL;
  watch.npauses = watch.cap = 0;
}

bool gc_out_json(const struct gc_out *o, char *buf, size_t size) {
  size_t len = strlen(buf);
  if (len >= size)
    return false;
  int k = snprintf(buf + len, size - len,
                   "%s\"gc\":{\"num_gc\":%u,\"pause_total_ns\":%llu,"
                   "\"pause_max_ns\":%llu,\"pause_p50_ns\":%llu,"
                   "\"heap_peak_bytes\":%llu,\"pauses_seen\":%llu}",
                   len ? "," : "", (unsigned)o->num_gc,
                   (unsigned long long)o->pause_total_ns,
                   (unsigned long long)o->pause_max_ns,
                   (unsigned long long)o->pause_p50_ns,
                   (unsigned long long)o->heap_peak_bytes,
                   (unsigned long long)o->pauses_seen);
  return k >= 0 && (size_t)k < size - len;
}
