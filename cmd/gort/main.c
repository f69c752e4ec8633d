/*
 * main.c - the gort command line: runs the named workloads.
 *
 *   gort list [--json]
 *   gort run WORKLOAD [--procs N] [--n N] [--gogc N|off] [--json]
 *
 * With --json, `run` prints exactly one JSON line with at least: workload,
 * n, procs, wall_ms, ns_per_op, result, rss_peak_bytes (WORKLOADS.md).
 *
 * `list` prints one workload name a line; `list --json` prints the whole
 * workload table (registry.c) as one JSON document, which the bench suite,
 * the web page and the tests read (docs/WORKLOADS.md).
 *
 * Flags are --name value or --name=value (one dash works too, as in Go).
 * Every value is checked as Go's flag package checks an int flag (decimal,
 * optional sign, nothing after it, within int64), then against its range:
 * --n from 1 to the workload's max_n (workloads.h), --procs 1 to 1024,
 * --gogc -1 (or off) to 1000000. A bad one prints `gort run: invalid value
 * "x" for flag --n: parse error` (or the range) and the usage, and exits 2.
 *
 * --procs and --gogc go to the runtime as settings (gort_options, over
 * the environment's: gort_options_init): --procs N is GORT_MAXPROCS=N and
 * --gogc is GORT_GOGC for the run, from the start. Without them the
 * environment's values stay (GORT_MAXPROCS, else the CPUs; GORT_GOGC,
 * else 100). The JSON line carries "gogc", the percent in effect (-1:
 * off), as the Go twin's does.
 *
 * Exit status: 0 on success, 1 when the workload's result is wrong, 2 on a
 * usage error (and 2 for any fatal runtime error, as Go).
 *
 * The same program is compiled to wasm; the web page runs it with the same
 * arguments.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gort.h"
#include "workloads.h"

struct options {
  const struct workload *w;
  int64_t n;
  int procs; /* 0: not given */
  int gogc;  /* --gogc's percent, -1 for off; used when gogc_given; at
                the start, the percent in effect */
  bool json;
  bool gogc_given;
};

static struct options opts = {NULL, 0, 0, -1, false, false};

static void usage(FILE *f) {
  fprintf(f, "usage: gort list [--json]\n"
             "       gort run WORKLOAD [--procs N] [--n N] [--gogc N|off] "
             "[--json]\n"
             "       gort version\n");
}

/* parse_int64 reads a decimal integer as Go's strconv.ParseInt(s, 10, 64)
 * does: an optional sign, then digits, nothing else (no spaces, no
 * suffix). It returns NULL on success, or the reason in Go's words. */
static const char *parse_int64(const char *s, int64_t *out) {
  const char *p = s;
  bool neg = *p == '-';
  if (*p == '-' || *p == '+')
    p++;
  if (*p == 0)
    return "parse error";
  uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  bool range = false;
  for (; *p; p++) {
    if (*p < '0' || *p > '9')
      return "parse error";
    unsigned d = (unsigned)(*p - '0');
    if (v > (limit - d) / 10)
      range = true; /* keep going: "1e99x" is a parse error first */
    else
      v = v * 10 + d;
  }
  if (range)
    return "value out of range";
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return NULL;
}

/* A flag's value, checked like Go's flag package checks it (flag.go,
 * FlagSet.parseOne: `invalid value "x" for flag -n: parse error`), then
 * against the flag's range. Prints the error and returns false. */
static bool flag_value(const char *flag, const char *val, int64_t min,
                       int64_t max, const char *range, int64_t *out) {
  int64_t v;
  const char *why = parse_int64(val, &v);
  if (why == NULL && (v < min || v > max))
    why = range;
  if (why != NULL) {
    fprintf(stderr, "gort run: invalid value \"%s\" for flag %s: %s\n", val,
            flag, why);
    return false;
  }
  *out = v;
  return true;
}

static int usage_error(void) {
  usage(stderr);
  return 2;
}

static int parse_run_args(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "gort run: missing WORKLOAD\n");
    return usage_error();
  }
  opts.w = gort_workload_find(argv[2]);
  if (opts.w == NULL) {
    fprintf(stderr, "gort run: unknown workload \"%s\" (see gort list)\n",
            argv[2]);
    return 2;
  }
  opts.n = opts.w->default_n;
  char n_range[96];
  snprintf(n_range, sizeof n_range, "%s takes n from 1 to %lld", opts.w->name,
           (long long)opts.w->max_n);
  for (int i = 3; i < argc; i++) {
    /* -flag or --flag, then " value" or "=value", as Go's flag package
     * takes them; messages name the flag as --flag. */
    char name[16] = "--";
    const char *a = argv[i], *val = NULL;
    if (a[0] != '-' || a[1] == 0) {
      fprintf(stderr, "gort run: unexpected argument \"%s\"\n", a);
      return usage_error();
    }
    const char *flag = a + (a[1] == '-' ? 2 : 1), *eq = strchr(flag, '=');
    size_t len = eq ? (size_t)(eq - flag) : strlen(flag);
    if (len == 0 || len >= sizeof name - 2) {
      fprintf(stderr, "gort run: flag provided but not defined: %s\n", a);
      return usage_error();
    }
    memcpy(name + 2, flag, len);
    name[len + 2] = 0;
    if (strcmp(name, "--json") == 0) {
      if (eq) {
        fprintf(stderr, "gort run: flag --json takes no value\n");
        return usage_error();
      }
      opts.json = true;
      continue;
    }
    if (strcmp(name, "--n") != 0 && strcmp(name, "--procs") != 0 &&
        strcmp(name, "--gogc") != 0) {
      fprintf(stderr, "gort run: flag provided but not defined: %s\n", name);
      return usage_error();
    }
    if (eq)
      val = eq + 1;
    else if (i + 1 < argc)
      val = argv[++i];
    else {
      fprintf(stderr, "gort run: flag needs an argument: %s\n", name);
      return usage_error();
    }
    int64_t v;
    if (strcmp(name, "--n") == 0) {
      if (!flag_value(name, val, 1, opts.w->max_n, n_range, &v))
        return usage_error();
      opts.n = v;
    } else if (strcmp(name, "--procs") == 0) {
      if (!flag_value(name, val, 1, 1024, "want 1 to 1024", &v))
        return usage_error();
      opts.procs = (int)v;
    } else {
      if (strcmp(val, "off") == 0)
        v = -1;
      else if (!flag_value(name, val, -1, 1000000, "want -1 (off) to 1000000",
                           &v))
        return usage_error();
      opts.gogc = (int)v;
      opts.gogc_given = true;
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
           "\"goroutines_peak\":%lld,\"threads\":%d}%s%s,\"gogc\":%d",
           opts.w->name, (long long)r.n, procs, wall_ms, ns_per_op,
           (long long)r.result, (unsigned long long)gort_rss_peak_bytes(),
           gort_stack_size(), (unsigned long long)st.steals,
           (long long)st.goroutines_peak, st.threads, r.extra[0] ? "," : "",
           r.extra, opts.gogc);
    size_t deepest = gort_stack_deepest_bytes();
    if (deepest != 0)
      printf(",\"stack_deepest_bytes\":%zu", deepest);
    printf("}\n");
  } else {
    printf("%s: n=%lld procs=%d wall=%.3f ms %.1f ns/op result=%lld\n",
           opts.w->name, (long long)r.n, procs, wall_ms, ns_per_op,
           (long long)r.result);
  }
  fflush(stdout);
  return 0;
}

/* `gort list [--json]`: no goroutine needed, the table is constant. */
static int list_main(int argc, char **argv) {
  bool json = argc >= 3 &&
              (strcmp(argv[2], "--json") == 0 || strcmp(argv[2], "-json") == 0);
  int first_extra = json ? 3 : 2;
  if (argc > first_extra) {
    fprintf(stderr, "gort list: unexpected argument \"%s\"\n",
            argv[first_extra]);
    return usage_error();
  }
  if (json)
    return gort_workloads_write_json(stdout, gort_workloads,
                                     gort_workload_count) == 0
               ? 0
               : 1;
  for (int i = 0; i < gort_workload_count; i++)
    printf("%s\n", gort_workloads[i].name);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "list") == 0)
    return list_main(argc, argv);
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
  gort_options settings;
  gort_options_init(&settings); /* the environment, then the flags */
  if (opts.procs > 0)
    settings.maxprocs = opts.procs;
  if (opts.gogc_given)
    settings.gogc = opts.gogc;
  opts.gogc = settings.gogc < 0 ? -1 : settings.gogc;
  gort_main_opts(run_main, argc, argv, &settings);
}
