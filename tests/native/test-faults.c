/*
 * test-faults.c - the OS refuses: threads, goroutine stacks, heap arenas
 * (GORT_DEBUG=failthreadcreate=N, failstackalloc=N, failarenaalloc=N; see
 * runtime/os/os_fault.c). Every case runs in a fresh process with one
 * setting (test-list.h) and checks one of the two acceptable outcomes:
 * the program completes correctly with what it has (fewer Ms, pooled
 * stacks, the arenas already mapped), or it dies with Go's message and
 * exit status 2 - never a hang, a lost goroutine, or an internal fatal.
 */
#include <stdatomic.h>
#include <time.h>

#include "mem/malloc.h"
#include "mem/mheap.h"
#include "test.h"

static struct gort_sched_stats stats(void) {
  struct gort_sched_stats st;
  CHECK_EQ(gort_sched_stats(&st), 0);
  return st;
}

/* ---- threads: fewer Ms ------------------------------------------------
 * failthreadcreate=1: sysmon's thread is made, no other. GOMAXPROCS 4,
 * resized while goroutines are queued: every wake-up of an M and every
 * runnable P after a resize meets a refused thread, and the program must
 * still run every goroutine, on the one M it has (item 3 of issue 10: this
 * used to die with "pidleput: P has non-empty run queue"). */

enum { RING = 16 };

struct ring_stage {
  gort_chan *in, *out;
  gort_waitgroup *wg;
};

static void ring_stage(void *arg) {
  struct ring_stage *st = arg;
  long v;
  while (gort_chan_recv(st->in, &v) && v >= 0) {
    v++;
    gort_chan_send(st->out, &v);
  }
  gort_chan_send(st->out, &v); /* pass the stop on */
  gort_waitgroup_done(st->wg);
}

static long run_ring(int laps) {
  static gort_chan *ch[RING + 1];
  static struct ring_stage st[RING];
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  for (int i = 0; i <= RING; i++)
    ch[i] = gort_chan_make(sizeof(long), 1);
  gort_waitgroup_add(&wg, RING);
  for (int i = 0; i < RING; i++) {
    st[i] = (struct ring_stage){ch[i], ch[i + 1], &wg};
    CHECK_EQ(gort_go(ring_stage, &st[i]), 0);
  }
  long v = 0, total = 0;
  for (int lap = 0; lap < laps; lap++) {
    gort_chan_send(ch[0], &v);
    CHECK(gort_chan_recv(ch[RING], &v));
    total += v;
    v = 0;
  }
  v = -1;
  gort_chan_send(ch[0], &v);
  CHECK(gort_chan_recv(ch[RING], &v));
  gort_waitgroup_wait(&wg);
  for (int i = 0; i <= RING; i++)
    gort_chan_free(ch[i]);
  return total;
}

static _Atomic long spawned_sum;

static void add_one(void *wg) {
  atomic_fetch_add(&spawned_sum, 1);
  gort_waitgroup_done(wg);
}

TEST_IMPL(fault_thread_fewer_ms) {
  gort_set_maxprocs(4);
  int laps = STRESS(2000, 200);
  CHECK_EQ(run_ring(laps), (long)laps * RING);
  for (int round = 0; round < 4; round++) {
    gort_waitgroup wg = GORT_WAITGROUP_INIT;
    int n = STRESS(2000, 200);
    gort_waitgroup_add(&wg, n);
    for (int i = 0; i < n; i++) {
      CHECK_EQ(gort_go(add_one, &wg), 0);
      if (i == n / 2) /* a resize with goroutines queued */
        gort_set_maxprocs(round % 2 ? 4 : 3);
    }
    gort_waitgroup_wait(&wg);
  }
  CHECK_EQ(atomic_load(&spawned_sum), 4L * STRESS(2000, 200));
  /* Timers: the one M sleeps until the earliest and runs it. */
  int64_t t0 = gort_nanotime();
  gort_sleep(20 * 1000 * 1000);
  CHECK(gort_nanotime() - t0 >= 20 * 1000 * 1000);
  struct gort_sched_stats st = stats();
  CHECK_EQ(st.threads, 2); /* this M and sysmon */
  CHECK(st.thread_create_failures > 0);
  CHECK_GOROUTINES_SETTLE(1);
  return 0;
}

/* ---- threads: a needed M ----------------------------------------------
 * failthreadcreate=1, one P: the main goroutine blocks in a C call while
 * another goroutine is runnable. sysmon takes the P and must give it to a
 * new M, which the OS refuses: no M may ever come back for that goroutine,
 * so the program dies with Go's message (after Go's EAGAIN retries). */

static void spin_yield(void *arg) {
  (void)arg;
  for (;;)
    gort_yield();
}

TEST_IMPL(crash_fault_thread_handoff) {
  gort_set_maxprocs(1);
  CHECK_EQ(gort_go(spin_yield, NULL), 0);
  CHECK_EQ(gort_go(spin_yield, NULL), 0);
  gort_syscall_enter();
  struct timespec ts = {5, 0}; /* far longer than the retries */
  nanosleep(&ts, NULL);
  gort_syscall_exit();
  return 1; /* not reached */
}

/* failthreadcreate=0: not even sysmon's thread: dies at start. */
TEST_IMPL(crash_fault_thread_sysmon) { return 1; }

/* ---- goroutine stacks -------------------------------------------------
 * failstackalloc=1: one chunk of 16 stacks is all there is. */

static void wait_on(void *ch) {
  int v;
  gort_chan_recv(ch, &v);
}

static int too_many_stacks(void) {
  gort_set_maxprocs(1);
  gort_chan *ch = gort_chan_make(sizeof(int), 0);
  /* Each goroutine takes its stack when it first runs; the 17th live one
   * finds the pool empty and the OS refusing. */
  for (int i = 0; i < 40; i++) {
    CHECK_EQ(gort_go(wait_on, ch), 0);
    gort_yield();
  }
  return 1; /* not reached */
}

TEST_IMPL(crash_fault_stack) { return too_many_stacks(); }
TEST_IMPL(crash_fault_stack_message) { return too_many_stacks(); }

/* The same limit, but never more than 9 goroutines alive: stacks come back
 * to the P's cache and are reused, so one chunk serves 5,000 goroutines. */
TEST_IMPL(fault_stack_reuse) {
  gort_set_maxprocs(1);
  for (int round = 0; round < STRESS(625, 125); round++) {
    gort_waitgroup wg = GORT_WAITGROUP_INIT;
    gort_waitgroup_add(&wg, 8);
    for (int i = 0; i < 8; i++)
      CHECK_EQ(gort_go(add_one, &wg), 0);
    gort_waitgroup_wait(&wg);
    CHECK_GOROUTINES_SETTLE(1);
  }
  CHECK_EQ(atomic_load(&spawned_sum), 8L * STRESS(625, 125));
  return 0;
}

/* ---- heap arenas ------------------------------------------------------
 * failarenaalloc=0: the first object needs the first arena. */

static int alloc_without_arena(void) {
  void *p = gort__mallocgc(64, false);
  (void)p;
  return 1; /* not reached */
}

TEST_IMPL(crash_fault_arena) { return alloc_without_arena(); }
TEST_IMPL(crash_fault_arena_message) { return alloc_without_arena(); }

/* failarenaalloc=1: the heap has one arena. A request that needs a second
 * is refused at the page heap (which prints Go's line) and leaves the heap
 * exactly as it was: the first arena still serves, and a freed span is
 * found again. */
TEST_IMPL(fault_arena_heap_unchanged) {
  struct mspan *whole = gort__mheap_alloc(PAGES_PER_ARENA, 0);
  CHECK(whole != NULL);
  CHECK_EQ(gort__mheap.arenas_mapped, 1);
  uintptr_t in_use = gort__mheap.pages_in_use,
            free_pages = gort__mheap.pages_free;
  CHECK(gort__mheap_alloc(1, 0) == NULL); /* needs a second arena */
  CHECK_EQ(gort__mheap.arenas_mapped, 1);
  CHECK_EQ(gort__mheap.pages_in_use, in_use);
  CHECK_EQ(gort__mheap.pages_free, free_pages);
  CHECK(gort__span_of((void *)(whole->base + 100)) == whole);
  gort__mheap_free(whole);
  struct mspan *again = gort__mheap_alloc(PAGES_PER_ARENA / 2, 0);
  CHECK(again != NULL);
  CHECK_EQ(again->base, whole->base);
  gort__mheap_free(again);
  /* The allocator on top: objects come from the one arena. */
  for (int i = 0; i < 1000; i++)
    CHECK(gort__mallocgc(48, false) != NULL);
  return 0;
}

/* failarenaalloc=1 again: objects until the one arena is full; the
 * allocation that needs the next dies with Go's "out of memory". */
/* A root, so the collector frees none: volatile, else the compiler may
 * drop the stores to an array nothing reads (and so may the collector). */
static void *volatile arena_full_keep[1000];

TEST_IMPL(crash_fault_arena_full) {
  for (int i = 0; i < 1000; i++) {
    GORT_STORE(arena_full_keep[i], gort__mallocgc(1 << 20, true)); /* 1 MiB */
    CHECK(arena_full_keep[i] != NULL);
  }
  return 1; /* not reached: 64 MiB (4 on wasm) hold at most 64 */
}

/* failthreadcreate=2: this M, sysmon and one more. Two Ps, resized to
 * four, two, three and back again and again while both have goroutines queued:
 * a start-the-world then finds Ps with work and, often, no idle M (the other M
 * is still on its way to park, or there are more runnable Ps than Ms). The
 * refused thread must not cost a goroutine: the P's queue goes to the global
 * one. */

static void yield_a_bit(void *wg) {
  for (int i = 0; i < 4; i++)
    gort_yield();
  atomic_fetch_add(&spawned_sum, 1);
  gort_waitgroup_done(wg);
}

TEST_IMPL(fault_thread_resize_queued) {
  gort_set_maxprocs(2);
  int rounds = STRESS(300, 60);
  for (int r = 0; r < rounds; r++) {
    gort_waitgroup wg = GORT_WAITGROUP_INIT;
    gort_waitgroup_add(&wg, 40);
    for (int i = 0; i < 40; i++)
      CHECK_EQ(gort_go(yield_a_bit, &wg), 0);
    gort_set_maxprocs(4);
    gort_yield();
    gort_set_maxprocs(2);
    gort_yield();
    gort_set_maxprocs(3);
    gort_waitgroup_wait(&wg);
    gort_set_maxprocs(2);
  }
  CHECK_EQ(atomic_load(&spawned_sum), 40L * rounds);
  CHECK(stats().threads <= 3);
  CHECK_GOROUTINES_SETTLE(1);
  return 0;
}
