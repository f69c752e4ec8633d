/*
 * os_wasm_threads.c - os.h's threads, futexes and sleeps for the threaded
 * wasm build (pthreads on SharedArrayBuffer; the rest of os.h for wasm is
 * os_wasm.c).
 *
 * What stands in for the OS: an M is a pthread on one of Emscripten's
 * pool workers (a Web Worker), made from a pool fixed at start-up
 * (PTHREAD_POOL_SIZE_STRICT=2: pthread_create fails with EAGAIN beyond
 * it); a futex is Emscripten's (Atomics.wait in a worker).
 *
 * Invariants: thread creation asks gort__os_fault_injected first
 * (os_fault.c) and fails as the OS would. A thread gort made ends with
 * pthread_exit, never by returning into worker.js
 * (tests/node/wasm-exit.test.mjs).
 *
 * Locking: none.
 */
#include <emscripten.h>
#include <emscripten/threading.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef GORT_WASM_POOL_SIZE
#define GORT_WASM_POOL_SIZE 4
#endif

#include "os/os.h"

void gort__os_futex_wait(uint32_t *addr, uint32_t val, int64_t ns) {
  double ms = ns < 0 ? 1e300 : (double)ns / 1e6;
  emscripten_futex_wait(addr, val, ms);
}

void gort__os_futex_wake(uint32_t *addr, int n) {
  emscripten_futex_wake(addr, n);
}

/* Atomics.notify on an address a worker waits on takes V8's one
 * process-wide futex mutex and signals the waiter's condition variable,
 * and the woken worker takes that mutex again before it returns: measured
 * here (Node 20, docs/WASM-NOTES.md) at tens of µs on a quiet machine and
 * hundreds under load, against a few µs for a native futex wake. */
bool gort__os_wake_is_costly(void) { return true; }

struct thread_start {
  void (*fn)(void *);
  void *arg;
};

static void *thread_main(void *p) {
  struct thread_start ts = *(struct thread_start *)p;
  free(p);
  ts.fn(ts.arg);
  /* Not a return into worker.js, which would touch the thread's stack
   * and struct after the program's exit may have freed them (pre.js, the
   * end of gortCallMain). */
  pthread_exit(NULL);
}

int gort__os_thread_create(void (*fn)(void *), void *arg, uintptr_t *handle) {
  if (gort__os_fault_injected(OS_REQ_THREAD))
    return -EAGAIN;
  struct thread_start *ts = malloc(sizeof *ts);
  if (ts == NULL)
    return -ENOMEM;
  ts->fn = fn;
  ts->arg = arg;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  int rc = pthread_create(&t, &attr, thread_main, ts);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    free(ts);
    return -rc;
  }
  *handle = (uintptr_t)t;
  return 0;
}

const char *gort__os_thread_limit_hint(void) {
  /* PTHREAD_POOL_SIZE_STRICT=2: no workers beyond the pool. */
  return "the pthread worker pool may be used up (GORT_WASM_POOL_SIZE)";
}

uintptr_t gort__os_thread_self(void) { return (uintptr_t)pthread_self(); }

void gort__os_usleep(int64_t us) {
  /* Not usleep(): Emscripten proxies it; a futex wait with a timeout is a
   * plain Atomics.wait in this worker. */
  uint32_t never = 0;
  emscripten_futex_wait(&never, 0, (double)us / 1000.0);
}

int gort__os_max_threads(void) { return GORT_WASM_POOL_SIZE; }

_Noreturn void gort__os_exit(int code) {
  fflush(NULL);
  emscripten_force_exit(code);
  __builtin_unreachable();
}
