/*
 * test-preempt.c - asynchronous preemption may stop only user code.
 *
 * The hang of issue 10 item 1: a goroutine holding a channel lock called
 * memcpy through the executable's PLT stub, which lies outside the
 * runtime's gort_text section; the preemption signal took the stub for
 * user code and parked the goroutine with the lock held, and every M then
 * waited on that lock. Three cases guard against it:
 *   preempt_plt_is_not_user_code    the classifier refuses PLT stubs, .init
 *                                   and .fini, the runtime, and accepts the
 *                                   program's own functions (deterministic);
 *   preempt_refused_with_lock_held  a goroutine that holds a runtime lock
 *                                   (m->locks > 0) is never stopped, even at
 *                                   a user pc (deterministic);
 *   preempt_storm_runtime_calls     a thread that asks every P to yield
 *                                   every few microseconds while goroutines
 *                                   hammer channels, select, mutexes and
 *                                   timers with elements big enough to be
 *                                   copied by memcpy: before the fix it hung
 *                                   or died within seconds.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/os.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "test.h"

/* ---- preempt_plt_is_not_user_code --------------------------------------
 * A jump to memcpy through the PLT, assembled here, tells us where the
 * executable's PLT stub for memcpy is: decode the jump's target. */
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl gort_test_plt_jump\n"
        ".type gort_test_plt_jump,@function\n"
        "gort_test_plt_jump:\n"
        "  jmp memcpy@PLT\n"
        ".size gort_test_plt_jump, .-gort_test_plt_jump\n");
void gort_test_plt_jump(void);
static uintptr_t plt_stub_of_memcpy(void) {
  const unsigned char *p = (const unsigned char *)(uintptr_t)gort_test_plt_jump;
  if (p[0] != 0xe9)
    return 0;
  int32_t rel;
  memcpy(&rel, p + 1, sizeof rel);
  return (uintptr_t)p + 5 + (intptr_t)rel;
}
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl gort_test_plt_jump\n"
        ".type gort_test_plt_jump,%function\n"
        "gort_test_plt_jump:\n"
        "  b memcpy\n"
        ".size gort_test_plt_jump, .-gort_test_plt_jump\n");
void gort_test_plt_jump(void);
static uintptr_t plt_stub_of_memcpy(void) {
  uint32_t insn;
  memcpy(&insn, (const void *)(uintptr_t)gort_test_plt_jump, sizeof insn);
  if ((insn & 0xfc000000u) != 0x14000000u)
    return 0;
  int64_t off = (int64_t)(insn & 0x03ffffffu);
  if (off & 0x02000000)
    off -= 0x04000000;
  return (uintptr_t)gort_test_plt_jump + (uintptr_t)(off * 4);
}
#else
static uintptr_t plt_stub_of_memcpy(void) { return 0; }
#endif

#if defined(__x86_64__) || defined(__aarch64__)
/* crti.o's entry points of .init and .fini. */
extern void _init(void);
extern void _fini(void);
#define INIT_FINI_KNOWN 1
#endif

static int a_user_function(int x) { return x * 3 + 1; }

TEST_IMPL(preempt_plt_is_not_user_code) {
  CHECK(gort__async_preempt_enabled());
  uintptr_t user = (uintptr_t)a_user_function;
  CHECK(a_user_function(1) == 4);
  CHECK(gort__os_pc_in_user_code(user));
  CHECK(gort__os_pc_in_user_code(user + 4));
  /* The runtime's own code. */
  CHECK(!gort__os_pc_in_user_code((uintptr_t)gort_chan_send));
  CHECK(!gort__os_pc_in_user_code((uintptr_t)gort__lock));
  /* libc itself, a shared library. */
  CHECK(!gort__os_pc_in_user_code((uintptr_t)pthread_self));
  /* The stubs and start-up code the linker puts in the executable. */
  uintptr_t stub = plt_stub_of_memcpy();
  CHECK(stub != 0);
  CHECK(stub != (uintptr_t)memcpy); /* really a stub, not libc's memcpy */
  for (uintptr_t a = stub; a < stub + 16; a++)
    CHECK(!gort__os_pc_in_user_code(a));
#ifdef INIT_FINI_KNOWN
  CHECK(!gort__os_pc_in_user_code((uintptr_t)_init));
  CHECK(!gort__os_pc_in_user_code((uintptr_t)_fini));
#endif
  return 0;
}

/* ---- preempt_refused_with_lock_held ------------------------------------ */

static struct mutex a_runtime_lock;

TEST_IMPL(preempt_refused_with_lock_held) {
  CHECK(gort__async_preempt_enabled());
  struct g *gp = gort__getg();
  uintptr_t pc = (uintptr_t)a_user_function;
  char here;
  uintptr_t sp = (uintptr_t)&here, lo = 0;
  /* Asked to yield, at a user pc, on its own stack: wanted... */
  atomic_store(&gp->preempt, 1);
  CHECK(gort__async_preempt_wanted(pc, sp, &lo));
  CHECK(lo != 0);
  /* ...but not while the M holds a runtime lock. */
  gort__lock(&a_runtime_lock);
  atomic_store(&gp->preempt, 1);
  bool wanted = gort__async_preempt_wanted(pc, sp, &lo);
  gort__unlock(&a_runtime_lock);
  CHECK(!wanted);
  /* Nor at a PLT stub, a runtime pc or a pc in libc. */
  atomic_store(&gp->preempt, 1);
  CHECK(!gort__async_preempt_wanted(plt_stub_of_memcpy(), sp, &lo));
  CHECK(!gort__async_preempt_wanted((uintptr_t)gort_chan_send, sp, &lo));
  CHECK(!gort__async_preempt_wanted((uintptr_t)pthread_self, sp, &lo));
  atomic_store(&gp->preempt, 0);
  return 0;
}

/* ---- preempt_storm_runtime_calls ---------------------------------------
 * Producers send 256-byte values (copied by memcpy under the channel lock)
 * into one shared channel; relays pass them on through a select of two
 * sends; sinks take them with a select of two receives. A plain thread
 * asks every P to yield as fast as it can; spinners stay in user code for
 * long stretches so that the signal, not a runtime call, stops them. Every
 * value must arrive intact, exactly once. */

enum { BIG = 256, STORM_PIPES = 3 };

/* The run stops after ASYNC_TARGET stops by signal, or after 60 s on a
 * machine too busy to reach it; fewer than ASYNC_MIN would mean the storm
 * did not work (then the test proves nothing, and fails). */
#if defined(GORT_TEST_TSAN) /* cooperative only: a few seconds of storm */
enum { ASYNC_TARGET = 0, ASYNC_MIN = 0 };
#elif defined(GORT_TEST_SMALL)
enum { ASYNC_TARGET = 200, ASYNC_MIN = 20 };
#else
enum { ASYNC_TARGET = 1000, ASYNC_MIN = 50 };
#endif

struct big {
  uint64_t seq;
  unsigned char pad[BIG - sizeof(uint64_t)];
};

static _Atomic bool storm_done, producers_stop;
static _Atomic uint64_t storm_requests, sent, received;
static gort_waitgroup hammers = GORT_WAITGROUP_INIT;

/* A plain thread, not a goroutine: asks every P's goroutine to yield, as
 * sysmon does after 10 ms, but all the time. */
static void *storm(void *arg) {
  (void)arg;
  while (!atomic_load(&storm_done)) {
    int32_t n = atomic_load(&gort__sched.gomaxprocs);
    gort__lock(&gort__sched.allplock);
    for (int32_t i = 0; i < n; i++)
      gort__preemptone(gort__sched.allp[i]);
    gort__unlock(&gort__sched.allplock);
    atomic_fetch_add(&storm_requests, 1);
    sched_yield();
  }
  return NULL;
}

/* A watchdog: a hang (no value moved and no hammer turned for 20 s) is
 * reported as a failure instead of running into the runner's time-out. */
static _Atomic uint64_t hammered;

static uint64_t progress(void) {
  return atomic_load(&sent) + atomic_load(&received) + atomic_load(&hammered);
}

static void *watchdog(void *arg) {
  (void)arg;
  uint64_t last = progress();
  int still = 0;
  while (!atomic_load(&storm_done)) {
    usleep(100 * 1000);
    uint64_t now = progress();
    still = now == last ? still + 1 : 0;
    last = now;
    if (still == 200 && !atomic_load(&storm_done)) {
      fprintf(stderr, "preempt_storm_runtime_calls: no progress for 20 s "
                      "(hung: a goroutine stopped inside the runtime?)\n");
      fflush(NULL);
      _exit(1);
    }
  }
  return NULL;
}

struct storm_job {
  gort_chan *in, *out, *sel;
  gort_mutex *mu;
  uint64_t *counter;
  gort_waitgroup *wg;
};

static void fill(struct big *b, uint64_t seq) {
  b->seq = seq;
  memset(b->pad, (int)(seq & 0xff), sizeof b->pad);
}

static bool intact(const struct big *b) {
  for (size_t i = 0; i < sizeof b->pad; i++)
    if (b->pad[i] != (unsigned char)(b->seq & 0xff))
      return false;
  return true;
}

static void storm_producer(void *p) {
  struct storm_job *j = p;
  struct big b;
  for (uint64_t i = 0; !atomic_load(&producers_stop); i++) {
    fill(&b, i);
    gort_chan_send(j->in, &b);
    atomic_fetch_add(&sent, 1);
    gort_mutex_lock(j->mu);
    (*j->counter)++;
    gort_mutex_unlock(j->mu);
  }
  gort_waitgroup_done(j->wg);
}

static void storm_relay(void *p) {
  struct storm_job *j = p;
  struct big b;
  while (gort_chan_recv(j->in, &b)) {
    CHECK(intact(&b));
    gort_select_case cases[2] = {
        {.dir = GORT_SELECT_SEND,
         .chan = j->out,
         .elem = &b,
         .elem_size = sizeof b},
        {.dir = GORT_SELECT_SEND,
         .chan = j->sel,
         .elem = &b,
         .elem_size = sizeof b},
    };
    int k = gort_select(cases, 2, true);
    CHECK(k == 0 || k == 1);
  }
  gort_waitgroup_done(j->wg);
}

static void storm_sink(void *p) {
  struct storm_job *j = p;
  struct big b;
  gort_select_case cases[2] = {
      {.dir = GORT_SELECT_RECV,
       .chan = j->out,
       .elem = &b,
       .elem_size = sizeof b},
      {.dir = GORT_SELECT_RECV,
       .chan = j->sel,
       .elem = &b,
       .elem_size = sizeof b},
  };
  int open = 2;
  for (uint64_t i = 0; open > 0; i++) {
    int k = gort_select(cases, 2, true);
    CHECK(k == 0 || k == 1);
    if (!cases[k].ok) { /* closed: never ready again */
      cases[k].chan = NULL;
      open--;
      continue;
    }
    CHECK(intact(&b));
    atomic_fetch_add(&received, 1);
    if ((i & 1023) == 0)
      gort_sleep(1000);
  }
  gort_waitgroup_done(j->wg);
}

/* Mostly user code (where the signal may stop it), with a non-blocking
 * channel operation, a mutex and a timer read in between. */
static void storm_spinner(void *p) {
  struct storm_job *j = p;
  struct big b;
  uint64_t h = 1;
  for (uint64_t i = 0; !atomic_load(&producers_stop); i++) {
    for (int k = 0; k < 50000; k++)
      h = h * 6364136223846793005ull + 1442695040888963407ull;
    fill(&b, h);
    bool ok;
    if (gort_chan_try_recv(j->out, &b, &ok) && ok) {
      CHECK(intact(&b));
      atomic_fetch_add(&received, 1);
    }
    gort_mutex_lock(j->mu);
    (*j->counter) += 0;
    gort_mutex_unlock(j->mu);
    (void)gort_nanotime();
#ifdef GORT_TEST_TSAN
    gort_preempt_check(); /* no signals under TSan: only this stops it */
#endif
  }
  gort_waitgroup_done(j->wg);
}

/* Non-blocking operations back to back on a shared buffered channel: they
 * never park, so only the signal stops them, nearly always inside the
 * runtime, holding the channel's lock, some of the time inside the memcpy
 * PLT stub that used to be taken for user code. */
static void storm_hammer(void *p) {
  gort_chan *hc = p;
  uint64_t v[2] = {0, 0}, w[2];
  bool ok;
  while (!atomic_load(&producers_stop)) {
    v[0]++;
    v[1] = ~v[0];
    gort_chan_try_send(hc, v);
    if (gort_chan_try_recv(hc, w, &ok))
      CHECK(ok && w[1] == ~w[0]);
    atomic_fetch_add_explicit(&hammered, 1, memory_order_relaxed);
#ifdef GORT_TEST_TSAN
    gort_preempt_check(); /* no signals under TSan: only this stops it */
#endif
  }
  gort_waitgroup_done(&hammers);
}

static uint64_t async_preempts_so_far(void) {
  struct gort_sched_stats s;
  CHECK(gort_sched_stats(&s) == 0);
  return s.async_preempts;
}

TEST_IMPL(preempt_storm_runtime_calls) {
#ifndef GORT_TEST_TSAN /* TSan builds preempt cooperatively only */
  CHECK(gort__async_preempt_enabled());
#endif
  gort_set_maxprocs(1);
  pthread_t st, wd;
  CHECK(pthread_create(&wd, NULL, watchdog, NULL) == 0);
  CHECK(pthread_create(&st, NULL, storm, NULL) == 0);
  gort_mutex mu = GORT_MUTEX_INIT;
  uint64_t counter = 0;
  gort_waitgroup producers = GORT_WAITGROUP_INIT,
                 spinners = GORT_WAITGROUP_INIT, relays = GORT_WAITGROUP_INIT,
                 sinks = GORT_WAITGROUP_INIT;
  /* Every goroutine shares the same three channels: one stopped while it
   * holds a channel's lock would soon block all the others. */
  gort_chan *in = gort_chan_make(sizeof(struct big), 2);
  gort_chan *out = gort_chan_make(sizeof(struct big), 1);
  gort_chan *sel = gort_chan_make(sizeof(struct big), 0);
  struct storm_job pj = {in, out, sel, &mu, &counter, &producers};
  struct storm_job rj = {in, out, sel, &mu, &counter, &relays};
  struct storm_job sj = {in, out, sel, &mu, &counter, &sinks};
  struct storm_job xj = {in, out, sel, &mu, &counter, &spinners};
  gort_chan *hc = gort_chan_make(2 * sizeof(uint64_t), 4);
  gort_waitgroup_add(&hammers, 2);
  gort_go(storm_hammer, hc);
  gort_go(storm_hammer, hc);
  for (int w = 0; w < STORM_PIPES; w++) {
    gort_waitgroup_add(&producers, 1);
    gort_go(storm_producer, &pj);
    gort_waitgroup_add(&relays, 1);
    gort_go(storm_relay, &rj);
    gort_waitgroup_add(&sinks, 1);
    gort_go(storm_sink, &sj);
    gort_waitgroup_add(&spinners, 1);
    gort_go(storm_spinner, &xj);
  }
  int64_t start = gort_nanotime();
  for (;;) {
    int64_t ran = gort_nanotime() - start;
    if (ran >= 3 * 1000000000ll &&
        ((int64_t)async_preempts_so_far() >= ASYNC_TARGET ||
         ran >= 60 * 1000000000ll))
      break;
    gort_sleep(10 * 1000 * 1000);
  }
  atomic_store(&producers_stop, true);
  gort_waitgroup_wait(&producers);
  gort_waitgroup_wait(&spinners);
  gort_waitgroup_wait(&hammers);
  gort_chan_free(hc);
  gort_chan_close(in);
  gort_waitgroup_wait(&relays);
  gort_chan_close(out);
  gort_chan_close(sel);
  gort_waitgroup_wait(&sinks);
  atomic_store(&storm_done, true);
  pthread_join(st, NULL);
  pthread_join(wd, NULL);
  CHECK_EQ(counter, atomic_load(&sent));
  CHECK_EQ(atomic_load(&received), atomic_load(&sent));
  CHECK(atomic_load(&sent) > 0);
  gort_chan_free(in);
  gort_chan_free(out);
  gort_chan_free(sel);
  uint64_t n = async_preempts_so_far();
  fprintf(stderr,
          "preempt storm: %llu requests, %llu async preemptions, "
          "%llu values, %.1f s\n",
          (unsigned long long)atomic_load(&storm_requests),
          (unsigned long long)n, (unsigned long long)atomic_load(&sent),
          (double)(gort_nanotime() - start) / 1e9);
  /* The storm really stopped goroutines by signal. */
  CHECK((int64_t)n >= ASYNC_MIN);
  return 0;
}
