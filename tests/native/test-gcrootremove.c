/*
 * test-gcrootremove.c - removing a root during a mark shades what it held:
 * a root range (mem/mgcroots.c, gort__gc_root_remove: the deletion half
 * of the barrier for memory that stops being a root), and a GC timer
 * taken out of its P's timer heap, which the mark scans as a root
 * (time.c, heap_remove; the second case, at the end).
 *
 * Why it matters: the mark scans every root range before any stack, but a
 * goroutine made during the mark counts as scanned from its start (its
 * stack is black: mgcroots.c). If it loads the only pointer to a white
 * object out of a range the root walk has not reached yet and then removes
 * the range, nothing else would shade the object: it lives on in a black
 * frame, the mark leaves it white, and checkmark (GORT_DEBUG=gccheckmark=1,
 * in test-list.h) dies with "missing write barrier?".
 *
 * How a round aims at that window: a large range of zeros registered
 * first keeps the root walk busy for milliseconds; a collection starts in
 * another goroutine; as soon as the mark runs, a goroutine made then
 * takes the pointer out of a small range, notes whether the object is
 * still unmarked (if the walk got there first, the round proves nothing),
 * removes the range and holds the object until the cycle, sweep
 * included, is over; then the object must still be allocated, with its
 * contents. The case needs at least one round that took the object while
 * it was unmarked. Without the shade every such round finds its object
 * freed (checked by hand: 3 runs of 3, 8-38 such rounds of 60 each).
 *
 * Invariants: the object is made by a goroutine that has ended before the
 * round (no stale copy in a live frame), and only the small range points
 * to it until the taker loads it. Locking: atomics only.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gc-test.h"
#include "mem/mbarrier.h"

enum { ROUNDS = 60, PAYLOAD_WORDS = 6 };
/* A timer armed just before gort_gc fires this much later: after the
 * stop, while the root walk reads the big range (about 20 ms here). */
enum { TIMER_DELAY_NS = 3 * 1000 * 1000 };
/* The zeros the root walk reads before (about half the time) it reaches
 * the small range: tens of milliseconds of scanning. */
#define BIG_ROOT_BYTES ((size_t)STRESS(64, 16) << 20)

struct object {
  uint64_t words[PAYLOAD_WORDS];
};

static uint64_t word_for(int round, int i) {
  return (uint64_t)round * 0x9e3779b97f4a7c15ull + (uint64_t)i;
}

struct round {
  int n;
  struct object **root; /* a malloc'd word, registered as a root */
  atomic_int cycle_done;
  bool taken_white;
  bool alive; /* still an allocated object after the sweep */
  bool contents_ok;
  gort_waitgroup done;
};

static void make_object(void *arg) {
  struct round *r = arg;
  struct object *o = gort_alloc_noscan(sizeof *o);
  for (int i = 0; i < PAYLOAD_WORDS; i++)
    o->words[i] = word_for(r->n, i);
  *r->root = o; /* C memory registered as a root: no barrier needed
                   while no mark runs (gort_gc is not running yet) */
}

static void collect(void *arg) {
  struct round *r = arg;
  gort_gc();
  atomic_store(&r->cycle_done, 1);
  gort_waitgroup_done(&r->done);
}

static bool marked(const void *p) {
  struct mspan *s;
  uint32_t idx;
  if (!gort__find_slot(p, &s, &idx))
    return false;
  return gort__atomic_load_relaxed(&s->mark_bits[idx / 64]) >> (idx % 64) & 1;
}

/* The big range of zeros both cases register first. */
static void *big_root_add(void) {
  void *big = calloc(1, BIG_ROOT_BYTES);
  CHECK(big != NULL);
  CHECK_EQ(gort_gc_add_root(big, BIG_ROOT_BYTES), 0);
  return big;
}

/* After a round: what it held must still be allocated; counts the round
 * in *hits if it took its object unmarked. */
static void round_done(const char *what, int n, bool alive, bool taken_white,
                       int *hits) {
  if (!alive)
    fprintf(stderr,
            "round %d: the %s was freed while a goroutine held it "
            "(taken %s)\n",
            n, what, taken_white ? "unmarked" : "marked");
  CHECK(alive);
  if (taken_white)
    (*hits)++;
}

/* After the rounds: the big range goes, and at least one round must have
 * hit its window. */
static void rounds_done(const char *name, const char *what, void *big,
                        int hits) {
  CHECK_EQ(gort_gc_remove_root(big), 0);
  free(big);
  printf("%s: %d of %d rounds took the %s white\n", name, hits, ROUNDS, what);
  CHECK(hits >= 1);
}

/* Made during the mark: its stack counts as scanned. */
static void taker(void *arg) {
  struct round *r = arg;
  struct object *volatile o = *r->root;
  r->taken_white = gort__wb_on() && !marked(o);
  CHECK_EQ(gort_gc_remove_root(r->root), 0);
  *r->root = NULL;
  while (!atomic_load(&r->cycle_done))
    gort_yield();
  r->alive = gort__find_object(o, NULL) != NULL;
  bool ok = true;
  for (int i = 0; i < PAYLOAD_WORDS; i++)
    ok = ok && o->words[i] == word_for(r->n, i);
  r->contents_ok = ok;
  gort_keepalive(o);
  gort_waitgroup_done(&r->done);
}

TEST_IMPL(gcroots_removal_shades) {
  CHECK(gort_maxprocs() >= 2);
  void *big = big_root_add();
  int hits = 0;
  for (int n = 0; n < ROUNDS; n++) {
    struct round r = {.n = n, .done = GORT_WAITGROUP_INIT};
    r.root = calloc(1, sizeof *r.root);
    CHECK(r.root != NULL);
    CHECK_EQ(gort_gc_add_root(r.root, sizeof *r.root), 0);
    run_in_goroutine(make_object, &r);
    gort_waitgroup_add(&r.done, 2);
    CHECK_EQ(gort_go(collect, &r), 0);
    /* Until the mark runs (bounded), without giving up the P for long:
     * the collector starts on the other one. */
    int64_t give_up = gort_nanotime() + 2000000000;
    while (!gort__wb_on() && !atomic_load(&r.cycle_done) &&
           gort_nanotime() < give_up)
      gort_yield();
    CHECK_EQ(gort_go(taker, &r), 0);
    gort_waitgroup_wait(&r.done);
    round_done("object", n, r.alive, r.taken_white, &hits);
    CHECK(r.contents_ok);
    free(r.root);
  }
  rounds_done("gcroots_removal_shades", "object", big, hits);
  return 0;
}

/* ---- gctimers_removal_shades: a GC timer taken out of its P's heap
 * during the mark is shaded (time.c, heap_remove) -------------------------
 *
 * A timer made with GC handles is reachable from its P's timer heap while
 * queued, and the mark scans the heaps after the root ranges. The timer
 * here is reachable from nothing else (the box that names it is C memory
 * the collector does not scan), and fires while the big range keeps the
 * root walk busy: the firing takes it out of the heap, and its AfterFunc
 * goroutine, made then and so black, loads it from the box and holds it.
 * Only heap_remove's shade keeps it allocated. */

struct timer_round {
  int n;
  gort_timer *_Atomic *box; /* malloc'd: not a root */
  atomic_int cycle_done;
  bool taken_white;
  bool alive;
  gort_waitgroup done;
};

static void timer_fired(void *arg) {
  struct timer_round *r = arg;
  /* The arming goroutine stores the handle once after_func returns,
   * which may be after the timer fired. */
  gort_timer *volatile t;
  while ((t = atomic_load(r->box)) == NULL)
    gort_yield();
  atomic_store(r->box, NULL);
  r->taken_white = gort__wb_on() && !marked((const void *)t);
  while (!atomic_load(&r->cycle_done))
    gort_yield();
  r->alive = gort__find_object((const void *)t, NULL) != NULL;
  gort_keepalive((const void *)t);
  gort_waitgroup_done(&r->done);
}

static void timer_collect(void *arg) {
  struct timer_round *r = arg;
  gort_gc();
  atomic_store(&r->cycle_done, 1);
  gort_waitgroup_done(&r->done);
}

/* In a goroutine that ends at once: no live frame keeps the timer. */
static void arm_timer(void *arg) {
  struct timer_round *r = arg;
  gort_set_gc_handles(true);
  gort_timer *t = gort_after_func(TIMER_DELAY_NS, timer_fired, r);
  gort_set_gc_handles(false);
  CHECK(t != NULL);
  atomic_store(r->box, t);
}

TEST_IMPL(gctimers_removal_shades) {
  CHECK(gort_maxprocs() >= 2);
  void *big = big_root_add();
  int hits = 0;
  for (int n = 0; n < ROUNDS; n++) {
    struct timer_round r = {.n = n, .done = GORT_WAITGROUP_INIT};
    r.box = calloc(1, sizeof *r.box);
    CHECK(r.box != NULL);
    gort_waitgroup_add(&r.done, 2);
    run_in_goroutine(arm_timer, &r);
    CHECK_EQ(gort_go(timer_collect, &r), 0);
    gort_waitgroup_wait(&r.done);
    round_done("timer", n, r.alive, r.taken_white, &hits);
    free(r.box);
  }
  rounds_done("gctimers_removal_shades", "timer", big, hits);
  return 0;
}
