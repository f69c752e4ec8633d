/*
 * park.h - the switch a goroutine makes when it leaves the CPU (parks,
 * exits, yields), inline, so that the busiest parks (channel send and
 * receive, select) switch from their own frame.
 *
 * Why inline: on wasm every frame between a goroutine's code and its
 * switch is unwound and rewound at every park (runtime/arch/wasm), about
 * 10 ns each way per frame on Node 20; a park that calls gort__gopark
 * pays for gopark's frame too. Natively the call would cost nothing
 * worth saving; the code is the same on every backend.
 *
 * The shape: the choice of where to go and everything that must happen
 * before the switch is out of line (gort__park_choose, proc.c), then the
 * switch, then everything the goroutine does once it runs again, out of
 * line too (gort__resumed): the switching frame keeps few wasm locals.
 *
 * Invariants: only the current G (never g0) calls these, on its own
 * stack, holding no runtime lock but the one its unlockf releases
 * (proc.c, Locking).
 *
 * Locking: as gort__gopark (runtime2.h): unlockf runs after the switch,
 * on g0 or on the G switched to.
 */
#ifndef GORT_SCHED_PARK_H
#define GORT_SCHED_PARK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/context.h"
#include "arch/sanitizer.h"
#include "sched/runtime2.h"

/* Everything of gopark before the switch: records unlockf, lock and the
 * wait reason, and returns where gp goes: another G of its P (a direct
 * switch) or its M's g0. */
struct g *gort__park_choose(struct g *gp, bool (*unlockf)(struct g *, void *),
                            void *lock, uint32_t reason);

/* What a G does first whenever it runs again after a switch of its own
 * (the sanitizers' bookkeeping, then what a G that switched straight to
 * it left undone). */
void gort__resumed(struct g *self);

/* What the sanitizers must hear just before any switch to to: ASan the
 * stack it goes to (asan_save is where the leaving stack's fake stack is
 * kept, NULL when that stack never runs again), TSan the fiber. No-ops in
 * a build without them. */
static inline __attribute__((always_inline)) void
gort__gswitch_announce(void **asan_save, const struct g *to) {
  gort__asan_start_switch(asan_save, (const void *)to->stack.lo,
                          to->stack.hi - to->stack.lo);
  gort__tsan_fiber_switch(to->tsan_fiber);
}

/* The running G (never g0) switches to to: g0 (mcall) or a G of its P (a
 * direct switch); returns when from runs again, possibly on another M. */
static inline __attribute__((always_inline)) void
gort__gswitch_from_g(struct g *from, struct g *to, bool from_dies) {
  gort__gswitch_announce(from_dies ? NULL : &from->asan_fake, to);
  gort__context_switch(&from->ctx, &to->ctx);
  gort__resumed(from);
}

/* gort__gopark for a caller that has its G at hand (the same semantics:
 * runtime2.h), switching from the caller's own frame. */
static inline __attribute__((always_inline)) void
gort__gopark_from(struct g *gp, bool (*unlockf)(struct g *, void *), void *lock,
                  uint32_t reason) {
  gort__gswitch_from_g(gp, gort__park_choose(gp, unlockf, lock, reason), false);
}

#endif
