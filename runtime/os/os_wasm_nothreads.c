/*
 * os_wasm_nothreads.c - os.h's threads, futexes, sleeps and exit for the
 * single-threaded wasm build (GORT_WASM_THREADS=OFF, preset wasm-st): the
 * page's fallback on a host that sends no COOP/COEP headers, where there
 * is no SharedArrayBuffer, so no pthreads and no Atomics.wait. The rest of
 * os.h for wasm is os_wasm.c.
 *
 * One thread is all there is: M0, running main on the thread that loaded
 * the module (the page's Web Worker; Node's main thread). So
 * gort__os_max_threads() is 1, which makes the default GOMAXPROCS 1 and
 * leaves sysmon out (sched/proc.c, as Go's js/wasm port has none); every
 * other M the scheduler might want is refused with EAGAIN, which it takes
 * as "run with the Ms there are" (sched/mp.c, startm_new).
 *
 * Waiting. With one thread nothing else can change a futex word while the
 * lone M waits on it: no other thread, no signal, and JS callbacks do not
 * run while wasm does. So a wait with a timeout is only a sleep to its
 * deadline (the earliest timer: sched/mp.c, timedstopm), and a wait
 * without one can never end (the scheduler's checkdead reports the
 * deadlocks Go reports before its M parks; one that reaches here is a
 * runtime bug, and it dies saying so rather than spin for ever). The
 * sleep spins on the clock. The other way, Asyncify's emscripten_sleep,
 * would give the worker back to its event loop until the timer, but its
 * unwind of g0's wasm stack would reach the switch loop at the stack's
 * bottom (arch/wasm/context_wasm.c), which takes every unwind for a
 * goroutine switch; it would have to learn the difference. Nothing in
 * the worker needs its event loop during a run (the page stops a run by
 * terminating the worker), and the page's own thread is never this one.
 * The cost: a run that waits for timers keeps one core busy meanwhile.
 *
 * Exit. The program ends on this thread, usually from a goroutine.
 * Emscripten's exit checks its stack cookie at the end of its own stack
 * limits (emscripten_stack_get_end), where only the thread's own stack has
 * one; the switch (arch/wasm) leaves those limits as the thread's and sets
 * only Binaryen's, which every move of the stack pointer is checked
 * against, so the exit needs nothing put back.
 *
 * Invariants: no function here blocks without a deadline; none takes a
 * lock.
 *
 * Locking: none (one thread).
 */
#include <emscripten.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "os/os.h"

/* Until the clock passes deadline (ns, gort__os_nanotime's clock). */
static void spin_until(int64_t deadline) {
  while (gort__os_nanotime() < deadline) {
  }
}

static int64_t deadline_after(int64_t ns) {
  int64_t now = gort__os_nanotime();
  return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

void gort__os_futex_wait(uint32_t *addr, uint32_t val, int64_t ns) {
  /* One thread: a plain read sees every store there can be. */
  if (*(volatile uint32_t *)addr != val)
    return;
  if (ns < 0) {
    static const char msg[] =
        "fatal error: runtime: the only thread waits for ever (the "
        "single-threaded wasm build has no other thread to wake it)\n";
    gort__os_write_err(msg, sizeof msg - 1);
    abort();
  }
  spin_until(deadline_after(ns));
}

void gort__os_futex_wake(uint32_t *addr, int n) {
  (void)addr; /* nobody else to wake */
  (void)n;
}

bool gort__os_wake_is_costly(void) { return false; /* no one to wake */ }

int gort__os_thread_create(void (*fn)(void *), void *arg, uintptr_t *handle) {
  (void)fn;
  (void)arg;
  (void)handle;
  return -EAGAIN;
}

const char *gort__os_thread_limit_hint(void) {
  return "the single-threaded wasm build (a page without cross-origin "
         "isolation) has one thread";
}

uintptr_t gort__os_thread_self(void) { return 1; }

void gort__os_usleep(int64_t us) {
  spin_until(deadline_after(us > INT64_MAX / 1000 ? INT64_MAX : us * 1000));
}

int gort__os_max_threads(void) { return 1; }

_Noreturn void gort__os_exit(int code) {
  fflush(NULL);
  emscripten_force_exit(code);
  __builtin_unreachable();
}
