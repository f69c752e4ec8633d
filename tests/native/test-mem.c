/*
 * test-mem.c - the allocator's lower layers, tested from inside (internal
 * headers): the generated size classes and the page heap (arenas, spans,
 * the page -> span map, split and coalesce). No public API uses them yet.
 */
#include <stdatomic.h>
#include <string.h>

#include "../../runtime/mem/mheap.h"
#include "test.h"

/* ---- mem_size_classes -------------------------------------------------------- */

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

/* ---- mem_heap_spans ------------------------------------------------------------ */

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
    CHECK(gort__span_of((void *)(s->base + (npages / 2) * GORT_PAGE_SIZE + 17)) == s);
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

/* ---- mem_heap_large: a span larger than an arena ------------------------------- */

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

/* ---- mem_heap_concurrent: goroutines on every P allocate and free ---------------- */

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
