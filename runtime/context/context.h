/*
 * context.h - the inside of a context (Go's context/context.go: emptyCtx,
 * cancelCtx, timerCtx, valueCtx, afterFuncCtx), shared by context.c only
 * for now; x/sync uses the public API.
 *
 * Invariants:
 *   - parent is immutable and holds one reference on the parent (NULL only
 *     for Background and TODO); so a context keeps every ancestor alive,
 *     and refs reaches 0 only when nothing refers to it: no descendants, no
 *     AfterFunc registrations, no caller, no canceller walking it.
 *   - cancel_anc (the nearest ancestor-or-self that can be cancelled) and
 *     deadline (the effective one) are immutable. The search stops at a
 *     WithoutCancel node: it and its value descendants have neither.
 *   - A context is on its link_parent's children list iff linked; a
 *     cancelled context has no children (cancel takes the list).
 *   - err goes from 0 to GORT_CTX_* once and never back; cause is written
 *     before it.
 *   - timer_armed: the deadline timer was queued and its callback has not
 *     yet taken mu.
 *   - magic is gort__hk_ctx's live value (debug/handle.h) until the last
 *     reference is dropped; Background and TODO are live forever.
 *   - gcheap (immutable): a GC object (debug/handle.h), as its parent is
 *     (Background and TODO: as gort_set_gc_handles says at creation), so
 *     a tree is all in the GC heap or all in C memory; its Done channel
 *     is of its kind. A GC context's held words are in its own scanned
 *     memory, not registered roots.
 *
 * Locking: mu guards children, the sibling links of the children
 * (sib_prev, sib_next, linked of each child), done's creation, and the
 * timer fields. At most one context's mu is held at a time (cancel takes
 * the children list and walks it after unlocking), so there is no lock
 * order between contexts; under mu a channel lock, a timerslock and
 * sched.lock may be taken (closing done, stopping the timer). refs,
 * err, done and magic are atomics, read without mu.
 */
#ifndef GORT_CONTEXT_CONTEXT_H
#define GORT_CONTEXT_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "mem/mgc.h"
#include "sched/runtime2.h"
#include "time/timer.h"

enum ctxkind {
  CTX_BACKGROUND, /* static; never cancelled; references are not counted */
  CTX_TODO,       /* the same, another name */
  CTX_CANCEL,     /* WithCancel, WithCancelCause */
  CTX_TIMER,      /* WithDeadline, WithTimeout: a cancel ctx with a timer */
  CTX_VALUE,      /* WithValue: one key/value, no state of its own */
  CTX_DETACHED,   /* WithoutCancel: the parent's values, none of its
                     cancellation or deadline */
  CTX_AFTERFUNC,  /* AfterFunc's registration: a child that starts fn */
};

/* afstate bits (AfterFunc): whichever of run and stop comes first wins
 * (Go's afterFuncCtx.once); DETACHED says the handle was given up. */
enum { AF_RAN = 1, AF_STOPPED = 2, AF_DETACHED = 4 };

struct hchan;

struct ctx {
  _Atomic int64_t refs;    /* (atomic) */
  uint8_t kind;            /* enum ctxkind; immutable */
  struct ctx *parent;      /* immutable; a counted reference */
  struct ctx *cancel_anc;  /* immutable; NULL: can never be cancelled */
  struct ctx *link_parent; /* = parent->cancel_anc for CANCEL, TIMER and
                              AFTERFUNC; whose children list holds us */
  int64_t deadline;        /* immutable; 0: none */
  _Atomic uint32_t magic;  /* (atomic) debug/handle.h */
  bool gcheap;             /* immutable: a GC object (see Invariants) */
  /* Siblings on link_parent's children list (link_parent->mu). */
  struct ctx *sib_prev, *sib_next;
  bool linked; /* (link_parent->mu) */
  /* cancel's worklist (the canceller holding a reference on us). */
  struct ctx *work_next;

  /* What the context holds for the program, by kind (mgc.h): a collector
   * root from its constructor until the context is freed. Immutable. */
  union {
    GC_HELD(const void *key; void *val;) value; /* CTX_VALUE */
    GC_HELD(void *arg;) afterfunc;              /* CTX_AFTERFUNC */
  } held;

  /* CTX_CANCEL, CTX_TIMER */
  struct mutex mu;
  _Atomic int32_t err;        /* 0 or GORT_CTX_*; set once under mu (release) */
  int32_t cause;              /* written under mu before err */
  struct hchan *_Atomic done; /* made lazily under mu; closedchan if it
                                 was first asked for after cancel */
  struct ctx *children;       /* (mu) */

  /* CTX_TIMER */
  struct timer timer;
  int32_t deadline_cause; /* immutable: the cause when the deadline hits */
  bool timer_armed;       /* (mu) */
  bool free_pending;      /* (mu) the last reference went while the
                             callback was about to run: it frees */

  /* CTX_AFTERFUNC (its argument: held.afterfunc) */
  gort_func fn;
  _Atomic uint32_t afstate; /* AF_* bits */
};

#endif
