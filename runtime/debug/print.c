/*
 * print.c - allocation-free printing to stderr and the fatal exits.
 *
 * Invariants: nothing here allocates, locks, or returns from a fatal path.
 * Locking: none; concurrent prints may interleave, as Go's do. A second
 * fatal error while one is being reported: on the reporting thread it
 * exits at once; on another thread it waits (up to 5 s) for the report to
 * end the process, as Go's startpanic_m waits on paniclk (panic.go), so
 * two threads failing together do not cut the report short.
 */
#include "atomic/atomic.h"
#include <stdlib.h>
#include <string.h>

#include "debug/debugvars.h"
#include "debug/print.h"
#include "debug/traceback.h"
#include "os/os.h"

static _Atomic int dying;
static _Thread_local int dying_here; /* this thread is reporting */

void gort__print_str(const char *s) { gort__os_write_err(s, strlen(s)); }

void gort__print_uint(uint64_t v) {
  char buf[24];
  int i = sizeof buf;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  gort__os_write_err(buf + i, sizeof buf - (size_t)i);
}

void gort__print_int(int64_t v) {
  if (v < 0) {
    gort__os_write_err("-", 1);
    gort__print_uint((uint64_t)0 - (uint64_t)v);
    return;
  }
  gort__print_uint((uint64_t)v);
}

void gort__print_hex(uint64_t v) {
  char buf[18];
  int i = sizeof buf;
  do {
    buf[--i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v != 0);
  buf[--i] = 'x';
  buf[--i] = '0';
  gort__os_write_err(buf + i, sizeof buf - (size_t)i);
}

void gort__die_begin(const char *prefix, const char *msg) {
  if (gort__atomic_exchange_seq_cst(&dying, 1)) {
    if (!dying_here) /* another thread reports: let it finish */
      for (int i = 0; i < 5000; i++)
        gort__os_usleep(1000);
    gort__os_exit(2); /* fatal while reporting a fatal: stop now */
  }
  dying_here = 1;
  gort__print_str(prefix);
  gort__print_str(msg);
  gort__print_str("\n");
}

_Noreturn void gort__die_end(void) {
  gort__traceback_all();
  if (gort__debug.traceback_crash)
    abort(); /* GORT_TRACEBACK=crash: a core dump, or a fuzzer's report */
  gort__os_exit(2);
}

static _Noreturn void die(const char *prefix, const char *msg) {
  gort__die_begin(prefix, msg);
  gort__die_end();
}

_Noreturn void gort__throw(const char *msg) { die("fatal error: ", msg); }
_Noreturn void gort__fatal(const char *msg) { die("fatal error: ", msg); }
_Noreturn void gort__panic(const char *msg) { die("panic: ", msg); }

void gort__msg_cat(char *buf, size_t size, size_t *len, const char *src) {
  while (*src && *len + 1 < size)
    buf[(*len)++] = *src++;
  buf[*len] = 0;
}
