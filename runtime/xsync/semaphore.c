/*
 * semaphore.c - golang.org/x/sync/semaphore (semaphore/semaphore.go):
 * Weighted, a semaphore of size n from which goroutines acquire and release
 * weights.
 *
 * Waiters queue FIFO, each with its weight and a ready channel of its own.
 * notify_waiters serves them from the head while the head's weight fits,
 * and stops at the first that does not, even if a smaller one behind it
 * would fit: semaphore.go's choice, so that a big request cannot starve
 * behind a stream of small ones. A waiter selects on its ready channel and
 * its context's Done; if the context wins, it takes itself off the queue
 * under the lock, unless it was served in the meantime, in which case it
 * gives the weight back (and if it was at the head with room left, it
 * serves those behind it). Acquire from a context already done returns its
 * error at once, and a weight larger than the size waits only for the
 * context (semaphore.go).
 *
 * Invariants: 0 <= cur <= size; a waiter is on the queue until it is
 * served (its ready channel closed) or leaves it on cancellation; when the
 * queue is not empty the head does not fit (size - cur < head->n).
 *
 * Misuse (issue 10): a negative size panics, a negative weight to acquire
 * is GORT_EINVAL (try_acquire: false), to release a panic (Go checks none
 * of these and corrupts its count); magic (debug/handle.h) makes a freed
 * semaphore a fatal error naming it; NULL is Go's nil dereference.
 *
 * Locking: mu (a runtime lock, never held across a park) guards cur and
 * the queue; a waiter lives on its goroutine's stack and its ready channel
 * is closed under mu.
 */
#include "atomic/atomic.h"
#include <stdlib.h>

#include "debug/handle.h"
#include "debug/print.h"
#include "gort.h"
#include "sched/lock.h"
#include "sched/mp.h"

struct waiter {
  int64_t n;
  gort_chan *ready;
  struct waiter *next, *prev; /* (mu) */
};

struct gort_weighted {
  struct mutex mu;
  int64_t size;
  int64_t cur;                /* (mu) */
  struct waiter *head, *tail; /* (mu) */
  _Atomic uint32_t magic;     /* (atomic) debug/handle.h */
};

static struct gort_weighted *semof(gort_weighted *s, const char *call) {
  gort__must_getg(call);
  if (s == NULL)
    gort__panic_nil(call, "semaphore");
  gort__handle_check(&s->magic, &gort__hk_weighted, call);
  return s;
}

gort_weighted *gort_weighted_new(int64_t n) {
  if (n < 0)
    gort__panic("semaphore: negative size");
  struct gort_weighted *s = calloc(1, sizeof *s);
  if (s) {
    s->size = n;
    gort__lock_init(&s->mu, LOCK_RANK_XSEMAPHORE);
    atomic_init(&s->magic, gort__hk_weighted.live);
  }
  return s;
}

void gort_weighted_free(gort_weighted *s) {
  if (s == NULL)
    return;
  gort__handle_check_free(&s->magic, &gort__hk_weighted, "gort_weighted_free");
  gort__lock(&s->mu);
  bool busy = s->head != NULL;
  gort__unlock(&s->mu);
  if (busy)
    gort__panic("gort_weighted_free: goroutines are still waiting");
  gort__handle_kill(&s->magic, &gort__hk_weighted, "gort_weighted_free");
  gort__handle_free(s);
}

static void remove_locked(struct gort_weighted *s, struct waiter *w) {
  GORT_ASSERT_LOCKED(&s->mu);
  if (w->prev)
    w->prev->next = w->next;
  else
    s->head = w->next;
  if (w->next)
    w->next->prev = w->prev;
  else
    s->tail = w->prev;
  w->next = w->prev = NULL;
}

/* semaphore.go's notifyWaiters. */
static void notify_waiters_locked(struct gort_weighted *s) {
  GORT_ASSERT_LOCKED(&s->mu);
  struct waiter *w;
  while ((w = s->head) != NULL) {
    if (s->size - s->cur < w->n)
      break; /* FIFO: the head waits, and so does everyone behind it */
    s->cur += w->n;
    remove_locked(s, w);
    gort_chan_close(w->ready);
  }
}

int gort_weighted_acquire(gort_weighted *s, gort_ctx *ctx, int64_t n) {
  semof(s, "gort_weighted_acquire");
  if (n < 0)
    return GORT_EINVAL;
  gort_chan *done = gort_ctx_done(ctx);
  gort__lock(&s->mu);
  int err = gort_ctx_err(ctx);
  if (err != 0) {
    gort__unlock(&s->mu); /* done already: don't even try */
    return err;
  }
  if (s->size - s->cur >= n && s->head == NULL) {
    s->cur += n;
    gort__unlock(&s->mu);
    return 0;
  }
  if (n > s->size) {
    /* Cannot ever succeed: wait for ctx alone, without holding back the
     * Acquires behind it. */
    gort__unlock(&s->mu);
    gort_chan_recv(done, NULL);
    return gort_ctx_err(ctx);
  }
  struct waiter w = {.n = n, .ready = gort_chan_make(0, 0)};
  if (w.ready == NULL) {
    gort__unlock(&s->mu);
    return GORT_ENOMEM;
  }
  w.prev = s->tail;
  if (s->tail)
    s->tail->next = &w;
  else
    s->head = &w;
  s->tail = &w;
  gort__unlock(&s->mu);

  gort_select_case cs[2] = {
      {.chan = w.ready, .dir = GORT_SELECT_RECV},
      {.chan = done, .dir = GORT_SELECT_RECV},
  };
  int i = gort_select(cs, 2, true);
  if (i == 0) {
    /* Served. Report the context's end if it came at the same time. */
    gort_chan_free(w.ready);
    err = gort_ctx_err(ctx);
    if (err != 0)
      gort_weighted_release(s, n);
    return err;
  }
  gort__lock(&s->mu);
  bool ok;
  if (gort_chan_try_recv(w.ready, NULL, &ok)) {
    /* Served after the cancel: pretend we weren't, give it back. */
    s->cur -= n;
    notify_waiters_locked(s);
  } else {
    bool front = s->head == &w;
    remove_locked(s, &w);
    if (front && s->size > s->cur)
      notify_waiters_locked(s); /* we held back those behind us */
  }
  gort__unlock(&s->mu);
  gort_chan_free(w.ready);
  return gort_ctx_err(ctx);
}

bool gort_weighted_try_acquire(gort_weighted *s, int64_t n) {
  semof(s, "gort_weighted_try_acquire");
  if (n < 0)
    return false;
  gort__lock(&s->mu);
  bool ok = s->size - s->cur >= n && s->head == NULL;
  if (ok)
    s->cur += n;
  gort__unlock(&s->mu);
  return ok;
}

void gort_weighted_release(gort_weighted *s, int64_t n) {
  semof(s, "gort_weighted_release");
  if (n < 0)
    gort__panic("semaphore: released a negative weight");
  gort__lock(&s->mu);
  s->cur -= n;
  if (s->cur < 0) {
    gort__unlock(&s->mu);
    gort__panic("semaphore: released more than held");
  }
  notify_waiters_locked(s);
  gort__unlock(&s->mu);
}
