/*
 * test-sample.c - the live scheduler sample (gort_sched_sample, issue 13):
 * what sysmon publishes during a busy run is within bounds, its counters
 * only grow, and its seqlock never hands out a torn copy.
 *
 * Timing: nothing asserts a duration. A case that needs samples waits for
 * sysmon to publish them (GORT_DEBUG=schedsample=1 in test-list.h), with
 * a generous cap so a sampler that never runs fails instead of hanging.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic/atomic.h"
#include "debug/sched_sample.h"
#include "debug/sched_stats.h"
#include "sched/mp.h"

#include "test.h"

static const int64_t cap_ns = 60ll * 1000 * 1000 * 1000;

static uint64_t spin_work(uint64_t x, int units) {
  for (int i = 0; i < units * 1000; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
  }
  return x;
}

/* Every field of one sample within its bounds. */
static void check_sample(const struct gort_sched_sample *s) {
  CHECK_EQ(s->check, gort__sched_sample_checksum(s));
  CHECK(s->seq > 0);
  CHECK(s->time_ns > 0);
  CHECK(s->gomaxprocs >= 1);
  CHECK_EQ(s->nprocs, s->gomaxprocs < GORT_STATS_MAX_PROCS
                          ? s->gomaxprocs
                          : GORT_STATS_MAX_PROCS);
  CHECK(s->idle_procs >= 0 && s->idle_procs <= s->gomaxprocs);
  CHECK(s->threads >= 2); /* the main M and sysmon at least */
  CHECK(s->running_threads >= 0 && s->running_threads <= s->threads);
  CHECK(s->idle_threads >= 0 && s->idle_threads <= s->threads);
  CHECK(s->spinning_threads >= 0 && s->spinning_threads <= s->threads);
  CHECK(s->goroutines >= 0);
  CHECK(s->global_runq >= 0);
  for (int i = 0; i < GORT_STATS_MAX_PROCS; i++) {
    if (i < s->nprocs) {
      /* Racy, but head and tail are each read once: 0..ring size. */
      CHECK(s->local_runq[i] >= 0 && s->local_runq[i] <= 256);
      CHECK(s->runnext[i] <= 1);
    } else {
      CHECK_EQ(s->local_runq[i], 0);
      CHECK_EQ(s->runnext[i], 0);
    }
  }
}

/* b came after a (or is a): counters only grow. */
static void check_order(const struct gort_sched_sample *a,
                        const struct gort_sched_sample *b) {
  CHECK(b->seq >= a->seq);
  CHECK(b->time_ns >= a->time_ns);
  CHECK(b->steals >= a->steals);
  CHECK(b->handoffs >= a->handoffs);
  CHECK(b->switches >= a->switches);
}

/* A sample published after seq (sysmon runs on its own). */
static struct gort_sched_sample sample_after(uint64_t seq) {
  struct gort_sched_sample s = {0};
  int64_t t0 = gort_nanotime();
  for (;;) {
    int rc = gort_sched_sample(&s);
    CHECK(rc == 0 || rc == GORT_EAGAIN);
    if (rc == 0 && s.seq > seq)
      return s;
    CHECK(gort_nanotime() - t0 < cap_ns);
    gort_sleep(500 * 1000);
  }
}

/* ---- sample_busy_run: per-P queues while spawners flood them ----------- */

struct busy {
  gort_waitgroup wg;
  _Atomic int spawners_left;
  _Atomic uint64_t sink;
};

static void task(void *p) {
  struct busy *b = p;
  atomic_fetch_add(&b->sink, spin_work(3, 2) & 1);
  gort_waitgroup_done(&b->wg);
}

static int tasks_per_spawner(void) { return STRESS(20000, 2000); }

static void spawner(void *p) {
  struct busy *b = p;
  for (int i = 0; i < tasks_per_spawner(); i++) {
    gort_waitgroup_add(&b->wg, 1);
    CHECK(gort_go(task, b) == 0);
    if (i % 64 == 0)
      gort_yield();
  }
  atomic_fetch_sub(&b->spawners_left, 1);
  gort_waitgroup_done(&b->wg);
}

TEST_IMPL(sample_busy_run) {
  enum { SPAWNERS = 4 };
  struct gort_sched_sample first = sample_after(0), prev = first;
  check_sample(&first);
  CHECK_EQ(first.gomaxprocs, gort_maxprocs());
  struct busy b = {.wg = GORT_WAITGROUP_INIT};
  atomic_init(&b.spawners_left, SPAWNERS);
  gort_waitgroup_add(&b.wg, SPAWNERS);
  for (int i = 0; i < SPAWNERS; i++)
    CHECK(gort_go(spawner, &b) == 0);
  /* Sample while the spawners run: every copy in bounds and in order. */
  int distinct = 0;
  int64_t max_local = 0, max_global = 0;
  while (atomic_load(&b.spawners_left) > 0) {
    struct gort_sched_sample s = {0};
    CHECK_EQ(gort_sched_sample(&s), 0);
    check_sample(&s);
    check_order(&prev, &s);
    if (s.seq != prev.seq)
      distinct++;
    for (int i = 0; i < s.nprocs; i++)
      if (s.local_runq[i] + s.runnext[i] > max_local)
        max_local = s.local_runq[i] + s.runnext[i];
    if (s.global_runq > max_global)
      max_global = s.global_runq;
    prev = s;
    gort_yield();
  }
  gort_waitgroup_wait(&b.wg);
  /* A sample collected wholly after the wait counts every task's switch
   * (each ran at least once). One published after the wait may have been
   * collected during it (sysmon reads the counters, then publishes): so
   * the one published after the first we see published after the wait. */
  struct gort_sched_sample seen = sample_after(0); /* the latest */
  struct gort_sched_sample next = sample_after(seen.seq);
  struct gort_sched_sample last = sample_after(next.seq);
  check_sample(&last);
  check_order(&prev, &last);
  int64_t ntasks = (int64_t)SPAWNERS * tasks_per_spawner();
  CHECK((int64_t)(last.switches - first.switches) >= ntasks);
  /* The spawners queued faster than one goroutine runs them, and the
   * sampler saw it at least once (it sampled while they ran). */
  printf("samples %d, max local %lld, max global %lld, switches %llu, "
         "steals %llu\n",
         distinct, (long long)max_local, (long long)max_global,
         (unsigned long long)(last.switches - first.switches),
         (unsigned long long)(last.steals - first.steals));
  CHECK(max_local + max_global > 0);
  return 0;
}

/* ---- sample_handoff: sysmon's retake is counted ------------------------ */

static _Atomic int blocked_done;

static void blocking_call(void *p) {
  gort_syscall_enter();
  struct timespec ts = {0, 300 * 1000 * 1000}; /* as gmp_syscall_handoff */
  nanosleep(&ts, NULL);
  gort_syscall_exit();
  atomic_store(&blocked_done, 1);
  gort_waitgroup_done(p);
}

TEST_IMPL(sample_handoff) {
  gort_set_maxprocs(1);
  struct gort_sched_sample before = sample_after(0);
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, 1);
  gort_go(blocking_call, &wg);
  gort_yield(); /* it runs and blocks, holding the only P */
  while (!atomic_load(&blocked_done))
    gort_yield(); /* runs only once sysmon has handed the P on */
  gort_waitgroup_wait(&wg);
  struct gort_sched_sample after = sample_after(0);
  after = sample_after(after.seq);
  check_sample(&after);
  check_order(&before, &after);
  CHECK(after.handoffs > before.handoffs);
  return 0;
}

/* ---- sample_off: schedsample=0 publishes nothing ----------------------- */

TEST_IMPL(sample_off) {
  struct gort_sched_sample s;
  CHECK_EQ(gort_sched_sample(NULL), GORT_EINVAL);
  gort_sleep(50 * 1000 * 1000); /* five periods of the default */
  CHECK_EQ(gort_sched_sample(&s), GORT_EAGAIN);
  return 0;
}

/* ---- sample_seqlock_torn: a writer thread hammers, readers copy --------
 * sysmon's sampling is off (test-list.h), so the test's own thread is the
 * one writer, publishing as fast as it can while two reader threads copy
 * as fast as they can. Each copy must carry a valid checksum (a mix of
 * two samples would not: checked below on a hand-made mix) and a seq no
 * older than the last one that reader saw. */

struct hammer {
  _Atomic int writing;
  _Atomic int readers_done; /* readers that saw two samples */
  int writes;               /* at least; then as many as it took */
};

struct reader {
  struct hammer *h;
  uint64_t copies, distinct, retries;
  int bad_check, backwards;
  bool enough;
};

/* At least h->writes writes, and on until both readers have seen two
 * samples (a reader starved by a writer that is nearly always inside
 * its window, as under ASan), within cap_ns. */
static void *writer_main(void *p) {
  struct hammer *h = p;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int i = 0;
  for (;; i++) {
    if (i >= h->writes) {
      if (atomic_load(&h->readers_done) >= 2)
        break;
      clock_gettime(CLOCK_MONOTONIC, &t);
      if ((t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec) >
          cap_ns)
        break;
    }
    gort__sched_sample_publish();
  }
  h->writes = i;
  atomic_store(&h->writing, 0);
  return NULL;
}

static void *reader_main(void *p) {
  struct reader *r = p;
  uint64_t last = 0;
  uint32_t retries = 0;
  while (atomic_load(&r->h->writing)) {
    struct gort_sched_sample s;
    if (!gort__sched_sample_copy(&s, &retries))
      continue;
    r->copies++;
    if (s.check != gort__sched_sample_checksum(&s))
      r->bad_check++;
    if (s.seq < last)
      r->backwards++;
    if (s.seq != last)
      r->distinct++;
    last = s.seq;
    if (!r->enough && r->distinct >= 2) {
      r->enough = true;
      atomic_fetch_add(&r->h->readers_done, 1);
    }
  }
  r->retries = retries;
  return NULL;
}

TEST_IMPL(sample_seqlock_torn) {
  /* First, that the checksum sees a mix: two samples spliced. */
  struct gort_sched_sample a, b, mix;
  gort__sched_sample_publish();
  CHECK(gort__sched_sample_copy(&a, NULL));
  gort__sched_sample_publish();
  CHECK(gort__sched_sample_copy(&b, NULL));
  CHECK_EQ(b.seq, a.seq + 1);
  memcpy(&mix, &a, sizeof mix);
  memcpy((char *)&mix + 8, (char *)&b + 8, sizeof mix - 8); /* a's seq */
  CHECK(mix.check != gort__sched_sample_checksum(&mix));

  struct hammer h = {.writes = STRESS(300000, 30000)};
  atomic_init(&h.writing, 1);
  atomic_init(&h.readers_done, 0);
  struct reader r[2] = {{.h = &h}, {.h = &h}};
  pthread_t w, rd[2];
  for (int i = 0; i < 2; i++)
    CHECK_EQ(pthread_create(&rd[i], NULL, reader_main, &r[i]), 0);
  CHECK_EQ(pthread_create(&w, NULL, writer_main, &h), 0);
  gort_syscall_enter(); /* joins block this M */
  pthread_join(w, NULL);
  for (int i = 0; i < 2; i++)
    pthread_join(rd[i], NULL);
  gort_syscall_exit();
  for (int i = 0; i < 2; i++) {
    printf("reader %d: %llu copies, %llu distinct, %llu retries\n", i,
           (unsigned long long)r[i].copies, (unsigned long long)r[i].distinct,
           (unsigned long long)r[i].retries);
    CHECK_EQ(r[i].bad_check, 0);
    CHECK_EQ(r[i].backwards, 0);
    /* The readers ran while the writer did, not only after it. */
    CHECK(r[i].distinct >= 2);
  }
  struct gort_sched_sample end;
  CHECK(gort__sched_sample_copy(&end, NULL));
  CHECK_EQ(end.seq, b.seq + (uint64_t)h.writes);
  return 0;
}

/* ---- sample_switches_carry: a P's switch count across 32-bit wraps -----
 * runtime2.h keeps a P's switches in two 32-bit words. The test's
 * goroutine, running on a P (so on its owner's thread, the one writer),
 * sets the low word one short of a wrap, so that its next switch there
 * carries, CARRIES times, while a reader goroutine totals the count
 * (gort__sched_read, the reader of the words). A torn read, a low word
 * past its wrap with the old high word, would drop the total by 2^32: the
 * total must never go down, and must end past CARRIES * 2^32 (every carry
 * counted; each store jumps the count forward by up to 2^32). */

enum { CARRIES = 2000 };

struct carry_run {
  _Atomic int done;
  _Atomic uint64_t reads;
  int backwards;
  gort_waitgroup wg;
};

static void carry_reader(void *p) {
  struct carry_run *r = p;
  uint64_t last = 0;
  while (!atomic_load(&r->done)) {
    struct gort_sched_sample s;
    gort__sched_read(&s);
    if (s.switches < last)
      r->backwards++;
    last = s.switches;
    atomic_fetch_add(&r->reads, 1);
    if (gort_maxprocs() == 1)
      gort_yield(); /* one P: let the carrier run */
  }
  gort_waitgroup_done(&r->wg);
}

TEST_IMPL(sample_switches_carry) {
  struct carry_run r = {.wg = GORT_WAITGROUP_INIT};
  atomic_init(&r.done, 0);
  atomic_init(&r.reads, 0);
  gort_waitgroup_add(&r.wg, 1);
  CHECK(gort_go(carry_reader, &r) == 0);
  for (int i = 0; i < CARRIES; i++) {
    struct p *pp = gort__loadmp(gort__getm());
    gort__atomic_store_relaxed(&pp->switches, UINT32_MAX);
    gort_yield(); /* the next G this P runs carries */
  }
  while (atomic_load(&r.reads) < 100)
    gort_yield();
  atomic_store(&r.done, 1);
  gort_waitgroup_wait(&r.wg);
  struct gort_sched_sample s;
  gort__sched_read(&s);
  printf("reads %llu, switches %llu (%.1f x 2^32)\n",
         (unsigned long long)atomic_load(&r.reads),
         (unsigned long long)s.switches, (double)s.switches / 4294967296.0);
  CHECK_EQ(r.backwards, 0);
  CHECK(s.switches >= (uint64_t)CARRIES << 32);
  return 0;
}

/* ---- sample_switches_reader_waits: a carry in progress is not read -----
 * A P made here by hand, in the middle of a carry (carry odd): a reader
 * thread must wait until the carry is even again, and then read the high
 * word from it. Without the wait it returns at once (checked by hand:
 * this case then fails on the first look). */

struct carry_reader_thread {
  struct p *pp;
  _Atomic int returned;
  uint64_t value;
};

static void *read_switches_main(void *arg) {
  struct carry_reader_thread *t = arg;
  t->value = gort__p_switches(t->pp);
  atomic_store(&t->returned, 1);
  return NULL;
}

TEST_IMPL(sample_switches_reader_waits) {
  struct p *pp = calloc(1, sizeof *pp);
  CHECK(pp != NULL);
  atomic_init(&pp->switches_carry, 5); /* carrying into high word 3 */
  atomic_init(&pp->switches, 0);
  struct carry_reader_thread t = {.pp = pp};
  atomic_init(&t.returned, 0);
  pthread_t th;
  CHECK_EQ(pthread_create(&th, NULL, read_switches_main, &t), 0);
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  CHECK_EQ(atomic_load(&t.returned), 0);
  gort__atomic_store_relaxed(&pp->switches, 7);
  gort__atomic_store_release(&pp->switches_carry, 6);
  CHECK_EQ(pthread_join(th, NULL), 0);
  CHECK_EQ(t.value, (3ull << 32) | 7);
  free(pp);
  return 0;
}
