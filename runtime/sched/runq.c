/*
 * runq.c - run queues and free-G lists (Go's runqput, runqget,
 * runqputslow, globrunqput, globrunqget, gfput, gfget in proc.go).
 *
 * The local run queue of a P is a ring of P_RUNQ_SIZE slots. Only the
 * owning M writes runqtail (puts); consumers (the owner, and thieves in
 * runqsteal, which take half at once) take from runqhead with a CAS. When the
 * ring is full, half of it plus the new G move to the global queue in one
 * locked step, so the cost of the lock is paid once per P_RUNQ_SIZE/2 puts.
 *
 * Invariants:
 *   - 0 <= runqtail - runqhead <= P_RUNQ_SIZE (unsigned arithmetic).
 *   - A G is on at most one queue, linked by schedlink only on the global
 *     queue and free lists (the ring holds pointers).
 *
 * Locking: sched.lock for the global queue and global free list; the P's
 * owner for the ring's tail, runnext puts and the P's free list.
 * Orderings: a put stores the slot, then store-releases runqtail; a consumer
 * load-acquires runqtail, reads the slot, then CAS-releases runqhead so the
 * owner cannot overwrite the slot before the read is done.
 */
#include "atomic/atomic.h"
#include <stdlib.h>

#include "debug/print.h"
#include "os/os.h"
#include "sched/runq.h"

struct schedt gort__sched = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_SCHED),
                             .allplock = GORT_LOCK_INITIALIZER(LOCK_RANK_ALLP)};

/* ---- global queue (sched.lock) --------------------------------------- */

/* The list's ends agree with its size (cheap; a full walk is
 * gort__runq_verify). */
static bool gqueue_ends_ok(const struct gqueue *q) {
  return (q->size == 0) == (q->head == NULL) &&
         (q->head == NULL) == (q->tail == NULL) &&
         (q->tail == NULL || q->tail->schedlink == NULL);
}

static void gqueue_push_back(struct gqueue *q, struct g *gp) {
  GORT_ASSERT(gqueue_ends_ok(q));
  GORT_ASSERT(gort__readgstatus(gp) == G_RUNNABLE);
  gp->schedlink = NULL;
  if (q->tail)
    q->tail->schedlink = gp;
  else
    q->head = gp;
  q->tail = gp;
  q->size++;
}

static struct g *gqueue_pop(struct gqueue *q) {
  GORT_ASSERT(gqueue_ends_ok(q));
  struct g *gp = q->head;
  if (gp) {
    q->head = gp->schedlink;
    if (q->head == NULL)
      q->tail = NULL;
    q->size--;
    gp->schedlink = NULL;
  }
  return gp;
}

/* Move every G of from to the back of q, in order, in O(1) (Go's
 * gQueue.pushBackAll); from is left empty. */
static void gqueue_append(struct gqueue *q, struct gqueue *from) {
  GORT_ASSERT(gqueue_ends_ok(q) && gqueue_ends_ok(from));
  if (from->head == NULL)
    return;
  if (q->tail)
    q->tail->schedlink = from->head;
  else
    q->head = from->head;
  q->tail = from->tail;
  q->size += from->size;
  *from = (struct gqueue){NULL, NULL, 0};
}

void gort__globrunqputhead_locked(struct g *gp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  struct gqueue *q = &gort__sched.runq;
  GORT_ASSERT(gqueue_ends_ok(q));
  GORT_ASSERT(gort__readgstatus(gp) == G_RUNNABLE);
  gp->schedlink = q->head;
  q->head = gp;
  if (q->tail == NULL)
    q->tail = gp;
  q->size++;
  gort__atomic_store_relaxed(&gort__sched.runqsize, q->size);
}

void gort__globrunqput_locked(struct g *gp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  gqueue_push_back(&gort__sched.runq, gp);
  gort__atomic_store_relaxed(&gort__sched.runqsize, gort__sched.runq.size);
}

static void runqput_batch(struct p *pp, struct g *const *gs, uint32_t n);

struct g *gort__globrunqget_locked(struct p *pp, int max) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  struct schedt *s = &gort__sched;
  if (s->runq.size == 0)
    return NULL;
  /* Take a fair share: one P's worth of the queue, at most half the ring. */
  int64_t n = s->runq.size / gort__atomic_load_seq_cst(&s->gomaxprocs) + 1;
  if (n > s->runq.size)
    n = s->runq.size;
  if (max > 0 && n > max)
    n = max;
  if (n > P_RUNQ_SIZE / 2)
    n = P_RUNQ_SIZE / 2;
  /* Besides the G returned, no more than pp's ring has room for: a full
   * ring's overflow takes sched.lock, held here (thieves only make room). */
  int64_t room = P_RUNQ_SIZE - (int64_t)gort__runqlen(pp);
  if (n - 1 > room)
    n = room + 1;
  struct g *gp = gqueue_pop(&s->runq);
  struct g *rest[P_RUNQ_SIZE / 2];
  uint32_t nrest = (uint32_t)n - 1;
  for (uint32_t i = 0; i < nrest; i++)
    rest[i] = gqueue_pop(&s->runq);
  gort__atomic_store_relaxed(&s->runqsize, s->runq.size);
  runqput_batch(pp, rest, nrest);
  return gp;
}

/* ---- local ring ------------------------------------------------------- */

/* Move half of the full ring and gp to the global queue. Returns false if
 * a consumer raced us and the ring has room again. */
static bool runqputslow(struct p *pp, struct g *gp, uint32_t h, uint32_t t) {
  enum { HALF = P_RUNQ_SIZE / 2 };
  struct g *batch[HALF + 1];
  uint32_t n = (t - h) / 2;
  if (n != HALF)
    gort__throw("runtime: runqputslow: queue is not full");
  for (uint32_t i = 0; i < n; i++)
    batch[i] = gort__atomic_load_relaxed(&pp->runq[(h + i) % P_RUNQ_SIZE]);
  if (!gort__atomic_cas_strong_release(&pp->runqhead, &h, h + n))
    return false;
  batch[n] = gp;
  /* Link them before taking the lock, then splice the list in: the lock
   * is held for a few stores, and runqsize is stored once (Go's
   * runqputslow and globrunqputbatch). */
  struct gqueue q = {NULL, NULL, 0};
  for (uint32_t i = 0; i <= n; i++)
    gqueue_push_back(&q, batch[i]);
  gort__lock(&gort__sched.lock);
  gqueue_append(&gort__sched.runq, &q);
  gort__atomic_store_relaxed(&gort__sched.runqsize, gort__sched.runq.size);
  gort__unlock(&gort__sched.lock);
  return true;
}

/* Put gs[0..n) at the tail of pp's ring (owner only), which has room for
 * them, with one release of runqtail where runqput releases it once a G. */
static void runqput_batch(struct p *pp, struct g *const *gs, uint32_t n) {
  uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
  uint32_t t = gort__atomic_load_relaxed(&pp->runqtail);
  if (P_RUNQ_SIZE - (t - h) < n)
    gort__throw("runtime: runqput_batch: no room in the ring");
  for (uint32_t i = 0; i < n; i++) {
    GORT_ASSERT(gort__readgstatus(gs[i]) == G_RUNNABLE);
    gort__atomic_store_relaxed(&pp->runq[(t + i) % P_RUNQ_SIZE], gs[i]);
  }
  /* Release: the slots are written before a consumer can see them. */
  gort__atomic_store_release(&pp->runqtail, t + n);
}

void gort__runqput(struct p *pp, struct g *gp, bool next) {
  if (next) {
    /* The old runnext, if any, goes to the tail of the ring. */
    struct g *old = gort__atomic_exchange_acq_rel(&pp->runnext, gp);
    if (old == NULL)
      return;
    gp = old;
  }
  GORT_ASSERT(gort__readgstatus(gp) == G_RUNNABLE);
  for (;;) {
    uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
    uint32_t t = gort__atomic_load_relaxed(&pp->runqtail);
    GORT_ASSERT(t - h <= P_RUNQ_SIZE);
    if (t - h < P_RUNQ_SIZE) {
      gort__atomic_store_relaxed(&pp->runq[t % P_RUNQ_SIZE], gp);
      /* Release: the slot is written before a consumer can see it. */
      gort__atomic_store_release(&pp->runqtail, t + 1);
      return;
    }
    if (runqputslow(pp, gp, h, t))
      return;
  }
}

bool gort__runqputhead(struct p *pp, struct g *gp) {
  for (;;) {
    uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
    uint32_t t = gort__atomic_load_relaxed(&pp->runqtail);
    if (t - h >= P_RUNQ_SIZE)
      return false;
    /* Slot h-1 is outside every range a thief may be copying ([h, t)). */
    gort__atomic_store_relaxed(&pp->runq[(h - 1) % P_RUNQ_SIZE], gp);
    /* Release: the slot is written before the new head is visible. */
    if (gort__atomic_cas_weak_release(&pp->runqhead, &h, h - 1))
      return true;
  }
}

struct g *gort__runqget(struct p *pp, bool *inherit_time) {
  struct g *next = gort__atomic_load_relaxed(&pp->runnext);
  if (next != NULL &&
      gort__atomic_cas_strong_acquire(&pp->runnext, &next, NULL)) {
    *inherit_time = true;
    return next;
  }
  *inherit_time = false;
  for (;;) {
    uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
    uint32_t t = gort__atomic_load_acquire(&pp->runqtail);
    if (t == h)
      return NULL;
    struct g *gp = gort__atomic_load_relaxed(&pp->runq[h % P_RUNQ_SIZE]);
    if (gort__atomic_cas_weak_release(&pp->runqhead, &h, h + 1))
      return gp;
  }
}

void gort__runqnext_to_tail(struct p *pp) {
  struct g *next = gort__atomic_exchange_acquire(&pp->runnext, NULL);
  if (next != NULL)
    gort__runqput(pp, next, false);
}

bool gort__runqempty(struct p *pp) {
  uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
  uint32_t t = gort__atomic_load_acquire(&pp->runqtail);
  return t == h && gort__atomic_load_acquire(&pp->runnext) == NULL;
}

uint32_t gort__runqlen(struct p *pp) {
  uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
  uint32_t t = gort__atomic_load_acquire(&pp->runqtail);
  return t - h;
}

/* runqgrab copies up to half of pp's queue into the ring batch starting at
 * batch_head, and returns how many. With steal_runnext it may take pp's
 * runnext when the ring is empty (Go's runqgrab). */
static uint32_t runqgrab(struct p *pp, struct g *_Atomic *batch,
                         uint32_t batch_head, bool steal_runnext) {
  for (;;) {
    uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
    uint32_t t = gort__atomic_load_acquire(&pp->runqtail);
    uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (!steal_runnext)
        return 0;
      struct g *next = gort__atomic_load_acquire(&pp->runnext);
      if (next == NULL)
        return 0;
      /* pp's owner is likely about to run it: give it a moment, so a
       * pair of goroutines handing work back and forth is not split
       * between two Ps (proc.go does the same). */
      if (gort__atomic_load_relaxed(&pp->status) == P_RUNNING)
        gort__os_usleep(3);
      if (!gort__atomic_cas_strong_acq_rel(&pp->runnext, &next, NULL))
        continue;
      gort__atomic_store_relaxed(&batch[batch_head % P_RUNQ_SIZE], next);
      return 1;
    }
    if (n > P_RUNQ_SIZE / 2) /* read h and t at different times: retry */
      continue;
    for (uint32_t i = 0; i < n; i++) {
      struct g *gp =
          gort__atomic_load_relaxed(&pp->runq[(h + i) % P_RUNQ_SIZE]);
      gort__atomic_store_relaxed(&batch[(batch_head + i) % P_RUNQ_SIZE], gp);
    }
    /* Release-CAS: commits the taking; on failure pp's owner or another
     * thief got there first and the copies above are discarded. */
    if (gort__atomic_cas_strong_acq_rel(&pp->runqhead, &h, h + n))
      return n;
  }
}

struct g *gort__runqsteal(struct p *pp, struct p *victim, bool steal_runnext) {
  uint32_t t = gort__atomic_load_relaxed(&pp->runqtail);
  uint32_t n = runqgrab(victim, pp->runq, t, steal_runnext);
  if (n == 0)
    return NULL;
  n--;
  struct g *gp = gort__atomic_load_relaxed(&pp->runq[(t + n) % P_RUNQ_SIZE]);
  if (n > 0) {
    uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
    if (t - h + n >= P_RUNQ_SIZE)
      gort__throw("runtime: runqsteal: runq overflow");
    /* Release: the stolen slots are written before they are visible. */
    gort__atomic_store_release(&pp->runqtail, t + n);
  }
  pp->steals += n + 1;
  gort__atomic_add_relaxed(&gort__sched.steals, n + 1);
  return gp;
}

/* ---- the walk (GORT_DEBUG_LEVEL 3) ----------------------------------------
 */

static void verify_g(struct g *gp, const char *where) {
  if (gp == NULL || gort__readgstatus(gp) != G_RUNNABLE) {
    gort__print_str("runtime: runq_verify: ");
    gort__print_str(where);
    gort__print_str(" holds g ");
    gort__print_hex((uintptr_t)gp);
    gort__print_str(gp ? " not runnable\n" : " (nil)\n");
    gort__throw("runtime: run queue corrupted");
  }
}

void gort__runq_verify(void) {
  if (GORT_DEBUG_LEVEL < 3)
    return;
  gort__lock(&gort__sched.lock);
  int32_t n = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  for (int32_t i = 0; i < n; i++) {
    struct p *pp = gort__sched.allp[i];
    uint32_t h = gort__atomic_load_acquire(&pp->runqhead);
    uint32_t t = gort__atomic_load_acquire(&pp->runqtail);
    GORT_ASSERT_EXPENSIVE(t - h <= P_RUNQ_SIZE);
    for (uint32_t k = h; k != t; k++)
      verify_g(gort__atomic_load_relaxed(&pp->runq[k % P_RUNQ_SIZE]),
               "a P's ring");
    struct g *next = gort__atomic_load_acquire(&pp->runnext);
    if (next != NULL)
      verify_g(next, "a P's runnext");
  }
  struct gqueue *q = &gort__sched.runq;
  int64_t count = 0;
  struct g *last = NULL;
  for (struct g *gp = q->head; gp != NULL; gp = gp->schedlink) {
    verify_g(gp, "the global queue");
    last = gp;
    count++;
  }
  GORT_ASSERT_EXPENSIVE(count == q->size && last == q->tail);
  GORT_ASSERT_EXPENSIVE(gort__atomic_load_seq_cst(&gort__sched.runqsize) ==
                        q->size);
  gort__unlock(&gort__sched.lock);
}

/* ---- free Gs ------------------------------------------------------------
 * A P keeps up to GFREE_LOCAL_MAX dead Gs, chained through schedlink. The
 * global list is a stack of batches: the Gs of a batch are chained through
 * schedlink, and its first G links the next batch and holds its length.
 * So a P spills half its list, or refills its empty list, with a few
 * stores under sched.lock: the walk to cut a batch off is done before the
 * lock, on the P's own list. (Go moves the Gs one by one under its lock,
 * gfput and gfget in proc.go; that walk, a cache miss a G, held the lock
 * long enough for a spawning P and an exiting P to queue on it.) */

enum { GFREE_LOCAL_MAX = 64, GFREE_BATCH = GFREE_LOCAL_MAX / 2 };

/* first..n Gs chained through schedlink become the global list's top
 * batch. */
static void gfree_push_batch_locked(struct g *first, int32_t n) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  first->gfree_next_batch = gort__sched.gfree;
  first->gfree_batch_len = n;
  gort__sched.gfree = first;
}

void gort__gfput(struct p *pp, struct g *gp) {
  gp->schedlink = pp->gfree;
  pp->gfree = gp;
  if (++pp->gfreecnt < GFREE_LOCAL_MAX)
    return;
  /* Spill half: the newest GFREE_BATCH Gs, cut off before the lock. */
  struct g *first = pp->gfree, *last = first;
  for (int32_t i = 1; i < GFREE_BATCH; i++)
    last = last->schedlink;
  pp->gfree = last->schedlink;
  pp->gfreecnt -= GFREE_BATCH;
  last->schedlink = NULL;
  gort__lock(&gort__sched.lock);
  gfree_push_batch_locked(first, GFREE_BATCH);
  gort__unlock(&gort__sched.lock);
}

void gort__gfpurge_locked(struct p *pp) {
  GORT_ASSERT_LOCKED(&gort__sched.lock);
  if (pp->gfree != NULL)
    gfree_push_batch_locked(pp->gfree, pp->gfreecnt);
  pp->gfree = NULL;
  pp->gfreecnt = 0;
}

struct g *gort__gfget(struct p *pp) {
  if (pp->gfree == NULL) {
    /* Refill with the global list's top batch, whatever its length (at
     * most GFREE_LOCAL_MAX: a purged P's whole list, or a spilled half). */
    gort__lock(&gort__sched.lock);
    struct g *first = gort__sched.gfree;
    if (first != NULL) {
      gort__sched.gfree = first->gfree_next_batch;
      pp->gfree = first;
      pp->gfreecnt = first->gfree_batch_len;
    }
    gort__unlock(&gort__sched.lock);
  }
  struct g *gp = pp->gfree;
  if (gp) {
    pp->gfree = gp->schedlink;
    pp->gfreecnt--;
    gp->schedlink = NULL;
  }
  return gp;
}
