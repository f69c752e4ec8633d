/*
 * test-xsync.c - x/sync (issue 6): errgroup (first error, cancelling the
 * siblings through WithContext, SetLimit and TryGo), semaphore.Weighted
 * (FIFO service, the context ending a wait, a stress for the sanitizers),
 * singleflight (N concurrent calls collapse into one execution, shared,
 * Forget), and the misuse panics.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

enum { MS = 1000 * 1000 };

/* ---- errgroup ----------------------------------------------------------- */

static gort_ctx *eg_ctx;
static _Atomic int eg_saw_cancel;

/* Blocks until the group's context is cancelled; returns its error. */
static int eg_sibling(void *arg) {
  (void)arg;
  gort_chan_recv(gort_ctx_done(eg_ctx), NULL);
  atomic_fetch_add(&eg_saw_cancel, 1);
  return gort_ctx_err(eg_ctx);
}

static int eg_fail(void *arg) {
  gort_sleep(2 * MS);
  return (int)(intptr_t)arg;
}

static int eg_ok(void *arg) {
  atomic_fetch_add((_Atomic int *)arg, 1);
  return 0;
}

TEST_IMPL(errgroup_cancels_siblings) {
  enum { G = 20 };
  gort_errgroup *g = gort_errgroup_with_context(gort_ctx_background(), &eg_ctx);
  CHECK(g != NULL && eg_ctx != NULL);
  for (int i = 0; i < G; i++)
    CHECK_EQ(gort_errgroup_go(g, eg_sibling, NULL), 0);
  CHECK_EQ(gort_ctx_err(eg_ctx), 0);
  CHECK_EQ(gort_errgroup_go(g, eg_fail, (void *)(intptr_t)7), 0);
  /* The first error wins: the siblings return Canceled after it. */
  CHECK_EQ(gort_errgroup_wait(g), 7);
  CHECK_EQ(atomic_load(&eg_saw_cancel), G);
  CHECK_EQ(gort_ctx_err(eg_ctx), GORT_CTX_CANCELED);
  CHECK_EQ(gort_ctx_cause(eg_ctx), 7);
  gort_errgroup_free(g);

  /* No error: Wait returns 0 and then cancels the context. */
  _Atomic int runs = 0;
  g = gort_errgroup_with_context(gort_ctx_background(), &eg_ctx);
  for (int i = 0; i < G; i++)
    gort_errgroup_go(g, eg_ok, &runs);
  CHECK_EQ(gort_errgroup_wait(g), 0);
  CHECK_EQ(atomic_load(&runs), G);
  CHECK_EQ(gort_ctx_err(eg_ctx), GORT_CTX_CANCELED);
  CHECK_EQ(gort_ctx_cause(eg_ctx), GORT_CTX_CANCELED);
  gort_errgroup_free(g);

  /* A plain group: the first of several errors. */
  g = gort_errgroup_new();
  gort_errgroup_go(g, eg_fail, (void *)(intptr_t)3);
  CHECK_EQ(gort_errgroup_wait(g), 3);
  gort_errgroup_go(g, eg_ok, &runs);
  CHECK_EQ(gort_errgroup_wait(g), 3); /* the group remembers it */
  gort_errgroup_free(g);
  return 0;
}

static _Atomic int lim_active, lim_max;
static gort_chan *lim_gate;

static int eg_limited(void *arg) {
  (void)arg;
  int a = atomic_fetch_add(&lim_active, 1) + 1;
  int m = atomic_load(&lim_max);
  while (a > m && !atomic_compare_exchange_weak(&lim_max, &m, a))
    ;
  gort_sleep(1 * MS);
  atomic_fetch_sub(&lim_active, 1);
  return 0;
}

static int eg_gated(void *arg) {
  (void)arg;
  gort_chan_recv(lim_gate, NULL);
  return 0;
}

TEST_IMPL(errgroup_limit) {
  gort_errgroup *g = gort_errgroup_new();
  gort_errgroup_set_limit(g, 3);
  for (int i = 0; i < 40; i++)
    CHECK_EQ(gort_errgroup_go(g, eg_limited, NULL), 0);
  CHECK_EQ(gort_errgroup_wait(g), 0);
  CHECK(atomic_load(&lim_max) <= 3);
  CHECK(atomic_load(&lim_max) >= 1);
  /* TryGo: refused while the limit is reached, accepted after. */
  lim_gate = gort_chan_make(0, 0);
  gort_errgroup_set_limit(g, 1);
  CHECK(gort_errgroup_try_go(g, eg_gated, NULL));
  CHECK(!gort_errgroup_try_go(g, eg_gated, NULL));
  gort_chan_close(lim_gate);
  CHECK_EQ(gort_errgroup_wait(g), 0);
  CHECK(gort_errgroup_try_go(g, eg_gated, NULL));
  CHECK_EQ(gort_errgroup_wait(g), 0);
  gort_errgroup_set_limit(g, -1); /* unlimited again */
  for (int i = 0; i < 10; i++)
    CHECK(gort_errgroup_try_go(g, eg_gated, NULL));
  CHECK_EQ(gort_errgroup_wait(g), 0);
  gort_errgroup_free(g);
  gort_chan_free(lim_gate);
  return 0;
}

TEST_IMPL(crash_errgroup_limit_while_active) {
  gort_errgroup *g = gort_errgroup_new();
  lim_gate = gort_chan_make(0, 0);
  gort_errgroup_set_limit(g, 2);
  gort_errgroup_go(g, eg_gated, NULL);
  gort_errgroup_set_limit(g, 5);
  return 0;
}

/* ---- semaphore.Weighted ------------------------------------------------- */

struct wreq {
  gort_weighted *s;
  gort_ctx *ctx;
  int64_t n;
  int id;
  int rc;
};

static gort_chan *w_order; /* ids, in the order acquisitions succeed */
static gort_waitgroup w_wg;

static void w_acquirer(void *p) {
  struct wreq *r = p;
  r->rc = gort_weighted_acquire(r->s, r->ctx, r->n);
  if (r->rc == 0) {
    int64_t id = r->id;
    gort_chan_send(w_order, &id);
  }
  gort_waitgroup_done(&w_wg);
}

/* Start an acquirer and let it queue before the next (one P: the child
 * runs from runnext while main waits on the global queue). */
static void start_queued(struct wreq *r) {
  gort_waitgroup_add(&w_wg, 1);
  gort_go(w_acquirer, r);
  for (int i = 0; i < 10; i++)
    gort_yield();
}

TEST_IMPL(weighted_fifo) {
  gort_set_maxprocs(1);
  w_order = gort_chan_make(sizeof(int64_t), 16);
  gort_weighted *s = gort_weighted_new(10);
  CHECK(gort_weighted_try_acquire(s, 10));
  CHECK(!gort_weighted_try_acquire(s, 1));
  struct wreq r1 = {s, NULL, 5, 1, -1}, r2 = {s, NULL, 6, 2, -1},
              r3 = {s, NULL, 1, 3, -1};
  start_queued(&r1);
  start_queued(&r2);
  start_queued(&r3);
  /* One unit free: nobody fits at the head, and try_acquire does not jump
   * the queue. */
  gort_weighted_release(s, 1);
  CHECK(!gort_weighted_try_acquire(s, 1));
  /* 10 free: the head (5) goes; 6 does not fit in 5, and 1 behind it must
   * wait although it would fit. */
  gort_weighted_release(s, 9);
  int64_t id;
  CHECK(gort_chan_recv(w_order, &id) && id == 1);
  for (int i = 0; i < 10; i++)
    gort_yield();
  CHECK(!gort_chan_try_recv(w_order, &id, NULL));
  /* r1's 5 back: 6 then 1 are served together (they may run in either
   * order). */
  gort_weighted_release(s, 5);
  int64_t a, b;
  CHECK(gort_chan_recv(w_order, &a) && gort_chan_recv(w_order, &b));
  CHECK(a + b == 5 && a * b == 6);
  gort_waitgroup_wait(&w_wg);
  gort_weighted_release(s, 7);
  CHECK(gort_weighted_try_acquire(s, 10));
  gort_weighted_release(s, 10);
  gort_weighted_free(s);
  gort_chan_free(w_order);
  return 0;
}

TEST_IMPL(weighted_ctx) {
  w_order = gort_chan_make(sizeof(int64_t), 16);
  gort_weighted *s = gort_weighted_new(10);
  /* A context already done: its error, even with room. */
  gort_ctx *dead = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_cancel(dead);
  CHECK_EQ(gort_weighted_acquire(s, dead, 1), GORT_CTX_CANCELED);
  CHECK(gort_weighted_try_acquire(s, 10)); /* nothing was taken */
  /* A timeout ends the wait, and nothing is held afterwards. */
  int64_t t0 = gort_nanotime();
  gort_ctx *t = gort_ctx_with_timeout(gort_ctx_background(), 10 * MS);
  CHECK_EQ(gort_weighted_acquire(s, t, 1), GORT_CTX_DEADLINE_EXCEEDED);
  CHECK(gort_nanotime() - t0 >= 10 * MS);
  /* More than the size waits for the context alone. */
  CHECK_EQ(gort_weighted_acquire(s, t, 11), GORT_CTX_DEADLINE_EXCEEDED);
  gort_ctx_release(t);
  /* A cancelled head waiter lets the one behind it through. */
  gort_weighted_release(s, 2); /* 8 held, 2 free */
  gort_ctx *c = gort_ctx_with_cancel(gort_ctx_background());
  gort_set_maxprocs(1);
  struct wreq big = {s, c, 5, 1, -1}, small = {s, NULL, 2, 2, -1};
  start_queued(&big);
  start_queued(&small);
  CHECK(!gort_chan_try_recv(w_order, NULL, NULL));
  gort_ctx_cancel(c);
  int64_t id;
  CHECK(gort_chan_recv(w_order, &id) && id == 2);
  gort_waitgroup_wait(&w_wg);
  CHECK_EQ(big.rc, GORT_CTX_CANCELED);
  CHECK_EQ(small.rc, 0);
  gort_weighted_release(s, 10); /* 8 + 2 */
  CHECK(gort_weighted_try_acquire(s, 10));
  gort_weighted_release(s, 10);
  gort_ctx_release(c);
  gort_ctx_release(dead);
  gort_weighted_free(s);
  gort_chan_free(w_order);
  return 0;
}

static gort_weighted *ws_sem;
static _Atomic int64_t ws_held;
static gort_ctx *ws_root;

static void ws_worker(void *arg) {
  uint64_t rng = (uint64_t)(intptr_t)arg * 7919 + 1;
  for (int i = 0; i < 300; i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    int64_t n = 1 + (int64_t)((rng >> 33) % 4);
    bool timed = (rng >> 40) % 3 == 0;
    gort_ctx *c =
        timed
            ? gort_ctx_with_timeout(ws_root, (int64_t)((rng >> 20) % 50) * 1000)
            : gort_ctx_retain(ws_root);
    if (gort_weighted_acquire(ws_sem, c, n) == 0) {
      int64_t h = atomic_fetch_add(&ws_held, n) + n;
      CHECK(h <= 5);
      gort_yield();
      atomic_fetch_sub(&ws_held, n);
      gort_weighted_release(ws_sem, n);
    }
    if (timed)
      gort_ctx_cancel(c);
    gort_ctx_release(c);
  }
  gort_waitgroup_done(&w_wg);
}

/* Acquire/release with weights 1..4 on a semaphore of 5 with random short
 * timeouts, on every P: never more than 5 held, all given back. */
TEST_IMPL(weighted_stress) {
  enum { G = 16 };
  ws_sem = gort_weighted_new(5);
  ws_root = gort_ctx_with_cancel(gort_ctx_background());
  gort_waitgroup_add(&w_wg, G);
  for (int i = 0; i < G; i++)
    gort_go(ws_worker, (void *)(intptr_t)i);
  gort_waitgroup_wait(&w_wg);
  CHECK_EQ(atomic_load(&ws_held), 0);
  CHECK(gort_weighted_try_acquire(ws_sem, 5));
  gort_weighted_release(ws_sem, 5);
  gort_weighted_free(ws_sem);
  gort_ctx_release(ws_root);
  return 0;
}

TEST_IMPL(crash_weighted_release_more) {
  gort_weighted *s = gort_weighted_new(3);
  CHECK(gort_weighted_try_acquire(s, 2));
  gort_weighted_release(s, 3);
  return 0;
}

/* ---- singleflight ------------------------------------------------------- */

static _Atomic int sf_execs;
static gort_chan *sf_gate, *sf_started;
static int sf_value = 42;

static int sf_slow(void *arg, void **val) {
  atomic_fetch_add(&sf_execs, 1);
  gort_chan_try_send(sf_started, NULL);
  gort_chan_recv(sf_gate, NULL);
  *val = &sf_value;
  return (int)(intptr_t)arg;
}

static int sf_fast(void *arg, void **val) {
  (void)arg;
  atomic_fetch_add(&sf_execs, 1);
  *val = NULL;
  return 5;
}

static gort_singleflight *sf;
static _Atomic int sf_shared, sf_right;

static void sf_caller(void *arg) {
  (void)arg;
  void *v = NULL;
  bool shared = false;
  int err = gort_singleflight_do(sf, "key", sf_slow, (void *)(intptr_t)9, &v,
                                 &shared);
  atomic_fetch_add(&sf_right, err == 9 && v == &sf_value);
  atomic_fetch_add(&sf_shared, shared);
  gort_waitgroup_done(&w_wg);
}

TEST_IMPL(singleflight_collapses) {
  enum { N = 64 };
  sf = gort_singleflight_new();
  sf_gate = gort_chan_make(0, 0);
  sf_started = gort_chan_make(0, 1);
  /* Deterministic: the leader runs; N-1 DoChan callers join it (each
   * registers before do_chan returns); one execution, all shared. */
  gort_waitgroup_add(&w_wg, 1);
  gort_go(sf_caller, NULL);
  gort_chan_recv(sf_started, NULL);
  gort_chan *chs[N];
  for (int i = 0; i < N - 1; i++)
    CHECK((chs[i] = gort_singleflight_do_chan(sf, "key", sf_slow, NULL)));
  /* Another key runs on its own. */
  void *v;
  bool shared = true;
  CHECK_EQ(gort_singleflight_do(sf, "other", sf_fast, NULL, &v, &shared), 5);
  CHECK(!shared);
  CHECK_EQ(atomic_load(&sf_execs), 2);
  gort_chan_close(sf_gate);
  for (int i = 0; i < N - 1; i++) {
    gort_singleflight_result r;
    CHECK(gort_chan_recv(chs[i], &r));
    CHECK(r.val == &sf_value && r.err == 9 && r.shared);
    gort_chan_free(chs[i]);
  }
  gort_waitgroup_wait(&w_wg);
  CHECK_EQ(atomic_load(&sf_execs), 2);
  CHECK_EQ(atomic_load(&sf_right), 1);
  CHECK_EQ(atomic_load(&sf_shared), 1); /* the leader saw dups */

  /* N goroutines calling Do at once (Go's TestDoDupSuppress): fewer
   * executions than callers, every result right, every joiner shared. */
  gort_chan_free(sf_gate);
  sf_gate = gort_chan_make(0, 0);
  atomic_store(&sf_execs, 0);
  atomic_store(&sf_right, 0);
  atomic_store(&sf_shared, 0);
  gort_waitgroup_add(&w_wg, N);
  for (int i = 0; i < N; i++)
    gort_go(sf_caller, NULL);
  gort_chan_recv(sf_started, NULL);
  gort_sleep(50 * MS); /* let the others join */
  gort_chan_close(sf_gate);
  gort_waitgroup_wait(&w_wg);
  int execs = atomic_load(&sf_execs);
  CHECK(execs >= 1 && execs < N);
  CHECK_EQ(atomic_load(&sf_right), N);
  CHECK(atomic_load(&sf_shared) >= N - execs);
  while (gort_chan_try_recv(sf_started, NULL, NULL))
    ;

  /* Forget: a call after it runs anew instead of joining. */
  gort_chan_free(sf_gate);
  sf_gate = gort_chan_make(0, 0);
  atomic_store(&sf_execs, 0);
  gort_chan *first = gort_singleflight_do_chan(sf, "k2", sf_slow, NULL);
  gort_chan_recv(sf_started, NULL);
  gort_singleflight_forget(sf, "k2");
  CHECK_EQ(gort_singleflight_do(sf, "k2", sf_fast, NULL, NULL, &shared), 5);
  CHECK(!shared);
  CHECK_EQ(atomic_load(&sf_execs), 2);
  gort_chan_close(sf_gate);
  gort_singleflight_result r;
  CHECK(gort_chan_recv(first, &r));
  CHECK(r.err == 0 && !r.shared);
  gort_chan_free(first);
  gort_sleep(5 * MS); /* the DoChan goroutine leaves */
  gort_singleflight_free(sf);
  gort_chan_free(sf_gate);
  gort_chan_free(sf_started);
  return 0;
}
