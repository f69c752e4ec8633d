/*
 * netpoll.c - poll descriptors: parking goroutines until a descriptor is
 * ready, deadlines, close; and the poller's entry points for the
 * scheduler. Port of the portable half of Go's runtime/netpoll.go
 * (pollDesc, netpollblock, netpollunblock, netpollready, the deadline
 * timers); the backend (netpoll_epoll.c, netpoll_poll.c, netpoll_wasm.c)
 * only waits for events.
 *
 * Who polls: an M with nothing to run blocks in the backend instead of
 * parking (one at a time: it owns sched.lastpoll = 0), an M looking for
 * work polls without blocking, and sysmon polls when nobody has for 10 ms
 * (proc.c, sysmon.c).
 *
 * Invariants and locking: see netpoll.h. A deadline timer's function runs
 * on g0 of an M holding a P; it takes pd->lock, checks that the deadline it
 * stands for is still the current one and has passed, and readies the
 * waiter: a timer that fires late, for an old deadline or for a descriptor
 * already reused, changes nothing.
 */
#include "atomic/atomic.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "debug/print.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/settings.h"

static const struct netpoll_backend *backend;
static _Atomic int started; /* 0 not yet, 1 running, -1 unavailable */
static struct mutex start_lock = GORT_LOCK_INITIALIZER(LOCK_RANK_NETPOLL_INIT);

static struct {
  struct mutex lock;
  struct poll_desc *free;
} cache;

static _Atomic int64_t waiters;
static _Atomic uint64_t polls, blocking_polls, readied;

/* ---- starting ------------------------------------------------------------ */

bool gort__netpoll_start(void) {
  int s = gort__atomic_load_acquire(&started);
  if (s != 0)
    return s > 0;
  gort__lock(&start_lock);
  if (gort__atomic_load_seq_cst(&started) == 0) {
    /* GORT_NETPOLL, checked at start (sched/settings.c); never set
     * where the platform has no poller. */
    const struct netpoll_backend *b = gort__settings.netpoll_poll
                                          ? &gort__netpoll_poll
                                          : gort__netpoll_default_backend();
    bool ok = b->init();
    backend = b;
    gort__atomic_store_release(&started, ok ? 1 : -1);
  }
  gort__unlock(&start_lock);
  return gort__atomic_load_seq_cst(&started) > 0;
}

bool gort__netpoll_wanted(void) {
  return gort__atomic_load_relaxed(&started) > 0 &&
         gort__atomic_load_relaxed(&waiters) > 0;
}

/* ---- the descriptor cache ------------------------------------------------ */

static struct poll_desc *pd_alloc(void) {
  gort__lock(&cache.lock);
  struct poll_desc *pd = cache.free;
  if (pd)
    cache.free = pd->link;
  gort__unlock(&cache.lock);
  if (pd == NULL && (pd = calloc(1, sizeof *pd)) == NULL)
    return NULL;
  pd->link = NULL;
  gort__lock_init(&pd->lock, LOCK_RANK_POLLDESC);
  return pd;
}

struct poll_desc *gort__pd_open(int fd, int *err) {
  struct poll_desc *pd = pd_alloc();
  if (pd == NULL) {
    *err = GORT_ENOMEM;
    return NULL;
  }
  gort__lock(&pd->lock);
  pd->fd = fd;
  pd->closing = false;
  gort__atomic_store_seq_cst(&pd->rg, PD_NIL);
  gort__atomic_store_seq_cst(&pd->wg, PD_NIL);
  pd->rd = pd->wd = 0;
  pd->slot = -1;
  pd->armed = 0;
  gort__unlock(&pd->lock);
  int rc = backend->open(pd);
  if (rc != 0) {
    gort__atomic_add_seq_cst(&pd->fdseq, 1);
    gort__lock(&cache.lock);
    pd->link = cache.free;
    cache.free = pd;
    gort__unlock(&cache.lock);
    *err = rc;
    return NULL;
  }
  return pd;
}

/* ---- waiting and waking (Go's netpollblock / netpollunblock) ------------ */

static _Atomic uintptr_t *slot_of(struct poll_desc *pd, int mode) {
  return mode == 'r' ? &pd->rg : &pd->wg;
}

/* Take the waiter (or note readiness, if ioready). Returns the parked G
 * to ready, or NULL. */
static struct g *unblock(struct poll_desc *pd, int mode, bool ioready) {
  _Atomic uintptr_t *gpp = slot_of(pd, mode);
  for (;;) {
    uintptr_t old = gort__atomic_load_seq_cst(gpp);
    if (old == PD_READY)
      return NULL;
    if (old == PD_NIL && !ioready)
      return NULL; /* only readiness is remembered, not timeouts */
    uintptr_t next = ioready ? PD_READY : PD_NIL;
    if (gort__atomic_cas_weak_seq_cst(gpp, &old, next)) {
      if (old == PD_NIL || old == PD_WAIT)
        return NULL; /* a waiter not yet parked sees the new state */
      gort__atomic_sub_seq_cst(&waiters, 1);
      return (struct g *)old;
    }
  }
}

static int check_err(struct poll_desc *pd, int mode) {
  if (pd->closing)
    return GORT_ECLOSED;
  int64_t d = mode == 'r' ? pd->rd : pd->wd;
  if (d < 0)
    return GORT_ETIMEOUT;
  return 0;
}

/* Park commit, on g0 once the G is switched out: publish it, unless
 * readiness, a deadline or close got there first (they found PD_WAIT and
 * replaced it; the G then runs on and looks again). */
static bool block_commit(struct g *gp, void *arg) {
  _Atomic uintptr_t *gpp = arg;
  uintptr_t expect = PD_WAIT;
  if (!gort__atomic_cas_strong_seq_cst(gpp, &expect, (uintptr_t)gp))
    return false;
  gort__atomic_add_seq_cst(&waiters, 1);
  return true;
}

/* True if readiness ended the wait; false for a deadline or close. */
static bool block(struct poll_desc *pd, int mode) {
  _Atomic uintptr_t *gpp = slot_of(pd, mode);
  for (;;) {
    uintptr_t old = gort__atomic_load_seq_cst(gpp);
    if (old == PD_READY) {
      gort__atomic_store_seq_cst(gpp, PD_NIL);
      return true;
    }
    if (old != PD_NIL)
      gort__throw("runtime: double wait on a network descriptor");
    if (gort__atomic_cas_weak_seq_cst(gpp, &old, PD_WAIT))
      break;
  }
  /* Errors are rechecked after PD_WAIT is visible: a closer or deadline
   * that comes later will find us (as PD_WAIT or the G). */
  gort__lock(&pd->lock);
  int err = check_err(pd, mode);
  gort__unlock(&pd->lock);
  if (err == 0)
    gort__gopark(block_commit, (void *)gpp, WAIT_IO);
  uintptr_t old = gort__atomic_exchange_seq_cst(gpp, PD_NIL);
  if (old > PD_WAIT)
    gort__throw("runtime: corrupted network descriptor state");
  return old == PD_READY;
}

void gort__netpoll_ready(struct g **list, struct poll_desc *pd, int mode) {
  struct g *rg = NULL, *wg = NULL;
  if (mode == 'r' || mode == 'r' + 'w')
    rg = unblock(pd, 'r', true);
  if (mode == 'w' || mode == 'r' + 'w')
    wg = unblock(pd, 'w', true);
  if (rg) {
    rg->schedlink = *list;
    *list = rg;
  }
  if (wg) {
    wg->schedlink = *list;
    *list = wg;
  }
}

int gort__pd_prepare(struct poll_desc *pd, int mode) {
  gort__lock(&pd->lock);
  int err = check_err(pd, mode);
  gort__unlock(&pd->lock);
  if (err == 0)
    gort__atomic_store_seq_cst(slot_of(pd, mode), PD_NIL);
  return err;
}

int gort__pd_wait(struct poll_desc *pd, int mode) {
  for (;;) {
    gort__lock(&pd->lock);
    int err = check_err(pd, mode);
    gort__unlock(&pd->lock);
    if (err != 0)
      return err;
    if (backend->arm)
      backend->arm(pd, mode);
    if (block(pd, mode))
      return 0;
    /* Woken by a deadline or close (or spuriously): the check says. */
  }
}

void gort__pd_rearm(struct poll_desc *pd, int mode) {
  if (backend->rearm)
    backend->rearm(pd, mode);
}

/* ---- closing ---------------------------------------------------------------
 */

static void ready_list(struct g *list) {
  while (list) {
    struct g *gp = list;
    list = gp->schedlink;
    gp->schedlink = NULL;
    gort__ready(gp, false);
  }
}

void gort__pd_evict(struct poll_desc *pd) {
  gort__lock(&pd->lock);
  pd->closing = true;
  struct g *r = unblock(pd, 'r', false), *w = unblock(pd, 'w', false);
  gort__unlock(&pd->lock);
  gort__deltimer(&pd->rt);
  gort__deltimer(&pd->wt);
  struct g *list = NULL;
  if (r) {
    r->schedlink = list;
    list = r;
  }
  if (w) {
    w->schedlink = list;
    list = w;
  }
  ready_list(list);
}

void gort__pd_close(struct poll_desc *pd) {
  if (!pd->closing)
    gort__throw("runtime: close of a network descriptor not evicted");
  uintptr_t r = gort__atomic_load_seq_cst(&pd->rg),
            w = gort__atomic_load_seq_cst(&pd->wg);
  if (r > PD_WAIT || w > PD_WAIT)
    gort__throw("runtime: close of a network descriptor with waiters");
  backend->close(pd);
  gort__deltimer(&pd->rt);
  gort__deltimer(&pd->wt);
  gort__atomic_add_seq_cst(&pd->fdseq, 1);
  gort__lock(&cache.lock);
  pd->link = cache.free;
  cache.free = pd;
  gort__unlock(&cache.lock);
}

/* ---- deadlines (Go's poll_runtime_pollSetDeadline) ----------------------- */

static void deadline_fired(struct poll_desc *pd, int mode, int64_t now) {
  gort__lock(&pd->lock);
  int64_t *d = mode == 'r' ? &pd->rd : &pd->wd;
  /* Only a deadline that is still set and has passed counts: the timer
   * may have been re-armed for a later one while this run was starting. */
  struct g *gp = NULL;
  if (*d > 0 && *d <= now) {
    *d = -1;
    gp = unblock(pd, mode, false);
  }
  gort__unlock(&pd->lock);
  if (gp)
    gort__ready(gp, false);
}

static void read_deadline_fired(struct timer *t, int64_t now) {
  deadline_fired(t->arg, 'r', now);
}

static void write_deadline_fired(struct timer *t, int64_t now) {
  deadline_fired(t->arg, 'w', now);
}

/* pd->lock held. */
static struct g *set_one(struct poll_desc *pd, int mode, int64_t when,
                         int64_t now) {
  int64_t *d = mode == 'r' ? &pd->rd : &pd->wd;
  struct timer *t = mode == 'r' ? &pd->rt : &pd->wt;
  gort__deltimer(t);
  if (when == 0) {
    *d = 0;
    return NULL;
  }
  if (when <= now) {
    *d = -1;
    return unblock(pd, mode, false);
  }
  *d = when;
  t->f = mode == 'r' ? read_deadline_fired : write_deadline_fired;
  t->arg = pd;
  t->when = when;
  t->period = 0;
  gort__addtimer(t);
  return NULL;
}

void gort__pd_set_deadline(struct poll_desc *pd, int64_t when, int mode) {
  int64_t now = gort__os_nanotime();
  struct g *r = NULL, *w = NULL;
  gort__lock(&pd->lock);
  if (!pd->closing) {
    if (mode == 'r' || mode == 'r' + 'w')
      r = set_one(pd, 'r', when, now);
    if (mode == 'w' || mode == 'r' + 'w')
      w = set_one(pd, 'w', when, now);
  }
  gort__unlock(&pd->lock);
  if (r)
    gort__ready(r, false);
  if (w)
    gort__ready(w, false);
}

/* ---- the scheduler's side -------------------------------------------------
 */

struct g *gort__netpoll(int64_t delay_ns) {
  if (gort__atomic_load_acquire(&started) <= 0)
    return NULL;
  gort__atomic_add_relaxed(&polls, 1);
  if (delay_ns != 0)
    gort__atomic_add_relaxed(&blocking_polls, 1);
  struct g *list = backend->wait(delay_ns);
  uint64_t n = 0;
  for (struct g *gp = list; gp; gp = gp->schedlink)
    n++;
  if (n)
    gort__atomic_add_relaxed(&readied, n);
  return list;
}

void gort__netpoll_break(void) {
  if (gort__atomic_load_acquire(&started) > 0)
    backend->wake_up();
}

int gort_netpoll_stats(struct gort_netpoll_stats *out) {
  if (out == NULL)
    return GORT_EINVAL;
  int s = gort__atomic_load_acquire(&started);
  out->backend = s > 0 ? backend->name : s == 0 ? "not started" : "none";
  out->waiters = gort__atomic_load_seq_cst(&waiters);
  out->polls = gort__atomic_load_seq_cst(&polls);
  out->blocking_polls = gort__atomic_load_seq_cst(&blocking_polls);
  out->readied = gort__atomic_load_seq_cst(&readied);
  return 0;
}
