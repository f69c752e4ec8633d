/*
 * time.c - per-P timer heaps and the time API: sleep, timers with a
 * channel, AfterFunc, tickers (Go's runtime/time.go and time/sleep.go,
 * tick.go, in the Go 1.14 design of one 4-ary heap per P).
 *
 * Who runs a timer: the M that holds its P, at the top of every
 * findrunnable; an M looking for work runs the due timers of the Ps it
 * visits; and an M with nothing at all to do sleeps until the earliest
 * timer of all Ps (proc.c's timer sleeper) and then runs it. A new timer
 * earlier than that sleep wakes the sleeper, or, when nobody sleeps on
 * timers, wakes an idle P (wakep) to take the role.
 *
 * Misuse (issue 10): every entry point checks its handle (debug/handle.h:
 * a freed timer, say freed twice, is a fatal error naming it, not a hang
 * on its freed lock) and that it runs on a goroutine; NULL is Go's nil
 * dereference. The timer's channel is the timer's (gort_chan_free refuses
 * it).
 *
 * What a timer holds for the program (mgc.h): an AfterFunc's argument, a
 * collector root from gort_after_func until gort_timer_free (a fired
 * AfterFunc may be reset and run again, so firing does not let go of it).
 * A timer's channel carries times, never pointers: it is made noscan.
 *
 * Timers in the GC heap (gort_set_gc_handles): a timer made with GC
 * handles on is a GC object, and so is its channel. As in Go before 1.23
 * (its P's heap is a root), a queued timer is reachable from its P's
 * heap: gort__timers_mark scans every P's heap array as a root range
 * (called from mgcroots.c), so an active timer nobody else holds still
 * fires; a fired or stopped one the program dropped is garbage, and so
 * is gort_after's once it fired and the program dropped the channel.
 * Such a timer holds its AfterFunc argument in its own scanned memory,
 * not as a registered root (which would keep it reachable for ever).
 *
 * The write barrier (mem/mbarrier.h): the concurrent mark scans each P's
 * heap array once, so a timer that enters a heap afterwards (added,
 * re-armed, a ticker re-queued, moved to another P) is shaded as it goes
 * in, and one taken out is shaded too (the deletion half: it may still
 * be reachable only from where the mark has not looked yet), as Go 1.23+
 * writes p.timers with barriers (its timers live in heap objects). The
 * pointer fields of a GC timer (its channel, its argument, the
 * AfterFunc's argument) are stored with gort__wb_store, even right after
 * the allocation (new objects are black). Moving entries inside one heap
 * needs nothing: the set of timers it holds does not change.
 *
 * Invariants and locking: see timer.h. A P's timerslock is a leaf: timer
 * functions run and sleepers are woken after it is released (two
 * timerslocks are held together only by timers_move, during a
 * stop-the-world).
 */
#include "atomic/atomic.h"
#include <stdlib.h>
#include <string.h>

#include "chan/chan.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"
#include "time/timer.h"
#include "time/when.h"

/* ---- the 4-ary heap (pp->timerslock held) ------------------------------ */

static void heap_set(struct p *pp, int32_t i, struct timer *t) {
  pp->timers[i] = t;
  t->idx = i;
}

static void siftup(struct p *pp, int32_t i) {
  struct timer *t = pp->timers[i];
  while (i > 0) {
    int32_t parent = (i - 1) / 4;
    if (pp->timers[parent]->when <= t->when)
      break;
    heap_set(pp, i, pp->timers[parent]);
    i = parent;
  }
  heap_set(pp, i, t);
}

static void siftdown(struct p *pp, int32_t i) {
  struct timer *t = pp->timers[i];
  int32_t n = pp->ntimers;
  for (;;) {
    int32_t c = 4 * i + 1;
    if (c >= n)
      break;
    int32_t best = c;
    for (int32_t k = c + 1; k < c + 4 && k < n; k++)
      if (pp->timers[k]->when < pp->timers[best]->when)
        best = k;
    if (pp->timers[best]->when >= t->when)
      break;
    heap_set(pp, i, pp->timers[best]);
    i = best;
  }
  heap_set(pp, i, t);
}

static void update_timer0(struct p *pp) {
  gort__atomic_store_seq_cst(&pp->timer0_when,
                             pp->ntimers ? pp->timers[0]->when : 0);
}

static void heap_push(struct p *pp, struct timer *t) {
  if (pp->ntimers == pp->timerscap) {
    /* Amortised: the heap only grows, by doubling. */
    int32_t ncap = pp->timerscap ? pp->timerscap * 2 : 64;
    struct timer **n = realloc(pp->timers, (size_t)ncap * sizeof *n);
    if (n == NULL)
      gort__throw("runtime: out of memory growing a timer heap");
    pp->timers = n;
    pp->timerscap = ncap;
  }
  gort__wb_shade(t); /* the heap may have been scanned already */
  gort__atomic_store_release(&t->pp, pp);
  heap_set(pp, pp->ntimers++, t);
  siftup(pp, t->idx);
  update_timer0(pp);
}

static void heap_remove(struct p *pp, struct timer *t) {
  gort__wb_shade(t); /* the deletion half: the heap may not be scanned yet */
  int32_t i = t->idx;
  int32_t last = --pp->ntimers;
  if (i != last) {
    struct timer *moved = pp->timers[last];
    heap_set(pp, i, moved);
    siftdown(pp, i);
    siftup(pp, moved->idx);
  }
  gort__atomic_store_release(&t->pp, NULL);
  update_timer0(pp);
}

/* ---- adding, deleting, running ----------------------------------------- */

static void wake_for_timer(int64_t when) {
  gort__lock(&gort__sched.lock);
  struct m *sleeper = gort__sched.timer_sleeper;
  if (sleeper && when >= gort__sched.timer_sleep_until) {
    gort__unlock(&gort__sched.lock); /* it wakes early enough already */
    return;
  }
  if (sleeper && sleeper->on_midle) {
    struct p *pp = gort__pidleget_locked();
    if (pp) {
      gort__mremove_locked(sleeper);
      gort__sched.timer_sleeper = NULL;
      gort__hand_p(sleeper, pp);
      gort__unlock(&gort__sched.lock);
      gort__notewakeup(&sleeper->park);
      return;
    }
  }
  gort__unlock(&gort__sched.lock);
  if (sleeper != NULL)
    return;
  /* An M blocked in the poller sleeps until poll_until (0: no timer
   * bounds it): interrupt it if that is too late (Go's wakeNetPoller). */
  if (gort__atomic_load_seq_cst(&gort__sched.lastpoll) == 0) {
    int64_t until = gort__atomic_load_seq_cst(&gort__sched.poll_until);
    if (until == 0 || until > when)
      gort__netpoll_break();
    return;
  }
  gort__wakep(); /* an idle P takes the sleeper's role */
}

void gort__addtimer(struct timer *t) {
  struct m *mp = gort__getm();
  struct p *pp = gort__loadmp(mp);
  if (pp == NULL)
    gort__throw("runtime: addtimer without a P");
  gort__lock(&pp->timerslock);
  if (gort__atomic_load_relaxed(&t->pp) != NULL)
    gort__throw("runtime: addtimer: timer already queued");
  heap_push(pp, t);
  bool first = pp->timers[0] == t;
  /* Read under the lock: once it is dropped, another M may run t, and a
   * sleeper's t (on its stack) may already be reused by its next sleep. */
  int64_t when = t->when;
  gort__unlock(&pp->timerslock);
  gort__atomic_add_seq_cst(&gort__sched.ntimers, 1);
  if (first)
    wake_for_timer(when);
}

bool gort__deltimer(struct timer *t) {
  for (;;) {
    struct p *pp = gort__atomic_load_acquire(&t->pp);
    if (pp == NULL)
      return false;
    gort__lock(&pp->timerslock);
    if (gort__atomic_load_relaxed(&t->pp) == pp) {
      heap_remove(pp, t);
      gort__unlock(&pp->timerslock);
      gort__atomic_sub_seq_cst(&gort__sched.ntimers, 1);
      return true;
    }
    gort__unlock(&pp->timerslock); /* moved meanwhile: try again */
  }
}

/* A periodic timer is re-queued only after its function returned, under
 * t->mu, so that two Ms running the same heap never run one ticker twice at
 * once (its sends would arrive out of order); a stop or reset since it was
 * queued (t->gen moved past t->qgen) wins. (Comparing with a gen read when
 * checktimers took t off the heap is not enough: a stop may bump gen just
 * before that read and find t already off the heap, and the tick would
 * then re-queue a stopped, perhaps freed, ticker.) The caller counted t as
 * running before taking it off the heap: until this returns,
 * gort_timer_free waits. */
static void run_periodic(struct p *pp, struct timer *t, int64_t now) {
  gort__lock(&t->mu);
  if (gort__atomic_load_seq_cst(&t->gen) != t->qgen ||
      gort__atomic_load_relaxed(&t->pp) != NULL) {
    gort__unlock(&t->mu); /* stopped or re-armed meanwhile */
    gort__atomic_sub_seq_cst(&gort__sched.ntimers, 1);
    gort__atomic_sub_seq_cst(&t->running, 1);
    return;
  }
  t->f(t, now);
  /* Next tick after now, skipping missed ones, saturating at GORT_MAXWHEN
   * (Go's runOneTimer / timer.unlockAndRun: "if t.when < 0 { t.when =
   * maxWhen }", here without the signed overflow). */
  int64_t ticks = 1 + (now - t->when) / t->period;
  if (ticks > (GORT_MAXWHEN - t->when) / t->period)
    t->when = GORT_MAXWHEN;
  else
    t->when += ticks * t->period;
  gort__lock(&pp->timerslock);
  heap_push(pp, t);
  gort__unlock(&pp->timerslock);
  /* Unlock before the count drops: gort_timer_free waits only for the
   * count, and may free t (t->mu with it) as soon as it reads 0. */
  gort__unlock(&t->mu);
  gort__atomic_sub_seq_cst(&t->running, 1);
}

void gort__checktimers(struct p *pp, int64_t now) {
  int64_t w = gort__atomic_load_relaxed(&pp->timer0_when);
  if (w == 0 || w > now)
    return;
  gort__lock(&pp->timerslock);
  while (pp->ntimers > 0 && pp->timers[0]->when <= now) {
    struct timer *t = pp->timers[0];
    /* Count t as running before it leaves the heap (heap_remove publishes
     * t->pp = NULL with release): a stop or free that then finds it gone
     * returns without our lock, and gort_timer_free must see the count
     * and wait. A self-freeing timer (gort_after, a context's) may be gone
     * once f returns: nobody waits for it, it is not counted. */
    bool track = t->period > 0 || !t->self_freeing;
    if (track)
      gort__atomic_add_seq_cst(&t->running, 1);
    heap_remove(pp, t);
    if (t->period > 0) {
      gort__unlock(&pp->timerslock);
      run_periodic(pp, t, now); /* drops the running count */
      gort__lock(&pp->timerslock);
      continue;
    }
    gort__atomic_sub_seq_cst(&gort__sched.ntimers, 1);
    gort__unlock(&pp->timerslock);
    t->f(t, now);
    if (track)
      gort__atomic_sub_seq_cst(&t->running, 1);
    gort__lock(&pp->timerslock);
  }
  gort__unlock(&pp->timerslock);
}

int64_t gort__timers_next(void) {
  /* Called by Ms without a P too: allplock keeps allp from being replaced
   * by a resize while we walk it. */
  int64_t next = 0;
  gort__lock(&gort__sched.allplock);
  int32_t n = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  for (int32_t i = 0; i < n; i++) {
    int64_t w = gort__atomic_load_seq_cst(&gort__sched.allp[i]->timer0_when);
    if (w != 0 && (next == 0 || w < next))
      next = w;
  }
  gort__unlock(&gort__sched.allplock);
  return next;
}

void gort__timers_move(struct p *from, struct p *to) {
  gort__lock(&from->timerslock);
  gort__lock(&to->timerslock);
  while (from->ntimers > 0) {
    struct timer *t = from->timers[from->ntimers - 1];
    heap_remove(from, t);
    heap_push(to, t);
  }
  gort__unlock(&to->timerslock);
  gort__unlock(&from->timerslock);
}

/* The P heaps as roots (Go before 1.23: a P's timers are reachable from
 * it). With the world stopped, for the mark; allplock keeps allp still
 * against Ms without a P (timers_next), each timerslock its heap. */
void gort__timers_mark(struct gcwork *gcw) {
  gort__lock(&gort__sched.allplock);
  int32_t n = gort__atomic_load_seq_cst(&gort__sched.gomaxprocs);
  for (int32_t i = 0; i < n; i++) {
    struct p *pp = gort__sched.allp[i];
    gort__lock(&pp->timerslock);
    if (pp->ntimers > 0)
      gort__gc_mark_range(pp->timers, pp->timers + pp->ntimers, gcw);
    gort__unlock(&pp->timerslock);
  }
  gort__unlock(&gort__sched.allplock);
}

/* ---- sleep -------------------------------------------------------------- */

/* A sleeper whose time has come goes to the head of the local ring (or,
 * when that is full, of the global queue), not into runnext: a burst of
 * due timers would otherwise push all but the last of them behind every
 * goroutine already queued (say, tens of thousands a spawn loop has not
 * started yet; an overflowing ring sends its oldest half, the readied
 * sleepers among them, to the global queue's tail), and their lateness
 * would grow with that backlog. (Go readies them into runnext; this is
 * where gort differs, for timers' tail lateness.) */
static void ready_sleeper(struct timer *t, int64_t now) {
  (void)now;
  struct g *gp = t->arg;
  struct m *mp = gort__getm();
  gp->waitreason = WAIT_NONE;
  gp->waiting_on = NULL;
  gort__casgstatus(gp, G_WAITING, G_RUNNABLE);
  if (!gort__runqputhead(gort__loadmp(mp), gp)) {
    /* Ring full: the front of the global queue, still ahead of the
     * backlog (taken at the latest on the 61st tick). */
    gort__lock(&gort__sched.lock);
    gort__globrunqputhead_locked(gp);
    gort__unlock(&gort__sched.lock);
  }
  gort__wakep();
}

static bool sleep_commit(struct g *gp, void *arg) {
  (void)gp;
  gort__addtimer(arg); /* on g0, once gp is waiting: it cannot fire early */
  return true;
}

void gort_sleep(int64_t ns) {
  if (ns <= 0)
    return;
  struct g *gp = gort__must_getg("gort_sleep");
  /* t lives in this frame: once ready_sleeper has readied gp, this frame
   * may be gone (or reused by the next sleep) while checktimers returns, so
   * the timer must not be touched after f: self_freeing. */
  struct timer t = {.when = gort__when(ns),
                    .f = ready_sleeper,
                    .arg = gp,
                    .self_freeing = true};
  gp->waiting_on = &t;
  gort__gopark(sleep_commit, &t, WAIT_SLEEP);
}

/* ---- timers, tickers, AfterFunc ---------------------------------------- */

struct gort_timer {
  struct timer t;
  _Atomic uint32_t magic; /* gort__hk_timer's (debug/handle.h) */
  gort_chan *c;           /* NULL for AfterFunc */
  gort_func fn;           /* AfterFunc; immutable */
  GC_HELD(void *arg;)
  fnarg;                /* AfterFunc's argument; immutable, a root
                           while fn is set */
  bool free_when_fired; /* gort_after's: nobody else holds it */
  bool gcheap;          /* a GC object (debug/handle.h); immutable */
};

static void send_time(struct timer *t, int64_t now) {
  struct gort_timer *gt = t->arg;
  /* Non-blocking, as Go's sendTime: a slow reader misses ticks. On g0:
   * the runtime's send, not the API's (which wants a goroutine). */
  gort__chan_try_send(gt->c, &now);
  if (gt->free_when_fired && !gt->gcheap)
    free(gt); /* gort_after's: no handle was ever given out (in the GC
                 heap: garbage from now on) */
}

static void go_func(struct timer *t, int64_t now) {
  (void)now;
  struct gort_timer *gt = t->arg;
  if (gort__newproc_from_g0(gt->fn, gt->fnarg.v.arg) != 0)
    gort__throw("runtime: out of memory starting an AfterFunc goroutine");
}

/* A handle from the API: live, and called on a goroutine. */
static struct gort_timer *timerof(gort_timer *gt, const char *call) {
  gort__must_getg(call);
  if (gt == NULL)
    gort__panic_nil(call, "timer");
  gort__handle_check(&gt->magic, &gort__hk_timer, call);
  return gt;
}

static struct gort_timer *timer_make(int64_t ns, int64_t period, bool chan,
                                     const char *call) {
  gort__must_getg(call);
  bool gc = gort__handle_want_gc();
  struct gort_timer *gt = gort__handle_alloc(sizeof *gt, false, gc);
  if (gt == NULL)
    return NULL;
  gt->gcheap = gc;
  if (chan) {
    gort_chan *c = gort__chan_make_in(sizeof(int64_t), 1, false, gc);
    if (c == NULL) {
      free(gt); /* calloc'd: a GC allocation does not fail */
      return NULL;
    }
    gort__wb_store(&gt->c, c);
    gort__chan_set_owned(gt->c, true);
  }
  gort__lock_init(&gt->t.mu, LOCK_RANK_TIMER);
  atomic_init(&gt->magic, gort__hk_timer.live);
  gort__wb_store(&gt->t.arg, gt);
  gt->t.f = chan ? send_time : go_func;
  gt->t.period = period;
  gt->t.when = gort__when(ns); /* ns <= 0: now; too far: never */
  return gt;
}

gort_timer *gort_timer_new(int64_t ns) {
  struct gort_timer *gt = timer_make(ns, 0, true, "gort_timer_new");
  if (gt)
    gort__addtimer(&gt->t);
  return gt;
}

gort_timer *gort_after_func(int64_t ns, gort_func fn, void *arg) {
  if (fn == NULL)
    return NULL;
  struct gort_timer *gt = timer_make(ns, 0, false, "gort_after_func");
  if (gt == NULL)
    return NULL;
  gt->fn = fn;
  gort__wb_store(&gt->fnarg.v.arg, arg); /* GC timer: its own memory */
  if (!gt->gcheap)
    gort__gc_held_add(&gt->fnarg); /* before the timer can fire */
  gort__addtimer(&gt->t);
  return gt;
}

gort_timer *gort_ticker_new(int64_t period) {
  if (period <= 0)
    gort__panic("non-positive interval for NewTicker");
  struct gort_timer *gt = timer_make(period, period, true, "gort_ticker_new");
  if (gt)
    gort__addtimer(&gt->t);
  return gt;
}

gort_chan *gort_after(int64_t ns) {
  struct gort_timer *gt = timer_make(ns, 0, true, "gort_after");
  if (gt == NULL)
    return NULL;
  gt->free_when_fired = true;
  gt->t.self_freeing = true;
  gort_chan *c = gt->c;
  /* The caller frees this channel (not the timer, which it never sees). */
  gort__chan_set_owned(c, false);
  gort__addtimer(&gt->t); /* gt may be gone from here on */
  return c;
}

gort_chan *gort_timer_chan(gort_timer *gt) {
  return timerof(gt, "gort_timer_chan")->c;
}

static bool timer_stop(struct gort_timer *gt) {
  gort__lock(&gt->t.mu);
  gort__atomic_add_seq_cst(&gt->t.gen, 1);
  bool active = gort__deltimer(&gt->t);
  gort__unlock(&gt->t.mu);
  return active;
}

bool gort_timer_stop(gort_timer *gt) {
  return timer_stop(timerof(gt, "gort_timer_stop"));
}

/* Re-arm t to fire at when, with a new period unless period < 0; true if
 * it was pending. */
static bool rearm(struct timer *t, int64_t when, int64_t period) {
  gort__lock(&t->mu);
  gort__atomic_add_seq_cst(&t->gen, 1);
  bool active = gort__deltimer(t);
  t->when = when;
  if (period >= 0)
    t->period = period;
  t->qgen = gort__atomic_load_seq_cst(&t->gen);
  gort__addtimer(t);
  gort__unlock(&t->mu);
  return active;
}

bool gort_timer_reset(gort_timer *gt, int64_t ns) {
  return rearm(&timerof(gt, "gort_timer_reset")->t, gort__when(ns), -1);
}

void gort_ticker_reset(gort_timer *gt, int64_t period) {
  timerof(gt, "gort_ticker_reset");
  if (period <= 0)
    gort__panic("non-positive interval for Ticker.Reset");
  rearm(&gt->t, gort__when(period), period);
}

void gort_timer_free(gort_timer *gt) {
  if (gt == NULL)
    return;
  gort__must_getg("gort_timer_free");
  /* First, so that of two frees one dies here, before touching the lock. */
  gort__handle_kill(&gt->magic, &gort__hk_timer, "gort_timer_free");
  timer_stop(gt);
  /* A callback may still be running on another M: wait it out. */
  while (gort__atomic_load_seq_cst(&gt->t.running))
    gort_yield();
  gort__chan_free_owned(gt->c);
  if (gt->fn != NULL && !gt->gcheap)
    gort__gc_held_remove(&gt->fnarg);
  gort__handle_dispose(gt, gt->gcheap);
}
