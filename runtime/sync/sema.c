/*
 * sema.c - the runtime semaphore: semacquire / semrelease on any uint32 in
 * memory, after Go's runtime/sema.go.
 *
 * Design. A waiting goroutine is a semawaiter record in its own stack frame
 * (stacks never move in gort, so no sudog cache is needed). Waiters hash by
 * address into one of SEMTABSIZE buckets (a prime, so user patterns do not
 * correlate; each bucket on its own cache line). A bucket (semaroot) holds
 * a runtime lock, nwait (its waiters, read without the lock), and a list of
 * the distinct addresses that have waiters: one "head" record per address,
 * itself the first waiter of that address, which chains the others through
 * waitlink and knows the last one (waittail). Queueing and dequeueing on
 * one address are O(1) after finding its head; finding it is a walk over
 * the bucket's distinct addresses (sema.go keeps those in a treap; with
 * 251 buckets the walk is short unless thousands of distinct addresses
 * wait at once, which gort's users do not do yet).
 *
 * semacquire: take a permit with a CAS if there is one (the easy case).
 * Otherwise lock the bucket, count ourselves in nwait (which disables
 * semrelease's easy case), try once more (a release may have come in
 * between), then queue and park with the bucket lock released on g0 by
 * gopark's unlock callback. Woken, we own a permit if the releaser handed
 * one over (ticket = 1), else we compete for it and queue again, at the
 * front when lifo, if we lose.
 *
 * semrelease: add the permit, then look at nwait: zero means nobody can be
 * parked or about to park on any address of this bucket (the waiter's
 * increment and our add are ordered by seq_cst, Dekker style: either the
 * waiter's retry sees our permit, or we see its nwait). Otherwise dequeue
 * the first waiter of the address and ready it after the unlock. With
 * handoff (a Mutex in starvation mode) we take the permit back for it
 * (ticket = 1) and goyield, so it runs at once on our P and inherits our
 * time slice; the releaser goes to the tail of the P's ring.
 *
 * Invariants:
 *   - A record is on its bucket's structures only while its G is parked
 *     in semacquire, or about to (its G holds the bucket lock until
 *     park_m releases it on g0).
 *   - nwait counts the records queued in the bucket plus the goroutines
 *     between their increment and their queueing (lock held).
 *   - After goready the releaser never touches the record again: it is on
 *     a stack that may be running again on another M.
 *
 * Locking: root->lock guards heads and every link field of the records
 * queued there; ticket is written by the releaser before goready and read
 * by the waiter after it resumes (goready publishes it).
 */
#include "atomic/atomic.h"
#include <stddef.h>

#include "debug/print.h"
#include "sched/mp.h"
#include "sync/sema.h"

enum { SEMTABSIZE = 251, CACHE_LINE = 64 };

struct semawaiter {
  struct g *g;
  _Atomic uint32_t *addr;
  /* Heads only: the bucket's list of distinct addresses. */
  struct semawaiter *prev, *next;
  struct semawaiter *waitlink; /* next waiter on addr (its head's chain) */
  struct semawaiter *waittail; /* heads only: last of the chain, or NULL */
  uint32_t ticket;             /* 1: the releaser handed us its permit */
};

struct semaroot {
  struct mutex lock;
  _Atomic uint32_t nwait;
  struct semawaiter *heads; /* (lock) */
};

static union {
  struct semaroot root;
  char pad[CACHE_LINE];
} semtable[SEMTABSIZE] = {
    [0 ... SEMTABSIZE - 1] = {.root.lock =
                                  GORT_LOCK_INITIALIZER(LOCK_RANK_SEMAROOT)}};

_Static_assert(sizeof(struct semaroot) <= CACHE_LINE, "semaroot too big");

struct sync_counters gort__sync_counters;

static struct semaroot *root_for(_Atomic uint32_t *addr) {
  return &semtable[((uintptr_t)addr >> 3) % SEMTABSIZE].root;
}

static bool cansemacquire(_Atomic uint32_t *addr) {
  uint32_t v = gort__atomic_load_seq_cst(addr);
  while (v != 0)
    if (gort__atomic_cas_weak_seq_cst(addr, &v, v - 1))
      return true;
  return false;
}

static void count(_Atomic uint64_t *c) { gort__atomic_add_relaxed(c, 1); }

/* ---- the bucket's wait structures (root->lock held) --------------------- */

static struct semawaiter *find_head_locked(struct semaroot *root,
                                           _Atomic uint32_t *addr) {
  GORT_ASSERT_LOCKED(&root->lock);
  for (struct semawaiter *h = root->heads; h; h = h->next)
    if (h->addr == addr)
      return h;
  return NULL;
}

/* Put s where h was in the list of heads (h is no longer a head). */
static void replace_head_locked(struct semaroot *root, struct semawaiter *h,
                                struct semawaiter *s) {
  GORT_ASSERT_LOCKED(&root->lock);
  s->prev = h->prev;
  s->next = h->next;
  if (s->prev)
    s->prev->next = s;
  else
    root->heads = s;
  if (s->next)
    s->next->prev = s;
  h->prev = h->next = NULL;
}

static void queue_locked(struct semaroot *root, _Atomic uint32_t *addr,
                         struct semawaiter *s, bool lifo) {
  GORT_ASSERT_LOCKED(&root->lock);
  s->addr = addr;
  s->prev = s->next = s->waitlink = s->waittail = NULL;
  struct semawaiter *h = find_head_locked(root, addr);
  if (h == NULL) {
    /* A new address: s heads it. */
    s->next = root->heads;
    if (s->next)
      s->next->prev = s;
    root->heads = s;
  } else if (lifo) {
    /* s takes h's place; h becomes the first of s's chain. */
    replace_head_locked(root, h, s);
    s->waitlink = h;
    s->waittail = h->waittail ? h->waittail : h;
    h->waittail = NULL;
  } else {
    if (h->waittail)
      h->waittail->waitlink = s;
    else
      h->waitlink = s;
    h->waittail = s;
  }
}

/* Take the first waiter on addr, or NULL. */
static struct semawaiter *dequeue_locked(struct semaroot *root,
                                         _Atomic uint32_t *addr) {
  GORT_ASSERT_LOCKED(&root->lock);
  struct semawaiter *s = find_head_locked(root, addr);
  if (s == NULL)
    return NULL;
  struct semawaiter *t = s->waitlink;
  if (t) {
    replace_head_locked(root, s, t);
    t->waittail = t->waitlink ? s->waittail : NULL;
  } else {
    if (s->prev)
      s->prev->next = s->next;
    else
      root->heads = s->next;
    if (s->next)
      s->next->prev = s->prev;
  }
  s->prev = s->next = s->waitlink = s->waittail = NULL;
  return s;
}

/* ---- acquire / release -------------------------------------------------- */

void gort__semacquire(_Atomic uint32_t *addr, bool lifo, uint32_t reason) {
  if (cansemacquire(addr)) /* the easy case */
    return;
  struct g *gp = gort__getg();
  if (gp == NULL) /* a thread that is not the runtime's: the user's error */
    gort__must_getg(gort__waitreason_names[reason]);
  if (gp->is_g0)
    gort__throw("semacquire not on the G stack");
  struct semaroot *root = root_for(addr);
  struct semawaiter s = {.g = gp};
  for (;;) {
    gort__lock(&root->lock);
    /* seq_cst: pairs with semrelease's add-then-load (see the head). */
    gort__atomic_add_seq_cst(&root->nwait, 1);
    if (cansemacquire(addr)) {
      gort__atomic_sub_seq_cst(&root->nwait, 1);
      gort__unlock(&root->lock);
      return;
    }
    s.ticket = 0;
    queue_locked(root, addr, &s, lifo);
    gp->waiting_on = addr;
    count(&gort__sync_counters.sema_parks);
    gort__gopark(gort__parkunlock, &root->lock, reason);
    if (s.ticket != 0 || cansemacquire(addr))
      return;
    /* Woken without a permit and lost the race for it: queue again. */
  }
}

void gort__semrelease(_Atomic uint32_t *addr, bool handoff) {
  struct semaroot *root = root_for(addr);
  gort__atomic_add_seq_cst(addr, 1);
  /* The easy case, checked after the add (seq_cst) so that a waiter that
   * counted itself before our add is seen, and one that counts itself
   * after it sees our permit in its retry. */
  if (gort__atomic_load_seq_cst(&root->nwait) == 0)
    return;
  gort__lock(&root->lock);
  if (gort__atomic_load_seq_cst(&root->nwait) == 0) {
    /* The permit was consumed by a waiter's retry. */
    gort__unlock(&root->lock);
    return;
  }
  struct semawaiter *s = dequeue_locked(root, addr);
  if (s)
    gort__atomic_sub_seq_cst(&root->nwait, 1);
  gort__unlock(&root->lock);
  if (s == NULL)
    return;
  bool handed = handoff && cansemacquire(addr);
  s->ticket = handed;
  struct g *gp = s->g; /* s is not ours after goready */
  gort__goready(gp);
  if (handed) {
    count(&gort__sync_counters.sema_handoffs);
    /* gp sits in runnext: run it now, on our time slice. */
    gort__goyield();
  }
}

/* ---- statistics --------------------------------------------------------- */

int gort_sync_stats(struct gort_sync_stats *out) {
  if (out == NULL)
    return GORT_EINVAL;
  struct sync_counters *c = &gort__sync_counters;
  out->mutex_starvation_entered =
      gort__atomic_load_relaxed(&c->mutex_starvation_entered);
  out->mutex_starvation_left =
      gort__atomic_load_relaxed(&c->mutex_starvation_left);
  out->sema_parks = gort__atomic_load_relaxed(&c->sema_parks);
  out->sema_handoffs = gort__atomic_load_relaxed(&c->sema_handoffs);
  out->rwmutex_bias_revocations =
      gort__atomic_load_relaxed(&c->rwmutex_bias_revocations);
  out->rwmutex_bias_readers_drained =
      gort__atomic_load_relaxed(&c->rwmutex_bias_readers_drained);
  return 0;
}
