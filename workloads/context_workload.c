/*
 * context_workload.c - the workload `context_cancel` (WORKLOADS.md and
 * bench/go/WORKLOADS-NOTES.md; Go twin: bench/go/sched.go
 * runContextCancel): root = WithCancel(Background); main makes N children
 * WithCancel(root) and one goroutine per child, which signals "parked" (a
 * WaitGroup) and blocks on the child's Done, then wg.Done. setup_ms: start
 * .. parked.Wait; then sleep 10 ms so that every goroutine is really
 * parked; cancel_ms (the timed part, so ns_per_op = cancel ns / n):
 * cancel(root) .. wg.Wait; wall: the whole, sleep included. result: the
 * children whose Err is Canceled, counted after timing; only then are the
 * children's own cancels called (no-ops) and every context released.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gort.h"
#include "workloads.h"

static gort_waitgroup parked, exited;

static void child_main(void *p) {
  gort_ctx *c = p;
  gort_waitgroup_done(&parked);
  gort_chan_recv(gort_ctx_done(c), NULL);
  gort_waitgroup_done(&exited);
}

void gort_workload_context_cancel(int64_t n, struct workload_result *r) {
  int64_t t0 = gort_nanotime();
  gort_ctx *root = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx **children = calloc((size_t)n, sizeof *children); /* checks n * 8 */
  if (root == NULL || children == NULL) {
    r->ok = false;
    r->error = "out of memory";
    return;
  }
  gort_waitgroup_add(&parked, n);
  gort_waitgroup_add(&exited, n);
  for (int64_t i = 0; i < n; i++) {
    children[i] = gort_ctx_with_cancel(root);
    if (children[i] == NULL || gort_go(child_main, children[i]) != 0) {
      /* The goroutines started so far wait on their contexts for good:
       * no clean way back, so say why and leave. */
      fprintf(stderr,
              "gort run context_cancel: out of memory after %lld "
              "contexts\n",
              (long long)i);
      gort_exit(1);
    }
  }
  gort_waitgroup_wait(&parked);
  int64_t setup = gort_nanotime() - t0;
  gort_sleep(10 * 1000 * 1000);
  int64_t t1 = gort_nanotime();
  gort_ctx_cancel(root);
  gort_waitgroup_wait(&exited);
  int64_t t2 = gort_nanotime();
  int64_t ok = 0;
  for (int64_t i = 0; i < n; i++) {
    ok += gort_ctx_err(children[i]) == GORT_CTX_CANCELED;
    gort_ctx_cancel(children[i]);
    gort_ctx_release(children[i]);
  }
  gort_ctx_release(root);
  free(children);
  r->n = n;
  r->wall_ns = t2 - t0;
  r->timed_ns = t2 - t1;
  r->result = ok;
  r->ok = ok == n;
  r->error = r->ok ? NULL : "a child's Err is not Canceled";
  snprintf(r->extra, sizeof r->extra, "\"cancel_ms\":%.3f,\"setup_ms\":%.3f",
           (double)(t2 - t1) / 1e6, (double)setup / 1e6);
}
