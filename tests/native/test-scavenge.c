/*
 * test-scavenge.c - giving memory back (runtime/mem/mgcscavenge.c and the
 * released pages of mheap.c): after a peak the background scavenger
 * releases idle pages (HeapReleased grows, RSS falls), gort_free_os_memory
 * releases every free page at once, released pages read as zero when they
 * are reused, and the released counts stay right through split and
 * coalesce (the heap's own check). Internal headers, as test-mem.c.
 *
 * On wasm linear memory cannot shrink: nothing is released, and the cases
 * that run there check that the heap says so (released stays 0) and that
 * reused pages are zeroed by the allocator instead. Whether the OS
 * releases is asked of it (os_releases), not assumed per platform.
 *
 * The peak's objects are made in a goroutine that exits before the
 * collection, so no stale copy of their addresses keeps one alive.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "mem/malloc.h"
#include "mem/mgcscavenge.h"
#include "mem/mheap.h"
#include "os/os.h"
#include "test.h"

#define MIB ((size_t)1 << 20)
#define MS ((int64_t)1000 * 1000)

/* Does the OS give RAM back (natively yes; wasm no)? */
static bool os_releases(void) {
  size_t page = gort__os_page_size();
  void *p = gort__os_reserve(page, OS_REQ_OTHER);
  CHECK(p != NULL);
  bool released = gort__os_decommit(p, page) == page;
  gort__os_release(p, page);
  return released;
}

static struct heap_stats stats(void) {
  struct heap_stats st;
  gort__mheap_read_stats(&st);
  CHECK_EQ(st.sys, st.inuse + st.idle);
  CHECK(st.released <= st.idle);
  return st;
}

static bool all_zero(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != 0)
      return false;
  return true;
}

/* ---- a peak of large objects, touched, then dropped ------------------- */

struct peak {
  size_t bytes;
  uintptr_t *hidden; /* if not NULL: each block's address, complemented */
  gort_waitgroup done;
};

static void make_peak(void *arg) {
  struct peak *pk = arg;
  size_t n = pk->bytes / MIB;
  /* Reachable from this goroutine's stack until it ends (a scanned
   * array), so that a collection meanwhile keeps the whole peak. */
  void **blocks = gort_alloc(n * sizeof *blocks);
  for (size_t i = 0; i < n; i++) {
    GORT_STORE(blocks[i], gort_alloc_noscan(MIB));
    memset(blocks[i], 0x5a, MIB); /* resident now */
    if (pk->hidden != NULL)
      pk->hidden[i] = ~(uintptr_t)blocks[i]; /* not a pointer */
  }
  gort_keepalive(blocks);
  gort_waitgroup_done(&pk->done);
}

/* bytes of 1 MiB objects, made and dropped by a goroutine that has ended
 * when this returns (not collected yet). */
static void peak_and_drop(size_t bytes, uintptr_t *hidden) {
  struct heap_stats before = stats();
  struct peak pk = {bytes, hidden, GORT_WAITGROUP_INIT};
  gort_waitgroup_add(&pk.done, 1);
  CHECK_EQ(gort_go(make_peak, &pk), 0);
  gort_waitgroup_wait(&pk.done);
  CHECK(stats().inuse >= before.inuse + bytes);
}

/* Resident bytes now (/proc/self/statm's second field). */
static uint64_t rss_now(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  CHECK(f != NULL);
  unsigned long size = 0, resident = 0;
  CHECK_EQ(fscanf(f, "%lu %lu", &size, &resident), 2);
  fclose(f);
  return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ---- scavenge_background: HeapReleased grows, RSS falls ------------------ */

TEST_IMPL(scavenge_background) {
  const size_t peak = 64 * MIB;
  peak_and_drop(peak, NULL);
  uint64_t rss_peak = rss_now();
  /* Released now: arena pages never touched (the peak's are in use). */
  struct heap_stats at_peak = stats();
  gort_gc(); /* frees the peak, then wakes the scavenger */
  struct heap_stats after_gc = stats();
  CHECK(after_gc.idle >= peak); /* the peak was collected */
  /* The background scavenger brings the retained memory down to its goal
   * at about 1% of a CPU: a second or so here; 20 s for a busy machine. */
  struct heap_stats now = after_gc;
  for (int i = 0; i < 2000; i++) {
    now = stats();
    if (now.sys - now.released <= gort__scavenge_goal())
      break;
    gort_sleep(10 * MS);
  }
  CHECK(now.sys - now.released <= gort__scavenge_goal());
  CHECK(now.released - at_peak.released >= peak * 3 / 4);
  uint64_t rss = rss_now();
  CHECK(rss + peak / 2 <= rss_peak);
  CHECK(gort__mheap_check_released() == NULL);
  /* The scavenger is the runtime's: it does not count. */
  CHECK_EQ(gort_num_goroutine(), 1);
  return 0;
}

/* ---- scavenge_free_os_memory: every free page at once -------------------- */

TEST_IMPL(scavenge_free_os_memory) {
  enum { BLOCKS = STRESS(64, 16), SPANS = 20 };
  static uintptr_t hidden[BLOCKS];
  peak_and_drop(BLOCKS * MIB, hidden);
  /* Free pages made without the collector too: dirty spans given back. */
  uintptr_t span_bytes = 0;
  struct mspan *s[SPANS];
  for (int i = 0; i < SPANS; i++) {
    s[i] = gort__mheap_alloc(1 + (uintptr_t)i * 3, 0);
    CHECK(s[i] != NULL);
    span_bytes += gort__span_limit(s[i]) - s[i]->base;
    memset((void *)s[i]->base, 0x77, gort__span_limit(s[i]) - s[i]->base);
  }
  for (int i = 0; i < SPANS; i++)
    gort__mheap_free(s[i]);
  gort_free_os_memory();
  struct heap_stats st = stats();
  /* The blocks the collection found dead are free too. Natively that is
   * all of them; on wasm32 scanning is conservative over a 32-bit space
   * where plain integers (sizes, counts) often fall inside 1 MiB objects,
   * so some stay (Boehm's "false retention"). */
  size_t dead = 0;
  for (int i = 0; i < BLOCKS; i++)
    dead += gort__find_object((const void *)~hidden[i], NULL) == NULL;
  CHECK(st.idle >= span_bytes + dead * MIB);
  if (os_releases())
    CHECK_EQ(st.released, st.idle); /* all of it, not just to the goal */
  else
    CHECK_EQ(st.released, 0); /* wasm: nothing can be */
  CHECK(gort__mheap_check_released() == NULL);
  /* MemStats say the same. */
  gort_memstats m;
  gort_read_memstats(&m);
  struct heap_stats now = stats();
  CHECK_EQ(m.heap_released, now.released);
  CHECK_EQ(m.heap_idle, now.idle);
  CHECK(m.heap_released <= m.heap_idle);
  return 0;
}

/* ---- scavenge_reuse_reads_zero: released pages come back zeroed ---------- */

enum { REUSE_SPANS = 48 };

TEST_IMPL(scavenge_reuse_reads_zero) {
  static const uintptr_t sizes[REUSE_SPANS] = {
      1, 3, 2,  8, 1, 16, 5,  1, 2, 9,  4,  30, 1, 7, 2,   2,
      6, 1, 12, 3, 1, 1,  64, 2, 5, 3,  1,  8,  2, 4, 1,   20,
      1, 2, 3,  4, 5, 6,  7,  8, 9, 10, 11, 12, 1, 2, 130, 1};
  uintptr_t lo[REUSE_SPANS], hi[REUSE_SPANS];
  struct mspan *s[REUSE_SPANS];
  /* Fill, free. */
  for (int i = 0; i < REUSE_SPANS; i++) {
    s[i] = gort__mheap_alloc(sizes[i], 0);
    CHECK(s[i] != NULL);
    lo[i] = s[i]->base;
    hi[i] = gort__span_limit(s[i]);
    memset((void *)lo[i], 0xa5, hi[i] - lo[i]);
  }
  for (int i = 0; i < REUSE_SPANS; i++)
    gort__mheap_free(s[i]);
  /* Release every free page, the dirty ones included. */
  gort_free_os_memory();
  bool releases = os_releases();
  /* Reallocate: a span the heap calls clean must read as zero (nothing
   * zeroes it: mheap_alloc hands out raw pages); natively every free page
   * was released, so every span is clean. */
  size_t reused = 0;
  for (int i = 0; i < REUSE_SPANS; i++) {
    s[i] = gort__mheap_alloc(sizes[i], 0);
    CHECK(s[i] != NULL);
    uintptr_t b = s[i]->base, e = gort__span_limit(s[i]);
    for (int j = 0; j < REUSE_SPANS; j++) {
      uintptr_t ol = b > lo[j] ? b : lo[j], oh = e < hi[j] ? e : hi[j];
      if (ol < oh)
        reused += oh - ol;
    }
    if (releases)
      CHECK(!s[i]->needzero);
    if (!s[i]->needzero)
      CHECK(all_zero((void *)b, e - b));
  }
  CHECK(reused > 0); /* the case tested reuse of dirty, released pages */
  for (int i = 0; i < REUSE_SPANS; i++)
    gort__mheap_free(s[i]);
  CHECK(gort__mheap_check_released() == NULL);
  /* The allocator's own objects: a large one on released pages is zero
   * too (needzero or not). */
  unsigned char *big = gort_alloc_noscan(3 * GORT_PAGE_SIZE);
  CHECK(all_zero(big, 3 * GORT_PAGE_SIZE));
  return 0;
}

/* ---- scavenge_coalesce_counts: split and coalesce keep counts right ---- */

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* The free span holding addr (heap lock held), or NULL. */
static struct mspan *free_span_at_locked(uintptr_t addr) {
  struct heap_arena *a = gort__arena_map()[addr >> ARENA_SHIFT];
  struct mspan *s = atomic_load_explicit(
      &a->spans[(addr & (ARENA_BYTES - 1)) >> GORT_PAGE_SHIFT],
      memory_order_relaxed);
  if (s == NULL || s->state != SPAN_FREE || addr < s->base ||
      addr >= gort__span_limit(s))
    return NULL;
  return s;
}

enum { LIVE = 64 };

TEST_IMPL(scavenge_coalesce_counts) {
  struct mspan *live[LIVE] = {0};
  int mixed = 0; /* frees that made a span of released and unreleased pages */
  int steps = STRESS(3000, 800);
  for (int step = 0; step < steps; step++) {
    uint32_t r = next_rand();
    int slot = (int)(r % LIVE);
    switch ((r >> 8) % 3) {
    case 0: /* allocate */
      if (live[slot] == NULL) {
        uintptr_t npages = 1 + (r >> 12) % ((r >> 20) % 8 == 0 ? 200 : 12);
        struct mspan *s = gort__mheap_alloc(npages, 0);
        CHECK(s != NULL);
        uintptr_t bytes = gort__span_limit(s) - s->base;
        if (!s->needzero)
          CHECK(all_zero((void *)s->base, bytes));
        memset((void *)s->base, 0x3c, bytes);
        live[slot] = s;
      }
      break;
    case 1: /* free */
      if (live[slot] != NULL) {
        uintptr_t base = live[slot]->base;
        gort__mheap_free(live[slot]);
        live[slot] = NULL;
        gort__lock(&gort__mheap.lock);
        struct mspan *f = free_span_at_locked(base);
        CHECK(f != NULL);
        if (f->npages_released > 0 && f->npages_released < f->npages)
          mixed++;
        gort__unlock(&gort__mheap.lock);
      }
      break;
    default: /* release a little, from the top */
      gort__mheap_scavenge((r >> 12) % (256 << 10));
      break;
    }
    const char *broken = gort__mheap_check_released();
    if (broken != NULL) {
      fprintf(stderr, "step %d: %s\n", step, broken);
      CHECK(broken == NULL);
    }
  }
  for (int i = 0; i < LIVE; i++)
    if (live[i] != NULL)
      gort__mheap_free(live[i]);
  CHECK(gort__mheap_check_released() == NULL);
  if (os_releases())
    CHECK(mixed > 0); /* the case did coalesce mixed neighbours */
  else
    CHECK_EQ(stats().released, 0);
  return 0;
}

/* ---- crash_free_os_memory_outside: misuse -------------------------------- */

static void *free_from_thread(void *arg) {
  (void)arg;
  gort_free_os_memory();
  return NULL;
}

TEST_IMPL(crash_free_os_memory_outside) {
  RUN_ON_FOREIGN_THREAD(free_from_thread, NULL);
  return 1; /* should have died */
}

/* ---- crash_deadlock_after_scavenge: the scavenger hides no deadlock ------ */

TEST_IMPL(crash_deadlock_after_scavenge) {
  /* Work for the scavenger (natively; on wasm it finds nothing it can
   * release), then block for good: once it has met its goal it parks
   * without a timer, and checkdead reports the deadlock. */
  peak_and_drop(STRESS(64, 16) * MIB, NULL);
  gort_gc();
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, 1);
  gort_waitgroup_wait(&wg);
  return 1;
}
