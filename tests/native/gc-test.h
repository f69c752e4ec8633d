/*
 * gc-test.h - helpers shared by the collector's test files
 * (test-gcapi.c, test-gcfinal.c, test-gcroots.c, test-gchandles.c,
 * test-gcstores.c, test-wbapi.c).
 *
 * Scanning is conservative: a test that checks an object died must never
 * hold its address itself. So addresses are kept complemented (hide,
 * unhide: a complement is not a pointer), objects are made in goroutines
 * that exit before the collection (run_in_goroutine: a dead goroutine's
 * stack is not scanned), and liveness is asked in such a goroutine too
 * (is_live). gc_loop runs collections back to back beside a case.
 *
 * Invariants: none. Locking: none (each call waits for its goroutine).
 */
#ifndef GORT_TESTS_GC_TEST_H
#define GORT_TESTS_GC_TEST_H

#include <stdatomic.h>

#include "mem/malloc.h"
#include "sched/stack.h"
#include "test.h"

static inline uintptr_t hide(const void *p) { return ~(uintptr_t)p; }
static inline void *unhide(uintptr_t h) { return (void *)~h; }

/* fn(arg) in a goroutine that has ended when this returns. */
struct call {
  gort_func fn;
  void *arg;
  gort_waitgroup done;
};

/* The goroutine is still alive, parked somewhere in waitgroup_done, when
 * run_in_goroutine returns, and a collection may scan its stack: scrub
 * fn's dead frames first (gort__stack_scrub_below), or waitgroup_done's
 * frames would keep its stale pointers. */
static inline void call_body(void *p) {
  struct call *c = p;
  c->fn(c->arg);
  gort__stack_scrub_below();
  gort_waitgroup_done(&c->done);
}

static inline void run_in_goroutine(gort_func fn, void *arg) {
  struct call c = {fn, arg, GORT_WAITGROUP_INIT};
  gort_waitgroup_add(&c.done, 1);
  CHECK_EQ(gort_go(call_body, &c), 0);
  gort_waitgroup_wait(&c.done);
}

/* Is the hidden address still (inside) an allocated object? */
struct liveness {
  uintptr_t hidden;
  bool live;
};

static inline void ask_live(void *p) {
  struct liveness *q = p;
  q->live = gort__find_object(unhide(q->hidden), NULL) != NULL;
}

static inline bool is_live(uintptr_t hidden) {
  struct liveness q = {hidden, false};
  run_in_goroutine(ask_live, &q);
  return q.live;
}

/* Collections back to back in a goroutine of their own until stopped:
 * cycles counts them; between two, pause_ns of sleep (0: a yield). */
struct gc_loop {
  atomic_int stop, cycles;
  int64_t pause_ns;
  gort_waitgroup done;
};

static inline void gc_loop_body(void *p) {
  struct gc_loop *l = p;
  while (!atomic_load(&l->stop)) {
    gort_gc();
    atomic_fetch_add(&l->cycles, 1);
    if (l->pause_ns > 0)
      gort_sleep(l->pause_ns);
    else
      gort_yield();
  }
  gort_waitgroup_done(&l->done);
}

static inline void gc_loop_start(struct gc_loop *l, int64_t pause_ns) {
  atomic_store(&l->stop, 0);
  atomic_store(&l->cycles, 0);
  l->pause_ns = pause_ns;
  gort_waitgroup_add(&l->done, 1);
  CHECK_EQ(gort_go(gc_loop_body, l), 0);
}

static inline void gc_loop_stop(struct gc_loop *l) {
  atomic_store(&l->stop, 1);
  gort_waitgroup_wait(&l->done);
}

#endif
