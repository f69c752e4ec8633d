/*
 * preempt.c - asking goroutines to yield (Go's preempt.go and the
 * preemption parts of proc.go and signal_unix.go).
 *
 * Cooperative: preemptone sets g->preempt; the goroutine yields at its
 * next safe point: gort_preempt_check() (one load and a branch) or any
 * blocking runtime call. This is all wasm has.
 *
 * Asynchronous (native x86-64 and arm64), Go 1.14's design: preemptone
 * also sends the M a signal (os_linux.c). The handler preempts only at a
 * safe place, which in C means all of:
 *   - the M is running a goroutine (not g0, not sysmon) that is G_RUNNING
 *     and was asked to yield (the flag is still set);
 *   - the thread holds no runtime lock (lock.h counts them, Go's m.locks):
 *     the runtime calls out of its own code with locks held (memcpy of a
 *     channel element, through a PLT stub the linker put in the program);
 *   - the interrupted pc is proven to be the program's own code
 *     (os/codemap_linux.c): its .text, not the runtime (its code lives in
 *     the gort_text section, so it is never interrupted half-way through a
 *     switch), not a linker stub, and not a shared library such as libc
 *     (malloc and stdio hold locks bound to the thread; another goroutine
 *     on the same thread would deadlock on them);
 *   - the stack pointer is inside the goroutine's stack, with room below.
 * The goroutine is then parked as if it had yielded; its full machine
 * state (all registers, FPU and vector state) rides on its own stack and is
 * restored exactly when it runs again, possibly on another thread. See
 * docs/ARCHITECTURE.md, "Preemption", for what this means for C code that
 * caches thread-local addresses (GORT_DEBUG=asyncpreemptoff=1 turns it
 * off).
 *
 * Invariants: the runtime never calls user code while holding a runtime
 * lock or between the halves of a switch.
 *
 * Locking: g->preempt and m->signal_pending are atomics; preemptone reads
 * p->m and m->curg without a lock (acquire loads), as Go does: a stale
 * read only preempts the next goroutine early or not at all.
 */
#include "atomic/atomic.h"

#include "arch/sanitizer.h"
#include "debug/debugvars.h"
#include "os/os.h"
#include "sched/mp.h"
#include "sched/runq.h"

static bool async_enabled;

void gort__preempt_init(void) {
#ifdef GORT_TSAN
  /* ThreadSanitizer delays asynchronous signals to its own safe points,
   * so the resume signal would not arrive in time: cooperative only. */
  async_enabled = false;
#else
  async_enabled = !gort__debug.asyncpreemptoff && gort__os_async_preempt_init();
#endif
}

bool gort__async_preempt_enabled(void) { return async_enabled; }

void gort__preemptone(struct p *pp) {
  struct m *mp = gort__loadpm(pp);
  if (mp == NULL || mp == gort__getm())
    return;
  /* The request is for the slice, which may pass on through runnext
   * while we look (between goroutines, or in a direct switch): the P keeps
   * it for the next G that inherits the slice. */
  gort__atomic_store_relaxed(&pp->preempt, 1);
  struct g *gp = gort__loadcurg(mp);
  if (gp == NULL || gp == &mp->g0)
    return;
  gort__atomic_store_relaxed(&gp->preempt, 1);
  if (!async_enabled)
    return;
  /* One signal in flight per M is enough. */
  uint32_t zero = 0;
  if (gort__atomic_cas_strong_seq_cst(&mp->signal_pending, &zero, 1))
    gort__os_preempt_thread(mp->thread);
}

void gort__preempt_g(struct g *gp) {
  gort__atomic_store_relaxed(&gp->preempt, 1);
  struct m *mp = gort__loadgm(gp);
  if (!async_enabled || mp == NULL || mp == gort__getm() ||
      gort__loadcurg(mp) != gp)
    return;
  uint32_t zero = 0;
  if (gort__atomic_cas_strong_seq_cst(&mp->signal_pending, &zero, 1))
    gort__os_preempt_thread(mp->thread);
}

bool gort__async_preempt_wanted(uintptr_t pc, uintptr_t sp,
                                uintptr_t *stack_lo) {
  struct m *mp = gort__getm();
  if (mp == NULL)
    return false;
  gort__atomic_store_relaxed(&mp->signal_pending, 0);
  struct g *gp = gort__loadcurg(mp);
  if (gp == NULL || gp == &mp->g0 || !async_enabled)
    return false;
  if (gort__readgstatus(gp) != G_RUNNING ||
      !gort__atomic_load_relaxed(&gp->preempt))
    return false;
  if (gort__locks_held() != 0 || !gort__os_pc_in_user_code(pc))
    return false;
  if (sp <= gp->stack.lo || sp > gp->stack.hi)
    return false; /* on some other stack (a user signal stack?) */
  *stack_lo = gp->stack.lo + 16;
  return true;
}

void gort__async_preempt_signal_consumed(void) {
  struct m *mp = gort__getm();
  if (mp != NULL)
    gort__atomic_store_relaxed(&mp->signal_pending, 0);
}

void gort__async_preempt_park(void *saved) {
  struct g *gp = gort__getg();
  gp->async_preempts++;
  gort__atomic_add_relaxed(&gort__sched.async_preempts, 1);
  gort__atomic_store_relaxed(&gp->preempt, 0);
  gort__mcall(gort__gopreempt_m); /* to the global queue, as Go */
  gort__os_resume_context(saved);
}
