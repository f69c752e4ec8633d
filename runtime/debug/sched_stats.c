/*
 * sched_stats.c - snapshots of the scheduler for people and the web page:
 * one reader of the scheduler's counts (gort__sched_read), which both
 * gort_sched_stats and the live sampler (debug/sched_sample.c) use.
 *
 * The SCHED line has Go's shape (proc.go schedtrace):
 *   SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
 *   idlethreads=1 runqueue=0 [3 4]
 * where runqueue is the global queue and the bracket holds each P's local
 * queue length (runnext included).
 *
 * Invariants: reads only; every field is read atomically or racily-but-
 * harmlessly (a count may be one off from another). No allocation.
 * Locking: allplock for the per-P lengths, sched.lock for the M counts
 * (three loads); both are leaves here, so sysmon can call it at any
 * moment.
 */
#include "atomic/atomic.h"
#include <string.h>

#include "debug/print.h"
#include "debug/sched_stats.h"
#include "debug/seqlock.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"

/* The two words of runtime2.h's switches: the low word read as the one
 * data word of a seqlock whose sequence is the carry (debug/seqlock.h;
 * the owner's later relaxed stores of the low word continue the release
 * that wrote its 0, so a reader that sees any of them sees the carry
 * move). */
uint64_t gort__p_switches(struct p *pp) {
  uint32_t low;
  uint32_t carry =
      gort__seqlock_read(&pp->switches_carry, &pp->switches, &low, 1, NULL);
  return (uint64_t)(carry >> 1) << 32 | low;
}

static int32_t local_len(struct p *pp) {
  return (int32_t)gort__runqlen(pp) +
         (gort__atomic_load_relaxed(&pp->runnext) != NULL);
}

void gort__sched_read(struct gort_sched_sample *out) {
  memset(out, 0, sizeof *out);
  struct schedt *s = &gort__sched;
  out->time_ns = gort__os_nanotime() - s->start_ns;
  uint64_t switches = 0;
  gort__lock(&s->allplock);
  out->gomaxprocs = gort__atomic_load_seq_cst(&s->gomaxprocs);
  int32_t n = out->gomaxprocs < GORT_STATS_MAX_PROCS ? out->gomaxprocs
                                                     : GORT_STATS_MAX_PROCS;
  for (int32_t i = 0; i < n; i++) {
    /* Racy against the owner and thieves: each length is some moment's. */
    out->local_runq[i] = (int32_t)gort__runqlen(s->allp[i]);
    out->runnext[i] = gort__atomic_load_relaxed(&s->allp[i]->runnext) != NULL;
  }
  /* Every P ever made, those beyond GOMAXPROCS too: the sum only grows. */
  for (int32_t i = 0; i < s->allp_cap; i++)
    switches += gort__p_switches(s->allp[i]);
  gort__unlock(&s->allplock);
  out->nprocs = n;
  out->switches = switches;
  out->idle_procs = gort__atomic_load_seq_cst(&s->npidle);
  gort__lock(&s->lock);
  out->threads = s->mcount;
  out->idle_threads = s->nmidle;
  out->running_threads = s->mcount - s->nmidle - s->nmsys;
  gort__unlock(&s->lock);
  out->spinning_threads = gort__atomic_load_seq_cst(&s->nmspinning);
  out->goroutines = gort__atomic_load_seq_cst(&s->ngoroutines);
  out->global_runq = gort__atomic_load_seq_cst(&s->runqsize);
  out->steals = gort__atomic_load_seq_cst(&s->steals);
  out->handoffs = gort__atomic_load_seq_cst(&s->handoffs);
}

int gort_sched_stats(struct gort_sched_stats *out) {
  if (out == NULL)
    return GORT_EINVAL;
  struct gort_sched_sample smp;
  gort__sched_read(&smp);
  memset(out, 0, sizeof *out);
  out->uptime_ns = smp.time_ns;
  out->gomaxprocs = smp.gomaxprocs;
  out->idle_procs = smp.idle_procs;
  out->threads = smp.threads;
  out->idle_threads = smp.idle_threads;
  out->spinning_threads = smp.spinning_threads;
  out->running_threads = smp.running_threads;
  out->goroutines = smp.goroutines;
  out->goroutines_peak =
      gort__atomic_load_seq_cst(&gort__sched.goroutines_peak);
  out->global_runq = smp.global_runq;
  out->steals = smp.steals;
  out->thread_create_failures =
      gort__atomic_load_seq_cst(&gort__sched.thread_create_failures);
  out->async_preempts = gort__atomic_load_seq_cst(&gort__sched.async_preempts);
  out->nprocs_reported = smp.nprocs;
  for (int32_t i = 0; i < smp.nprocs; i++)
    out->local_runq[i] = smp.local_runq[i] + smp.runnext[i];
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
