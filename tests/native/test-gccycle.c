/*
 * test-gccycle.c - the collector's cycle as a whole: paced collections
 * keep a garbage-making loop's heap bounded, GOGC and the memory limit
 * move the goal by the pacer's formula, MemStats agree with a walk of the
 * heap, the event ring records every phase, and random object graphs
 * mutated by goroutines on every P keep every reachable object intact
 * across hundreds of verified collections (GORT_DEBUG=gcverify=1 in
 * test-list.h) and give the rest back.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "mem/malloc.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "sched/mp.h"
#include "test.h"

/* ---- gc_paced_garbage: a loop of garbage stays in a bounded heap -------- */

void *volatile gc_sink; /* the last object: the rest is garbage */

TEST_IMPL(gc_paced_garbage) {
  gort_memstats before, after;
  gort_read_memstats(&before);
  uint64_t n = STRESS(4000000, 400000);
  for (uint64_t i = 0; i < n; i++) {
    GORT_STORE(gc_sink, gort_alloc_noscan(32));
    if (i % 1000 == 0)
      GORT_STORE(gc_sink, gort_alloc(40000)); /* a large object now and then */
  }
  gort_read_memstats(&after);
  /* n * 32 bytes were made (128 MB at full size); the heap is paced. */
  CHECK(after.num_gc > before.num_gc);
  CHECK(after.total_alloc - before.total_alloc >= n * 32);
  /* Spans in use stay near the goal (heap_sys counts the reserved
   * arena, 64 MiB natively, whole). */
  CHECK(after.heap_inuse < (32u << 20));
  CHECK(after.heap_alloc < (32u << 20));
  CHECK(after.mallocs - before.mallocs >= n);
  return 0;
}

/* ---- gc_pacer_table: the goal follows GOGC and the memory limit ---------- */

struct node {
  struct node *left, *right;
  uint64_t id, sum;
};
static const uint8_t node_mask[] = {
    1u << GORT_PTRMASK_WORD(struct node, left) |
    1u << GORT_PTRMASK_WORD(struct node, right)};
static const gort_type node_type = {sizeof(struct node), node_mask, "node"};

static struct node *make_tree(int depth, uint64_t *next_id) {
  struct node *n = gort_alloc_typed(&node_type, 1);
  n->id = (*next_id)++;
  n->sum = n->id * 2654435761u;
  if (depth > 0) {
    GORT_STORE(n->left, make_tree(depth - 1, next_id));
    GORT_STORE(n->right, make_tree(depth - 1, next_id));
  }
  return n;
}

static struct node *volatile live_tree;

TEST_IMPL(gc_pacer_table) {
  uint64_t id = 0;
  /* 65535 nodes of 48 bytes: ~3 MiB */
  GORT_STORE(live_tree, make_tree(15, &id));
  static const struct { int percent; } rows[] = {{50}, {100}, {400}, {0}, {-1}};
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    int p = rows[r].percent;
    gort_set_gc_percent(p);
    gort_gc();
    uint64_t marked = gort__gc_heap_marked();
    uint64_t extra = gort__gc_scan_extra();
    CHECK(marked >= 65535u * sizeof(struct node));
    uint64_t goal = gort__gc_heap_goal();
    gort_memstats m;
    gort_read_memstats(&m);
    CHECK_EQ(m.next_gc, goal);
    if (p < 0) {
      CHECK_EQ(goal, UINT64_MAX); /* off: no cycle but forced ones */
      continue;
    }
    uint64_t want = marked + (marked + extra) * (uint64_t)p / 100;
    uint64_t minimum = (uint64_t)(4 << 20) * (uint64_t)p / 100;
    uint64_t floor = marked + marked / 16 + (256 << 10);
    if (want < minimum)
      want = minimum;
    if (want < floor)
      want = floor;
    /* The formula's integer rounding: within 100 bytes. */
    CHECK(goal + 100 >= want && goal <= want + 100);
    CHECK(gort__gc_trigger() <= goal);
    CHECK(gort__gc_trigger() >= marked);
  }
  /* A memory limit below the GOGC goal pulls the goal down; off again
   * lets it go. */
  gort_set_gc_percent(100);
  gort_gc();
  uint64_t marked = gort__gc_heap_marked();
  uint64_t gogc_goal = gort__gc_heap_goal();
  int64_t old = gort_set_memory_limit((int64_t)(marked + (4 << 20)));
  CHECK_EQ(old, INT64_MAX);
  uint64_t limited = gort__gc_heap_goal();
  CHECK(limited < gogc_goal);
  CHECK(limited <= marked + (4 << 20));
  CHECK(limited >= marked); /* never below the live heap (the floor) */
  CHECK_EQ(gort_set_memory_limit(-1), (int64_t)(marked + (4 << 20)));
  gort_set_memory_limit(INT64_MAX);
  CHECK_EQ(gort__gc_heap_goal(), gogc_goal);
  GORT_STORE(live_tree, NULL);
  return 0;
}

/* ---- gc_memstats_walk: MemStats agree with the heap itself ----------------
 */

struct walk {
  uint64_t objects, bytes;
  uint64_t by_class[GORT_NUM_SIZE_CLASSES];
};

static void count_span(struct mspan *s, void *arg) {
  struct walk *w = arg;
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->nelems; i++)
    n += gort__slot_allocated(s, i);
  w->objects += n;
  w->bytes += (uint64_t)n * s->elemsize;
  w->by_class[s->spanclass >> 1] += n;
}

static void *volatile keep_mix[3000];

TEST_IMPL(gc_memstats_walk) {
  gort_set_maxprocs(1); /* no other goroutine allocates between the reads */
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 3000; i++) {
      size_t size = (size_t)(i * 7919 % 1500) + 1;
      if (i % 97 == 0)
        size += 40000;
      void *p = i % 3 ? gort_alloc(size) : gort_alloc_noscan(size);
      if (i % 2)
        GORT_STORE(keep_mix[i], p);
    }
    gort_gc(); /* everything swept: the bits are the truth */
    for (int i = 0; i < 3000; i += 4)
      GORT_STORE(keep_mix[i | 1], NULL);
  }
  gort_memstats m;
  gort_read_memstats(&m);
  struct walk w = {0};
  gort__world_lock();
  gort__stop_the_world();
  gort__mheap_each_span(count_span, &w);
  gort__start_the_world(1);
  gort__world_unlock();
  CHECK_EQ(m.heap_objects, w.objects);
  CHECK_EQ(m.heap_alloc, w.bytes);
  CHECK_EQ(m.alloc, m.heap_alloc);
  for (int k = 1; k < GORT_NUM_SIZE_CLASSES; k++) {
    CHECK_EQ(m.by_size[k].size, gort__class_to_size[k]);
    CHECK_EQ(m.by_size[k].mallocs - m.by_size[k].frees, w.by_class[k]);
  }
  CHECK(m.heap_inuse >= m.heap_alloc);
  CHECK_EQ(m.heap_sys, m.heap_inuse + m.heap_idle);
  CHECK(m.sys >= m.heap_sys + m.stack_sys);
  CHECK(m.num_gc >= 3 && m.num_forced_gc >= 3);
  uint64_t sum = 0;
  for (uint32_t k = 0; k < m.num_gc && k < 256; k++) {
    CHECK(m.pause_ns[k] > 0);
    CHECK(m.pause_end[k] > 0);
    sum += m.pause_ns[k];
  }
  if (m.num_gc <= 256)
    CHECK_EQ(sum, m.pause_total_ns);
  CHECK(m.last_gc == m.pause_end[(m.num_gc + 255) % 256]);
  CHECK(m.gc_cpu_fraction > 0 && m.gc_cpu_fraction < 1);
  return 0;
}

/* ---- gc_event_ring: every phase of every cycle, in order --------------- */

TEST_IMPL(gc_event_ring) {
  gort_gc_event ev[64];
  size_t n0 = gort_gc_events(0, ev, 64);
  uint64_t last = n0 ? ev[n0 - 1].seq : 0;
  for (int i = 0; i < 3; i++)
    gort_gc();
  size_t n = gort_gc_events(last, ev, 64);
  CHECK(n >= 12);
  static const uint32_t order[] = {GORT_GC_EV_SWEEP_TERMINATION,
                                   GORT_GC_EV_MARK, GORT_GC_EV_MARK_TERMINATION,
                                   GORT_GC_EV_SWEEP};
  /* Each cycle: its four phases in a row, then (once its sweep is done,
   * before the next cycle starts) SWEEP_DONE with its number. */
  int cycles = 0, swept = 0;
  for (size_t k = 0; k < n; k++) {
    if (k > 0)
      CHECK(ev[k].seq == ev[k - 1].seq + 1);
    if (ev[k].kind == GORT_GC_EV_SWEEP_DONE) {
      swept++;
      CHECK(k == 0 || ev[k - 1].kind == GORT_GC_EV_SWEEP);
      CHECK(k == 0 || ev[k].cycle == ev[k - 1].cycle);
      continue;
    }
    if (ev[k].kind != GORT_GC_EV_SWEEP_TERMINATION || k + 4 > n)
      continue;
    for (int j = 0; j < 4; j++) {
      CHECK_EQ(ev[k + j].kind, order[j]);
      CHECK_EQ(ev[k + j].cycle, ev[k].cycle);
      CHECK(j == 0 || ev[k + j].time_ns >= ev[k + j - 1].time_ns);
    }
    cycles++;
  }
  CHECK(cycles >= 3);
  CHECK(swept >= 3); /* gort_gc sweeps the whole heap before it returns */
  /* Nothing after the newest; a zero cap writes nothing. */
  CHECK_EQ(gort_gc_events(ev[n - 1].seq, ev, 64), 0);
  CHECK_EQ(gort_gc_events(0, ev, 0), 0);
  return 0;
}

/* ---- gc_random_graphs: goroutines mutate graphs across collections ----- */

enum { GRAPH_WORKERS = 8, GRAPH_SLOTS = 256 };

struct gnode {
  struct gnode *edge[3];
  uint64_t id;
  uint64_t check;         /* f(id, payload bytes) */
  uintptr_t not_a_ptr;    /* a heap address kept as an integer: no edge */
  unsigned char *payload; /* pointer-free bytes */
};
/* More than 8 words on wasm32 (the payload is word 9 there): two bytes. */
#define GNODE_BITS                                                             \
  ((uint64_t)1 << GORT_PTRMASK_WORD(struct gnode, edge[0]) |                   \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct gnode, edge[1]) |                   \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct gnode, edge[2]) |                   \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct gnode, payload))
static const uint8_t gnode_mask[] = {GORT_PTRMASK_BYTE(GNODE_BITS, 0),
                                     GORT_PTRMASK_BYTE(GNODE_BITS, 1)};
static const gort_type gnode_type = {sizeof(struct gnode), gnode_mask, "gnode"};

static uint64_t checksum(uint64_t id, const unsigned char *p, size_t n) {
  uint64_t h = id * 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static size_t payload_len(uint64_t id) { return (size_t)(id % 61) + 3; }

static struct gnode *new_node(uint64_t id) {
  struct gnode *n = gort_alloc_typed(&gnode_type, 1);
  n->id = id;
  size_t len = payload_len(id);
  GORT_STORE(n->payload, gort_alloc_noscan(len));
  for (size_t i = 0; i < len; i++)
    n->payload[i] = (unsigned char)(id >> (i % 8) * 8) ^ (unsigned char)i;
  n->check = checksum(id, n->payload, len);
  /* An address, kept as a plain integer: must not keep its object. */
  n->not_a_ptr = (uintptr_t)gort_alloc(24);
  return n;
}

static void check_node(const struct gnode *n) {
  CHECK(n->payload != NULL);
  CHECK_EQ(n->check, checksum(n->id, n->payload, payload_len(n->id)));
}

static const uint8_t slot_mask[] = {1};
static const gort_type slots_type = {sizeof(void *), slot_mask, "slots"};

static atomic_int graph_cycles_done;

/* Each worker's roots: an array object reached from a global slot. */
static struct gnode **volatile graph_roots[GRAPH_WORKERS];
static atomic_uint_fast64_t graph_checked;

static uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Visit what is reachable from node n (depth-bounded), checking each. */
static void visit(const struct gnode *n, int depth) {
  if (n == NULL || depth == 0)
    return;
  check_node(n);
  atomic_fetch_add(&graph_checked, 1);
  for (int e = 0; e < 3; e++)
    visit(n->edge[e], depth - 1);
}

static void graph_worker(void *arg) {
  uintptr_t w = (uintptr_t)arg;
  struct gnode **slots = gort_alloc_typed(&slots_type, GRAPH_SLOTS);
  GORT_STORE(graph_roots[w], slots);
  uint64_t seed = 0x12345 + w * 77, id = (uint64_t)w << 40;
  /* At least this many steps, and on until the forced cycles are done. */
  int steps = STRESS(40000, 6000);
  for (int i = 0; i < steps || !atomic_load(&graph_cycles_done); i++) {
    uint64_t r = xorshift(&seed);
    uint32_t a = (uint32_t)(r % GRAPH_SLOTS),
             b = (uint32_t)(r >> 20) % GRAPH_SLOTS;
    switch (r >> 40 & 7) {
    case 0:
    case 1:
    case 2: /* a new node in a slot; the old one may die */
      GORT_STORE(slots[a], new_node(id++));
      break;
    case 3:
    case 4: /* an edge between two slots' nodes */
      if (slots[a] && slots[b])
        GORT_STORE(slots[a]->edge[r >> 50 & 1 ? 1 : (r >> 51 & 1) * 2],
                   slots[b]);
      break;
    case 5: /* drop a slot: its subgraph may die */
      GORT_STORE(slots[a], NULL);
      break;
    default: /* check what a slot reaches */
      visit(slots[a], 4);
      break;
    }
    if (i % 256 == 0)
      gort_yield();
  }
  for (int a = 0; a < GRAPH_SLOTS; a++)
    visit(slots[a], 6);
}

static gort_waitgroup graph_wg = GORT_WAITGROUP_INIT;
enum { GRAPH_FORCED = STRESS(120, 12) };

static void graph_worker_done(void *arg) {
  graph_worker(arg);
  gort_waitgroup_done(&graph_wg);
}

/* Forced cycles beside the paced ones, while the workers run. */
static void graph_collector(void *arg) {
  (void)arg;
  for (int k = 0; k < GRAPH_FORCED; k++) {
    gort_gc();
    gort_yield();
  }
  atomic_store(&graph_cycles_done, 1);
  gort_waitgroup_done(&graph_wg);
}

TEST_IMPL(gc_random_graphs) {
  if (gort_maxprocs() < 4)
    gort_set_maxprocs(4);
  gort_set_gc_percent(10); /* many small cycles */
  gort_gc();
  gort_memstats base, end;
  gort_read_memstats(&base);
  int rounds = STRESS(3, 2) > 0 ? STRESS(3, 2) : 1; /* TSan: 1 */
  for (int round = 0; round < rounds; round++) {
    atomic_store(&graph_cycles_done, 0);
    gort_waitgroup_add(&graph_wg, GRAPH_WORKERS + 1);
    for (uintptr_t w = 0; w < GRAPH_WORKERS; w++)
      CHECK_EQ(gort_go(graph_worker_done, (void *)w), 0);
    CHECK_EQ(gort_go(graph_collector, NULL), 0);
    gort_waitgroup_wait(&graph_wg);
  }
  gort_read_memstats(&end);
  /* Hundreds of collections at full size (GOGC 10), each verified
   * (gcverify=1 in test-list.h). */
  CHECK(end.num_gc - base.num_gc >= (uint32_t)(rounds * GRAPH_FORCED));
  CHECK(atomic_load(&graph_checked) > 0);
  /* Every graph dropped: the heap comes back near where it began. */
  for (int w = 0; w < GRAPH_WORKERS; w++)
    GORT_STORE(graph_roots[w], NULL);
  gort_gc();
  gort_gc();
  gort_read_memstats(&end);
  CHECK(end.heap_alloc < base.heap_alloc + (1u << 20));
  return 0;
}

/* ---- gctrace and bad settings -------------------------------------------- */

TEST_IMPL(gc_gctrace_line) {
  gort_gc();
  gort_gc(); /* the output must hold "gc 2 @..." (test-list.h) */
  return 0;
}

TEST_IMPL(crash_bad_gogc) { return 1; /* dies at start */ }
TEST_IMPL(crash_bad_memlimit) { return 1; /* dies at start */ }

/* ---- gc_heap_snapshot: the spans as the page sees them ------------------- */

static void *volatile snap_keep[200];

TEST_IMPL(gc_heap_snapshot) {
  for (int i = 0; i < 200; i++)
    GORT_STORE(snap_keep[i],
               i < 199 ? gort_alloc_noscan(1000) : gort_alloc(100000));
  gort_gc();
  CHECK(gort_heap_snapshot(NULL, 0) > 0);
  size_t cap = 1 << 14;
  gort_span_info *spans = gort_alloc_noscan(cap * sizeof *spans);
  size_t n = gort_heap_snapshot(spans, cap);
  CHECK(n <= cap);
  CHECK_EQ(gort_heap_snapshot(spans, 1), n); /* the total, whatever cap */
  n = gort_heap_snapshot(spans, cap);
  gort_memstats m;
  gort_read_memstats(&m);
  uint64_t inuse_pages = 0, free_pages = 0, released_pages = 0, objects = 0;
  bool saw_large = false, saw_1000 = false;
  for (size_t i = 0; i < n; i++) {
    const gort_span_info *s = &spans[i];
    CHECK(i == 0 ||
          s->base >= spans[i - 1].base + (uintptr_t)spans[i - 1].npages * 8192);
    CHECK(s->npages > 0);
    if (s->state == GORT_SPAN_FREE) {
      free_pages += s->npages;
      released_pages += s->released_pages;
      CHECK(s->released_pages <= s->npages);
      continue;
    }
    CHECK_EQ(s->state, GORT_SPAN_IN_USE);
    inuse_pages += s->npages;
    CHECK(s->allocated <= s->objects);
    CHECK_EQ(s->marked, 0); /* no mark in progress */
    objects += s->allocated;
    if (s->size_class == 0 && s->npages >= 13 && !s->noscan)
      saw_large = true;
    if (s->size_class != 0 && s->elem_size == 1024 && s->noscan &&
        s->allocated >= 8)
      saw_1000 = true;
  }
  CHECK(saw_large && saw_1000);
  /* The snapshot's own buffer, allocated since the stats, is one object. */
  CHECK_EQ(inuse_pages * 8192, m.heap_inuse);
  CHECK_EQ(free_pages * 8192, m.heap_idle);
  /* The scavenger may release more between the two reads, never less. */
  CHECK(released_pages * 8192 <= m.heap_released);
  CHECK_EQ(objects, m.heap_objects);
  return 0;
}

/* ---- gc_forced_by_sysmon: no cycle for a while, sysmon starts one ------- */

TEST_IMPL(gc_forced_by_sysmon) {
  gort_gc(); /* the collector's goroutine exists */
  gort_memstats before, after;
  gort_read_memstats(&before);
  /* Go's period is 2 minutes; 20 ms here, and nothing allocates. */
  gort__atomic_store_relaxed(&gort__gc_force_period_ns,
                             (int64_t)20 * 1000 * 1000);
  for (int i = 0; i < 500; i++) {
    gort_sleep(10 * 1000 * 1000);
    gort_read_memstats(&after);
    if (after.num_gc >= before.num_gc + 2)
      break;
  }
  CHECK(after.num_gc >= before.num_gc + 2);
  CHECK_EQ(after.num_forced_gc, before.num_forced_gc); /* not gort_gc's */
  /* GOGC off: no time-forced cycles (Go's gcTrigger.test). */
  gort_set_gc_percent(-1);
  /* A cycle asked for just before may still end: wait until none does. */
  for (int i = 0; i < 100; i++) {
    gort_read_memstats(&before);
    gort_sleep(50 * 1000 * 1000);
    gort_read_memstats(&after);
    if (after.num_gc == before.num_gc)
      break;
  }
  gort_read_memstats(&before);
  gort_sleep(200 * 1000 * 1000);
  gort_read_memstats(&after);
  CHECK_EQ(after.num_gc, before.num_gc);
  return 0;
}

/* ---- gc_back_to_back_fair_one_p: on one P, a goroutine running
 * collections back to back does not starve the others. The collector
 * wakes its caller at the tail of the run queue, not in runnext (mgc.c:
 * park_in_list_unlock): a goroutine made runnable just before gort_gc
 * runs before the caller resumes, every time. With both in runnext the
 * caller and the collector handed the P to each other inheriting one
 * time slice, and it waited for the slice's end (10 ms) while cycles
 * went by (two thirds of the time here). ---- */

static gort_chan *fair_wake;
static atomic_long fair_runs;
static gort_waitgroup fair_done = GORT_WAITGROUP_INIT;

static void fair_waker(void *arg) {
  (void)arg;
  long v;
  while (gort_chan_recv(fair_wake, &v) && v >= 0)
    atomic_fetch_add(&fair_runs, 1);
  gort_waitgroup_done(&fair_done);
}

TEST_IMPL(gc_back_to_back_fair_one_p) {
  enum { CYCLES = 200 };
  CHECK_EQ(gort_maxprocs(), 1);
  fair_wake = gort_chan_make(sizeof(long), 1);
  CHECK(fair_wake != NULL);
  gort_waitgroup_add(&fair_done, 1);
  CHECK_EQ(gort_go(fair_waker, NULL), 0);
  long late = 0;
  for (long i = 0; i < CYCLES; i++) {
    long before = atomic_load(&fair_runs);
    gort_chan_send(fair_wake, &i); /* the waker is runnable now */
    gort_gc();
    if (atomic_load(&fair_runs) == before)
      late++;
  }
  long stop = -1;
  gort_chan_send(fair_wake, &stop);
  gort_waitgroup_wait(&fair_done);
  gort_chan_free(fair_wake);
  if (late > 0) {
    fprintf(stderr,
            "the waker had not run by the cycle's end %ld times in %d\n", late,
            CYCLES);
    return 1;
  }
  return 0;
}

/* ---- gc_mark_heap_near_goal: a fast allocator's heap during marks ------- *
 * Two goroutines allocate as fast as they can beside a live tree,
 * for a dozen concurrent cycles, and sample the heap during each mark
 * (the same mark before and after the reading: mgc.c moves the goal only
 * at mark termination). The assists (mgcassist.c) must hold the heap near
 * the mark's goal: no sample more than an eighth of the goal (plus 64 KB
 * per P: spans cached, allocation between a span's taking and its
 * assist) past it. */

enum { NEAR_GOAL_DEPTH = 15, NEAR_GOAL_ALLOCATORS = 2, NEAR_GOAL_CYCLES = 12 };

static struct node *near_goal_tree;
static _Atomic(uint64_t) near_goal_worst_ppm, near_goal_samples, near_goal_over;
static atomic_int near_goal_stop;

struct near_goal_reading {
  uint64_t live, goal;
};

/* A reading taken within one mark, else false. */
static bool read_in_mark(struct near_goal_reading *r) {
  uint32_t gen = gort__gc_scan_gen();
  if (!gort__wb_on())
    return false;
  r->goal = gort__gc_heap_goal();
  r->live = gort__gc_heap_live();
  return gort__wb_on() && gort__gc_scan_gen() == gen && r->goal != UINT64_MAX;
}

static void near_goal_allocator(void *arg) {
  gort_waitgroup *wg = arg;
  void *volatile sink = NULL;
  for (uint64_t i = 0; !atomic_load(&near_goal_stop); i++) {
    struct node *n = gort_alloc_typed(&node_type, 1);
    n->id = i;
    sink = n;
    struct near_goal_reading r;
    if (i % 64 == 0 && read_in_mark(&r)) {
      gort__atomic_add_relaxed(&near_goal_samples, 1);
      uint64_t slack = (uint64_t)gort_maxprocs() * (64 << 10);
      if (r.live > r.goal + r.goal / 8 + slack)
        gort__atomic_add_relaxed(&near_goal_over, 1);
      uint64_t ppm = r.live / (r.goal / 1000000 + 1);
      uint64_t worst = gort__atomic_load_relaxed(&near_goal_worst_ppm);
      while (ppm > worst &&
             !gort__atomic_cas_weak_relaxed(&near_goal_worst_ppm, &worst, ppm))
        ;
    }
  }
  (void)sink;
  gort_waitgroup_done(wg);
}

TEST_IMPL(gc_mark_heap_near_goal) {
  uint64_t next_id = 0;
  GORT_STORE(near_goal_tree, make_tree(NEAR_GOAL_DEPTH, &next_id));
  gort_gc();
  gort_memstats before, now;
  gort_read_memstats(&before);
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, NEAR_GOAL_ALLOCATORS);
  for (int i = 0; i < NEAR_GOAL_ALLOCATORS; i++)
    CHECK_EQ(gort_go(near_goal_allocator, &wg), 0);
  do {
    gort_sleep(5 * 1000 * 1000);
    gort_read_memstats(&now);
  } while (now.num_gc < before.num_gc + NEAR_GOAL_CYCLES);
  atomic_store(&near_goal_stop, 1);
  gort_waitgroup_wait(&wg);
  uint64_t worst = gort__atomic_load_relaxed(&near_goal_worst_ppm);
  uint64_t samples = gort__atomic_load_relaxed(&near_goal_samples);
  uint64_t over = gort__atomic_load_relaxed(&near_goal_over);
  fprintf(stderr,
          "%llu samples in marks, %llu over the bound, worst heap/goal "
          "%.4f\n",
          (unsigned long long)samples, (unsigned long long)over,
          (double)worst / 1e6);
  CHECK(gort__gc_concurrent());
  CHECK(samples > 0);
  CHECK_EQ(over, 0);
  CHECK_EQ(near_goal_tree->id, 0);
  return 0;
}
