/*
 * fuzz_cli.c - the gort command line's argument parsing (cmd/gort/main.c)
 * on any argument vector: never a crash, undefined behaviour or
 * out-of-bounds read, and every vector it accepts holds options in range.
 *
 * No seam in main.c: this file includes it with main renamed and
 * gort_main_opts replaced by a function that checks the parsed options
 * (the CLI's and the runtime settings it hands over) and jumps back
 * here, so everything up to starting the runtime runs as in the CLI
 * (list, version, help, run with its options; the exit status). The input
 * is split at NUL bytes into up to 16 arguments after "gort".
 *
 * Invariants: main.c's options (a file-static struct) are put back to
 * their first value before each input. Locking: none (libFuzzer's thread).
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Before gort.h: main.c's call to gort_main_opts lands in
 * cli_gort_main_opts. */
#define gort_main_opts cli_gort_main_opts
#define main gort_cli_main
int gort_cli_main(int argc, char **argv);
#include "main.c"
#undef main
#undef gort_main_opts

static jmp_buf back;
static int started;

_Noreturn void cli_gort_main_opts(int (*main_fn)(int, char **), int argc,
                                  char **argv, const gort_options *settings) {
  (void)argc;
  (void)argv;
  /* What run_main and the runtime will use must be in range. */
  if (main_fn == NULL || opts.w == NULL || opts.n < 1 ||
      opts.n > INT64_MAX / 2 || opts.procs < 0 || opts.procs > 1024 ||
      opts.gogc < -1 || settings == NULL || settings->maxprocs < 1 ||
      settings->maxprocs > 1024 || settings->gogc < -1) {
    fprintf(stderr, "fuzz_cli: options out of range: n=%lld procs=%d gogc=%d\n",
            (long long)opts.n, opts.procs, opts.gogc);
    abort();
  }
  started = 1;
  longjmp(back, 1);
}

enum { MAXARGS = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct options opts0;
  static int saved;
  if (!saved) {
    opts0 = opts;
    saved = 1;
  }
  opts = opts0;

  /* Each argument in its own allocation, so that ASan sees a read past
   * its end. */
  char *argv[MAXARGS + 2];
  int argc = 0;
  argv[argc++] = strdup("gort");
  size_t i = 0;
  while (i <= size && argc <= MAXARGS) {
    const uint8_t *nul = i < size ? memchr(data + i, 0, size - i) : NULL;
    size_t len = nul ? (size_t)(nul - (data + i)) : size - i;
    char *a = malloc(len + 1);
    memcpy(a, data + i, len);
    a[len] = 0;
    argv[argc++] = a;
    i += len + 1;
  }
  argv[argc] = NULL;

  started = 0;
  int rc = -1;
  if (setjmp(back) == 0)
    rc = gort_cli_main(argc, argv);
  if (!started && rc != 0 && rc != 2) {
    fprintf(stderr, "fuzz_cli: exit status %d\n", rc);
    abort();
  }
  for (int k = 0; k < argc; k++)
    free(argv[k]);
  return 0;
}
