/*
 * mgccycle.c - one stop-the-world collection, start to end (the shape of
 * Go's gcStart/gcMarkDone/gcSweep with the world stopped throughout; the
 * concurrent phases, the pacer and the public calls come later).
 *
 * The goroutine that asks for a collection must itself be scanned, with
 * every pointer it holds in registers or (on wasm) wasm locals saved
 * where the scan can read them: so it does not run the cycle, it parks
 * while a goroutine started for the cycle stops the world, marks from the
 * stacks of all other goroutines and the globals, sweeps, and starts the
 * world again (WASM.md: "a running goroutine must reach a safe point, and
 * park, before its stack is scanned").
 *
 * Invariants: at most one stop-the-world at a time (world_mu, also taken
 * by gort_set_maxprocs: Go's worldsema).
 *
 * Locking: world_mu, a goroutine mutex, around the stopped world.
 */
#include "../debug/print.h"
#include "../sched/mp.h"
#include "../sched/runtime2.h"
#include "mheap.h"
#include "mfinal.h"
#include "mgc.h"

struct cycle {
  gort_waitgroup done;
  struct gort__sweep_result *result;
};

static void run_cycle(void *arg) {
  struct cycle *c = arg;
  gort__world_lock();
  int32_t procs = gort_maxprocs();
  gort__stop_the_world();
  gort__gc_mark_begin();
  gort__gc_mark_goroutines(); /* all but this one, which holds nothing */
  gort__gc_mark_globals();
  gort__gc_mark_runtime_objects();
  gort__fin_mark_roots();
  gort__gc_mark_drain();
  gort__fin_queue_unreachable();
  gort__gc_sweep(c->result);
  gort__start_the_world(procs);
  gort__world_unlock();
  gort__fin_wake();
  gort_waitgroup_done(&c->done);
}

int gort__gc_collect(struct gort__sweep_result *result) {
  struct cycle c = {.done = GORT_WAITGROUP_INIT, .result = result};
  gort_waitgroup_add(&c.done, 1);
  int rc = gort_go(run_cycle, &c);
  if (rc != 0)
    return rc;
  gort_waitgroup_wait(&c.done);
  return 0;
}

/* ---- the public call -------------------------------------------------- */

GORT_API void gort_gc(void) {
  gort__must_getg("gort_gc");
  struct gort__sweep_result r;
  if (gort__gc_collect(&r) != 0)
    gort__throw_oom(sizeof(struct g), "the collector's goroutine");
}
