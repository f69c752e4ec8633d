/*
 * test-gcapi.c - the public GC heap (gort.h, "Memory"): the three kinds of
 * allocation and what each keeps alive, registered C roots, gort_gc, and
 * the answers to bad input. Whether an object is still allocated is asked
 * of the internal find_object.
 *
 * Objects whose death a case checks are made in a goroutine that exits
 * before the collection, so that no stale copy of their address lingers
 * in the checking goroutine's stack or registers (scanning is
 * conservative); the checker keeps their addresses complemented, which
 * are not pointers.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gc-test.h"

/* ---- gc_alloc_kinds: what each kind of object keeps alive ------------- */

struct pair {
  void *ptr;     /* a pointer word */
  uintptr_t num; /* not a pointer, by the precise type */
};
static const uint8_t pair_mask[] = {1u << GORT_PTRMASK_WORD(struct pair, ptr)};
static const gort_type pair_type = {sizeof(struct pair), pair_mask, "pair"};

static struct pair *holder; /* a global: a root */
static uintptr_t via_ptr, via_num, via_noscan, via_conservative, garbage;

static void make_kinds(void *arg) {
  size_t count = (size_t)(uintptr_t)arg;
  GORT_STORE(holder, gort_alloc_typed(&pair_type, count));
  CHECK(holder != NULL);
  CHECK(((uintptr_t)holder & 7) == 0);
  for (size_t i = 0; i < count; i++)
    CHECK(holder[i].ptr == NULL && holder[i].num == 0);
  void *a = gort_alloc(48), *b = gort_alloc(48);
  GORT_STORE(holder[count - 2].ptr, a); /* kept: a pointer word */
  holder[count - 1].num = (uintptr_t)b; /* freed: the mask says not a pointer */
  via_ptr = hide(a);
  via_num = hide(b);
  /* A conservative object keeps whatever any word points at. */
  void **cons = gort_alloc(4 * sizeof(void *));
  GORT_STORE(cons[3], gort_alloc(100));
  via_conservative = hide(cons[3]);
  GORT_STORE(holder[0].ptr, cons);
  /* A pointer-free object keeps nothing. */
  void **noscan = gort_alloc_noscan(4 * sizeof(void *));
  noscan[1] = gort_alloc(200); /* never scanned: a plain store */
  via_noscan = hide(noscan[1]);
  GORT_STORE(holder[1].ptr, noscan);
  garbage = hide(gort_alloc(64));
}

TEST_IMPL(gc_alloc_kinds) {
  /* Precise objects of every layout: heap bits in the span (up to 512
   * bytes), a type header in a small span, a large object's header. */
  size_t counts[] = {4, 1000 / sizeof(struct pair),
                     (GORT_MAX_SMALL_SIZE / sizeof(struct pair)) * 2};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    run_in_goroutine(make_kinds, (void *)(uintptr_t)counts[k]);
    CHECK(is_live(via_ptr) && is_live(via_num) && is_live(garbage));
    CHECK(is_live(via_noscan) && is_live(via_conservative));
    gort_gc();
    CHECK(is_live(hide(holder)));
    CHECK(is_live(via_ptr));
    CHECK(!is_live(via_num));
    CHECK(is_live(via_conservative));
    CHECK(!is_live(via_noscan));
    CHECK(!is_live(garbage));
  }
  GORT_STORE(holder, NULL);
  return 0;
}

/* ---- gc_user_roots: C memory registered as a root --------------------- */

static uintptr_t rooted;
static void **c_block;

static void make_rooted(void *arg) {
  (void)arg;
  c_block = calloc(8, sizeof(void *));
  CHECK(c_block != NULL);
  CHECK_EQ(gort_gc_add_root(c_block, 8 * sizeof(void *)), 0);
  /* Not the class's first object: on wasm32 that one sits at the
   * arena's start, 16 MiB, a number the program's data holds as an
   * integer, which a conservative scan takes for a pointer. */
  for (int i = 0; i < 3; i++)
    GORT_STORE(c_block[5], gort_alloc(32));
  rooted = hide(c_block[5]);
}

TEST_IMPL(gc_user_roots) {
  CHECK_EQ(gort_gc_add_root(NULL, 8), GORT_EINVAL);
  CHECK_EQ(gort_gc_add_root(&rooted, 0), GORT_EINVAL);
  CHECK_EQ(gort_gc_add_root((void *)UINTPTR_MAX, 8), GORT_EINVAL);
  CHECK_EQ(gort_gc_remove_root(&rooted), GORT_EINVAL);
  CHECK_EQ(gort_gc_remove_root(NULL), GORT_EINVAL);
  run_in_goroutine(make_rooted, NULL);
  CHECK_EQ(gort_gc_add_root(c_block, 8), GORT_EINVAL); /* already there */
  for (int i = 0; i < 3; i++) {
    gort_gc();
    CHECK(is_live(rooted));
  }
  /* Many roots: the table grows and finds each again. */
  enum { MANY = 300 };
  static uint64_t blocks[MANY][2];
  for (int i = 0; i < MANY; i++)
    CHECK_EQ(gort_gc_add_root(blocks[i], sizeof blocks[i]), 0);
  for (int i = 0; i < MANY; i += 2)
    CHECK_EQ(gort_gc_remove_root(blocks[i]), 0);
  for (int i = 0; i < MANY; i++)
    CHECK_EQ(gort_gc_remove_root(blocks[i]), i % 2 ? 0 : GORT_EINVAL);
  /* Unregistered, the C block no longer keeps its object. */
  CHECK_EQ(gort_gc_remove_root(c_block), 0);
  gort_gc();
  CHECK(!is_live(rooted));
  free(c_block);
  return 0;
}

/* ---- bad input ---------------------------------------------------------- */

static const gort_type odd_type = {sizeof(void *) + 2, pair_mask, "odd"};

TEST_IMPL(crash_alloc_typed_bad_size) {
  gort_alloc_typed(&odd_type, 1);
  return 1;
}

TEST_IMPL(crash_alloc_typed_overflow) {
  gort_alloc_typed(&pair_type, SIZE_MAX / 8);
  return 1;
}

TEST_IMPL(gc_alloc_zero_and_noscan_type) {
  static const gort_type plain = {24, NULL, "plain"};
  void *z = gort_alloc(0);
  CHECK(z == gort_alloc_noscan(0));
  CHECK(z == gort_alloc_typed(&pair_type, 0));
  uint64_t *p = gort_alloc_typed(&plain, 3);
  for (int i = 0; i < 9; i++)
    CHECK_EQ(p[i], 0);
  gort_gc();
  return 0;
}

/* A thread the runtime does not know: gort_alloc dies naming itself. */
static void *alloc_on_plain_thread(void *arg) {
  (void)arg;
  gort_alloc(16);
  return NULL;
}

TEST_IMPL(crash_alloc_from_plain_thread) {
  RUN_ON_FOREIGN_THREAD(alloc_on_plain_thread, NULL);
  return 1;
}
