/*
 * test-stwlatency.c - a stop of the world does not wait for Ms the OS has
 * not run yet (runtime/sched/mp.c: stop_handed_ps_locked).
 *
 * When the scheduler wakes an M for a P (startm), the P is the M's from
 * then on; on a busy machine the OS may run that thread milliseconds
 * later. A stop of the world that waited for it would pause the program
 * that long: that wait was most of the longest GC pauses measured on a
 * loaded 2-core machine. The stop takes such a P back instead.
 * GORT_DEBUG=mwakedelay=US makes every woken M sleep US microseconds
 * before it takes its P, so the case is certain rather than rare:
 * goroutines that keep parking and waking keep Ms in that delay while
 * collections run back to back, and every pause must stay far below the
 * delay. The case also checks that stops did take Ps back (the path ran)
 * and that the program's work all got done (no P or M was lost).
 *
 * Invariants: the pingers share nothing but channels and an atomic stop
 * flag. Locking: none.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "gc-test.h"
#include "sched/runtime2.h"

enum { PAIRS = 4, CYCLES = 20 };
/* mwakedelay in the test list: 40 ms. A pause as long as half of it
 * means a stop waited for a delayed M. */
static const uint64_t MAX_PAUSE_NS = 20 * 1000 * 1000;

static atomic_int stop;
static atomic_long rounds;
static gort_waitgroup pingers = GORT_WAITGROUP_INIT;

struct pair {
  gort_chan *ping, *pong;
};

static void ponger(void *arg) {
  struct pair *p = arg;
  long v;
  while (gort_chan_recv(p->ping, &v) && v >= 0)
    gort_chan_send(p->pong, &v);
  gort_waitgroup_done(&pingers);
}

/* Ping-pong with a short sleep: every round parks both sides and wakes
 * an M for the other P, so Ms are woken all the time. */
static void pinger(void *arg) {
  struct pair *p = arg;
  long v = 0;
  while (!atomic_load(&stop)) {
    gort_chan_send(p->ping, &v);
    gort_chan_recv(p->pong, &v);
    v++;
    atomic_fetch_add(&rounds, 1);
    gort_sleep(50 * 1000);
  }
  v = -1;
  gort_chan_send(p->ping, &v);
  gort_waitgroup_done(&pingers);
}

TEST_IMPL(stw_handed_p_not_waited) {
  CHECK(gort_maxprocs() >= 2);
  static struct pair pairs[PAIRS];
  gort_waitgroup_add(&pingers, 2 * PAIRS);
  for (int i = 0; i < PAIRS; i++) {
    pairs[i].ping = gort_chan_make(sizeof(long), 0);
    pairs[i].pong = gort_chan_make(sizeof(long), 0);
    CHECK(pairs[i].ping != NULL && pairs[i].pong != NULL);
    CHECK_EQ(gort_go(ponger, &pairs[i]), 0);
    CHECK_EQ(gort_go(pinger, &pairs[i]), 0);
  }
  gort_memstats before;
  gort_read_memstats(&before);
  uint64_t taken_before = atomic_load(&gort__sched.stw_handed_ps);
  for (int i = 0; i < CYCLES; i++) {
    gort_gc();
    gort_sleep(2 * 1000 * 1000); /* let the pingers wake Ms again */
  }
  gort_memstats after;
  gort_read_memstats(&after);
  atomic_store(&stop, 1);
  gort_waitgroup_wait(&pingers);
  for (int i = 0; i < PAIRS; i++) {
    gort_chan_free(pairs[i].ping);
    gort_chan_free(pairs[i].pong);
  }

  CHECK(after.num_gc >= before.num_gc + CYCLES);
  for (uint32_t k = before.num_gc + 1; k <= after.num_gc; k++) {
    uint64_t pause = after.pause_ns[(k + 255) % 256];
    if (pause >= MAX_PAUSE_NS) {
      fprintf(stderr, "cycle %u paused %llu ns: a stop waited for a woken M\n",
              k, (unsigned long long)pause);
      return 1;
    }
  }
  CHECK(atomic_load(&gort__sched.stw_handed_ps) > taken_before);
  CHECK(atomic_load(&rounds) > 0);
  return 0;
}
