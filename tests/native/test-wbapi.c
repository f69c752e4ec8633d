/*
 * test-wbapi.c - the write barrier's public calls (gort.h, "Memory: the
 * write barrier"; runtime/mem/mbarrier.c): gort_store_ptr and GORT_STORE
 * store exactly as a plain assignment does, gort_copy_ptrs as memmove
 * (overlapping ranges both ways, any alignment and length), and
 * gort_clear_ptrs as memset(0), with no mark running and while one runs;
 * objects stored, copied and cleared only through them stay allocated and
 * intact (checksummed payloads) across back-to-back concurrent cycles,
 * from goroutines on every P and from a thread of the program's own, and
 * what they drop is freed.
 *
 * "While a mark runs": a collector goroutine runs gort_gc back to back
 * while the case works on another P, and the case counts the operations
 * that began with the barrier on (mbarrier.h: gort__wb_on). It works on
 * until enough did, a bounded number of times: under the concurrent
 * collector at least WANT_MARKED must have; under GORT_GC=stw the barrier
 * is never on, and the case checks that too.
 *
 * Invariants: the objects a case checks are reachable only through memory
 * written with these calls (a global, a registered C range, GC objects).
 * Locking: none; workers share nothing but the collector's stop flag and
 * counters (atomics).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "debug/debugvars.h"
#include "gc-test.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"

/* ---- the collector beside the case ----------------------------------- */

static struct gc_loop collector = {.done = GORT_WAITGROUP_INIT};

/* Checkmark after every concurrent mark (GORT_DEBUG=gccheckmark=1): a
 * store that escaped the barrier dies there, even one that freed nothing.
 * Natively only: on wasm32 the heap's addresses are small numbers, and an
 * integer in global data that is not ours (seen: an odd value 21 MiB up,
 * inside the heap) reads as a pointer no barrier shaded, which checkmark
 * reports (docs/API.md, "Integers that look like pointers"). */
#ifdef __EMSCRIPTEN__
enum { CHECKMARK = 0 };
#else
enum { CHECKMARK = 1 };
#endif

static void collector_start(void) {
  if (CHECKMARK)
    gort__debug.gccheckmark = 1;
  if (gort_maxprocs() < 2)
    gort_set_maxprocs(2); /* the case and the mark side by side */
  gc_loop_start(&collector, 0);
}

/* Operations that began with the barrier on: at least this many under
 * the concurrent collector, within MAX_ROUNDS rounds. */
enum { WANT_MARKED = STRESS(200, 40) > 0 ? STRESS(200, 40) : 8 };
enum { MIN_ROUNDS = STRESS(2000, 400), MAX_ROUNDS = 20000000 };

static bool enough(long rounds, long marked) {
  if (rounds < MIN_ROUNDS)
    return false;
  if (!gort__gc_concurrent())
    return rounds >= MIN_ROUNDS;
  return marked >= WANT_MARKED || rounds >= MAX_ROUNDS;
}

static void check_marked(long marked) {
  if (gort__gc_concurrent())
    CHECK(marked >= WANT_MARKED);
  else
    CHECK_EQ(marked, 0); /* the stop-the-world collector: never on */
}

/* ---- wb_store_semantics: a store is an assignment ---------------------- */

struct node {
  struct node *next;
  const char *name;
  uint64_t id;
};
static const uint8_t node_mask[] = {1u << GORT_PTRMASK_WORD(struct node, next) |
                                    1u << GORT_PTRMASK_WORD(struct node, name)};
static const gort_type node_type = {sizeof(struct node), node_mask, "node"};

static struct node *global_node;     /* a global: a root */
static void *global_words[4];        /* its neighbours stay untouched */
static const char *const NAME = "n"; /* not in the GC heap */

static int value_calls;
static void *counted(void *p) {
  value_calls++;
  return p;
}

/* One round of stores into every kind of memory the rule covers (and a
 * local, which needs no barrier but may have one); each read back. */
static void store_round(void **c_range, uint64_t i) {
  struct node *a = gort_alloc_typed(&node_type, 1);
  struct node *b = gort_alloc_typed(&node_type, 1);
  a->id = i;
  b->id = i + 1;
  GORT_STORE(a->next, b);    /* a GC object, precise */
  GORT_STORE(a->name, NAME); /* not a heap pointer: stored all the same */
  CHECK(a->next == b && a->name == NAME && a->id == i);
  GORT_STORE(b->next, NULL);
  CHECK(b->next == NULL && b->id == i + 1);
  void **cons = gort_alloc(4 * sizeof(void *)); /* conservative */
  gort_store_ptr(&cons[2], a);
  CHECK(cons[0] == NULL && cons[1] == NULL && cons[2] == a && cons[3] == NULL);
  GORT_STORE(global_node, a);
  CHECK(global_node == a);
  /* The value and the lvalue are evaluated once each. */
  int k = 0;
  value_calls = 0;
  GORT_STORE(global_words[k++], counted(b));
  CHECK_EQ(value_calls, 1);
  CHECK_EQ(k, 1);
  CHECK(global_words[0] == b && global_words[1] == NULL);
  GORT_STORE(global_words[0], NULL);
  CHECK(global_words[0] == NULL);
  GORT_STORE(c_range[i % 8], cons); /* a registered C range */
  CHECK(c_range[i % 8] == cons);
  struct node *local = NULL;
  GORT_STORE(local, b);
  CHECK(local == b);
  gort_keepalive(local);
}

TEST_IMPL(wb_store_semantics) {
  void **c_range = calloc(8, sizeof *c_range);
  CHECK(c_range != NULL);
  CHECK_EQ(gort_gc_add_root(c_range, 8 * sizeof *c_range), 0);
  /* No mark running: no collector has started one. */
  CHECK(!gort__wb_on());
  for (uint64_t i = 0; i < 100; i++)
    store_round(c_range, i);
  /* With marks running beside. */
  collector_start();
  long marked = 0, rounds = 0;
  for (; !enough(rounds, marked); rounds++) {
    marked += gort__wb_on();
    store_round(c_range, (uint64_t)rounds);
    if (rounds % 64 == 0)
      gort_yield();
  }
  gc_loop_stop(&collector);
  check_marked(marked);
  /* What the range and the global hold is intact after all those cycles
   * (each cons points at a node whose next is a node). */
  gort_gc();
  for (int s = 0; s < 8; s++) {
    void **cons = c_range[s];
    CHECK(cons != NULL && gort__find_object(cons, NULL) == cons);
    struct node *a = cons[2];
    CHECK(gort__find_object(a, NULL) == a && a->name == NAME);
    CHECK(gort__find_object(a->next, NULL) == a->next);
    CHECK_EQ(a->next->id, a->id + 1);
  }
  CHECK(global_node->next->id == global_node->id + 1);
  CHECK_EQ(gort_gc_remove_root(c_range), 0);
  free(c_range);
  GORT_STORE(global_node, NULL);
  return 0;
}

/* ---- wb_copy_semantics: copy is memmove, clear is memset --------------- */

enum { BUF = 512, TARGETS = 16 };
static void *copy_targets[TARGETS]; /* kept: what the buffer points at */

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Fill buf (BUF bytes, word-aligned) with heap pointers in some words and
 * bytes in the rest, as a plain loop: the same in both copies. */
static void fill(unsigned char *buf, uint64_t *seed) {
  for (size_t w = 0; w < BUF / sizeof(void *); w++) {
    uint64_t r = rng_next(seed);
    if (r % 3 == 0) {
      void *p = copy_targets[r / 3 % TARGETS];
      memcpy(buf + w * sizeof p, &p, sizeof p);
    } else {
      for (size_t b = 0; b < sizeof(void *); b++)
        buf[w * sizeof(void *) + b] = (unsigned char)(r >> (8 * b));
    }
  }
}

/* One random copy or clear on a GC buffer and on a plain reference;
 * they must agree byte for byte. */
static void copy_round(unsigned char *gc_buf, unsigned char *ref,
                       uint64_t *seed) {
  uint64_t r = rng_next(seed);
  size_t n = (size_t)(r % (BUF / 2 + 1)); /* 0 .. BUF/2: odd lengths too */
  size_t src = (size_t)(r >> 12) % (BUF - n + 1);
  size_t dst = (size_t)(r >> 24) % (BUF - n + 1);
  switch (r >> 40 & 3) {
  case 0: /* overlapping or not, any alignment: memmove */
  case 1:
    gort_copy_ptrs(gc_buf + dst, gc_buf + src, n);
    memmove(ref + dst, ref + src, n);
    break;
  case 2: /* from C memory (here the reference) into the GC object */
    gort_copy_ptrs(gc_buf + dst, ref + src, n);
    memmove(ref + dst, ref + src, n);
    break;
  default:
    gort_clear_ptrs(gc_buf + dst, n);
    memset(ref + dst, 0, n);
    break;
  }
  CHECK(memcmp(gc_buf, ref, BUF) == 0);
  if (r % 61 == 0) { /* now and then, pointers again */
    uint64_t s = r;
    fill(ref, &s);
    s = r;
    unsigned char fresh[BUF] __attribute__((aligned(16)));
    fill(fresh, &s);
    gort_copy_ptrs(gc_buf, fresh, BUF);
    CHECK(memcmp(gc_buf, ref, BUF) == 0);
  }
}

TEST_IMPL(wb_copy_semantics) {
  for (int i = 0; i < TARGETS; i++)
    GORT_STORE(copy_targets[i], gort_alloc(24 + 8 * (size_t)i));
  unsigned char *gc_buf = gort_alloc(BUF); /* conservative: all scanned */
  unsigned char *ref = malloc(BUF);
  CHECK(gc_buf != NULL && ref != NULL);
  uint64_t seed = 0x9e3779b97f4a7c15ull, s = seed;
  fill(ref, &s);
  gort_copy_ptrs(gc_buf, ref, BUF);
  CHECK(memcmp(gc_buf, ref, BUF) == 0);
  /* Zero bytes: nothing moves, any pointers. */
  gort_copy_ptrs(gc_buf + 3, gc_buf + 100, 0);
  gort_clear_ptrs(gc_buf + 5, 0);
  CHECK(memcmp(gc_buf, ref, BUF) == 0);
  CHECK(!gort__wb_on());
  for (int i = 0; i < 2000; i++)
    copy_round(gc_buf, ref, &seed);
  collector_start();
  long marked = 0, rounds = 0;
  for (; !enough(rounds, marked); rounds++) {
    marked += gort__wb_on();
    copy_round(gc_buf, ref, &seed);
    if (rounds % 64 == 0)
      gort_yield();
  }
  gc_loop_stop(&collector);
  check_marked(marked);
  gort_keepalive(gc_buf);
  free(ref);
  return 0;
}

/* ---- wb_keeps_alive: only the barrier's calls hold the objects --------- */

/* An item: a checksummed payload in a pointer-free block it points to. */
struct item {
  uint64_t id, sum;
  unsigned char *payload;
};
static const uint8_t item_mask[] = {1u
                                    << GORT_PTRMASK_WORD(struct item, payload)};
static const gort_type item_type = {sizeof(struct item), item_mask, "item"};

static size_t payload_len(uint64_t id) { return (size_t)(id % 45) + 4; }

static uint64_t checksum(uint64_t id, const unsigned char *p, size_t n) {
  uint64_t h = id ^ 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static struct item *new_item(uint64_t id) {
  struct item *it = gort_alloc_typed(&item_type, 1);
  it->id = id;
  size_t n = payload_len(id);
  unsigned char *p = gort_alloc_noscan(n);
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)(id * 131 + i);
  GORT_STORE(it->payload, p);
  it->sum = checksum(id, p, n);
  return it;
}

static atomic_long items_checked;

static void check_item(const struct item *it) {
  if (it == NULL)
    return;
  CHECK(gort__find_object(it, NULL) == it);
  CHECK(gort__find_object(it->payload, NULL) != NULL); /* tiny: inside */
  CHECK_EQ(it->sum, checksum(it->id, it->payload, payload_len(it->id)));
  atomic_fetch_add(&items_checked, 1);
}

/* Each worker's items: two slot arrays (GC objects) hung from a global,
 * and a registered C range; the items move between them by store, copy
 * (overlapping, within one array and across) and clear. */
enum { WORKERS = 4, SLOTS = 64 };
static const uint8_t slot_mask[] = {1};
static const gort_type slots_type = {sizeof(void *), slot_mask, "slots"};

struct lists {
  struct item **a, **b;
};
static struct lists *volatile worker_lists[WORKERS]; /* roots */
static struct item **worker_ranges[WORKERS];         /* malloc'd, rooted */

static atomic_long keep_marked, items_made;

static void keep_worker(void *arg) {
  uintptr_t w = (uintptr_t)arg;
  struct lists *l = gort_alloc(sizeof *l); /* conservative */
  GORT_STORE(l->a, gort_alloc_typed(&slots_type, SLOTS));
  GORT_STORE(l->b, gort_alloc_typed(&slots_type, SLOTS));
  GORT_STORE(worker_lists[w], l);
  struct item **range = worker_ranges[w];
  uint64_t seed = 0xabcdef + w * 1000003, id = (uint64_t)w << 40;
  int steps = STRESS(30000, 4000);
  for (int i = 0; i < steps || !atomic_load(&collector.stop); i++) {
    if (gort__wb_on())
      atomic_fetch_add(&keep_marked, 1);
    uint64_t r = rng_next(&seed);
    size_t x = (size_t)(r % SLOTS), y = (size_t)(r >> 8) % SLOTS;
    size_t n = (size_t)(r >> 16) % (SLOTS - (x > y ? x : y)) + 1;
    struct item **from = r >> 30 & 1 ? l->a : l->b;
    struct item **to = r >> 31 & 1 ? l->a : l->b;
    switch (r >> 40 & 7) {
    case 0:
    case 1: /* a new item; the old one may die */
      GORT_STORE(from[x], new_item(id++));
      atomic_fetch_add(&items_made, 1);
      break;
    case 2: /* overlapping (or not) moves of n slots */
      gort_copy_ptrs(&to[y], &from[x], n * sizeof *from);
      break;
    case 3: /* into the C range and back */
      gort_copy_ptrs(&range[0], &from[x], (n < 8 ? n : 8) * sizeof *from);
      gort_copy_ptrs(&to[y], &range[r >> 50 & 7],
                     (n < 8 - (r >> 50 & 7) ? n : 8 - (r >> 50 & 7)) *
                         sizeof *from);
      break;
    case 4: /* drop n slots: what only they held may die */
      gort_clear_ptrs(&from[x], n * sizeof *from);
      break;
    case 5: /* swap the two arrays: a plain local holds one meanwhile */
    {
      struct item **t = l->a;
      GORT_STORE(l->a, l->b);
      GORT_STORE(l->b, t);
      break;
    }
    default: /* check what the slots hold */
      for (size_t k = 0; k < n; k++)
        check_item(from[x + k]);
      break;
    }
    if (i % 128 == 0)
      gort_yield();
  }
  for (int k = 0; k < SLOTS; k++) {
    check_item(l->a[k]);
    check_item(l->b[k]);
  }
  for (int k = 0; k < 8; k++)
    check_item(range[k]);
}

static gort_waitgroup keep_wg = GORT_WAITGROUP_INIT;

static void keep_worker_done(void *arg) {
  keep_worker(arg);
  gort_waitgroup_done(&keep_wg);
}

/* A thread of the program's own, no P: stores into a GC object with the
 * barrier while cycles run (the barrier shades at once, under a lock). Its
 * items are also held by a global array, as memory the collector cannot
 * see (its stack) must never be a GC pointer's only home. */
enum { THREAD_ITEMS = 16 };
static struct item *thread_items[THREAD_ITEMS]; /* roots */
static struct item **thread_slots;              /* a GC object */

static void *foreign_stores(void *arg) {
  (void)arg;
  uint64_t seed = 77;
  for (int i = 0; i < STRESS(200000, 20000); i++) {
    uint64_t r = rng_next(&seed);
    size_t s = (size_t)(r % THREAD_ITEMS);
    gort_store_ptr(&thread_slots[s], thread_items[(r >> 8) % THREAD_ITEMS]);
    if (r >> 20 & 1)
      gort_copy_ptrs(&thread_slots[0], &thread_slots[1],
                     (THREAD_ITEMS - 1) * sizeof *thread_slots);
    else
      gort_clear_ptrs(&thread_slots[s], sizeof *thread_slots);
  }
  return NULL;
}

/* Natively only: a wasm build's threads are its worker pool's, all of
 * them the runtime's (test-list.h's foreign-thread cases are NATIVE). */
#ifdef __EMSCRIPTEN__
enum { FOREIGN_THREAD = 0 };
#else
enum { FOREIGN_THREAD = 1 };
#endif

static void foreign_thread(void *arg) {
  (void)arg;
  if (FOREIGN_THREAD)
    RUN_ON_FOREIGN_THREAD(foreign_stores, NULL);
  gort_waitgroup_done(&keep_wg);
}

static int keeps_alive(void) {
  if (gort_maxprocs() < WORKERS)
    gort_set_maxprocs(WORKERS);
  gort_set_gc_percent(20); /* paced cycles besides the forced ones */
  gort_gc();
  gort_memstats base, end;
  gort_read_memstats(&base);
  for (int w = 0; w < WORKERS; w++) {
    worker_ranges[w] = calloc(8, sizeof(struct item *));
    CHECK(worker_ranges[w] != NULL);
    CHECK_EQ(gort_gc_add_root(worker_ranges[w], 8 * sizeof(struct item *)), 0);
  }
  GORT_STORE(thread_slots, gort_alloc_typed(&slots_type, THREAD_ITEMS));
  for (int i = 0; i < THREAD_ITEMS; i++)
    GORT_STORE(thread_items[i], new_item(1000000 + (uint64_t)i));
  collector_start();
  gort_waitgroup_add(&keep_wg, WORKERS + 1);
  for (uintptr_t w = 0; w < WORKERS; w++)
    CHECK_EQ(gort_go(keep_worker_done, (void *)w), 0);
  CHECK_EQ(gort_go(foreign_thread, NULL), 0);
  /* The workers go on until the collector has run enough cycles, and
   * (concurrent) enough of their operations began during a mark. */
  for (long waited = 0;
       waited < 600000 &&
       (atomic_load(&collector.cycles) < STRESS(20, 8) ||
        (gort__gc_concurrent() && atomic_load(&keep_marked) < WANT_MARKED));
       waited++)
    gort_sleep(100000);
  gc_loop_stop(&collector);
  gort_waitgroup_wait(&keep_wg);
  check_marked(atomic_load(&keep_marked));
  CHECK(atomic_load(&items_checked) > 0);
  for (int i = 0; i < THREAD_ITEMS; i++) {
    check_item(thread_items[i]);
    check_item(thread_slots[i]);
  }
  /* Everything dropped: the heap comes back near where it began. */
  for (int w = 0; w < WORKERS; w++) {
    GORT_STORE(worker_lists[w], NULL);
    gort_clear_ptrs(worker_ranges[w], 8 * sizeof(struct item *));
  }
  gort_clear_ptrs(thread_items, sizeof thread_items);
  GORT_STORE(thread_slots, NULL);
  gort_gc();
  gort_gc();
  gort_read_memstats(&end);
  /* Two objects an item: most of what was made went. */
  CHECK(end.frees - base.frees >= (uint64_t)atomic_load(&items_made));
  CHECK(end.heap_alloc < base.heap_alloc + (256u << 10));
  for (int w = 0; w < WORKERS; w++) {
    CHECK_EQ(gort_gc_remove_root(worker_ranges[w]), 0);
    free(worker_ranges[w]);
  }
  return 0;
}

TEST_IMPL(wb_keeps_alive) { return keeps_alive(); }

/* The same under GORT_GC=stw (test-list.h): the calls are plain stores
 * there, and nothing else changes. */
TEST_IMPL(wb_keeps_alive_stw) { return keeps_alive(); }

/* ---- bad input ---------------------------------------------------------- */

/* GORT_GC=fast (test-list.h): dies at start, before this runs. */
TEST_IMPL(crash_gc_bad_env) { return 0; }
