/*
 * handle.c - handle kinds, their fatal messages, and the quarantine of
 * freed handles (see handle.h).
 *
 * Where handles live (GC heap or calloc) is decided here too: one flag,
 * set by gort_set_gc_handles or GORT_GCHANDLES, read at each make.
 *
 * Invariants: a pointer in a quarantine ring was freed by the runtime's
 * API (its magic is a freed value) and is free()d when evicted.
 * Locking: the flag is atomic (relaxed: a make racing a switch may go
 * either way, and each handle records its own kind); the ring is
 * thread-local (goroutines move between threads; the
 * ring does not care which thread frees what).
 */
#include <stdlib.h>
#include <string.h>

#include "atomic/atomic.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "sched/mp.h"
#include "sched/settings.h"

const struct handle_kind gort__hk_timer = {GORT_HANDLE_TIMER_LIVE, "timer"};
const struct handle_kind gort__hk_chan = {GORT_HANDLE_CHAN_LIVE, "channel"};
const struct handle_kind gort__hk_ctx = {GORT_HANDLE_CTX_LIVE, "context"};
const struct handle_kind gort__hk_errgroup = {GORT_HANDLE_ERRGROUP_LIVE,
                                              "errgroup"};
const struct handle_kind gort__hk_weighted = {GORT_HANDLE_WEIGHTED_LIVE,
                                              "semaphore"};
const struct handle_kind gort__hk_singleflight = {GORT_HANDLE_SINGLEFLIGHT_LIVE,
                                                  "singleflight group"};

_Noreturn void gort__handle_bad(const struct handle_kind *k, uint32_t seen,
                                const char *call, int freeing) {
  char buf[192];
  size_t n = 0;
  buf[0] = 0;
  gort__msg_cat(buf, sizeof buf, &n, "gort: ");
  if (seen == ~k->live && freeing) {
    gort__msg_cat(buf, sizeof buf, &n, k->name);
    gort__msg_cat(buf, sizeof buf, &n, " freed twice");
  } else if (seen == ~k->live) {
    gort__msg_cat(buf, sizeof buf, &n, "use of freed ");
    gort__msg_cat(buf, sizeof buf, &n, k->name);
  } else {
    gort__msg_cat(buf, sizeof buf, &n, "invalid ");
    gort__msg_cat(buf, sizeof buf, &n, k->name);
    gort__msg_cat(buf, sizeof buf, &n, " handle (not a ");
    gort__msg_cat(buf, sizeof buf, &n, k->name);
    gort__msg_cat(buf, sizeof buf, &n, ", or freed long ago)");
  }
  gort__msg_cat(buf, sizeof buf, &n, " [");
  gort__msg_cat(buf, sizeof buf, &n, call);
  gort__msg_cat(buf, sizeof buf, &n, "]");
  gort__die_begin("fatal error: ", buf);
  gort__die_end();
}

_Noreturn void gort__panic_nil(const char *call, const char *what) {
  /* Go's words for a nil dereference, and which call saw it (no signal:
   * on wasm address 0 is ordinary memory, so the check is explicit). */
  gort__die_begin("panic: ", "runtime error: invalid memory address or nil "
                             "pointer dereference");
  gort__print_str("[");
  gort__print_str(call);
  gort__print_str(": nil ");
  gort__print_str(what);
  gort__print_str("]\n");
  gort__die_end();
}

enum { HANDLE_QUARANTINE = 64 };

static _Thread_local void *quarantine[HANDLE_QUARANTINE];
static _Thread_local unsigned qnext;

void gort__handle_free(void *p) {
  unsigned i = qnext++ % HANDLE_QUARANTINE;
  void *old = quarantine[i];
  quarantine[i] = p;
  free(old);
}

/* ---- GC handles (gort.h: gort_set_gc_handles) -----------------------------
 */

static _Atomic bool gc_handles;

bool gort__gc_handles_on(void) {
  return gort__atomic_load_relaxed(&gc_handles);
}

GORT_API void gort_set_gc_handles(bool on) {
  gort__atomic_store_relaxed(&gc_handles, on);
}

void gort__gc_handles_init(void) {
  gort_set_gc_handles(gort__settings.gc_handles);
}

bool gort__handle_want_gc(void) {
  if (!gort__gc_handles_on())
    return false;
  struct m *mp = gort__getm();
  return mp != NULL && gort__loadcurg(mp) != NULL && gort__loadmp(mp) != NULL;
}

void *gort__handle_alloc(size_t size, bool noscan, bool gc) {
  return gc ? gort__mallocgc(size, noscan) : calloc(1, size);
}

bool gort__handle_in_gc_heap(const void *h) {
  struct mspan *s;
  return gort__find_object(h, &s) != NULL;
}

void gort__handle_dispose(void *p, bool gcheap) {
  if (!gcheap)
    gort__handle_free(p);
}
