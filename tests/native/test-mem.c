/*
 * test-mem.c - the allocator's lower layers, tested from inside (internal
 * headers): the generated size classes and the page heap (arenas, spans,
 * the page -> span map, split and coalesce) and object allocation (tiny,
 * small through the P caches and central lists, large; finding an object
 * from an interior pointer). No public API uses them yet: nothing frees
 * objects until the collector exists.
 */
#include <stdatomic.h>
#include <string.h>

#include "mem/malloc.h"
#include "mem/mgc.h"
#include "mem/mgcwork.h"
#include "mem/mheap.h"
#include "test.h"

/* ---- mem_size_classes
 * -------------------------------------------------------- */

TEST_IMPL(mem_size_classes) {
  CHECK_EQ(GORT_NUM_SIZE_CLASSES, 68);
  CHECK_EQ(gort__class_to_size[GORT_NUM_SIZE_CLASSES - 1], GORT_MAX_SMALL_SIZE);
  for (int c = 2; c < GORT_NUM_SIZE_CLASSES; c++)
    CHECK(gort__class_to_size[c] > gort__class_to_size[c - 1]);
  /* Every size maps to the smallest class that holds it. */
  for (size_t size = 1; size <= GORT_MAX_SMALL_SIZE; size++) {
    uint8_t c = gort__size_to_class(size);
    CHECK(c >= 1 && c < GORT_NUM_SIZE_CLASSES);
    CHECK(gort__class_to_size[c] >= size);
    CHECK(c == 1 || gort__class_to_size[c - 1] < size);
  }
  for (int c = 1; c < GORT_NUM_SIZE_CLASSES; c++) {
    size_t size = gort__class_to_size[c];
    size_t span = (size_t)gort__class_to_npages[c] * GORT_PAGE_SIZE;
    size_t objects = span / size;
    CHECK(objects >= 1);
    /* The span's leftover is at most 1/8 of it. */
    CHECK(span - objects * size <= span / 8);
    /* Objects of 32 B and more are 16-byte aligned within a span (Go's
     * rule; 8, 16 and 24 B objects are 8-aligned). */
    CHECK(size % (size >= 32 ? 16 : 8) == 0);
    /* The multiply-shift division is exact for every offset. */
    uint64_t m = gort__class_to_divmagic[c];
    for (size_t n = 0; n <= span; n += 1 + (n % 7))
      CHECK_EQ((uint32_t)((n * m) >> 32), n / size);
  }
  return 0;
}

/* ---- mem_heap_spans
 * ------------------------------------------------------------ */

static uint32_t rng = 12345;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

enum { SPANS = 400 };

TEST_IMPL(mem_heap_spans) {
  static struct mspan *spans[SPANS];
  uintptr_t arenas_before = gort__mheap.arenas_mapped;
  (void)arenas_before;
  for (int i = 0; i < SPANS; i++) {
    uintptr_t npages = 1 + next_rand() % (i % 10 == 0 ? 300 : 8);
    spans[i] = gort__mheap_alloc(npages, (uint8_t)(i & 0xff));
    CHECK(spans[i] != NULL);
    struct mspan *s = spans[i];
    CHECK_EQ(s->npages, npages);
    CHECK_EQ(s->base % GORT_PAGE_SIZE, 0);
    /* The memory is usable: mark every page with the span's index. */
    for (uintptr_t p = 0; p < npages; p++)
      memset((char *)s->base + p * GORT_PAGE_SIZE, i & 0xff, 64);
    /* Every byte of it maps back to the span, and nothing else does. */
    CHECK(gort__span_of((void *)s->base) == s);
    CHECK(gort__span_of((void *)(gort__span_limit(s) - 1)) == s);
    CHECK(gort__span_of(
              (void *)(s->base + (npages / 2) * GORT_PAGE_SIZE + 17)) == s);
  }
  /* No two spans overlap, and the marks survived. */
  for (int i = 0; i < SPANS; i++) {
    for (uintptr_t p = 0; p < spans[i]->npages; p++)
      CHECK_EQ(((unsigned char *)spans[i]->base)[p * GORT_PAGE_SIZE], i & 0xff);
    for (int j = i + 1; j < SPANS; j++)
      CHECK(gort__span_limit(spans[i]) <= spans[j]->base ||
            gort__span_limit(spans[j]) <= spans[i]->base);
  }
  CHECK(gort__span_of(&rng) == NULL); /* not heap memory */
  CHECK(gort__span_of(NULL) == NULL);
  /* Free in a scrambled order; freed memory no longer maps to a span. */
  uintptr_t in_use = gort__mheap.pages_in_use;
  for (int k = 0; k < SPANS; k++) {
    int i = (int)((k * 7919u) % SPANS);
    uintptr_t base = spans[i]->base;
    in_use -= spans[i]->npages;
    gort__mheap_free(spans[i]);
    CHECK(gort__span_of((void *)base) == NULL);
    CHECK_EQ(gort__mheap.pages_in_use, in_use);
  }
  CHECK_EQ(gort__mheap.spans_in_use, 0);
  /* Everything coalesced: the whole heap is one free span per run of
   * adjacent arenas, so an allocation of all free pages in the largest
   * run succeeds without mapping more. */
  uintptr_t arenas = gort__mheap.arenas_mapped;
  struct mspan *all = gort__mheap_alloc(PAGES_PER_ARENA, 0);
  CHECK(all != NULL);
  CHECK_EQ(gort__mheap.arenas_mapped, arenas);
  gort__mheap_free(all);
  CHECK_EQ(gort__mheap.pages_free, gort__mheap.arenas_mapped * PAGES_PER_ARENA);
  return 0;
}

/* ---- mem_heap_large: a span larger than an arena
 * ------------------------------- */

TEST_IMPL(mem_heap_large) {
  uintptr_t npages = PAGES_PER_ARENA + PAGES_PER_ARENA / 2;
  struct mspan *s = gort__mheap_alloc(npages, 0);
  CHECK(s != NULL);
  CHECK_EQ(s->npages, npages);
  char *last = (char *)gort__span_limit(s) - 1;
  *last = 7;
  CHECK(gort__span_of(last) == s);
  CHECK(gort__span_of((char *)s->base + ARENA_BYTES) == s); /* second arena */
  gort__mheap_free(s);
  CHECK(gort__span_of(last) == NULL);
  CHECK(gort__mheap_alloc(0, 0) == NULL);
  CHECK(gort__mheap_alloc(UINTPTR_MAX / 2, 0) == NULL); /* absurd: no crash */
  return 0;
}

/* ---- mem_heap_concurrent: goroutines on every P allocate and free
 * ---------------- */

enum { WORKERS = 8, ROUNDS = 2000 };
static _Atomic int workers_done;

static void heap_worker(void *p) {
  uintptr_t id = (uintptr_t)p;
  struct mspan *mine[16] = {0};
  uint32_t r = (uint32_t)id * 2654435761u + 1;
  for (int i = 0; i < ROUNDS; i++) {
    r ^= r << 13;
    r ^= r >> 17;
    r ^= r << 5;
    int slot = (int)(r % 16);
    if (mine[slot]) {
      CHECK_EQ(*(uintptr_t *)mine[slot]->base, id);
      CHECK(gort__span_of((void *)mine[slot]->base) == mine[slot]);
      gort__mheap_free(mine[slot]);
      mine[slot] = NULL;
    } else {
      mine[slot] = gort__mheap_alloc(1 + r % 5, 0);
      CHECK(mine[slot] != NULL);
      *(uintptr_t *)mine[slot]->base = id;
    }
    if (i % 64 == 0)
      gort_yield();
  }
  for (int s = 0; s < 16; s++)
    if (mine[s])
      gort__mheap_free(mine[s]);
  atomic_fetch_add(&workers_done, 1);
}

TEST_IMPL(mem_heap_concurrent) {
  for (uintptr_t i = 0; i < WORKERS; i++)
    gort_go(heap_worker, (void *)(i + 1));
  while (atomic_load(&workers_done) < WORKERS)
    gort_sleep(1000 * 1000);
  CHECK_EQ(gort__mheap.spans_in_use, 0);
  CHECK_EQ(gort__mheap.pages_in_use, 0);
  return 0;
}

/* ---- mem_malloc_sizes: every size class, zeroed, aligned, found
 * ----------------- */

static bool all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0)
      return false;
  return true;
}

TEST_IMPL(mem_malloc_sizes) {
  CHECK(gort__mallocgc(0, true) == gort__mallocgc(0, false));
  static const size_t sizes[] = {
      1,    7,    8,     15,    16,    17,    24,    31,     32,
      33,   48,   100,   128,   129,   500,   1024,  1025,   2048,
      3000, 8192, 10000, 20000, 32767, 32768, 32769, 100000, 1 << 20};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t size = sizes[k];
    for (int noscan = 0; noscan < 2; noscan++) {
      for (int rep = 0; rep < 3; rep++) {
        unsigned char *p = gort__mallocgc(size, noscan);
        CHECK(p != NULL);
        CHECK(all_zero(p, size));
        /* Alignment: 8 (tiny objects: what their size needs, below);
         * 16 from 32 B; pages for large objects. */
        if (!noscan || size >= TINY_SIZE)
          CHECK((uintptr_t)p % 8 == 0);
        if (size >= 32 && size <= GORT_MAX_SMALL_SIZE)
          CHECK((uintptr_t)p % 16 == 0);
        if (size > GORT_MAX_SMALL_SIZE)
          CHECK((uintptr_t)p % GORT_PAGE_SIZE == 0);
        memset(p, 0xa5, size);
        struct mspan *s;
        if (noscan && size < TINY_SIZE) {
          CHECK(gort__find_object(p, &s) != NULL); /* its 16 B block */
          CHECK_EQ(s->elemsize, TINY_SIZE);
          continue;
        }
        /* Any byte of the object leads back to its start. */
        CHECK(gort__find_object(p, &s) == p);
        CHECK(gort__find_object(p + size - 1, NULL) == p);
        CHECK(gort__find_object(p + size / 2, NULL) == p);
        CHECK((s->spanclass & 1) == noscan);
        if (size <= GORT_MAX_SMALL_SIZE)
          CHECK_EQ(s->spanclass >> 1, gort__size_to_class(size));
        CHECK(s->elemsize >= size);
      }
    }
  }
  /* A free slot of a cached span is no object. */
  unsigned char *q = gort__mallocgc(4000, false);
  struct mspan *s;
  CHECK(gort__find_object(q, &s) == q);
  if (s->freeindex < s->nelems)
    CHECK(gort__find_object((void *)(s->base + s->freeindex * s->elemsize),
                            NULL) == NULL);
  return 0;
}

/* ---- mem_malloc_many: 200,000 objects, none shared
 * ------------------------------ */

TEST_IMPL(mem_malloc_many) {
  enum { N = 200000 };
  static uint64_t *objs[N];
  struct gort__malloc_totals before, after;
  gort__malloc_totals(&before);
  for (int i = 0; i < N; i++) {
    GORT_STORE(objs[i], gort__mallocgc(32, i % 2));
    CHECK(objs[i] != NULL);
    CHECK(objs[i][0] == 0 && objs[i][3] == 0);
    objs[i][0] = (uint64_t)i;
    objs[i][3] = ~(uint64_t)i;
  }
  for (int i = 0; i < N; i++) {
    CHECK_EQ(objs[i][0], i);
    CHECK_EQ(objs[i][3], ~(uint64_t)i);
  }
  gort__malloc_totals(&after);
  CHECK_EQ(after.small_allocs - before.small_allocs, N);
  /* 32 B objects: 256 a span, in two span classes (scan, noscan). */
  CHECK(after.spans_made - before.spans_made >= N / 256);
  CHECK(after.spans_made - before.spans_made <= N / 256 + 4);
  return 0;
}

/* ---- mem_malloc_tiny: small noscan objects share blocks
 * ------------------------- */

TEST_IMPL(mem_malloc_tiny) {
  enum { N = 10000 };
  static unsigned char *objs[N];
  static size_t lens[N];
  struct gort__malloc_totals before, after;
  gort__malloc_totals(&before);
  for (int i = 0; i < N; i++) {
    size_t size = 1 + (size_t)(i % 15);
    GORT_STORE(objs[i], gort__mallocgc(size, true));
    lens[i] = size;
    CHECK(objs[i] != NULL);
    CHECK(all_zero(objs[i], size));
    if (size % 8 == 0)
      CHECK((uintptr_t)objs[i] % 8 == 0);
    else if (size % 4 == 0)
      CHECK((uintptr_t)objs[i] % 4 == 0);
    else if (size % 2 == 0)
      CHECK((uintptr_t)objs[i] % 2 == 0);
    memset(objs[i], (int)(i & 0xff), size);
  }
  for (int i = 0; i < N; i++)
    for (size_t k = 0; k < lens[i]; k++)
      CHECK_EQ(objs[i][k], i & 0xff);
  gort__malloc_totals(&after);
  CHECK_EQ(after.tiny_allocs - before.tiny_allocs, N);
  /* 8 B on average: blocks are shared, so far fewer than N blocks (512
   * to a span) were taken. */
  uint64_t spans = after.spans_made - before.spans_made;
  CHECK(spans * 512 < N * 3 / 4);
  return 0;
}

/* ---- mem_malloc_reuse_zeroed: dirty pages come back zeroed
 * ---------------------- */

TEST_IMPL(mem_malloc_reuse_zeroed) {
  /* A large object: its span freed to the heap (as sweeping will), its
   * pages dirtied first; the next one to get those pages sees zeros. */
  size_t size = 5 * GORT_PAGE_SIZE;
  unsigned char *p = gort__mallocgc(size, true);
  CHECK(p != NULL);
  memset(p, 0xff, size);
  struct mspan *s = gort__span_of(p);
  CHECK(s != NULL);
  gort__mheap_free(s);
  struct mspan *again = gort__mheap_alloc(5, 0);
  CHECK(again != NULL);
  CHECK(again->needzero); /* those pages were handed out before */
  gort__mheap_free(again);
  unsigned char *q = gort__mallocgc(size, true);
  CHECK(all_zero(q, size));
  /* Small objects from a reused, dirty span are zeroed too. */
  struct mspan *dirty = gort__mheap_alloc(1, 0);
  memset((void *)dirty->base, 0xee, GORT_PAGE_SIZE);
  gort__mheap_free(dirty);
  gort__mcache_release_current(); /* the next span comes fresh */
  for (int i = 0; i < 300; i++) {
    unsigned char *o = gort__mallocgc(64, false);
    CHECK(all_zero(o, 64));
    memset(o, 0x11, 64);
  }
  return 0;
}

/* ---- mem_malloc_concurrent: goroutines on every P
 * -------------------------------- */

static _Atomic int mallocers_done;

static void mallocer(void *p) {
  uintptr_t id = (uintptr_t)p;
  enum { M = 20000 };
  uint64_t **mine = gort__mallocgc(M * sizeof *mine, false);
  CHECK(mine != NULL);
  for (int i = 0; i < M; i++) {
    size_t size = 8 + (size_t)((i * 37 + id) % 500);
    GORT_STORE(mine[i], gort__mallocgc(size, i % 3 == 0));
    CHECK(mine[i] != NULL);
    CHECK(mine[i][0] == 0);
    mine[i][0] = (uint64_t)id << 32 | (uint64_t)i;
    if (i % 500 == 0)
      gort_yield(); /* move between Ps and their caches */
  }
  for (int i = 0; i < M; i++)
    CHECK_EQ(mine[i][0], (uint64_t)id << 32 | (uint64_t)i);
  atomic_fetch_add(&mallocers_done, 1);
}

TEST_IMPL(mem_malloc_concurrent) {
  enum { G = 8 };
  for (uintptr_t i = 0; i < G; i++)
    gort_go(mallocer, (void *)(i + 1));
  while (atomic_load(&mallocers_done) < G)
    gort_sleep(1000 * 1000);
  /* Caches of Ps that go away return their spans. */
  gort_set_maxprocs(1);
  gort_set_maxprocs(2);
  return 0;
}

/* ---- mem_gc_mark_sweep: reachable objects stay, the rest is freed
 * ------------ One P and no other goroutine allocating: the test plays the
 * stopped world. Roots are a static array, scanned conservatively. */

struct node {
  struct node *next;
  uint64_t id;
  uint64_t pad[2];
};

enum { CHAIN = 1000, GARBAGE = 3000 };

/* These tests drive the phases themselves, alone on one P. */
static struct gcwork test_gcw;
static void test_drain(void) {
  gort__gc_drain(&test_gcw, -1);
  gort__gcw_dispose(&test_gcw);
}
static void *gc_roots[4];

static struct gort__sweep_result collect_now(void) {
  struct gort__sweep_result r;
  gort__gc_mark_begin();
  gort__gc_mark_range(gc_roots, gc_roots + 4, &test_gcw);
  test_drain();
  gort__gc_sweep(&r);
  return r;
}

TEST_IMPL(mem_gc_mark_sweep) {
  gort_set_maxprocs(1);
  collect_now(); /* start from a heap where only the roots' objects live */
  /* A chain reachable from a root, and garbage interleaved with it. */
  static struct node *garbage[GARBAGE];
  struct node *head = NULL;
  for (int i = 0; i < CHAIN; i++) {
    struct node *n = gort__mallocgc(sizeof *n, false);
    n->id = (uint64_t)i;
    GORT_STORE(n->next, head);
    head = n;
    for (int k = 0; k < GARBAGE / CHAIN; k++) {
      GORT_STORE(garbage[i * (GARBAGE / CHAIN) + k],
                 gort__mallocgc(sizeof *n, false));
      garbage[i * (GARBAGE / CHAIN) + k]->id = 0xdead;
    }
  }
  GORT_STORE(gc_roots[0], head);
  /* A cycle reachable from nothing, and a large object reachable only
   * through an interior pointer. */
  struct node *a = gort__mallocgc(sizeof *a, false);
  struct node *b = gort__mallocgc(sizeof *b, false);
  GORT_STORE(a->next, b);
  GORT_STORE(b->next, a);
  char *big = gort__mallocgc(100000, false);
  GORT_STORE(gc_roots[1], big + 50000);
  /* A noscan object is not scanned: what it points to is garbage. */
  struct node **box = gort__mallocgc(sizeof(void *), true);
  GORT_STORE(*box, gort__mallocgc(sizeof(struct node), false));
  GORT_STORE(gc_roots[2], box);
  struct node *boxed = *box;

  struct gort__sweep_result r = collect_now();
  /* Exactly the chain, the large object and the box survive. */
  CHECK_EQ(r.objects_live, CHAIN + 2);
  CHECK(r.objects_freed >= GARBAGE + 3);
  int n = 0;
  for (struct node *p = head; p; p = p->next, n++) {
    CHECK_EQ(p->id, CHAIN - 1 - n);
    CHECK(gort__find_object(p, NULL) == p);
  }
  CHECK_EQ(n, CHAIN);
  CHECK(gort__find_object(big + 99999, NULL) == big);
  CHECK(gort__find_object(box, NULL) == box);
  for (int i = 0; i < GARBAGE; i++)
    CHECK(gort__find_object(garbage[i], NULL) == NULL);
  CHECK(gort__find_object(a, NULL) == NULL);
  CHECK(gort__find_object(b, NULL) == NULL);
  CHECK(gort__find_object(boxed, NULL) == NULL);

  /* Freed slots are handed out again, zeroed, and never over live ones. */
  for (int i = 0; i < GARBAGE; i++) {
    struct node *m = gort__mallocgc(sizeof *m, false);
    CHECK(m->next == NULL && m->id == 0);
    m->id = 0xbeef;
  }
  n = 0;
  for (struct node *p = head; p; p = p->next, n++)
    CHECK_EQ(p->id, CHAIN - 1 - n);

  /* Drop every root: everything goes, and the spans return to the heap. */
  memset(gc_roots, 0, sizeof gc_roots);
  r = collect_now();
  CHECK_EQ(r.objects_live, 0);
  CHECK(r.spans_freed > 0);
  CHECK_EQ(gort__mheap.spans_in_use, 0);
  CHECK(gort__find_object(head, NULL) == NULL);
  CHECK(gort__find_object(big, NULL) == NULL);
  return 0;
}

/* ---- mem_gc_stack_roots: what parked goroutines hold stays
 * ------------------------ Each holder builds a chain held only by its own
 * locals (registers or stack), parks on a channel, and checks the chain after a
 * collection that scanned only goroutine stacks. Garbage made beside it goes.
 */

enum { HOLDERS = 40, HOLD_LEN = 25 };
static gort_chan *hold_go;
static gort_waitgroup holders_parked = GORT_WAITGROUP_INIT;
static gort_waitgroup holders_done = GORT_WAITGROUP_INIT;

static __attribute__((noinline)) struct node *build_chain(uint64_t tag) {
  struct node *head = NULL;
  for (int i = 0; i < HOLD_LEN; i++) {
    struct node *n = gort__mallocgc(sizeof *n, false);
    n->id = tag * 1000 + (uint64_t)i;
    GORT_STORE(n->next, head);
    head = n;
    gort__mallocgc(48, false); /* garbage */
  }
  return head;
}

static void holder(void *p) {
  uint64_t tag = (uint64_t)(uintptr_t)p;
  struct node *head = build_chain(tag);
  gort_waitgroup_done(&holders_parked);
  gort_chan_recv(hold_go, NULL); /* parked while main collects */
  int n = 0;
  for (struct node *q = head; q; q = q->next, n++) {
    CHECK_EQ(q->id, tag * 1000 + (uint64_t)(HOLD_LEN - 1 - n));
    CHECK(gort__find_object(q, NULL) == q);
  }
  CHECK_EQ(n, HOLD_LEN);
  gort_waitgroup_done(&holders_done);
}

TEST_IMPL(mem_gc_stack_roots) {
  gort_set_maxprocs(1);
  hold_go = gort_chan_make(0, 0);
  gort_waitgroup_add(&holders_parked, HOLDERS);
  gort_waitgroup_add(&holders_done, HOLDERS);
  for (uintptr_t i = 0; i < HOLDERS; i++)
    gort_go(holder, (void *)(i + 1));
  gort_waitgroup_wait(&holders_parked);
  /* One P: every holder is parked in recv (or about to be: let them). */
  for (int i = 0; i < 10; i++)
    gort_yield();
  struct gort__sweep_result r;
  gort__gc_mark_begin();
  gort__gc_mark_goroutines(&test_gcw);
  test_drain();
  gort__gc_sweep(&r);
  /* Conservative: at least every chain node lives; the garbage (as many
   * objects again) mostly goes. */
  CHECK(r.objects_live >= HOLDERS * HOLD_LEN);
  CHECK(r.objects_freed >= HOLDERS * HOLD_LEN / 2);
  for (int i = 0; i < HOLDERS; i++)
    gort_chan_send(hold_go, NULL);
  gort_waitgroup_wait(&holders_done);
  return 0;
}

/* ---- mem_gc_global_roots: what a global points to stays
 * ----------------------- */

static struct node *global_chain;

TEST_IMPL(mem_gc_global_roots) {
  gort_set_maxprocs(1);
  struct gort__sweep_result r;
  gort__gc_mark_begin();
  gort__gc_mark_globals(&test_gcw);
  test_drain();
  gort__gc_sweep(&r); /* a clean start */
  for (int i = 0; i < 500; i++) {
    struct node *n = gort__mallocgc(sizeof *n, false);
    n->id = (uint64_t)i;
    GORT_STORE(n->next, global_chain);
    GORT_STORE(global_chain, n);
    gort__mallocgc(sizeof *n, false); /* garbage: referenced nowhere */
  }
  gort__gc_mark_begin();
  gort__gc_mark_globals(&test_gcw);
  test_drain();
  gort__gc_sweep(&r);
  CHECK(r.objects_live >= 500);
  CHECK(r.objects_freed >= 250); /* conservative: most of the garbage */
  int n = 0;
  for (struct node *p = global_chain; p; p = p->next, n++) {
    CHECK_EQ(p->id, 499 - n);
    CHECK(gort__find_object(p, NULL) == p);
  }
  CHECK_EQ(n, 500);
  /* Cleared, the chain goes too. */
  GORT_STORE(global_chain, NULL);
  gort__gc_mark_begin();
  gort__gc_mark_globals(&test_gcw);
  test_drain();
  gort__gc_sweep(&r);
  CHECK(r.objects_freed >= 250);
  return 0;
}

/* ---- mem_gc_collect: collections while goroutines allocate on every P
 * ------------ Workers keep rebuilding chains held in their locals and check
 * them after every step; main collects again and again (the whole cycle: stop
 * the world, stacks and globals, sweep), holding a chain of its own across each
 * call. Nothing reachable may be lost, garbage must go. */

enum { WORKERS_GC = 6, WORKER_ROUNDS = 60, CHAIN_GC = 40 };
static _Atomic int gc_workers_done;

static void check_chain(struct node *head, uint64_t tag) {
  int n = 0;
  for (struct node *q = head; q; q = q->next, n++) {
    CHECK_EQ(q->id, tag * 1000 + (uint64_t)(CHAIN_GC - 1 - n));
    CHECK(gort__find_object(q, NULL) == q);
  }
  CHECK_EQ(n, CHAIN_GC);
}

static __attribute__((noinline)) struct node *make_chain(uint64_t tag) {
  struct node *head = NULL;
  for (int i = 0; i < CHAIN_GC; i++) {
    struct node *n = gort__mallocgc(sizeof *n, false);
    CHECK(n->next == NULL && n->id == 0); /* reused slots come zeroed */
    n->id = tag * 1000 + (uint64_t)i;
    GORT_STORE(n->next, head);
    head = n;
    gort__mallocgc(64 + (size_t)i, false); /* garbage */
    if (i % 8 == 0)
      gort_yield();
  }
  return head;
}

static void gc_worker(void *p) {
  uint64_t base = (uint64_t)(uintptr_t)p * 100000;
  for (int round = 0; round < WORKER_ROUNDS; round++) {
    struct node *head = make_chain(base + (uint64_t)round);
    gort_yield();
    check_chain(head, base + (uint64_t)round);
  }
  atomic_fetch_add(&gc_workers_done, 1);
}

TEST_IMPL(mem_gc_collect) {
  struct node *mine = make_chain(7);
  for (uintptr_t i = 0; i < WORKERS_GC; i++)
    gort_go(gc_worker, (void *)(i + 1));
  uint64_t freed = 0;
  int cycles = 0;
  while (atomic_load(&gc_workers_done) < WORKERS_GC) {
    struct gort__sweep_result r;
    CHECK_EQ(gort__gc_collect(&r), 0);
    freed += r.objects_freed;
    cycles++;
    check_chain(mine, 7); /* main's locals were scanned while it waited */
    gort_sleep(1000 * 1000);
  }
  struct gort__sweep_result r;
  CHECK_EQ(gort__gc_collect(&r), 0);
  check_chain(mine, 7);
  CHECK(cycles >= 1);
  CHECK(freed + r.objects_freed > 0);
  /* The workers are gone: what lives is main's chain and what
   * conservative scanning still sees, far below all that was made. */
  uint64_t made = (uint64_t)WORKERS_GC * WORKER_ROUNDS * CHAIN_GC * 2;
  CHECK(r.objects_live < made / 4);
  return 0;
}

/* ---- mem_gc_chan_roots: values waiting in a channel buffer stay
 * ------------------ A goroutine that has exited sent the only pointers to its
 * chains into a buffered channel; a collection must keep them. */

enum { IN_FLIGHT = 16 };
static gort_waitgroup sender_done = GORT_WAITGROUP_INIT;

static void chain_sender(void *p) {
  gort_chan *c = p;
  for (uint64_t i = 0; i < IN_FLIGHT; i++) {
    struct node *head = make_chain(500 + i);
    gort_chan_send(c, &head);
  }
  gort_waitgroup_done(&sender_done);
}

TEST_IMPL(mem_gc_chan_roots) {
  gort_chan *c = gort_chan_make(sizeof(struct node *), IN_FLIGHT);
  gort_waitgroup_add(&sender_done, 1);
  gort_go(chain_sender, c);
  gort_waitgroup_wait(&sender_done);
  struct gort__sweep_result r;
  CHECK_EQ(gort__gc_collect(&r), 0);
  CHECK(r.objects_live >= IN_FLIGHT * CHAIN_GC);
  CHECK(r.objects_freed > 0); /* the garbage made beside the chains */
  for (uint64_t i = 0; i < IN_FLIGHT; i++) {
    struct node *head;
    gort_chan_recv(c, &head);
    check_chain(head, 500 + i);
  }
  gort_chan_free(c);
  return 0;
}

/* ---- mem_gc_ctx_roots: a context's value stays
 * ---------------------------------- */

static int ctx_key;
static gort_ctx *value_ctx;
static gort_waitgroup ctx_maker_done = GORT_WAITGROUP_INIT;

static void ctx_maker(void *p) {
  (void)p;
  value_ctx =
      gort_ctx_with_value(gort_ctx_background(), &ctx_key, make_chain(900));
  CHECK(value_ctx != NULL);
  gort_waitgroup_done(&ctx_maker_done);
}

TEST_IMPL(mem_gc_ctx_roots) {
  gort_waitgroup_add(&ctx_maker_done, 1);
  gort_go(ctx_maker, NULL);
  gort_waitgroup_wait(&ctx_maker_done);
  struct gort__sweep_result r;
  CHECK_EQ(gort__gc_collect(&r), 0);
  CHECK(r.objects_live >= CHAIN_GC);
  check_chain(gort_ctx_value(value_ctx, &ctx_key), 900);
  /* Released, the value is garbage at the next collection. */
  gort_ctx_release(value_ctx);
  CHECK_EQ(gort__gc_collect(&r), 0);
  CHECK(r.objects_freed >= CHAIN_GC / 2);
  return 0;
}
