/*
 * mgcwork.c - work buffers for the mark (Go's mgcwork.go): see
 * mgcwork.h for the design, invariants and locking.
 *
 * Buffers come from C memory and are never given back: the empty list
 * keeps them for the next cycle, so a steady program allocates none
 * after its first cycles (Go takes them from persistentalloc and keeps
 * them too, freeing only spans of them between cycles).
 */
#include <stdlib.h>

#include "atomic/atomic.h"
#include "mem/mgcwork.h"
#include "mem/mheap.h"
#include "sched/lock.h"

static struct {
  struct mutex lock;     /* a leaf */
  struct workbuf *full;  /* (lock) */
  struct workbuf *empty; /* (lock) */
  _Atomic(uint32_t) nfull;
  _Atomic(uint64_t) bytes_marked, bytes_scanned;
} lists = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_NONE)};

static struct workbuf *take_empty(void) {
  gort__lock(&lists.lock);
  struct workbuf *b = lists.empty;
  if (b != NULL)
    lists.empty = b->next;
  gort__unlock(&lists.lock);
  if (b == NULL) {
    b = malloc(sizeof *b);
    if (b == NULL)
      gort__throw_oom(sizeof *b, "a mark work buffer");
  }
  b->next = NULL;
  b->nobj = 0;
  return b;
}

static void put_full(struct workbuf *b) {
  gort__lock(&lists.lock);
  b->next = lists.full;
  lists.full = b;
  gort__atomic_add_relaxed(&lists.nfull, 1);
  gort__unlock(&lists.lock);
}

static void put_empty(struct workbuf *b) {
  gort__lock(&lists.lock);
  b->next = lists.empty;
  lists.empty = b;
  gort__unlock(&lists.lock);
}

static struct workbuf *take_full(void) {
  if (gort__atomic_load_relaxed(&lists.nfull) == 0)
    return NULL; /* the common case when dry: no lock */
  gort__lock(&lists.lock);
  struct workbuf *b = lists.full;
  if (b != NULL) {
    lists.full = b->next;
    gort__atomic_sub_relaxed(&lists.nfull, 1);
  }
  gort__unlock(&lists.lock);
  return b;
}

void gort__gcw_put(struct gcwork *w, uintptr_t obj) {
  struct workbuf *b = w->wbuf1;
  if (b == NULL) {
    b = w->wbuf1 = take_empty();
  } else if (b->nobj == WORKBUF_OBJS) {
    /* Full: swap with the spare, and if that is full too, publish it. */
    w->wbuf1 = w->wbuf2;
    w->wbuf2 = b;
    b = w->wbuf1;
    if (b == NULL) {
      b = w->wbuf1 = take_empty();
    } else if (b->nobj == WORKBUF_OBJS) {
      put_full(b);
      b = w->wbuf1 = take_empty();
    }
  }
  b->obj[b->nobj++] = obj;
}

bool gort__gcw_tryget_local(struct gcwork *w, uintptr_t *obj) {
  struct workbuf *b = w->wbuf1;
  if (b == NULL || b->nobj == 0) {
    struct workbuf *spare = w->wbuf2;
    if (spare == NULL || spare->nobj == 0)
      return false;
    w->wbuf2 = b;
    w->wbuf1 = b = spare;
  }
  *obj = b->obj[--b->nobj];
  return true;
}

bool gort__gcw_tryget(struct gcwork *w, uintptr_t *obj) {
  if (gort__gcw_tryget_local(w, obj))
    return true;
  struct workbuf *b = take_full();
  if (b == NULL)
    return false;
  /* Both local buffers are empty: keep one, return the other. */
  if (w->wbuf1 != NULL)
    put_empty(w->wbuf1);
  w->wbuf1 = b;
  *obj = b->obj[--b->nobj];
  return true;
}

bool gort__gcw_empty(const struct gcwork *w) {
  return (w->wbuf1 == NULL || w->wbuf1->nobj == 0) &&
         (w->wbuf2 == NULL || w->wbuf2->nobj == 0);
}

void gort__gcw_dispose(struct gcwork *w) {
  struct workbuf **slots[2] = {&w->wbuf1, &w->wbuf2};
  for (int i = 0; i < 2; i++) {
    struct workbuf *b = *slots[i];
    if (b == NULL)
      continue;
    if (b->nobj > 0)
      put_full(b);
    else
      put_empty(b);
    *slots[i] = NULL;
  }
  gort__gcw_flush_stats(w);
}

void gort__gcw_flush_stats(struct gcwork *w) {
  if (w->bytes_marked != 0)
    gort__atomic_add_relaxed(&lists.bytes_marked, w->bytes_marked);
  if (w->bytes_scanned != 0)
    gort__atomic_add_relaxed(&lists.bytes_scanned, w->bytes_scanned);
  w->bytes_marked = w->bytes_scanned = 0;
}

bool gort__gcw_global_empty(void) {
  return gort__atomic_load_acquire(&lists.nfull) == 0;
}

void gort__gcw_begin_cycle(void) {
  gort__atomic_store_relaxed(&lists.bytes_marked, 0);
  gort__atomic_store_relaxed(&lists.bytes_scanned, 0);
}

uint64_t gort__gcw_total_marked(void) {
  return gort__atomic_load_relaxed(&lists.bytes_marked);
}

uint64_t gort__gcw_total_scanned(void) {
  return gort__atomic_load_relaxed(&lists.bytes_scanned);
}
