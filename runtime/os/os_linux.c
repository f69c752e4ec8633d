/*
 * os_linux.c - os.h for Linux (glibc or musl), x86-64 and arm64.
 *
 * Guard pages: Linux 6.13 added MADV_GUARD_INSTALL, which marks pages of an
 * existing mapping as guards without splitting it into more VMAs; that is
 * what lets a million goroutine stacks each have a guard without hitting
 * vm.max_map_count (65530 by default). Whether it works is probed once (an
 * emulator may accept the advice and ignore it). Otherwise we fall back to
 * mprotect(PROT_NONE), which costs two VMAs per guard, within a budget of a
 * quarter of vm.max_map_count; past it gort__os_guard fails and the caller
 * uses canaries alone.
 *
 * Invariants: the fault handler runs on a per-thread alternate signal stack
 * (gort__os_thread_init), so it works when a goroutine stack overflowed.
 * Every request the core can survive or report (thread creation, stack and
 * arena reservations) asks gort__os_fault_injected first (os_fault.c), and
 * fails exactly as the OS would: NULL for memory, a negative errno for
 * threads.
 *
 * Locking: guard_budget is an atomic counter; everything else is per call.
 */

#include "atomic/atomic.h"
#include <errno.h>
#include <link.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "os/os.h"
#include "os/sigctx.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

enum { GUARD_UNKNOWN, GUARD_MADVISE, GUARD_MPROTECT };
static _Atomic int guard_mode = GUARD_UNKNOWN;
static _Atomic long guard_budget = -1; /* mprotect guards left; -1 unset */

static void *reserve(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void *gort__os_reserve(size_t n, enum gort_os_req what) {
  if (gort__os_fault_injected(what))
    return NULL; /* as mmap's ENOMEM */
  return reserve(n);
}

void gort__os_release(void *p, size_t n) { munmap(p, n); }

void *gort__os_reserve_aligned(size_t n, size_t align) {
  if (gort__os_fault_injected(OS_REQ_ARENA) || n > SIZE_MAX - align)
    return NULL;
  /* Over-reserve, then trim the unaligned head and the tail. */
  char *p = reserve(n + align);
  if (p == NULL)
    return NULL;
  uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
  size_t head = start - (uintptr_t)p, tail = align - head;
  if (head)
    munmap(p, head);
  if (tail)
    munmap((char *)start + n, tail);
  return (void *)start;
}

/* MADV_DONTNEED, not MADV_FREE: the RAM leaves the process at once (RSS
 * falls, which is what users and the memory limit watch; MADV_FREE only
 * lets the kernel take the pages under pressure, so RSS stays high, which
 * is why Go went back to MADV_DONTNEED by default in Go 1.16:
 * GODEBUG=madvdontneed), and the pages then read as zero, which lets the
 * heap skip zeroing them when they are reused (after MADV_FREE they may
 * still hold the old bytes). */
size_t gort__os_decommit(void *p, size_t n) {
  return madvise(p, n, MADV_DONTNEED) == 0 ? n : 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void gort__os_populate(void *p, size_t n) {
  /* Linux >= 5.14; older kernels say EINVAL and the pages fault in. */
  madvise(p, n, MADV_POPULATE_WRITE);
}

size_t gort__os_page_size(void) {
  static size_t page;
  if (page == 0)
    page = (size_t)sysconf(_SC_PAGESIZE);
  return page;
}

size_t gort__os_default_stack_size(void) { return 64 * 1024; }

size_t gort__os_min_stack_size(void) { return 16 * 1024; }

/* No more than any goroutine gets: pages commit as touched, so every
 * goroutine can have a large stack. */
size_t gort__os_system_stack_size(void) { return 0; }

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
  long left = gort__atomic_load_seq_cst(&guard_budget);
  if (left < 0) {
    long want = read_max_map_count() / 4;
    gort__atomic_cas_strong_seq_cst(&guard_budget, &left, want);
  }
  /* Take one guard from the budget; never go below zero. */
  left = gort__atomic_load_seq_cst(&guard_budget);
  do {
    if (left <= 0)
      return -1;
  } while (!gort__atomic_cas_weak_seq_cst(&guard_budget, &left, left - 1));
  return mprotect(p, n, PROT_NONE) == 0 ? 0 : -1;
}

/* Does MADV_GUARD_INSTALL really guard here? An emulator (qemu-user) may
 * accept the advice and do nothing, so check: the kernel must refuse to
 * read a guarded page on our behalf (write() from it to a pipe: EFAULT). */
static bool madvise_guard_works(void) {
  size_t page = gort__os_page_size();
  char *mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return false;
  bool works = false;
  int fds[2];
  if (madvise(mem, page, MADV_GUARD_INSTALL) == 0 && pipe(fds) == 0) {
    works = write(fds[1], mem, 1) < 0 && errno == EFAULT;
    close(fds[0]);
    close(fds[1]);
  }
  munmap(mem, page);
  return works;
}

int gort__os_guard(void *p, size_t n) {
  int mode = gort__atomic_load_relaxed(&guard_mode);
  if (mode == GUARD_UNKNOWN) {
    mode = madvise_guard_works() ? GUARD_MADVISE : GUARD_MPROTECT;
    gort__atomic_store_relaxed(&guard_mode, mode);
  }
  if (mode == GUARD_MADVISE)
    return madvise(p, n, MADV_GUARD_INSTALL) == 0 ? 0 : -1;
  return guard_mprotect(p, n);
}

const char *gort__os_guard_kind(void) {
  switch (gort__atomic_load_seq_cst(&guard_mode)) {
  case GUARD_MADVISE:
    return "madvise";
  case GUARD_MPROTECT:
    return gort__atomic_load_seq_cst(&guard_budget) > 0 ? "mprotect"
                                                        : "mprotect+canary";
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

/* ---- threads ------------------------------------------------------------ */

enum { M_STACK_SIZE = 512 * 1024 }; /* g0: the scheduler and C it calls */
enum { SIGNAL_STACK_SIZE = 64 * 1024 };

struct thread_start {
  void (*fn)(void *);
  void *arg;
  sigset_t mask;  /* the creator's signal mask, restored by thread_init */
  void *sigstack; /* SIGNAL_STACK_SIZE bytes mapped by the creator */
};

/* A thread made here starts with every signal blocked; thread_init
 * restores start_mask once the signal stack is in place. Its signal stack
 * was mapped by the creator (as Go's allocm makes gsignal before
 * newosproc), so a thread that could not have one is never started:
 * gort__os_thread_create fails instead, and the core treats it as any
 * refused thread. */
static _Thread_local bool signals_held;
static _Thread_local sigset_t start_mask;
static _Thread_local void *start_sigstack;

static void *thread_main(void *p) {
  struct thread_start ts = *(struct thread_start *)p;
  free(p);
  signals_held = true;
  start_mask = ts.mask;
  start_sigstack = ts.sigstack;
  ts.fn(ts.arg);
  return NULL;
}

static void *map_sigstack(void) {
  void *mem = mmap(NULL, SIGNAL_STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return mem == MAP_FAILED ? NULL : mem;
}

int gort__os_thread_create(void (*fn)(void *), void *arg, uintptr_t *handle) {
  if (gort__os_fault_injected(OS_REQ_THREAD))
    return -EAGAIN; /* what pthread_create says at RLIMIT_NPROC */
  struct thread_start *ts = malloc(sizeof *ts);
  if (ts == NULL)
    return -ENOMEM;
  ts->sigstack = map_sigstack();
  if (ts->sigstack == NULL) {
    int e = errno;
    free(ts);
    return -e;
  }
  ts->fn = fn;
  ts->arg = arg;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, M_STACK_SIZE);
  /* New threads start with every signal blocked until they set up their
   * signal stack; the creator's mask is restored right after. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  ts->mask = old;
  pthread_t t;
  void *sigstack = ts->sigstack;
  int rc = pthread_create(&t, &attr, thread_main, ts); /* ts is its now */
  if (rc != 0) {
    munmap(sigstack, SIGNAL_STACK_SIZE);
    free(ts);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return -rc;
  *handle = (uintptr_t)t;
  return 0;
}

bool gort__os_wake_is_costly(void) { return false; }

const char *gort__os_thread_limit_hint(void) {
  return "may need to increase max user processes (ulimit -u)";
}

uintptr_t gort__os_thread_self(void) { return (uintptr_t)pthread_self(); }

void gort__os_usleep(int64_t us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int gort__os_max_threads(void) { return 0; }

void gort__os_yield(void) { sched_yield(); }

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

/* Without its signal stack a thread could not report a stack overflow (the
 * handler would run on the overflowed stack and fault again), so failing
 * to make one is reported, not skipped: the caller (gort_main's thread;
 * threads made here have theirs already) dies out of memory, as Go's malg
 * for gsignal would. The thread's signals stay blocked then. */
int gort__os_thread_init(void) {
  stack_t ss;
  bool have = sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE) &&
              ss.ss_size >= SIGNAL_STACK_SIZE; /* ASan installs its own */
  void *mem = start_sigstack;
  start_sigstack = NULL;
  if (have && mem != NULL)
    munmap(mem, SIGNAL_STACK_SIZE); /* not needed after all */
  if (!have) {
    if (mem == NULL)
      mem = map_sigstack();
    if (mem == NULL)
      return -errno;
    ss.ss_sp = mem;
    ss.ss_size = SIGNAL_STACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
      int e = errno;
      munmap(mem, SIGNAL_STACK_SIZE);
      return -e;
    }
  }
  if (signals_held) {
    signals_held = false;
    pthread_sigmask(SIG_SETMASK, &start_mask, NULL);
  }
  return 0;
}

static void on_fault_signal(int sig, siginfo_t *info, void *uctx) {
  gort__on_fault(info->si_addr, sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
                 (void *)gort__sigctx_pc(uctx));
  /* Not ours: restore the default action; returning re-runs the faulting
   * instruction, which then kills the process the ordinary way. */
  signal(sig, SIG_DFL);
}

static void on_quit_signal(int sig) {
  (void)sig;
  gort__on_quit_signal();
}

void gort__os_install_fault_handler(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_fault_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  struct sigaction quit = {0};
  quit.sa_handler = on_quit_signal;
  quit.sa_flags = SA_ONSTACK;
  sigfillset(&quit.sa_mask);
  sigaction(SIGQUIT, &quit, NULL);
}

uint64_t gort__os_rss_peak(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return 0;
  return (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

/* ---- asynchronous preemption -------------------------------------------
 *
 * sysmon sends SIGURG (Go's choice: unused by most programs, ignored by
 * default) to an M whose goroutine ran too long. The handler asks the core
 * whether the interrupted instruction is at a safe place
 * (gort__async_preempt_wanted). If so it copies the complete machine state
 * onto the goroutine's own stack, below the red zone, and rewrites the
 * context so that returning from the handler calls
 * gort__async_preempt_park(saved) on that stack. That function parks the
 * goroutine like a yield; when it runs again, on whatever thread, it calls
 * gort__os_resume_context, which raises SIGURG on its own thread with
 * resume_state set, and the handler overwrites its context with the saved
 * state, so the return from the handler resumes the interrupted code with
 * every register as it was.
 */

static _Thread_local const void *resume_state;

static void on_preempt_signal(int sig, siginfo_t *info, void *uctx) {
  (void)sig;
  (void)info;
  int saved_errno = errno;
  if (resume_state) {
    gort__sigctx_restore(uctx, resume_state);
    resume_state = NULL;
    /* A preemption request sent meanwhile may have merged with this
     * signal (standard signals do not queue): let the next one be sent. */
    gort__async_preempt_signal_consumed();
    errno = saved_errno;
    return;
  }
  uintptr_t pc = gort__sigctx_pc(uctx), sp = gort__sigctx_sp(uctx);
  uintptr_t stack_lo;
  if (gort__async_preempt_wanted(pc, sp, &stack_lo)) {
    size_t size = gort__sigctx_save_size(uctx);
    uintptr_t save = (sp - gort__sigctx_redzone - size) & ~(uintptr_t)63;
    /* Room below the save area for parking (a few frames and mcall). */
    if (save > stack_lo + 8192) {
      gort__sigctx_save(uctx, (void *)save);
      gort__sigctx_redirect(uctx, gort__async_preempt_park, (void *)save,
                            save - 64);
    }
  }
  errno = saved_errno;
}

bool gort__os_async_preempt_init(void) {
  if (!gort__os_codemap_init())
    return false; /* cannot tell user code apart: never interrupt */
  struct sigaction sa = {0};
  sa.sa_sigaction = on_preempt_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigfillset(&sa.sa_mask);
  return sigaction(SIGURG, &sa, NULL) == 0;
}

void gort__os_preempt_thread(uintptr_t thread) {
  pthread_kill((pthread_t)thread, SIGURG);
}

_Noreturn void gort__os_resume_context(const void *saved) {
  resume_state = saved;
  /* Delivered to this thread before pthread_kill returns: the handler
   * switches this thread to the saved state and never comes back here. */
  pthread_kill(pthread_self(), SIGURG);
  gort__os_write_err("runtime: resume signal did not arrive\n", 38);
  abort();
}

long gort__os_write_nosigpipe(int fd, const void *buf, size_t n) {
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t k = write(fd, buf, n);
  int e = errno;
  if (k < 0 && e == EPIPE && !was_pending) {
    /* Ours is now pending on this thread: take it before unblocking. */
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_only, NULL, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = e;
  return k;
}

struct data_walk {
  void (*fn)(const void *lo, const void *hi, void *arg);
  void *arg;
};

static int each_exec_data(struct dl_phdr_info *info, size_t size, void *d) {
  (void)size;
  struct data_walk *w = d;
  /* The first object is the executable: its writable segments hold
   * .data and .bss (and relocated pointers, harmless to scan). */
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
      const char *lo = (const char *)(info->dlpi_addr + ph->p_vaddr);
      w->fn(lo, lo + ph->p_memsz, w->arg);
    }
  }
  return 1;
}

void gort__os_data_ranges(void (*fn)(const void *lo, const void *hi, void *arg),
                          void *arg) {
  struct data_walk w = {fn, arg};
  dl_iterate_phdr(each_exec_data, &w);
}
