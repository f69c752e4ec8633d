/*
 * debugvars.c - parsing GORT_DEBUG's list (see debugvars.h); the
 * variable itself is read with the other settings (sched/settings.c).
 *
 * Invariants: runs once, on the thread that called gort_main, before any
 * other M exists. Locking: none needed (see above).
 */
#include <stdlib.h>
#include <string.h>

#include "debug/debugvars.h"
#include "debug/print.h"
#include "os/os.h"

struct gort_debugvars gort__debug = {
    .schedsample = 10,
    .lazywake = -1,
    .gcverify = -1, /* unset: on only in a GORT_DEBUG_LEVEL=3 build */
    /* Fault injection, threads/stacks/arenas: off. */
    .failthreadcreate = -1,
    .failstackalloc = -1,
    .failarenaalloc = -1,
};

static const struct {
  const char *name;
  int64_t *i64;
  int32_t *i32;
} vars[] = {
    {"schedtrace", &gort__debug.schedtrace, NULL},
    {"scheddetail", NULL, &gort__debug.scheddetail},
    {"schedsample", &gort__debug.schedsample, NULL},
    {"heapmap", &gort__debug.heapmap, NULL},
    {"asyncpreemptoff", NULL, &gort__debug.asyncpreemptoff},
    {"gctrace", NULL, &gort__debug.gctrace},
    {"gcverify", NULL, &gort__debug.gcverify},
    {"gccheckmark", NULL, &gort__debug.gccheckmark},
    {"gcstoptheworld", NULL, &gort__debug.gcstoptheworld},
    {"wbbroken", NULL, &gort__debug.wbbroken},
    {"stackdepth", NULL, &gort__debug.stackdepth},
    {"lazywake", NULL, &gort__debug.lazywake},
    {"mwakedelay", &gort__debug.mwakedelay, NULL},
    /* Fault injection, threads/stacks/arenas (os/os_fault.c). */
    {"failthreadcreate", &gort__debug.failthreadcreate, NULL},
    {"failstackalloc", &gort__debug.failstackalloc, NULL},
    {"failarenaalloc", &gort__debug.failarenaalloc, NULL},
    /* ---- network fault injection (runtime/netpoll/netfault.c) -------- */
    {"neteagain", &gort__debug.neteagain, NULL},
    {"neteintr", &gort__debug.neteintr, NULL},
    {"netshortwrite", &gort__debug.netshortwrite, NULL},
    {"netemfile", &gort__debug.netemfile, NULL},
    {"netopenfail", &gort__debug.netopenfail, NULL},
    {"netwaitfail", &gort__debug.netwaitfail, NULL},
    {"netinitfail", &gort__debug.netinitfail, NULL},
    {"netfaultseed", &gort__debug.netfaultseed, NULL},
};

static void set_var(const char *item, size_t len) {
  const char *eq = memchr(item, '=', len);
  if (eq == NULL)
    return;
  size_t nlen = (size_t)(eq - item);
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    if (strlen(vars[i].name) == nlen && memcmp(vars[i].name, item, nlen) == 0) {
      long long v = strtoll(eq + 1, NULL, 10);
      if (vars[i].i64)
        *vars[i].i64 = v;
      else
        *vars[i].i32 = (int32_t)v;
      return;
    }
  }
  gort__print_str("gort: unknown GORT_DEBUG setting ");
  gort__os_write_err(item, len);
  gort__print_str(" (ignored)\n");
}

void gort__debug_parse(const char *list) {
  if (list == NULL)
    return;
  while (*list) {
    size_t len = strcspn(list, ",");
    if (len > 0)
      set_var(list, len);
    list += len;
    if (*list == ',')
      list++;
  }
  /* Fault injection, threads/stacks/arenas: hand the limits to the OS
   * layer, which fails the requests themselves. */
  gort__os_fail_after(OS_REQ_THREAD, gort__debug.failthreadcreate);
  gort__os_fail_after(OS_REQ_STACK, gort__debug.failstackalloc);
  gort__os_fail_after(OS_REQ_ARENA, gort__debug.failarenaalloc);
}
