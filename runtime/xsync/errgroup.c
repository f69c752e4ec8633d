/*
 * errgroup.c - golang.org/x/sync/errgroup (errgroup/errgroup.go): a
 * WaitGroup of goroutines that each return an error, the first of which
 * Wait returns; WithContext cancels a derived context on that first error
 * (with the error as its cause) and when Wait returns; SetLimit bounds the
 * number of tasks running at once.
 *
 * The limit is errgroup.go's: a buffered channel of limit tokens (elem size
 * 0); Go sends a token before starting a task and the task receives one as
 * it ends, so Go blocks while the channel is full and TryGo's non-blocking
 * send fails. A task is a heap record {group, fn, arg} handed to a new
 * goroutine.
 *
 * What a group holds for the program (mgc.h): a task's argument, a
 * collector root from Go until the task's goroutine has it in its frame
 * (the goroutine's own argument is the C record, which is not scanned).
 * A Go blocked on the limit holds fn and arg in its own frame. WithContext's
 * context, when it is a GC object (gort_set_gc_handles), is a root from
 * the group's making to its free; the limit's channel is always made in
 * C memory. Stores into a registered root all happen before it is
 * registered (its registration shades them during a mark); the context
 * handed back in *ctx goes through the write barrier (mem/mbarrier.h:
 * the caller's variable may be a GC object's field).
 *
 * Invariants:
 *   - When limited, the tokens in sem are the tasks started and not ended.
 *   - err is written once, by the first task to fail (errset under mu).
 *
 * Misuse (issue 10): magic (debug/handle.h) makes a freed group a fatal
 * error naming it at every entry point; NULL is Go's nil dereference.
 *
 * Locking: mu guards err and errset; Wait reads err after the WaitGroup,
 * which orders every task's writes before it. sem is only replaced by
 * set_limit while no task runs. inflight counts tasks between their start
 * and the end of their WaitGroup Done (free waits for it: Wait can return
 * while the last Done is still inside the WaitGroup).
 */
#include "atomic/atomic.h"
#include <stdio.h>
#include <stdlib.h>

#include "chan/chan.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "gort.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "sched/lock.h"
#include "sched/mp.h"

struct gort_errgroup {
  /* WithContext's, one reference (NULL: none); a root while it is a GC
   * object (gort_set_gc_handles): this struct is C memory. */
  GC_HELD(gort_ctx *ctx;) held;
  bool ctx_rooted; /* held is registered; immutable */
  gort_waitgroup wg;
  gort_chan *sem; /* NULL: no limit */
  _Atomic int64_t inflight;
  struct mutex mu;
  bool errset;            /* (mu) */
  int err;                /* (mu; then read after wg) */
  _Atomic uint32_t magic; /* (atomic) debug/handle.h */
};

static struct gort_errgroup *groupof(gort_errgroup *g, const char *call) {
  gort__must_getg(call);
  if (g == NULL)
    gort__panic_nil(call, "errgroup");
  gort__handle_check(&g->magic, &gort__hk_errgroup, call);
  return g;
}

struct task {
  struct gort_errgroup *g;
  gort_errfunc fn;
  GC_HELD(void *arg;) held; /* a root until the task starts */
};

gort_errgroup *gort_errgroup_new(void) {
  struct gort_errgroup *g = calloc(1, sizeof *g);
  if (g != NULL) {
    gort__lock_init(&g->mu, LOCK_RANK_ERRGROUP);
    atomic_init(&g->magic, gort__hk_errgroup.live);
  }
  return g;
}

gort_errgroup *gort_errgroup_with_context(gort_ctx *parent, gort_ctx **ctx) {
  gort_errgroup *g = gort_errgroup_new();
  if (g == NULL)
    return NULL;
  g->held.v.ctx = gort_ctx_with_cancel_cause(parent);
  if (g->held.v.ctx == NULL) {
    free(g); /* never given out */
    return NULL;
  }
  g->ctx_rooted = gort__handle_in_gc_heap(g->held.v.ctx);
  if (g->ctx_rooted)
    gort__gc_held_add(&g->held);
  if (ctx)
    gort__wb_store(ctx, g->held.v.ctx);
  return g;
}

/* errgroup.go's done: give the token back, then Done. */
static void task_done(struct gort_errgroup *g) {
  if (g->sem)
    gort_chan_recv(g->sem, NULL);
  gort_waitgroup_done(&g->wg);
  gort__atomic_sub_release(&g->inflight, 1);
}

static void task_run(void *p) {
  struct task *t = p;
  struct gort_errgroup *g = t->g;
  gort_errfunc fn = t->fn;
  void *arg = t->held.v.arg; /* in this frame from here on: scanned */
  gort__gc_held_remove(&t->held);
  free(t);
  int err = fn(arg);
  if (err != 0) {
    gort__lock(&g->mu);
    bool first = !g->errset;
    if (first) {
      g->errset = true;
      g->err = err;
    }
    gort__unlock(&g->mu);
    if (first && g->held.v.ctx)
      gort_ctx_cancel_cause(g->held.v.ctx, err);
  }
  task_done(g);
}

static int start(struct gort_errgroup *g, gort_errfunc fn, void *arg) {
  struct task *t = malloc(sizeof *t);
  if (t == NULL) {
    if (g->sem)
      gort_chan_recv(g->sem, NULL);
    return GORT_ENOMEM;
  }
  *t = (struct task){.g = g, .fn = fn, .held.v.arg = arg};
  gort__gc_held_add(&t->held); /* before the task's goroutine exists */
  gort__atomic_add_relaxed(&g->inflight, 1);
  gort_waitgroup_add(&g->wg, 1);
  if (gort_go(task_run, t) != 0) {
    gort__gc_held_remove(&t->held);
    free(t);
    task_done(g);
    return GORT_ENOMEM;
  }
  return 0;
}

int gort_errgroup_go(gort_errgroup *g, gort_errfunc fn, void *arg) {
  groupof(g, "gort_errgroup_go");
  if (fn == NULL)
    gort__panic("errgroup: Go with a nil func");
  if (g->sem) {
    char token = 0;
    gort_chan_send(g->sem, &token);
  }
  return start(g, fn, arg);
}

bool gort_errgroup_try_go(gort_errgroup *g, gort_errfunc fn, void *arg) {
  groupof(g, "gort_errgroup_try_go");
  if (fn == NULL)
    gort__panic("errgroup: TryGo with a nil func");
  char token = 0;
  if (g->sem && !gort_chan_try_send(g->sem, &token))
    return false;
  return start(g, fn, arg) == 0;
}

int gort_errgroup_wait(gort_errgroup *g) {
  groupof(g, "gort_errgroup_wait");
  gort_waitgroup_wait(&g->wg);
  gort__lock(&g->mu);
  int err = g->err;
  gort__unlock(&g->mu);
  if (g->held.v.ctx)
    gort_ctx_cancel_cause(g->held.v.ctx, err);
  return err;
}

void gort_errgroup_set_limit(gort_errgroup *g, int n) {
  groupof(g, "gort_errgroup_set_limit");
  if (g->sem && gort_chan_len(g->sem) != 0) {
    static char msg[96];
    snprintf(msg, sizeof msg,
             "errgroup: modify limit while %zu goroutines in the group are "
             "still active",
             gort_chan_len(g->sem));
    gort__panic(msg);
  }
  gort_chan *old = g->sem;
  g->sem = NULL;
  if (n >= 0) {
    /* In C memory whatever gort_set_gc_handles says: only this struct,
     * which the collector does not scan, holds it. */
    g->sem = gort__chan_make_in(0, (size_t)n, false, false);
    if (g->sem == NULL)
      gort__throw("runtime: out of memory setting an errgroup limit");
  }
  gort_chan_free(old);
}

void gort_errgroup_free(gort_errgroup *g) {
  if (g == NULL)
    return;
  gort__must_getg("gort_errgroup_free");
  gort__handle_kill(&g->magic, &gort__hk_errgroup, "gort_errgroup_free");
  /* Wait may return while the last task is still inside Done. */
  while (gort__atomic_load_acquire(&g->inflight) != 0)
    gort_yield();
  if (g->held.v.ctx)
    gort_ctx_release(g->held.v.ctx);
  if (g->ctx_rooted)
    gort__gc_held_remove(&g->held);
  gort_chan_free(g->sem);
  gort__handle_free(g);
}
