/*
 * select.c - select over send and receive cases (Go's select.go,
 * selectgo).
 *
 *   1. Choose a random poll order (every ready case equally likely) and a
 *      lock order (by channel address, each channel once), so that two
 *      selects over the same channels can never deadlock on their locks.
 *   2. Lock every channel; in poll order, take the first case that can
 *      proceed now. If none and there is a default (non-blocking), unlock
 *      and return -1.
 *   3. Otherwise queue one sudog per case (they live in this frame) on
 *      every channel, and park; the channels are unlocked on the scheduler
 *      stack after the G is marked waiting (selparkcommit).
 *   4. The first waker to claim the G (CAS on g->selectdone, in
 *      waitq_dequeue) completes its case and sets g->param to that sudog.
 *      On waking, lock everything again and take the other sudogs off
 *      their queues.
 * Channels that are NULL are never ready, as in Go; a select with no
 * usable case and no default blocks forever.
 *
 * The only negative return is GORT_SELECT_DEFAULT (-1): what Go's
 * compiler would reject (a case count out of range, NULL cases, a bad
 * direction, an element size that is not the channel's) panics, and no
 * memory for a large select's bookkeeping is Go's "out of memory" throw.
 *
 * Invariants: a G's sudogs are on channel queues only between step 3 and
 * the end of step 4; g->waiting lists them.
 * Locking: all case channels' locks, taken in lock order.
 */
#include "atomic/atomic.h"
#include <stdlib.h>
#include <string.h>

#include "chan/chan.h"
#include "debug/print.h"
#include "sched/mp.h"
#include "sched/park.h"

enum { STACK_CASES = 16, MAX_CASES = 1 << 16 };

static void sellock(struct hchan **locked, int n) {
  for (int i = 0; i < n; i++)
    gort__lock(&locked[i]->lock);
}

static void selunlock(struct hchan **locked, int n) {
  for (int i = n - 1; i >= 0; i--)
    gort__unlock(&locked[i]->lock);
}

struct selpark {
  struct hchan **locked;
  int nlocked;
};

/* selparkcommit runs on g0 once the G is waiting: release the locks. */
static bool selparkcommit(struct g *gp, void *arg) {
  (void)gp;
  struct selpark *sp = arg;
  selunlock(sp->locked, sp->nlocked);
  return true;
}

static int cmp_chan(const void *a, const void *b) {
  uintptr_t x = (uintptr_t) * (struct hchan *const *)a;
  uintptr_t y = (uintptr_t) * (struct hchan *const *)b;
  return x < y ? -1 : x > y;
}

/* Lock order: by address. A few channels (every select on the stack)
 * by insertion, in line; more by qsort. */
static void sort_by_address(struct hchan **locked, int n) {
  if (n > STACK_CASES) {
    qsort(locked, (size_t)n, sizeof *locked, cmp_chan);
    return;
  }
  for (int i = 1; i < n; i++) {
    struct hchan *c = locked[i];
    int j = i;
    for (; j > 0 && (uintptr_t)locked[j - 1] > (uintptr_t)c; j--)
      locked[j] = locked[j - 1];
    locked[j] = c;
  }
}

/* Try case i now (all channels locked). Returns 1 when done (the caller
 * unlocks, then readies *wake if set), 0 when it cannot proceed. A send on
 * a closed channel is reported as -1. */
static int try_case(gort_select_case *cs, struct g **wake) {
  struct hchan *c = (struct hchan *)cs->chan;
  struct sudog *sg;
  *wake = NULL;
  if (cs->dir == GORT_SELECT_RECV) {
    if ((sg = gort__waitq_dequeue(&c->sendq)) != NULL) {
      gort__chan_recv_locked(c, sg, cs->elem);
      *wake = sg->g;
      cs->ok = true;
      return 1;
    }
    if (c->qcount > 0) {
      gort__chan_buf_take_locked(c, cs->elem);
      cs->ok = true;
      return 1;
    }
    if (c->closed) {
      gort__chan_elem_clear(c, cs->elem); /* through the barrier */
      cs->ok = false;
      return 1;
    }
    return 0;
  }
  if (c->closed)
    return -1;
  if ((sg = gort__waitq_dequeue(&c->recvq)) != NULL) {
    gort__chan_send_locked(c, sg, cs->elem);
    *wake = sg->g;
    return 1;
  }
  if (c->qcount < c->dataqsiz) {
    gort__chan_buf_put_locked(c, cs->elem);
    return 1;
  }
  return 0;
}

enum { MUST_PARK = -2, NO_CASES = -3 };

/* Steps 1 and 2, out of line: on wasm they are not instrumented by
 * Asyncify (only selectgo's park is; see chan.c's send_nowait). Returns
 * the case taken, GORT_SELECT_DEFAULT, NO_CASES (nothing to poll, block
 * set), or MUST_PARK with every channel of locked[0, *nlocked) locked. */
static __attribute__((noinline)) int
select_nowait(gort_select_case *cases, int n, bool block, uint16_t *pollorder,
              int *npollp, struct hchan **locked, int *nlockedp) {
  /* 1. Orders. Nil channels and bad directions are left out. */
  int npoll = 0;
  for (int i = 0; i < n; i++) {
    if (cases[i].dir != GORT_SELECT_SEND && cases[i].dir != GORT_SELECT_RECV)
      gort__panic("gort_select: case direction must be GORT_SELECT_SEND or "
                  "GORT_SELECT_RECV");
    if (cases[i].chan == NULL)
      continue;
    struct hchan *c = (struct hchan *)cases[i].chan;
    gort__handle_check(&c->magic, &gort__hk_chan, "gort_select");
    gort__chan_check_size(c, cases[i].elem, cases[i].elem_size, "gort_select");
    if (cases[i].dir == GORT_SELECT_SEND)
      gort__chan_check_send(c, cases[i].elem, "gort_select");
    /* Inside-out Fisher-Yates: a uniform permutation as we go. */
    int j = (int)(gort__fastrand() % (uint32_t)(npoll + 1));
    pollorder[npoll] = pollorder[j];
    pollorder[j] = (uint16_t)i;
    npoll++;
  }
  *npollp = npoll;
  if (npoll == 0)
    return block ? NO_CASES : GORT_SELECT_DEFAULT;
  int nlocked = 0;
  for (int k = 0; k < npoll; k++)
    locked[nlocked++] = (struct hchan *)cases[pollorder[k]].chan;
  sort_by_address(locked, nlocked);
  int w = 0;
  for (int k = 0; k < nlocked; k++)
    if (w == 0 || locked[w - 1] != locked[k])
      locked[w++] = locked[k];
  nlocked = w;
  *nlockedp = nlocked;

  /* 2. Anything ready? */
  sellock(locked, nlocked);
  for (int k = 0; k < npoll; k++) {
    int i = pollorder[k];
    struct g *wake;
    int r = try_case(&cases[i], &wake);
    if (r == 0)
      continue;
    selunlock(locked, nlocked);
    if (r < 0)
      gort__panic("send on closed channel");
    if (wake)
      gort__goready(wake);
    return i;
  }
  if (!block) {
    selunlock(locked, nlocked);
    return GORT_SELECT_DEFAULT;
  }
  return MUST_PARK;
}

/* Inlined into gort_select: on wasm one frame less to unwind and rewind
 * when it parks. */
static inline __attribute__((always_inline)) int
selectgo(gort_select_case *cases, int n, bool block, uint16_t *pollorder,
         struct hchan **locked, struct sudog *sgs) {
  int npoll, nlocked;
  int r = select_nowait(cases, n, block, pollorder, &npoll, locked, &nlocked);
  if (r == NO_CASES) {
    gort__gopark(NULL, NULL, WAIT_SELECT_NO_CASES);
    gort__throw("runtime: select with no cases was woken");
  }
  if (r != MUST_PARK)
    return r;

  /* 3. Wait on every case. */
  struct g *gp = gort__getg();
  /* Relaxed, as Go's plain store: every channel of the select is locked
   * here, and a waker claims gp (the compare-and-swap in chan.c) only
   * after taking one of those locks and finding a sudog enqueued below. */
  gort__atomic_store_relaxed(&gp->selectdone, 0);
  gp->param = NULL;
  struct sudog *list = NULL;
  for (int k = npoll - 1; k >= 0; k--) {
    int i = pollorder[k];
    struct sudog *sg = &sgs[k];
    *sg = (struct sudog){.g = gp,
                         .elem = cases[i].elem,
                         .c = (struct hchan *)cases[i].chan,
                         .casei = i,
                         .isselect = true,
                         .waitlink = list};
    list = sg;
    struct hchan *c = sg->c;
    gort__waitq_enqueue(
        cases[i].dir == GORT_SELECT_SEND ? &c->sendq : &c->recvq, sg);
  }
  gp->waiting = list;
  struct selpark sp = {locked, nlocked};
  gort__gopark_from(gp, selparkcommit, &sp, WAIT_SELECT);

  /* 4. Woken: one case fired; dequeue the rest. */
  struct sudog *fired = gp->param;
  sellock(locked, nlocked);
  for (struct sudog *sg = list; sg; sg = sg->waitlink) {
    if (sg == fired)
      continue;
    struct hchan *c = sg->c;
    gort__waitq_remove(
        cases[sg->casei].dir == GORT_SELECT_SEND ? &c->sendq : &c->recvq, sg);
  }
  selunlock(locked, nlocked);
  gp->waiting = NULL;
  gp->param = NULL;
  if (fired == NULL)
    gort__throw("runtime: select woken without a case");
  int i = fired->casei;
  if (cases[i].dir == GORT_SELECT_RECV) {
    cases[i].ok = fired->success;
  } else if (!fired->success) {
    gort__panic("send on closed channel");
  }
  return i;
}

int gort_select(gort_select_case *cases, int ncases, bool block) {
  gort__must_getg("gort_select"); /* also without block: it may ready one */
  /* A select Go cannot write: a panic, so that the only negative return
   * is GORT_SELECT_DEFAULT. */
  if (ncases < 0 || ncases > MAX_CASES)
    gort__panic("gort_select: ncases out of range [0, 65536]");
  if (ncases > 0 && cases == NULL)
    gort__panic_nil("gort_select", "cases");
  if (ncases <= STACK_CASES) {
    uint16_t pollorder[STACK_CASES];
    struct hchan *locked[STACK_CASES];
    struct sudog sgs[STACK_CASES];
    return selectgo(cases, ncases, block, pollorder, locked, sgs);
  }
  /* Large selects keep their bookkeeping off the goroutine's small stack. */
  size_t n = (size_t)ncases;
  void *mem = malloc(
      n * (sizeof(uint16_t) + sizeof(struct hchan *) + sizeof(struct sudog)));
  if (mem == NULL)
    gort__throw("out of memory"); /* Go's, as for a stack (stack.c) */
  struct sudog *sgs = mem;
  struct hchan **locked = (struct hchan **)(sgs + n);
  uint16_t *pollorder = (uint16_t *)(locked + n);
  int r = selectgo(cases, ncases, block, pollorder, locked, sgs);
  free(mem);
  return r;
}
