/*
 * mgcroots.c - goroutine stacks and globals as roots of the mark (Go's
 * markroot in mgcmark.go, conservative as gort scans them).
 *
 * A suspended goroutine keeps what it needs in [saved sp, top of stack):
 * the native switches push the callee-saved registers there, and a
 * signal-preempted goroutine's whole register file is saved there too.
 * Where the backend cannot tell the saved sp (ucontext: registers in the
 * context itself) the whole stack and the context are scanned; on wasm
 * the goroutine's wasm locals live in its Asyncify buffer (the stack's
 * scratch memory), scanned as well (WASM.md). A goroutine that never ran
 * has only its argument. A goroutine in a blocking call keeps running:
 * its whole stack is scanned.
 *
 * Globals: the program's data and bss (os.h's data ranges).
 *
 * The runtime's own objects that hold user values register the ranges
 * that do (gort__gc_root_add): the buffers of channels whose elements can
 * hold a pointer, the keys and values of value contexts. Still to come:
 * timer and AfterFunc arguments, errgroup and singleflight arguments and
 * results (docs/ARCHITECTURE.md).
 *
 * Locking: roots_lock (a leaf) guards the registry.
 *
 * Invariants: called with the world stopped; only the caller's own
 * goroutine may be running, and it is not scanned (it must hold no heap
 * pointer the collection has to keep, or keep it in a root range).
 *
 * Locking: allglock while walking allgs.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "../arch/context.h"
#include "../debug/print.h"
#include "../os/os.h"
#include "../sched/mp.h"
#include "../sched/runtime2.h"
#include "mgc.h"

static void mark_goroutine(struct g *gp) {
  gort__gc_mark_range(&gp->arg, &gp->arg + 1);
  if (gp->stack.lo == 0)
    return; /* never ran: no stack yet */
  uintptr_t lo = gp->stack.lo, hi = gp->stack.hi;
  if (gort__readgstatus(gp) != G_SYSCALL) {
    uintptr_t sp = (uintptr_t)gort__context_saved_sp(&gp->ctx);
    if (sp >= lo && sp < hi)
      lo = sp;
  }
  gort__gc_mark_range((const void *)lo, (const void *)hi);
  gort__gc_mark_range(&gp->ctx, &gp->ctx + 1);
  if (gp->stack.scratch) {
    /* Only what the switch saved there: the rest is stale. */
    char *end = gort__context_saved_scratch_end(&gp->ctx, gp->stack.scratch);
    char *limit = (char *)gp->stack.scratch + gp->stack.scratch_size;
    if (end == NULL || end > limit)
      end = limit;
    gort__gc_mark_range(gp->stack.scratch, end);
  }
}

void gort__gc_mark_goroutines(void) {
  struct g *self = gort__getg();
  gort__lock(&gort__allglock);
  for (size_t i = 0; i < gort__allglen; i++) {
    struct g *gp = gort__allgs[i];
    uint32_t status = gort__readgstatus(gp);
    if (gp == self || status == G_DEAD || status == G_IDLE ||
        gp->no_heap_pointers)
      continue;
    if (status == G_RUNNING) {
      gort__unlock(&gort__allglock);
      gort__throw("runtime: gc: a goroutine runs while stacks are marked");
    }
    mark_goroutine(gp);
  }
  gort__unlock(&gort__allglock);
}

static void mark_data(const void *lo, const void *hi, void *arg) {
  (void)arg;
  gort__gc_mark_range(lo, hi);
}

void gort__gc_mark_globals(void) { gort__os_data_ranges(mark_data, NULL); }

static struct mutex roots_lock;
static struct gc_root *roots;

void gort__gc_root_add(struct gc_root *r, const void *lo, const void *hi) {
  r->lo = lo;
  r->hi = hi;
  r->prev = NULL;
  gort__lock(&roots_lock);
  r->next = roots;
  if (roots)
    roots->prev = r;
  roots = r;
  gort__unlock(&roots_lock);
}

void gort__gc_root_remove(struct gc_root *r) {
  gort__lock(&roots_lock);
  if (r->prev)
    r->prev->next = r->next;
  else
    roots = r->next;
  if (r->next)
    r->next->prev = r->prev;
  gort__unlock(&roots_lock);
}

void gort__gc_mark_runtime_objects(void) {
  gort__lock(&roots_lock);
  for (struct gc_root *r = roots; r; r = r->next)
    gort__gc_mark_range(r->lo, r->hi);
  gort__unlock(&roots_lock);
}

/* ---- C memory registered by the program (gort.h: gort_gc_add_root) ----
 *
 * Each registered range is a gc_root in the registry above, in a node
 * found by its base through a chained hash table (user_lock, taken
 * before roots_lock). */

struct user_root {
  struct gc_root root;
  struct user_root *next_in_bucket;
};

static struct mutex user_lock;
static struct user_root **user_buckets;
static size_t user_nbuckets, user_count;

static size_t bucket_of(const void *base, size_t nbuckets) {
  uintptr_t h = (uintptr_t)base;
  h ^= h >> 17;
  h *= (uintptr_t)0x9e3779b97f4a7c15ull;
  return (size_t)(h >> (sizeof h * 8 - 16)) & (nbuckets - 1);
}

static struct user_root **find_user_root(const void *base) {
  if (user_nbuckets == 0)
    return NULL;
  struct user_root **link = &user_buckets[bucket_of(base, user_nbuckets)];
  for (; *link; link = &(*link)->next_in_bucket)
    if ((*link)->root.lo == base)
      return link;
  return NULL;
}

/* Keep the load at most 1 (buckets double). false: no memory. */
static bool grow_user_buckets(void) {
  if (user_count < user_nbuckets)
    return true;
  size_t n = user_nbuckets ? user_nbuckets * 2 : 64;
  struct user_root **b = calloc(n, sizeof *b);
  if (b == NULL)
    return false;
  for (size_t i = 0; i < user_nbuckets; i++) {
    for (struct user_root *r = user_buckets[i], *next; r; r = next) {
      next = r->next_in_bucket;
      size_t k = bucket_of(r->root.lo, n);
      r->next_in_bucket = b[k];
      b[k] = r;
    }
  }
  free(user_buckets);
  user_buckets = b;
  user_nbuckets = n;
  return true;
}

GORT_API int gort_gc_add_root(const void *base, size_t size) {
  gort__must_getg("gort_gc_add_root");
  if (base == NULL || size == 0 || (uintptr_t)base + size < (uintptr_t)base)
    return GORT_EINVAL;
  gort__lock(&user_lock);
  if (find_user_root(base) != NULL) {
    gort__unlock(&user_lock);
    return GORT_EINVAL;
  }
  struct user_root *r = malloc(sizeof *r);
  if (r == NULL || !grow_user_buckets()) {
    gort__unlock(&user_lock);
    free(r);
    return GORT_ENOMEM;
  }
  size_t k = bucket_of(base, user_nbuckets);
  r->next_in_bucket = user_buckets[k];
  user_buckets[k] = r;
  user_count++;
  gort__gc_root_add(&r->root, base, (const char *)base + size);
  gort__unlock(&user_lock);
  return 0;
}

GORT_API int gort_gc_remove_root(const void *base) {
  gort__must_getg("gort_gc_remove_root");
  gort__lock(&user_lock);
  struct user_root **link = base ? find_user_root(base) : NULL;
  if (link == NULL) {
    gort__unlock(&user_lock);
    return GORT_EINVAL;
  }
  struct user_root *r = *link;
  *link = r->next_in_bucket;
  user_count--;
  gort__gc_root_remove(&r->root);
  gort__unlock(&user_lock);
  free(r);
  return 0;
}
