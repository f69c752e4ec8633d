/*
 * test-time.c - timers (issue 5): sleep is never early, timers fire in
 * deadline order, stop and reset, tickers, AfterFunc, timeouts in select,
 * and that sleeping goroutines are not a deadlock. Time bounds are only
 * lower bounds, or upper bounds loose enough for a noisy 2-core machine
 * (seconds where the expectation is milliseconds).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

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
  int64_t prev = gort_nanotime(), start = prev; /* before: it may tick at once */
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
  gort_select_case cs[] = {{never, GORT_SELECT_RECV, &v, false},
                           {timeout, GORT_SELECT_RECV, &when, false}};
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
