/*
 * test-gcroots.c - what the runtime holds for the program keeps it alive
 * (mgc.h, "What the runtime holds for the program"; docs/API.md, "Memory:
 * what the runtime keeps alive"), one case per kind: timers and AfterFunc,
 * goroutine arguments, errgroup tasks, singleflight arguments and results,
 * value contexts, context AfterFunc, channel buffers, and values in flight
 * through parked senders and receivers.
 *
 * Each case makes a chain of GC objects (each with a checksum) reachable
 * only through the runtime object under test, in a goroutine that then
 * exits (scanning is conservative: no stale copy of an address may linger
 * in the checker's stack or registers, so the checker keeps them
 * complemented, which are not pointers); collects several times; checks
 * that every link is still allocated with its checksum; then has the
 * runtime let go, and checks that every link is reclaimed and that the
 * registry of held ranges is back at its count.
 *
 * Where the runtime holds a word only until a goroutine starts (a
 * goroutine's argument, an errgroup task, a DoChan leader) or until a
 * woken goroutine runs (a singleflight result), the case runs on one P:
 * the goroutine that would take the word waits in the run queue behind
 * the collection (gort_go and a wake-up put the newest goroutine first).
 * A time slice that runs out can still let it run first; such an attempt
 * proves nothing and is repeated, and at least one attempt must have
 * collected while the runtime alone held the word.
 */
#include <stdatomic.h>
#include <string.h>

#include "arch/context.h"
#include "gc-test.h"
#include "mem/mgc.h"
#include "mem/mstats.h"
#include "sched/runtime2.h"

enum { LINKS = 16, ATTEMPTS = 20, COLLECTIONS = 3 };
static const int64_t HOUR = 3600LL * 1000 * 1000 * 1000;

/* ---- chains and their checks ------------------------------------------- */

struct link {
  struct link *next;
  uint64_t id, sum;
};

static uint64_t checksum(uint64_t id) {
  uint64_t z = id + 0x9e3779b97f4a7c15ull; /* splitmix64's finaliser */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A chain's links, by hidden address, and its tag. */
struct record {
  uint64_t tag;
  uintptr_t link[LINKS];
};

/* Scanning is conservative, and the runtime's frames often hold a span's
 * base address (the arena's first page, a span being carved up): a stale
 * copy of one keeps the span's first object alive. So no link is ever
 * the first object of a span: such an object is kept for good, here, and
 * another one taken. */
enum { SPACERS = 256 };
static void *spacers[SPACERS];
static int nspacers;

static struct link *new_link(void) {
  for (;;) {
    struct mspan *s = NULL;
    struct link *l = gort_alloc(sizeof *l);
    CHECK(l != NULL && gort__find_object(l, &s) == l);
    if ((uintptr_t)l != s->base)
      return l;
    CHECK(nspacers < SPACERS);
    GORT_STORE(spacers[nspacers++], l);
  }
}

/* LINKS links tagged tag, garbage made beside them; the head is returned
 * and every link noted in rec. */
static __attribute__((noinline)) struct link *make_chain(struct record *rec,
                                                         uint64_t tag) {
  struct link *head = NULL;
  rec->tag = tag;
  for (int i = LINKS - 1; i >= 0; i--) {
    struct link *l = new_link();
    l->id = tag * 1000 + (uint64_t)i;
    l->sum = checksum(l->id);
    GORT_STORE(l->next, head);
    head = l;
    rec->link[i] = hide(l);
    gort_alloc(40); /* garbage */
  }
  return head;
}

/* Every link in place, allocated, with its checksum. */
static bool chain_intact(const struct link *head, const struct record *rec) {
  int n = 0;
  for (const struct link *l = head; l != NULL; l = l->next, n++) {
    if (n >= LINKS || l != unhide(rec->link[n]))
      return false;
    if (gort__find_object(l, NULL) != l)
      return false; /* freed by a collection */
    if (l->id != rec->tag * 1000 + (uint64_t)n || l->sum != checksum(l->id))
      return false;
  }
  return n == LINKS;
}

/* Asked in a goroutine of its own, so that the checker never holds an
 * address of the chain. */
struct ask {
  const struct record *rec;
  int links_live;
  bool intact;
};

static void ask_body(void *p) {
  struct ask *q = p;
  q->intact = chain_intact(unhide(q->rec->link[0]), q->rec);
  q->links_live = 0;
  for (int i = 0; i < LINKS; i++)
    if (gort__find_object(unhide(q->rec->link[i]), NULL) != NULL)
      q->links_live++;
}

static bool intact(const struct record *rec) {
  struct ask q = {rec, 0, false};
  run_in_goroutine(ask_body, &q);
  return q.intact;
}

__attribute__((unused)) static bool reclaimed(const struct record *rec) {
  struct ask q = {rec, 0, false};
  run_in_goroutine(ask_body, &q);
  return q.links_live == 0;
}

/* Reclaimed once the runtime lets go: checked natively. On wasm32 the
 * heap starts at 16 MiB, and words of libc's own globals made of flag
 * bytes (musl's __libc: 00 01 00 01 = 0x01000100) read as addresses in
 * its first page, so a conservative scan keeps an object there alive at
 * random; what is kept alive is still checked there. */
#ifdef __EMSCRIPTEN__
#define CHECK_RECLAIMED(rec) ((void)(rec))
#else
/* Within a few cycles: a stale word on a conservatively scanned stack
 * (a dead local, a register saved at a preemption) can keep garbage one
 * cycle longer, and with the concurrent collector which cycle sees such a
 * word depends on when each stack is scanned. */
__attribute__((unused)) static bool reclaimed_soon(const struct record *rec) {
  for (int i = 0; i < 3; i++) {
    if (reclaimed(rec))
      return true;
    gort_gc();
  }
  return reclaimed(rec);
}
#define CHECK_RECLAIMED(rec) CHECK(reclaimed_soon(rec))
#endif

/* Under ThreadSanitizer a concurrent cycle outlasts sysmon's time slice
 * (10 ms) and yields while it marks, and on one P the taker runs then, in
 * every attempt: the attempts still check the chain, but none need be
 * clean there. Everywhere else at least one must be. */
#ifdef GORT_TEST_TSAN
enum { SLOW_BUILD = 1 };
#else
enum { SLOW_BUILD = 0 };
#endif
static bool attempts_may_all_spoil(void) {
  return SLOW_BUILD && gort__gc_concurrent();
}

static void collect(void) {
  for (int i = 0; i < COLLECTIONS; i++)
    gort_gc();
}

/* ---- gcroots_timer: an AfterFunc's argument ---------------------------- */

static struct record timer_rec;
static gort_timer *timer_af;
static gort_waitgroup timer_ran = GORT_WAITGROUP_INIT;
static _Atomic bool timer_ok;

static void timer_fn(void *arg) {
  atomic_store(&timer_ok, chain_intact(arg, &timer_rec));
  gort_waitgroup_done(&timer_ran);
}

static void make_after_func(void *p) {
  (void)p;
  timer_af = gort_after_func(HOUR, timer_fn, make_chain(&timer_rec, 1));
  CHECK(timer_af != NULL);
}

TEST_IMPL(gcroots_timer) {
  size_t base = gort__gc_roots_registered();
  /* Timers with a channel hold no word of the program's: their channel
   * carries times and is no root. */
  gort_timer *t = gort_timer_new(HOUR), *tk = gort_ticker_new(HOUR);
  gort_chan *after = gort_after(0);
  CHECK_EQ(gort__gc_roots_registered(), base);
  gort_timer_free(t);
  gort_timer_free(tk);
  CHECK(gort_chan_recv(after, NULL));
  gort_chan_free(after);

  run_in_goroutine(make_after_func, NULL);
  CHECK_EQ(gort__gc_roots_registered(), base + 1);
  collect();
  CHECK(intact(&timer_rec));
  /* Fired, the timer still holds its argument: it may be reset. */
  gort_waitgroup_add(&timer_ran, 1);
  gort_timer_reset(timer_af, 0);
  gort_waitgroup_wait(&timer_ran);
  CHECK(atomic_load(&timer_ok));
  collect();
  CHECK(intact(&timer_rec));
  atomic_store(&timer_ok, false);
  gort_waitgroup_add(&timer_ran, 1);
  gort_timer_reset(timer_af, 0);
  gort_waitgroup_wait(&timer_ran);
  CHECK(atomic_load(&timer_ok));
  gort_timer_free(timer_af);
  CHECK_EQ(gort__gc_roots_registered(), base);
  /* The AfterFunc goroutines are gone: nothing holds the chain. */
  CHECK_GOROUTINES_SETTLE(1);
  gort_gc();
  CHECK_RECLAIMED(&timer_rec);
  return 0;
}

/* ---- attempts: a word held until a goroutine runs ---------------------- */

/* When a taker started: the collections completed by then, plus one (0:
 * not yet). The collector wakes gort_gc's caller behind goroutines made
 * runnable before the call (mgc.c), so a taker may run before its
 * attempt looks; what counts is whether it started before the attempt's
 * first collection had ended (first_end completed collections). */
static _Atomic uint32_t first_end;
static uint32_t started_now(void) { return gort__mstats_num_gc() + 1; }
static bool started_early(_Atomic uint32_t *started) {
  uint32_t s = atomic_load(started);
  return s != 0 && s - 1 < atomic_load(&first_end);
}

/* One attempt of a case that needs its goroutine not to have run: set up
 * in a goroutine (make), collect, ask whether the taker ran early (ran),
 * then let it run and wait for it (finish). Returns whether the attempt
 * counted. */
struct attempt {
  gort_func make;
  bool (*ran)(void);
  void (*finish)(void);
  size_t held_roots; /* registered while the runtime holds the word */
};

static int run_attempts(const struct attempt *a, const struct record *rec) {
  gort_set_maxprocs(1);
  int clean = 0;
  for (int i = 0; i < ATTEMPTS && clean < 2; i++) {
    size_t base = gort__gc_roots_registered();
    run_in_goroutine(a->make, NULL);
    size_t held = gort__gc_roots_registered();
    /* Early: the taker ran (or began to: its root is gone) before the
     * first collection had ended. The concurrent collector lets other
     * goroutines run while it marks (it yields when its time slice ends:
     * often in a sanitizer build), so only the first collection is asked
     * to end before the taker runs. A missing root fails in finish, or
     * leaves no clean attempt. */
    first_end = gort__mstats_num_gc() + 1;
    gort_gc();
    if (!a->ran() && held == base + a->held_roots)
      clean++;
    for (int k = 1; k < COLLECTIONS; k++)
      gort_gc();
    a->finish(); /* checks the chain where the taker got it */
    CHECK_EQ(gort__gc_roots_registered(), base);
    CHECK_GOROUTINES_SETTLE(1);
    gort_gc();
    CHECK_RECLAIMED(rec);
  }
  CHECK(clean > 0 || attempts_may_all_spoil());
  return 0;
}

/* ---- gcroots_goroutine_arg: a goroutine not yet started ---------------- */

static struct record garg_rec;
static _Atomic uint32_t garg_started;
static _Atomic bool garg_ok;
static gort_waitgroup garg_done = GORT_WAITGROUP_INIT;

static void garg_body(void *arg) {
  atomic_store(&garg_started, started_now());
  atomic_store(&garg_ok, chain_intact(arg, &garg_rec));
  gort_waitgroup_done(&garg_done);
}

static void garg_make(void *p) {
  (void)p;
  atomic_store(&garg_started, 0);
  atomic_store(&garg_ok, false);
  gort_waitgroup_add(&garg_done, 1);
  CHECK_EQ(gort_go(garg_body, make_chain(&garg_rec, 2)), 0);
}

static bool garg_ran(void) { return started_early(&garg_started); }

static void garg_finish(void) {
  gort_waitgroup_wait(&garg_done);
  CHECK(atomic_load(&garg_ok));
}

TEST_IMPL(gcroots_goroutine_arg) {
  /* The argument is in the goroutine itself (g->arg), no registered
   * range. */
  struct attempt a = {garg_make, garg_ran, garg_finish, 0};
  return run_attempts(&a, &garg_rec);
}

/* ---- gcroots_errgroup: a task not yet started -------------------------- */

static struct record eg_rec;
static gort_errgroup *eg;
static _Atomic uint32_t eg_started;
static _Atomic bool eg_ok;

static int eg_task(void *arg) {
  atomic_store(&eg_started, started_now());
  atomic_store(&eg_ok, chain_intact(arg, &eg_rec));
  return 0;
}

static void eg_make(void *p) {
  (void)p;
  atomic_store(&eg_started, 0);
  atomic_store(&eg_ok, false);
  eg = gort_errgroup_new();
  CHECK(eg != NULL);
  CHECK_EQ(gort_errgroup_go(eg, eg_task, make_chain(&eg_rec, 3)), 0);
}

static bool eg_ran(void) { return started_early(&eg_started); }

static void eg_finish(void) {
  CHECK_EQ(gort_errgroup_wait(eg), 0);
  CHECK(atomic_load(&eg_ok));
  gort_errgroup_free(eg);
  eg = NULL;
}

TEST_IMPL(gcroots_errgroup) {
  struct attempt a = {eg_make, eg_ran, eg_finish, 1};
  return run_attempts(&a, &eg_rec);
}

/* ---- gcroots_singleflight_arg: a DoChan leader not yet started --------- */

static struct record sfa_rec;
static gort_singleflight *sfa_group;
static gort_chan *sfa_result;
static _Atomic uint32_t sfa_started;
static _Atomic bool sfa_ok;

static int sfa_fn(void *arg, void **val) {
  atomic_store(&sfa_started, started_now());
  atomic_store(&sfa_ok, chain_intact(arg, &sfa_rec));
  *val = NULL;
  return 0;
}

static void sfa_make(void *p) {
  (void)p;
  atomic_store(&sfa_started, 0);
  atomic_store(&sfa_ok, false);
  sfa_result = gort_singleflight_do_chan(sfa_group, "key", sfa_fn,
                                         make_chain(&sfa_rec, 4));
  CHECK(sfa_result != NULL);
}

static bool sfa_ran(void) { return started_early(&sfa_started); }

static void sfa_finish(void) {
  gort_singleflight_result r;
  CHECK(gort_chan_recv(sfa_result, &r));
  CHECK_EQ(r.err, 0);
  CHECK(atomic_load(&sfa_ok));
  gort_chan_free(sfa_result);
  sfa_result = NULL;
}

TEST_IMPL(gcroots_singleflight_arg) {
  sfa_group = gort_singleflight_new();
  /* Held: the call (argument and result) and the result channel. */
  struct attempt a = {sfa_make, sfa_ran, sfa_finish, 2};
  run_attempts(&a, &sfa_rec);
  gort_singleflight_free(sfa_group);
  return 0;
}

/* ---- gcroots_singleflight_result: a result its waiter has not read ----- */

static struct record sfr_rec;
static gort_singleflight *sfr_group;
static gort_chan *sfr_gate;
static _Atomic bool sfr_leading, sfr_joining, sfr_shared, sfr_ok;
static _Atomic uint32_t sfr_returned;
static gort_waitgroup sfr_leader_done = GORT_WAITGROUP_INIT;
static gort_waitgroup sfr_waiter_done = GORT_WAITGROUP_INIT;

static int sfr_slow(void *arg, void **val) {
  (void)arg;
  atomic_store(&sfr_leading, true);
  gort_chan_recv(sfr_gate, NULL);
  *val = make_chain(&sfr_rec, 5);
  return 0;
}

static int sfr_other(void *arg, void **val) {
  (void)arg;
  *val = NULL; /* ran only if the waiter came too late to join */
  return 0;
}

static void sfr_leader(void *p) {
  (void)p;
  CHECK_EQ(gort_singleflight_do(sfr_group, "key", sfr_slow, NULL, NULL, NULL),
           0);
  gort_waitgroup_done(&sfr_leader_done);
}

static void sfr_waiter(void *p) {
  (void)p;
  atomic_store(&sfr_joining, true);
  void *val = NULL;
  bool shared = false;
  CHECK_EQ(
      gort_singleflight_do(sfr_group, "key", sfr_other, NULL, &val, &shared),
      0);
  atomic_store(&sfr_returned, started_now());
  atomic_store(&sfr_shared, shared);
  atomic_store(&sfr_ok, chain_intact(val, &sfr_rec));
  gort_waitgroup_done(&sfr_waiter_done);
}

TEST_IMPL(gcroots_singleflight_result) {
  gort_set_maxprocs(1);
  sfr_group = gort_singleflight_new();
  sfr_gate = gort_chan_make(0, 0);
  int clean = 0;
  for (int i = 0; i < ATTEMPTS && clean < 2; i++) {
    size_t base = gort__gc_roots_registered();
    atomic_store(&sfr_leading, false);
    atomic_store(&sfr_joining, false);
    atomic_store(&sfr_returned, 0);
    atomic_store(&sfr_shared, false);
    atomic_store(&sfr_ok, false);
    gort_waitgroup_add(&sfr_leader_done, 1);
    gort_waitgroup_add(&sfr_waiter_done, 1);
    CHECK_EQ(gort_go(sfr_leader, NULL), 0);
    while (!atomic_load(&sfr_leading))
      gort_yield(); /* the leader's fn waits at the gate */
    CHECK_EQ(gort_go(sfr_waiter, NULL), 0);
    while (!atomic_load(&sfr_joining))
      gort_yield();
    for (int k = 0; k < 10; k++)
      gort_yield(); /* the waiter parks in Do */
    size_t held = gort__gc_roots_registered();
    /* The leader makes the chain, wakes the waiter and exits, and this
     * goroutine is woken last: first in line, ahead of the waiter. */
    gort_chan_send(sfr_gate, NULL);
    gort_waitgroup_wait(&sfr_leader_done);
    first_end = gort__mstats_num_gc() + 1;
    gort_gc(); /* the first collection must end before the waiter runs */
    bool early = started_early(&sfr_returned);
    for (int k = 1; k < COLLECTIONS; k++)
      gort_gc();
    gort_waitgroup_wait(&sfr_waiter_done);
    /* A waiter that came too late to join ran a call of its own. */
    if (atomic_load(&sfr_shared)) {
      CHECK(atomic_load(&sfr_ok));
      if (!early) {
        CHECK_EQ(held, base + 1); /* the call */
        clean++;
      }
    }
    CHECK_EQ(gort__gc_roots_registered(), base);
    CHECK_GOROUTINES_SETTLE(1);
    gort_gc();
    CHECK_RECLAIMED(&sfr_rec);
  }
  CHECK(clean > 0 || attempts_may_all_spoil());
  gort_chan_free(sfr_gate);
  gort_singleflight_free(sfr_group);
  return 0;
}

/* ---- gcroots_singleflight_chan: a DoChan result in its channel --------- */

static struct record sfc_rec;
static gort_chan *sfc_result;

static int sfc_fn(void *arg, void **val) {
  (void)arg;
  *val = make_chain(&sfc_rec, 6);
  return 0;
}

static void sfc_make(void *p) {
  gort_singleflight *g = p;
  sfc_result = gort_singleflight_do_chan(g, "key", sfc_fn, NULL);
  CHECK(sfc_result != NULL);
}

static void sfc_receive(void *p) {
  (void)p;
  gort_singleflight_result r;
  CHECK(gort_chan_recv(sfc_result, &r));
  CHECK(chain_intact(r.val, &sfc_rec));
}

TEST_IMPL(gcroots_singleflight_chan) {
  gort_singleflight *g = gort_singleflight_new();
  size_t base = gort__gc_roots_registered();
  run_in_goroutine(sfc_make, g);
  /* The leader runs, sends and lets go of its call. */
  for (int i = 0; i < 1000000 && gort__gc_roots_registered() != base + 1; i++)
    gort_yield();
  CHECK_EQ(gort_chan_len(sfc_result), 1);
  CHECK_EQ(gort__gc_roots_registered(), base + 1); /* the channel's */
  CHECK_GOROUTINES_SETTLE(1);
  collect();
  CHECK(intact(&sfc_rec));
  run_in_goroutine(sfc_receive, NULL);
  gort_gc(); /* the slot was cleared by the receive */
  CHECK_RECLAIMED(&sfc_rec);
  gort_chan_free(sfc_result);
  CHECK_EQ(gort__gc_roots_registered(), base);
  gort_singleflight_free(g);
  return 0;
}

/* ---- gcroots_ctx_value: a value context's value ------------------------ */

static struct record ctxv_rec;
static int ctxv_key;
static gort_ctx *ctxv;

static void ctxv_make(void *p) {
  (void)p;
  ctxv = gort_ctx_with_value(gort_ctx_background(), &ctxv_key,
                             make_chain(&ctxv_rec, 7));
  CHECK(ctxv != NULL);
}

static void ctxv_check(void *p) {
  (void)p;
  CHECK(chain_intact(gort_ctx_value(ctxv, &ctxv_key), &ctxv_rec));
}

TEST_IMPL(gcroots_ctx_value) {
  size_t base = gort__gc_roots_registered();
  run_in_goroutine(ctxv_make, NULL);
  CHECK_EQ(gort__gc_roots_registered(), base + 1);
  collect();
  run_in_goroutine(ctxv_check, NULL);
  /* A child keeps its parent, and so the value. */
  gort_ctx *child = gort_ctx_with_cancel(ctxv);
  gort_ctx_release(ctxv);
  collect();
  CHECK(intact(&ctxv_rec));
  gort_ctx_release(child);
  CHECK_EQ(gort__gc_roots_registered(), base);
  gort_gc();
  CHECK_RECLAIMED(&ctxv_rec);
  return 0;
}

/* ---- gcroots_ctx_after_func: a context AfterFunc's argument ------------ */

static struct record ctxa_rec;
static gort_ctx *ctxa_parent;
static gort_ctx_afterfunc *ctxa;
static gort_waitgroup ctxa_ran = GORT_WAITGROUP_INIT;
static _Atomic bool ctxa_ok;

static void ctxa_fn(void *arg) {
  atomic_store(&ctxa_ok, chain_intact(arg, &ctxa_rec));
  gort_waitgroup_done(&ctxa_ran);
}

static void ctxa_make(void *p) {
  (void)p;
  ctxa = gort_ctx_after_func(ctxa_parent, ctxa_fn, make_chain(&ctxa_rec, 8));
  CHECK(ctxa != NULL);
}

TEST_IMPL(gcroots_ctx_after_func) {
  ctxa_parent = gort_ctx_with_cancel(gort_ctx_background());
  size_t base = gort__gc_roots_registered();
  run_in_goroutine(ctxa_make, NULL);
  CHECK_EQ(gort__gc_roots_registered(), base + 1);
  collect();
  CHECK(intact(&ctxa_rec));
  gort_waitgroup_add(&ctxa_ran, 1);
  gort_ctx_cancel(ctxa_parent);
  gort_waitgroup_wait(&ctxa_ran);
  CHECK(atomic_load(&ctxa_ok));
  /* Until the handle is given back the registration holds the argument;
   * then it is freed and lets go. */
  gort_ctx_after_func_detach(ctxa);
  CHECK_EQ(gort__gc_roots_registered(), base);
  gort_ctx_release(ctxa_parent);
  CHECK_GOROUTINES_SETTLE(1);
  gort_gc();
  CHECK_RECLAIMED(&ctxa_rec);
  /* A stopped registration lets go as well. */
  ctxa_parent = gort_ctx_with_cancel(gort_ctx_background());
  run_in_goroutine(ctxa_make, NULL);
  CHECK_EQ(gort__gc_roots_registered(), base + 1);
  collect();
  CHECK(intact(&ctxa_rec));
  CHECK(gort_ctx_after_func_stop(ctxa));
  CHECK_EQ(gort__gc_roots_registered(), base);
  gort_gc();
  CHECK_RECLAIMED(&ctxa_rec);
  gort_ctx_release(ctxa_parent);
  return 0;
}

/* ---- gcroots_chan_buffer: values waiting in a buffer ------------------- */

static struct record chb_rec;
static gort_chan *chb;

static void chb_send(void *p) {
  (void)p;
  struct link *head = make_chain(&chb_rec, 9);
  gort_chan_send(chb, &head);
}

static void chb_receive(void *p) {
  (void)p;
  struct link *head = NULL;
  CHECK(gort_chan_recv(chb, &head));
  CHECK(chain_intact(head, &chb_rec));
}

TEST_IMPL(gcroots_chan_buffer) {
  size_t base = gort__gc_roots_registered();
  /* Elements too small for a pointer, and unbuffered channels: no root. */
  gort_chan *small = gort_chan_make(sizeof(uint16_t), 8);
  gort_chan *unbuf = gort_chan_make(sizeof(void *), 0);
  CHECK_EQ(gort__gc_roots_registered(), base);
  gort_chan_free(small);
  gort_chan_free(unbuf);
  chb = gort_chan_make(sizeof(struct link *), 4);
  CHECK_EQ(gort__gc_roots_registered(), base + 1);
  run_in_goroutine(chb_send, NULL);
  collect();
  CHECK(intact(&chb_rec));
  run_in_goroutine(chb_receive, NULL);
  gort_gc(); /* the slot was cleared by the receive */
  CHECK_RECLAIMED(&chb_rec);
  gort_chan_free(chb);
  CHECK_EQ(gort__gc_roots_registered(), base);
  return 0;
}

/* ---- gcroots_in_flight: values held by parked senders and receivers ----
 * A value being sent stays in the sender's frame (its sudog points there)
 * until a receiver copies it; a receiver's destination is in its own
 * frame or reached from it. Nothing is registered: the parked goroutines'
 * stacks are scanned. Cases: an unbuffered send, a send to a full buffer,
 * a select of more cases than fit on the stack (its sudogs are in C
 * memory, pointing at the values in the sender's frame), and a receiver
 * whose destination is a GC object only its frame reaches. */

enum { WIDE = 20 };
static struct record fl_rec[4];
static gort_chan *fl_unbuf, *fl_full, *fl_wide[WIDE], *fl_dest, *fl_release;
static gort_waitgroup fl_done = GORT_WAITGROUP_INIT;

static void fl_send_unbuffered(void *p) {
  (void)p;
  struct link *head = make_chain(&fl_rec[0], 10);
  gort_chan_send(fl_unbuf, &head);
  gort_waitgroup_done(&fl_done);
}

static void fl_send_full(void *p) {
  (void)p;
  struct link *head = make_chain(&fl_rec[1], 11);
  gort_chan_send(fl_full, &head);
  gort_waitgroup_done(&fl_done);
}

static void fl_send_select(void *p) {
  (void)p;
  struct link *head = make_chain(&fl_rec[2], 12);
  gort_select_case cases[WIDE];
  for (int i = 0; i < WIDE; i++)
    cases[i] = (gort_select_case){fl_wide[i], GORT_SELECT_SEND, &head,
                                  sizeof head, false};
  CHECK_EQ(gort_select(cases, WIDE, true), WIDE - 1);
  gort_waitgroup_done(&fl_done);
}

static void fl_receive(void *p) {
  (void)p;
  struct link **dest = gort_alloc(sizeof *dest);
  CHECK(gort_chan_recv(fl_dest, dest));
  /* Woken with the value in *dest: only this frame reaches it. */
  gort_chan_recv(fl_release, NULL); /* parked again until released */
  CHECK(chain_intact(*dest, &fl_rec[3]));
  gort_waitgroup_done(&fl_done);
}

static void fl_send_to_receiver(void *p) {
  (void)p;
  struct link *head = make_chain(&fl_rec[3], 13);
  gort_chan_send(fl_dest, &head);
}

static void fl_take(void *p) {
  gort_chan *c = p;
  struct link *head = NULL;
  CHECK(gort_chan_recv(c, &head));
  const struct record *rec = c == fl_unbuf  ? &fl_rec[0]
                             : c == fl_full ? &fl_rec[1]
                                            : &fl_rec[2];
  CHECK(chain_intact(head, rec));
}

TEST_IMPL(gcroots_in_flight) {
  gort_set_maxprocs(1);
  fl_unbuf = gort_chan_make(sizeof(struct link *), 0);
  fl_full = gort_chan_make(sizeof(struct link *), 1);
  fl_dest = gort_chan_make(sizeof(struct link *), 0);
  fl_release = gort_chan_make(0, 0);
  for (int i = 0; i < WIDE; i++)
    fl_wide[i] = gort_chan_make(sizeof(struct link *), 0);
  struct link *nothing = NULL;
  gort_chan_send(fl_full, &nothing); /* full */
  size_t base = gort__gc_roots_registered();
  gort_waitgroup_add(&fl_done, 4);
  CHECK_EQ(gort_go(fl_send_unbuffered, NULL), 0);
  CHECK_EQ(gort_go(fl_send_full, NULL), 0);
  CHECK_EQ(gort_go(fl_send_select, NULL), 0);
  CHECK_EQ(gort_go(fl_receive, NULL), 0);
  run_in_goroutine(fl_send_to_receiver, NULL);
  for (int i = 0; i < 20; i++)
    gort_yield(); /* every sender parked, the receiver parked again */
  CHECK_EQ(gort__gc_roots_registered(), base);
  collect();
  for (int i = 0; i < 3; i++)
    CHECK(intact(&fl_rec[i]));
  CHECK(intact(&fl_rec[3]));
  run_in_goroutine(fl_take, fl_unbuf);
  CHECK(gort_chan_recv(fl_full, &nothing) && nothing == NULL);
  run_in_goroutine(fl_take, fl_full);
  run_in_goroutine(fl_take, fl_wide[WIDE - 1]);
  gort_chan_send(fl_release, NULL); /* releases the receiver */
  gort_waitgroup_wait(&fl_done);
  CHECK_GOROUTINES_SETTLE(1);
  gort_gc();
  for (int i = 0; i < 4; i++)
    CHECK_RECLAIMED(&fl_rec[i]);
  gort_chan_free(fl_unbuf);
  gort_chan_free(fl_full);
  gort_chan_free(fl_dest);
  gort_chan_free(fl_release);
  for (int i = 0; i < WIDE; i++)
    gort_chan_free(fl_wide[i]);
  return 0;
}

/* ---- the registry's own checks ----------------------------------------- */

TEST_IMPL(crash_gcroots_registered_twice) {
  static uint64_t words[2];
  static struct gc_root r;
  gort__gc_root_add(&r, words, words + 2);
  gort__gc_root_add(&r, words, words + 2);
  return 1;
}

TEST_IMPL(crash_gcroots_removed_unregistered) {
  static struct gc_root r;
  gort__gc_root_remove(&r);
  return 1;
}

/* ---- gcroots_parked_saved_state: what a parked goroutine keeps beside
 * its stack -----------------------------------------------------------
 *
 * The collector scans a parked goroutine's stack from its saved sp up and
 * the state its switch saved outside the stack: nothing natively (the
 * registers are pushed on the stack); on wasm its Asyncify data, the wasm
 * locals of its call chain, kept in a buffer sized to it
 * (runtime/arch/wasm/context_wasm.c). PARKED goroutines park in a channel
 * receive; their saved bytes are summed from their contexts. The issue
 * that brought the right-sized buffers (15) measured 48-256 bytes a parked
 * goroutine; a fixed 16 KiB buffer was its alternative. */

enum { PARKED = 1000 };

static void park_in_recv(void *p) { gort_chan_recv(p, NULL); }

TEST_IMPL(gcroots_parked_saved_state) {
  gort_chan *never = gort_chan_make(0, 0);
  for (int i = 0; i < PARKED; i++)
    CHECK(gort_go(park_in_recv, never) == 0);
  size_t total = 0, most = 0;
  int parked = 0;
  for (int round = 0; round < 100000 && parked < PARKED; round++) {
    gort_yield();
    parked = 0;
    total = most = 0;
    gort__lock(&gort__allglock);
    for (size_t i = 0; i < gort__allglen; i++) {
      struct g *gp = gort__allgs[i];
      if (gp->fn != park_in_recv || gort__readgstatus(gp) != G_WAITING)
        continue;
      size_t n;
      (void)gort__context_saved_data(&gp->ctx, &n);
      total += n;
      most = n > most ? n : most;
      parked++;
    }
    gort__unlock(&gort__allglock);
  }
  CHECK_EQ(parked, PARKED);
  printf("%s: %zu bytes saved a parked goroutine on average, %zu at most\n",
         gort__context_backend, total / PARKED, most);
  if (strcmp(gort__context_backend, "wasm-asyncify") == 0) {
    CHECK(total / PARKED > 0);
    CHECK(most <= 1024);
  } else {
    CHECK_EQ(total, 0);
  }
  gort_chan_close(never);
  return 0;
}

/* ---- sched_thread_context_never_saved: an M's own stack (g0) is never
 * unwound ------------------------------------------------------------
 *
 * On wasm a switch away from a goroutine unwinds its call chain into a
 * buffer; a thread's own context, g0, is switched from only by
 * gort__context_run_from_thread, which runs goroutines from a loop above
 * g0's frames instead of unwinding them (runtime/arch/wasm/context_wasm.c),
 * so a round trip through the scheduler is one unwind and one rewind, not
 * two of each. Goroutines here go through g0 (gort_yield: Go's Gosched)
 * and switch directly (a channel hand-off) many times on two Ps; then no
 * M's g0 may hold saved state: natively none ever does, and on wasm one
 * unwound even once would. */

enum { THREAD_CTX_ROUNDS = 2000 };

static void thread_ctx_ping(void *p) {
  gort_chan **ch = p;
  int64_t v = 0;
  for (int i = 0; i < THREAD_CTX_ROUNDS; i++) {
    gort_yield();
    gort_chan_send(ch[0], &v);
    gort_chan_recv(ch[1], &v);
  }
  gort_chan_close(ch[2]);
}

static void thread_ctx_pong(void *p) {
  gort_chan **ch = p;
  int64_t v;
  for (int i = 0; i < THREAD_CTX_ROUNDS; i++) {
    gort_chan_recv(ch[0], &v);
    gort_yield();
    gort_chan_send(ch[1], &v);
  }
}

TEST_IMPL(sched_thread_context_never_saved) {
  static gort_chan *ch[3];
  for (int i = 0; i < 3; i++)
    ch[i] = gort_chan_make(sizeof(int64_t), 0);
  CHECK(gort_go(thread_ctx_ping, ch) == 0);
  CHECK(gort_go(thread_ctx_pong, ch) == 0);
  gort_chan_recv(ch[2], NULL); /* closed when the rounds are done */
  int ms = 0, saved = 0;
  gort__lock(&gort__sched.lock);
  for (struct m *mp = gort__sched.allm; mp; mp = mp->alllink) {
    size_t n;
    (void)gort__context_saved_data(&mp->g0.ctx, &n);
    saved += n != 0;
    ms++;
  }
  gort__unlock(&gort__sched.lock);
  printf("%s: %d Ms, %d with a saved g0\n", gort__context_backend, ms, saved);
  CHECK(ms >= 1);
  CHECK_EQ(saved, 0);
  return 0;
}
