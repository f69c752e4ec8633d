/*
 * singleflight.c - golang.org/x/sync/singleflight
 * (singleflight/singleflight.go): duplicate calls for one key share a
 * single execution.
 *
 * A call in flight is a record in a hash table keyed by string. The first
 * caller (the leader) inserts it and runs fn; later callers for the same
 * key find it, count themselves in dups, and wait on the call's WaitGroup
 * (Do) or add a result channel to it (DoChan). When fn returns, the leader
 * takes the call out of the table (unless Forget already did, and a newer
 * call took the key: singleflight.go's `if g.m[key] == c`), sends the
 * result on every channel and releases the waiters. shared is dups > 0.
 *
 * Memory: a call is reference-counted: the leader and each waiting Do
 * hold one, so it outlives the WaitGroup wake-up and the last reader frees
 * it. DoChan callers hold none: their result is a copy on their channel
 * (capacity 1, so the send never blocks).
 *
 * What a call holds for the program (mgc.h): fn's argument and its result,
 * a collector root from the leader's insert until the last reference is
 * dropped: the argument while a DoChan leader's goroutine has not yet
 * started, the result while the waiters it woke have not yet read it. A
 * DoChan result then waits in its channel, whose buffer is a root too.
 * fn writes its result into a variable of the leader's frame, never into
 * the root itself (a plain store there, after the root was scanned, would
 * hide the result from the concurrent mark); the leader stores it into
 * the root through the write barrier (mem/mbarrier.h), and so it does
 * into the caller's *val, which may be a GC object's field.
 *
 * Invariants: a call is in the table from its leader's insert until its fn
 * returned (or Forget); dups and chans change only while it is there.
 *
 * Misuse (issue 10): magic (debug/handle.h) makes a freed group a fatal
 * error naming it; a NULL group is Go's nil dereference; a NULL key or fn
 * is GORT_EINVAL (do_chan: NULL; forget: nothing).
 *
 * Locking: mu (a runtime lock) guards the table and each call's dups and
 * chans; val and err are written by the leader before the WaitGroup Done
 * and read by waiters after Wait. The root is registered under mu (the
 * registry's locks are leaves).
 */
#include "atomic/atomic.h"
#include <stdlib.h>
#include <string.h>

#include "chan/chan.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "gort.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "sched/lock.h"
#include "sched/mp.h"

struct call {
  struct call *hnext; /* hash chain (mu) */
  uint64_t hash;
  gort_waitgroup wg;
  _Atomic int32_t refs;
  int64_t dups;      /* (mu) */
  gort_chan **chans; /* DoChan results (mu) */
  int32_t nchans, capchans;
  /* What the leader runs (DoChan runs it in a goroutine). */
  struct gort_singleflight *group;
  gort_flightfunc fn;
  GC_HELD(void *arg; void *val;) held; /* a root while the call lives */
  int err;
  char key[];
};

struct gort_singleflight {
  struct mutex mu;
  struct call **buckets;  /* (mu) */
  size_t nbuckets;        /* a power of two (mu) */
  size_t count;           /* (mu) */
  _Atomic uint32_t magic; /* (atomic) debug/handle.h */
};

static struct gort_singleflight *groupof(gort_singleflight *g,
                                         const char *call) {
  gort__must_getg(call);
  if (g == NULL)
    gort__panic_nil(call, "singleflight group");
  gort__handle_check(&g->magic, &gort__hk_singleflight, call);
  return g;
}

enum { INITIAL_BUCKETS = 16 };

static uint64_t hash_key(const char *k) {
  uint64_t h = 14695981039346656037ull; /* FNV-1a */
  for (; *k; k++)
    h = (h ^ (unsigned char)*k) * 1099511628211ull;
  return h;
}

gort_singleflight *gort_singleflight_new(void) {
  struct gort_singleflight *g = calloc(1, sizeof *g);
  if (g == NULL)
    return NULL;
  g->buckets = calloc(INITIAL_BUCKETS, sizeof *g->buckets);
  if (g->buckets == NULL) {
    free(g);
    return NULL;
  }
  g->nbuckets = INITIAL_BUCKETS;
  gort__lock_init(&g->mu, LOCK_RANK_SINGLEFLIGHT);
  atomic_init(&g->magic, gort__hk_singleflight.live);
  return g;
}

void gort_singleflight_free(gort_singleflight *g) {
  if (g == NULL)
    return;
  gort__handle_check_free(&g->magic, &gort__hk_singleflight,
                          "gort_singleflight_free");
  gort__lock(&g->mu);
  bool busy = g->count != 0;
  gort__unlock(&g->mu);
  if (busy)
    gort__panic("gort_singleflight_free: calls are still in flight");
  gort__handle_kill(&g->magic, &gort__hk_singleflight,
                    "gort_singleflight_free");
  free(g->buckets);
  gort__handle_free(g);
}

/* ---- the table (mu held) ------------------------------------------------ */

static struct call **slot_locked(struct gort_singleflight *g, uint64_t h,
                                 const char *key) {
  GORT_ASSERT_LOCKED(&g->mu);
  struct call **pp = &g->buckets[h & (g->nbuckets - 1)];
  while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0))
    pp = &(*pp)->hnext;
  return pp;
}

static void grow_locked(struct gort_singleflight *g) {
  GORT_ASSERT_LOCKED(&g->mu);
  size_t n = g->nbuckets * 2;
  struct call **nb = calloc(n, sizeof *nb);
  if (nb == NULL)
    return; /* longer chains, still correct */
  for (size_t i = 0; i < g->nbuckets; i++) {
    struct call *c = g->buckets[i];
    while (c) {
      struct call *next = c->hnext;
      c->hnext = nb[c->hash & (n - 1)];
      nb[c->hash & (n - 1)] = c;
      c = next;
    }
  }
  free(g->buckets);
  g->buckets = nb;
  g->nbuckets = n;
}

static void insert_locked(struct gort_singleflight *g, struct call *c) {
  GORT_ASSERT_LOCKED(&g->mu);
  if (g->count >= g->nbuckets)
    grow_locked(g);
  struct call **b = &g->buckets[c->hash & (g->nbuckets - 1)];
  c->hnext = *b;
  *b = c;
  g->count++;
}

/* Take the entry for key out if it is c (or any, when c is NULL). */
static void remove_locked(struct gort_singleflight *g, uint64_t h,
                          const char *key, struct call *c) {
  GORT_ASSERT_LOCKED(&g->mu);
  struct call **pp = slot_locked(g, h, key);
  if (*pp == NULL || (c != NULL && *pp != c))
    return;
  *pp = (*pp)->hnext;
  g->count--;
}

/* ---- calls -------------------------------------------------------------- */

static struct call *newcall_locked(struct gort_singleflight *g, uint64_t h,
                                   const char *key, gort_flightfunc fn,
                                   void *arg) {
  GORT_ASSERT_LOCKED(&g->mu);
  size_t len = strlen(key);
  struct call *c = calloc(1, sizeof *c + len + 1);
  if (c == NULL)
    return NULL;
  memcpy(c->key, key, len + 1);
  c->hash = h;
  c->group = g;
  c->fn = fn;
  c->held.v.arg = arg;
  gort__gc_held_add(&c->held); /* before the call is in the table */
  atomic_init(&c->refs, 1);    /* the leader's */
  gort_waitgroup_add(&c->wg, 1);
  insert_locked(g, c);
  return c;
}

static void call_free(struct call *c) {
  gort__gc_held_remove(&c->held);
  free(c->chans);
  free(c);
}

static void call_release(struct call *c) {
  /* acq_rel: the freeing reader sees the others' reads done. */
  if (gort__atomic_sub_acq_rel(&c->refs, 1) == 1)
    call_free(c);
}

/* singleflight.go's doCall: run fn, publish, release the waiters. */
static void docall(struct call *c) {
  struct gort_singleflight *g = c->group;
  void *val = NULL; /* fn's store: into this frame (see Memory) */
  c->err = c->fn(c->held.v.arg, &val);
  gort__wb_store(&c->held.v.val, val);
  gort__lock(&g->mu);
  remove_locked(g, c->hash, c->key, c);
  gort_singleflight_result r = {c->held.v.val, c->err, c->dups > 0};
  gort__unlock(&g->mu);
  /* Out of the table, chans no longer changes. Send after the unlock: a
   * receiver may free the group at once, and g is not touched again. */
  for (int32_t i = 0; i < c->nchans; i++)
    if (!gort_chan_try_send(c->chans[i], &r))
      gort__throw("runtime: singleflight result channel is full");
  gort_waitgroup_done(&c->wg);
}

int gort_singleflight_do(gort_singleflight *g, const char *key,
                         gort_flightfunc fn, void *arg, void **val,
                         bool *shared) {
  groupof(g, "gort_singleflight_do");
  if (key == NULL || fn == NULL)
    return GORT_EINVAL;
  uint64_t h = hash_key(key);
  gort__lock(&g->mu);
  struct call *c = *slot_locked(g, h, key);
  if (c != NULL) {
    c->dups++;
    gort__atomic_add_relaxed(&c->refs, 1);
    gort__unlock(&g->mu);
    gort_waitgroup_wait(&c->wg);
    if (val)
      gort__wb_store(val, c->held.v.val);
    if (shared)
      *shared = true;
    int err = c->err;
    call_release(c);
    return err;
  }
  c = newcall_locked(g, h, key, fn, arg);
  gort__unlock(&g->mu);
  if (c == NULL)
    return GORT_ENOMEM;
  docall(c);
  if (val)
    gort__wb_store(val, c->held.v.val);
  if (shared) {
    /* dups no longer changes: the call left the table in docall. */
    gort__lock(&g->mu);
    *shared = c->dups > 0;
    gort__unlock(&g->mu);
  }
  int err = c->err;
  call_release(c);
  return err;
}

static void docall_goroutine(void *p) {
  struct call *c = p;
  docall(c);
  call_release(c);
}

gort_chan *gort_singleflight_do_chan(gort_singleflight *g, const char *key,
                                     gort_flightfunc fn, void *arg) {
  groupof(g, "gort_singleflight_do_chan");
  if (key == NULL || fn == NULL)
    return NULL;
  /* In C memory whatever gort_set_gc_handles says: the call's chans
   * array (C memory, not scanned) holds it until the result is sent. */
  gort_chan *ch =
      gort__chan_make_in(sizeof(gort_singleflight_result), 1, true, false);
  if (ch == NULL)
    return NULL;
  uint64_t h = hash_key(key);
  gort__lock(&g->mu);
  struct call *c = *slot_locked(g, h, key);
  bool leader = c == NULL;
  if (leader && (c = newcall_locked(g, h, key, fn, arg)) == NULL)
    goto nomem;
  if (c->nchans == c->capchans) {
    int32_t ncap = c->capchans ? c->capchans * 2 : 4;
    gort_chan **n = realloc(c->chans, (size_t)ncap * sizeof *n);
    if (n == NULL) {
      if (leader) {
        remove_locked(g, h, key, c);
        call_free(c);
      }
      goto nomem;
    }
    c->chans = n;
    c->capchans = ncap;
  }
  c->chans[c->nchans++] = ch;
  if (!leader)
    c->dups++;
  gort__unlock(&g->mu);
  /* Out of goroutines: run it here instead (the caller waits, but every
   * joiner still gets its result). */
  if (leader && gort_go(docall_goroutine, c) != 0)
    docall_goroutine(c);
  return ch;
nomem:
  gort__unlock(&g->mu);
  gort_chan_free(ch);
  return NULL;
}

void gort_singleflight_forget(gort_singleflight *g, const char *key) {
  groupof(g, "gort_singleflight_forget");
  if (key == NULL)
    return;
  gort__lock(&g->mu);
  remove_locked(g, hash_key(key), key, NULL);
  gort__unlock(&g->mu);
}
