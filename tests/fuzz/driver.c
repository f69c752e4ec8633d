/*
 * driver.c - runs libFuzzer's driver as gort's main goroutine.
 *
 * gort owns main(): the runtime starts with gort_main, and everything that
 * touches channels or timers must run on a goroutine. So the harnesses that
 * need the runtime link libFuzzer without its main
 * (libclang_rt.fuzzer_no_main) and this main starts the runtime, whose main
 * goroutine calls LLVMFuzzerRunDriver: every LLVMFuzzerTestOneInput then
 * runs on the main goroutine and may start, park and wait for others.
 *
 * Defaults (an environment variable already set wins):
 *   GORT_STACK_SIZE=512K      libFuzzer's own frames (ASan-sized) live on
 *                             the main goroutine's stack;
 *   GORT_DEBUG=asyncpreemptoff=1
 *                             the coverage callbacks
 *                             (__sanitizer_cov_trace_*) that the runtime
 *                             calls with locks held live outside gort_text,
 *                             where the preemption signal would take them
 *                             for user code (issue 10, point 1).
 *
 *   GORT_TRACEBACK=crash      a fatal error aborts after its dump, so
 *                             libFuzzer sees a deadly signal and keeps
 *                             the input (an exit(2) would lose it).
 *
 * Invariants: none beyond gort_main's. Locking: none.
 */
#include <stdint.h>
#include <stdlib.h>

#include "gort.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*cb)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's leak check brackets a run with __lsan_disable/enable, which
 * count per thread: the main goroutine may resume on another thread and
 * LSan dies ("Unmatched call to __lsan_enable()"); nor does LSan scan
 * goroutine stacks. So it is off unless the command line turns it on. */
static int fuzz_main(int argc, char **argv) {
  static char *args[256];
  static char no_leaks[] = "-detect_leaks=0";
  int n = 0;
  args[n++] = argv[0];
  args[n++] = no_leaks;
  for (int i = 1; i < argc && n < 255; i++)
    args[n++] = argv[i];
  args[n] = NULL;
  char **av = args;
  return LLVMFuzzerRunDriver(&n, &av, LLVMFuzzerTestOneInput);
}

int main(int argc, char **argv) {
  setenv("GORT_STACK_SIZE", "512K", 0);
  setenv("GORT_DEBUG", "asyncpreemptoff=1", 0);
  setenv("GORT_TRACEBACK", "crash", 0);
  gort_main(fuzz_main, argc, argv);
}
