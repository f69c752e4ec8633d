/*
 * test-gccore.c - the concurrent collector's parts, each alone: work
 * buffers (mgcwork.c), checkmark (mgccheckmark.c) against a store that
 * skipped the barrier and one that did not, and whole concurrent cycles
 * with workers and assists on every P (the gctrace line's CPU split).
 *
 * The checkmark cases drive the phases themselves, as test-mem.c's
 * mark-sweep cases do: one P, no other goroutine allocating, so the test
 * plays the stopped world.
 */
#include <stdatomic.h>
#include <string.h>

#include "mem/malloc.h"
#include "mem/mbarrier.h"
#include "mem/mfinal.h"
#include "mem/mgc.h"
#include "mem/mgcwork.h"
#include "sched/runtime2.h"
#include "test.h"

/* ---- gcwork_buffers: every object put is got once, across buffers ----- */

TEST_IMPL(gcwork_buffers) {
  enum { N = 10 * WORKBUF_OBJS + 17 };
  static unsigned char seen[N];
  struct gcwork a = {0}, b = {0};
  CHECK(gort__gcw_empty(&a));
  for (uintptr_t i = 1; i <= N; i++)
    gort__gcw_put(&a, i * 8);
  CHECK(!gort__gcw_empty(&a) || !gort__gcw_global_empty());
  /* Half from a, then the rest moves to the global lists and b takes it. */
  uintptr_t obj;
  size_t got = 0;
  for (; got < N / 2; got++) {
    CHECK(gort__gcw_tryget(&a, &obj));
    CHECK(obj % 8 == 0 && obj / 8 >= 1 && obj / 8 <= N);
    CHECK(!seen[obj / 8 - 1]);
    seen[obj / 8 - 1] = 1;
  }
  gort__gcw_dispose(&a);
  CHECK(gort__gcw_empty(&a));
  CHECK(!gort__gcw_tryget_local(&a, &obj));
  while (gort__gcw_tryget(&b, &obj)) {
    CHECK(!seen[obj / 8 - 1]);
    seen[obj / 8 - 1] = 1;
    got++;
  }
  CHECK_EQ(got, N);
  CHECK(gort__gcw_global_empty());
  gort__gcw_dispose(&b);
  return 0;
}

/* ---- checkmark: a store that skipped the barrier is found -------------- */

struct cnode {
  struct cnode *p;
  uint64_t v;
};

static struct cnode *check_root; /* A, reached from the globals */
static struct gcwork test_gcw;

/* The mark as the concurrent collector's roots give it, minus stacks
 * (which checkmark only follows, never blames). */
static void mark_roots_and_drain(void) {
  gort__gc_mark_begin();
  gort__gc_mark_globals(&test_gcw);
  gort__gc_mark_runtime_objects(&test_gcw);
  gort__fin_mark_roots(&test_gcw);
  gort__gc_drain(&test_gcw, -1);
  gort__gcw_dispose(&test_gcw);
}

/* B, reached only from this frame until stored into A. */
__attribute__((noinline)) static void store_b(bool with_barrier) {
  struct cnode *b = gort_alloc(sizeof *b);
  b->v = 42;
  if (with_barrier) {
    gort__wb_set(true); /* a mark is running: the barrier shades B */
    GORT_STORE(check_root->p, b);
    gort__wbbuf_flush(gort__sched.allp[0]);
    gort__gcw_dispose(&gort__sched.allp[0]->gcw);
    gort__wb_set(false);
    gort__gc_drain(&test_gcw, -1);
    gort__gcw_dispose(&test_gcw);
  } else {
    check_root->p = b; /* the mistake */
  }
}

static int checkmark_case(bool with_barrier) {
  gort_set_maxprocs(1);
  struct gort__sweep_result r;
  gort__gc_sweep(&r); /* every span swept: a mark may begin */
  check_root = gort_alloc(sizeof *check_root);
  mark_roots_and_drain(); /* A is marked */
  CHECK(gort__gc_is_marked(check_root));
  store_b(with_barrier);
  CHECK_EQ(gort__gc_is_marked(check_root->p), with_barrier);
  gort__gc_checkmark(); /* dies without the barrier */
  gort__gc_sweep(&r);
  CHECK_EQ(check_root->p->v, 42); /* B survived the sweep */
  return 0;
}

TEST_IMPL(crash_checkmark_missing_barrier) { return checkmark_case(false); }
TEST_IMPL(gc_checkmark_quiet_with_barrier) { return checkmark_case(true); }

/* ---- gc_concurrent_cycles: the collector beside allocating goroutines --- */

struct lnode {
  struct lnode *next;
  uint64_t v, sum;
};

static _Atomic int makers_done;

static void maker(void *arg) {
  uintptr_t id = (uintptr_t)arg;
  uint64_t n = STRESS(200000, 20000);
  /* A list kept whole (every link stored with the barrier) among garbage. */
  struct lnode *head = NULL;
  for (uint64_t i = 0; i < n; i++) {
    struct lnode *x = gort_alloc(sizeof *x);
    x->v = i;
    x->sum = i * 2654435761u + id;
    if (i % 8 == 0) {
      GORT_STORE(x->next, head);
      head = x;
    }
  }
  uint64_t count = 0;
  for (struct lnode *x = head; x; x = x->next, count++)
    CHECK_EQ(x->sum, x->v * 2654435761u + id);
  CHECK_EQ(count, (n + 7) / 8);
  atomic_fetch_add(&makers_done, 1);
}

TEST_IMPL(gc_concurrent_cycles) {
  gort_memstats before, after;
  gort_read_memstats(&before);
  int procs = gort_maxprocs();
  for (uintptr_t i = 0; i < (uintptr_t)procs * 2; i++)
    gort_go(maker, (void *)i);
  /* Cycles back to back while they run (besides the paced ones). */
  while (atomic_load(&makers_done) < procs * 2)
    gort_gc();
  gort_read_memstats(&after);
  CHECK(after.num_gc > before.num_gc);
  return 0;
}

/* ---- gc_large_object_oblets: a large object is scanned an oblet at a
 * time, and a drain asked to yield stops after one oblet ---------------- */

struct kid {
  uint64_t v;
};
static void **oblet_big; /* global: the big object stays reachable */

TEST_IMPL(gc_large_object_oblets) {
  enum { BIG = 1 << 20, WORDS = BIG / sizeof(void *), KIDS = 17 };
  gort_set_maxprocs(1);
  struct gort__sweep_result r;
  gort__gc_sweep(&r);          /* every span swept: a mark may begin */
  oblet_big = gort_alloc(BIG); /* conservative: every word is looked at */
  static struct kid *kids[KIDS];
  for (int i = 0; i < KIDS; i++) {
    kids[i] = gort_alloc(sizeof *kids[i]);
    kids[i]->v = (uint64_t)i;
    /* One per 64 KB, the last in the object's last word. */
    size_t at = i < KIDS - 1 ? (size_t)i * (WORDS / (KIDS - 1)) : WORDS - 1;
    oblet_big[at] = kids[i];
  }
  gort__gc_mark_begin();
  struct gcwork w = {0};
  gort__gc_shade((uintptr_t)oblet_big, &w);
  struct g *self = gort__getg();
  atomic_store(&self->preempt, 1); /* as a stop of the world asks */
  uint64_t before = w.bytes_scanned;
  CHECK(!gort__gc_drain(&w, INT64_MAX / 2));
  atomic_store(&self->preempt, 0);
  CHECK_EQ(w.bytes_scanned - before, GC_OBLET_BYTES);
  CHECK(gort__gc_is_marked(kids[0]) && gort__gc_is_marked(kids[1]));
  CHECK(!gort__gc_is_marked(kids[KIDS - 1])); /* its oblet is queued */
  CHECK(gort__gc_drain(&w, -1));
  /* The whole object once, and the kids (pointerful: scanned too). */
  CHECK(w.bytes_scanned - before >= BIG);
  CHECK(w.bytes_scanned - before <= BIG + KIDS * 16);
  for (int i = 0; i < KIDS; i++)
    CHECK(gort__gc_is_marked(kids[i]));
  gort__gcw_dispose(&w);
  /* Everything else the roots reach, then a sweep: nothing lost. */
  mark_roots_and_drain();
  gort__gc_sweep(&r);
  for (int i = 0; i < KIDS; i++)
    CHECK_EQ(kids[i]->v, (uint64_t)i);
  return 0;
}
