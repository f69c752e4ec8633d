/*
 * peer.c - main() of every C peer program: parses `list` / `run WORKLOAD
 * [--procs N] [--n N] [--json]` as gort and the Go twin do, runs the
 * workload from the peer's table and prints its result, as one JSON line
 * with --json (workload, n, procs, wall_ms, ns_per_op, result,
 * rss_peak_bytes, extras, gc, impl, impl_version).
 */
#define _GNU_SOURCE
#include "peer.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct options {
  const struct peer_workload *w;
  int64_t n;
  int procs;
  bool json;
};

int64_t peer_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void peer_add_extra(struct peer_outcome *out, const char *key, double value,
                    bool integer) {
  if (out->nextra < PEER_MAX_EXTRA)
    out->extra[out->nextra++] = (struct peer_extra){key, value, integer};
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int64_t peer_percentile(int64_t *xs, size_t count, double p) {
  if (count == 0)
    return 0;
  qsort(xs, count, sizeof *xs, cmp_i64);
  size_t r = (size_t)ceil(p / 100.0 * (double)count);
  if (r < 1)
    r = 1;
  if (r > count)
    r = count;
  return xs[r - 1];
}

/* VmHWM from /proc/self/status, in bytes (0 if unreadable). */
static int64_t rss_peak_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return 0;
  char line[256];
  long long kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %lld kB", &kb) == 1)
      break;
  fclose(f);
  return (int64_t)kb * 1024;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: peer-%s list\n       peer-%s run WORKLOAD [--procs N] "
          "[--n N] [--json]\n",
          peer_impl, peer_impl);
}

static _Noreturn void usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "peer-%s: ", peer_impl);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  usage(stderr);
  exit(2);
}

/* Parses a decimal integer; '_' separators are allowed (1_000_000). */
static bool parse_int(const char *s, int64_t *out) {
  char buf[64];
  size_t k = 0;
  for (; *s && k + 1 < sizeof buf; s++)
    if (*s != '_')
      buf[k++] = *s;
  if (*s || k == 0)
    return false;
  buf[k] = 0;
  char *end;
  errno = 0;
  long long v = strtoll(buf, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

static const struct peer_workload *find(const char *name) {
  for (size_t i = 0; i < peer_nworkloads; i++)
    if (strcmp(peer_workloads[i].name, name) == 0)
      return &peer_workloads[i];
  return NULL;
}

/* Splits "--key=value" or takes the next argument as the value. */
static const char *flag_value(int argc, char **argv, int *i, const char *eq) {
  if (eq)
    return eq + 1;
  if (*i + 1 >= argc)
    usage_error("%s needs a value", argv[*i]);
  return argv[++*i];
}

static struct options parse_run(int argc, char **argv) {
  struct options o = {NULL, -1, (int)sysconf(_SC_NPROCESSORS_ONLN), false};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *eq = strchr(a, '=');
    size_t klen = eq ? (size_t)(eq - a) : strlen(a);
    int64_t v;
    if (strcmp(a, "--json") == 0) {
      o.json = true;
    } else if ((klen == 3 && strncmp(a, "--n", 3) == 0) ||
               (klen == 2 && strncmp(a, "-n", 2) == 0)) {
      if (!parse_int(flag_value(argc, argv, &i, eq), &v))
        usage_error("bad --n %s", a);
      o.n = v;
    } else if (klen == 7 && strncmp(a, "--procs", 7) == 0) {
      if (!parse_int(flag_value(argc, argv, &i, eq), &v) || v < 1 || v > 1024)
        usage_error("bad --procs %s", a);
      o.procs = (int)v;
    } else if (a[0] == '-' || o.w) {
      usage_error("unexpected argument \"%s\"", a);
    } else if (!(o.w = find(a))) {
      usage_error("unknown workload \"%s\" (see list)", a);
    }
  }
  if (!o.w)
    usage_error("%s", "run: missing WORKLOAD");
  if (o.n < 0)
    o.n = o.w->default_n;
  if (o.n < o.w->min_n || o.n > o.w->max_n) {
    fprintf(stderr, "peer-%s: %s: n must be in %" PRId64 "..%" PRId64 "\n",
            peer_impl, o.w->name, o.w->min_n, o.w->max_n);
    exit(2);
  }
  return o;
}

static void print_i64_or_null(const char *key, int64_t v, bool known) {
  if (known)
    printf(",\"%s\":%" PRId64, key, v);
  else
    printf(",\"%s\":null", key);
}

static void print_gc(const struct peer_gc *g) {
  printf(",\"gc\":{\"num_gc\":%" PRId64, g->num_gc);
  print_i64_or_null("pause_total_ns", g->pause_total_ns, g->pauses_known);
  print_i64_or_null("pause_max_ns", g->pause_max_ns, g->pauses_known);
  print_i64_or_null("pause_p50_ns", g->pause_p50_ns, g->pauses_known);
  printf(",\"heap_peak_bytes\":%" PRId64, g->heap_peak_bytes);
  print_i64_or_null("pauses_seen", g->pauses_seen, g->pauses_known);
  printf("}");
}

static double round3(double x) { return round(x * 1000.0) / 1000.0; }

static void print_json(const struct options *o, const struct peer_outcome *r) {
  printf("{\"workload\":\"%s\",\"n\":%" PRId64 ",\"procs\":%d", o->w->name,
         o->n, o->procs);
  printf(",\"wall_ms\":%.3f,\"ns_per_op\":%.3f", round3(r->wall_ns / 1e6),
         round3((double)r->timed_ns / (double)o->n));
  printf(",\"result\":%" PRId64 ",\"rss_peak_bytes\":%" PRId64, r->result,
         rss_peak_bytes());
  for (int i = 0; i < r->nextra; i++) {
    if (r->extra[i].integer)
      printf(",\"%s\":%.0f", r->extra[i].key, r->extra[i].value);
    else
      printf(",\"%s\":%.3f", r->extra[i].key, round3(r->extra[i].value));
  }
  if (r->has_gc)
    print_gc(&r->gc);
  printf(",\"impl\":\"%s\",\"impl_version\":\"%s\"}\n", peer_impl,
         peer_version());
}

static void print_text(const struct options *o, const struct peer_outcome *r) {
  printf("%s (%s): n=%" PRId64 " procs=%d wall=%.3f ms ns/op=%.3f "
         "result=%" PRId64 " rss_peak=%.1f MiB",
         o->w->name, peer_impl, o->n, o->procs, r->wall_ns / 1e6,
         (double)r->timed_ns / (double)o->n, r->result,
         rss_peak_bytes() / 1048576.0);
  if (r->has_gc)
    printf(" gc=%" PRId64 " pause_max=%.1f us", r->gc.num_gc,
           r->gc.pause_max_ns / 1e3);
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc == 2) {
    for (size_t i = 0; i < peer_nworkloads; i++)
      puts(peer_workloads[i].name);
    return 0;
  }
  if (argc < 2 || strcmp(argv[1], "run") != 0) {
    usage(stderr);
    return 2;
  }
  struct options o = parse_run(argc, argv);
  peer_init(o.procs);
  struct peer_outcome r = {0};
  const char *failed = o.w->run(o.n, &r);
  if (failed) {
    fprintf(stderr, "peer-%s: %s: FAILED: %s\n", peer_impl, o.w->name, failed);
    return 1;
  }
  if (o.json)
    print_json(&o, &r);
  else
    print_text(&o, &r);
  return 0;
}
