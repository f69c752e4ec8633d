/*
 * context.h - the contract every context-switch backend implements.
 *
 * A context is the saved machine state of a suspended stack: a goroutine's,
 * or an M's own thread stack (g0). The build links exactly one backend:
 *
 *   amd64/context_amd64.S + .c       x86-64 System V, callee-saved only
 *   arm64/context_arm64.S + .c       AArch64 AAPCS64, callee-saved only
 *   ucontext/context_ucontext.c      portable fallback (a syscall per
 *                                    switch: sigprocmask)
 *   wasm/context_wasm.c              Binaryen's Asyncify, driven from a
 *                                    loop on each thread's own stack
 *
 * Functions a backend defines:
 *
 *   void gort__context_start_current(struct gort_context *c,
 *                                    void (*fn)(void *), void *arg)
 *       Make c describe the calling thread's own stack and run fn(arg) on
 *       it; code running there may switch away from c and back. Returns
 *       when fn returns. (On wasm fn must run inside the call: it sets up
 *       the thread's switch state.)
 *
 *   void gort__context_make(struct gort_context *c, void *stack_lo,
 *                           size_t stack_size, void (*entry)(void *),
 *                           void *arg)
 *       Prepare c so that the first switch to it runs entry(arg) on the
 *       stack [stack_lo, stack_lo + stack_size). entry must never return.
 *       c is zero or was made before (a goroutine's g is reused): memory
 *       the backend keeps in c (wasm: the buffer of its saved state) is
 *       kept and reused, and is never freed.
 *
 *   void gort__context_make_body(struct gort_context *c, void *stack_lo,
 *                                size_t stack_size,
 *                                const struct gort_context_entry *how,
 *                                void *self, void (*body)(void *),
 *                                void *arg)
 *       gort__context_make(c, stack_lo, stack_size, how->entry, self),
 *       for an entry that runs how->start(self), then body(arg), then
 *       switches away for good to the context how->finish(self) returns.
 *       By default (below) exactly that. A backend where every frame under
 *       a switch costs (wasm: each is unwound and rewound at every switch)
 *       calls start and body itself, so that body's caller is its loop,
 *       not entry, and when body returns goes to finish's context without
 *       saving c (it is dead); it then defines GORT_CONTEXT_MAKE_BODY in
 *       its context_types.h. start must not switch.
 *
 *   void gort__context_switch(struct gort_context *from,
 *                             struct gort_context *to)
 *       Save the running state into from and resume to. Returns when
 *       somebody switches back to from, possibly on another OS thread.
 *
 *   void gort__context_run_from_thread(struct gort_context *self,
 *                                      struct gort_context *to)
 *       gort__context_switch(self, to) where self is the thread's own
 *       context (made by gort__context_start_current): the only way to
 *       switch away from it. Returns when a context switches back to self,
 *       on the same thread. Natively it is that switch; on wasm self is
 *       never saved: the call runs to (and whatever it switches to) from a
 *       loop above the thread's own frames, and returns when one switches
 *       to self.
 *
 *   void *gort__context_saved_sp(const struct gort_context *c)
 *       For a suspended context: the lowest address of its stack it still
 *       uses (what it saved lies in [sp, top of its stack)), or NULL when
 *       the backend cannot tell: then the collector scans the whole stack.
 *
 *   const void *gort__context_saved_regs(const struct gort_context *c,
 *                                        size_t *size)
 *       For a suspended context: the bytes of c that hold its saved
 *       callee-saved registers, for the collector to scan (ucontext keeps
 *       them in c; the assembly backends push them above sp: size 0).
 *
 *   const void *gort__context_saved_data(const struct gort_context *c,
 *                                        size_t *size)
 *       For a suspended context: the memory outside [sp, top of its
 *       stack) that holds state of its call chain, exactly the bytes its
 *       switch saved, for the collector to scan (wasm: its Asyncify data,
 *       the wasm locals of its frames, below sp on its stack or in a
 *       buffer of its own); size 0 natively.
 *
 *   const char gort__context_backend[]
 *       The backend's name, for diagnostics.
 *
 *   const bool gort__context_switch_is_costly
 *       Whether a switch costs far more than natively in assembly (wasm:
 *       an Asyncify unwind and rewind of the whole call chain, hundreds of
 *       ns): the scheduler's trade-offs that weigh a park against a spin
 *       read it (sched/spin.c).
 *
 * Invariants:
 *   - Only callee-saved state is kept; a switch is an ordinary call for the
 *     compiler, so caller-saved registers are dead across it.
 *   - The floating-point environment (MXCSR, FPCR) is not switched: like
 *     Go, goroutines share their thread's.
 *   - Thread-local storage is the thread's, not the context's: after a
 *     switch returns, re-read anything thread-local (the current M) through
 *     a call, never through an address taken before the switch.
 *
 * Locking: none. A context is touched only by the thread that switches
 * from or to it; the scheduler's handoff of a g between threads orders
 * those accesses.
 */
#ifndef GORT_ARCH_CONTEXT_H
#define GORT_ARCH_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "context_types.h" /* struct gort_context for this backend */

void gort__context_start_current(struct gort_context *c, void (*fn)(void *),
                                 void *arg);
void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void (*entry)(void *), void *arg);

/* A goroutine's start and end (gort__context_make_body): entry(self) runs
 * start(self), body(arg), then switches to finish(self)'s context. */
struct gort_context_entry {
  void (*entry)(void *self);
  void (*start)(void *self);
  struct gort_context *(*finish)(void *self);
};
#ifdef GORT_CONTEXT_MAKE_BODY
void gort__context_make_body(struct gort_context *c, void *stack_lo,
                             size_t stack_size,
                             const struct gort_context_entry *how, void *self,
                             void (*body)(void *), void *arg);
#else
static inline void gort__context_make_body(struct gort_context *c,
                                           void *stack_lo, size_t stack_size,
                                           const struct gort_context_entry *how,
                                           void *self, void (*body)(void *),
                                           void *arg) {
  (void)body; /* how->entry calls it */
  (void)arg;
  gort__context_make(c, stack_lo, stack_size, how->entry, self);
}
#endif
/* A backend may define the switch inline in its context_types.h (wasm:
 * so that the frame that switches is the caller's own, one frame fewer to
 * unwind and rewind); it then defines GORT_CONTEXT_SWITCH_INLINE. */
#ifndef GORT_CONTEXT_SWITCH_INLINE
void gort__context_switch(struct gort_context *from, struct gort_context *to);
#endif
/* The attribute for the body of a loop that never returns while contexts
 * switch (g0's scheduler loop, sched/proc.c). By default the body is
 * inlined, one loop: a call per round would cost a mispredicted return
 * after every switch (native yield on one P: 51 -> 62 ns). wasm's
 * context_types.h makes it a call of its own, which V8 can optimise: it
 * never moves a running function to optimised code. */
#ifndef GORT_CONTEXT_LOOP_BODY
#define GORT_CONTEXT_LOOP_BODY inline __attribute__((always_inline))
#endif
void gort__context_run_from_thread(struct gort_context *self,
                                   struct gort_context *to);
void *gort__context_saved_sp(const struct gort_context *c);
const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size);
const void *gort__context_saved_data(const struct gort_context *c,
                                     size_t *size);

extern const char gort__context_backend[];
extern const bool gort__context_switch_is_costly;

#endif /* GORT_ARCH_CONTEXT_H */
