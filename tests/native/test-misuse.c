/*
 * test-misuse.c - misuse and bad input at the API edge of channels, time,
 * context and x/sync (issue 10, items 6 and "bad input at every API
 * edge"): double free and use after free of heap handles, NULL handles,
 * sizes out of range, negative weights, and calls from a thread that is
 * not a goroutine's. Each crash case checks Go's (or gort's) message;
 * docs/API.md "Misuse and bad input" lists them.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"

enum { MS = 1000 * 1000 };

/* ---- double free and use after free ------------------------------------ */

TEST_IMPL(crash_timer_freed_twice) {
  gort_timer *t = gort_timer_new(1000 * MS);
  gort_timer_free(t);
  gort_timer_free(t); /* used to hang in a futex on the freed lock */
  return 1;
}

TEST_IMPL(crash_timer_use_after_free) {
  gort_timer *t = gort_ticker_new(1000 * MS);
  gort_timer_free(t);
  gort_timer_reset(t, MS);
  return 1;
}

TEST_IMPL(crash_timer_bad_handle) {
  void *junk = calloc(1, 512); /* not a timer */
  gort_timer_stop(junk);
  return 1;
}

TEST_IMPL(crash_chan_freed_twice) {
  gort_chan *c = gort_chan_make(8, 4);
  gort_chan_free(c);
  gort_chan_free(c);
  return 1;
}

TEST_IMPL(crash_chan_send_after_free) {
  gort_chan *c = gort_chan_make(8, 4);
  gort_chan_free(c);
  int64_t v = 1;
  gort_chan_send(c, &v);
  return 1;
}

TEST_IMPL(crash_select_freed_chan) {
  gort_chan *c = gort_chan_make(0, 0);
  gort_chan_free(c);
  gort_select_case cs[] = {{c, GORT_SELECT_RECV, NULL, 0, false}};
  gort_select(cs, 1, false);
  return 1;
}

TEST_IMPL(crash_chan_free_timer_chan) {
  gort_timer *t = gort_timer_new(1000 * MS);
  gort_chan_free(gort_timer_chan(t)); /* the timer's, not ours */
  return 1;
}

TEST_IMPL(crash_chan_free_ctx_done) {
  gort_ctx *ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_chan_free(gort_ctx_done(ctx));
  return 1;
}

TEST_IMPL(crash_ctx_released_twice) {
  gort_ctx *ctx = gort_ctx_with_timeout(gort_ctx_background(), 1000 * MS);
  gort_ctx_release(ctx);
  gort_ctx_release(ctx);
  return 1;
}

TEST_IMPL(crash_ctx_use_after_release) {
  gort_ctx *ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_cancel(ctx);
  gort_ctx_release(ctx);
  gort_ctx_err(ctx);
  return 1;
}

static void nop(void *p) { (void)p; }

TEST_IMPL(crash_ctx_after_func_stop_twice) {
  gort_ctx *ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_afterfunc *h = gort_ctx_after_func(ctx, nop, NULL);
  CHECK(gort_ctx_after_func_stop(h));
  gort_ctx_after_func_stop(h);
  return 1;
}

TEST_IMPL(crash_ctx_after_func_stop_after_detach) {
  gort_ctx *ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_afterfunc *h = gort_ctx_after_func(ctx, nop, NULL);
  gort_ctx_after_func_detach(h);
  gort_ctx_after_func_stop(h);
  return 1;
}

TEST_IMPL(crash_errgroup_freed_twice) {
  gort_errgroup *g = gort_errgroup_new();
  gort_errgroup_free(g);
  gort_errgroup_free(g);
  return 1;
}

TEST_IMPL(crash_errgroup_use_after_free) {
  gort_errgroup *g = gort_errgroup_new();
  gort_errgroup_free(g);
  gort_errgroup_wait(g);
  return 1;
}

TEST_IMPL(crash_weighted_freed_twice) {
  gort_weighted *s = gort_weighted_new(4);
  gort_weighted_free(s);
  gort_weighted_free(s);
  return 1;
}

TEST_IMPL(crash_singleflight_freed_twice) {
  gort_singleflight *g = gort_singleflight_new();
  gort_singleflight_free(g);
  gort_singleflight_free(g);
  return 1;
}

/* ---- NULL handles and arguments ----------------------------------------- */

TEST_IMPL(crash_timer_stop_nil) {
  gort_timer_stop(NULL);
  return 1;
}

TEST_IMPL(crash_chan_send_nil_elem) {
  gort_chan *c = gort_chan_make(8, 1);
  gort_chan_send(c, NULL); /* 8 bytes from address 0 */
  return 1;
}

TEST_IMPL(crash_errgroup_wait_nil) {
  gort_errgroup_wait(NULL);
  return 1;
}

TEST_IMPL(crash_weighted_acquire_nil) {
  gort_weighted_acquire(NULL, NULL, 1);
  return 1;
}

TEST_IMPL(crash_singleflight_do_nil) {
  gort_singleflight_do(NULL, "k", NULL, NULL, NULL, NULL);
  return 1;
}

/* ---- sizes out of range ------------------------------------------------- */

TEST_IMPL(crash_chan_make_negative_cap) {
  gort_chan_make(8, (size_t)-1); /* make(chan int64, -1) */
  return 1;
}

TEST_IMPL(crash_chan_make_size_overflow) {
  gort_chan_make(1 << 15, SIZE_MAX / 2);
  return 1;
}

TEST_IMPL(crash_chan_make_huge_elem) {
  gort_chan_make(1 << 16, 1);
  return 1;
}

TEST_IMPL(crash_weighted_negative_size) {
  gort_weighted_new(-1);
  return 1;
}

TEST_IMPL(crash_weighted_release_negative) {
  gort_weighted *s = gort_weighted_new(4);
  gort_weighted_release(s, -1);
  return 1;
}

static int fail(void *arg) {
  (void)arg;
  return 1;
}

static int flight(void *arg, void **val) {
  (void)arg;
  *val = NULL;
  return 0;
}

/* Bad input that has an answer: error codes, false, NULL, no-ops. */
TEST_IMPL(misuse_bad_input_answers) {
  gort_chan *c = gort_chan_make(8, 1);
  gort_select_case cs[] = {{c, GORT_SELECT_RECV, NULL, 0, false}};
  /* A bad count or NULL cases panic (crash_select_*, test-chantyped.c). */
  CHECK_EQ(gort_select(cs, 1, false), GORT_SELECT_DEFAULT);
  gort_chan_free(c);
  /* Edges that are fine: the largest element, a huge chan struct{}. */
  c = gort_chan_make((1 << 16) - 1, 1);
  CHECK(c != NULL);
  gort_chan_free(c);
  c = gort_chan_make(0, PTRDIFF_MAX);
  CHECK(c != NULL);
  CHECK_EQ(gort_chan_cap(c), PTRDIFF_MAX);
  CHECK(gort_chan_try_send(c, NULL));
  gort_chan_free(c);
  /* NULL where NULL means something: nil channel, Background, no-op. */
  CHECK(!gort_chan_try_send(NULL, NULL));
  CHECK_EQ(gort_chan_len(NULL), 0);
  gort_chan_free(NULL);
  gort_timer_free(NULL);
  gort_errgroup_free(NULL);
  gort_weighted_free(NULL);
  gort_singleflight_free(NULL);
  CHECK_EQ(gort_ctx_err(NULL), 0);
  CHECK_EQ(gort_ctx_cancel(NULL), GORT_EINVAL);
  CHECK_EQ(gort_ctx_cancel(gort_ctx_background()), GORT_EINVAL);
  CHECK(gort_after_func(MS, NULL, NULL) == NULL);
  CHECK(gort_ctx_after_func(gort_ctx_background(), NULL, NULL) == NULL);
  /* Negative weights. */
  gort_weighted *s = gort_weighted_new(2);
  CHECK_EQ(gort_weighted_acquire(s, NULL, -1), GORT_EINVAL);
  CHECK(!gort_weighted_try_acquire(s, -1));
  CHECK_EQ(gort_weighted_acquire(s, NULL, 2), 0);
  CHECK(!gort_weighted_try_acquire(s, 1));
  gort_weighted_release(s, 2);
  gort_weighted_free(s);
  /* singleflight: NULL key or fn. */
  gort_singleflight *g = gort_singleflight_new();
  void *val;
  CHECK_EQ(gort_singleflight_do(g, NULL, flight, NULL, &val, NULL),
           GORT_EINVAL);
  CHECK_EQ(gort_singleflight_do(g, "k", NULL, NULL, &val, NULL), GORT_EINVAL);
  CHECK(gort_singleflight_do_chan(g, NULL, flight, NULL) == NULL);
  gort_singleflight_forget(g, NULL);
  CHECK_EQ(gort_singleflight_do(g, "k", flight, NULL, &val, NULL), 0);
  gort_singleflight_free(g);
  /* errgroup: any limit is fine; a failing task is an error, not misuse. */
  gort_errgroup *eg = gort_errgroup_new();
  gort_errgroup_set_limit(eg, -5);
  gort_errgroup_set_limit(eg, 1);
  CHECK_EQ(gort_errgroup_go(eg, fail, NULL), 0);
  CHECK_EQ(gort_errgroup_wait(eg), 1);
  gort_errgroup_free(eg);
  return 0;
}

/* Many handles freed after one: past the quarantine the memory is
 * malloc's; these frees and the reuse must stay correct. */
TEST_IMPL(misuse_quarantine_churn) {
  for (int round = 0; round < 4; round++) {
    gort_timer *t[200];
    gort_chan *c[200];
    gort_ctx *x[200];
    for (int i = 0; i < 200; i++) {
      t[i] = gort_timer_new(1000 * MS);
      c[i] = gort_chan_make(16, (size_t)i);
      x[i] = gort_ctx_with_cancel(gort_ctx_background());
    }
    for (int i = 0; i < 200; i++) {
      CHECK(gort_timer_stop(t[i]));
      gort_timer_free(t[i]);
      gort_chan_free(c[i]);
      gort_ctx_cancel(x[i]);
      gort_ctx_release(x[i]);
    }
  }
  return 0;
}

/* ---- calls from a thread that is not a goroutine's --------------------- */

static void *foreign(void *arg) {
  switch ((int)(intptr_t)arg) {
  case 0:
    gort_timer_new(MS);
    break;
  case 1:
    gort_chan_send(NULL, NULL);
    break;
  case 2:
    gort_ctx_cancel(gort_ctx_background());
    break;
  case 3:
    gort_errgroup_wait(NULL);
    break;
  }
  return NULL;
}

static int from_foreign_thread(int which) {
  RUN_ON_FOREIGN_THREAD(foreign, (void *)(intptr_t)which);
  return 1; /* should have died */
}

TEST_IMPL(crash_foreign_thread_timer_new) { return from_foreign_thread(0); }
TEST_IMPL(crash_foreign_thread_chan_send) { return from_foreign_thread(1); }
TEST_IMPL(crash_foreign_thread_ctx_cancel) { return from_foreign_thread(2); }
TEST_IMPL(crash_foreign_thread_errgroup) { return from_foreign_thread(3); }

/* ---- runtime-owned channels are receive-only ---------------------------- */

TEST_IMPL(crash_close_timer_chan) {
  gort_timer *t = gort_timer_new(1000 * MS);
  gort_chan_close(gort_timer_chan(t));
  return 1;
}

TEST_IMPL(crash_send_ctx_done) {
  gort_ctx *ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_chan_try_send(gort_ctx_done(ctx), NULL);
  return 1;
}

/* The free must come before the timer fires, or the timer's send lands in
 * a live channel and nothing is wrong: a 1 ms timer lost that race under
 * TSan on a loaded machine (the goroutine was held off the CPU between the
 * two calls). Half a second makes the free come first; the process dies
 * when the timer fires, so the long sleep only bounds a failing run. */
static void free_chan_of_after(void *p) {
  (void)p;
  gort_chan *c = gort_after(500 * MS);
  gort_chan_free(c); /* before the timer fired: it sends into freed memory */
}

TEST_IMPL(crash_after_chan_freed_before_firing) {
  gort_go(free_chan_of_after, NULL);
  gort_sleep((int64_t)30 * 1000 * MS);
  return 1;
}

/* ---- sync: NULL, and blocking on a foreign thread ----------------------- */

TEST_IMPL(crash_mutex_lock_nil) {
  gort_mutex_lock(NULL);
  return 1;
}

TEST_IMPL(crash_waitgroup_wait_nil) {
  gort_waitgroup_wait(NULL);
  return 1;
}

static gort_mutex held = GORT_MUTEX_INIT;

static void *lock_from_foreign(void *arg) {
  (void)arg;
  gort_mutex_lock(&held); /* held by main: it would have to park */
  return NULL;
}

TEST_IMPL(crash_foreign_thread_mutex_blocks) {
  gort_mutex_lock(&held);
  pthread_t th;
  CHECK_EQ(pthread_create(&th, NULL, lock_from_foreign, NULL), 0);
  gort_syscall_enter();
  pthread_join(th, NULL);
  gort_syscall_exit();
  return 1;
}
