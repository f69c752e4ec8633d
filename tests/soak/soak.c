/*
 * soak.c - every subsystem at once, for a while, with invariants checked.
 *
 *   gort_soak [--seconds N] [--seed S] [--quiet]
 *
 * Runs rounds (about 10 ms each natively) until N seconds (default 60)
 * have passed.
 * Each round changes GOMAXPROCS (1..4, seeded order) and runs, all at the
 * same time: a channel pipeline with select and a timer case; a fan-in
 * closed by its senders' WaitGroup; Mutex, RWMutex, Cond, Once; timers,
 * tickers and AfterFunc with stops and resets; a context tree with cancel,
 * timeout, values and AfterFunc; errgroup with a limit, semaphore.Weighted
 * and singleflight; a TCP echo over loopback with deadlines (native); and
 * the internal allocator and stop-the-world collector, with linked lists
 * reachable only from goroutine stacks and channel buffers.
 *
 * Invariants (each failure prints what and exits 1): every value sent is
 * received once and sums match; a writer's two fields are never seen apart
 * by a reader; a mutex-protected counter adds up; Once runs once; timers
 * that were not stopped fire exactly once, stopped ones never; a cancelled
 * parent cancels every child; the semaphore never exceeds its weight;
 * echoed bytes come back in order; lists survive collections intact; after
 * each round only the main goroutine is left; resident memory stops
 * growing (the last third of the run stays within the bound the middle
 * third set). Under AddressSanitizer, LeakSanitizer checks at the end.
 *
 * Prints one summary line: "soak: N rounds, S s, ... ok".
 */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gort.h"
#include "mem/malloc.h"
#include "mem/mgc.h"

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_LSAN 1
#endif
#endif
#ifdef SOAK_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define FAIL(...)                                                              \
  do {                                                                         \
    fprintf(stderr, "soak: FAILED at %s:%d: ", __FILE__, __LINE__);            \
    fprintf(stderr, __VA_ARGS__);                                              \
    fprintf(stderr, "\n");                                                     \
    fflush(NULL);                                                              \
    gort_exit(1);                                                              \
  } while (0)

#define ENSURE(cond)                                                           \
  do {                                                                         \
    if (!(cond))                                                               \
      FAIL("%s", #cond);                                                       \
  } while (0)

static _Atomic uint64_t rng_state;

static uint64_t rnd(void) { /* splitmix64; any goroutine */
  uint64_t z = atomic_fetch_add(&rng_state, 0x9e3779b97f4a7c15ull) +
               0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static const int64_t MS = 1000 * 1000;

/* ---- channels: pipeline with select and a timer case -------------------- */

struct pipe_job {
  gort_chan *a, *b;
  int64_t n;
  int64_t sum_in, sum_out;
  gort_waitgroup *wg;
};

static void pipe_producer(void *p) {
  struct pipe_job *j = p;
  for (int64_t i = 1; i <= j->n; i++) {
    gort_chan_send(j->a, &i);
    j->sum_in += i;
  }
  gort_chan_close(j->a);
  gort_waitgroup_done(j->wg);
}

static void pipe_relay(void *p) {
  struct pipe_job *j = p;
  int64_t v;
  gort_timer *t = gort_timer_new(5 * MS);
  ENSURE(t != NULL);
  while (gort_chan_recv(j->a, &v)) {
    for (;;) {
      gort_select_case c[2] = {
          {.chan = j->b,
           .dir = GORT_SELECT_SEND,
           .elem = &v,
           .elem_size = sizeof v},
          {.chan = gort_timer_chan(t), .dir = GORT_SELECT_RECV, .elem = NULL},
      };
      int k = gort_select(c, 2, true);
      if (k == 1) { /* the timer fired first: re-arm, try again */
        gort_timer_reset(t, 5 * MS);
        continue;
      }
      ENSURE(k == 0);
      bool ok;
      if (!gort_timer_stop(t)) /* fired meanwhile: drain, as Go 1.22 did */
        (void)gort_chan_try_recv(gort_timer_chan(t), NULL, &ok);
      gort_timer_reset(t, 5 * MS);
      break;
    }
  }
  gort_timer_free(t);
  gort_chan_close(j->b);
  gort_waitgroup_done(j->wg);
}

static void pipe_sink(void *p) {
  struct pipe_job *j = p;
  int64_t v;
  while (gort_chan_recv(j->b, &v)) {
    j->sum_out += v;
    if ((v & 255) == 0)
      gort_yield();
  }
  gort_waitgroup_done(j->wg);
}

/* ---- fan-in closed after its senders' WaitGroup ---------------------- */

struct fanin {
  gort_chan *c;
  gort_waitgroup senders;
  int64_t per_sender;
};

static void fanin_sender(void *p) {
  struct fanin *f = p;
  for (int64_t i = 0; i < f->per_sender; i++) {
    int64_t one = 1;
    gort_chan_send(f->c, &one);
  }
  gort_waitgroup_done(&f->senders);
}

static void fanin_closer(void *p) {
  struct fanin *f = p;
  gort_waitgroup_wait(&f->senders);
  gort_chan_close(f->c);
}

/* ---- sync --------------------------------------------------------------- */

struct sync_state {
  gort_mutex mu;
  int64_t counter;
  gort_rwmutex rw;
  int64_t x, y; /* equal whenever rw is not write-locked */
  gort_once once;
  _Atomic int once_runs;
  gort_cond cond;
  int queue; /* items produced and not yet taken (under mu) */
  int taken;
  gort_waitgroup *wg;
};

static void once_body(void *p) {
  struct sync_state *s = p;
  atomic_fetch_add(&s->once_runs, 1);
}

static void sync_worker(void *p) {
  struct sync_state *s = p;
  for (int i = 0; i < 200; i++) {
    gort_mutex_lock(&s->mu);
    s->counter++;
    gort_mutex_unlock(&s->mu);
    if (i % 10 == 0) {
      gort_rwmutex_lock(&s->rw);
      s->x++;
      gort_yield();
      s->y++;
      gort_rwmutex_unlock(&s->rw);
    } else {
      gort_rwmutex_rlock(&s->rw);
      if (s->x != s->y)
        FAIL("rwmutex reader saw x=%" PRId64 " y=%" PRId64, s->x, s->y);
      gort_rwmutex_runlock(&s->rw);
    }
    gort_once_do(&s->once, once_body, s);
  }
  gort_waitgroup_done(s->wg);
}

enum { COND_ITEMS = 300 };

static void cond_producer(void *p) {
  struct sync_state *s = p;
  for (int i = 0; i < COND_ITEMS; i++) {
    gort_mutex_lock(&s->mu);
    s->queue++;
    gort_cond_signal(&s->cond);
    gort_mutex_unlock(&s->mu);
  }
  gort_waitgroup_done(s->wg);
}

static void cond_consumer(void *p) {
  struct sync_state *s = p;
  for (int i = 0; i < COND_ITEMS; i++) {
    gort_mutex_lock(&s->mu);
    while (s->queue == 0)
      gort_cond_wait(&s->cond);
    s->queue--;
    s->taken++;
    gort_mutex_unlock(&s->mu);
  }
  gort_waitgroup_done(s->wg);
}

/* ---- timers ------------------------------------------------------------- */

enum { NTIMERS = 40 };

struct timer_state {
  _Atomic int fired[NTIMERS];
  bool stopped[NTIMERS];
  gort_timer *t[NTIMERS];
  gort_waitgroup pending;
};

struct timer_arg {
  struct timer_state *s;
  int i;
};

static struct timer_arg timer_args[NTIMERS];

static void timer_fired(void *p) {
  struct timer_arg *a = p;
  atomic_fetch_add(&a->s->fired[a->i], 1);
  gort_waitgroup_done(&a->s->pending);
}

static void run_timers(void) {
  static struct timer_state s;
  memset(&s, 0, sizeof s);
  gort_waitgroup_add(&s.pending, NTIMERS); /* before any can fire */
  for (int i = 0; i < NTIMERS; i++) {
    timer_args[i] = (struct timer_arg){&s, i};
    s.t[i] = gort_after_func((int64_t)(rnd() % 3 + 1) * MS, timer_fired,
                             &timer_args[i]);
    ENSURE(s.t[i] != NULL);
  }
  for (int i = 0; i < NTIMERS; i++) {
    uint64_t r = rnd() % 4;
    if (r == 0 && gort_timer_stop(s.t[i])) {
      s.stopped[i] = true; /* will never fire */
      gort_waitgroup_done(&s.pending);
    } else if (r == 1) {
      /* Reset of a pending timer keeps it pending; of a fired one re-arms
       * it, and then it fires twice. Stop first so exactly one more fire
       * is owed in both cases. */
      if (gort_timer_stop(s.t[i]))
        gort_waitgroup_done(&s.pending);
      gort_waitgroup_add(&s.pending, 1);
      gort_timer_reset(s.t[i], (int64_t)(rnd() % 2 + 1) * MS);
    }
  }
  /* A ticker ticks more than once. */
  gort_timer *tk = gort_ticker_new(1 * MS);
  ENSURE(tk != NULL);
  for (int k = 0; k < 3; k++)
    ENSURE(gort_chan_recv(gort_timer_chan(tk), NULL));
  gort_timer_stop(tk);
  gort_timer_free(tk);
  gort_waitgroup_wait(&s.pending);
  gort_sleep(1 * MS); /* a stopped timer would have fired by now */
  for (int i = 0; i < NTIMERS; i++) {
    int f = atomic_load(&s.fired[i]);
    if (s.stopped[i] ? f != 0 : f < 1)
      FAIL("timer %d fired %d times (stopped: %d)", i, f, s.stopped[i]);
    gort_timer_stop(s.t[i]);
    gort_timer_free(s.t[i]);
  }
}

/* ---- context tree ------------------------------------------------------- */

static const char ctx_key = 'k';
static _Atomic int ctx_afterfuncs;

static void ctx_after(void *p) {
  (void)p;
  atomic_fetch_add(&ctx_afterfuncs, 1);
}

struct ctx_waiter {
  gort_ctx *c;
  gort_waitgroup *wg;
};

static void ctx_wait_done(void *p) {
  struct ctx_waiter *w = p;
  ENSURE(!gort_chan_recv(gort_ctx_done(w->c), NULL)); /* closed: ok false */
  ENSURE(gort_ctx_err(w->c) != 0);
  gort_waitgroup_done(w->wg);
}

static void run_contexts(void) {
  enum { KIDS = 12 };
  gort_ctx *root = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx *val = gort_ctx_with_value(root, &ctx_key, (void *)&ctx_key);
  gort_ctx *kids[KIDS];
  struct ctx_waiter w[KIDS];
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  int before = atomic_load(&ctx_afterfuncs);
  gort_ctx_afterfunc *af = gort_ctx_after_func(val, ctx_after, NULL);
  for (int i = 0; i < KIDS; i++) {
    kids[i] = (i % 3 == 0) ? gort_ctx_with_timeout(val, 50 * MS)
                           : gort_ctx_with_cancel(val);
    ENSURE(kids[i] != NULL);
    ENSURE(gort_ctx_value(kids[i], &ctx_key) == &ctx_key);
    w[i] = (struct ctx_waiter){kids[i], &wg};
    gort_waitgroup_add(&wg, 1);
    gort_go(ctx_wait_done, &w[i]);
  }
  gort_ctx *short_lived = gort_ctx_with_timeout(root, 1 * MS);
  ENSURE(!gort_chan_recv(gort_ctx_done(short_lived), NULL));
  ENSURE(gort_ctx_err(short_lived) == GORT_CTX_DEADLINE_EXCEEDED);
  gort_ctx_cancel(root);
  gort_waitgroup_wait(&wg);
  for (int i = 0; i < KIDS; i++)
    ENSURE(gort_ctx_err(kids[i]) == GORT_CTX_CANCELED ||
           gort_ctx_err(kids[i]) == GORT_CTX_DEADLINE_EXCEEDED);
  for (int k = 0; k < 1000 && atomic_load(&ctx_afterfuncs) == before; k++)
    gort_sleep(100 * 1000);
  ENSURE(atomic_load(&ctx_afterfuncs) == before + 1);
  (void)gort_ctx_after_func_stop(af);
  for (int i = 0; i < KIDS; i++)
    gort_ctx_release(kids[i]);
  gort_ctx_release(short_lived);
  gort_ctx_release(val);
  gort_ctx_release(root);
}

/* ---- x/sync ---------------------------------------------------------------
 */

struct xs_state {
  gort_weighted *sem;
  _Atomic int64_t in_use, max_in_use;
  gort_singleflight *sf;
  _Atomic int flights;
};

static struct xs_state xs;

static int eg_task(void *p) {
  intptr_t i = (intptr_t)p;
  ENSURE(gort_weighted_acquire(xs.sem, NULL, 2) == 0);
  int64_t now = atomic_fetch_add(&xs.in_use, 2) + 2;
  int64_t m = atomic_load(&xs.max_in_use);
  while (now > m && !atomic_compare_exchange_weak(&xs.max_in_use, &m, now)) {
  }
  gort_yield();
  atomic_fetch_sub(&xs.in_use, 2);
  gort_weighted_release(xs.sem, 2);
  return i == 17 ? -5 : 0; /* one task fails */
}

static int flight(void *arg, void **val) {
  (void)arg;
  atomic_fetch_add(&xs.flights, 1);
  gort_sleep(200 * 1000);
  *val = (void *)&xs;
  return 0;
}

static int sf_task(void *p) {
  (void)p;
  void *v = NULL;
  bool shared;
  ENSURE(gort_singleflight_do(xs.sf, "key", flight, NULL, &v, &shared) == 0);
  ENSURE(v == &xs);
  return 0;
}

static void run_xsync(void) {
  xs.sem = gort_weighted_new(6);
  xs.sf = gort_singleflight_new();
  ENSURE(xs.sem && xs.sf);
  atomic_store(&xs.in_use, 0);
  atomic_store(&xs.max_in_use, 0);
  atomic_store(&xs.flights, 0);
  gort_errgroup *g = gort_errgroup_new();
  ENSURE(g != NULL);
  gort_errgroup_set_limit(g, 5);
  for (intptr_t i = 0; i < 40; i++)
    ENSURE(gort_errgroup_go(g, eg_task, (void *)i) == 0);
  ENSURE(gort_errgroup_wait(g) == -5);
  gort_errgroup_free(g);
  if (atomic_load(&xs.max_in_use) > 6)
    FAIL("semaphore of weight 6 held %" PRId64, atomic_load(&xs.max_in_use));
  gort_errgroup *h = gort_errgroup_new();
  for (int i = 0; i < 8; i++)
    ENSURE(gort_errgroup_go(h, sf_task, NULL) == 0);
  ENSURE(gort_errgroup_wait(h) == 0);
  gort_errgroup_free(h);
  ENSURE(atomic_load(&xs.flights) >= 1 && atomic_load(&xs.flights) <= 8);
  gort_weighted_free(xs.sem);
  gort_singleflight_free(xs.sf);
}

/* ---- TCP echo over loopback (native) ------------------------------------ */

enum { ECHO_CONNS = 4, ECHO_MSGS = 40, ECHO_LEN = 100 };

static void echo_server_conn(void *p) {
  gort_conn *c = p;
  char buf[ECHO_LEN];
  for (;;) {
    ptrdiff_t n = gort_conn_read(c, buf, sizeof buf);
    if (n <= 0)
      break;
    ENSURE(gort_conn_write(c, buf, (size_t)n) == n);
  }
  gort_conn_close(c);
}

struct echo_client {
  int port;
  gort_waitgroup *wg;
  int id;
};

static void echo_client(void *p) {
  struct echo_client *e = p;
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", e->port);
  gort_conn *c;
  int rc = gort_dial_tcp(addr, 5000 * MS, &c);
  if (rc != 0)
    FAIL("dial %s: %s", addr, gort_strerror(rc));
  ENSURE(gort_conn_set_deadline(c, gort_nanotime() + 20000 * MS) == 0);
  char out[ECHO_LEN], in[ECHO_LEN];
  for (int m = 0; m < ECHO_MSGS; m++) {
    for (int i = 0; i < ECHO_LEN; i++)
      out[i] = (char)(e->id * 31 + m * 7 + i);
    ENSURE(gort_conn_write(c, out, ECHO_LEN) == ECHO_LEN);
    size_t got = 0;
    while (got < ECHO_LEN) {
      ptrdiff_t n = gort_conn_read(c, in + got, ECHO_LEN - got);
      if (n <= 0)
        FAIL("echo read: %s", gort_strerror((int)n));
      got += (size_t)n;
    }
    ENSURE(memcmp(in, out, ECHO_LEN) == 0);
  }
  gort_conn_close(c);
  gort_waitgroup_done(e->wg);
}

struct echo_acceptor {
  gort_listener *l;
  gort_waitgroup done;
};

/* Accepts exactly the clients' connections, then ends: the listener is
 * closed only after this returned (a call that starts after a close would
 * use freed memory; docs/API.md). */
static void echo_acceptor(void *p) {
  struct echo_acceptor *a = p;
  for (int i = 0; i < ECHO_CONNS; i++) {
    gort_conn *c;
    int rc = gort_accept(a->l, &c);
    if (rc != 0)
      FAIL("accept: %s", gort_strerror(rc));
    gort_go(echo_server_conn, c);
  }
  gort_waitgroup_done(&a->done);
}

static bool run_echo(void) {
  struct echo_acceptor a = {NULL, GORT_WAITGROUP_INIT};
  int rc = gort_listen_tcp("127.0.0.1:0", &a.l);
  if (rc == GORT_ENOTSUP)
    return false; /* wasm: no network */
  if (rc != 0)
    FAIL("listen: %s", gort_strerror(rc));
  gort_waitgroup_add(&a.done, 1);
  gort_go(echo_acceptor, &a);
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  struct echo_client cl[ECHO_CONNS];
  for (int i = 0; i < ECHO_CONNS; i++) {
    cl[i] = (struct echo_client){gort_listener_port(a.l), &wg, i};
    gort_waitgroup_add(&wg, 1);
    gort_go(echo_client, &cl[i]);
  }
  gort_waitgroup_wait(&wg);
  gort_waitgroup_wait(&a.done);
  gort_listener_close(a.l);
  return true;
}

/* ---- the allocator and collector ----------------------------------------- */

struct node {
  struct node *next;
  uint64_t value;
};

static struct node *make_list(int n, uint64_t seed) {
  struct node *head = NULL;
  for (int i = 0; i < n; i++) {
    struct node *x = gort__mallocgc(sizeof *x, false);
    ENSURE(x != NULL);
    GORT_STORE(x->next,
               head); /* the write barrier: the collector is concurrent */
    x->value = seed + (uint64_t)i;
    head = x;
    (void)gort__mallocgc(48, true); /* garbage beside it */
  }
  return head;
}

static void check_list(const struct node *head, int n, uint64_t seed) {
  for (int i = n - 1; i >= 0; i--, head = head->next) {
    if (head == NULL || head->value != seed + (uint64_t)i)
      FAIL("GC list broken at %d", i);
  }
  ENSURE(head == NULL);
}

struct gc_job {
  gort_chan *hand; /* a list travels through this channel's buffer */
  uint64_t seed;
  gort_waitgroup *wg;
};

static void gc_worker(void *p) {
  struct gc_job *j = p;
  struct node *mine = make_list(200, j->seed);
  struct node *passed = make_list(100, j->seed + 1000);
  gort_chan_send(j->hand, &passed);
  passed = NULL;
  struct gort__sweep_result r;
  ENSURE(gort__gc_collect(&r) == 0);
  check_list(mine, 200, j->seed);
  struct node *back;
  ENSURE(gort_chan_recv(j->hand, &back));
  check_list(back, 100, j->seed + 1000);
  gort_waitgroup_done(j->wg);
}

static void run_gc(void) {
  enum { W = 3 };
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  struct gc_job jobs[W];
  for (int i = 0; i < W; i++) {
    jobs[i] =
        (struct gc_job){gort_chan_make(sizeof(struct node *), 1), rnd(), &wg};
    gort_waitgroup_add(&wg, 1);
    gort_go(gc_worker, &jobs[i]);
  }
  gort_waitgroup_wait(&wg);
  for (int i = 0; i < W; i++)
    gort_chan_free(jobs[i].hand);
}

/* ---- a round ------------------------------------------------------------- */

struct side_job {
  void (*fn)(void);
  gort_waitgroup *wg;
};

static void side(void *p) {
  struct side_job *s = p;
  s->fn();
  gort_waitgroup_done(s->wg);
}

static bool have_net = true;
static void run_echo_if_any(void) { have_net = run_echo(); }

static void round_once(void) {
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  /* Pipelines. */
  struct pipe_job pj[3];
  for (int i = 0; i < 3; i++) {
    pj[i] = (struct pipe_job){gort_chan_make(sizeof(int64_t), (size_t)i * 3),
                              gort_chan_make(sizeof(int64_t), (size_t)i),
                              2000,
                              0,
                              0,
                              &wg};
    gort_waitgroup_add(&wg, 3);
    gort_go(pipe_producer, &pj[i]);
    gort_go(pipe_relay, &pj[i]);
    gort_go(pipe_sink, &pj[i]);
  }
  /* Fan-in. */
  struct fanin f = {gort_chan_make(sizeof(int64_t), 4), GORT_WAITGROUP_INIT,
                    500};
  gort_waitgroup_add(&f.senders, 6);
  for (int i = 0; i < 6; i++)
    gort_go(fanin_sender, &f);
  gort_go(fanin_closer, &f);
  /* sync. */
  static struct sync_state s;
  memset(&s, 0, sizeof s);
  s.wg = &wg;
  gort_cond_init_mutex(&s.cond, &s.mu);
  gort_waitgroup_add(&wg, 8 + 2);
  for (int i = 0; i < 8; i++)
    gort_go(sync_worker, &s);
  gort_go(cond_producer, &s);
  gort_go(cond_consumer, &s);
  /* Timers, contexts, x/sync, network and GC beside them. */
  struct side_job sj[5] = {{run_timers, &wg},
                           {run_contexts, &wg},
                           {run_xsync, &wg},
                           {run_echo_if_any, &wg},
                           {run_gc, &wg}};
  gort_waitgroup_add(&wg, 5);
  for (int i = 0; i < 5; i++)
    gort_go(side, &sj[i]);

  int64_t fan_total = 0, v;
  while (gort_chan_recv(f.c, &v))
    fan_total += v;
  gort_waitgroup_wait(&wg);

  for (int i = 0; i < 3; i++) {
    if (pj[i].sum_in != pj[i].sum_out)
      FAIL("pipeline %d: sent %" PRId64 ", received %" PRId64, i, pj[i].sum_in,
           pj[i].sum_out);
    gort_chan_free(pj[i].a);
    gort_chan_free(pj[i].b);
  }
  if (fan_total != 6 * 500)
    FAIL("fan-in received %" PRId64 " of 3000", fan_total);
  gort_chan_free(f.c);
  if (s.counter != 8 * 200)
    FAIL("mutex counter %" PRId64 " of 1600", s.counter);
  ENSURE(s.x == s.y && s.x == 8 * 20);
  ENSURE(atomic_load(&s.once_runs) == 1);
  ENSURE(s.taken == COND_ITEMS && s.queue == 0);
}

/* Resident set in bytes (Linux /proc/self/statm; 0 elsewhere). */
static uint64_t rss_now(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL)
    return 0;
  unsigned long size = 0, res = 0;
  int k = fscanf(f, "%lu %lu", &size, &res);
  fclose(f);
  return k == 2 ? (uint64_t)res * 4096 : 0;
}

static int soak_main(int argc, char **argv) {
  double seconds = 60;
  uint64_t seed = 1;
  bool quiet = false;
  for (int i = 1; i < argc; i++) {
    char *end;
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = strtod(argv[++i], &end);
      if (*end || seconds <= 0 || seconds > 1e6) {
        fprintf(stderr, "soak: bad --seconds %s\n", argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = strtoull(argv[++i], &end, 10);
      if (*end) {
        fprintf(stderr, "soak: bad --seed %s\n", argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--quiet") == 0) {
      quiet = true;
    } else {
      fprintf(stderr, "usage: gort_soak [--seconds N] [--seed S] [--quiet]\n");
      return 2;
    }
  }
  atomic_store(&rng_state, seed);
  int64_t start = gort_nanotime(), limit = (int64_t)(seconds * 1e9);
  enum { MAX_SAMPLES = 1 << 16 };
  static uint64_t rss[MAX_SAMPLES];
  int rounds = 0;
  int64_t last_report = start;
  while (gort_nanotime() - start < limit && rounds < MAX_SAMPLES) {
    int procs = 1 + (int)(rnd() % 4);
    gort_set_maxprocs(procs);
    round_once();
    /* Everything a round started has ended. */
    for (int k = 0; k < 1000 && gort_num_goroutine() != 1; k++)
      gort_sleep(k < 100 ? 100 * 1000 : 10 * MS);
    if (gort_num_goroutine() != 1) {
      fprintf(stderr, "soak: FAILED: round %d left %" PRId64 " goroutines\n",
              rounds, gort_num_goroutine() - 1);
      fflush(NULL);
      raise(SIGQUIT); /* the goroutine dump, then exit 2 */
    }
    rss[rounds++] = rss_now();
    if (!quiet && gort_nanotime() - last_report > 5 * 1000 * MS) {
      last_report = gort_nanotime();
      fprintf(stderr, "soak: round %d, %.0f s, GOMAXPROCS %d, RSS %.1f MiB\n",
              rounds, (double)(gort_nanotime() - start) / 1e9, procs,
              (double)rss[rounds - 1] / (1 << 20));
    }
  }
  /* Memory stops growing: the last third stays within the middle third's
   * peak plus 25% and 16 MiB (room for caches filling; a leak of a few
   * bytes per operation grows without bound and crosses it). */
  uint64_t mid_peak = 0, last_peak = 0;
  if (rounds >= 9) {
    for (int i = rounds / 3; i < 2 * rounds / 3; i++)
      mid_peak = rss[i] > mid_peak ? rss[i] : mid_peak;
    for (int i = 2 * rounds / 3; i < rounds; i++)
      last_peak = rss[i] > last_peak ? rss[i] : last_peak;
    if (mid_peak && last_peak > mid_peak + mid_peak / 4 + (16u << 20))
      FAIL("resident memory still growing: %.1f MiB after %.1f MiB",
           (double)last_peak / (1 << 20), (double)mid_peak / (1 << 20));
  }
  struct gort_sched_stats st;
  gort_sched_stats(&st);
#ifdef SOAK_LSAN
  if (__lsan_do_recoverable_leak_check() != 0)
    FAIL("LeakSanitizer found leaks");
#endif
  printf("soak: %d rounds, %.1f s, seed %" PRIu64 ", network %s, "
         "async preemptions %" PRIu64 ", RSS %.1f MiB (middle third peak "
         "%.1f), ok\n",
         rounds, (double)(gort_nanotime() - start) / 1e9, seed,
         have_net ? "yes" : "none", st.async_preempts,
         (double)last_peak / (1 << 20), (double)mid_peak / (1 << 20));
  return 0;
}

int main(int argc, char **argv) { gort_main(soak_main, argc, argv); }
