/*
 * debugvars.h - GORT_DEBUG, gort's GODEBUG: a comma-separated list of
 * name=value settings read once at start-up (Go's runtime/runtime1.go
 * dbgvars).
 *
 *   schedtrace=MS      print a SCHED line every MS milliseconds (sysmon)
 *   scheddetail=1      with schedtrace: one line per P and M as well
 *   schedsample=MS     publish a live scheduler sample every MS ms
 *                      (default 10; 0 = off; debug/sched_sample.c),
 *                      and the live GC sample with it (mem/mgcsample.c)
 *   heapmap=MS         publish the heap map every MS ms (default 0 = off;
 *                      mem/mheapmap.c; the web page asks for 250)
 *   asyncpreemptoff=1  no signal-based preemption (cooperative only)
 *   gctrace=1          a line per collection on stderr (Go's format)
 *   gcverify=1         check the heap at each phase boundary (slow;
 *                      on by default in a GORT_DEBUG_LEVEL=3 build,
 *                      where gcverify=0 turns it off)
 *   gccheckmark=1      after each concurrent mark, mark the heap again
 *                      from the roots with the world stopped and die on
 *                      any reachable object the mark left white (Go's)
 *   gcstoptheworld=1   the stop-the-world collector (as GORT_GC=stw;
 *                      Go's gcstoptheworld=1)
 *   wbbroken=1|2       tests only: the write barrier drops its deletion
 *                      (1) or its insertion (2) half, so the collector's
 *                      torture test can show that it fails without it
 *   stackdepth=1       paint every goroutine stack when it is handed out
 *                      and measure how deep it went when it is freed
 *                      (sched/stackdepth.c; gort_stack_deepest_bytes)
 *   lazywake=0|1       whether readying a G into an otherwise empty P
 *                      may skip waking an idle M (sched/proc.c, "Lazy
 *                      wake"); default: the platform's choice, on for
 *                      threaded wasm (os/os.h gort__os_wake_is_costly),
 *                      off natively, as Go
 *   mwakedelay=US      tests only: an M woken with a P sleeps US
 *                      microseconds before it takes the P, as on a busy
 *                      machine whose OS is slow to run it (sched/mp.c)
 *
 * Fault injection (threads, stacks, arenas; os/os_fault.c): every request
 * of the kind after the first N fails as if the OS had refused it.
 *   failthreadcreate=N thread creation (pthread_create: EAGAIN)
 *   failstackalloc=N   goroutine-stack reservations (16 stacks each)
 *   failarenaalloc=N   heap-arena reservations (64 MiB; 4 MiB on wasm)
 *
 * Network fault injection (neteagain, neteintr, netshortwrite, netemfile,
 * netopenfail, netwaitfail, netinitfail, netfaultseed): see the block at
 * the end of struct gort_debugvars.
 *
 * GORT_TRACEBACK=crash (Go's GOTRACEBACK=crash): a fatal error or panic
 * ends in abort() after its dump, for a core file or a fuzzer's report.
 *
 * Unknown names are reported once on stderr and ignored, as Go does.
 * Both are read with the other settings (sched/settings.h), which hands
 * the list to gort__debug_parse and sets traceback_crash.
 *
 * Invariants: written only by sched/settings.c before any M but the first
 * exists; read freely afterwards.
 */
#ifndef GORT_DEBUG_DEBUGVARS_H
#define GORT_DEBUG_DEBUGVARS_H

#include <stdint.h>

struct gort_debugvars {
  int64_t schedtrace; /* ms; 0 = off */
  int32_t scheddetail;
  int64_t schedsample; /* ms; 0 = off; default 10 */
  int64_t heapmap;     /* ms; 0 = off (the default) */
  int32_t asyncpreemptoff;
  int32_t gctrace;
  int32_t traceback_crash; /* GORT_TRACEBACK=crash (Go's GOTRACEBACK) */
  int32_t gcverify;
  int32_t gccheckmark;
  int32_t gcstoptheworld;
  int32_t wbbroken;
  int32_t stackdepth;
  int32_t lazywake;   /* -1 = the platform's choice, 0 off, 1 on */
  int64_t mwakedelay; /* µs; 0 = off */
  /* Fault injection, threads/stacks/arenas: -1 = off. */
  int64_t failthreadcreate;
  int64_t failstackalloc;
  int64_t failarenaalloc;
  /* ---- network fault injection (runtime/netpoll/netfault.c) ----------
   * Off at 0. N is a rate: a call of that kind fails 1 time in N, chosen
   * by a PRNG seeded with netfaultseed, so a run repeats for a given order
   * of calls. The failure is injected in the netpoller's own system-call
   * wrappers, so the runtime's real error paths run.
   *   neteagain=N      read/write/accept give EAGAIN without the call
   *                    (spurious readiness: the goroutine parks again)
   *   neteintr=N       read/write/accept give EINTR without the call
   *   netshortwrite=N  a write is asked for fewer bytes than it was given
   *   netemfile=N      accept gives EMFILE, the connection left queued
   *   netopenfail=N    registering a descriptor with the poller fails
   *                    (epoll_ctl ADD: ENOSPC; poll: ENOMEM)
   *   netwaitfail=N    the poller's wait fails (fatal, as in Go)
   *   netinitfail=K    starting the poller fails at step K (fatal, as in
   *                    Go): 1 epoll_create1 (poll: pipe), 2 eventfd,
   *                    3 epoll_ctl adding the eventfd
   *   netfaultseed=S   the PRNG's seed (default 1) */
  int64_t neteagain, neteintr, netshortwrite, netemfile, netopenfail,
      netwaitfail, netinitfail, netfaultseed;
};

extern struct gort_debugvars gort__debug;

/* Apply a GORT_DEBUG list ("name=value,..."; NULL: none), then hand the
 * fault-injection limits to the OS layer. */
void gort__debug_parse(const char *list);

#endif
