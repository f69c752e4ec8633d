/*
 * procyield.h - the pause instruction a spinning thread runs between looks
 * at a lock word (Go's procyield, asm_amd64.s and asm_arm64.s): it tells
 * the CPU this is a spin-wait loop, which saves power and, on x86, leaves
 * the core to its hyperthread sibling. The one source for the runtime
 * mutex (sched/lock_futex.c) and sync.Mutex's spin (sched/spin.c); the
 * round counts are in sched/lock.h.
 *
 * Invariants: none; a pure delay. wasm has no such instruction: there a
 * round is a short counted loop of about a PAUSE's length. With a bare
 * compiler barrier, as before, a wasm spin took no time at all (V8 drops
 * the empty loop: procyield(30) 0.6 ns, against 750 ns natively on this
 * machine's EPYC and 600 ns with the loop below, Node 20), so a spinning
 * thread gave up before the holder let go and parked instead: at 2 Ps,
 * chan_buffered_4x4 took 149 ns an op on wasm, 70 with the loop
 * (docs/PERFORMANCE.md, issue 15).
 */
#ifndef GORT_ARCH_PROCYIELD_H
#define GORT_ARCH_PROCYIELD_H

/* Iterations of a volatile counter that last about one x86 PAUSE (25 ns
 * here): the length of a spin round where there is no such instruction. */
enum { GORT_WASM_PAUSE_LOOPS = 16 };

static inline void gort__procyield(int cycles) {
  for (int i = 0; i < cycles; i++) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#else
    for (volatile int round = 0; round < GORT_WASM_PAUSE_LOOPS; round++)
      ;
#endif
  }
}

#endif
