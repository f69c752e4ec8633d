/*
 * test-gmp.c - the G-M-P scheduler (issue 4): stealing, fairness of the
 * global queue, preemption, blocking calls, GOMAXPROCS changes, schedtrace
 * and the fatal paths with many Ps; the lazy wake's sysmon backstop
 * (issue 15).
 *
 * Timing: nothing here asserts a duration. Where a test needs something
 * to happen "while" another thing runs, the other thing waits for it (with
 * a generous cap, so a broken scheduler fails instead of hanging).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debug/sched_stats.h"
#include "sched/runtime2.h"

#include "test.h"

/* ~work units of pure arithmetic, opaque to the optimiser. */
static uint64_t spin_work(uint64_t x, int units) {
  for (int i = 0; i < units * 1000; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
  }
  return x;
}

static struct gort_sched_stats stats(void) {
  struct gort_sched_stats st;
  CHECK(gort_sched_stats(&st) == 0);
  return st;
}

/* ---- gmp_steal_happens: one goroutine makes all the work --------------
 * Run with asynchronous preemption off (test-list.h): the producer puts
 * 100 tasks on its own P's ring (no overflow to the global queue) and then
 * spins without a safe point, so its P never runs them: they can only run
 * if another P steals them. */

struct task_set {
  gort_waitgroup wg;
  _Atomic uint64_t sum;
  _Atomic int done;
};

static void task(void *p) {
  struct task_set *t = p;
  atomic_fetch_add(&t->sum, spin_work(7, 20) & 1);
  atomic_fetch_add(&t->done, 1);
}

static void producer(void *p) {
  struct task_set *t = p;
  for (int i = 0; i < 100; i++)
    CHECK(gort_go(task, t) == 0);
  int64_t t0 = gort_nanotime();
  while (atomic_load(&t->done) < 100 &&
         gort_nanotime() - t0 < 20 * 1000 * 1000 * 1000ll) {
  }
  gort_waitgroup_done(&t->wg);
}

TEST_IMPL(gmp_steal_happens) {
  static struct task_set t;
  gort_set_maxprocs(2);
  gort_waitgroup_add(&t.wg, 1);
  gort_go(producer, &t);
  gort_waitgroup_wait(&t.wg);
  CHECK_EQ(atomic_load(&t.done), 100);
  struct gort_sched_stats st = stats();
  CHECK(st.steals > 0);
  CHECK(st.threads >= 2);
  return 0;
}

/* ---- gmp_global_queue_not_starved --------------------------------------
 * With one P, a chain of goroutines each starting the next runs through
 * runnext and inherits one time slice; a goroutine waiting on the global
 * queue must still run (the 61st-tick check, and sysmon's preemption of
 * the inherited slice). */

static _Atomic int global_ran;
static _Atomic int64_t chain_len;

static void chain(void *p) {
  (void)p;
  if (atomic_load(&global_ran))
    return;
  if (atomic_fetch_add(&chain_len, 1) < 50 * 1000 * 1000)
    gort_go(chain, NULL);
}

static void on_global_queue(void *p) {
  (void)p;
  gort_yield(); /* to the global queue */
  atomic_store(&global_ran, 1);
}

TEST_IMPL(gmp_global_queue_not_starved) {
  gort_set_maxprocs(1);
  gort_go(on_global_queue, NULL);
  gort_yield(); /* let it queue itself globally */
  gort_go(chain, NULL);
  while (!atomic_load(&global_ran) &&
         atomic_load(&chain_len) < 50 * 1000 * 1000)
    gort_yield();
  CHECK(atomic_load(&global_ran));
  CHECK(atomic_load(&chain_len) < 50 * 1000 * 1000);
  return 0;
}

/* ---- gmp_pingpong_chain_not_starved --------------------------------------
 * The same with two goroutines that hand the P to each other forever
 * through an unbuffered channel (each readies the other into runnext, then
 * parks): sysmon must end their shared slice, so that a goroutine on the
 * global queue runs. The mechanism needs ~20 ms a trip (0.5 s for the 20
 * trips here, 0.7 s under qemu), but sysmon is a thread of its own and
 * npm test runs several suites at once on 2 cores, so the bound is 60 s.
 * Without the mechanism main waited minutes for its first trip back, and
 * the test fails by the runner's timeout. Once a signal preempted the
 * pair, main could land in the P's ring instead (a global-queue batch),
 * where a later slice's end did not reach it: trips of 0.4-1 s under
 * qemu, 11 s natively in one CI run; the next test pins that case. */

static gort_chan *ping_c, *pong_c;
static _Atomic int chain_stop;

static void chain_pinger(void *p) {
  (void)p;
  int64_t v = 0;
  while (!atomic_load(&chain_stop)) {
    gort_chan_send(ping_c, &v);
    gort_chan_recv(pong_c, &v);
  }
  v = -1;
  gort_chan_send(ping_c, &v);
}

static void chain_ponger(void *p) {
  (void)p;
  int64_t v = 0;
  for (;;) {
    gort_chan_recv(ping_c, &v);
    if (v < 0)
      return;
    v++;
    gort_chan_send(pong_c, &v);
  }
}

TEST_IMPL(gmp_pingpong_chain_not_starved) {
  gort_set_maxprocs(1);
  ping_c = gort_chan_make(sizeof(int64_t), 0);
  pong_c = gort_chan_make(sizeof(int64_t), 0);
  gort_go(chain_ponger, NULL);
  gort_go(chain_pinger, NULL);
  int64_t t0 = gort_nanotime();
  /* main goes to the global queue each time; the pair keeps the P. */
  while (gort_nanotime() - t0 < 100 * 1000 * 1000)
    gort_yield();
  int64_t rounds_back = 0;
  t0 = gort_nanotime();
  while (rounds_back < 20 && gort_nanotime() - t0 < 120000 * 1000 * 1000ll) {
    gort_yield();
    rounds_back++;
  }
  int64_t took = gort_nanotime() - t0;
  atomic_store(&chain_stop, 1);
  CHECK_EQ(rounds_back, 20);
  /* 20 trips through the global queue, each waiting for sysmon to end the
   * pair's slice (10 ms, plus its backoff, plus the machine's load). */
  CHECK(took < 60000 * 1000 * 1000ll);
  return 0;
}

/* ---- gmp_ring_not_starved_by_runnext_pair --------------------------------
 * The same pair, with the starved G in the P's ring rather than on the
 * global queue: main is readied into runnext and at once pushed to the
 * ring's tail when the pinger readies its partner. The pair then keeps
 * runnext forever and inherits one slice; when sysmon ends it, runnext must
 * lose its place ahead of the ring. (Seen in CI: a G moved to the ring by a
 * global-queue batch waited minutes; 11 s a trip natively under load.)
 * Set up without races: one P, and the pinger readies main only while
 * ponger waits in its receive (phase "A" of the ping-pong: the ponger
 * started first and spawned the pinger). Asynchronous preemption is off
 * (test-list.h): a signal landing in the pair's own code sends one of them
 * to the global queue and lets main in by luck; this tests the
 * cooperative path, which is all wasm has. */

static gort_chan *ring_c;
static _Atomic int ring_main_waiting, ring_rounds_sent;
enum { RING_ROUNDS = 5 };

static void ring_pinger(void *p) {
  (void)p;
  int64_t v = 0;
  while (!atomic_load(&chain_stop)) {
    /* Top of the loop: the ponger waits in recv(ping_c), runnext is
     * empty. Ready main (runnext), then the ponger (runnext; main goes
     * to the ring's tail), then park and hand over to the ponger. */
    if (atomic_exchange(&ring_main_waiting, 0)) {
      atomic_fetch_add(&ring_rounds_sent, 1);
      gort_chan_send(ring_c, &v);
    }
    gort_chan_send(ping_c, &v);
    gort_chan_recv(pong_c, &v);
  }
  v = -1;
  gort_chan_send(ping_c, &v);
}

static void ring_ponger(void *p) {
  (void)p;
  gort_go(ring_pinger, NULL);
  chain_ponger(NULL);
}

TEST_IMPL(gmp_ring_not_starved_by_runnext_pair) {
  gort_set_maxprocs(1);
  ping_c = gort_chan_make(sizeof(int64_t), 0);
  pong_c = gort_chan_make(sizeof(int64_t), 0);
  ring_c = gort_chan_make(sizeof(int64_t), 0);
  gort_go(ring_ponger, NULL);
  int64_t t0 = gort_nanotime();
  for (int r = 0; r < RING_ROUNDS; r++) {
    int64_t v;
    /* One P: the pinger runs only once main has parked below. */
    atomic_store(&ring_main_waiting, 1);
    gort_chan_recv(ring_c, &v);
  }
  int64_t took = gort_nanotime() - t0;
  atomic_store(&chain_stop, 1);
  CHECK_EQ(atomic_load(&ring_rounds_sent), RING_ROUNDS);
  /* Each round waits for sysmon to end the pair's slice (~10-20 ms); the
   * bound allows for a loaded machine. Without the fix main never ran
   * again, and the test failed by the runner's timeout. */
  CHECK(took < 60000 * 1000 * 1000ll);
  return 0;
}

/* ---- gmp_tight_loop_preempted ------------------------------------------- */

static volatile int stop_spinning;
static volatile uint64_t spun;

static void tight_loop(void *p) {
  (void)p;
  while (!stop_spinning)
    spun++; /* no call, no safe point */
}

TEST_IMPL(gmp_tight_loop_preempted) {
  gort_set_maxprocs(1);
  gort_go(tight_loop, NULL);
  /* Once the spinner has the only P, only a signal gets us back here. */
  while (spun == 0)
    gort_yield();
  stop_spinning = 1;
  CHECK(stats().async_preempts > 0);
  return 0;
}

/* ---- gmp_preempt_keeps_registers ----------------------------------------
 * Goroutines with many live integer and floating-point values in
 * registers are preempted again and again; their results must equal the
 * same computation done without interruption. */

struct reg_job {
  uint64_t iters;
  uint64_t ires;
  double fres;
  gort_waitgroup *wg;
};

static void compute(uint64_t iters, uint64_t *ires, double *fres) {
  uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6;
  double x = 1.0, y = 0.5, z = 0.25, w = 0.125;
  for (uint64_t i = 0; i < iters; i++) {
    a += b ^ i;
    b = (b << 1 | b >> 63) + c;
    c ^= d * 3;
    d += e >> 1;
    e = e * 5 + f;
    f ^= a;
    x = x * 0.999 + y;
    y = y * 0.998 + z;
    z = z * 0.997 + w;
    w = w * 0.996 + 1e-9 * (double)(i & 1023);
  }
  *ires = a ^ b ^ c ^ d ^ e ^ f;
  *fres = x + y + z + w;
}

static void reg_worker(void *p) {
  struct reg_job *j = p;
  compute(j->iters, &j->ires, &j->fres);
  gort_waitgroup_done(j->wg);
}

TEST_IMPL(gmp_preempt_keeps_registers) {
  gort_set_maxprocs(1);
  const uint64_t iters = STRESS(300, 100) * 1000 * 1000ull;
  uint64_t want_i;
  double want_f;
  compute(iters, &want_i, &want_f);
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  struct reg_job jobs[3];
  gort_waitgroup_add(&wg, 3);
  for (int i = 0; i < 3; i++) {
    jobs[i] = (struct reg_job){iters, 0, 0, &wg};
    gort_go(reg_worker, &jobs[i]);
  }
  gort_waitgroup_wait(&wg);
  for (int i = 0; i < 3; i++) {
    CHECK(jobs[i].ires == want_i);
    CHECK(memcmp(&jobs[i].fres, &want_f, sizeof want_f) == 0);
  }
  CHECK(stats().async_preempts >= 3);
  return 0;
}

/* ---- gmp_million_complete ----------------------------------------------- */

static void count_one(void *p) {
  struct task_set *t = p;
  atomic_fetch_add_explicit(&t->sum, 1, memory_order_relaxed);
  gort_waitgroup_done(&t->wg);
}

TEST_IMPL(gmp_million_complete) {
  static struct task_set t;
  const int n = ALIVE(1000000, 100000);
  gort_set_maxprocs(2);
  gort_waitgroup_add(&t.wg, n);
  for (int i = 0; i < n; i++)
    CHECK(gort_go(count_one, &t) == 0);
  gort_waitgroup_wait(&t.wg);
  CHECK_EQ(atomic_load(&t.sum), n);
  CHECK_GOROUTINES_SETTLE(1);
  return 0;
}

/* ---- gmp_set_maxprocs_while_running ------------------------------------- */

struct busy {
  _Atomic int stop;
  _Atomic int64_t work;
  gort_waitgroup wg;
};

static void busy_worker(void *p) {
  struct busy *b = p;
  while (!atomic_load(&b->stop)) {
    spin_work(3, 1);
    atomic_fetch_add(&b->work, 1);
    gort_preempt_check();
  }
  gort_waitgroup_done(&b->wg);
}

static void wait_for_progress(struct busy *b) {
  int64_t before = atomic_load(&b->work);
  while (atomic_load(&b->work) < before + 100)
    gort_yield();
}

TEST_IMPL(gmp_set_maxprocs_while_running) {
  static struct busy b;
  gort_set_maxprocs(2);
  gort_waitgroup_add(&b.wg, 8);
  for (int i = 0; i < 8; i++)
    gort_go(busy_worker, &b);
  const int sizes[] = {1, 4, 3, 1, 2};
  int prev = 2;
  for (int i = 0; i < 5; i++) {
    wait_for_progress(&b);
    CHECK_EQ(gort_set_maxprocs(sizes[i]), prev);
    CHECK_EQ(gort_maxprocs(), sizes[i]);
    CHECK_EQ(stats().gomaxprocs, sizes[i]);
    prev = sizes[i];
  }
  wait_for_progress(&b);
  CHECK_EQ(gort_set_maxprocs(0), prev); /* a query */
  CHECK_EQ(gort_set_maxprocs(5000), GORT_EINVAL);
  atomic_store(&b.stop, 1);
  gort_waitgroup_wait(&b.wg);
  return 0;
}

/* ---- gmp_syscall_handoff ------------------------------------------------
 * One P. A goroutine blocks in a C call for 300 ms; others must run on the
 * P it handed off meanwhile. */

static _Atomic int blocked_done;
static _Atomic int64_t ran_while_blocked;

static void blocking_call(void *p) {
  gort_syscall_enter();
  struct timespec ts = {0, 300 * 1000 * 1000};
  nanosleep(&ts, NULL);
  gort_syscall_exit();
  atomic_store(&blocked_done, 1);
  gort_waitgroup_done(p);
}

TEST_IMPL(gmp_syscall_handoff) {
  gort_set_maxprocs(1);
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, 1);
  gort_go(blocking_call, &wg);
  gort_yield(); /* it runs and blocks, holding the only P */
  while (!atomic_load(&blocked_done)) {
    atomic_fetch_add(&ran_while_blocked, 1);
    gort_yield();
  }
  gort_waitgroup_wait(&wg);
  CHECK(atomic_load(&ran_while_blocked) > 0);
  return 0;
}

/* ---- gmp_schedtrace ----------------------------------------------------- */

TEST_IMPL(gmp_schedtrace) {
  /* GORT_DEBUG=schedtrace=5: sysmon prints a SCHED line every 5 ms; keep
   * running until it printed two (however busy the machine is), 60 s at
   * most. */
  int64_t t0 = gort_nanotime();
  while (atomic_load(&gort__schedtrace_lines) < 2 &&
         gort_nanotime() - t0 < 60 * 1000 * 1000 * 1000ll)
    gort_sleep(1000 * 1000);
  CHECK(atomic_load(&gort__schedtrace_lines) >= 2);
  return 0;
}

/* ---- gmp_maxprocs_env --------------------------------------------------- */

TEST_IMPL(gmp_maxprocs_env) {
  CHECK_EQ(gort_maxprocs(), 3); /* GORT_MAXPROCS=3 */
  CHECK_EQ(stats().gomaxprocs, 3);
  return 0;
}

/* ---- crash cases -------------------------------------------------------- */

static void block_on(void *p) { gort_waitgroup_wait(p); }

TEST_IMPL(crash_deadlock_many_procs) {
  static gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, 1);
  for (int i = 0; i < 10; i++)
    gort_go(block_on, &wg);
  gort_waitgroup_wait(&wg);
  return 1;
}

TEST_IMPL(crash_sigquit_dump) {
  static gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, 1);
  gort_go(block_on, &wg);
  gort_yield();
  raise(SIGQUIT);
  return 1;
}

TEST_IMPL(crash_bad_maxprocs) { return 1; /* GORT_MAXPROCS=0 dies first */ }

/* ---- gmp_lazy_wake_readier_keeps_running (issue 15) --------------------
 * Lazy wake (sched/proc.c): a ready into an otherwise empty P may skip
 * waking an idle M, betting that the readier parks soon and runs the
 * readied G itself. Here it does not: it spins without a safe point
 * (asynchronous preemption off, test-list.h), so the readied G can only
 * run on the other P. With lazywake=1 sysmon must do the deferred wake
 * (without it this spins until the cap and fails); with lazywake=0 the
 * ready wakes an M at once, as Go's does. The waiter is seen parked on
 * the channel before the send, so the send readies it into runnext, and
 * the send waits until no M spins and the other P is idle (the yields
 * woke one), so that only a wake can bring an M to it. */

static struct g *_Atomic lazy_waiter;
static _Atomic int lazy_ran;

static void lazy_wait(void *p) {
  atomic_store(&lazy_waiter, gort__getg());
  int64_t v = 0;
  CHECK(gort_chan_recv(p, &v));
  CHECK_EQ(v, 1);
  atomic_store(&lazy_ran, 1);
}

static void readier_keeps_running(void) {
  gort_chan *c = gort_chan_make(sizeof(int64_t), 0);
  CHECK(c != NULL);
  CHECK(gort_go(lazy_wait, c) == 0);
  struct g *w;
  while ((w = atomic_load(&lazy_waiter)) == NULL ||
         gort__readgstatus(w) != G_WAITING)
    gort_yield();
  int64_t t0 = gort_nanotime();
  while ((atomic_load(&gort__sched.nmspinning) != 0 ||
          atomic_load(&gort__sched.npidle) != 1) &&
         gort_nanotime() - t0 < 20 * 1000 * 1000 * 1000ll) {
  }
  CHECK_EQ(atomic_load(&gort__sched.npidle), 1);
  int64_t v = 1;
  gort_chan_send(c, &v); /* w goes to this P's runnext */
  t0 = gort_nanotime();
  while (!atomic_load(&lazy_ran) &&
         gort_nanotime() - t0 < 20 * 1000 * 1000 * 1000ll) {
  }
  CHECK(atomic_load(&lazy_ran));
}

TEST_IMPL(gmp_lazy_wake_readier_keeps_running) {
  CHECK(gort__sched.lazy_wake);
  readier_keeps_running();
  return 0;
}

TEST_IMPL(gmp_eager_wake_readier_keeps_running) {
  CHECK(!gort__sched.lazy_wake);
  readier_keeps_running();
  return 0;
}
