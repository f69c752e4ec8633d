/*
 * stack.h - goroutine stacks: fixed-size slots of reserved address space,
 * committed lazily by the OS as they are touched, pooled and reused.
 *
 * C cannot move stacks the way Go does, so a goroutine's stack never grows:
 * its size is GORT_STACK_SIZE (default 64 KiB natively, 3 KiB on wasm)
 * for every goroutine (the main and the runtime's own goroutines get at
 * least gort__os_system_stack_size: 32 KiB on wasm), and
 * overflow is caught instead (guard region natively, canaries on wasm or
 * when the OS runs out of guards). See docs/ARCHITECTURE.md, "Stacks".
 *
 * Locking: gort__stackalloc/gort__stackfree use the P's cache (owner) and
 * the global pool (its own lock).
 */
#ifndef GORT_SCHED_STACK_H
#define GORT_SCHED_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/runtime2.h"

void gort__stack_init(void);
size_t gort__stack_usable_size(void);
/* Fill *s with a stack for a new goroutine (system: the main goroutine or
 * one of the runtime's own, which get at least gort__os_system_stack_size);
 * out of memory is fatal (Go's "fatal error: out of memory"). */
void gort__stackalloc(struct p *pp, struct gstack *s, bool system);
void gort__stackfree(struct p *pp, struct gstack *s);
/* GORT_DEBUG=stackdepth=1 (stackdepth.c): paint a stack handed out,
 * measure how deep its goroutine went when it is given back. */
void gort__stackdepth_paint(const struct gstack *s);
void gort__stackdepth_measure(const struct gstack *s);
/* Decommit pooled stacks unused since the last call (sysmon, ~1/s). */
void gort__stack_scavenge(void);
/* Bytes of goroutine stacks in use (handed to goroutines or cached by
 * Ps) and reserved in all, for MemStats. */
void gort__stack_stats(uint64_t *inuse, uint64_t *sys);
/* Give every cached stack of pp back to the global pool (P destroyed). */
void gort__stackcache_release(struct p *pp);
/* Throws "stack overflow" if gp's canaries are broken. Cheap. */
void gort__stack_check(struct g *gp);
/* The stack-overflow report and its "fatal error: stack overflow": why
 * the check failed (NULL for none), and the guard address a fault touched
 * (0 for none). */
_Noreturn void gort__stack_overflow(const struct g *gp, const char *why,
                                    uintptr_t guard_addr);
/* Zero the 8 KiB of the calling goroutine's stack just below the caller's
 * frame (less where its stack ends sooner): the region where the frames of
 * calls it made lay. The collector scans a parked stack conservatively from its
 * saved sp up, and words a later call's frames leave unwritten (padding, spill
 * slots) keep stale pointers from earlier calls: a goroutine that is about to
 * park after handling objects it dropped (the finalizer goroutine) calls this
 * so that they can be collected. */
void gort__stack_scrub_below(void);
/* True when addr lies in the guard region below gp's stack. */
bool gort__stack_in_guard(const struct g *gp, uintptr_t addr);

#endif
