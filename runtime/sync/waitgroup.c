/*
 * waitgroup.c - sync.WaitGroup.
 *
 * A counter and a FIFO of parked waiters. Done/Add that bring the counter
 * to zero release every waiter. This first version keeps its waiters on a
 * runtime lock inside the WaitGroup; the sync work (issue 6) moves it onto
 * the runtime semaphore, as Go's waitgroup.go does.
 *
 * Invariants:
 *   - counter >= 0; a negative counter is fatal, as in Go.
 *   - A G on the waiter list is G_WAITING with waitreason WAIT_WAITGROUP.
 *
 * Locking: counter is atomic. lock guards the waiter list. A waiter checks
 * the counter under lock before it parks, and a releaser takes the lock
 * after its decrement, so no wake-up is lost: either the waiter sees zero,
 * or the releaser sees the waiter.
 */
#include <stdatomic.h>

#include "../debug/print.h"
#include "../sched/runtime2.h"

struct waitgroup {
  _Atomic int64_t counter;
  struct mutex lock;
  uint32_t nwait; /* (lock) */
  struct g *head, *tail; /* waiters, linked by schedlink (lock) */
};

_Static_assert(sizeof(struct waitgroup) <= sizeof(gort_waitgroup),
               "gort_waitgroup is too small for struct waitgroup");

static struct waitgroup *wg_of(gort_waitgroup *w) {
  return (struct waitgroup *)(void *)w;
}

void gort_waitgroup_add(gort_waitgroup *w, int64_t delta) {
  struct waitgroup *wg = wg_of(w);
  /* acq_rel: the zero we reach is ordered after every Done before it, so
   * waiters released below see the work those goroutines did. */
  int64_t v = atomic_fetch_add_explicit(&wg->counter, delta,
                                        memory_order_acq_rel) + delta;
  if (v < 0)
    gort__panic("sync: negative WaitGroup counter");
  if (v > 0 || delta > 0)
    return;
  gort__lock(&wg->lock);
  struct g *list = wg->head;
  wg->head = wg->tail = NULL;
  wg->nwait = 0;
  gort__unlock(&wg->lock);
  while (list) {
    struct g *gp = list;
    list = gp->schedlink;
    gp->schedlink = NULL;
    gort__goready(gp);
  }
}

void gort_waitgroup_done(gort_waitgroup *w) { gort_waitgroup_add(w, -1); }

void gort_waitgroup_wait(gort_waitgroup *w) {
  struct waitgroup *wg = wg_of(w);
  if (atomic_load_explicit(&wg->counter, memory_order_acquire) == 0)
    return;
  struct g *gp = gort__getg();
  gort__lock(&wg->lock);
  if (atomic_load_explicit(&wg->counter, memory_order_acquire) == 0) {
    gort__unlock(&wg->lock);
    return;
  }
  /* Append: waiters are released in arrival order. */
  gp->schedlink = NULL;
  gp->waiting_on = wg;
  if (wg->tail)
    wg->tail->schedlink = gp;
  else
    wg->head = gp;
  wg->tail = gp;
  wg->nwait++;
  gort__gopark(gort__parkunlock, &wg->lock, WAIT_WAITGROUP);
}
