/*
 * settings.h - the runtime's start-up settings, in one structure, read
 * once (Go's runtime1.go parsedebugvars and the reads at the top of
 * proc.go's schedinit).
 *
 * Two ways in, one check. gort_options_init (gort.h) fills a gort_options
 * from the environment (GORT_MAXPROCS, GORT_STACK_SIZE, GORT_GOGC,
 * GORT_MEMLIMIT, GORT_NETPOLL, GORT_TRACEBACK, GORT_DEBUG,
 * GORT_GCHANDLES, GORT_GC), dying on text that is not a value with the message
 * the variable has always had; the program may then change fields. gort_main
 * does exactly that with no changes. gort_main_opts hands the options to
 * gort__settings_init, its first step, which checks every field again
 * (values set by the program get the same range checks and messages as
 * the environment's), applies GORT_TRACEBACK and GORT_DEBUG to gort__debug
 * (debug/debugvars.h) and stores the rest here, where each subsystem reads
 * its field when gort_main_opts starts it: proc.c (maxprocs), stack.c
 * (stack_size), mgcpacer.c (gogc, memory_limit), handle.c (gc_handles), mgc.c
 * (gc_stop_the_world), netpoll.c (netpoll_poll, when the poller starts on first
 * use).
 *
 * Nothing else in runtime/ calls getenv: settings.c is the one place
 * (tests/runtime-getenv.cmake checks the built library).
 *
 * Invariants: gort__settings is written only by gort__settings_init, on
 * the thread that called gort_main, before any other M exists; it is read
 * freely afterwards. Every field is within its range once it is written.
 * (One exception, for tests: test-net-faults.c sets netpoll_poll from the
 * main goroutine before anything starts the poller, as it once did with
 * setenv; the poller reads it under its start lock.)
 * Locking: none (see above).
 */
#ifndef GORT_SCHED_SETTINGS_H
#define GORT_SCHED_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gort.h"

struct gort_settings {
  int32_t maxprocs;       /* 1..MAX_PROCS */
  size_t stack_size;      /* usable bytes, 16K..1G (16M on 32-bit); not yet
                             rounded to pages (stack.c does) */
  int32_t gogc;           /* percent; -1: off */
  int64_t memory_limit;   /* bytes; INT64_MAX: none */
  bool netpoll_poll;      /* the poll(2) backend, not the platform's own */
  bool gc_handles;        /* handles in the GC heap (debug/handle.h) */
  bool gc_stop_the_world; /* GORT_GC=stw (mem/mgc.c) */
};

extern struct gort_settings gort__settings;

/* Check opts and store them in gort__settings and gort__debug; a bad
 * field is fatal with its environment variable's message. The first
 * step of gort_main_opts. */
void gort__settings_init(const gort_options *opts);

#endif
