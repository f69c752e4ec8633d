/*
 * test-chan.c - channels and select (issue 5): the rules of the Go spec
 * for channels and select, table-driven where they fit, conservation under
 * stress, and the misuse panics.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "test.h"

/* ---- chan_spec_table: single-goroutine rules --------------------------- */

/* Each row runs ops on a fresh channel of cap `cap` and checks results. */
enum op { SEND_OK, SEND_FULL, RECV_VAL, RECV_EMPTY, RECV_CLOSED, CLOSE, LEN };
struct step {
  enum op op;
  int64_t v; /* value sent / expected / expected len */
};
struct row {
  const char *name;
  size_t cap;
  struct step steps[12];
  int nsteps;
};

static const struct row rows[] = {
    {"unbuffered: try_send with no receiver fails",
     0,
     {{SEND_FULL, 1}, {RECV_EMPTY, 0}, {LEN, 0}},
     3},
    {"buffered: FIFO up to cap, then full",
     3,
     {{SEND_OK, 1},
      {SEND_OK, 2},
      {SEND_OK, 3},
      {SEND_FULL, 4},
      {LEN, 3},
      {RECV_VAL, 1},
      {RECV_VAL, 2},
      {SEND_OK, 5},
      {RECV_VAL, 3},
      {RECV_VAL, 5},
      {RECV_EMPTY, 0}},
     11},
    {"closed: buffered values drain before ok=false",
     2,
     {{SEND_OK, 7},
      {SEND_OK, 8},
      {CLOSE, 0},
      {LEN, 2},
      {RECV_VAL, 7},
      {RECV_VAL, 8},
      {RECV_CLOSED, 0},
      {RECV_CLOSED, 0},
      {LEN, 0}},
     9},
    {"closed unbuffered: receive returns zero at once",
     0,
     {{CLOSE, 0}, {RECV_CLOSED, 0}, {RECV_CLOSED, 0}},
     3},
};

static void run_row(const struct row *r) {
  gort_chan *c = gort_chan_make(sizeof(int64_t), r->cap);
  CHECK(c != NULL);
  CHECK_EQ(gort_chan_cap(c), r->cap);
  for (int i = 0; i < r->nsteps; i++) {
    const struct step *s = &r->steps[i];
    int64_t v = -1;
    bool ok = true;
    switch (s->op) {
    case SEND_OK:
      CHECK(gort_chan_try_send(c, &s->v));
      break;
    case SEND_FULL:
      CHECK(!gort_chan_try_send(c, &s->v));
      break;
    case RECV_VAL:
      CHECK(gort_chan_try_recv(c, &v, &ok));
      CHECK(ok);
      CHECK_EQ(v, s->v);
      break;
    case RECV_EMPTY:
      CHECK(!gort_chan_try_recv(c, &v, &ok));
      break;
    case RECV_CLOSED:
      CHECK(gort_chan_try_recv(c, &v, &ok));
      CHECK(!ok);
      CHECK_EQ(v, 0);
      CHECK(!gort_chan_recv(c, &v)); /* blocking form: same, at once */
      break;
    case CLOSE:
      gort_chan_close(c);
      break;
    case LEN:
      CHECK_EQ(gort_chan_len(c), s->v);
      break;
    }
  }
  gort_chan_free(c);
}

TEST_IMPL(chan_spec_table) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    run_row(&rows[i]);
  /* Sizes out of range panic as Go's makechan (test-misuse.c). */
  gort_chan *z = gort_chan_make(0, 2); /* chan struct{} */
  CHECK(gort_chan_try_send(z, NULL) && gort_chan_try_send(z, NULL));
  CHECK(!gort_chan_try_send(z, NULL));
  CHECK(gort_chan_recv(z, NULL));
  gort_chan_free(z);
  /* NULL channel: never ready, len and cap 0. */
  bool ok;
  CHECK(!gort_chan_try_send(NULL, &ok));
  CHECK(!gort_chan_try_recv(NULL, &ok, &ok));
  CHECK_EQ(gort_chan_len(NULL), 0);
  CHECK_EQ(gort_chan_cap(NULL), 0);
  return 0;
}

/* ---- chan_unbuffered_pingpong: direct hand-off, both directions -------- */

struct pp {
  gort_chan *a, *b;
  int n;
};

static void partner(void *p) {
  struct pp *x = p;
  int64_t v;
  while (gort_chan_recv(x->a, &v)) {
    v++;
    gort_chan_send(x->b, &v);
  }
  gort_chan_close(x->b);
}

TEST_IMPL(chan_unbuffered_pingpong) {
  struct pp x = {gort_chan_make(8, 0), gort_chan_make(8, 0), 100000};
  gort_go(partner, &x);
  for (int64_t i = 0; i < x.n; i++) {
    int64_t v = i, got;
    gort_chan_send(x.a, &v);
    CHECK(gort_chan_recv(x.b, &got));
    CHECK_EQ(got, i + 1);
  }
  gort_chan_close(x.a);
  int64_t v;
  CHECK(!gort_chan_recv(x.b, &v)); /* partner closed b on its way out */
  return 0;
}

/* ---- chan_large_elements: elements of odd and large size ---------------- */

struct big {
  unsigned char bytes[1000];
};

static void send_bigs(void *p) {
  gort_chan *c = p;
  for (int i = 0; i < 100; i++) {
    struct big b;
    memset(b.bytes, i, sizeof b.bytes);
    gort_chan_send(c, &b);
  }
  gort_chan_close(c);
}

TEST_IMPL(chan_large_elements) {
  for (size_t cap = 0; cap <= 5; cap += 5) {
    gort_chan *c = gort_chan_make(sizeof(struct big), cap);
    gort_go(send_bigs, c);
    struct big b;
    int n = 0;
    while (gort_chan_recv(c, &b)) {
      for (size_t k = 0; k < sizeof b.bytes; k++)
        CHECK_EQ(b.bytes[k], n);
      n++;
    }
    CHECK_EQ(n, 100);
  }
  return 0;
}

/* ---- chan_close_wakes_all ------------------------------------------------ */

struct waker_arg {
  gort_chan *c;
  _Atomic int woke_closed;
  gort_waitgroup wg;
};

static void blocked_receiver(void *p) {
  struct waker_arg *a = p;
  int64_t v = 99;
  if (!gort_chan_recv(a->c, &v) && v == 0)
    atomic_fetch_add(&a->woke_closed, 1);
  gort_waitgroup_done(&a->wg);
}

TEST_IMPL(chan_close_wakes_all) {
  static struct waker_arg a;
  a.c = gort_chan_make(8, 0);
  const int n = 1000;
  gort_waitgroup_add(&a.wg, n);
  for (int i = 0; i < n; i++)
    gort_go(blocked_receiver, &a);
  for (int i = 0; i < 100; i++)
    gort_yield();
  gort_chan_close(a.c);
  gort_waitgroup_wait(&a.wg);
  CHECK_EQ(atomic_load(&a.woke_closed), n);
  return 0;
}

/* ---- chan_fifo_waiters: blocked senders are served in arrival order ----- */

struct fifo_arg {
  gort_chan *c;
  int64_t id;
};

static void fifo_sender(void *p) {
  struct fifo_arg *a = p;
  gort_chan_send(a->c, &a->id);
}

TEST_IMPL(chan_fifo_waiters) {
  gort_set_maxprocs(1); /* arrival order is the order we start them */
  gort_chan *c = gort_chan_make(8, 0);
  struct fifo_arg args[50];
  for (int i = 0; i < 50; i++) {
    args[i] = (struct fifo_arg){c, i};
    gort_go(fifo_sender, &args[i]);
    gort_yield(); /* let it block before the next one starts */
    gort_yield();
  }
  for (int64_t i = 0; i < 50; i++) {
    int64_t v;
    CHECK(gort_chan_recv(c, &v));
    CHECK_EQ(v, i);
  }
  return 0;
}

/* ---- select ------------------------------------------------------------- */

TEST_IMPL(select_rules) {
  gort_chan *a = gort_chan_make(8, 1), *b = gort_chan_make(8, 1);
  int64_t va = 0, vb = 0, one = 1;
  gort_select_case cs[] = {{a, GORT_SELECT_RECV, &va, sizeof va, false},
                           {b, GORT_SELECT_RECV, &vb, sizeof vb, false}};
  /* Nothing ready, non-blocking: the default. */
  CHECK_EQ(gort_select(cs, 2, false), GORT_SELECT_DEFAULT);
  /* One ready: it is chosen. */
  gort_chan_send(b, &one);
  CHECK_EQ(gort_select(cs, 2, false), 1);
  CHECK(cs[1].ok);
  CHECK_EQ(vb, 1);
  /* A send case on a buffered channel with room. */
  int64_t seven = 7;
  gort_select_case snd[] = {{a, GORT_SELECT_SEND, &seven, sizeof seven, false}};
  CHECK_EQ(gort_select(snd, 1, true), 0);
  CHECK_EQ(gort_chan_len(a), 1);
  /* Nil cases are never ready. */
  gort_select_case nils[] = {{NULL, GORT_SELECT_RECV, &va, sizeof va, false},
                             {NULL, GORT_SELECT_SEND, &one, sizeof one, false}};
  CHECK_EQ(gort_select(nils, 2, false), GORT_SELECT_DEFAULT);
  /* A closed channel is ready for receive, with ok = false. */
  gort_chan_close(b);
  gort_select_case cl[] = {{b, GORT_SELECT_RECV, &vb, sizeof vb, true}};
  vb = 5;
  CHECK_EQ(gort_select(cl, 1, true), 0);
  CHECK(!cl[0].ok);
  CHECK_EQ(vb, 0);
  /* Empty, non-blocking: the default. Bad counts panic (the
   * crash_select_* cases). */
  CHECK_EQ(gort_select(NULL, 0, false), GORT_SELECT_DEFAULT);
  return 0;
}

TEST_IMPL(select_uniform) {
  /* Two always-ready cases: each must win about half the time. */
  gort_chan *a = gort_chan_make(0, 1), *b = gort_chan_make(0, 1);
  int wins[2] = {0, 0};
  const int n = 20000;
  for (int i = 0; i < n; i++) {
    gort_chan_try_send(a, NULL);
    gort_chan_try_send(b, NULL);
    gort_select_case cs[] = {{a, GORT_SELECT_RECV, NULL, 0, false},
                             {b, GORT_SELECT_RECV, NULL, 0, false}};
    int k = gort_select(cs, 2, true);
    CHECK(k == 0 || k == 1);
    wins[k]++;
  }
  /* 20000 fair coin flips: 45%..55% is over 14 standard deviations. */
  CHECK(wins[0] > n * 45 / 100 && wins[0] < n * 55 / 100);
  return 0;
}

static void send_later(void *p) {
  gort_chan *c = p;
  for (int i = 0; i < 10; i++)
    gort_yield();
  int64_t v = 42;
  gort_chan_send(c, &v);
}

TEST_IMPL(select_blocks_then_wakes) {
  gort_chan *a = gort_chan_make(8, 0), *b = gort_chan_make(8, 0);
  int64_t va = 0, vb = 0;
  gort_go(send_later, b);
  gort_select_case cs[] = {{a, GORT_SELECT_RECV, &va, sizeof va, false},
                           {b, GORT_SELECT_RECV, &vb, sizeof vb, false}};
  CHECK_EQ(gort_select(cs, 2, true), 1);
  CHECK(cs[1].ok);
  CHECK_EQ(vb, 42);
  /* The sudog on a was taken off: a later send on a must not find it. */
  int64_t one = 1;
  CHECK(!gort_chan_try_send(a, &one));
  return 0;
}

/* select_free_after_wake: a select parked on two channels is woken by a
 * close of the one at the higher address, and frees the other as soon as
 * it returns. selparkcommit drops the locks from the highest address down,
 * so the woken G waits in its relock for the lower one and may free it the
 * instant its lock is free, while the M that parked the G is still inside
 * that unlock. In the debug build the unlock's rank bookkeeping read the
 * lock after releasing it ("unlock of unranked ...": lock_futex.c). */
static void close_chan(void *p) { gort_chan_close(p); }

TEST_IMPL(select_free_after_wake) {
  for (int round = 0; round < 20000; round++) {
    gort_chan *lo = gort_chan_make(0, 0), *hi = gort_chan_make(0, 0);
    if ((uintptr_t)lo > (uintptr_t)hi) {
      gort_chan *t = lo;
      lo = hi;
      hi = t;
    }
    gort_go(close_chan, hi);
    gort_select_case cs[] = {{lo, GORT_SELECT_RECV, NULL, 0, false},
                             {hi, GORT_SELECT_RECV, NULL, 0, false}};
    CHECK_EQ(gort_select(cs, 2, true), 1);
    CHECK(!cs[1].ok);
    gort_chan_free(lo);
    gort_chan_free(hi);
  }
  return 0;
}

/* ---- chan_select_stress: conservation ----------------------------------
 * Producers send distinct values on random channels with select (some
 * cases nil, some non-blocking attempts); consumers receive with select on
 * all channels, a timeout (a timer reset every round) and a done channel
 * that is closed at the end; every value sent must be received exactly
 * once. */

enum { NCHANS = 4, NPROD = 6, NCONS = 5 };

struct stress {
  gort_chan *ch[NCHANS];
  gort_chan *done;
  int64_t per_producer;
  _Atomic int64_t sent_sum, recv_sum, recv_count, timeouts;
  gort_waitgroup producers, consumers;
};

static void producer(void *p) {
  struct stress *s = p;
  static _Atomic int next_id;
  int64_t id = atomic_fetch_add(&next_id, 1);
  uint64_t rng = (uint64_t)id * 0x9e3779b97f4a7c15ull + 1;
  for (int64_t i = 0; i < s->per_producer; i++) {
    int64_t v = id * s->per_producer + i + 1;
    gort_select_case cs[NCHANS];
    for (int k = 0; k < NCHANS; k++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      cs[k] = (gort_select_case){(rng >> 60) == 0 ? NULL : s->ch[k],
                                 GORT_SELECT_SEND, &v, sizeof v, false};
    }
    cs[i % NCHANS].chan = s->ch[i % NCHANS]; /* never all nil */
    bool block = (rng >> 33) % 4 != 0;
    int r = gort_select(cs, NCHANS, block);
    if (r == GORT_SELECT_DEFAULT) { /* nothing ready: send for sure */
      gort_chan_send(s->ch[i % NCHANS], &v);
    }
    atomic_fetch_add(&s->sent_sum, v);
  }
  gort_waitgroup_done(&s->producers);
}

static void consumer(void *p) {
  struct stress *s = p;
  gort_timer *timeout = gort_timer_new(1000 * 1000);
  for (;;) {
    int64_t v[NCHANS + 2];
    gort_select_case cs[NCHANS + 2];
    for (int k = 0; k < NCHANS; k++)
      cs[k] = (gort_select_case){s->ch[k], GORT_SELECT_RECV, &v[k], sizeof v[k],
                                 false};
    cs[NCHANS] = (gort_select_case){s->done, GORT_SELECT_RECV, NULL, 0, false};
    cs[NCHANS + 1] =
        (gort_select_case){gort_timer_chan(timeout), GORT_SELECT_RECV,
                           &v[NCHANS + 1], sizeof v[NCHANS + 1], false};
    int r = gort_select(cs, NCHANS + 2, true);
    if (r == NCHANS)
      break; /* done closed: drain what is left without blocking */
    if (r == NCHANS + 1) { /* timed out: re-arm and go round */
      atomic_fetch_add(&s->timeouts, 1);
      gort_timer_reset(timeout, 200 * 1000);
      continue;
    }
    CHECK(cs[r].ok);
    atomic_fetch_add(&s->recv_sum, v[r]);
    atomic_fetch_add(&s->recv_count, 1);
  }
  for (int k = 0; k < NCHANS; k++) {
    int64_t v;
    bool ok;
    while (gort_chan_try_recv(s->ch[k], &v, &ok) && ok) {
      atomic_fetch_add(&s->recv_sum, v);
      atomic_fetch_add(&s->recv_count, 1);
    }
  }
  gort_timer_free(timeout);
  gort_waitgroup_done(&s->consumers);
}

TEST_IMPL(chan_select_stress) {
  static struct stress s;
  s.per_producer = STRESS(20000, 2000);
  for (int k = 0; k < NCHANS; k++)
    s.ch[k] = gort_chan_make(sizeof(int64_t), (size_t)k); /* caps 0..3 */
  s.done = gort_chan_make(0, 0);
  gort_waitgroup_add(&s.producers, NPROD);
  gort_waitgroup_add(&s.consumers, NCONS);
  for (int i = 0; i < NCONS; i++)
    gort_go(consumer, &s);
  for (int i = 0; i < NPROD; i++)
    gort_go(producer, &s);
  gort_waitgroup_wait(&s.producers);
  gort_sleep(3 * 1000 * 1000); /* idle consumers time out at least once */
  gort_chan_close(s.done);
  gort_waitgroup_wait(&s.consumers);
  int64_t n = NPROD * s.per_producer;
  CHECK_EQ(atomic_load(&s.recv_count), n);
  CHECK_EQ(atomic_load(&s.recv_sum), n * (n + 1) / 2);
  CHECK_EQ(atomic_load(&s.sent_sum), n * (n + 1) / 2);
  CHECK(atomic_load(&s.timeouts) > 0);
  return 0;
}

/* ---- crash cases -------------------------------------------------------- */

TEST_IMPL(crash_send_on_closed) {
  gort_chan *c = gort_chan_make(8, 1);
  gort_chan_close(c);
  int64_t v = 1;
  gort_chan_send(c, &v);
  return 1;
}

static void send_then_block(void *p) {
  int64_t v = 1;
  gort_chan_send(p, &v);
}

TEST_IMPL(crash_blocked_sender_sees_close) {
  gort_chan *c = gort_chan_make(8, 0);
  gort_go(send_then_block, c);
  for (int i = 0; i < 10; i++)
    gort_yield();
  gort_chan_close(c);
  for (;;)
    gort_yield();
}

TEST_IMPL(crash_close_of_closed) {
  gort_chan *c = gort_chan_make(8, 0);
  gort_chan_close(c);
  gort_chan_close(c);
  return 1;
}

TEST_IMPL(crash_close_of_nil) {
  gort_chan_close(NULL);
  return 1;
}

TEST_IMPL(crash_nil_chan_deadlock) {
  int64_t v;
  gort_chan_recv(NULL, &v);
  return 1;
}

TEST_IMPL(crash_empty_select_deadlock) {
  gort_select(NULL, 0, true);
  return 1;
}

TEST_IMPL(crash_chan_deadlock) {
  gort_chan *c = gort_chan_make(8, 0);
  int64_t v = 1;
  gort_chan_send(c, &v);
  return 1;
}
