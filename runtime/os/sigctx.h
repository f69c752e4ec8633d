/*
 * sigctx.h - reading and rewriting the machine context a signal handler
 * receives (the ucontext_t of SA_SIGINFO handlers), one file per OS and
 * CPU: sigctx_linux_amd64.c, sigctx_linux_arm64.c. Used by os_linux.c for
 * fault reports and asynchronous preemption.
 *
 *   gort__sigctx_pc / _sp        the interrupted pc and stack pointer
 *   gort__sigctx_save_size(uc)   bytes gort__sigctx_save writes: the
 *                                integer registers and the whole
 *                                floating-point / vector state
 *   gort__sigctx_save(uc, dst)   copy the complete state to dst (aligned 64)
 *   gort__sigctx_restore(uc, src) overwrite uc with a state saved by
 *                                gort__sigctx_save on any thread of this
 *                                process, so that returning from the
 *                                handler resumes exactly there
 *   gort__sigctx_redirect(uc, fn, arg, sp)  make the handler's return call
 *                                fn(arg) on stack sp, as if called there
 *   GORT_SIGCTX_REDZONE          bytes below sp the interrupted code may
 *                                use without moving sp (x86-64: 128)
 *
 * Invariants: all functions are async-signal-safe; save and restore keep
 * the signal mask of the thread that restores.
 */
#ifndef GORT_OS_SIGCTX_H
#define GORT_OS_SIGCTX_H

#include <stddef.h>
#include <stdint.h>

uintptr_t gort__sigctx_pc(void *uc);
uintptr_t gort__sigctx_sp(void *uc);
size_t gort__sigctx_save_size(void *uc);
void gort__sigctx_save(void *uc, void *dst);
void gort__sigctx_restore(void *uc, const void *src);
void gort__sigctx_redirect(void *uc, void (*fn)(void *), void *arg,
                           uintptr_t sp);
extern const size_t gort__sigctx_redzone;

#endif
