/*
 * test-time.c - timers (issue 5): sleep is never early, timers fire in
 * deadline order, stop and reset, tickers, AfterFunc, timeouts in select,
 * that sleeping goroutines are not a deadlock, and that durations too long
 * to add to the clock saturate (never fire) while negative ones fire at
 * once (issue 10, item 2). Time bounds are only
 * lower bounds, or upper bounds loose enough for a noisy 2-core machine
 * (seconds where the expectation is milliseconds).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

enum { MS = 1000 * 1000 };

TEST_IMPL(time_sleep_not_early) {
  for (int64_t d = 1; d <= 16; d *= 2) {
    int64_t t0 = gort_nanotime();
    gort_sleep(d * MS);
    int64_t el = gort_nanotime() - t0;
    CHECK(el >= d * MS);
    CHECK(el < d * MS + 2000 * (int64_t)MS);
  }
  int64_t t0 = gort_nanotime();
  gort_sleep(0);
  gort_sleep(-5);
  CHECK(gort_nanotime() - t0 < 1000 * (int64_t)MS);
  return 0;
}

/* One P, one heap: timers run in deadline order, each no earlier than its
 * deadline; the value a timer sends is the time it ran. A timer's deadline
 * lies in [lo, hi]: the clock before and after creating it, plus d. */
TEST_IMPL(time_deadline_order) {
  gort_set_maxprocs(1);
  enum { N = 40 };
  gort_timer *t[N];
  int64_t lo[N], hi[N], fired[N];
  uint64_t rng = 12345;
  for (int i = 0; i < N; i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    int64_t d = (int64_t)((rng >> 33) % 30) * MS + MS;
    lo[i] = gort_nanotime() + d;
    t[i] = gort_timer_new(d);
    hi[i] = gort_nanotime() + d;
    CHECK(t[i] != NULL);
  }
  for (int i = 0; i < N; i++) {
    CHECK(gort_chan_recv(gort_timer_chan(t[i]), &fired[i]));
    CHECK(fired[i] >= lo[i]); /* never early */
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      if (hi[i] < lo[j]) /* i's deadline is surely earlier */
        CHECK(fired[i] <= fired[j]);
  for (int i = 0; i < N; i++)
    gort_timer_free(t[i]);
  return 0;
}

TEST_IMPL(time_timer_stop_reset) {
  /* Stop before it fires: true, and nothing arrives. */
  gort_timer *t = gort_timer_new(50 * MS);
  CHECK(gort_timer_stop(t));
  CHECK(!gort_timer_stop(t));
  gort_sleep(80 * MS);
  int64_t v;
  bool ok;
  CHECK(!gort_chan_try_recv(gort_timer_chan(t), &v, &ok));
  /* Reset a stopped timer: false; it fires once, at the new time. */
  int64_t t0 = gort_nanotime();
  CHECK(!gort_timer_reset(t, 10 * MS));
  CHECK(gort_chan_recv(gort_timer_chan(t), &v));
  CHECK(v - t0 >= 10 * MS);
  CHECK(!gort_timer_stop(t)); /* already fired */
  /* Reset an active timer: true; only the new deadline fires. */
  CHECK(!gort_timer_reset(t, 1000 * MS));
  t0 = gort_nanotime();
  CHECK(gort_timer_reset(t, 5 * MS));
  CHECK(gort_chan_recv(gort_timer_chan(t), &v));
  CHECK(v - t0 >= 5 * MS);
  gort_sleep(20 * MS);
  CHECK(!gort_chan_try_recv(gort_timer_chan(t), &v, &ok));
  gort_timer_free(t);
  return 0;
}

TEST_IMPL(time_ticker) {
  int64_t prev = gort_nanotime(),
          start = prev; /* before: it may tick at once */
  gort_timer *tk = gort_ticker_new(3 * MS);
  for (int i = 0; i < 10; i++) {
    int64_t v;
    CHECK(gort_chan_recv(gort_timer_chan(tk), &v));
    CHECK(v > prev);
    prev = v;
  }
  CHECK(prev - start >= 10 * 3 * MS - 3 * MS); /* ten ticks take ~30 ms */
  gort_ticker_reset(tk, 1000 * MS);
  gort_timer_stop(tk);
  gort_timer_free(tk);
  return 0;
}

static _Atomic int after_func_ran;

static void after_func(void *p) {
  atomic_store(&after_func_ran, 1);
  gort_chan_close(p);
}

TEST_IMPL(time_after_func) {
  gort_chan *done = gort_chan_make(0, 0);
  int64_t t0 = gort_nanotime();
  gort_timer *t = gort_after_func(10 * MS, after_func, done);
  CHECK(!gort_chan_recv(done, NULL)); /* closed by the goroutine */
  CHECK(gort_nanotime() - t0 >= 10 * MS);
  CHECK(atomic_load(&after_func_ran));
  /* Stopped before it fires, it never runs. */
  gort_timer *t2 = gort_after_func(30 * MS, after_func, NULL);
  CHECK(gort_timer_stop(t2));
  gort_sleep(50 * MS);
  gort_timer_free(t2);
  gort_timer_free(t);
  return 0;
}

TEST_IMPL(time_select_timeout) {
  gort_chan *never = gort_chan_make(8, 0);
  int64_t t0 = gort_nanotime();
  gort_chan *timeout = gort_after(20 * MS);
  int64_t v, when;
  gort_select_case cs[] = {
      {never, GORT_SELECT_RECV, &v, sizeof v, false},
      {timeout, GORT_SELECT_RECV, &when, sizeof when, false}};
  CHECK_EQ(gort_select(cs, 2, true), 1);
  CHECK(cs[1].ok);
  CHECK(when - t0 >= 20 * MS);
  gort_chan_free(timeout);
  gort_chan_free(never);
  return 0;
}

/* ---- only sleeping goroutines: not a deadlock -------------------------- */

static void nap(void *p) {
  gort_sleep(10 * MS);
  gort_waitgroup_done(p);
}

TEST_IMPL(time_sleepers_keep_alive) {
  gort_sleep(30 * MS); /* main alone, sleeping */
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, 100);
  for (int i = 0; i < 100; i++)
    gort_go(nap, &wg);
  gort_waitgroup_wait(&wg);
  return 0;
}

/* ---- stop/reset races: timers are stopped and reset while they fire --- */

struct race {
  gort_timer *t[8];
  _Atomic int64_t fires;
  gort_waitgroup wg;
};

static void stopper(void *p) {
  struct race *r = p;
  uint64_t rng = (uint64_t)(uintptr_t)p ^ (uint64_t)gort_goid();
  for (int i = 0; i < STRESS(3000, 500); i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    gort_timer *t = r->t[(rng >> 40) % 8];
    if ((rng >> 33) & 1)
      gort_timer_stop(t);
    else
      gort_timer_reset(t, (int64_t)((rng >> 20) % 200) * 1000);
    int64_t v;
    bool ok;
    while (gort_chan_try_recv(gort_timer_chan(t), &v, &ok))
      atomic_fetch_add(&r->fires, 1);
    if (i % 64 == 0)
      gort_sleep(100 * 1000);
  }
  gort_waitgroup_done(&r->wg);
}

TEST_IMPL(time_stop_reset_race) {
  static struct race r;
  for (int i = 0; i < 8; i++)
    r.t[i] = gort_timer_new(100 * 1000);
  gort_waitgroup_add(&r.wg, 6);
  for (int i = 0; i < 6; i++)
    gort_go(stopper, &r);
  gort_waitgroup_wait(&r.wg);
  for (int i = 0; i < 8; i++)
    gort_timer_free(r.t[i]);
  CHECK(atomic_load(&r.fires) > 0);
  return 0;
}

TEST_IMPL(crash_ticker_nonpositive) {
  gort_ticker_new(0);
  return 1;
}

/* ---- saturating durations (issue 10, item 2; Go's time.go when()) ------ */

static _Atomic int far_fired;

static void far_func(void *p) {
  (void)p;
  atomic_fetch_add(&far_fired, 1);
}

static void far_sleeper(void *p) {
  gort_sleep(*(int64_t *)p);
  atomic_fetch_add(&far_fired, 1);
}

/* A goroutine in a blocking call for a while: the other Ms have no work
 * and only far timers, so they sleep until GORT_MAXWHEN (notetsleep and the
 * poller must saturate too). */
static void blocking_call(void *p) {
  gort_syscall_enter();
  usleep(30 * 1000);
  gort_syscall_exit();
  gort_chan_send(p, NULL);
}

TEST_IMPL(time_far_durations_never_fire) {
  /* INT64_MAX and values whose sum with the clock overflows, or nearly. */
  static int64_t far[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX / 2 + 1,
                          INT64_MAX - 1000000000};
  enum { NFAR = sizeof far / sizeof far[0] };
  gort_timer *t[NFAR], *af[NFAR], *tk[NFAR], *rs[NFAR];
  gort_chan *after[NFAR];
  gort_ctx *ctx[NFAR];
  for (int i = 0; i < NFAR; i++) {
    CHECK((t[i] = gort_timer_new(far[i])) != NULL);
    CHECK((af[i] = gort_after_func(far[i], far_func, NULL)) != NULL);
    CHECK((tk[i] = gort_ticker_new(far[i])) != NULL);
    CHECK((after[i] = gort_after(far[i])) != NULL);
    CHECK((ctx[i] = gort_ctx_with_timeout(gort_ctx_background(), far[i])));
    int64_t dl;
    CHECK(gort_ctx_deadline(ctx[i], &dl));
    CHECK(dl > gort_nanotime());
    CHECK_EQ(gort_go(far_sleeper, &far[i]), 0);
    /* Re-armed far away before it fires: it does not fire either. */
    CHECK((rs[i] = gort_timer_new(5 * MS)) != NULL);
    CHECK(gort_timer_reset(rs[i], far[i]));
  }
  gort_timer *tick = gort_ticker_new(MS);
  gort_ticker_reset(tick, INT64_MAX);
  /* A short timer still fires in their presence, and so does a short
   * sleep; then a blocking call leaves the other Ms with far timers only. */
  int64_t t0 = gort_nanotime();
  gort_timer *near = gort_timer_new(20 * MS);
  int64_t v;
  CHECK(gort_chan_recv(gort_timer_chan(near), &v));
  CHECK(v - t0 >= 20 * MS);
  gort_sleep(10 * MS);
  gort_chan *done = gort_chan_make(0, 0);
  CHECK_EQ(gort_go(blocking_call, done), 0);
  CHECK(gort_chan_recv(done, NULL));
  gort_sleep(20 * MS);
  /* Nothing far fired. (tick may have fired once before its reset.) */
  bool ok;
  CHECK_EQ(atomic_load(&far_fired), 0);
  for (int i = 0; i < NFAR; i++) {
    CHECK(!gort_chan_try_recv(gort_timer_chan(t[i]), &v, &ok));
    CHECK(!gort_chan_try_recv(gort_timer_chan(tk[i]), &v, &ok));
    CHECK(!gort_chan_try_recv(after[i], &v, &ok));
    CHECK(!gort_chan_try_recv(gort_timer_chan(rs[i]), &v, &ok));
    CHECK_EQ(gort_ctx_err(ctx[i]), 0);
  }
  gort_chan_try_recv(gort_timer_chan(tick), &v, &ok);
  gort_sleep(10 * MS);
  CHECK(!gort_chan_try_recv(gort_timer_chan(tick), &v, &ok));
  /* Stopped, they were all still pending. */
  for (int i = 0; i < NFAR; i++) {
    CHECK(gort_timer_stop(t[i]));
    CHECK(gort_timer_stop(af[i]));
    CHECK(gort_timer_stop(rs[i]));
    gort_timer_free(t[i]);
    gort_timer_free(af[i]);
    gort_timer_free(tk[i]);
    gort_timer_free(rs[i]);
    gort_ctx_cancel(ctx[i]);
    gort_ctx_release(ctx[i]);
  }
  gort_timer_free(tick);
  gort_timer_free(near);
  gort_chan_free(done);
  /* The far sleepers and gort_after timers stay pending: main returning
   * ends the program (as in Go). */
  return 0;
}

/* Negative and zero durations fire at once, as in Go (when(d) = now). */
TEST_IMPL(time_negative_durations_fire_at_once) {
  static const int64_t neg[] = {0, -1, -5 * MS, INT64_MIN + 1, INT64_MIN};
  for (size_t i = 0; i < sizeof neg / sizeof neg[0]; i++) {
    int64_t t0 = gort_nanotime(), v;
    gort_sleep(neg[i]); /* returns at once */
    gort_timer *t = gort_timer_new(neg[i]);
    CHECK(gort_chan_recv(gort_timer_chan(t), &v));
    CHECK(v >= t0);
    /* Reset of a fired timer to a negative duration: fires again. */
    CHECK(!gort_timer_reset(t, neg[i]));
    CHECK(gort_chan_recv(gort_timer_chan(t), &v));
    gort_timer_free(t);
    gort_chan *c = gort_after(neg[i]);
    CHECK(gort_chan_recv(c, &v));
    gort_chan_free(c);
    gort_chan *fdone = gort_chan_make(0, 0);
    gort_timer *af = gort_after_func(neg[i], after_func, fdone);
    CHECK(!gort_chan_recv(fdone, NULL));
    gort_timer_free(af);
    gort_chan_free(fdone);
    gort_ctx *ctx = gort_ctx_with_timeout(gort_ctx_background(), neg[i]);
    CHECK_EQ(gort_ctx_err(ctx), GORT_CTX_DEADLINE_EXCEEDED);
    int64_t dl;
    CHECK(gort_ctx_deadline(ctx, &dl));
    CHECK(dl <= gort_nanotime());
    gort_ctx_release(ctx);
    /* An absolute deadline at 0 or before: past, and still reported. */
    ctx = gort_ctx_with_deadline(gort_ctx_background(), neg[i]);
    CHECK_EQ(gort_ctx_err(ctx), GORT_CTX_DEADLINE_EXCEEDED);
    CHECK(gort_ctx_deadline(ctx, &dl));
    gort_ctx_release(ctx);
    CHECK(gort_nanotime() - t0 < 2000 * (int64_t)MS);
  }
  return 0;
}

/* gort_dial_tcp's timeout saturates too: INT64_MAX is "no limit", not a
 * deadline in the past. */
TEST_IMPL(time_dial_timeout_saturates) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  static const int64_t far[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX / 2 + 1};
  for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
    gort_conn *c, *s;
    CHECK_EQ(gort_dial_tcp(addr, far[i], &c), 0);
    CHECK_EQ(gort_accept(l, &s), 0);
    gort_conn_close(c);
    gort_conn_close(s);
  }
  gort_listener_close(l);
  return 0;
}

/* Tickers freed while they fire on other Ms: free waits for a tick that
 * was taken off the heap but has not yet run (it used to be able to free
 * the ticker under it). */
TEST_IMPL(time_ticker_free_while_firing) {
  enum { N = 64 };
  for (int round = 0; round < STRESS(40, 10); round++) {
    gort_timer *tk[N];
    for (int i = 0; i < N; i++)
      CHECK((tk[i] = gort_ticker_new(10 * 1000 + i * 100)) != NULL);
    gort_sleep(200 * 1000);
    for (int i = 0; i < N; i++)
      gort_timer_free(tk[i]);
  }
  return 0;
}
