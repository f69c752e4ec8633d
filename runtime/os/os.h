/*
 * os.h - the contract between gort's core and the operating system.
 *
 * One file per OS implements it (os_linux.c, os_wasm.c with
 * os_wasm_threads.c or os_wasm_nothreads.c; a new OS adds
 * its own); the build links exactly one. Nothing here knows about Gs, Ms or
 * Ps: the core calls down, and the OS file calls up only through the
 * functions declared at the end of this file and defined by the core
 * (gort__on_fault, gort__on_quit_signal, the asynchronous preemption
 * hooks of sched/preempt.c).
 *
 * Memory:
 *   gort__os_reserve(n, what)  address space for n bytes, readable and
 *                              writable, committed lazily page by page as it
 *                              is touched (natively MAP_NORESERVE, reading as
 *                              zero; on wasm, page-aligned memory from the C
 *                              heap, already committed, contents unspecified).
 *                              NULL when out of address space. what says
 *                              what the memory is for (OS_REQ_STACK for
 *                              goroutine stacks, OS_REQ_OTHER otherwise),
 *                              for fault injection.
 *   gort__os_reserve_aligned(n, align)  the same, at a multiple of align (a
 *                              power of two, at least a page), reading as
 *                              zero on every target; never released (the
 *                              heap's arenas: OS_REQ_ARENA).
 *   gort__os_release(p, n)     give back a reservation made above.
 *   gort__os_decommit(p, n)    drop the contents and the RAM behind whole
 *                              pages (p and n multiples of the page size):
 *                              Go's sysUnused. Returns n when the RAM went
 *                              back to the OS and the pages now read as
 *                              zero (they recommit when touched again), 0
 *                              when nothing was released: wasm, which
 *                              cannot shrink linear memory, or an OS that
 *                              refused (the contents are then unchanged).
 *   gort__os_populate(p, n)    commit whole pages now (best effort): one
 *                              call instead of a page fault per page, which
 *                              is much cheaper under virtualisation. A
 *                              no-op where impossible.
 *   gort__os_guard(p, n)       turn whole pages into a guard region: any
 *                              access faults and reaches gort__on_fault.
 *                              Returns 0, or -1 when the OS cannot (wasm, or
 *                              a budget of memory mappings is spent); the
 *                              caller then relies on canaries.
 *   gort__os_guard_kind()      "madvise", "mprotect" or "none", for docs and
 *                              diagnostics.
 *   gort__os_page_size()       the page size.
 *   gort__os_default_stack_size()  usable bytes of a goroutine stack when
 *                              GORT_STACK_SIZE is not set: 64 KiB natively,
 *                              where pages commit lazily; 3 KiB on wasm,
 *                              where every byte is committed up front.
 *   gort__os_min_stack_size()  the smallest GORT_STACK_SIZE: 16 KiB
 *                              natively (a guard's worth), 2 KiB on wasm.
 *   gort__os_system_stack_size()  the least a stack of the main goroutine
 *                              and of the runtime's own goroutines gets:
 *                              0 natively (what every goroutine gets),
 *                              32 KiB on wasm (they run arbitrary code:
 *                              main, finalizers).
 *
 * Threads and waiting:
 *   gort__os_futex_wait(addr, val, ns)  sleep while *addr == val, at most ns
 *                              nanoseconds (ns < 0: no limit). May return
 *                              spuriously.
 *   gort__os_futex_wake(addr, n)        wake up to n sleepers on addr.
 *   gort__os_wake_is_costly()  true where waking a thread that sleeps in
 *                              gort__os_futex_wait costs the waker far more
 *                              than a native futex wake: wasm, where it is
 *                              V8's Atomics.notify (tens to hundreds of µs
 *                              when a worker waits, against a few µs
 *                              natively: docs/WASM-NOTES.md). The scheduler
 *                              then skips the wakes that cannot pay off
 *                              (sched/proc.c, "Lazy wake"), as Go's
 *                              osHasLowResTimer steers runqgrab.
 *   gort__os_thread_init()     per-thread set-up on every thread that runs
 *                              goroutines (signal stack; wasm fiber state).
 *                              0, or a negative errno when the signal stack
 *                              cannot be had (the caller dies: out of
 *                              memory).
 *   gort__os_thread_create(fn, arg, &handle)  start a detached OS thread
 *                              running fn(arg) (an M); 0, or a negative
 *                              errno when no thread can be had (-EAGAIN:
 *                              maybe later; wasm: the worker pool is used
 *                              up). One attempt: retrying is the caller's.
 *   gort__os_thread_limit_hint()  what to tell the user when thread
 *                              creation keeps saying EAGAIN (Linux: Go's
 *                              "may need to increase max user processes
 *                              (ulimit -u)"; wasm: the worker pool's size).
 *   gort__os_thread_self()     the calling thread's handle.
 *   gort__os_usleep(us)        sleep the thread.
 *   gort__os_yield()           give the CPU to another thread (osyield).
 *   gort__os_max_threads()     threads that can ever exist (0: no limit);
 *                              on wasm the pthread pool size.
 *
 * Misc:
 *   gort__os_nanotime()        monotonic nanoseconds.
 *   gort__os_write_err(s, n)   write to stderr, no allocation, all of it.
 *   gort__os_exit(code)        end the process now, flushing stdio.
 *   gort__os_ncpu()            CPUs available to this process.
 *   gort__os_install_fault_handler()  route memory faults to gort__on_fault
 *                              and SIGQUIT to gort__on_quit_signal.
 *   gort__os_rss_peak()        peak resident memory in bytes (wasm: the size
 *                              of linear memory), 0 when unknown.
 *   gort__os_data_ranges(fn, arg)  fn(lo, hi, arg) for each range of the
 *                              program's global data (data and bss of
 *                              the executable; on wasm the data segment):
 *                              the collector's global roots.
 *   gort__os_write_nosigpipe(fd, buf, n)  write(2), but a closed pipe
 *                              gives EPIPE and no SIGPIPE (as Go does for
 *                              descriptors other than stdout and stderr).
 *
 * Fault injection (GORT_DEBUG=failthreadcreate=N, failstackalloc=N,
 * failarenaalloc=N; os_fault.c, shared by every OS file):
 *   gort__os_fail_after(what, n)  every request of kind what after the
 *                              first n fails as if the OS had refused it
 *                              (n < 0: never). Called once, at start-up.
 *   gort__os_fault_injected(what)  counts one request of kind what; true
 *                              when it must fail. Each OS file calls it at
 *                              the top of the real request, so the core's
 *                              real failure paths run.
 *
 * Invariants: none of these allocate from the C heap except
 * gort__os_reserve on wasm; all are async-signal-safe except
 * gort__os_reserve, gort__os_release and gort__os_install_fault_handler.
 */
#ifndef GORT_OS_H
#define GORT_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a reservation or creation is for (fault injection counts each). */
enum gort_os_req {
  OS_REQ_THREAD, /* gort__os_thread_create */
  OS_REQ_STACK,  /* goroutine stacks (the stack pool's chunks) */
  OS_REQ_ARENA,  /* heap arenas (gort__os_reserve_aligned) */
  OS_REQ_OTHER,  /* everything else: never injected */
  OS_REQ_COUNT
};

void gort__os_fail_after(enum gort_os_req what, int64_t n);
bool gort__os_fault_injected(enum gort_os_req what);

void *gort__os_reserve(size_t n, enum gort_os_req what);
void *gort__os_reserve_aligned(size_t n, size_t align);
void gort__os_release(void *p, size_t n);
size_t gort__os_decommit(void *p, size_t n);
void gort__os_populate(void *p, size_t n);
int gort__os_guard(void *p, size_t n);
const char *gort__os_guard_kind(void);
size_t gort__os_page_size(void);
size_t gort__os_default_stack_size(void);
size_t gort__os_min_stack_size(void);
size_t gort__os_system_stack_size(void);

void gort__os_futex_wait(uint32_t *addr, uint32_t val, int64_t ns);
void gort__os_futex_wake(uint32_t *addr, int n);
bool gort__os_wake_is_costly(void);
int gort__os_thread_init(void);
int gort__os_thread_create(void (*fn)(void *), void *arg, uintptr_t *handle);
const char *gort__os_thread_limit_hint(void);
uintptr_t gort__os_thread_self(void);
void gort__os_usleep(int64_t us);
void gort__os_yield(void);
int gort__os_max_threads(void);

int64_t gort__os_nanotime(void);
void gort__os_write_err(const char *s, size_t n);
_Noreturn void gort__os_exit(int code);
int gort__os_ncpu(void);
void gort__os_install_fault_handler(void);
uint64_t gort__os_rss_peak(void);
long gort__os_write_nosigpipe(int fd, const void *buf, size_t n);
void gort__os_data_ranges(void (*fn)(const void *lo, const void *hi, void *arg),
                          void *arg);

/* Asynchronous preemption (native only; see os_linux.c, codemap_linux.c):
 *   gort__os_async_preempt_init()   install the preemption signal handler;
 *                              false where it cannot work (wasm, or the
 *                              program's own code cannot be told apart),
 *                              and then never signal.
 *   gort__os_preempt_thread(t)      send the preemption signal to thread t.
 *   gort__os_codemap_init()         learn which pcs are the program's own
 *                              code; false (and a reason) where it cannot.
 *   gort__os_codemap_off_reason()   why it could not, or NULL.
 *   gort__os_pc_in_user_code(pc)    pc is proven to be in the program's own
 *                              code (its .text): not in the runtime, not in
 *                              a linker stub (PLT), not in a shared library
 *                              (libc holds thread-bound locks: never
 *                              interrupt it). Async-signal-safe.
 *   gort__os_resume_context(saved)  resume a state the handler saved. */
bool gort__os_async_preempt_init(void);
void gort__os_preempt_thread(uintptr_t thread);
bool gort__os_codemap_init(void);
const char *gort__os_codemap_off_reason(void);
bool gort__os_pc_in_user_code(uintptr_t pc);
_Noreturn void gort__os_resume_context(const void *saved);

/* Defined by the core, called from the preemption signal handler: should
 * the goroutine interrupted at pc (stack pointer sp) be preempted? Sets
 * *stack_lo to the lowest usable address of its stack. */
bool gort__async_preempt_wanted(uintptr_t pc, uintptr_t sp,
                                uintptr_t *stack_lo);
/* Defined by the core: where a preempted goroutine is sent; parks it, then
 * resumes saved. */
void gort__async_preempt_park(void *saved);
/* Defined by the core, called from the handler when it resumed a saved
 * state: a request signal merged into that one is gone, so the M may be
 * sent another. */
void gort__async_preempt_signal_consumed(void);

/* Defined by the core: called from the fault handler with the faulting
 * address, the signal's name ("SIGSEGV") and the faulting pc (NULL when
 * unknown). It either reports and exits, or returns to let the OS default
 * action run. */
void gort__on_fault(void *addr, const char *signame, void *pc);
/* Defined by the core: SIGQUIT arrived; dumps every goroutine and exits 2,
 * as Go does. */
_Noreturn void gort__on_quit_signal(void);

#endif /* GORT_OS_H */
