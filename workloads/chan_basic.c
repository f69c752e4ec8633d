/*
 * chan_basic.c - the channel workloads of WORKLOADS.md, exactly as the Go
 * twin (bench/go/chan.go) runs them:
 *
 * pingpong          main sends i on unbuffered A; the partner receives and
 *                   sends v+1 on unbuffered B; main receives. n round trips;
 *                   result = sum of replies = n(n+1)/2.
 * chan_buffered     int64 0..n-1 through one channel of cap 1024, one
 *                   producer (then close), one consumer summing;
 *                   result = n(n-1)/2.
 * chan_buffered_4x4 the same with 4 producers (disjoint quarters) and 4
 *                   consumers; closed once every producer is done.
 * select4           4 unbuffered channels; producer k sends its quarter on
 *                   channel k; main does n 4-case receive selects.
 * sieve             Go's concurrent prime sieve; result = sum of the first
 *                   n primes (3682913 for n = 1000).
 *
 * Every channel is a typed one (GORT_CHAN, gort.h), the way docs/API.md
 * recommends, so these figures include the element-size check.
 */
#include <stdlib.h>

#include "gort.h"
#include "workloads.h"

typedef GORT_CHAN(int64_t) chan_int64;

static void fail(struct workload_result *r, const char *why) {
  r->ok = false;
  r->error = why;
}

static void check_sum(struct workload_result *r, int64_t want) {
  r->ok = r->result == want;
  r->error = r->ok ? NULL : "sum differs from the definition's";
}

/* ---- pingpong ----------------------------------------------------------- */

struct pingpong {
  chan_int64 a, b;
};

static void ponger(void *p) {
  struct pingpong *pp = p;
  int64_t v;
  while (GORT_CHAN_RECV(pp->a, &v)) {
    v++;
    GORT_CHAN_SEND(pp->b, &v);
  }
}

void gort_workload_pingpong(int64_t n, struct workload_result *r) {
  static struct pingpong pp;
  if (!GORT_CHAN_MAKE(pp.a, 0) || !GORT_CHAN_MAKE(pp.b, 0))
    return fail(r, "out of memory");
  gort_go(ponger, &pp);
  int64_t sum = 0, t0 = gort_nanotime();
  for (int64_t i = 0; i < n; i++) {
    int64_t v = i, reply;
    GORT_CHAN_SEND(pp.a, &v);
    GORT_CHAN_RECV(pp.b, &reply);
    sum += reply;
  }
  r->wall_ns = gort_nanotime() - t0;
  gort_chan_close(pp.a.ch);
  r->n = n;
  r->result = sum;
  check_sum(r, n * (n + 1) / 2);
}

/* ---- chan_buffered and chan_buffered_4x4 -------------------------------- */

struct buffered {
  chan_int64 ch, res;
  int64_t lo, hi;
  gort_waitgroup *producers;
};

static void produce_range(void *p) {
  struct buffered *b = p;
  for (int64_t i = b->lo; i < b->hi; i++)
    GORT_CHAN_SEND(b->ch, &i);
  if (b->producers)
    gort_waitgroup_done(b->producers);
  else
    gort_chan_close(b->ch.ch);
}

static void consume_sum(void *p) {
  struct buffered *b = p;
  int64_t v, s = 0;
  while (GORT_CHAN_RECV(b->ch, &v))
    s += v;
  GORT_CHAN_SEND(b->res, &s);
}

void gort_workload_chan_buffered(int64_t n, struct workload_result *r) {
  static struct buffered b;
  b = (struct buffered){.lo = 0, .hi = n};
  if (!GORT_CHAN_MAKE(b.ch, 1024) || !GORT_CHAN_MAKE(b.res, 0))
    return fail(r, "out of memory");
  int64_t t0 = gort_nanotime();
  gort_go(produce_range, &b);
  gort_go(consume_sum, &b);
  int64_t sum;
  GORT_CHAN_RECV(b.res, &sum);
  r->wall_ns = gort_nanotime() - t0;
  r->n = n;
  r->result = sum;
  check_sum(r, n * (n - 1) / 2);
}

void gort_workload_chan_buffered_4x4(int64_t n, struct workload_result *r) {
  static struct buffered prod[4], cons;
  static gort_waitgroup producers;
  if (n % 4 != 0)
    return fail(r, "n must be a multiple of 4");
  chan_int64 ch, res;
  if (!GORT_CHAN_MAKE(ch, 1024) || !GORT_CHAN_MAKE(res, 4))
    return fail(r, "out of memory");
  cons = (struct buffered){ch, res, 0, 0, NULL};
  int64_t q = n / 4, t0 = gort_nanotime();
  for (int c = 0; c < 4; c++)
    gort_go(consume_sum, &cons);
  gort_waitgroup_add(&producers, 4);
  for (int64_t p = 0; p < 4; p++) {
    prod[p] = (struct buffered){ch, res, p * q, (p + 1) * q, &producers};
    gort_go(produce_range, &prod[p]);
  }
  gort_waitgroup_wait(&producers);
  gort_chan_close(ch.ch);
  int64_t sum = 0;
  for (int c = 0; c < 4; c++) {
    int64_t s;
    GORT_CHAN_RECV(res, &s);
    sum += s;
  }
  r->wall_ns = gort_nanotime() - t0;
  r->n = n;
  r->result = sum;
  check_sum(r, n * (n - 1) / 2);
}

/* ---- select4 ------------------------------------------------------------ */

void gort_workload_select4(int64_t n, struct workload_result *r) {
  static struct buffered prod[4];
  if (n % 4 != 0)
    return fail(r, "n must be a multiple of 4");
  chan_int64 cs[4];
  for (int k = 0; k < 4; k++)
    if (!GORT_CHAN_MAKE(cs[k], 0))
      return fail(r, "out of memory");
  int64_t q = n / 4, t0 = gort_nanotime();
  for (int64_t k = 0; k < 4; k++) {
    /* producers is not NULL only to keep produce_range from closing. */
    static gort_waitgroup unused;
    gort_waitgroup_add(&unused, 1);
    prod[k] = (struct buffered){
        .ch = cs[k], .lo = k * q, .hi = (k + 1) * q, .producers = &unused};
    gort_go(produce_range, &prod[k]);
  }
  int64_t v[4], sum = 0;
  gort_select_case cases[4];
  for (int k = 0; k < 4; k++)
    cases[k] = GORT_SELECT_RECV_CASE(cs[k], &v[k]);
  for (int64_t i = 0; i < n; i++) {
    int k = gort_select(cases, 4, true);
    sum += v[k];
  }
  r->wall_ns = gort_nanotime() - t0;
  r->n = n;
  r->result = sum;
  check_sum(r, n * (n - 1) / 2);
}

/* ---- sieve -------------------------------------------------------------- */

struct filter {
  chan_int64 in, out;
  int64_t prime;
};

static void generate(void *p) {
  chan_int64 ch = {.ch = p};
  for (int64_t i = 2;; i++)
    GORT_CHAN_SEND(ch, &i);
}

static void filter(void *p) {
  struct filter *f = p;
  for (;;) {
    int64_t i;
    GORT_CHAN_RECV(f->in, &i);
    if (i % f->prime != 0)
      GORT_CHAN_SEND(f->out, &i);
  }
}

static int64_t sum_first_primes(int64_t n) {
  int64_t sum = 0, found = 0;
  for (int64_t c = 2; found < n; c++) {
    bool prime = true;
    for (int64_t d = 2; d * d <= c; d++)
      if (c % d == 0) {
        prime = false;
        break;
      }
    if (prime) {
      sum += c;
      found++;
    }
  }
  return sum;
}

void gort_workload_sieve(int64_t n, struct workload_result *r) {
  /* The filters run until the program exits, as in Go's version. */
  struct filter *filters = calloc((size_t)n, sizeof *filters);
  if (!filters)
    return fail(r, "out of memory");
  int64_t t0 = gort_nanotime();
  chan_int64 ch;
  if (!GORT_CHAN_MAKE(ch, 0))
    return fail(r, "out of memory");
  gort_go(generate, ch.ch);
  int64_t sum = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t prime;
    GORT_CHAN_RECV(ch, &prime);
    sum += prime;
    chan_int64 ch1;
    if (!GORT_CHAN_MAKE(ch1, 0))
      return fail(r, "out of memory");
    filters[i] = (struct filter){ch, ch1, prime};
    gort_go(filter, &filters[i]);
    ch = ch1;
  }
  r->wall_ns = gort_nanotime() - t0;
  r->n = n;
  r->result = sum;
  check_sum(r, sum_first_primes(n));
}
