/*
 * once.c - sync.Once, after Go's sync/once.go: Do runs f exactly once, and
 * no call returns before that one run finished.
 *
 * done is set after f returns, under m. The fast path is one acquire load
 * of done; the slow path takes m, so callers that arrive while f runs
 * block on the mutex (parking their goroutine, not the thread) until the
 * first caller finished, then see done and return. A CAS on done alone
 * would not do: a loser would return while f still runs.
 *
 * Invariants: done goes 0 -> 1 once, after f returned.
 * Locking: m serialises the slow path; done is atomic (store release under
 * m, load acquire outside it: whoever sees 1 sees f's effects).
 */
#include "atomic/atomic.h"

#include "debug/handle.h"
#include "gort.h"

struct sync_once {
  _Atomic uint32_t done;
  gort_mutex m;
};

_Static_assert(sizeof(struct sync_once) <= sizeof(gort_once),
               "gort_once is too small for struct sync_once");

static void do_slow(struct sync_once *o, gort_func fn, void *arg) {
  gort_mutex_lock(&o->m);
  if (gort__atomic_load_relaxed(&o->done) == 0) {
    fn(arg);
    gort__atomic_store_release(&o->done, 1);
  }
  gort_mutex_unlock(&o->m);
}

void gort_once_do(gort_once *once, gort_func fn, void *arg) {
  if (once == NULL)
    gort__panic_nil("sync.Once", "*gort_once");
  struct sync_once *o = (struct sync_once *)(void *)once;
  if (gort__atomic_load_acquire(&o->done) == 0)
    do_slow(o, fn, arg); /* outlined so the fast path inlines well */
}
