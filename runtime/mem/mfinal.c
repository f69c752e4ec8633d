/*
 * mfinal.c - finalizers (Go's mfinal.go: SetFinalizer, queuefinalizer,
 * createfing, runfinq; the marking rules of mgcmark.go's markrootSpans and
 * the queueing of mgcsweep.go).
 *
 * gort_set_finalizer(obj, fn) records (obj, fn) in a table keyed by the
 * object's address as the program sees it. A collection treats the table
 * as weak: the objects in it are not roots, but what each points to is
 * (markrootSpans scans an object with a finalizer without marking it), so
 * everything a finalizer may touch is still there when it runs. After the
 * mark, an object of the table that nothing else reached is unreachable:
 * its entry moves from the table to the queue, and the object is marked
 * after all, so it and what it points to survive this cycle for the
 * finalizer. Queued objects are roots until their finalizer has run.
 *
 * One system goroutine (fing, started with the first finalizer) runs the
 * queue one finalizer at a time, in the order they were queued, and parks
 * when it is empty ("finalizer wait"); the cycle readies it once the world
 * runs again. Parked, it holds no M, so it never hides a deadlock.
 *
 * Resurrection is Go's: the finalizer receives obj and may store it where
 * the program can reach it; the object then lives on, without a finalizer
 * (its entry left the table when it was queued), and is freed silently the
 * next time it is unreachable, unless the finalizer set a new one.
 *
 * Consequences, as in Go: if A points to B and both have finalizers, A's
 * runs first and B's only in a cycle after A is gone (dependency order).
 * An object that reaches itself (a pointer to itself, or a cycle through
 * other objects) is marked by its own scan: a cycle that holds an object
 * with a finalizer is never collected and that finalizer never runs.
 *
 * Why a hash table (addrmap.h), where Go keeps "specials" on the
 * object's span: a span here is the page heap's (mheap.h) and the sweep
 * knows nothing of specials; the table keeps all finalizer state in this file,
 * costs one lookup per gort_set_finalizer and one walk per cycle in proportion
 * to the finalizers, not the heap, and needs no hook in the sweep: every object
 * in the table is marked by the end of the mark (it was reached, or it moved to
 * the queue and was marked), so the sweep never frees an object that still has
 * an entry. Entries are C memory, which the collector does not scan: that is
 * what makes the table weak.
 *
 * Tiny objects (gort_alloc_noscan under 16 bytes) share a 16-byte block;
 * the collector sees only the block. A finalizer may be set on any object
 * inside such a block (the key is the object's own address); it runs once
 * the whole block is unreachable, which can be late, or never if another
 * object of the block stays reachable (Go's rule for tiny objects).
 *
 * Invariants:
 *   - An object has at most one entry, in the table or in the queue, never
 *     both; an entry in the table is an allocated object.
 *   - The queue is FIFO; fing takes its head.
 *   - fing_waiting is true only while fing is parked (or on its way to,
 *     with fin_lock held until it is: gopark's unlock runs on g0).
 *
 * Locking: fin_lock (a leaf) guards the table, the queue, fing and
 * fing_waiting. It is held only in runtime code with no safe point, so no
 * goroutine holds it when the world is stopped, and the hooks take it.
 * runs_done is atomic.
 */
#include <stdlib.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "gort.h"
#include "mem/addrmap.h"
#include "mem/malloc.h"
#include "mem/mbarrier.h"
#include "mem/mfinal.h"
#include "mem/mgc.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "sched/runtime2.h"
#include "sched/stack.h"

struct finalizer {
  struct addr_entry by_obj; /* first: the table's entry, keyed by obj */
  void *obj;                /* as the program sees it (gort.h) */
  void (*fn)(void *obj);
  struct finalizer *next; /* in the queue, once out of the table */
};

static struct mutex fin_lock = GORT_LOCK_INITIALIZER(LOCK_RANK_FIN);
static struct addr_map table; /* by obj */
static struct finalizer *queue_head, *queue_tail;
static struct g *fing;
static bool fing_waiting;
static _Atomic(uint32_t) fing_created; /* 0, then 1 */
static _Atomic(uint64_t) runs_done;
static _Atomic(uint64_t) queued_total; /* finalizers ever queued */

/* ---- gort_set_finalizer ------------------------------------------------ */

/* Go's SetFinalizer throws on misuse; so do we, naming our call. */
static _Noreturn void misuse(const char *what) {
  char msg[120];
  size_t len = 0;
  gort__msg_cat(msg, sizeof msg, &len, "gort_set_finalizer: ");
  gort__msg_cat(msg, sizeof msg, &len, what);
  gort__fatal(msg);
}

/* May obj carry a finalizer? false: ignore the call (a zero-size object).
 * Dies on a pointer that is not an object's start. */
static bool check_object(void *obj) {
  if (obj == NULL)
    misuse("first argument is nil");
  /* Every zero-size object is one shared address, which is not in the
   * heap; asking for a zero-size object returns it without allocating.
   * Go ignores finalizers on zero-size objects: so do we. */
  if (obj == gort__mallocgc(0, true))
    return false;
  struct mspan *s;
  uintptr_t base = (uintptr_t)gort__find_object(obj, &s);
  if (base == 0)
    misuse("pointer not in allocated block");
  /* A large precise object is handed out after its type header. */
  uintptr_t start = gort__object_user_start(s, base);
  if ((uintptr_t)obj == start)
    return true;
  /* Inside a 16-byte pointer-free block, any address may be a tiny
   * object's own. */
  if (s->spanclass ==
      gort__make_spanclass(gort__size_to_class(TINY_SIZE), true))
    return true;
  misuse("pointer not at beginning of allocated block");
}

/* The finalizer goroutine, once (Go's createfing). */
static void runfinq(void *arg);

static void create_fing(void) {
  uint32_t zero = 0;
  if (gort__atomic_load_acquire(&fing_created) != 0 ||
      !gort__atomic_cas_strong_acq_rel(&fing_created, &zero, 1))
    return;
  if (gort__go_system(runfinq, NULL, true) != 0)
    gort__throw_oom(sizeof(struct g), "the finalizer goroutine");
}

GORT_API void gort_set_finalizer(void *obj, void (*fn)(void *obj)) {
  gort__must_getg("gort_set_finalizer");
  if (!check_object(obj))
    return;
  if (fn == NULL) { /* Go's removefinalizer: none set is fine */
    gort__lock(&fin_lock);
    struct addr_entry **link = gort__addrmap_find(&table, obj);
    struct finalizer *f = link ? (struct finalizer *)*link : NULL;
    if (f != NULL)
      gort__addrmap_unlink(&table, link);
    gort__unlock(&fin_lock);
    free(f);
    return;
  }
  create_fing();
  struct finalizer *f = malloc(sizeof *f);
  if (f == NULL)
    gort__throw_oom(sizeof *f, "a finalizer");
  f->by_obj.key = obj;
  f->obj = obj;
  f->fn = fn;
  f->next = NULL;
  gort__lock(&fin_lock);
  if (gort__addrmap_find(&table, obj) != NULL) {
    gort__unlock(&fin_lock);
    free(f);
    misuse("finalizer already set");
  }
  size_t asked;
  if (!gort__addrmap_insert(&table, &f->by_obj, &asked)) {
    gort__unlock(&fin_lock);
    free(f);
    gort__throw_oom(asked, "the finalizer table");
  }
  gort__unlock(&fin_lock);
  /* A mark in progress may have walked the table already: what the
   * object points to is kept for its finalizer now (Go's addfinalizer
   * scans the object when the phase is not off). */
  if (gort__wb_on())
    gort__wb_shade_object_referents(obj);
}

/* ---- the cycle's hooks (world stopped but for the first) ---------------- */

void gort__fin_mark_roots(struct gcwork *gcw) {
  gort__lock(&fin_lock);
  for (size_t i = 0; i < table.nbuckets; i++)
    for (struct addr_entry *e = table.buckets[i]; e; e = e->next)
      gort__gc_scan_object(e->key, gcw);
  for (struct finalizer *f = queue_head; f; f = f->next)
    gort__gc_shade((uintptr_t)f->obj, gcw);
  gort__unlock(&fin_lock);
}

void gort__fin_queue_unreachable(struct gcwork *gcw) {
  gort__lock(&fin_lock);
  /* First take out every unmarked entry, then mark: objects sharing a
   * tiny block must all be seen unmarked. */
  struct finalizer *found = NULL, *found_last = NULL;
  for (size_t i = 0; i < table.nbuckets; i++) {
    struct addr_entry **link = &table.buckets[i];
    while (*link) {
      struct finalizer *f = (struct finalizer *)*link;
      if (gort__gc_is_marked(f->obj)) {
        link = &f->by_obj.next;
        continue;
      }
      gort__addrmap_unlink(&table, link);
      if (found_last)
        found_last->next = f;
      else
        found = f;
      found_last = f;
    }
  }
  if (found == NULL) {
    gort__unlock(&fin_lock);
    return;
  }
  uint64_t n = 0;
  for (struct finalizer *f = found; f; f = f->next, n++)
    gort__gc_shade((uintptr_t)f->obj, gcw);
  gort__atomic_add_release(&queued_total, n);
  if (queue_tail)
    queue_tail->next = found;
  else
    queue_head = found;
  queue_tail = found_last;
  gort__unlock(&fin_lock);
  /* Their referents were marked by fin_mark_roots; scanning them again
   * finds nothing new, but the drain is the one place that scans. */
  gort__gc_drain(gcw, -1);
}

void gort__fin_wake(void) {
  struct g *gp = NULL;
  gort__lock(&fin_lock);
  if (fing_waiting && queue_head != NULL) {
    fing_waiting = false;
    gp = fing;
  }
  gort__unlock(&fin_lock);
  if (gp != NULL)
    gort__goready(gp);
}

uint64_t gort__fin_queued_total(void) {
  return gort__atomic_load_acquire(&queued_total);
}

uint64_t gort__fin_runs_done(void) {
  return gort__atomic_load_acquire(&runs_done);
}

/* ---- the finalizer goroutine -------------------------------------------- */

/* Take the queue's head and run it. A function of its own, so that when
 * it returns the object's address lives only in its dead frame (and in
 * the finalizer's), below the caller's stack pointer. */
__attribute__((noinline)) static void run_one(void) {
  gort__lock(&fin_lock);
  struct finalizer *f = queue_head;
  queue_head = f->next;
  if (queue_head == NULL)
    queue_tail = NULL;
  gort__unlock(&fin_lock);
  void *obj = f->obj;
  void (*fn)(void *) = f->fn;
  free(f);
  fn(obj);
}

/* Before parking, the stack below runfinq is scrubbed (see
 * gort__stack_scrub_below): the frames gopark pushes lie where run_one and
 * the finalizer ran, and a stale copy of a finalized object's address
 * there would keep it alive; once at the start too, for what the stack's
 * previous goroutine left. */
static void runfinq(void *arg) {
  (void)arg;
  gort__stack_scrub_below();
  for (;;) {
    gort__lock(&fin_lock);
    if (queue_head == NULL) {
      /* fin_lock is released on g0 once this goroutine is parked, so
       * gort__fin_wake sees fing_waiting only when it can be readied. */
      fing = gort__getg();
      fing_waiting = true;
      gort__gopark(gort__parkunlock, &fin_lock, WAIT_FINALIZER);
      continue;
    }
    gort__unlock(&fin_lock);
    run_one();
    gort__stack_scrub_below();
    /* release: a reader of the count then sees this goroutine past the
     * finalizer (see mfinal.h). */
    gort__atomic_add_release(&runs_done, 1);
  }
}
