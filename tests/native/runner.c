/*
 * runner.c - runs one named test case per process: `gort_tests NAME` runs
 * test_NAME as the main goroutine under gort_main; `gort_tests --list`
 * prints "name<TAB>exit_code<TAB>where<TAB>expected text" per case.
 * Cases whose name starts with crash_ are expected to die (see
 * test-list.h); crash_outside_runtime runs without gort_main on purpose.
 * Cases named options_* and crash_options_* start through gort_main_opts
 * instead, with the options test-settings.c makes (test_options_for).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

#define X(name, code, text, where, env) int test_##name(void);
#include "test-list.h"
#undef X

struct test_case {
  const char *name;
  int (*fn)(void);
  int code;
  const char *text;
  const char *where;
};

static const struct test_case cases[] = {
#define X(name, code, text, where, env)                                        \
  {#name, test_##name, code, text, #where},
#include "test-list.h"
#undef X
};

static const struct test_case *current;

static int main_goroutine(int argc, char **argv) {
  (void)argc;
  (void)argv;
  int rc = current->fn();
  if (rc == 0)
    printf("ok %s\n", current->name);
  fflush(NULL);
  return rc;
}

int main(int argc, char **argv) {
  size_t n = sizeof cases / sizeof cases[0];
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; i++)
      printf("%s\t%d\t%s\t%s\n", cases[i].name, cases[i].code, cases[i].where,
             cases[i].text);
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: gort_tests NAME | --list\n");
    return 2;
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(cases[i].name, argv[1]) == 0) {
      current = &cases[i];
      if (strcmp(current->name, "crash_outside_runtime") == 0)
        return current->fn();
      if (strncmp(current->name, "options_", 8) == 0 ||
          strncmp(current->name, "crash_options_", 14) == 0) {
        gort_options o;
        gort_options_init(&o);
        bool pass = test_options_for(current->name, &o);
        gort_main_opts(main_goroutine, argc, argv, pass ? &o : NULL);
      }
      gort_main(main_goroutine, argc, argv);
    }
  }
  fprintf(stderr, "gort_tests: no test named %s\n", argv[1]);
  return 2;
}
