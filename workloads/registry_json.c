/*
 * registry_json.c - `gort list --json`: the workload table (registry.c) as
 * one JSON document, which the bench suite, the demo page and the tests
 * read instead of keeping tables of their own. The members are described
 * in docs/WORKLOADS.md ("The workload table").
 *
 * Invariants: the output is well-formed JSON whatever the table holds:
 * strings are escaped (quote, backslash, control characters as \uXXXX),
 * bytes that do not form UTF-8 become U+FFFD, a NULL string is null, and a
 * number that is not finite is null.
 *
 * Locking: none; it only reads the table it is given.
 */
#include <math.h>
#include <stdint.h>

#include "workloads.h"

/* Length of the well-formed UTF-8 sequence at s (1-4), or 0 when the
 * bytes there are not one (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF). */
static int utf8_sequence_len(const unsigned char *s) {
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  int len;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  for (int i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating 0 */
      return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

static void put_string(FILE *f, const char *s) {
  if (s == NULL) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
      fputc(*p++, f);
    } else if (*p < 0x20 || *p == 0x7F) {
      fprintf(f, "\\u%04x", *p++);
    } else {
      int len = utf8_sequence_len(p);
      if (len == 0) {
        fputs("\\ufffd", f);
        p++;
      } else {
        fwrite(p, 1, (size_t)len, f);
        p += len;
      }
    }
  }
  fputc('"', f);
}

static void put_number(FILE *f, double x) {
  if (isfinite(x))
    fprintf(f, "%.17g", x);
  else
    fputs("null", f);
}

/* A size of the table where 0 means "none of its own". */
static void put_size_or_null(FILE *f, int64_t n) {
  if (n > 0)
    fprintf(f, "%lld", (long long)n);
  else
    fputs("null", f);
}

static void put_figure(FILE *f, const struct workload_figure *fig) {
  if (fig == NULL) {
    fputs("null", f);
    return;
  }
  fputs("{\"name\":", f);
  put_string(f, fig->name);
  fputs(",\"field\":", f);
  put_string(f, fig->field);
  fputs(",\"scale\":", f);
  put_number(f, fig->scale);
  fputs(",\"unit\":", f);
  put_string(f, fig->unit);
  fprintf(f, ",\"better\":\"%s\"}", fig->higher_is_better ? "higher" : "lower");
}

static void put_workload(FILE *f, const struct workload *w) {
  fputs("{\"name\":", f);
  put_string(f, w->name);
  fputs(",\"summary\":", f);
  put_string(f, w->summary);
  fprintf(f, ",\"default_n\":%lld,\"max_n\":%lld,\"quick_n\":%lld",
          (long long)w->default_n, (long long)w->max_n, (long long)w->quick_n);
  fprintf(f, ",\"kind\":\"%s\",\"figure\":",
          w->kind == WORKLOAD_GC ? "gc" : "sched");
  put_figure(f, w->figure);
  /* wasm.n: the n the bench runs there (default_n unless it does not fit);
   * wasm.why: why it does not run there, or why its n is smaller. */
  bool runs = w->wasm_unsupported == NULL;
  fprintf(f, ",\"wasm\":{\"runs\":%s,\"n\":", runs ? "true" : "false");
  if (runs)
    fprintf(f, "%lld", (long long)(w->wasm_n > 0 ? w->wasm_n : w->default_n));
  else
    fputs("null", f);
  fputs(",\"why\":", f);
  put_string(f, runs ? (w->wasm_n > 0 ? w->wasm_n_why : NULL)
                     : w->wasm_unsupported);
  fputs("},\"page_n\":", f);
  put_size_or_null(f, w->page_n);
  fputc('}', f);
}

int gort_workloads_write_json(FILE *f, const struct workload *table,
                              int count) {
  fputs("{\"workloads\":[", f);
  for (int i = 0; i < count; i++) {
    fputs(i ? ",\n" : "\n", f);
    put_workload(f, &table[i]);
  }
  fputs("\n]}\n", f);
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
