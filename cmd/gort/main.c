/*
 * main.c - the gort command line: runs the named workloads.
 *
 *   gort list
 *   gort run WORKLOAD [--procs N] [--n N] [--gogc N] [--json]
 *
 * With --json, `run` prints exactly one JSON line with at least: workload,
 * n, procs, wall_ms, ns_per_op, result, rss_peak_bytes (WORKLOADS.md).
 * Exit status: 0 on success, 1 when the workload's result is wrong, 2 on a
 * usage error (and 2 for any fatal runtime error, as Go).
 *
 * The same program is compiled to wasm; the web page runs it with the same
 * arguments.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workloads/workloads.h"
#include "gort.h"

struct options {
  const struct workload *w;
  int64_t n;
  int procs; /* 0: not given */
  int gogc;  /* -1: not given */
  bool json;
};

static struct options opts = {NULL, 0, 0, -1, false};

static void usage(FILE *f) {
  fprintf(f, "usage: gort list\n"
             "       gort run WORKLOAD [--procs N] [--n N] [--gogc N] "
             "[--json]\n"
             "       gort version\n");
}

static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    return false;
  *out = v;
  return true;
}

static int parse_run_args(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "gort run: missing WORKLOAD\n");
    usage(stderr);
    return 2;
  }
  opts.w = gort_workload_find(argv[2]);
  if (opts.w == NULL) {
    fprintf(stderr, "gort run: unknown workload \"%s\" (see gort list)\n",
            argv[2]);
    return 2;
  }
  opts.n = opts.w->default_n;
  for (int i = 3; i < argc; i++) {
    const char *a = argv[i];
    int64_t v;
    if (strcmp(a, "--json") == 0) {
      opts.json = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "gort run: %s needs a value\n", a);
      return 2;
    }
    const char *val = argv[++i];
    if (strcmp(a, "--n") == 0 && parse_int(val, 1, INT64_MAX / 2, &v))
      opts.n = v;
    else if (strcmp(a, "--procs") == 0 && parse_int(val, 1, 1024, &v))
      opts.procs = (int)v;
    else if (strcmp(a, "--gogc") == 0 && parse_int(val, -1, 1000000, &v))
      opts.gogc = (int)v;
    else {
      fprintf(stderr, "gort run: bad option %s %s\n", a, val);
      return 2;
    }
  }
  return 0;
}

static int run_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  struct workload_result r = {0};
  opts.w->run(opts.n, &r);
  if (!r.ok) {
    fprintf(stderr, "gort run %s: wrong result %lld: %s\n", opts.w->name,
            (long long)r.result, r.error ? r.error : "check failed");
    return 1;
  }
  int procs = gort_maxprocs();
  struct gort_sched_stats st;
  gort_sched_stats(&st);
  double wall_ms = (double)r.wall_ns / 1e6;
  int64_t timed_ns = r.timed_ns ? r.timed_ns : r.wall_ns;
  double ns_per_op = r.n > 0 ? (double)timed_ns / (double)r.n : 0;
  if (opts.json) {
    printf("{\"workload\":\"%s\",\"n\":%lld,\"procs\":%d,\"wall_ms\":%.3f,"
           "\"ns_per_op\":%.3f,\"result\":%lld,\"rss_peak_bytes\":%llu,"
           "\"stack_bytes\":%zu,\"sched\":{\"steals\":%llu,"
           "\"goroutines_peak\":%lld,\"threads\":%d}%s%s}\n",
           opts.w->name, (long long)r.n, procs, wall_ms, ns_per_op,
           (long long)r.result, (unsigned long long)gort_rss_peak_bytes(),
           gort_stack_size(), (unsigned long long)st.steals,
           (long long)st.goroutines_peak, st.threads, r.extra[0] ? "," : "",
           r.extra);
  } else {
    printf("%s: n=%lld procs=%d wall=%.3f ms %.1f ns/op result=%lld\n",
           opts.w->name, (long long)r.n, procs, wall_ms, ns_per_op,
           (long long)r.result);
  }
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "list") == 0) {
    for (int i = 0; i < gort_workload_count; i++)
      printf("%s\n", gort_workloads[i].name);
    return 0;
  }
  if (strcmp(argv[1], "version") == 0) {
    printf("gort %s\n", gort_version());
    return 0;
  }
  if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "gort: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
  }
  int rc = parse_run_args(argc, argv);
  if (rc != 0)
    return rc;
  if (opts.procs > 0) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", opts.procs);
    setenv("GORT_MAXPROCS", buf, 1);
  }
  gort_main(run_main, argc, argv);
}
