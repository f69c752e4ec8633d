/*
 * test-settings.c - the start-up settings (runtime/sched/settings.h):
 * gort_options_init fills the environment's values, gort_main_opts takes
 * a program's overrides over them, and a bad field dies with its
 * variable's message, as the variable does.
 *
 * The runner (runner.c) starts the cases named options_* and
 * crash_options_* through gort_main_opts with the options
 * test_options_for makes for the case (the environment's, from
 * gort_options_init, with the case's overrides); every other case starts
 * through gort_main. test-list.h's env field gives the environment each
 * case overrides.
 *
 * Invariants: test_options_for runs before the runtime starts, on the
 * process's first thread. Locking: none.
 */
#include <stdint.h>
#include <string.h>

#include "debug/debugvars.h"
#include "debug/handle.h"
#include "sched/settings.h"
#include "test.h"

/* The overrides of each case; false: pass NULL (the environment's). */
bool test_options_for(const char *name, gort_options *o) {
  if (strcmp(name, "options_override_env") == 0) {
    /* GORT_MAXPROCS=3 in the environment; the program says 2. */
    o->maxprocs = 2;
  } else if (strcmp(name, "options_gogc_override_env") == 0) {
    /* GORT_GOGC=off in the environment; the program says 50. */
    o->gogc = 50;
  } else if (strcmp(name, "options_all_fields") == 0) {
    o->maxprocs = 3;
    o->stack_size = 192 * 1024;
    o->gogc = -5; /* negative: off, as "off" */
    o->memory_limit = (int64_t)64 << 20;
    o->debug = "gctrace=0,gcverify=1";
    o->gc_handles = true;
    o->traceback_crash = true;
  } else if (strcmp(name, "options_netpoll_poll") == 0) {
    o->netpoll = "poll";
  } else if (strcmp(name, "options_null_is_env") == 0) {
    return false;
  } else if (strcmp(name, "crash_options_bad_maxprocs") == 0) {
    o->maxprocs = 0;
  } else if (strcmp(name, "crash_options_maxprocs_above") == 0) {
    o->maxprocs = 1025;
  } else if (strcmp(name, "crash_options_bad_stack_size") == 0) {
    o->stack_size = 1024;
  } else if (strcmp(name, "crash_options_stack_size_above") == 0) {
    o->stack_size = SIZE_MAX;
  } else if (strcmp(name, "crash_options_bad_memlimit") == 0) {
    o->memory_limit = -1;
  } else if (strcmp(name, "crash_options_bad_netpoll") == 0) {
    o->netpoll = "kqueue";
  } else if (strcmp(name, "crash_options_not_initialized") == 0) {
    memset(o, 0, sizeof *o);
    o->maxprocs = 2;
    o->stack_size = 64 * 1024;
  }
  return true;
}

/* The environment's GORT_MAXPROCS=3 gave way to the program's 2. */
TEST_IMPL(options_override_env) {
  CHECK_EQ(gort_maxprocs(), 2);
  return 0;
}

/* The environment's GORT_GOGC=off gave way to the program's 50. */
TEST_IMPL(options_gogc_override_env) {
  CHECK_EQ(gort_set_gc_percent(50), 50);
  return 0;
}

/* Every field reaches the subsystem that reads it. */
TEST_IMPL(options_all_fields) {
  CHECK_EQ(gort_maxprocs(), 3);
  CHECK_EQ(gort_stack_size(), 192 * 1024);
  CHECK_EQ(gort_set_gc_percent(-1), -1);
  /* GORT_MEMLIMIT=1GiB in the environment gave way to 64 MiB. */
  CHECK_EQ(gort_set_memory_limit(-1), (int64_t)64 << 20);
  CHECK_EQ(gort__debug.gcverify, 1);
  CHECK(gort__gc_handles_on());
  CHECK(gort__debug.traceback_crash);
  return 0;
}

/* The poller the options name is the one that starts. */
TEST_IMPL(options_netpoll_poll) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  struct gort_netpoll_stats s;
  CHECK_EQ(gort_netpoll_stats(&s), 0);
  CHECK(strcmp(s.backend, "poll") == 0);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}

/* gort_main_opts(..., NULL) is gort_main: GORT_MAXPROCS=3 holds. */
TEST_IMPL(options_null_is_env) {
  CHECK_EQ(gort_maxprocs(), 3);
  return 0;
}

/* The defaults come from the environment: GORT_STACK_SIZE=192K. */
TEST_IMPL(options_init_reads_env) {
  gort_options o;
  gort_options_init(&o);
  CHECK_EQ(o.stack_size, 192 * 1024);
  CHECK_EQ(o.gogc, 100);
  CHECK_EQ(o.memory_limit, INT64_MAX);
  CHECK(o.maxprocs >= 1 && o.maxprocs <= 1024);
  CHECK(!o.gc_handles && !o.traceback_crash);
  CHECK(o.netpoll == NULL || *o.netpoll == 0);
  return 0;
}

/* Each dies in gort_main_opts before the case runs. */
TEST_IMPL(crash_options_bad_maxprocs) { return 1; }
TEST_IMPL(crash_options_maxprocs_above) { return 1; }
TEST_IMPL(crash_options_bad_stack_size) { return 1; }
TEST_IMPL(crash_options_stack_size_above) { return 1; }
TEST_IMPL(crash_options_bad_memlimit) { return 1; }
TEST_IMPL(crash_options_bad_netpoll) { return 1; }
TEST_IMPL(crash_options_not_initialized) { return 1; }

/* A bad environment variable dies in gort_options_init, with its
 * message, whoever calls it (here a program reading it again). */
TEST_IMPL(crash_options_init_bad_env) {
  setenv("GORT_GOGC", "lots", 1);
  gort_options o;
  gort_options_init(&o);
  return 1;
}

TEST_IMPL(crash_options_init_nil) {
  gort_options_init(NULL);
  return 1;
}

/* GORT_NETPOLL is checked at start, not when the poller first starts:
 * this program never touches the network. */
TEST_IMPL(crash_bad_netpoll_env) { return 1; }
