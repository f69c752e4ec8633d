/*
 * os_linux.c - os.h for Linux (glibc or musl), x86-64 and arm64.
 *
 * Guard pages: Linux 6.13 added MADV_GUARD_INSTALL, which marks pages of an
 * existing mapping as guards without splitting it into more VMAs; that is
 * what lets a million goroutine stacks each have a guard without hitting
 * vm.max_map_count (65530 by default). On older kernels we fall back to
 * mprotect(PROT_NONE), which costs two VMAs per guard, within a budget of a
 * quarter of vm.max_map_count; past it gort__os_guard fails and the caller
 * uses canaries alone.
 *
 * Invariants: the fault handler runs on a per-thread alternate signal stack
 * (gort__os_thread_init), so it works when a goroutine stack overflowed.
 *
 * Locking: guard_budget is an atomic counter; everything else is per call.
 */

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "os.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

enum { GUARD_UNKNOWN, GUARD_MADVISE, GUARD_MPROTECT };
static _Atomic int guard_mode = GUARD_UNKNOWN;
static _Atomic long guard_budget = -1; /* mprotect guards left; -1 unset */

void *gort__os_reserve(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void gort__os_release(void *p, size_t n) { munmap(p, n); }

void gort__os_decommit(void *p, size_t n) { madvise(p, n, MADV_DONTNEED); }

size_t gort__os_page_size(void) {
  static size_t page;
  if (page == 0)
    page = (size_t)sysconf(_SC_PAGESIZE);
  return page;
}

size_t gort__os_default_stack_size(void) { return 64 * 1024; }

static long read_max_map_count(void) {
  long v = 65530;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  if (f) {
    if (fscanf(f, "%ld", &v) != 1)
      v = 65530;
    fclose(f);
  }
  return v;
}

static int guard_mprotect(void *p, size_t n) {
  long left = atomic_load(&guard_budget);
  if (left < 0) {
    long want = read_max_map_count() / 4;
    atomic_compare_exchange_strong(&guard_budget, &left, want);
  }
  /* Take one guard from the budget; never go below zero. */
  left = atomic_load(&guard_budget);
  do {
    if (left <= 0)
      return -1;
  } while (!atomic_compare_exchange_weak(&guard_budget, &left, left - 1));
  return mprotect(p, n, PROT_NONE) == 0 ? 0 : -1;
}

int gort__os_guard(void *p, size_t n) {
  int mode = atomic_load_explicit(&guard_mode, memory_order_relaxed);
  if (mode != GUARD_MPROTECT) {
    if (madvise(p, n, MADV_GUARD_INSTALL) == 0) {
      atomic_store_explicit(&guard_mode, GUARD_MADVISE, memory_order_relaxed);
      return 0;
    }
    if (errno != EINVAL)
      return -1;
    atomic_store_explicit(&guard_mode, GUARD_MPROTECT, memory_order_relaxed);
  }
  return guard_mprotect(p, n);
}

const char *gort__os_guard_kind(void) {
  switch (atomic_load(&guard_mode)) {
  case GUARD_MADVISE:
    return "madvise";
  case GUARD_MPROTECT:
    return atomic_load(&guard_budget) > 0 ? "mprotect" : "mprotect+canary";
  default:
    return "unknown";
  }
}

void gort__os_futex_wait(uint32_t *addr, uint32_t val, int64_t ns) {
  struct timespec ts, *tsp = NULL;
  if (ns >= 0) {
    ts.tv_sec = ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    tsp = &ts;
  }
  syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void gort__os_futex_wake(uint32_t *addr, int n) {
  syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

int64_t gort__os_nanotime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void gort__os_write_err(const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(2, s, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    s += w;
    n -= (size_t)w;
  }
}

_Noreturn void gort__os_exit(int code) {
  fflush(NULL);
  _exit(code);
}

int gort__os_ncpu(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0)
      return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* ---- faults ------------------------------------------------------------ */

enum { SIGNAL_STACK_SIZE = 64 * 1024 };

void gort__os_thread_init(void) {
  stack_t ss;
  if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE) &&
      ss.ss_size >= SIGNAL_STACK_SIZE)
    return; /* this thread already has one (ASan installs its own) */
  void *mem = mmap(NULL, SIGNAL_STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return;
  ss.ss_sp = mem;
  ss.ss_size = SIGNAL_STACK_SIZE;
  ss.ss_flags = 0;
  sigaltstack(&ss, NULL);
}

static void *fault_pc(void *uctx) {
  ucontext_t *uc = uctx;
#if defined(__x86_64__)
  return (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (void *)uc->uc_mcontext.pc;
#else
  (void)uc;
  return NULL;
#endif
}

static void on_fault_signal(int sig, siginfo_t *info, void *uctx) {
  gort__on_fault(info->si_addr, sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
                 fault_pc(uctx));
  /* Not ours: restore the default action; returning re-runs the faulting
   * instruction, which then kills the process the ordinary way. */
  signal(sig, SIG_DFL);
}

void gort__os_install_fault_handler(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_fault_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
}

uint64_t gort__os_rss_peak(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return 0;
  return (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}
