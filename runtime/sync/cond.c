/*
 * cond.c - sync.Cond, after Go's sync/cond.go, over a ticketed notify
 * list, after the notifyList of Go's runtime/sema.go.
 *
 * Wait takes a ticket (an atomic add on wait: the number of the next
 * waiter), unlocks the Locker, then parks on the list unless its ticket
 * was already notified, and locks the Locker again when woken. notify is
 * the ticket of the next waiter to wake. Signal wakes the waiter holding
 * ticket notify (the longest waiter: tickets are taken in Wait order) and
 * advances notify; Broadcast sets notify to wait and wakes everyone. A
 * Signal between a waiter's ticket and its park is not lost: the waiter
 * finds its ticket below notify and does not park.
 *
 * Invariants:
 *   - Tickets wrap; a < b is int32(a - b) < 0 (fewer than 2^31 waiters).
 *   - Every parked record has ticket >= notify (in that order): notified
 *     tickets are dequeued under the lock when notify passes them.
 *   - A waiter record lives on the waiting G's stack; the waker reads what
 *     it needs from it before goready.
 *
 * Locking: wait is atomic; notify is written under lock and read without
 * it for the fast "nobody waits" checks; lock guards head/tail and the
 * records on the list. The Cond's Locker is the caller's.
 */
#include "atomic/atomic.h"

#include "debug/handle.h"
#include "debug/print.h"
#include "sched/mp.h"
#include "sched/runtime2.h"

struct notifywaiter {
  struct g *g;
  uint32_t ticket;
  struct notifywaiter *next;
};

struct notifylist {
  _Atomic uint32_t wait;   /* ticket of the next waiter */
  _Atomic uint32_t notify; /* ticket of the next waiter to notify */
  struct mutex lock;
  struct notifywaiter *head, *tail; /* (lock) */
};

struct sync_cond {
  gort_lock_func lock, unlock;
  void *locker;
  struct notifylist notify;
};

_Static_assert(sizeof(struct sync_cond) <= sizeof(gort_cond),
               "gort_cond is too small for struct sync_cond");

static struct sync_cond *cond_of(gort_cond *c) {
  if (c == NULL)
    gort__panic_nil("sync.Cond", "*gort_cond"); /* wasm: 0 does not fault */
  return (struct sync_cond *)(void *)c;
}

static bool less(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* ---- the notify list ---------------------------------------------------- */

static uint32_t notify_list_add(struct notifylist *l) {
  /* Concurrent callers are fine (a Cond over an RLocker). */
  return gort__atomic_add_seq_cst(&l->wait, 1);
}

static void notify_list_wait(struct notifylist *l, uint32_t t) {
  gort__lock(&l->lock);
  if (less(t, gort__atomic_load_relaxed(&l->notify))) {
    gort__unlock(&l->lock); /* already notified */
    return;
  }
  struct g *gp = gort__must_getg("sync.Cond.Wait");
  struct notifywaiter s = {.g = gp, .ticket = t, .next = NULL};
  if (l->tail)
    l->tail->next = &s;
  else
    l->head = &s;
  l->tail = &s;
  gp->waiting_on = l;
  gort__gopark(gort__parkunlock, &l->lock, WAIT_SYNC_COND);
}

static void notify_list_notify_all(struct notifylist *l) {
  /* Fast path: no waiter since the last notification. seq_cst pairs with
   * notify_list_add: a waiter whose ticket we miss took it after this
   * load, so after the caller's state change, and will see it. */
  if (gort__atomic_load_seq_cst(&l->wait) ==
      gort__atomic_load_seq_cst(&l->notify))
    return;
  gort__lock(&l->lock);
  struct notifywaiter *s = l->head;
  l->head = l->tail = NULL;
  gort__atomic_store_seq_cst(&l->notify, gort__atomic_load_seq_cst(&l->wait));
  gort__unlock(&l->lock);
  while (s) {
    struct notifywaiter *next = s->next; /* s is not ours after goready */
    gort__goready(s->g);
    s = next;
  }
}

static void notify_list_notify_one(struct notifylist *l) {
  if (gort__atomic_load_seq_cst(&l->wait) ==
      gort__atomic_load_seq_cst(&l->notify))
    return;
  gort__lock(&l->lock);
  uint32_t t = gort__atomic_load_relaxed(&l->notify);
  if (t == gort__atomic_load_seq_cst(&l->wait)) {
    gort__unlock(&l->lock);
    return;
  }
  /* Ticket t is notified, whether its owner parked yet or not: if not,
   * it will see notify > t and not park. */
  gort__atomic_store_seq_cst(&l->notify, t + 1);
  for (struct notifywaiter *p = NULL, *s = l->head; s; p = s, s = s->next) {
    if (s->ticket == t) {
      struct notifywaiter *n = s->next;
      if (p)
        p->next = n;
      else
        l->head = n;
      if (l->tail == s)
        l->tail = p;
      struct g *gp = s->g;
      gort__unlock(&l->lock);
      gort__goready(gp);
      return;
    }
  }
  gort__unlock(&l->lock);
}

/* ---- Cond --------------------------------------------------------------- */

void gort_cond_init(gort_cond *cond, gort_lock_func lock, gort_lock_func unlock,
                    void *locker) {
  struct sync_cond *c = cond_of(cond);
  *c = (struct sync_cond){.lock = lock, .unlock = unlock, .locker = locker};
  gort__lock_init(&c->notify.lock, LOCK_RANK_NOTIFYLIST);
}

void gort_cond_init_mutex(gort_cond *cond, gort_mutex *m) {
  gort_locker l = gort_mutex_locker(m);
  gort_cond_init(cond, l.lock, l.unlock, l.locker);
}

void gort_cond_wait(gort_cond *cond) {
  struct sync_cond *c = cond_of(cond);
  if (c->lock == NULL)
    gort__fatal("sync: Cond used before gort_cond_init");
  uint32_t t = notify_list_add(&c->notify);
  c->unlock(c->locker);
  notify_list_wait(&c->notify, t);
  c->lock(c->locker);
}

void gort_cond_signal(gort_cond *cond) {
  notify_list_notify_one(&cond_of(cond)->notify);
}

void gort_cond_broadcast(gort_cond *cond) {
  notify_list_notify_all(&cond_of(cond)->notify);
}
