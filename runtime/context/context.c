/*
 * context.c - Go's context package (context/context.go): Background, TODO,
 * WithCancel(Cause), WithDeadline(Cause), WithTimeout(Cause), WithValue,
 * WithoutCancel, AfterFunc, Done, Err, Cause, Deadline, Value.
 *
 * Design (after context.go).
 *
 * A context is a heap object with a parent pointer. Cancelable contexts
 * (WithCancel, WithDeadline) keep a mutex, an error, a cause, a Done
 * channel made on first request (as Go's cancelCtx.Done does; one asked
 * for after the cancel is a shared, already closed channel, Go's
 * closedchan), and the list of their cancelable children. A value context
 * has only its key and value: Done, Err and Cause answer for its nearest
 * cancelable ancestor (cancel_anc, found once at creation instead of Go's
 * Value(&cancelCtxKey) walk), and Value walks up the parents.
 *
 * propagateCancel: a new cancelable context (or AfterFunc registration)
 * links itself onto the children list of its nearest cancelable ancestor
 * under that ancestor's lock, or, if the ancestor is already cancelled,
 * cancels itself at once with the ancestor's error and cause. All contexts
 * are gort's own, so Go's fallback of a goroutine per foreign parent never
 * arises: cancellation costs no goroutine at all.
 *
 * cancel: under the context's lock, store cause then err, close Done,
 * stop the deadline timer and take the whole children list; then, after
 * the unlock, cancel each child the same way. Go recurses with the
 * parent's lock held; gort keeps an explicit worklist (goroutine stacks are
 * small and fixed, and a chain may be 100,000 deep) and so never holds two
 * contexts' locks at once. A context cancelled through its own cancel
 * function also leaves its parent's list (Go's removeChild).
 *
 * Deadlines: a WithDeadline context queues one runtime timer (an intrusive
 * struct timer: no allocation to arm it). Its callback runs on the
 * scheduler stack and must not block, so, as Go's time.AfterFunc does, it
 * starts a goroutine that cancels with DeadlineExceeded. Cancelling first
 * takes the timer off its heap, so a cancelled context never wakes anyone
 * later (and pending timers no longer keep the program from its deadlock
 * report). A deadline later than the parent's is just a WithCancel (Go).
 *
 * Ownership (C has no GC): reference counting. Every constructor returns
 * a context holding one reference, the caller's. gort_ctx_retain adds one,
 * gort_ctx_release drops one. Each context holds a reference on its
 * parent, so descendants keep ancestors alive, while a parent's children
 * list does not count: when the last reference to a context goes, it
 * leaves its parent's list, stops its timer, frees its Done channel and
 * itself, and drops its reference on its parent. Go's
 *     ctx, cancel := context.WithCancel(parent); defer cancel()
 * reads in C
 *     gort_ctx *ctx = gort_ctx_with_cancel(parent);
 *     ...
 *     gort_ctx_cancel(ctx); gort_ctx_release(ctx);
 * A child may outlive its parent's cancel and release: it is cancelled and
 * keeps the parent's memory until it is released itself. A goroutine that
 * may outlive the creator's release takes its own reference. A walking
 * canceller takes a reference on each child it found (only if the child's
 * count is not already zero: such a child is being freed and has no one
 * left to tell), so it never touches freed memory.
 *
 * In the GC heap (gort_set_gc_handles): a context made with GC handles
 * on (under Background or TODO), and every context derived from one, is
 * a GC object, reclaimed once unreachable as in Go, released or not; the
 * counts still run, so gort_ctx_release frees as in C memory (marks it
 * freed, closes nothing, leaves the memory to the collector). What keeps
 * it reachable is Go's: its children's parent pointers (a child keeps its
 * ancestors), its parent's children list while it is linked (Go's
 * cancelCtx.children), its deadline timer while queued (a P's timer heap
 * is a root, time.c), and the program. Trees never mix kinds: a GC
 * context in a C-memory parent's list, or a C-memory context pointing at
 * a GC parent, would be in memory the collector does not scan.
 *
 * WithoutCancel (Go 1.21): a node that keeps a reference on its parent,
 * so Value walks through it, but has no cancelable ancestor and no
 * deadline: below it a new tree of cancellation starts, as under
 * Background.
 *
 * AfterFunc (Go 1.21): a registration node, linked as a child, whose
 * "cancel" starts fn(arg) in a new goroutine. Run and stop race through
 * one atomic word: the first to set RAN or STOPPED wins (Go's
 * afterFuncCtx.once). The handle is the caller's reference: stop (which
 * also returns Go's stop() result) or detach releases it.
 *
 * What a context holds for the program (mgc.h): a value context's key and
 * value, an AfterFunc registration's argument, each a collector root from
 * the constructor until the context is freed (Go's heap keeps them while
 * the context is reachable; here, while it is referenced).
 *
 * The write barrier (mem/mbarrier.h): a GC context is a GC object whose
 * pointer fields are Go's heap fields (parent, the children list and its
 * sibling links, the cancel worklist, a value, an AfterFunc argument, the
 * deadline timer's argument, Done), so every store of one goes through
 * set_ptr (gort__wb_store), including those into a context just made
 * (new objects are black: what they get must be shaded). Done is atomic:
 * its new channel is shaded before the store (the old value is NULL). A
 * C-memory context's fields are plain stores (the collector never scans
 * them); its held words are stored before their root is registered, and
 * the registration shades them during a mark.
 *
 * Misuse (issue 10): every entry point checks the handle's magic
 * (debug/handle.h), so a context used or released after its last release
 * dies with "gort: use of freed context" while the runtime still holds its
 * memory; an AfterFunc handle given back twice dies too. Entry points that
 * cancel, start goroutines or queue timers die outside a goroutine.
 *
 * Invariants and locking: see context.h.
 */
#include "atomic/atomic.h"
#include <stdlib.h>

#include "chan/chan.h"
#include "context/context.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "mem/mbarrier.h"
#include "sched/mp.h"
#include "time/when.h"

static struct ctx background = {.kind = CTX_BACKGROUND,
                                .magic = GORT_HANDLE_CTX_LIVE};
static struct ctx todo = {.kind = CTX_TODO, .magic = GORT_HANDLE_CTX_LIVE};

/* Done of a context asked for after it was cancelled (Go's closedchan):
 * static, never freed, never sent on. */
static struct hchan closedchan = {
    .closed = true, .magic = GORT_HANDLE_CHAN_LIVE, .owned = true};

/* A handle from the API: NULL, or a live context. */
static struct ctx *ctxof(gort_ctx *h, const char *call) {
  struct ctx *c = (struct ctx *)h;
  if (c != NULL)
    gort__handle_check(&c->magic, &gort__hk_ctx, call);
  return c;
}

static bool counted(const struct ctx *c) {
  return c->kind != CTX_BACKGROUND && c->kind != CTX_TODO;
}

/* *slot = p, where slot is a pointer field of a context of owner's tree
 * (one kind throughout: see Design): through the barrier in the GC
 * heap. */
static void set_ptr(const struct ctx *owner, void *slot, const void *p) {
  if (owner->gcheap)
    gort__wb_store(slot, p);
  else
    *(const void **)slot = p;
}

/* ---- references --------------------------------------------------------- */

static void ctx_retain(struct ctx *c) {
  /* Relaxed: the caller holds a reference already, so the count cannot
   * reach zero meanwhile; nothing is published by the increment. */
  if (counted(c))
    gort__atomic_add_relaxed(&c->refs, 1);
}

/* A reference on c unless its count already reached zero (then c is being
 * freed by whoever dropped the last one). The caller keeps c's memory valid
 * otherwise: it holds the lock of the list c is on. */
static bool try_retain(struct ctx *c) {
  int64_t r = gort__atomic_load_relaxed(&c->refs);
  while (r > 0)
    if (gort__atomic_cas_weak_relaxed(&c->refs, &r, r + 1))
      return true;
  return false;
}

static struct ctx *destroy(struct ctx *c);

static void ctx_release(struct ctx *c) {
  while (c != NULL && counted(c)) {
    /* acq_rel: whoever frees c sees every write of the other holders. */
    int64_t old = gort__atomic_sub_acq_rel(&c->refs, 1);
    if (old > 1)
      return;
    if (old < 1)
      gort__panic("context: released more often than retained");
    c = destroy(c); /* then drop c's reference on its parent */
  }
}

/* ---- the children list (link_parent->mu held) -------------------------- */

static void link_child_locked(struct ctx *p, struct ctx *c) {
  GORT_ASSERT_LOCKED(&p->mu);
  set_ptr(c, &c->sib_prev, NULL);
  set_ptr(c, &c->sib_next, p->children);
  if (p->children)
    set_ptr(c, &p->children->sib_prev, c);
  set_ptr(c, &p->children, c);
  c->linked = true;
}

static void unlink_child_locked(struct ctx *p, struct ctx *c) {
  GORT_ASSERT_LOCKED(&p->mu);
  if (!c->linked)
    return;
  if (c->sib_prev)
    set_ptr(c, &c->sib_prev->sib_next, c->sib_next);
  else
    set_ptr(c, &p->children, c->sib_next);
  if (c->sib_next)
    set_ptr(c, &c->sib_next->sib_prev, c->sib_prev);
  set_ptr(c, &c->sib_prev, NULL);
  set_ptr(c, &c->sib_next, NULL);
  c->linked = false;
}

/* Go's removeChild. c's reference on its parent chain keeps link_parent
 * alive. */
static void remove_from_parent(struct ctx *c) {
  struct ctx *p = c->link_parent;
  if (p == NULL)
    return;
  gort__lock(&p->mu);
  unlink_child_locked(p, c);
  gort__unlock(&p->mu);
}

/* ---- freeing ------------------------------------------------------------ */

/* The end of destroy: frees c, returns its parent (whose reference the
 * caller drops). */
static struct ctx *finish(struct ctx *c) {
  struct hchan *d = gort__atomic_load_relaxed(&c->done);
  if (d != NULL && d != &closedchan)
    gort__chan_free_owned((gort_chan *)d); /* panics if someone waits */
  struct ctx *p = c->parent;
  if (c->kind == CTX_VALUE && !c->gcheap)
    gort__gc_held_remove(&c->held.value);
  else if (c->kind == CTX_AFTERFUNC && !c->gcheap)
    gort__gc_held_remove(&c->held.afterfunc);
  gort__handle_kill(&c->magic, &gort__hk_ctx, "gort_ctx_release");
  gort__handle_dispose(c, c->gcheap);
  return p;
}

/* The last reference to c is gone: nothing refers to c any more (children
 * and registrations hold references), except its parent's list and, for a
 * deadline, a callback that may be about to run. Returns the parent to
 * release, or NULL when the timer callback will finish the job. */
static struct ctx *destroy(struct ctx *c) {
  remove_from_parent(c);
  if (c->kind == CTX_TIMER) {
    gort__lock(&c->mu);
    if (c->timer_armed) {
      if (gort__deltimer(&c->timer))
        c->timer_armed = false;
      else
        c->free_pending = true; /* dequeued, callback not yet in mu */
    }
    bool pending = c->free_pending;
    gort__unlock(&c->mu);
    if (pending)
      return NULL;
  }
  return finish(c);
}

/* ---- cancel ------------------------------------------------------------- */

static void afterfunc_run(struct ctx *x) {
  uint32_t s = gort__atomic_load_relaxed(&x->afstate);
  for (;;) {
    if (s & (AF_RAN | AF_STOPPED))
      return;
    if (gort__atomic_cas_weak_acq_rel(&x->afstate, &s, s | AF_RAN))
      break;
  }
  if (gort_go(x->fn, x->held.afterfunc.v.arg) != 0)
    gort__throw("runtime: out of memory starting an AfterFunc goroutine");
  if (s & AF_DETACHED)
    ctx_release(x); /* the handle's reference: nobody will stop it now */
}

/* Cancel x alone; push its children (each with a reference) on *work. */
static void cancel_one(struct ctx *x, int32_t err, int32_t cause,
                       struct ctx **work) {
  if (x->kind == CTX_AFTERFUNC) {
    afterfunc_run(x);
    return;
  }
  gort__lock(&x->mu);
  if (gort__atomic_load_relaxed(&x->err) != 0) {
    gort__unlock(&x->mu); /* already cancelled */
    return;
  }
  x->cause = cause;
  /* Release: a reader that sees err sees cause too (gort_ctx_cause). */
  gort__atomic_store_release(&x->err, err);
  struct hchan *d = gort__atomic_load_relaxed(&x->done);
  if (d == NULL)
    gort__atomic_store_release(&x->done, &closedchan);
  else
    gort__chan_close_owned((gort_chan *)d);
  struct ctx *ch = x->children;
  set_ptr(x, &x->children, NULL);
  while (ch != NULL) {
    struct ctx *next = ch->sib_next;
    set_ptr(ch, &ch->sib_prev, NULL);
    set_ptr(ch, &ch->sib_next, NULL);
    ch->linked = false;
    if (try_retain(ch)) {
      set_ptr(ch, &ch->work_next, *work);
      *work = ch; /* the canceller's frame */
    }
    ch = next;
  }
  if (x->kind == CTX_TIMER && x->timer_armed && gort__deltimer(&x->timer))
    x->timer_armed = false; /* else the callback is on its way: it sees
                               err and only drops its reference */
  gort__unlock(&x->mu);
}

/* Go's cancelCtx.cancel, for c and every descendant. The caller holds a
 * reference on c. Runs on a goroutine (AfterFuncs start goroutines). */
static void cancel(struct ctx *c, int32_t err, int32_t cause, bool remove) {
  if (cause == 0)
    cause = err;
  struct ctx *work = NULL;
  cancel_one(c, err, cause, &work);
  if (remove)
    remove_from_parent(c);
  while (work != NULL) {
    struct ctx *x = work;
    work = x->work_next;
    set_ptr(x, &x->work_next, NULL);
    cancel_one(x, err, cause, &work);
    ctx_release(x);
  }
}

/* Go's propagateCancel for a new child c: link it under its nearest
 * cancelable ancestor, or cancel it now if that one is done. */
static void propagate_cancel(struct ctx *c) {
  struct ctx *p = c->link_parent;
  if (p == NULL)
    return; /* Background or TODO at the root: never cancelled */
  gort__lock(&p->mu);
  int32_t err = gort__atomic_load_relaxed(&p->err);
  if (err == 0) {
    link_child_locked(p, c);
    gort__unlock(&p->mu);
    return;
  }
  int32_t cause = p->cause;
  gort__unlock(&p->mu);
  if (c->kind == CTX_AFTERFUNC)
    afterfunc_run(c);
  else
    cancel(c, err, cause, false);
}

/* ---- deadlines ---------------------------------------------------------- */

static void deadline_fire(void *arg) {
  struct ctx *c = arg;
  cancel(c, GORT_CTX_DEADLINE_EXCEEDED, c->deadline_cause, true);
  ctx_release(c); /* the reference timer_fired took */
}

/* The timer's f: on the scheduler stack, must not block. */
static void timer_fired(struct timer *t, int64_t now) {
  (void)now;
  struct ctx *c = t->arg;
  bool alive = try_retain(c);
  gort__lock(&c->mu);
  c->timer_armed = false;
  bool pending = c->free_pending;
  bool cancelled = gort__atomic_load_relaxed(&c->err) != 0;
  gort__unlock(&c->mu);
  if (!alive) {
    /* The last reference went meanwhile. If destroy saw the timer armed
     * it left the freeing to us; otherwise it frees c itself. */
    if (pending)
      ctx_release(finish(c));
    return;
  }
  if (cancelled)
    ctx_release(c);
  else if (gort__newproc_from_g0(deadline_fire, c) != 0)
    gort__throw("runtime: out of memory starting a context's deadline "
                "goroutine");
}

/* ---- constructors ------------------------------------------------------- */

static struct ctx *newctx(gort_ctx *h, uint8_t kind, const char *call) {
  struct ctx *parent = ctxof(h, call);
  if (parent == NULL)
    gort__panic("cannot create context from nil parent");
  /* A tree is of one kind (see Design): the GC heap needs a goroutine. */
  bool gc = counted(parent) ? parent->gcheap : gort__handle_want_gc();
  if (gc)
    gort__must_getg(call);
  struct ctx *c = gort__handle_alloc(sizeof *c, false, gc);
  if (c == NULL)
    return NULL;
  c->gcheap = gc;
  gort__lock_init(&c->mu, LOCK_RANK_CONTEXT);
  atomic_init(&c->refs, 1);
  atomic_init(&c->magic, gort__hk_ctx.live);
  c->kind = kind;
  ctx_retain(parent);
  set_ptr(c, &c->parent, parent);
  if (kind == CTX_DETACHED)
    return c; /* values only: no deadline, no cancelable ancestor */
  c->deadline = parent->deadline;
  if (kind == CTX_CANCEL || kind == CTX_TIMER)
    set_ptr(c, &c->cancel_anc, c);
  else
    set_ptr(c, &c->cancel_anc, parent->cancel_anc);
  if (kind != CTX_VALUE)
    set_ptr(c, &c->link_parent, parent->cancel_anc);
  return c;
}

gort_ctx *gort_ctx_background(void) { return (gort_ctx *)&background; }
gort_ctx *gort_ctx_todo(void) { return (gort_ctx *)&todo; }

gort_ctx *gort_ctx_with_cancel(gort_ctx *parent) {
  gort__must_getg("gort_ctx_with_cancel");
  struct ctx *c = newctx(parent, CTX_CANCEL, "gort_ctx_with_cancel");
  if (c)
    propagate_cancel(c);
  return (gort_ctx *)c;
}

gort_ctx *gort_ctx_with_cancel_cause(gort_ctx *parent) {
  /* The same context: in C any cancel may carry a cause. */
  return gort_ctx_with_cancel(parent);
}

gort_ctx *gort_ctx_with_deadline_cause(gort_ctx *parent, int64_t deadline,
                                       int cause) {
  gort__must_getg("gort_ctx_with_deadline");
  struct ctx *p = ctxof(parent, "gort_ctx_with_deadline");
  /* 0 means "no deadline" inside; a deadline at or before it (0, or a
   * negative one) is long past: keep it past and visible to Deadline. */
  if (deadline < 1)
    deadline = 1;
  if (p != NULL && p->deadline != 0 && p->deadline < deadline)
    return gort_ctx_with_cancel(parent); /* the parent's comes first */
  struct ctx *c = newctx(parent, CTX_TIMER, "gort_ctx_with_deadline");
  if (c == NULL)
    return NULL;
  c->deadline = deadline;
  c->deadline_cause = cause;
  c->timer.f = timer_fired;
  set_ptr(c, &c->timer.arg, c);
  c->timer.when = deadline;
  /* checktimers must not touch the timer after f: c may be freed by then. */
  c->timer.self_freeing = true;
  propagate_cancel(c);
  if (deadline <= gort_nanotime()) {
    cancel(c, GORT_CTX_DEADLINE_EXCEEDED, cause, true);
    return (gort_ctx *)c;
  }
  gort__lock(&c->mu);
  if (gort__atomic_load_relaxed(&c->err) == 0) {
    c->timer_armed = true;
    gort__addtimer(&c->timer);
  }
  gort__unlock(&c->mu);
  return (gort_ctx *)c;
}

gort_ctx *gort_ctx_with_deadline(gort_ctx *parent, int64_t deadline) {
  return gort_ctx_with_deadline_cause(parent, deadline, 0);
}

gort_ctx *gort_ctx_with_timeout_cause(gort_ctx *parent, int64_t ns, int cause) {
  /* Saturating (time/when.h): a timeout too long to add is a deadline
   * never reached; ns <= 0 is now, so the context is done at once. */
  return gort_ctx_with_deadline_cause(parent, gort__when(ns), cause);
}

gort_ctx *gort_ctx_with_timeout(gort_ctx *parent, int64_t ns) {
  return gort_ctx_with_timeout_cause(parent, ns, 0);
}

gort_ctx *gort_ctx_with_value(gort_ctx *parent, const void *key, void *val) {
  if (key == NULL)
    gort__panic("nil key");
  struct ctx *c = newctx(parent, CTX_VALUE, "gort_ctx_with_value");
  if (c == NULL)
    return NULL;
  set_ptr(c, &c->held.value.v.key, key);
  set_ptr(c, &c->held.value.v.val, val);
  if (!c->gcheap)
    gort__gc_held_add(&c->held.value);
  return (gort_ctx *)c;
}

gort_ctx *gort_ctx_without_cancel(gort_ctx *parent) {
  return (gort_ctx *)newctx(parent, CTX_DETACHED, "gort_ctx_without_cancel");
}

/* ---- references and cancel, public -------------------------------------- */

gort_ctx *gort_ctx_retain(gort_ctx *h) {
  if (h != NULL)
    ctx_retain(ctxof(h, "gort_ctx_retain"));
  return h;
}

void gort_ctx_release(gort_ctx *h) {
  ctx_release(ctxof(h, "gort_ctx_release"));
}

int gort_ctx_cancel_cause(gort_ctx *h, int cause) {
  gort__must_getg("gort_ctx_cancel");
  struct ctx *c = ctxof(h, "gort_ctx_cancel");
  if (c == NULL || (c->kind != CTX_CANCEL && c->kind != CTX_TIMER))
    return GORT_EINVAL;
  cancel(c, GORT_CTX_CANCELED, cause, true);
  return 0;
}

int gort_ctx_cancel(gort_ctx *h) { return gort_ctx_cancel_cause(h, 0); }

/* ---- accessors ---------------------------------------------------------- */

gort_chan *gort_ctx_done(gort_ctx *h) {
  struct ctx *c = h ? ctxof(h, "gort_ctx_done")->cancel_anc : NULL;
  if (c == NULL)
    return NULL; /* never done: a nil channel, as Background's Done */
  /* Acquire: the channel was initialised before it was published. */
  struct hchan *d = gort__atomic_load_acquire(&c->done);
  if (d != NULL)
    return (gort_chan *)d;
  if (c->gcheap)
    gort__must_getg("gort_ctx_done"); /* its channel is a GC object */
  struct hchan *n = (struct hchan *)gort__chan_make_in(0, 0, true, c->gcheap);
  if (n == NULL)
    gort__throw("runtime: out of memory making a context's Done channel");
  gort__chan_set_owned((gort_chan *)n, true);
  gort__lock(&c->mu);
  d = gort__atomic_load_relaxed(&c->done);
  if (d == NULL) {
    if (c->gcheap)
      gort__wb_shade(n); /* the barrier's insertion half (old: NULL) */
    gort__atomic_store_release(&c->done, n);
    d = n;
    n = NULL;
  }
  gort__unlock(&c->mu);
  if (n != NULL)
    gort__chan_free_owned((gort_chan *)n); /* another goroutine won */
  return (gort_chan *)d;
}

int gort_ctx_err(gort_ctx *h) {
  struct ctx *c = h ? ctxof(h, "gort_ctx_err")->cancel_anc : NULL;
  return c ? gort__atomic_load_acquire(&c->err) : 0;
}

int gort_ctx_cause(gort_ctx *h) {
  struct ctx *c = h ? ctxof(h, "gort_ctx_cause")->cancel_anc : NULL;
  if (c == NULL)
    return 0;
  /* Acquire pairs with cancel_one's release: cause was written before. */
  if (gort__atomic_load_acquire(&c->err) == 0)
    return 0;
  return c->cause;
}

bool gort_ctx_deadline(gort_ctx *h, int64_t *deadline) {
  int64_t d = h ? ctxof(h, "gort_ctx_deadline")->deadline : 0;
  if (deadline)
    *deadline = d;
  return d != 0;
}

void *gort_ctx_value(gort_ctx *h, const void *key) {
  for (struct ctx *c = ctxof(h, "gort_ctx_value"); c != NULL; c = c->parent)
    if (c->kind == CTX_VALUE && c->held.value.v.key == key)
      return c->held.value.v.val;
  return NULL;
}

/* ---- AfterFunc ---------------------------------------------------------- */

gort_ctx_afterfunc *gort_ctx_after_func(gort_ctx *h, gort_func fn, void *arg) {
  gort__must_getg("gort_ctx_after_func");
  if (fn == NULL)
    return NULL;
  struct ctx *c = newctx(h, CTX_AFTERFUNC, "gort_ctx_after_func");
  if (c == NULL)
    return NULL;
  c->fn = fn;
  set_ptr(c, &c->held.afterfunc.v.arg, arg);
  if (!c->gcheap)
    gort__gc_held_add(&c->held.afterfunc); /* before anyone can run it */
  propagate_cancel(c);
  return (gort_ctx_afterfunc *)c;
}

/* An AfterFunc handle not yet given back (by stop or detach). */
static struct ctx *afterfuncof(gort_ctx_afterfunc *h, const char *call) {
  struct ctx *c = ctxof((gort_ctx *)h, call);
  if (c == NULL)
    gort__panic_nil(call, "AfterFunc handle");
  if (c->kind != CTX_AFTERFUNC)
    gort__fatal("gort: a context that is not an AfterFunc handle given to "
                "gort_ctx_after_func_stop or _detach");
  if (gort__atomic_load_relaxed(&c->afstate) & AF_DETACHED)
    gort__fatal("gort: context AfterFunc handle used after detach");
  return c;
}

bool gort_ctx_after_func_stop(gort_ctx_afterfunc *h) {
  struct ctx *c = afterfuncof(h, "gort_ctx_after_func_stop");
  uint32_t s = gort__atomic_load_relaxed(&c->afstate);
  bool stopped = false;
  while (!(s & (AF_RAN | AF_STOPPED))) {
    if (gort__atomic_cas_weak_acq_rel(&c->afstate, &s, s | AF_STOPPED)) {
      stopped = true;
      break;
    }
  }
  if (stopped)
    remove_from_parent(c);
  ctx_release(c);
  return stopped;
}

void gort_ctx_after_func_detach(gort_ctx_afterfunc *h) {
  struct ctx *c = afterfuncof(h, "gort_ctx_after_func_detach");
  /* Whichever of detach and run comes second drops the handle's
   * reference: run's CAS fails while the bit is being set. */
  uint32_t old = gort__atomic_or_acq_rel(&c->afstate, AF_DETACHED);
  if (old & (AF_RAN | AF_STOPPED))
    ctx_release(c);
}
