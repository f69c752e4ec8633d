/*
 * test-gchandles.c - channels, timers and contexts in the GC heap
 * (gort_set_gc_handles; docs/API.md, "Memory: runtime objects in the GC
 * heap").
 *
 * Reclaimed: handles made in a loop and dropped without their free call
 * (in a goroutine that then exits: scanning is conservative, so the maker's
 * stack must be gone) leave the heap bounded over many collections, and
 * MemStats counts their frees. Unlike test-gcroots.c's "reclaimed"
 * halves, which need every one of a few objects gone (native-only: on
 * wasm32 some of libc's flag words read as addresses in the heap's first
 * page and may keep an object there alive), these bound totals over
 * thousands of handles, far above what a few false pointers can keep:
 * they run on wasm too.
 *
 * Kept: a channel reachable only from a GC object or a global keeps
 * working across collections; an active timer only its P's heap holds
 * still fires; an AfterFunc's argument only its timer holds survives; a
 * context tree whose children only their parent's list holds still
 * cancels. Each collects, then makes many more handles of the same kind
 * (so that the memory of anything wrongly freed is reused and its magic
 * overwritten), then uses what it kept.
 *
 * Explicit free works in both modes, manual mode allocates nothing in the
 * GC heap, and the misuse messages are those of C memory (crash_ cases).
 */
#include <stdatomic.h>
#include <string.h>

#include "gc-test.h"

static const int64_t MS = 1000 * 1000;
static const int64_t HOUR = 3600LL * 1000 * 1000 * 1000;

/* ---- helpers ------------------------------------------------------------ */

static bool in_gc_heap(const void *h) {
  return gort__find_object(h, NULL) != NULL;
}

static uint64_t heap_objects(void) {
  gort_memstats m;
  gort_read_memstats(&m);
  return m.heap_objects;
}

static uint64_t frees(void) {
  gort_memstats m;
  gort_read_memstats(&m);
  return m.frees;
}

static uint64_t mallocs(void) {
  gort_memstats m;
  gort_read_memstats(&m);
  return m.mallocs;
}

/* rounds of make(per_round) in an exiting goroutine, each followed by
 * wait (may be NULL) and a collection: the live objects stay below
 * per_round * 3 over all of them, and at least half of everything made
 * was freed. per_round handles make at least per_round objects. */
static int check_bounded(gort_func make, void (*wait)(void), int rounds,
                         int per_round) {
  gort_gc();
  uint64_t objects0 = heap_objects(), frees0 = frees();
  uint64_t peak = 0;
  for (int r = 0; r < rounds; r++) {
    run_in_goroutine(make, &per_round);
    if (wait)
      wait();
    gort_gc();
    uint64_t live = heap_objects() - objects0;
    if (live > peak)
      peak = live;
  }
  CHECK((int64_t)peak < (int64_t)per_round * 3);
  CHECK(frees() - frees0 >= (uint64_t)rounds * (uint64_t)per_round / 2);
  return 0;
}

/* ---- reclaimed: channels --------------------------------------------------
 */

static void make_chans(void *arg) {
  int n = *(int *)arg;
  for (int i = 0; i < n; i++) {
    /* Unbuffered, a buffer of pointers (scanned), a buffer of ints. */
    gort_chan *c =
        gort_chan_make(i % 3 == 1 ? sizeof(void *) : 4, (size_t)(i % 3));
    CHECK(c != NULL && in_gc_heap(c));
    if (i % 3 == 1) {
      void *p = gort_alloc(32);
      gort_chan_send(c, &p); /* left in the buffer: garbage with it */
    } else if (i % 3 == 2) {
      int v = i;
      gort_chan_send(c, &v);
      CHECK(gort_chan_recv(c, &v) && v == i);
    }
  }
}

TEST_IMPL(gchandles_chan_reclaimed) {
  gort_set_gc_handles(true);
  return check_bounded(make_chans, NULL, 20, STRESS(3000, 600));
}

/* ---- reclaimed: timers -----------------------------------------------------
 */

static _Atomic int funcs_ran;

static void count_func(void *arg) {
  (void)arg;
  atomic_fetch_add(&funcs_ran, 1);
}

static int funcs_made;

static void make_timers(void *arg) {
  int n = *(int *)arg;
  for (int i = 0; i < n; i++) {
    switch (i % 4) {
    case 0: { /* fired and drained */
      gort_timer *t = gort_timer_new(0);
      CHECK(t != NULL && in_gc_heap(t));
      int64_t when;
      CHECK(gort_chan_recv(gort_timer_chan(t), &when));
      break;
    }
    case 1: { /* stopped before it fired */
      gort_timer *t = gort_timer_new(HOUR);
      CHECK(gort_timer_stop(t));
      break;
    }
    case 2: { /* a stopped ticker */
      gort_timer *t = gort_ticker_new(HOUR);
      gort_timer_stop(t);
      break;
    }
    default: /* an AfterFunc that ran */
      CHECK(gort_after_func(0, count_func, NULL) != NULL);
      funcs_made++;
      break;
    }
  }
}

static void wait_funcs(void) {
  for (long i = 0; i < 10000000 && atomic_load(&funcs_ran) != funcs_made; i++)
    gort_yield();
  CHECK_EQ(atomic_load(&funcs_ran), funcs_made);
  CHECK_GOROUTINES_SETTLE(1);
}

TEST_IMPL(gchandles_timer_reclaimed) {
  gort_set_gc_handles(true);
  return check_bounded(make_timers, wait_funcs, 20, STRESS(2000, 400));
}

/* gort_after in a select whose other case wins: the program drops the
 * channel at once; the timer holds it until it fires, then both are
 * garbage. */
static void make_afters(void *arg) {
  int n = *(int *)arg;
  gort_chan *ready = gort_chan_make(sizeof(int), 1);
  for (int i = 0; i < n; i++) {
    int v = i, got = -1;
    gort_chan_send(ready, &v);
    gort_chan *after = gort_after(MS);
    CHECK(after != NULL && in_gc_heap(after));
    gort_select_case cases[2] = {
        {ready, GORT_SELECT_RECV, &got, sizeof got, false},
        {after, GORT_SELECT_RECV, NULL, 0, false}};
    /* ready is ready at once; on a slow machine the 1 ms may have gone
     * by too, and select picks either: then take the value anyway. */
    int chosen = gort_select(cases, 2, true);
    CHECK(chosen == 0 || chosen == 1);
    if (chosen == 1)
      CHECK(gort_chan_recv(ready, &got));
    CHECK_EQ(got, i);
  }
}

static void wait_afters(void) {
  gort_sleep(20 * MS); /* every gort_after has fired */
}

TEST_IMPL(gchandles_after_reclaimed) {
  gort_set_gc_handles(true);
  return check_bounded(make_afters, wait_afters, 20, STRESS(2000, 400));
}

/* ---- reclaimed: contexts ---------------------------------------------------
 */

static int ctx_key;

static void make_ctxs(void *arg) {
  int n = *(int *)arg;
  for (int i = 0; i < n; i += 8) {
    gort_ctx *root = gort_ctx_with_cancel(gort_ctx_background());
    CHECK(root != NULL && in_gc_heap(root));
    gort_ctx *val = gort_ctx_with_value(root, &ctx_key, gort_alloc(16));
    gort_ctx *child = gort_ctx_with_cancel(val);
    gort_ctx *grand = gort_ctx_with_timeout(child, HOUR);
    CHECK(gort_chan_try_recv(gort_ctx_done(grand), NULL, NULL) == false);
    gort_ctx_afterfunc *af = gort_ctx_after_func(child, count_func, NULL);
    CHECK(af != NULL);
    funcs_made++;
    gort_ctx *loose = gort_ctx_with_timeout(gort_ctx_background(), MS);
    (void)loose; /* dropped: its deadline cancels it, then it is garbage */
    CHECK(gort_ctx_value(grand, &ctx_key) != NULL);
    gort_ctx_cancel(root); /* no release anywhere */
    CHECK(gort_chan_recv(gort_ctx_done(grand), NULL) == false);
    CHECK_EQ(gort_ctx_err(grand), GORT_CTX_CANCELED);
  }
}

static void wait_ctxs(void) {
  gort_sleep(20 * MS); /* the loose timeouts expired */
  wait_funcs();
}

TEST_IMPL(gchandles_ctx_reclaimed) {
  gort_set_gc_handles(true);
  return check_bounded(make_ctxs, wait_ctxs, 20, STRESS(2000, 400));
}

/* ---- kept: what is still reachable works -----------------------------------
 */

/* Make n handles of every kind and drop them: the memory of anything
 * wrongly freed by the collections before is then reused. */
static void churn(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    gort_chan_make(sizeof(void *), (size_t)(i % 3));
    gort_timer_stop(gort_timer_new(HOUR));
    gort_ctx_with_value(gort_ctx_background(), &ctx_key, NULL);
  }
}

static void collect_and_churn(void) {
  for (int i = 0; i < 3; i++) {
    gort_gc();
    run_in_goroutine(churn, NULL);
  }
  gort_gc();
}

struct box {
  uint64_t pad;
  gort_chan *c;
};
static struct box *global_box; /* a GC object holding a channel */
static gort_chan *global_chan; /* a channel only a global holds */
static const uint64_t MAGIC_VALUE = 0x5eed5eed5eed5eedull;

static void make_kept_chans(void *arg) {
  (void)arg;
  GORT_STORE(global_box, gort_alloc(sizeof *global_box));
  GORT_STORE(global_box->c, gort_chan_make(sizeof(uint64_t *), 4));
  uint64_t *v = gort_alloc_noscan(sizeof *v); /* only in the buffer */
  *v = MAGIC_VALUE;
  gort_chan_send(global_box->c, &v);
  GORT_STORE(global_chan, gort_chan_make(sizeof(int), 2));
  int x = 7;
  gort_chan_send(global_chan, &x);
}

TEST_IMPL(gchandles_chan_kept) {
  gort_set_gc_handles(true);
  run_in_goroutine(make_kept_chans, NULL);
  collect_and_churn();
  CHECK(in_gc_heap(global_box->c) && in_gc_heap(global_chan));
  uint64_t *v = NULL;
  CHECK_EQ(gort_chan_len(global_box->c), 1);
  CHECK(gort_chan_recv(global_box->c, &v));
  CHECK(*v == MAGIC_VALUE);
  int x = 0;
  CHECK(gort_chan_recv(global_chan, &x) && x == 7);
  x = 8;
  gort_chan_send(global_chan, &x); /* still a working channel */
  CHECK(gort_chan_recv(global_chan, &x) && x == 8);
  return 0;
}

/* An active timer only its P's heap holds, and an AfterFunc whose
 * argument only its timer holds: kept by ~address (no reference), then
 * reset to fire at once (a reclaimed timer's magic would be gone). */
static uintptr_t hidden_timer, hidden_func, hidden_func_arg;
static gort_chan *func_result;

static void func_checks_arg(void *arg) {
  uint64_t ok = *(uint64_t *)arg == MAGIC_VALUE;
  gort_chan_send(func_result, &ok);
}

static void make_kept_timers(void *arg) {
  (void)arg;
  gort_timer *t = gort_timer_new(HOUR);
  CHECK(in_gc_heap(t));
  hidden_timer = ~(uintptr_t)t;
  uint64_t *v = gort_alloc_noscan(sizeof *v);
  *v = MAGIC_VALUE;
  hidden_func_arg = ~(uintptr_t)v;
  hidden_func = ~(uintptr_t)gort_after_func(HOUR, func_checks_arg, v);
}

TEST_IMPL(gchandles_timer_kept) {
  gort_set_gc_handles(true);
  GORT_STORE(func_result, gort_chan_make(sizeof(uint64_t), 1));
  run_in_goroutine(make_kept_timers, NULL);
  collect_and_churn();
  CHECK(in_gc_heap((void *)~hidden_func_arg));
  gort_timer *t = (gort_timer *)~hidden_timer;
  CHECK(gort_timer_reset(t, 0)); /* it was still pending */
  int64_t when = 0;
  CHECK(gort_chan_recv(gort_timer_chan(t), &when) && when > 0);
  CHECK(gort_timer_reset((gort_timer *)~hidden_func, 0));
  uint64_t ok = 0;
  CHECK(gort_chan_recv(func_result, &ok) && ok == 1);
  return 0;
}

/* A context tree: the children only their parent's list holds. */
enum { TREE_CHILDREN = 8 };
static gort_ctx *tree_root;
static gort_chan *tree_done[TREE_CHILDREN]; /* their Done channels */
static _Atomic int tree_funcs;

static void tree_func(void *arg) {
  (void)arg;
  atomic_fetch_add(&tree_funcs, 1);
}

static void make_tree(void *arg) {
  (void)arg;
  GORT_STORE(tree_root, gort_ctx_with_cancel(gort_ctx_background()));
  for (int i = 0; i < TREE_CHILDREN; i++) {
    gort_ctx *v = gort_ctx_with_value(tree_root, &ctx_key, NULL);
    gort_ctx *c =
        i % 2 ? gort_ctx_with_cancel(v) : gort_ctx_with_timeout(v, HOUR);
    CHECK(in_gc_heap(c));
    GORT_STORE(tree_done[i], gort_ctx_done(c));
    CHECK(gort_ctx_after_func(c, tree_func, NULL) != NULL);
  }
}

TEST_IMPL(gchandles_ctx_kept) {
  gort_set_gc_handles(true);
  run_in_goroutine(make_tree, NULL);
  collect_and_churn();
  for (int i = 0; i < TREE_CHILDREN; i++)
    CHECK(gort_chan_try_recv(tree_done[i], NULL, NULL) == false);
  CHECK_EQ(gort_ctx_cancel(tree_root), 0);
  for (int i = 0; i < TREE_CHILDREN; i++)
    CHECK(gort_chan_recv(tree_done[i], NULL) == false); /* closed */
  for (long i = 0; i < 10000000 && atomic_load(&tree_funcs) != TREE_CHILDREN;
       i++)
    gort_yield();
  CHECK_EQ(atomic_load(&tree_funcs), TREE_CHILDREN);
  return 0;
}

/* x/sync keeps handles in C memory: an errgroup's context (a GC one, as
 * its parent is) only the group holds still cancels; a DoChan channel and
 * a limit's channel are made in C memory. */
static gort_errgroup *kept_group;
static gort_chan *kept_group_done;

static void make_group(void *arg) {
  (void)arg;
  gort_ctx *root = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx *ctx = NULL;
  GORT_STORE(kept_group, gort_errgroup_with_context(root, &ctx));
  CHECK(kept_group != NULL && in_gc_heap(ctx));
  GORT_STORE(kept_group_done, gort_ctx_done(ctx));
}

static int fail_task(void *arg) {
  (void)arg;
  return 42;
}

TEST_IMPL(gchandles_xsync) {
  gort_set_gc_handles(true);
  run_in_goroutine(make_group, NULL);
  collect_and_churn();
  CHECK(gort_chan_try_recv(kept_group_done, NULL, NULL) == false);
  gort_errgroup_set_limit(kept_group, 1);
  CHECK_EQ(gort_errgroup_go(kept_group, fail_task, NULL), 0);
  CHECK_EQ(gort_errgroup_wait(kept_group), 42);
  CHECK(gort_chan_recv(kept_group_done, NULL) == false); /* cancelled */
  gort_errgroup_free(kept_group);
  return 0;
}

/* ---- explicit free, both modes ----------------------------------------------
 */

static void make_and_free(int n) {
  for (int i = 0; i < n; i++) {
    gort_chan *c = gort_chan_make(sizeof(void *), (size_t)(i % 2));
    gort_chan_free(c);
    gort_timer *t = gort_timer_new(HOUR);
    gort_timer_free(t);
    gort_timer_free(gort_after_func(HOUR, count_func, NULL));
    gort_chan *a = gort_after(0);
    CHECK(gort_chan_recv(a, NULL));
    gort_chan_free(a);
    gort_ctx *x = gort_ctx_with_timeout(gort_ctx_background(), HOUR);
    gort_ctx *v = gort_ctx_with_value(x, &ctx_key, NULL);
    gort_ctx *child = gort_ctx_with_cancel(v);
    gort_chan *done = gort_ctx_done(child);
    gort_ctx_cancel(x);
    CHECK(gort_chan_recv(done, NULL) == false);
    gort_ctx_release(child);
    gort_ctx_release(v);
    gort_ctx_release(x);
  }
}

TEST_IMPL(gchandles_explicit_free) {
  enum { N = 100 };
  /* Manual: nothing in the GC heap. */
  gort_set_gc_handles(false);
  uint64_t m0 = mallocs();
  gort_chan *c = gort_chan_make(sizeof(void *), 1);
  CHECK(!in_gc_heap(c));
  gort_chan_free(c);
  make_and_free(N);
  CHECK_EQ(mallocs(), m0);
  /* GC handles: the same calls, in the GC heap. */
  gort_set_gc_handles(true);
  c = gort_chan_make(sizeof(void *), 1);
  CHECK(in_gc_heap(c));
  gort_chan_free(c);
  make_and_free(N);
  CHECK(mallocs() - m0 >= 6 * N);
  gort_set_gc_handles(false);
  return 0;
}

/* GORT_GCHANDLES=1 turns them on at start. */
TEST_IMPL(gchandles_env) {
  gort_chan *c = gort_chan_make(sizeof(int), 1);
  CHECK(in_gc_heap(c));
  gort_ctx *x = gort_ctx_with_cancel(gort_ctx_background());
  CHECK(in_gc_heap(x));
  gort_set_gc_handles(false);
  gort_ctx *y = gort_ctx_with_cancel(gort_ctx_background());
  CHECK(!in_gc_heap(y));
  /* A derived context takes its parent's kind, whatever the setting. */
  CHECK(in_gc_heap(gort_ctx_with_cancel(x)));
  gort_set_gc_handles(true);
  CHECK(!in_gc_heap(gort_ctx_with_value(y, &ctx_key, NULL)));
  return 0;
}

/* ---- misuse: the same messages as in C memory -------------------------------
 */

TEST_IMPL(crash_gchandles_chan_freed_twice) {
  gort_set_gc_handles(true);
  gort_chan *c = gort_chan_make(sizeof(int), 1);
  gort_chan_free(c);
  gort_gc(); /* c is on this stack: not reclaimed */
  gort_chan_free(c);
  return 0;
}

TEST_IMPL(crash_gchandles_chan_send_after_free) {
  gort_set_gc_handles(true);
  gort_chan *c = gort_chan_make(sizeof(int), 1);
  gort_chan_free(c);
  gort_gc();
  run_in_goroutine(churn, NULL);
  int v = 1;
  gort_chan_send(c, &v);
  return 0;
}

TEST_IMPL(crash_gchandles_timer_freed_twice) {
  gort_set_gc_handles(true);
  gort_timer *t = gort_timer_new(HOUR);
  gort_timer_free(t);
  gort_gc();
  gort_timer_free(t);
  return 0;
}

TEST_IMPL(crash_gchandles_ctx_used_after_release) {
  gort_set_gc_handles(true);
  gort_ctx *x = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_release(x);
  gort_gc();
  gort_ctx_err(x);
  return 0;
}

TEST_IMPL(crash_gchandles_bad_env) { return 0; }
