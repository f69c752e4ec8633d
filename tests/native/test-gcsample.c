/*
 * test-gcsample.c - the live GC sample and heap map (issue 13;
 * mem/mgcsample.c, mem/mheapmap.c): what they publish agrees with what
 * the collector did, the map's records tile the heap without overlap, a
 * map taken during a mark counts marked objects, no torn copy gets through
 * either seqlock while writers hammer them and goroutines allocate, and what
 * one write costs.
 *
 * Timing: the cost case prints its figures and asserts none; nothing
 * else depends on time.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gort.h"
#include "mem/mgcsample.h"
#include "mem/mheapmap.h"

#include "test.h"

/* A heap of several classes: pointer-holding and pointer-free small
 * objects, and large ones, kept alive from a root. */
enum { KEEP = 4096 };
static void **kept;

static void fill_heap(int rounds) {
  kept = gort_alloc(KEEP * sizeof(void *));
  gort_gc_add_root(&kept, sizeof kept);
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < KEEP; i++) {
      size_t size = (size_t)16 << (i % 8); /* 16 .. 2048 bytes */
      void *p = i % 3 == 0 ? gort_alloc_noscan(size) : gort_alloc(size);
      if (i % 512 == 0)
        p = gort_alloc(100000); /* large */
      gort_store_ptr(&kept[i], p);
    }
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- gc_sample_cycles: forced cycles, each with its phases in order -- */

TEST_IMPL(gc_sample_cycles) {
  fill_heap(2);
  uint32_t before = 0;
  struct gc_sample s;
  gort__gc_sample_publish();
  CHECK(gort__gc_sample_copy(&s, NULL));
  before = s.num_gc;
  for (int i = 0; i < 3; i++) {
    fill_heap(1);
    gort_gc();
  }
  gort__gc_sample_publish();
  CHECK(gort__gc_sample_copy(&s, NULL));
  CHECK_EQ(s.check, gort__gc_sample_checksum(&s));
  CHECK(s.num_gc >= before + 3);
  CHECK(s.ncycles >= 3 && s.ncycles <= GC_SAMPLE_CYCLES);
  CHECK(s.heap_live > 0);
  CHECK(s.cpu_fraction_ppm <= 1000000);
  for (uint32_t i = 0; i < s.ncycles; i++) {
    const struct gc_sample_cycle *c = &s.cycles[i];
    if (i > 0)
      CHECK(c->n > s.cycles[i - 1].n); /* oldest first */
    if (c->n > s.num_gc || c->sweep_term == 0)
      continue; /* in progress, or began before the ring reached back */
    CHECK(c->mark >= c->sweep_term);
    CHECK(c->mark_term >= c->mark);
    CHECK(c->sweep >= c->mark_term);
    CHECK(c->sweep_done == 0 || c->sweep_done >= c->sweep);
    /* The pause: the two stops at least, at most the whole span from the
     * first stop to the restart for sweeping. */
    CHECK(c->pause_ns > 0);
    CHECK(c->pause_ns <= (uint64_t)(c->sweep - c->sweep_term));
    CHECK(c->heap_start > 0);
    CHECK(c->heap_marked > 0);
  }
  /* The last one is the last gort_gc: done, its figures in. */
  const struct gc_sample_cycle *last = &s.cycles[s.ncycles - 1];
  CHECK_EQ(last->n, s.num_gc);
  CHECK(last->phase >= GORT_GC_EV_SWEEP);
  CHECK(s.time_ns >= last->sweep);
  printf("last cycle %u: pause %llu ns, marked %llu B, assist %llu ns, "
         "background %llu ns, idle %llu ns\n",
         last->n, (unsigned long long)last->pause_ns,
         (unsigned long long)last->heap_marked,
         (unsigned long long)last->assist_ns,
         (unsigned long long)last->background_ns,
         (unsigned long long)last->idle_ns);
  return 0;
}

/* ---- heapmap_tiles: the records tile the arenas, classes varied ------ */

static void check_map(const struct heapmap *m) {
  CHECK_EQ(m->h.check, gort__heapmap_checksum(m));
  CHECK(m->h.nspans <= HEAPMAP_SPANS);
  CHECK(m->h.narenas >= 1);
  CHECK_EQ(m->h.page_size, (uint32_t)GORT_PAGE_SIZE);
  uint64_t cells = (uint64_t)m->h.narenas * m->h.pages_per_arena;
  for (uint32_t i = 0; i < m->h.nspans; i++) {
    const struct heapmap_span *r = &m->spans[i];
    CHECK(r->npages >= 1);
    CHECK((uint64_t)r->cell + r->npages <= cells);
    if (i > 0)
      CHECK(r->cell >= m->spans[i - 1].cell + m->spans[i - 1].npages);
    CHECK(r->kind >= HEAPMAP_FREE && r->kind <= HEAPMAP_IN_USE);
    if (r->kind == HEAPMAP_IN_USE) {
      CHECK(r->size_class < GORT_NUM_SIZE_CLASSES);
      CHECK(r->allocated <= r->objects);
      CHECK(r->marked <= r->objects);
    } else {
      CHECK(r->released_pages <= r->npages);
    }
  }
}

TEST_IMPL(heapmap_tiles) {
  fill_heap(2);
  static struct heapmap m; /* 384 KiB: not on a goroutine's stack */
  gort__heapmap_publish();
  CHECK(gort__heapmap_copy(&m, NULL));
  check_map(&m);
  CHECK_EQ(m.h.dropped, 0u);
  bool seen[GORT_NUM_SIZE_CLASSES] = {false};
  int classes = 0, large = 0, noscan = 0, scan = 0, free_spans = 0;
  uint64_t in_use_pages = 0;
  for (uint32_t i = 0; i < m.h.nspans; i++) {
    const struct heapmap_span *r = &m.spans[i];
    if (r->kind != HEAPMAP_IN_USE) {
      free_spans++;
      continue;
    }
    in_use_pages += r->npages;
    if (r->size_class == 0)
      large++;
    else if (!seen[r->size_class]) {
      seen[r->size_class] = true;
      classes++;
    }
    if (r->noscan)
      noscan++;
    else
      scan++;
    if (r->size_class > 0)
      CHECK_EQ(r->objects, m.h.class_size[r->size_class] == 0
                               ? 0
                               : (uint16_t)(r->npages * GORT_PAGE_SIZE /
                                            m.h.class_size[r->size_class]));
  }
  printf("%u spans (%d free), %d classes, %d large, %d noscan, %d scan, "
         "%llu pages in use\n",
         m.h.nspans, free_spans, classes, large, noscan, scan,
         (unsigned long long)in_use_pages);
  CHECK(classes >= 8); /* fill_heap's 8 sizes at least */
  CHECK(large >= 1);
  CHECK(noscan >= 1 && scan >= 1);
  CHECK(free_spans >= 1); /* the arena's free tail */
  /* Within the bounds of what the exact snapshot says (it stops the
   * world; the heap may have changed in between, so only totals). */
  gort_span_info *snap = malloc(sizeof *snap * HEAPMAP_SPANS);
  size_t n = gort_heap_snapshot(snap, HEAPMAP_SPANS);
  CHECK(n >= 1);
  free(snap);
  return 0;
}

/* ---- gc_sample_seqlock_torn: writers hammer both areas, readers copy,
 * goroutines allocate and collect meanwhile. Sysmon's sampling is off
 * (test-list.h): the writers are this test's threads. ----------------- */

struct hammer {
  _Atomic int writing;
  _Atomic int readers_done; /* readers that saw enough */
  int writes;
};

/* At least writes writes, and on until both readers have seen enough
 * (a slow reader under a sanitizer), within a cap. */
static void *gc_writer(void *p) {
  struct hammer *h = p;
  int64_t start = now_ns();
  for (int i = 0; i < h->writes || (atomic_load(&h->readers_done) < 2 &&
                                    now_ns() - start < 30000000000ll);
       i++) {
    gort__gc_sample_publish();
    if (i % 64 == 0)
      gort__heapmap_publish();
  }
  atomic_store(&h->writing, 0);
  return NULL;
}

struct reader {
  struct hammer *h;
  struct heapmap *map;
  uint64_t copies, maps, distinct;
  uint32_t retries;
  int bad, backwards;
  bool enough;
};

static void *gc_reader(void *p) {
  struct reader *r = p;
  uint64_t last = 0, last_map = 0;
  while (atomic_load(&r->h->writing)) {
    struct gc_sample s;
    if (gort__gc_sample_copy(&s, &r->retries)) {
      r->copies++;
      if (s.check != gort__gc_sample_checksum(&s))
        r->bad++;
      if (s.seq < last)
        r->backwards++;
      r->distinct += s.seq != last;
      last = s.seq;
    }
    if (r->copies % 16 == 0 && gort__heapmap_copy(r->map, &r->retries)) {
      r->maps++;
      if (r->map->h.check != gort__heapmap_checksum(r->map))
        r->bad++;
      if (r->map->h.seq < last_map)
        r->backwards++;
      last_map = r->map->h.seq;
    }
    if (!r->enough && r->distinct >= 2 && r->maps >= 1) {
      r->enough = true;
      atomic_fetch_add(&r->h->readers_done, 1);
    }
  }
  return NULL;
}

static void churn(void *arg) {
  _Atomic int *stop = arg;
  void *volatile sink;
  while (!atomic_load(stop)) {
    for (int i = 0; i < 1000; i++)
      sink = gort_alloc((size_t)16 << (i % 6));
    gort_gc();
  }
  (void)sink;
}

TEST_IMPL(gc_sample_seqlock_torn) {
  /* The checksums see a splice of two samples. */
  struct gc_sample a, b, mix;
  gort_gc();
  gort__gc_sample_publish();
  CHECK(gort__gc_sample_copy(&a, NULL));
  gort_gc();
  gort__gc_sample_publish();
  CHECK(gort__gc_sample_copy(&b, NULL));
  CHECK_EQ(b.seq, a.seq + 1);
  memcpy(&mix, &b, sizeof mix);
  memcpy(&mix.cycles, &a.cycles, sizeof mix.cycles);
  CHECK(mix.check != gort__gc_sample_checksum(&mix));

  static _Atomic int stop;
  atomic_store(&stop, 0);
  gort_go(churn, (void *)&stop);
  struct hammer h = {.writes = STRESS(100000, 10000)};
  atomic_init(&h.writing, 1);
  atomic_init(&h.readers_done, 0);
  static struct heapmap maps[2];
  struct reader r[2] = {{.h = &h, .map = &maps[0]}, {.h = &h, .map = &maps[1]}};
  pthread_t w, rd[2];
  for (int i = 0; i < 2; i++)
    CHECK_EQ(pthread_create(&rd[i], NULL, gc_reader, &r[i]), 0);
  CHECK_EQ(pthread_create(&w, NULL, gc_writer, &h), 0);
  gort_syscall_enter(); /* joins block this M */
  pthread_join(w, NULL);
  for (int i = 0; i < 2; i++)
    pthread_join(rd[i], NULL);
  gort_syscall_exit();
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) {
    printf("reader %d: %llu samples (%llu distinct), %llu maps, %u retries\n",
           i, (unsigned long long)r[i].copies,
           (unsigned long long)r[i].distinct, (unsigned long long)r[i].maps,
           r[i].retries);
    CHECK_EQ(r[i].bad, 0);
    CHECK_EQ(r[i].backwards, 0);
    CHECK(r[i].distinct >= 2);
    CHECK(r[i].maps >= 1);
  }
  check_map(&maps[0]);
  return 0;
}

/* ---- gc_sample_cost: what one write of each costs (printed) ---------- */

TEST_IMPL(gc_sample_cost) {
  fill_heap(4);
  gort_gc();
  enum { N = 200 };
  int64_t t0 = now_ns();
  for (int i = 0; i < N; i++)
    gort__gc_sample_publish();
  int64_t t1 = now_ns();
  for (int i = 0; i < N / 10; i++)
    gort__heapmap_publish();
  int64_t t2 = now_ns();
  static struct heapmap m;
  CHECK(gort__heapmap_copy(&m, NULL));
  printf("gc sample: %lld ns per write; heap map: %lld ns per write, "
         "%u spans (%lld ns per span), heap lock held %u ns\n",
         (long long)((t1 - t0) / N), (long long)((t2 - t1) / (N / 10)),
         m.h.nspans,
         (long long)((t2 - t1) / (N / 10) / (m.h.nspans ? m.h.nspans : 1)),
         m.h.walk_ns);
  CHECK(m.h.nspans > 0);
  return 0;
}

/* ---- heapmap_mark_progress: a map taken during a mark says so and
 * counts marked objects; the map stays whole while the mark runs. A
 * thread of the test's publishes maps while the main goroutine collects
 * over a heap large enough for the mark to take a while. ---------------- */

struct watcher {
  _Atomic int done;
  struct heapmap *map;
  int maps, marking, with_marks, bad;
};

static void *watch_marks(void *p) {
  struct watcher *w = p;
  int64_t start = now_ns();
  while (w->with_marks == 0 && now_ns() - start < 30000000000ll) {
    gort__heapmap_publish();
    if (!gort__heapmap_copy(w->map, NULL))
      continue;
    w->maps++;
    if (w->map->h.check != gort__heapmap_checksum(w->map))
      w->bad++;
    if (!w->map->h.marking)
      continue;
    w->marking++;
    for (uint32_t i = 0; i < w->map->h.nspans; i++)
      if (w->map->spans[i].marked > 0) {
        w->with_marks++;
        break;
      }
  }
  atomic_store(&w->done, 1);
  return NULL;
}

TEST_IMPL(heapmap_mark_progress) {
  fill_heap(8);
  static struct heapmap m;
  struct watcher w = {.map = &m};
  atomic_init(&w.done, 0);
  pthread_t t;
  CHECK_EQ(pthread_create(&t, NULL, watch_marks, &w), 0);
  while (!atomic_load(&w.done)) {
    fill_heap(1);
    gort_gc();
  }
  gort_syscall_enter();
  pthread_join(t, NULL);
  gort_syscall_exit();
  printf("%d maps, %d during a mark, bad %d\n", w.maps, w.marking, w.bad);
  CHECK_EQ(w.bad, 0);
  CHECK(w.with_marks >= 1); /* a mark in progress shows its marks */
  return 0;
}
