/*
 * fuzz_chan_select.c - channel and select programs from several goroutines,
 * run on the real runtime and checked exactly against a model of Go's
 * channels (chan.go, select.go).
 *
 * The input decodes into 1..4 channels (capacity 0..3, elements of 1, 4, 8
 * or 24 bytes) and 1..4 goroutines, each with up to 12 operations: send,
 * recv, try_send, try_recv, close, yield, and select over 1..4 cases (send
 * or receive, NULL channels allowed) with or without default. Every send
 * carries a value unique to its goroutine and operation.
 *
 * The check is a linearizability check, so it is exact whatever the
 * scheduling: the run is accepted iff some interleaving of the model's
 * atomic steps explains everything observed: each operation's result
 * (value, ok, chosen case, success of a try), which goroutines are parked
 * forever at the end, and what is left in each channel. The model is Go's
 * implementation, step for step: an operation takes effect at once under
 * the channel locks (a select locks all its channels), hands a value
 * straight to the first waiting partner (waiters are FIFO queues, as
 * chan.go's waitq), moves a blocked sender's value into a full buffer's
 * freed slot, or parks on every case; close wakes every receiver with the
 * zero value and ok=false. So a lost or duplicated value, a broken FIFO,
 * a wrong ok, a missing zeroing, a default taken when a case was ready, a
 * lost wake-up or a spurious one all have no explanation.
 *
 * Panics are kept out by construction (they end the process): a channel
 * that is closed has one sender, which closes it once, after its sends;
 * no plain op or close on a NULL channel; a select has a usable case or a
 * default. The misuse panics are tested by tests/native.
 *
 * Blocking forever is observed exactly, not by a timeout: the main
 * goroutine polls until every worker is done, or until it sees every
 * unfinished worker parked on a channel (G_WAITING) with no operation
 * completed between two reads of the progress counter (a double collect:
 * an operation that wakes another completes without parking, so a wake-up
 * in flight shows as a running waker or a moved counter). Then it takes
 * the channels' contents (try_recv until empty, which also releases parked
 * senders; released workers stop), closes the rest to release parked
 * receivers, and checks. A run that neither ends nor sticks in 10 s is a
 * finding too.
 *
 * Invariants: one program runs at a time; workers touch only their own
 * result slots and the atomics in struct run. Locking: none (atomics).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gort.h"
#include "sched/mp.h"
#include "sched/runtime2.h"

enum { MAXG = 4, MAXC = 4, MAXOPS = 12, MAXCASES = 4, MAXQ = MAXG * MAXCASES };

enum opkind {
  OP_SEND,
  OP_RECV,
  OP_TRYSEND,
  OP_TRYRECV,
  OP_CLOSE,
  OP_SELECT,
  OP_SELECT_DEFAULT,
  OP_YIELD,
};

static const char *const opnames[] = {"send",           "recv",  "try_send",
                                      "try_recv",       "close", "select",
                                      "select+default", "yield"};

struct scase {
  int8_t ch;   /* -1: NULL channel */
  uint8_t dir; /* GORT_SELECT_SEND or GORT_SELECT_RECV */
};

struct op {
  uint8_t kind;
  int8_t ch;
  uint8_t ncases;
  struct scase cases[MAXCASES];
  int32_t val; /* the value its send (or send cases) carries */
};

struct prog {
  int ng, nc;
  int cap[MAXC];
  int esize[MAXC];
  int nops[MAXG];
  struct op ops[MAXG][MAXOPS];
};

/* What an operation did. idx: chosen case (-1 default) for select, 1/0
 * for a try; val/ok: what a receive got. */
enum { R_NOTRUN = 0, R_DONE = 1, R_PENDING = 2 };
struct res {
  uint8_t state;
  int8_t idx;
  uint8_t ok;
  int32_t val;
};

static const int esizes[4] = {8, 1, 24, 4};

/* ---- decoding ------------------------------------------------------------ */

static bool has_send_to(const struct op *o, int c) {
  if (o->kind == OP_SEND || o->kind == OP_TRYSEND)
    return o->ch == c;
  if (o->kind == OP_SELECT || o->kind == OP_SELECT_DEFAULT)
    for (int k = 0; k < o->ncases; k++)
      if (o->cases[k].ch == c && o->cases[k].dir == GORT_SELECT_SEND)
        return true;
  return false;
}

static void decode(const uint8_t *d, size_t n, struct prog *p) {
  size_t i = 0;
#define NEXT() (i < n ? d[i++] : 0)
  memset(p, 0, sizeof *p);
  uint8_t h = NEXT();
  p->ng = 1 + (h & 3);
  p->nc = 1 + ((h >> 2) & 3);
  for (int c = 0; c < p->nc; c++) {
    uint8_t b = NEXT();
    p->cap[c] = b & 3;
    p->esize[c] = esizes[(b >> 2) & 3];
  }
  int total = 0;
  while (i < n && total < MAXG * MAXOPS) {
    uint8_t b = NEXT();
    int g = b % p->ng;
    if (p->nops[g] == MAXOPS)
      continue;
    struct op *o = &p->ops[g][p->nops[g]];
    o->kind = (uint8_t)((b >> 2) & 7);
    o->val = (g + 1) * 16 + p->nops[g] + 1; /* < 256, never 0 */
    uint8_t a = NEXT();
    o->ch = (int8_t)(a % p->nc);
    if (o->kind == OP_SELECT || o->kind == OP_SELECT_DEFAULT) {
      o->ncases = (uint8_t)(1 + (a & 3));
      bool usable = false;
      for (int k = 0; k < o->ncases; k++) {
        uint8_t cb = NEXT();
        int ch = (cb >> 1) % (p->nc + 1);
        o->cases[k].ch = (int8_t)(ch == p->nc ? -1 : ch);
        o->cases[k].dir = (cb & 1) ? GORT_SELECT_SEND : GORT_SELECT_RECV;
        usable |= ch != p->nc;
      }
      if (!usable)
        o->kind = OP_SELECT_DEFAULT; /* else: parked forever, unreleasable */
    }
    p->nops[g]++;
    total++;
  }
#undef NEXT
  /* No panics: a closed channel has one sender (the closer), which closes
   * it once, after all its sends. Other closes become yields. */
  for (int c = 0; c < p->nc; c++) {
    int closer = -1, at = -1;
    for (int g = 0; g < p->ng && closer < 0; g++)
      for (int k = 0; k < p->nops[g]; k++)
        if (p->ops[g][k].kind == OP_CLOSE && p->ops[g][k].ch == c) {
          closer = g;
          at = k;
          break;
        }
    bool ok = closer >= 0;
    for (int g = 0; ok && g < p->ng; g++)
      for (int k = 0; k < p->nops[g]; k++)
        if (has_send_to(&p->ops[g][k], c) && (g != closer || k > at))
          ok = false;
    for (int g = 0; g < p->ng; g++)
      for (int k = 0; k < p->nops[g]; k++) {
        struct op *o = &p->ops[g][k];
        if (o->kind == OP_CLOSE && o->ch == c &&
            !(ok && g == closer && k == at))
          o->kind = OP_YIELD;
      }
  }
}

/* ---- values in elements -------------------------------------------------- */

static void put_val(void *buf, int esize, int32_t v) {
  uint64_t x = (uint64_t)(uint32_t)v;
  if (esize == 1) {
    ((uint8_t *)buf)[0] = (uint8_t)x;
  } else if (esize == 4) {
    uint32_t y = (uint32_t)x;
    memcpy(buf, &y, 4);
  } else {
    for (int k = 0; k < esize / 8; k++) /* 24 bytes: three copies */
      memcpy((char *)buf + 8 * k, &x, 8);
  }
}

/* -1 for an element that is not one of ours (torn or not written). */
static int32_t get_val(const void *buf, int esize) {
  if (esize == 1)
    return ((const uint8_t *)buf)[0];
  if (esize == 4) {
    uint32_t y;
    memcpy(&y, buf, 4);
    return y < 256 ? (int32_t)y : -1;
  }
  uint64_t x;
  memcpy(&x, buf, 8);
  for (int k = 1; k < esize / 8; k++) {
    uint64_t z;
    memcpy(&z, (const char *)buf + 8 * k, 8);
    if (z != x)
      return -1;
  }
  return x < 256 ? (int32_t)x : -1;
}

/* ---- the real run -------------------------------------------------------- */

static struct run {
  const struct prog *p;
  gort_chan *ch[MAXC];
  struct res res[MAXG][MAXOPS];
  _Atomic int ndone[MAXG];
  _Atomic(struct g *) gp[MAXG];
  _Atomic int finished[MAXG];
  _Atomic int nfinished;
  _Atomic long progress;
  _Atomic int stop;  /* stuck: released workers leave */
  bool closed[MAXC]; /* by a worker's close (read once all are parked) */
} run;

static gort_chan *chan_of(int c) { return c < 0 ? NULL : run.ch[c]; }

static void do_op(int g, const struct op *o, struct res *r) {
  const struct prog *p = run.p;
  unsigned char sbuf[24], rbuf[MAXCASES][24];
  memset(rbuf, 0xAB, sizeof rbuf); /* a receive must overwrite or zero it */
  r->idx = 0;
  r->ok = 0;
  r->val = 0;
  int es = o->ch >= 0 ? p->esize[o->ch] : 8;
  switch (o->kind) {
  case OP_SEND:
    put_val(sbuf, es, o->val);
    gort_chan_send_sized(chan_of(o->ch), sbuf, (size_t)es);
    break;
  case OP_RECV:
    r->ok = gort_chan_recv_sized(chan_of(o->ch), rbuf[0], (size_t)es);
    r->val = get_val(rbuf[0], es);
    break;
  case OP_TRYSEND:
    put_val(sbuf, es, o->val);
    r->idx = gort_chan_try_send_sized(chan_of(o->ch), sbuf, (size_t)es);
    break;
  case OP_TRYRECV: {
    bool ok = false;
    r->idx = gort_chan_try_recv_sized(chan_of(o->ch), rbuf[0], (size_t)es, &ok);
    r->ok = ok;
    if (r->idx)
      r->val = get_val(rbuf[0], es);
    break;
  }
  case OP_CLOSE:
    gort_chan_close(chan_of(o->ch));
    run.closed[o->ch] = true;
    break;
  case OP_SELECT:
  case OP_SELECT_DEFAULT: {
    gort_select_case cs[MAXCASES];
    unsigned char sb[MAXCASES][24];
    for (int k = 0; k < o->ncases; k++) {
      int ch = o->cases[k].ch;
      cs[k].chan = chan_of(ch);
      cs[k].dir = o->cases[k].dir;
      cs[k].ok = false;
      cs[k].elem_size = (size_t)(ch >= 0 ? p->esize[ch] : 8);
      if (cs[k].dir == GORT_SELECT_SEND) {
        put_val(sb[k], ch >= 0 ? p->esize[ch] : 8, o->val);
        cs[k].elem = sb[k];
      } else {
        cs[k].elem = rbuf[k];
      }
    }
    int i = gort_select(cs, o->ncases, o->kind == OP_SELECT);
    r->idx = (int8_t)i;
    if (i != GORT_SELECT_DEFAULT && cs[i].dir == GORT_SELECT_RECV) {
      r->ok = cs[i].ok;
      r->val = get_val(rbuf[i], p->esize[o->cases[i].ch]);
    }
    break;
  }
  case OP_YIELD:
    gort_yield();
    break;
  }
}

static void worker(void *arg) {
  int g = (int)(intptr_t)arg;
  const struct prog *p = run.p;
  atomic_store(&run.gp[g], gort__must_getg("fuzz worker"));
  for (int k = 0; k < p->nops[g]; k++) {
    if (atomic_load(&run.stop))
      break;
    struct res r;
    do_op(g, &p->ops[g][k], &r);
    if (atomic_load(&run.stop))
      break; /* released by the main goroutine: not an outcome */
    r.state = R_DONE;
    run.res[g][k] = r;
    atomic_store(&run.ndone[g], k + 1);
    atomic_fetch_add(&run.progress, 1);
  }
  atomic_store(&run.finished[g], 1);
  atomic_fetch_add(&run.nfinished, 1);
}

static bool parked_on_channel(struct g *gp) {
  if (gp == NULL || atomic_load(&gp->atomicstatus) != G_WAITING)
    return false;
  uint32_t why = __atomic_load_n(&gp->waitreason, __ATOMIC_RELAXED);
  return why == WAIT_CHAN_RECEIVE || why == WAIT_CHAN_SEND ||
         why == WAIT_SELECT;
}

/* Every unfinished worker parked on a channel, nothing completed in
 * between: nobody but us can wake them. */
static bool stuck(void) {
  const struct prog *p = run.p;
  long p1 = atomic_load(&run.progress);
  int nf = atomic_load(&run.nfinished);
  for (int g = 0; g < p->ng; g++)
    if (!atomic_load(&run.finished[g]) &&
        !parked_on_channel(atomic_load(&run.gp[g])))
      return false;
  return atomic_load(&run.progress) == p1 && atomic_load(&run.nfinished) == nf;
}

/* ---- the model ----------------------------------------------------------- */

struct waiter {
  int8_t g;
  int8_t casei; /* -1: a plain send or recv */
};

struct mstate {
  uint8_t pc[MAXG];
  uint8_t parked[MAXG];
  uint8_t closed[MAXC];
  uint8_t buflen[MAXC];
  int32_t buf[MAXC][3];
  uint8_t rql[MAXC], sql[MAXC];
  struct waiter rq[MAXC][MAXQ], sq[MAXC][MAXQ];
};

struct check {
  const struct prog *p;
  const struct res (*obs)[MAXOPS];
  int ndrain[MAXC];
  int32_t drain[MAXC][MAXG * MAXOPS + 4];
  /* Visited states that led nowhere (a state fully decides what follows). */
  uint64_t *seen;
  uint32_t *seen_gen, gen;
  size_t nseen_cap, nseen;
  long nodes;
};

static uint64_t hash_state(const struct mstate *s) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char *b = (const unsigned char *)s;
  for (size_t i = 0; i < sizeof *s; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  return h | 1;
}

/* Open addressing, cleared by bumping gen rather than by memset. */
static bool seen_insert(struct check *ck, uint64_t h) {
  size_t mask = ck->nseen_cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    if (ck->seen_gen[i] != ck->gen) {
      if (ck->nseen * 4 >= ck->nseen_cap * 3)
        return true; /* full: stop remembering, still correct */
      ck->seen_gen[i] = ck->gen;
      ck->seen[i] = h;
      ck->nseen++;
      return true;
    }
    if (ck->seen[i] == h)
      return false;
  }
}

static const struct op *cur_op(const struct check *ck, const struct mstate *s,
                               int g) {
  return &ck->p->ops[g][s->pc[g]];
}

static void q_remove_g(struct waiter *q, uint8_t *len, int g) {
  int w = 0;
  for (int i = 0; i < *len; i++)
    if (q[i].g != g)
      q[w++] = q[i];
  for (int i = w; i < *len; i++)
    q[i] = (struct waiter){0, 0};
  *len = (uint8_t)w;
}

static void q_push(struct waiter *q, uint8_t *len, int g, int casei) {
  q[*len] = (struct waiter){(int8_t)g, (int8_t)casei};
  (*len)++;
}

/* Complete parked goroutine w.g's operation with result r: it must be what
 * was observed. Takes it off every queue. */
static bool complete_waiter(const struct check *ck, struct mstate *s,
                            struct waiter w, int32_t val, bool ok) {
  int g = w.g;
  const struct op *o = cur_op(ck, s, g);
  const struct res *obs = &ck->obs[g][s->pc[g]];
  if (obs->state != R_DONE)
    return false; /* observed parked forever, or never run */
  bool recv;
  if (o->kind == OP_SELECT) {
    /* A select queues its cases in a random order (pollorder), so when it
     * has several cases on this end of the channel, any of them may be
     * the one found first. */
    if (obs->idx < 0 || obs->idx >= o->ncases ||
        o->cases[obs->idx].ch != o->cases[w.casei].ch ||
        o->cases[obs->idx].dir != o->cases[w.casei].dir)
      return false;
    recv = o->cases[w.casei].dir == GORT_SELECT_RECV;
  } else {
    recv = o->kind == OP_RECV;
  }
  if (recv && (obs->val != val || obs->ok != ok))
    return false;
  for (int c = 0; c < ck->p->nc; c++) {
    q_remove_g(s->rq[c], &s->rql[c], g);
    q_remove_g(s->sq[c], &s->sql[c], g);
  }
  s->parked[g] = 0;
  s->pc[g]++;
  return true;
}

static int32_t sent_val(const struct check *ck, const struct mstate *s,
                        struct waiter w) {
  return cur_op(ck, s, w.g)->val;
}

/* A send of v on c now. 1: done, 0: not ready, -1: a parked partner's
 * completion contradicts the observation. */
static int try_send(const struct check *ck, struct mstate *s, int c,
                    int32_t v) {
  if (s->rql[c] > 0) {
    struct waiter w = s->rq[c][0];
    return complete_waiter(ck, s, w, v, true) ? 1 : -1;
  }
  if (s->buflen[c] < ck->p->cap[c]) {
    s->buf[c][s->buflen[c]++] = v;
    return 1;
  }
  return 0;
}

static int try_recv(const struct check *ck, struct mstate *s, int c, int32_t *v,
                    bool *ok) {
  if (s->sql[c] > 0) {
    struct waiter w = s->sq[c][0];
    int32_t sv = sent_val(ck, s, w);
    if (s->buflen[c] > 0) { /* full buffer: head out, sender's value in */
      *v = s->buf[c][0];
      memmove(&s->buf[c][0], &s->buf[c][1], sizeof(int32_t) * 2);
      s->buf[c][s->buflen[c] - 1] = sv;
    } else {
      *v = sv;
    }
    *ok = true;
    return complete_waiter(ck, s, w, 0, false) ? 1 : -1;
  }
  if (s->buflen[c] > 0) {
    *v = s->buf[c][0];
    memmove(&s->buf[c][0], &s->buf[c][1], sizeof(int32_t) * 2);
    s->buf[c][--s->buflen[c]] = 0;
    *ok = true;
    return 1;
  }
  if (s->closed[c]) {
    *v = 0;
    *ok = false;
    return 1;
  }
  return 0;
}

static bool search(struct check *ck, const struct mstate *s);

static bool matches(const struct res *obs, int idx, int32_t val, bool ok,
                    bool has_val) {
  if (obs->state != R_DONE || obs->idx != idx)
    return false;
  return !has_val || (obs->val == val && obs->ok == ok);
}

/* The drain the main goroutine does after a stuck run, on the model. */
static bool drain_matches(const struct check *ck, struct mstate *s) {
  int n[MAXC] = {0};
  for (int pass = 0; pass < 2; pass++)
    for (int c = 0; c < ck->p->nc; c++)
      for (;;) {
        int32_t v = 0;
        bool ok = false;
        int r;
        if (s->sql[c] > 0) {
          struct waiter w = s->sq[c][0];
          int32_t sv = sent_val(ck, s, w);
          if (s->buflen[c] > 0) {
            v = s->buf[c][0];
            memmove(&s->buf[c][0], &s->buf[c][1], sizeof(int32_t) * 2);
            s->buf[c][s->buflen[c] - 1] = sv;
          } else {
            v = sv;
          }
          for (int k = 0; k < ck->p->nc; k++) { /* released: it leaves */
            q_remove_g(s->rq[k], &s->rql[k], w.g);
            q_remove_g(s->sq[k], &s->sql[k], w.g);
          }
          r = 1;
          ok = true;
        } else {
          r = try_recv(ck, s, c, &v, &ok);
        }
        if (r != 1 || !ok)
          break;
        if (n[c] >= ck->ndrain[c] || ck->drain[c][n[c]] != v)
          return false;
        n[c]++;
      }
  for (int c = 0; c < ck->p->nc; c++)
    if (n[c] != ck->ndrain[c])
      return false;
  return true;
}

static bool arrive(struct check *ck, const struct mstate *s0, int g) {
  const struct op *o = cur_op(ck, s0, g);
  const struct res *obs = &ck->obs[g][s0->pc[g]];
  struct mstate s = *s0;
  int32_t v;
  bool ok;
  int r;
  switch (o->kind) {
  case OP_YIELD:
  case OP_CLOSE:
    if (obs->state != R_DONE)
      return false;
    if (o->kind == OP_CLOSE) {
      int c = o->ch;
      s.closed[c] = 1;
      while (s.rql[c] > 0)
        if (!complete_waiter(ck, &s, s.rq[c][0], 0, false))
          return false;
      if (s.sql[c] > 0)
        return false; /* would panic: excluded by decode */
    }
    s.pc[g]++;
    return search(ck, &s);
  case OP_SEND:
  case OP_TRYSEND:
    r = try_send(ck, &s, o->ch, o->val);
    if (r < 0)
      return false;
    if (r == 1) {
      if (o->kind == OP_TRYSEND ? !matches(obs, 1, 0, 0, false)
                                : obs->state != R_DONE)
        return false;
      s.pc[g]++;
      return search(ck, &s);
    }
    if (o->kind == OP_TRYSEND) {
      if (!matches(obs, 0, 0, 0, false))
        return false;
      s.pc[g]++;
      return search(ck, &s);
    }
    q_push(s.sq[o->ch], &s.sql[o->ch], g, -1);
    s.parked[g] = 1;
    return search(ck, &s);
  case OP_RECV:
  case OP_TRYRECV:
    r = try_recv(ck, &s, o->ch, &v, &ok);
    if (r < 0)
      return false;
    if (r == 1) {
      if (!matches(obs, o->kind == OP_TRYRECV ? 1 : 0, v, ok, true))
        return false;
      s.pc[g]++;
      return search(ck, &s);
    }
    if (o->kind == OP_TRYRECV) {
      if (!matches(obs, 0, 0, 0, false))
        return false;
      s.pc[g]++;
      return search(ck, &s);
    }
    q_push(s.rq[o->ch], &s.rql[o->ch], g, -1);
    s.parked[g] = 1;
    return search(ck, &s);
  case OP_SELECT:
  case OP_SELECT_DEFAULT: {
    bool any = false;
    for (int k = 0; k < o->ncases; k++) {
      int c = o->cases[k].ch;
      if (c < 0)
        continue;
      struct mstate t = *s0;
      if (o->cases[k].dir == GORT_SELECT_SEND) {
        r = try_send(ck, &t, c, o->val);
        if (r == 0)
          continue;
        any = true;
        if (r < 0 || !matches(obs, k, 0, 0, false))
          continue;
      } else {
        r = try_recv(ck, &t, c, &v, &ok);
        if (r == 0)
          continue;
        any = true;
        if (r < 0 || !matches(obs, k, v, ok, true))
          continue;
      }
      t.pc[g]++;
      if (search(ck, &t))
        return true;
    }
    if (any)
      return false; /* a ready case must be taken */
    if (o->kind == OP_SELECT_DEFAULT) {
      if (!matches(obs, -1, 0, 0, false))
        return false;
      s.pc[g]++;
      return search(ck, &s);
    }
    for (int k = 0; k < o->ncases; k++) {
      int c = o->cases[k].ch;
      if (c < 0)
        continue;
      if (o->cases[k].dir == GORT_SELECT_SEND)
        q_push(s.sq[c], &s.sql[c], g, k);
      else
        q_push(s.rq[c], &s.rql[c], g, k);
    }
    s.parked[g] = 1;
    return search(ck, &s);
  }
  }
  return false;
}

static bool search(struct check *ck, const struct mstate *s) {
  if (++ck->nodes > 50000000) {
    fprintf(stderr, "fuzz_chan_select: model search too large\n");
    abort();
  }
  const struct prog *p = ck->p;
  bool terminal = true;
  for (int g = 0; g < p->ng; g++)
    if (!s->parked[g] && s->pc[g] < p->nops[g])
      terminal = false;
  if (terminal) {
    for (int g = 0; g < p->ng; g++)
      if (s->parked[g] && ck->obs[g][s->pc[g]].state != R_PENDING)
        return false;
    struct mstate t = *s;
    return drain_matches(ck, &t);
  }
  if (!seen_insert(ck, hash_state(s)))
    return false;
  /* A yield changes nothing and is always possible: it commutes with
   * every other step, so taking it first loses no interleaving. */
  for (int g = 0; g < p->ng; g++)
    if (!s->parked[g] && s->pc[g] < p->nops[g] &&
        ck->p->ops[g][s->pc[g]].kind == OP_YIELD &&
        ck->obs[g][s->pc[g]].state == R_DONE) {
      struct mstate t = *s;
      t.pc[g]++;
      return search(ck, &t);
    }
  for (int g = 0; g < p->ng; g++) {
    if (s->parked[g] || s->pc[g] >= p->nops[g])
      continue;
    if (ck->obs[g][s->pc[g]].state == R_NOTRUN)
      continue;
    if (arrive(ck, s, g))
      return true;
  }
  return false;
}

/* ---- reporting ------------------------------------------------------------
 */

static void dump(const struct prog *p, const struct check *ck,
                 const char *why) {
  fprintf(stderr, "\nfuzz_chan_select: %s\n", why);
  for (int c = 0; c < p->nc; c++) {
    fprintf(stderr, "  chan %d: cap %d, elem %d bytes, left:", c, p->cap[c],
            p->esize[c]);
    for (int k = 0; k < ck->ndrain[c]; k++)
      fprintf(stderr, " %d", ck->drain[c][k]);
    fprintf(stderr, "\n");
  }
  for (int g = 0; g < p->ng; g++) {
    fprintf(stderr, "  goroutine %d:\n", g);
    for (int k = 0; k < p->nops[g]; k++) {
      const struct op *o = &p->ops[g][k];
      const struct res *r = &ck->obs[g][k];
      fprintf(stderr, "    %-14s", opnames[o->kind]);
      if (o->kind == OP_SELECT || o->kind == OP_SELECT_DEFAULT) {
        for (int j = 0; j < o->ncases; j++)
          fprintf(stderr, " %s%d",
                  o->cases[j].dir == GORT_SELECT_SEND ? "send" : "recv",
                  o->cases[j].ch);
      } else if (o->kind != OP_YIELD) {
        fprintf(stderr, " c%d", o->ch);
      }
      fprintf(stderr, " val=%d  -> ", o->val);
      if (r->state == R_NOTRUN)
        fprintf(stderr, "not run\n");
      else if (r->state == R_PENDING)
        fprintf(stderr, "parked forever\n");
      else
        fprintf(stderr, "idx=%d val=%d ok=%d\n", r->idx, r->val, r->ok);
    }
  }
}

/* ---- one input ------------------------------------------------------------
 */

enum { SEEN_BITS = 20 };
static uint64_t seen_table[1 << SEEN_BITS];
static uint32_t seen_gens[1 << SEEN_BITS];
static uint32_t seen_gen;
static struct res obs_copy[MAXG][MAXOPS];
static struct check ck;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct prog p;
  decode(data, size, &p);

  memset(&run, 0, sizeof run);
  run.p = &p;
  for (int c = 0; c < p.nc; c++)
    if ((run.ch[c] = gort_chan_make((size_t)p.esize[c], (size_t)p.cap[c])) ==
        NULL)
      abort();
  for (int g = 0; g < p.ng; g++)
    if (gort_go(worker, (void *)(intptr_t)g) != 0)
      abort();

  /* Wait for the end, or for every unfinished worker to be stuck. */
  int64_t start = gort_nanotime();
  bool is_stuck = false;
  for (long spins = 0; atomic_load(&run.nfinished) < p.ng; spins++) {
    if (stuck()) {
      is_stuck = true;
      break;
    }
    if (gort_nanotime() - start > 10 * 1000000000ll) {
      memset(&ck, 0, sizeof ck);
      ck.p = &p;
      ck.obs = (const struct res(*)[MAXOPS])run.res;
      dump(&p, &ck,
           "no progress for 10 s, and not every worker is parked "
           "(a lost wake-up, or a livelock)");
      abort();
    }
    if (spins < 200)
      gort_yield();
    else
      gort_sleep(20000);
  }

  memset(&ck, 0, sizeof ck);
  memcpy(obs_copy, run.res, sizeof obs_copy);
  if (is_stuck) {
    for (int g = 0; g < p.ng; g++)
      if (!atomic_load(&run.finished[g]))
        obs_copy[g][atomic_load(&run.ndone[g])].state = R_PENDING;
    atomic_store(&run.stop, 1);
  }
  /* What is left: the buffer, then (stuck) the parked senders' values. */
  for (int pass = 0; pass < 2; pass++)
    for (int c = 0; c < p.nc; c++)
      for (;;) {
        unsigned char buf[24];
        bool ok;
        if (!gort_chan_try_recv(run.ch[c], buf, &ok) || !ok)
          break;
        if (ck.ndrain[c] < MAXG * MAXOPS + 4)
          ck.drain[c][ck.ndrain[c]++] = get_val(buf, p.esize[c]);
      }
  ck.p = &p;
  ck.obs = (const struct res(*)[MAXOPS])obs_copy;
  ck.seen = seen_table;
  ck.seen_gen = seen_gens;
  ck.gen = ++seen_gen;
  ck.nseen_cap = sizeof seen_table / sizeof seen_table[0];
  struct mstate s0;
  memset(&s0, 0, sizeof s0);
  if (!search(&ck, &s0)) {
    dump(&p, &ck,
         "no interleaving of Go's channel semantics explains this run");
    abort();
  }
  if (is_stuck) {
    for (int c = 0; c < p.nc; c++)
      if (!run.closed[c])
        gort_chan_close(run.ch[c]); /* releases parked receivers */
  }
  for (long spins = 0; atomic_load(&run.nfinished) < p.ng; spins++) {
    if (gort_nanotime() - start > 20 * 1000000000ll) {
      fprintf(
          stderr,
          "fuzz_chan_select: workers parked on channels were not released by "
          "draining and closing the channels (a receive or a close "
          "does not wake its waiters)\n");
      abort();
    }
    if (spins < 200)
      gort_yield();
    else
      gort_sleep(20000);
  }

  for (int c = 0; c < p.nc; c++) {
    if (gort_chan_len(run.ch[c]) != 0)
      abort();
    gort_chan_free(run.ch[c]);
  }
  return 0;
}
