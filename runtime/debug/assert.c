/*
 * assert.c - the failure path of debug/assert.h's checks: Go's throw with
 * the failed expression and where it is, built without allocating (the
 * check may fail with the heap broken or a runtime lock held).
 *
 * Invariants: never returns; the message is cut, not overflowed, if the
 * expression is long.
 * Locking: none (debug/print.h's fatal path).
 */
#include "debug/assert.h"
#include "debug/print.h"

/* line in decimal at the end of buf (size bytes); returns the start. */
static const char *decimal(char *buf, size_t size, int line) {
  size_t i = size - 1;
  buf[i] = 0;
  unsigned v = line < 0 ? 0u : (unsigned)line;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0 && i > 0);
  return buf + i;
}

_Noreturn void gort__assert_fail(const char *expr, const char *file, int line) {
  char msg[512];
  char num[16];
  size_t len = 0;
  msg[0] = 0;
  gort__msg_cat(msg, sizeof msg, &len, "runtime: assertion failed: ");
  gort__msg_cat(msg, sizeof msg, &len, expr);
  gort__msg_cat(msg, sizeof msg, &len, " (");
  gort__msg_cat(msg, sizeof msg, &len, file);
  gort__msg_cat(msg, sizeof msg, &len, ":");
  gort__msg_cat(msg, sizeof msg, &len, decimal(num, sizeof num, line));
  gort__msg_cat(msg, sizeof msg, &len, ")");
  gort__throw(msg);
}
