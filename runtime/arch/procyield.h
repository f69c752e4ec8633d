/*
 * procyield.h - the pause instruction a spinning thread runs between looks
 * at a lock word (Go's procyield, asm_amd64.s and asm_arm64.s): it tells
 * the CPU this is a spin-wait loop, which saves power and, on x86, leaves
 * the core to its hyperthread sibling. The one source for the runtime
 * mutex (sched/lock_futex.c) and sync.Mutex's spin (sched/spin.c); the
 * round counts are in sched/lock.h.
 *
 * Invariants: none; a pure delay. wasm has no such instruction: there a
 * round is only a compiler barrier (the loop is not optimised away).
 */
#ifndef GORT_ARCH_PROCYIELD_H
#define GORT_ARCH_PROCYIELD_H

static inline void gort__procyield(int cycles) {
  for (int i = 0; i < cycles; i++) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
  }
}

#endif
