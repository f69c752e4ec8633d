/*
 * test-rwbias.c - RWMutex's read bias (runtime/sync/rwmutex.c, rwbias.c):
 * readers of a biased lock hold slots of a shared table instead of the
 * lock's count, and a writer must find and wait for every one of them,
 * whichever P or goroutine took or gives up the hold.
 *
 * A zero-value lock starts biased, so each case uses fresh locks where it
 * needs the biased path; gort_sync_stats' revocation counters show that a
 * writer did find biased readers.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "test.h"

static const int64_t MS = 1000000;

static struct gort_sync_stats sync_stats(void) {
  struct gort_sync_stats s;
  CHECK_EQ(gort_sync_stats(&s), 0);
  return s;
}

/* A reader that takes rw's read lock, says so on holding, parks until
 * released, then unlocks and says so on left. The caller counts it in
 * both WaitGroups first. */
struct parked_reader {
  gort_rwmutex *rw;
  gort_chan *release; /* int, buffered: a send lets it go */
  gort_waitgroup *holding, *left;
};

static void parked_reader_run(void *p) {
  struct parked_reader *r = p;
  int v;
  gort_rwmutex_rlock(r->rw);
  gort_waitgroup_done(r->holding);
  gort_chan_recv(r->release, &v);
  gort_rwmutex_runlock(r->rw);
  gort_waitgroup_done(r->left);
}

static void parked_reader_start(struct parked_reader *r, gort_rwmutex *rw,
                                gort_waitgroup *holding, gort_waitgroup *left) {
  *r =
      (struct parked_reader){rw, gort_chan_make(sizeof(int), 1), holding, left};
  CHECK(r->release != NULL);
  CHECK_EQ(gort_go(parked_reader_run, r), 0);
}

static void parked_reader_release(struct parked_reader *r) {
  int v = 1;
  gort_chan_send(r->release, &v);
}

/* ---- a writer waits for parked biased readers, and keeps new ones out -- *
 * Eight readers take the read lock of a fresh lock and park on their own
 * channels. A writer must wait until the last of them leaves, released one
 * by one; a reader arriving while the writer waits must wait for it too
 * (Go's writer preference). The same at four Ps and at one, where the
 * writer must park, not spin, for the readers to run at all. */

enum { PARKED_READERS = 8 };

static struct {
  gort_rwmutex rw;
  struct parked_reader readers[PARKED_READERS];
  gort_waitgroup holding, done;
  _Atomic int step;
  _Atomic int writer_at, late_at;
} pk;

static void pk_writer(void *p) {
  (void)p;
  gort_rwmutex_lock(&pk.rw);
  atomic_store(&pk.writer_at, atomic_fetch_add(&pk.step, 1) + 1);
  gort_sleep(MS); /* the late reader keeps waiting meanwhile */
  CHECK_EQ(atomic_load(&pk.late_at), 0);
  gort_rwmutex_unlock(&pk.rw);
  gort_waitgroup_done(&pk.done);
}

static void pk_late_reader(void *p) {
  (void)p;
  gort_rwmutex_rlock(&pk.rw);
  atomic_store(&pk.late_at, atomic_fetch_add(&pk.step, 1) + 1);
  gort_rwmutex_runlock(&pk.rw);
  gort_waitgroup_done(&pk.done);
}

static int writer_waits_for_parked_readers(int procs) {
  gort_set_maxprocs(procs);
  struct gort_sync_stats before = sync_stats();
  gort_waitgroup_add(&pk.holding, PARKED_READERS);
  gort_waitgroup_add(&pk.done, PARKED_READERS + 2);
  for (int i = 0; i < PARKED_READERS; i++)
    parked_reader_start(&pk.readers[i], &pk.rw, &pk.holding, &pk.done);
  gort_waitgroup_wait(&pk.holding);
  CHECK_EQ(gort_go(pk_writer, NULL), 0);
  /* The writer has turned the bias off once a try of the read lock fails
   * (new readers then queue behind it). */
  while (gort_rwmutex_tryrlock(&pk.rw)) {
    gort_rwmutex_runlock(&pk.rw);
    gort_yield();
  }
  CHECK_EQ(gort_go(pk_late_reader, NULL), 0);
  for (int i = 0; i < PARKED_READERS; i++) {
    for (int y = 0; y < 20; y++)
      gort_yield();
    gort_sleep(MS / 2);
    CHECK_EQ(atomic_load(&pk.writer_at), 0);
    CHECK_EQ(atomic_load(&pk.late_at), 0);
    parked_reader_release(&pk.readers[i]);
  }
  gort_waitgroup_wait(&pk.done);
  CHECK_EQ(atomic_load(&pk.writer_at), 1);
  CHECK_EQ(atomic_load(&pk.late_at), 2);
  struct gort_sync_stats after = sync_stats();
  CHECK_EQ(after.rwmutex_bias_revocations - before.rwmutex_bias_revocations, 1);
  /* Each reader was in the table, unless two hashed to one slot of one P's
   * group (then the second took the counted path). */
  uint64_t drained =
      after.rwmutex_bias_readers_drained - before.rwmutex_bias_readers_drained;
  printf("biased readers drained: %llu of %d\n", (unsigned long long)drained,
         PARKED_READERS);
  CHECK(drained >= 1 && drained <= PARKED_READERS);
  for (int i = 0; i < PARKED_READERS; i++)
    gort_chan_free(pk.readers[i].release);
  return 0;
}

TEST_IMPL(sync_rwmutex_bias_writer_waits) {
  return writer_waits_for_parked_readers(4);
}

TEST_IMPL(sync_rwmutex_bias_writer_waits_one_p) {
  return writer_waits_for_parked_readers(1);
}

/* ---- a read hold given up by another goroutine --------------------------
 * Go lets one goroutine RUnlock what another RLocked. Each round takes a
 * fresh (biased) lock: the holder RLocks it, hands it over and either
 * exits (its slot outlives it) or, once the other has RUnlocked, takes and
 * gives up the read lock again itself (its remembered slot is stale). A
 * goroutine reading twice (its second hold is counted) gives up both.
 * After each round the lock must be free: TryLock succeeds. */

enum { HANDOFF_ROUNDS = 300 };

static struct {
  gort_rwmutex locks[HANDOFF_ROUNDS];
  gort_chan *handed;  /* a gort_rwmutex * */
  gort_chan *dropped; /* the dropper has RUnlocked it */
  gort_waitgroup holders, dropper;
} ho;

static void ho_holder(void *p) {
  gort_rwmutex *rw = p;
  gort_rwmutex_rlock(rw);
  gort_chan_send(ho.handed, &rw);
  int v;
  gort_chan_recv(ho.dropped, &v);
  if (((rw - ho.locks) & 1) != 0) {
    gort_rwmutex_rlock(rw);
    CHECK(!gort_rwmutex_trylock(rw));
    gort_rwmutex_rlock(rw); /* a second hold at once */
    gort_rwmutex_runlock(rw);
    gort_rwmutex_runlock(rw);
  }
  gort_waitgroup_done(&ho.holders);
}

static void ho_dropper(void *p) {
  (void)p;
  for (int i = 0; i < HANDOFF_ROUNDS; i++) {
    gort_rwmutex *rw;
    gort_chan_recv(ho.handed, &rw);
    gort_rwmutex_runlock(rw);
    int v = 1;
    gort_chan_send(ho.dropped, &v);
  }
  gort_waitgroup_done(&ho.dropper);
}

TEST_IMPL(sync_rwmutex_bias_handoff) {
  gort_set_maxprocs(2);
  ho.handed = gort_chan_make(sizeof(gort_rwmutex *), 0);
  ho.dropped = gort_chan_make(sizeof(int), 0);
  CHECK(ho.handed != NULL && ho.dropped != NULL);
  gort_waitgroup_add(&ho.dropper, 1);
  CHECK_EQ(gort_go(ho_dropper, NULL), 0);
  for (int i = 0; i < HANDOFF_ROUNDS; i++) {
    gort_waitgroup_add(&ho.holders, 1);
    CHECK_EQ(gort_go(ho_holder, &ho.locks[i]), 0);
    if (i % 15 == 14) {
      /* Let the last fifteen finish, then each of their locks is free. */
      gort_waitgroup_wait(&ho.holders);
      for (int j = i - 14; j <= i; j++) {
        CHECK(gort_rwmutex_trylock(&ho.locks[j]));
        gort_rwmutex_unlock(&ho.locks[j]);
      }
    }
  }
  gort_waitgroup_wait(&ho.holders);
  gort_waitgroup_wait(&ho.dropper);
  gort_chan_free(ho.handed);
  gort_chan_free(ho.dropped);
  return 0;
}

/* ---- a writer waits only for its own lock's readers ---------------------
 * 64 readers each hold the read lock of a lock of their own, parked, on
 * two Ps: many of the locks share a slot index in a P's group (the second
 * reader of a slot takes the counted path). Releasing reader i must let a
 * writer of lock i in while all the others still hold theirs: a writer
 * that waited for another lock's reader would never return. */

enum { OWN_LOCKS = 64 };

static struct {
  gort_rwmutex locks[OWN_LOCKS];
  struct parked_reader readers[OWN_LOCKS];
  gort_waitgroup holding;
  gort_waitgroup left[OWN_LOCKS];
} ow;

TEST_IMPL(sync_rwmutex_bias_own_readers_only) {
  gort_set_maxprocs(2);
  struct gort_sync_stats before = sync_stats();
  gort_waitgroup_add(&ow.holding, OWN_LOCKS);
  for (int i = 0; i < OWN_LOCKS; i++) {
    gort_waitgroup_add(&ow.left[i], 1);
    parked_reader_start(&ow.readers[i], &ow.locks[i], &ow.holding, &ow.left[i]);
  }
  gort_waitgroup_wait(&ow.holding);
  for (int i = 0; i < OWN_LOCKS; i++) {
    CHECK(!gort_rwmutex_trylock(&ow.locks[i])); /* its reader holds it */
    parked_reader_release(&ow.readers[i]);
    gort_rwmutex_lock(&ow.locks[i]); /* only reader i to wait for */
    gort_waitgroup_wait(&ow.left[i]);
    gort_rwmutex_unlock(&ow.locks[i]);
    gort_chan_free(ow.readers[i].release);
  }
  struct gort_sync_stats after = sync_stats();
  CHECK(after.rwmutex_bias_revocations > before.rwmutex_bias_revocations);
  return 0;
}

/* ---- a TryLock that fails on biased readers ----------------------------
 * It cannot wait for them, so it leaves the bias revoked: a read try then
 * takes the counted path, and a later Lock must still find and wait for
 * the biased reader still holding. */

static struct {
  gort_rwmutex rw;
  struct parked_reader reader;
  gort_waitgroup holding, done;
  _Atomic int writer_in;
} tl;

static void tl_writer(void *p) {
  (void)p;
  gort_rwmutex_lock(&tl.rw);
  atomic_store(&tl.writer_in, 1);
  gort_rwmutex_unlock(&tl.rw);
  gort_waitgroup_done(&tl.done);
}

TEST_IMPL(sync_rwmutex_bias_trylock_fails) {
  gort_set_maxprocs(2);
  gort_waitgroup_add(&tl.holding, 1);
  gort_waitgroup_add(&tl.done, 2);
  parked_reader_start(&tl.reader, &tl.rw, &tl.holding, &tl.done);
  gort_waitgroup_wait(&tl.holding);
  CHECK(!gort_rwmutex_trylock(&tl.rw));
  CHECK(gort_rwmutex_tryrlock(&tl.rw)); /* readers still share it */
  gort_rwmutex_runlock(&tl.rw);
  CHECK(!gort_rwmutex_trylock(&tl.rw));
  CHECK_EQ(gort_go(tl_writer, NULL), 0);
  for (int y = 0; y < 50; y++)
    gort_yield();
  gort_sleep(2 * MS);
  CHECK_EQ(atomic_load(&tl.writer_in), 0);
  parked_reader_release(&tl.reader);
  gort_waitgroup_wait(&tl.done);
  CHECK_EQ(atomic_load(&tl.writer_in), 1);
  CHECK(gort_rwmutex_trylock(&tl.rw));
  gort_rwmutex_unlock(&tl.rw);
  gort_chan_free(tl.reader.release);
  return 0;
}

/* ---- all of it at once ---------------------------------------------------
 * Readers on four Ps, some handing their hold to a dropper goroutine;
 * writers every so often (the bias may come back in between); read and
 * write tries. Writers must never
 * overlap readers or each other. */

static struct {
  gort_rwmutex rw;
  int64_t a, b; /* a == b outside write sections */
  _Atomic int64_t readers, writers;
  gort_chan *handed; /* int: holds to give up */
  int64_t iters;
  gort_waitgroup work, drop;
} st;

static void st_check_read(void) {
  CHECK_EQ(atomic_load(&st.writers), 0);
  CHECK_EQ(st.a, st.b);
}

static void st_reader(void *p) {
  int64_t id = (int64_t)(intptr_t)p;
  for (int64_t i = 0; i < st.iters; i++) {
    bool tried = (i % 7) == 3;
    if (tried && !gort_rwmutex_tryrlock(&st.rw))
      continue;
    if (!tried)
      gort_rwmutex_rlock(&st.rw);
    atomic_fetch_add(&st.readers, 1);
    st_check_read();
    if ((i & 15) == 0)
      gort_yield();
    atomic_fetch_sub(&st.readers, 1);
    if ((i + id) % 11 == 0) {
      int one = 1;
      gort_chan_send(st.handed, &one); /* the dropper RUnlocks it */
    } else {
      gort_rwmutex_runlock(&st.rw);
    }
  }
  gort_waitgroup_done(&st.work);
}

static void st_dropper(void *p) {
  (void)p;
  int v;
  while (gort_chan_recv(st.handed, &v))
    gort_rwmutex_runlock(&st.rw);
  gort_waitgroup_done(&st.drop);
}

static void st_writer(void *p) {
  (void)p;
  for (int64_t i = 0; i < st.iters / 50; i++) {
    bool tried = (i % 3) == 1;
    if (tried && !gort_rwmutex_trylock(&st.rw)) {
      gort_sleep(MS / 10);
      continue;
    }
    if (!tried)
      gort_rwmutex_lock(&st.rw);
    CHECK_EQ(atomic_fetch_add(&st.writers, 1), 0);
    CHECK_EQ(atomic_load(&st.readers), 0);
    st.a++;
    gort_yield();
    st.b++;
    atomic_fetch_sub(&st.writers, 1);
    gort_rwmutex_unlock(&st.rw);
    gort_sleep(MS / 10); /* long enough for the bias to come back */
  }
  gort_waitgroup_done(&st.work);
}

TEST_IMPL(sync_rwmutex_bias_stress) {
  gort_set_maxprocs(4);
  const int nreaders = 8, nwriters = 2;
  st.iters = STRESS(20000, 3000);
  struct gort_sync_stats before = sync_stats();
  st.handed = gort_chan_make(sizeof(int), 64);
  CHECK(st.handed != NULL);
  gort_waitgroup_add(&st.drop, 1);
  CHECK_EQ(gort_go(st_dropper, NULL), 0);
  gort_waitgroup_add(&st.work, nreaders + nwriters);
  for (int i = 0; i < nreaders; i++)
    CHECK_EQ(gort_go(st_reader, (void *)(intptr_t)i), 0);
  for (int i = 0; i < nwriters; i++)
    CHECK_EQ(gort_go(st_writer, NULL), 0);
  gort_waitgroup_wait(&st.work);
  gort_chan_close(st.handed);
  gort_waitgroup_wait(&st.drop);
  CHECK_EQ(st.a, st.b);
  CHECK(st.a > 0);
  CHECK(gort_rwmutex_trylock(&st.rw));
  gort_rwmutex_unlock(&st.rw);
  struct gort_sync_stats after = sync_stats();
  uint64_t revocations =
      after.rwmutex_bias_revocations - before.rwmutex_bias_revocations;
  printf("writes %lld, bias revocations %llu\n", (long long)st.a,
         (unsigned long long)revocations);
  /* The first writer finds the zero value's bias on; whether it came back
   * in between depends on timing (sync_rwmutex_bias_returns checks it). */
  CHECK(revocations >= 1);
  gort_chan_free(st.handed);
  return 0;
}

/* ---- the bias comes back after a writer -------------------------------
 * A writer turns it off for nine times what its revocation cost (at most
 * about a second); then a counted reader (every sixteenth on its P looks
 * at the clock) turns it back on, and the next writer revokes it again,
 * which the revocation count shows. A writer that finds it off sets no
 * new inhibition, so polling with Lock does not hold it off. */

TEST_IMPL(sync_rwmutex_bias_returns) {
  static gort_rwmutex rw;
  gort_rwmutex_rlock(&rw); /* the zero value is biased */
  gort_rwmutex_runlock(&rw);
  uint64_t before = sync_stats().rwmutex_bias_revocations;
  gort_rwmutex_lock(&rw);
  gort_rwmutex_unlock(&rw);
  CHECK_EQ(sync_stats().rwmutex_bias_revocations, before + 1);
  int64_t start = gort_nanotime();
  int tries = 0;
  for (;;) {
    tries++;
    gort_sleep(5 * MS);
    for (int i = 0; i < 32; i++) {
      gort_rwmutex_rlock(&rw);
      gort_rwmutex_runlock(&rw);
    }
    gort_rwmutex_lock(&rw);
    gort_rwmutex_unlock(&rw);
    if (sync_stats().rwmutex_bias_revocations == before + 2)
      break;
    /* The inhibition is at most about a second. */
    CHECK(gort_nanotime() - start < 5000 * MS);
  }
  printf("the bias came back within %d tries\n", tries);
  return 0;
}

/* ---- a reader loop is preempted at its RUnlock --------------------------
 *
 * A goroutine that only takes and drops a biased read lock in a loop
 * makes no other call: where no signal can stop it (wasm; here natively
 * too, with asyncpreemptoff=1), RUnlock is its safe point (Go's are its
 * functions' prologues). With one P the main goroutine runs again only
 * if the reader yields there once sysmon has asked it to: without the
 * safe point this case never ends. */

struct reader_loop {
  gort_rwmutex *rw;
  _Atomic int started, stop;
  _Atomic int64_t rounds;
  gort_waitgroup done;
};

static void reader_loop_run(void *p) {
  struct reader_loop *r = p;
  int64_t n = 0;
  atomic_store(&r->started, 1);
  while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
    gort_rwmutex_rlock(r->rw);
    gort_rwmutex_runlock(r->rw);
    n++;
  }
  atomic_store(&r->rounds, n);
  gort_waitgroup_done(&r->done);
}

TEST_IMPL(sync_rwmutex_reader_loop_preempted) {
  static gort_rwmutex rw; /* zero value: biased */
  struct reader_loop r = {.rw = &rw, .done = GORT_WAITGROUP_INIT};
  gort_waitgroup_add(&r.done, 1);
  CHECK_EQ(gort_go(reader_loop_run, &r), 0);
  /* Once the reader has started, we run again only when it yields. */
  while (!atomic_load(&r.started))
    gort_yield();
  atomic_store(&r.stop, 1);
  gort_waitgroup_wait(&r.done);
  CHECK(atomic_load(&r.rounds) > 0);
  return 0;
}

/* ---- RUnlock once more than RLock, on a lock that was biased ----------- */

TEST_IMPL(crash_rwmutex_runlock_biased_twice) {
  static gort_rwmutex rw;
  gort_rwmutex_rlock(&rw);
  gort_rwmutex_runlock(&rw);
  gort_rwmutex_runlock(&rw);
  return 1;
}
