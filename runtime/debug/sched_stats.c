/*
 * sched_stats.c - snapshots of the scheduler for people and the web page.
 *
 * The SCHED line has Go's shape (proc.go schedtrace):
 *   SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
 *   idlethreads=1 runqueue=0 [3 4]
 * where runqueue is the global queue and the bracket holds each P's local
 * queue length (runnext included).
 *
 * Invariants: reads only; every field is read atomically or racily-but-
 * harmlessly (a count may be one off from another). No allocation.
 * Locking: allplock for the per-P lengths, sched.lock for the M counts;
 * both are leaves here, so sysmon can call it at any moment.
 */
#include "atomic/atomic.h"
#include <string.h>

#include "debug/print.h"
#include "debug/sched_stats.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"

static int32_t local_len(struct p *pp) {
  return (int32_t)gort__runqlen(pp) +
         (gort__atomic_load_relaxed(&pp->runnext) != NULL);
}

int gort_sched_stats(struct gort_sched_stats *out) {
  if (out == NULL)
    return GORT_EINVAL;
  memset(out, 0, sizeof *out);
  struct schedt *s = &gort__sched;
  out->uptime_ns = gort__os_nanotime() - s->start_ns;
  gort__lock(&s->allplock);
  out->gomaxprocs = gort__atomic_load_seq_cst(&s->gomaxprocs);
  int32_t n = out->gomaxprocs < GORT_STATS_MAX_PROCS ? out->gomaxprocs
                                                     : GORT_STATS_MAX_PROCS;
  for (int32_t i = 0; i < n; i++)
    out->local_runq[i] = local_len(s->allp[i]);
  gort__unlock(&s->allplock);
  out->nprocs_reported = n;
  out->idle_procs = gort__atomic_load_seq_cst(&s->npidle);
  gort__lock(&s->lock);
  out->threads = s->mcount;
  out->idle_threads = s->nmidle;
  out->running_threads = s->mcount - s->nmidle - s->nmsys;
  gort__unlock(&s->lock);
  out->spinning_threads = gort__atomic_load_seq_cst(&s->nmspinning);
  out->goroutines = gort__atomic_load_seq_cst(&s->ngoroutines);
  out->goroutines_peak = gort__atomic_load_seq_cst(&s->goroutines_peak);
  out->global_runq = gort__atomic_load_seq_cst(&s->runqsize);
  out->steals = gort__atomic_load_seq_cst(&s->steals);
  out->thread_create_failures =
      gort__atomic_load_seq_cst(&s->thread_create_failures);
  out->async_preempts = gort__atomic_load_seq_cst(&s->async_preempts);
  return 0;
}

_Atomic uint64_t gort__schedtrace_lines;

void gort__schedtrace(bool detail) {
  gort__atomic_add_relaxed(&gort__schedtrace_lines, 1);
  struct gort_sched_stats st;
  gort_sched_stats(&st);
  gort__print_str("SCHED ");
  gort__print_int(st.uptime_ns / 1000000);
  gort__print_str("ms: gomaxprocs=");
  gort__print_int(st.gomaxprocs);
  gort__print_str(" idleprocs=");
  gort__print_int(st.idle_procs);
  gort__print_str(" threads=");
  gort__print_int(st.threads);
  gort__print_str(" spinningthreads=");
  gort__print_int(st.spinning_threads);
  gort__print_str(" idlethreads=");
  gort__print_int(st.idle_threads);
  gort__print_str(" runqueue=");
  gort__print_int(st.global_runq);
  gort__print_str(" [");
  for (int32_t i = 0; i < st.nprocs_reported; i++) {
    if (i > 0)
      gort__print_str(" ");
    gort__print_int(st.local_runq[i]);
  }
  gort__print_str("]\n");
  if (!detail)
    return;
  gort__lock(&gort__sched.allplock);
  for (int32_t i = 0; i < st.nprocs_reported; i++) {
    struct p *pp = gort__sched.allp[i];
    struct m *mp = gort__loadpm(pp);
    gort__print_str("  P");
    gort__print_int(pp->id);
    gort__print_str(": status=");
    gort__print_uint(gort__atomic_load_seq_cst(&pp->status));
    gort__print_str(" schedtick=");
    gort__print_uint(gort__atomic_load_seq_cst(&pp->schedtick));
    gort__print_str(" syscalltick=");
    gort__print_uint(gort__atomic_load_seq_cst(&pp->syscalltick));
    gort__print_str(" m=");
    gort__print_int(mp ? mp->id : -1);
    gort__print_str(" runqsize=");
    gort__print_int(local_len(pp));
    gort__print_str(" steals=");
    gort__print_uint(pp->steals);
    gort__print_str("\n");
  }
  gort__unlock(&gort__sched.allplock);
}
