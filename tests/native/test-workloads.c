/*
 * test-workloads.c - the workload table (workloads/registry.c) and its
 * JSON form (`gort list --json`, workloads/registry_json.c): the table
 * keeps its invariants, and the JSON stays well-formed whatever a table
 * holds (quotes, backslashes, control characters, bytes that are not
 * UTF-8, a NULL string, a scale that is not finite). tests/node/
 * workloads.test.mjs parses the real table's output and runs every
 * workload at its quick_n.
 */
#include <math.h>
#include <string.h>

#include "test.h"
#include "workloads.h"

static void no_op_workload(int64_t n, struct workload_result *r) {
  r->n = n;
  r->ok = true;
}

/* Writes table's JSON into buf (NUL-terminated); returns its length. */
static size_t json_of(const struct workload *table, int count, char *buf,
                      size_t size) {
  FILE *f = tmpfile();
  CHECK(f != NULL);
  CHECK_EQ(gort_workloads_write_json(f, table, count), 0);
  rewind(f);
  size_t len = fread(buf, 1, size - 1, f);
  CHECK(len < size - 1); /* it all fit */
  buf[len] = 0;
  fclose(f);
  return len;
}

TEST_IMPL(workloads_table_invariants) {
  CHECK(gort_workload_count > 0);
  for (int i = 0; i < gort_workload_count; i++) {
    const struct workload *w = &gort_workloads[i];
    CHECK(w->name != NULL && w->name[0] != 0 && w->summary != NULL);
    CHECK(w->run != NULL && w->figure != NULL);
    CHECK(gort_workload_find(w->name) == w); /* names are unique */
    CHECK(w->default_n >= 1 && w->default_n <= w->max_n);
    CHECK(w->quick_n >= 1 && w->quick_n <= w->default_n);
    CHECK(w->wasm_n >= 0 && w->wasm_n <= w->max_n);
    CHECK(w->page_n >= 0 && w->page_n <= w->max_n);
    CHECK((w->wasm_n > 0) == (w->wasm_n_why != NULL));
    CHECK(w->wasm_unsupported == NULL || w->wasm_n == 0);
  }
  CHECK(gort_workload_find("no such workload") == NULL);
  return 0;
}

TEST_IMPL(workloads_json_escapes_anything) {
  static const struct workload_figure odd_figure = {
      "odd \"figure\"", "a.b", INFINITY, "\xc2\xb5s \\ \x7f", true};
  static const struct workload table[] = {
      {.name = "quote\"back\\slash",
       .default_n = 5,
       .max_n = 10,
       .summary = "line\nbreak\ttab\x01"
                  "ctl \xff bad \xc0\xaf overlong "
                  "\xed\xa0\x80 surrogate \xe2\x82 cut \xf0\x9f\x98\x80 ok",
       .run = no_op_workload,
       .kind = WORKLOAD_GC,
       .figure = &odd_figure,
       .quick_n = 1,
       .wasm_unsupported = "why\r\n",
       .page_n = 3},
      {.name = "plain",
       .default_n = 7,
       .max_n = 7,
       .summary = NULL,
       .run = no_op_workload,
       .figure = NULL,
       .quick_n = 2,
       .wasm_n = 4,
       .wasm_n_why = "small"},
  };
  static char buf[4096];
  json_of(table, 2, buf, sizeof buf);
  /* No raw control character but the line breaks between workloads. */
  for (const char *p = buf; *p; p++)
    CHECK((unsigned char)*p >= 0x20 || *p == '\n');
  CHECK(strstr(buf, "\"name\":\"quote\\\"back\\\\slash\"") != NULL);
  CHECK(strstr(buf, "\"summary\":\"line\\u000abreak\\u0009tab\\u0001ctl "
                    "\\ufffd bad \\ufffd\\ufffd overlong "
                    "\\ufffd\\ufffd\\ufffd surrogate \\ufffd\\ufffd cut "
                    "\xf0\x9f\x98\x80 ok\"") != NULL);
  CHECK(strstr(buf, "\"figure\":{\"name\":\"odd \\\"figure\\\"\","
                    "\"field\":\"a.b\",\"scale\":null,"
                    "\"unit\":\"\xc2\xb5s \\\\ \\u007f\",\"better\":"
                    "\"higher\"}") != NULL);
  CHECK(strstr(buf, "\"kind\":\"gc\"") != NULL);
  CHECK(strstr(buf, "\"wasm\":{\"runs\":false,\"n\":null,"
                    "\"why\":\"why\\u000d\\u000a\"},\"page_n\":3}") != NULL);
  CHECK(strstr(buf, "{\"name\":\"plain\",\"summary\":null,\"default_n\":7,"
                    "\"max_n\":7,\"quick_n\":2,\"kind\":\"sched\","
                    "\"figure\":null,\"wasm\":{\"runs\":true,\"n\":4,"
                    "\"why\":\"small\"},\"page_n\":null}") != NULL);
  CHECK(strncmp(buf, "{\"workloads\":[\n{", 16) == 0);
  CHECK(strcmp(buf + strlen(buf) - 4, "}\n]}") == 0 ||
        strcmp(buf + strlen(buf) - 5, "}\n]}\n") == 0);
  /* An empty table is an empty array. */
  json_of(table, 0, buf, sizeof buf);
  CHECK(strcmp(buf, "{\"workloads\":[\n]}\n") == 0);
  return 0;
}
