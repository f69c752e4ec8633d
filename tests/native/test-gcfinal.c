/*
 * test-gcfinal.c - finalizers (gort.h: gort_set_finalizer; mfinal.c): a
 * finalizer runs once after its object becomes unreachable, with what
 * the object points to intact; resurrection; removal; one finalizer at a
 * time; dependency order; keep-alive; zero-size and tiny objects; the
 * answers to bad input; a parked finalizer goroutine does not hide a
 * deadlock.
 *
 * As in test-gcapi.c, objects whose death a case checks are made in a
 * goroutine that exits before the collection, and the checker keeps only
 * their complemented addresses (scanning is conservative). A case waits
 * for its finalizers with a WaitGroup the finalizers signal, then for the
 * finalizer goroutine to leave the last one (wait_runs_done), so that the
 * next collection finds it parked and holding no copy of the object.
 */
#include <string.h>

#include "gc-test.h"
#include "mem/mfinal.h"

/* The heap's first object sits at the arena's base, a round address that
 * the runtime's start-up leaves in stale words of the main goroutine's
 * stack: scanned conservatively, such a word pins that object at random.
 * Each case gives the first slot to an object of its own, kept. */
static void *heap_start;

static void reserve_heap_start(void) {
  GORT_STORE(heap_start, gort_alloc(16));
  CHECK(heap_start != NULL);
}

/* The finalizer goroutine has returned from n finalizers in all. */
static void wait_runs_done(uint64_t n) {
  for (long i = 0; i < 10000000 && gort__fin_runs_done() < n; i++)
    gort_yield();
  CHECK_EQ(gort__fin_runs_done(), n);
}

/* A noscan block of n bytes filled from seed; its checksum. */
static uint8_t *make_pattern(size_t n, uint32_t seed) {
  uint8_t *b = gort_alloc_noscan(n);
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)(seed * 31 + i * 7);
  return b;
}

static bool pattern_ok(const uint8_t *b, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i++)
    if (b[i] != (uint8_t)(seed * 31 + i * 7))
      return false;
  return true;
}

static gort_waitgroup fin_wg = GORT_WAITGROUP_INIT;
static int fin_count;

/* ---- gc_final_runs_once ------------------------------------------------ */

enum { ONCE_N = 3 };
static uintptr_t once_made[ONCE_N], once_seen[ONCE_N];

static void once_fin(void *obj) {
  CHECK(fin_count < ONCE_N);
  CHECK(pattern_ok(obj, 64, 5));
  once_seen[fin_count++] = hide(obj);
  gort_waitgroup_done(&fin_wg);
}

static void make_once(void *arg) {
  (void)arg;
  for (int i = 0; i < ONCE_N; i++) {
    uint8_t *o = make_pattern(64, 5);
    gort_set_finalizer(o, once_fin);
    once_made[i] = hide(o);
  }
}

TEST_IMPL(gc_final_runs_once) {
  reserve_heap_start();
  gort_waitgroup_add(&fin_wg, ONCE_N);
  run_in_goroutine(make_once, NULL);
  CHECK_EQ(fin_count, 0);
  gort_gc();
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(ONCE_N);
  CHECK_EQ(fin_count, ONCE_N);
  for (int i = 0; i < ONCE_N; i++) {
    int found = 0;
    for (int j = 0; j < ONCE_N; j++)
      found += once_seen[j] == once_made[i];
    CHECK_EQ(found, 1);
  }
  /* Once finalized and unreachable, the objects go; nothing runs again. */
  for (int i = 0; i < 3; i++)
    gort_gc();
  for (int i = 0; i < ONCE_N; i++)
    CHECK(!is_live(once_made[i]));
  CHECK_EQ(fin_count, ONCE_N);
  CHECK_EQ(gort__fin_runs_done(), ONCE_N);
  return 0;
}

/* ---- gc_final_referents: what a finalizable object points to ---------- */

struct pair {
  void *ptr;
  uintptr_t num;
};
static const uint8_t pair_mask[] = {1u << GORT_PTRMASK_WORD(struct pair, ptr)};
static const gort_type pair_type = {sizeof(struct pair), pair_mask, "pair"};

static uintptr_t ref_parts[4]; /* the referents, hidden */
static int ref_ok;

static bool alive_with(const void *p, size_t n, uint32_t seed) {
  return gort__find_object(p, NULL) != NULL && pattern_ok(p, n, seed);
}

/* A conservative object: [0] a noscan block, [1] a precise pair whose
 * pointer word holds another block. */
static void cons_fin(void *obj) {
  void **o = obj;
  struct pair *p = o[1];
  if (alive_with(o[0], 300, 1) && gort__find_object(p, NULL) != NULL &&
      alive_with(p->ptr, 100, 2))
    ref_ok++;
  gort_waitgroup_done(&fin_wg);
}

/* A precise object: its pointer word holds a block. */
static void precise_fin(void *obj) {
  struct pair *p = obj;
  if (p->num == 77 && alive_with(p->ptr, 2000, 3))
    ref_ok++;
  gort_waitgroup_done(&fin_wg);
}

static void make_referents(void *arg) {
  (void)arg;
  void **o = gort_alloc(4 * sizeof(void *));
  GORT_STORE(o[0], make_pattern(300, 1));
  struct pair *p = gort_alloc_typed(&pair_type, 1);
  GORT_STORE(p->ptr, make_pattern(100, 2));
  GORT_STORE(o[1], p);
  gort_set_finalizer(o, cons_fin);
  ref_parts[0] = hide(o[0]);
  ref_parts[1] = hide(p->ptr);
  struct pair *q = gort_alloc_typed(&pair_type, 1);
  GORT_STORE(q->ptr, make_pattern(2000, 3));
  q->num = 77;
  gort_set_finalizer(q, precise_fin);
  ref_parts[2] = hide(q->ptr);
  ref_parts[3] = hide(q);
}

TEST_IMPL(gc_final_referents) {
  reserve_heap_start();
  gort_waitgroup_add(&fin_wg, 2);
  run_in_goroutine(make_referents, NULL);
  gort_gc();
  /* Allocation meanwhile would reuse any slot freed by mistake. */
  for (int i = 0; i < 1000; i++)
    memset(gort_alloc_noscan(100), 0xee, 100);
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(2);
  CHECK_EQ(ref_ok, 2);
  gort_gc();
  for (int i = 0; i < 4; i++)
    CHECK(!is_live(ref_parts[i]));
  return 0;
}

/* ---- gc_final_resurrect ------------------------------------------------- */

static uint8_t *resurrected; /* a global: a root */
static uintptr_t resurrect_made, rearm_made;
static int rearm_count;

static void resurrect_fin(void *obj) {
  fin_count++;
  GORT_STORE(resurrected, obj);
  gort_waitgroup_done(&fin_wg);
}

/* Sets itself again the first time: runs twice. */
static void rearm_fin(void *obj) {
  if (++rearm_count == 1)
    gort_set_finalizer(obj, rearm_fin);
  gort_waitgroup_done(&fin_wg);
}

static void make_resurrect(void *arg) {
  (void)arg;
  uint8_t *o = make_pattern(48, 9);
  gort_set_finalizer(o, resurrect_fin);
  resurrect_made = hide(o);
  uint8_t *r = make_pattern(32, 4);
  gort_set_finalizer(r, rearm_fin);
  rearm_made = hide(r);
}

TEST_IMPL(gc_final_resurrect) {
  reserve_heap_start();
  gort_waitgroup_add(&fin_wg, 2);
  run_in_goroutine(make_resurrect, NULL);
  gort_gc();
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(2);
  CHECK_EQ(fin_count, 1);
  CHECK_EQ(rearm_count, 1);
  CHECK(hide(resurrected) == resurrect_made);
  /* Kept by the global, with its contents, its finalizer gone. */
  gort_waitgroup_add(&fin_wg, 1);
  for (int i = 0; i < 3; i++) {
    gort_gc();
    CHECK(is_live(resurrect_made));
    CHECK(pattern_ok(resurrected, 48, 9));
  }
  /* The re-armed one ran a second time. */
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(3);
  CHECK_EQ(rearm_count, 2);
  /* Dropped again: freed, without a second run. */
  GORT_STORE(resurrected, NULL);
  gort_gc();
  CHECK(!is_live(resurrect_made));
  gort_gc();
  CHECK(!is_live(rearm_made));
  CHECK_EQ(fin_count, 1);
  CHECK_EQ(rearm_count, 2);
  CHECK_EQ(gort__fin_runs_done(), 3);
  return 0;
}

/* ---- gc_final_remove ----------------------------------------------------- */

static uintptr_t removed_made, control_made;
static int removed_ran;

static void removed_fin(void *obj) {
  (void)obj;
  removed_ran++;
}

static void control_fin(void *obj) {
  (void)obj;
  fin_count++;
  gort_waitgroup_done(&fin_wg);
}

static void make_remove(void *arg) {
  (void)arg;
  void *a = gort_alloc(40), *b = gort_alloc(40);
  gort_set_finalizer(a, removed_fin);
  gort_set_finalizer(b, control_fin);
  gort_set_finalizer(a, NULL);
  gort_set_finalizer(a, NULL); /* none set: fine */
  removed_made = hide(a);
  control_made = hide(b);
}

TEST_IMPL(gc_final_remove) {
  reserve_heap_start();
  gort_waitgroup_add(&fin_wg, 1);
  run_in_goroutine(make_remove, NULL);
  gort_gc();
  CHECK(!is_live(removed_made)); /* freed at once, like any object */
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(1);
  gort_gc();
  CHECK(!is_live(control_made));
  CHECK_EQ(fin_count, 1);
  CHECK_EQ(removed_ran, 0);
  return 0;
}

/* ---- gc_final_many: thousands, one at a time ----------------------------- */

enum { MANY_MAKERS = 4 };
#define MANY_N STRESS(8000, 1200)
static int many_running, many_max, many_done;
static uint8_t *many_seen; /* noscan, kept by the global */

struct many_obj {
  uint32_t index, check;
  uint8_t pad[40];
};

static void many_fin(void *obj) {
  int now = __atomic_add_fetch(&many_running, 1, __ATOMIC_SEQ_CST);
  if (now > many_max)
    many_max = now;
  struct many_obj *o = obj;
  CHECK(gort__find_object(o, NULL) == o);
  CHECK(o->check == (o->index ^ 0x5a5a5a5au));
  CHECK(o->index < (uint32_t)MANY_N);
  many_seen[o->index]++;
  /* A collection while the rest wait in the queue: they are roots. */
  if (__atomic_load_n(&many_done, __ATOMIC_SEQ_CST) == MANY_N / 2)
    gort_gc();
  /* Let anything else run: a second finalizer running now would show. */
  gort_yield();
  __atomic_sub_fetch(&many_running, 1, __ATOMIC_SEQ_CST);
  if (__atomic_add_fetch(&many_done, 1, __ATOMIC_SEQ_CST) == MANY_N)
    gort_waitgroup_done(&fin_wg);
}

static void make_many(void *arg) {
  uint32_t first = (uint32_t)(uintptr_t)arg;
  for (uint32_t i = first; i < (uint32_t)MANY_N; i += MANY_MAKERS) {
    struct many_obj *o = gort_alloc(sizeof *o);
    o->index = i;
    o->check = i ^ 0x5a5a5a5au;
    gort_set_finalizer(o, many_fin);
  }
}

static void make_many_everywhere(void *arg) {
  (void)arg;
  struct call calls[MANY_MAKERS];
  for (int i = 0; i < MANY_MAKERS; i++) {
    calls[i] =
        (struct call){make_many, (void *)(uintptr_t)i, GORT_WAITGROUP_INIT};
    gort_waitgroup_add(&calls[i].done, 1);
    CHECK_EQ(gort_go(call_body, &calls[i]), 0);
  }
  for (int i = 0; i < MANY_MAKERS; i++)
    gort_waitgroup_wait(&calls[i].done);
}

/* Natively every object goes in the first collection. On wasm32 a few
 * may be kept by integers that read as addresses of the low heap (see
 * test-gcroots.c): collect again a few times, and allow two to stay. */
#ifdef __EMSCRIPTEN__
enum { MANY_MAY_STAY = 2 };
#else
enum { MANY_MAY_STAY = 0 };
#endif

static int done_now(void) {
  return __atomic_load_n(&many_done, __ATOMIC_SEQ_CST);
}

TEST_IMPL(gc_final_many) {
  reserve_heap_start();
  GORT_STORE(many_seen, gort_alloc_noscan((size_t)MANY_N));
  gort_waitgroup_add(&fin_wg, 1);
  run_in_goroutine(make_many_everywhere, NULL);
  for (int round = 0; round < 8 && done_now() < MANY_N; round++) {
    gort_gc();
    /* The finalizer goroutine drains its queue (a finalizer's own
     * collection may add to it meanwhile). */
    for (long i = 0;
         i < 10000000 && gort__fin_runs_done() < gort__fin_queued_total(); i++)
      gort_yield();
    if (MANY_MAY_STAY == 0)
      break; /* natively: one collection must be enough */
  }
  CHECK(done_now() >= MANY_N - MANY_MAY_STAY);
  if (done_now() == MANY_N)
    gort_waitgroup_wait(&fin_wg);
  CHECK_EQ(many_max, 1);
  int seen = 0;
  for (int i = 0; i < MANY_N; i++) {
    CHECK(many_seen[i] <= 1); /* never twice */
    seen += many_seen[i];
  }
  CHECK_EQ(seen, done_now());
  int before = done_now();
  gort_gc();
  CHECK(done_now() >= before);
  return 0;
}

/* ---- gc_final_order: A points to B, both with finalizers -------------- */

static int order_log[2], order_len;

static void order_a(void *obj) {
  (void)obj;
  order_log[order_len++] = 'A';
  gort_waitgroup_done(&fin_wg);
}

static void order_b(void *obj) {
  (void)obj;
  order_log[order_len++] = 'B';
  gort_waitgroup_done(&fin_wg);
}

static void make_order(void *arg) {
  (void)arg;
  void **a = gort_alloc(2 * sizeof(void *));
  GORT_STORE(a[0], gort_alloc(24));
  gort_set_finalizer(a, order_a);
  gort_set_finalizer(a[0], order_b);
}

TEST_IMPL(gc_final_order) {
  reserve_heap_start();
  gort_waitgroup_add(&fin_wg, 1);
  run_in_goroutine(make_order, NULL);
  gort_gc(); /* only A is unreachable: B is kept by A for A's finalizer */
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(1);
  CHECK_EQ(order_len, 1);
  CHECK_EQ(order_log[0], 'A');
  gort_waitgroup_add(&fin_wg, 1);
  gort_gc(); /* A is gone now: B's turn */
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(2);
  CHECK_EQ(order_len, 2);
  CHECK_EQ(order_log[1], 'B');
  return 0;
}

/* ---- gc_final_keepalive ------------------------------------------------- */

static void keep_fin(void *obj) {
  (void)obj;
  fin_count++;
  gort_waitgroup_done(&fin_wg);
}

static void use_then_keep(void *arg) {
  (void)arg;
  uint8_t *o = make_pattern(80, 6);
  gort_set_finalizer(o, keep_fin);
  for (int i = 0; i < 3; i++) {
    gort_gc();
    CHECK_EQ(fin_count, 0);
  }
  gort_keepalive(o);
}

TEST_IMPL(gc_final_keepalive) {
  reserve_heap_start();
  gort_waitgroup_add(&fin_wg, 1);
  run_in_goroutine(use_then_keep, NULL);
  CHECK_EQ(fin_count, 0);
  gort_gc();
  gort_waitgroup_wait(&fin_wg);
  CHECK_EQ(fin_count, 1);
  return 0;
}

/* ---- gc_final_zero_and_tiny ---------------------------------------------- */

static int zero_ran;
static void zero_fin(void *obj) {
  (void)obj;
  zero_ran++;
}

static uintptr_t tiny_made[2], tiny_seen[2];
/* The cycle that finds them unreachable comes by the second at the
 * latest; more, for a stale word that pins their block for one cycle. */
enum { TINY_CYCLES = 4 };

static void tiny_fin(void *obj) {
  CHECK(fin_count < 2);
  tiny_seen[fin_count++] = hide(obj);
  gort_waitgroup_done(&fin_wg);
}

static void make_tiny(void *arg) {
  (void)arg;
  /* Two tiny objects, most likely in one block: the second is not at
   * its block's start. */
  uint8_t *a = gort_alloc_noscan(4), *b = gort_alloc_noscan(4);
  gort_set_finalizer(a, tiny_fin);
  gort_set_finalizer(b, tiny_fin);
  tiny_made[0] = hide(a);
  tiny_made[1] = hide(b);
}

TEST_IMPL(gc_final_zero_and_tiny) {
  reserve_heap_start();
  /* Zero-size objects: ignored, never run, never "already set". */
  void *z = gort_alloc(0);
  gort_set_finalizer(z, zero_fin);
  gort_set_finalizer(z, zero_fin);
  gort_set_finalizer(gort_alloc_typed(&pair_type, 0), zero_fin);
  gort_waitgroup_add(&fin_wg, 2);
  run_in_goroutine(make_tiny, NULL);
  /* The concurrent collector shades each P's current tiny block when its
   * mark begins (Go's gcMarkTinyAllocs), and drops the block at the
   * mark's end: a finalizer on a tiny object may need a second cycle.
   * Collect until both ran, a few cycles at most (Go's test/tinyfin.go
   * collects in a loop too). */
  for (int cycle = 0; cycle < TINY_CYCLES && fin_count < 2; cycle++) {
    gort_gc();
    for (long i = 0;
         i < 10000000 && gort__fin_runs_done() < gort__fin_queued_total(); i++)
      gort_yield();
  }
  CHECK_EQ(fin_count, 2);
  gort_waitgroup_wait(&fin_wg);
  wait_runs_done(2);
  CHECK((tiny_seen[0] == tiny_made[0] && tiny_seen[1] == tiny_made[1]) ||
        (tiny_seen[0] == tiny_made[1] && tiny_seen[1] == tiny_made[0]));
  gort_gc();
  CHECK(!is_live(tiny_made[0]) && !is_live(tiny_made[1]));
  CHECK_EQ(zero_ran, 0);
  gort_set_finalizer(z, NULL);
  return 0;
}

/* ---- bad input ---------------------------------------------------------- */

static void never_fin(void *obj) { (void)obj; }

TEST_IMPL(crash_final_nil) {
  gort_set_finalizer(NULL, never_fin);
  return 1;
}

static uint64_t not_heap[4];

TEST_IMPL(crash_final_not_heap) {
  gort_set_finalizer(not_heap, never_fin);
  return 1;
}

static uintptr_t freed_made;
static void make_freed(void *arg) {
  (void)arg;
  freed_made = hide(gort_alloc(64));
}

TEST_IMPL(crash_final_freed) {
  reserve_heap_start();
  run_in_goroutine(make_freed, NULL);
  gort_gc();
  CHECK(!is_live(freed_made));
  gort_set_finalizer(unhide(freed_made), never_fin);
  return 1;
}

TEST_IMPL(crash_final_interior) {
  uint8_t *p = gort_alloc(64);
  gort_set_finalizer(p + 16, never_fin);
  return 1;
}

TEST_IMPL(crash_final_typed_header) {
  /* A precise object's own start is its header, not what the program
   * was given. */
  uint8_t *p = gort_alloc_typed(&pair_type, 100); /* > HEAP_BITS_MAX */
  gort_set_finalizer(p - MALLOC_HEADER, never_fin);
  return 1;
}

TEST_IMPL(crash_final_twice) {
  void *p = gort_alloc(32);
  gort_set_finalizer(p, never_fin);
  gort_set_finalizer(p, never_fin);
  return 1;
}

TEST_IMPL(crash_final_deadlock) {
  /* The finalizer goroutine is parked: the program is still deadlocked. */
  gort_set_finalizer(gort_alloc(32), never_fin);
  gort_gc();
  gort_chan *c = gort_chan_make(sizeof(int), 0);
  int v;
  gort_chan_recv(c, &v);
  return 1;
}
