/*
 * debugvars.h - GORT_DEBUG, gort's GODEBUG: a comma-separated list of
 * name=value settings read once at start-up (Go's runtime/runtime1.go
 * dbgvars).
 *
 *   schedtrace=MS      print a SCHED line every MS milliseconds (sysmon)
 *   scheddetail=1      with schedtrace: one line per P and M as well
 *   asyncpreemptoff=1  no signal-based preemption (cooperative only)
 *   gctrace=1          (reserved for the collector)
 *
 * Fault injection (threads, stacks, arenas; os/os_fault.c): every request
 * of the kind after the first N fails as if the OS had refused it.
 *   failthreadcreate=N thread creation (pthread_create: EAGAIN)
 *   failstackalloc=N   goroutine-stack reservations (16 stacks each)
 *   failarenaalloc=N   heap-arena reservations (64 MiB; 4 MiB on wasm)
 *
 * Unknown names are reported once on stderr and ignored, as Go does.
 * Invariants: written only by gort__debug_init before any M but the first
 * exists; read freely afterwards.
 */
#ifndef GORT_DEBUG_DEBUGVARS_H
#define GORT_DEBUG_DEBUGVARS_H

#include <stdint.h>

struct gort_debugvars {
  int64_t schedtrace; /* ms; 0 = off */
  int32_t scheddetail;
  int32_t asyncpreemptoff;
  int32_t gctrace;
  /* Fault injection, threads/stacks/arenas: -1 = off. */
  int64_t failthreadcreate;
  int64_t failstackalloc;
  int64_t failarenaalloc;
};

extern struct gort_debugvars gort__debug;

void gort__debug_init(void);

#endif
