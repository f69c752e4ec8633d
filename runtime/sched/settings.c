/*
 * settings.c - the start-up settings: the environment read into a
 * gort_options (gort_options_init), and the options checked and stored
 * (gort__settings_init). See settings.h for who reads which field.
 *
 * Why here, in sched/: the settings are the first step of the start-up
 * that proc.c's gort_main_opts runs (Go reads them at the top of
 * schedinit), and every subsystem started there reads its field. The
 * runtime is one package (docs/ARCHITECTURE.md); settings.c calls into
 * debug/ (GORT_DEBUG's list, the traceback flag) and asks netpoll/ for the
 * platform's poller name, nothing more.
 *
 * Messages: each variable keeps the words it had when its subsystem read
 * it (tests/native/test-list.h and tests/node/cli.test.mjs check them). A
 * malformed text is reported as it was written; a value out of range
 * given through gort_options is reported as the number, in the same
 * sentence.
 *
 * Invariants: see settings.h. Every check runs with the options'
 * traceback flag already in gort__debug, so GORT_TRACEBACK=crash makes a
 * bad setting abort as it always has.
 * Locking: none; gort_options_init touches only *opts until it dies.
 */
#include <stdlib.h>
#include <string.h>

#include "debug/debugvars.h"
#include "debug/print.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "sched/runtime2.h"
#include "sched/settings.h"

struct gort_settings gort__settings;

enum { OPTIONS_INITIALIZED = 0x74726f67 }; /* "gort" */
/* The smallest GORT_STACK_SIZE is the OS layer's (gort__os_min_stack_size:
 * 16K natively, where a smaller stack saves nothing that is committed;
 * 2K on wasm, where every byte is). */
#define MIN_STACK_SIZE gort__os_min_stack_size()

/* The largest GORT_STACK_SIZE. Go's limit for one goroutine's stack is
 * 1 GB on 64-bit systems and 250 MB on 32-bit ones (maxstacksize, set in
 * proc.go's main). Here 1 GiB, and 16 MiB on 32-bit targets (wasm32): a
 * chunk of 16 slots is reserved at once and must fit the address space
 * with room to spare (on wasm, the fixed linear memory, 4 GiB less 64 KiB
 * by default: 16 stacks of 16 MiB take a sixteenth of it). Bounding the value
 * also keeps every size stack.c computes from it from wrapping. */
#define MAX_STACK_SIZE                                                         \
  (sizeof(void *) >= 8 ? (size_t)1 << 30 : (size_t)16 << 20)
#define MAX_STACK_SIZE_TEXT (sizeof(void *) >= 8 ? "1G" : "16M")

/* ---- the messages ----------------------------------------------------------
 * Each takes the options being read or checked (their traceback flag says
 * how to die) and the value as the text it was written in, or (text NULL)
 * as the number given through gort_options. */

static _Noreturn void die(const gort_options *opts, const char *msg) {
  gort__debug.traceback_crash = opts->traceback_crash;
  gort__fatal(msg);
}

static void print_value(const char *text, int64_t num) {
  if (text != NULL)
    gort__print_str(text);
  else
    gort__print_int(num);
}

static _Noreturn void bad_maxprocs(const gort_options *opts, const char *text,
                                   int64_t num) {
  gort__print_str("runtime: GORT_MAXPROCS=");
  print_value(text, num);
  gort__print_str(" is not a number from 1 to 1024\n");
  die(opts, "runtime: bad GORT_MAXPROCS");
}

static _Noreturn void bad_stack_size(const gort_options *opts, const char *text,
                                     uint64_t num) {
  gort__print_str("runtime: GORT_STACK_SIZE=\"");
  if (text != NULL)
    gort__print_str(text);
  else
    gort__print_uint(num);
  gort__print_str("\": want a size from ");
  gort__print_uint(MIN_STACK_SIZE / 1024);
  gort__print_str("K to ");
  gort__print_str(MAX_STACK_SIZE_TEXT);
  gort__print_str(" (bytes, or a number followed by K, M or G)\n");
  die(opts, "runtime: bad GORT_STACK_SIZE");
}

static _Noreturn void bad_gogc(const gort_options *opts, const char *text) {
  gort__print_str("GORT_GOGC=");
  gort__print_str(text);
  gort__print_str("\n");
  die(opts, "malformed GORT_GOGC: want a percentage or off");
}

static _Noreturn void bad_memlimit(const gort_options *opts, const char *text,
                                   int64_t num) {
  gort__print_str("GORT_MEMLIMIT=");
  print_value(text, num);
  gort__print_str("\n");
  die(opts, "malformed GORT_MEMLIMIT; see gort_set_memory_limit in "
            "docs/API.md");
}

static _Noreturn void bad_gchandles(const gort_options *opts,
                                    const char *text) {
  gort__print_str("GORT_GCHANDLES=");
  gort__print_str(text);
  gort__print_str("\n");
  die(opts, "malformed GORT_GCHANDLES: want 0 or 1");
}

static _Noreturn void bad_gc(const gort_options *opts, const char *text) {
  gort__print_str("GORT_GC=");
  gort__print_str(text);
  gort__print_str("\n");
  die(opts, "malformed GORT_GC: want concurrent or stw");
}

static _Noreturn void bad_netpoll(const gort_options *opts, const char *text,
                                  const char *platform) {
  gort__print_str("runtime: GORT_NETPOLL=");
  gort__print_str(text);
  gort__print_str(": unknown poller (want poll or ");
  gort__print_str(platform);
  gort__print_str(")\n");
  die(opts, "bad GORT_NETPOLL");
}

/* ---- parsing the environment's text ------------------------------------- */

/* One or more decimal digits at *p, moved past them: false when there is
 * none or the number does not fit in 64 bits. */
static bool parse_digits(const char **p, uint64_t *out) {
  const char *q = *p;
  uint64_t v = 0;
  if (*q < '0' || *q > '9')
    return false;
  for (; *q >= '0' && *q <= '9'; q++) {
    uint64_t d = (uint64_t)(*q - '0');
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *p = q;
  *out = v;
  return true;
}

/* GORT_STACK_SIZE: decimal digits and at most one suffix K, M or G (either
 * case: KiB, MiB, GiB). No sign, no spaces, no other trailing characters;
 * false when the text is not such a size or the size overflows. */
static bool parse_stack_size(const char *s, size_t *out) {
  uint64_t v;
  const char *p = s;
  if (!parse_digits(&p, &v))
    return false;
  size_t mult = 1;
  switch (*p) {
  case 0:
    break;
  case 'k':
  case 'K':
    mult = (size_t)1 << 10;
    p++;
    break;
  case 'm':
  case 'M':
    mult = (size_t)1 << 20;
    p++;
    break;
  case 'g':
  case 'G':
    mult = (size_t)1 << 30;
    p++;
    break;
  default:
    return false;
  }
  if (*p != 0 || v > SIZE_MAX / mult)
    return false;
  *out = (size_t)v * mult;
  return true;
}

/* GORT_GOGC, Go's readGOGC: "off", or a decimal integer (negative: off). */
static bool parse_gogc(const char *s, int *out) {
  if (strcmp(s, "off") == 0) {
    *out = -1;
    return true;
  }
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != 0 || v > INT32_MAX || v < INT32_MIN)
    return false;
  *out = v < 0 ? -1 : (int)v;
  return true;
}

/* GORT_MEMLIMIT, Go's readGOMEMLIMIT / parseByteCount: "off", or digits
 * with an optional unit B, KiB, MiB, GiB, TiB; at most INT64_MAX. */
static bool parse_memlimit(const char *s, int64_t *out) {
  if (strcmp(s, "off") == 0) {
    *out = INT64_MAX;
    return true;
  }
  static const struct {
    const char *unit;
    int shift;
  } units[] = {{"", 0},     {"B", 0},    {"KiB", 10},
               {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
  uint64_t v;
  const char *p = s;
  if (!parse_digits(&p, &v))
    return false;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(p, units[i].unit) == 0) {
      if (v > (uint64_t)INT64_MAX >> units[i].shift)
        return false;
      *out = (int64_t)(v << units[i].shift);
      return true;
    }
  }
  return false;
}

/* The default number of Ps: the CPUs, and on a fixed thread pool (wasm)
 * room left for sysmon and an M in a blocking call. */
static int default_procs(void) {
  int n = gort__os_ncpu();
  int threads = gort__os_max_threads();
  if (threads > 0 && n > threads - 2)
    n = threads > 2 ? threads - 2 : 1;
  return n < MAX_PROCS ? n : MAX_PROCS;
}

/* A variable's value, NULL when unset or empty (both mean the default). */
static const char *env(const char *name) {
  const char *v = getenv(name);
  return v != NULL && *v != 0 ? v : NULL;
}

GORT_API void gort_options_init(gort_options *opts) {
  if (opts == NULL)
    gort__fatal("gort_options_init: nil options");
  memset(opts, 0, sizeof *opts);
  /* First, so that a bad setting below dies the way it asks. */
  const char *tb = getenv("GORT_TRACEBACK");
  opts->traceback_crash = tb != NULL && strcmp(tb, "crash") == 0;
  opts->debug = getenv("GORT_DEBUG");
  opts->netpoll = getenv("GORT_NETPOLL");

  const char *v;
  opts->maxprocs = default_procs();
  if ((v = env("GORT_MAXPROCS")) != NULL) {
    char *end;
    long n = strtol(v, &end, 10);
    if (*end != 0 || n < 1 || n > MAX_PROCS)
      bad_maxprocs(opts, v, 0);
    opts->maxprocs = (int)n;
  }
  opts->stack_size = gort__os_default_stack_size();
  if ((v = env("GORT_STACK_SIZE")) != NULL &&
      (!parse_stack_size(v, &opts->stack_size) ||
       opts->stack_size < MIN_STACK_SIZE || opts->stack_size > MAX_STACK_SIZE))
    bad_stack_size(opts, v, 0);
  opts->gogc = 100;
  if ((v = env("GORT_GOGC")) != NULL && !parse_gogc(v, &opts->gogc))
    bad_gogc(opts, v);
  opts->memory_limit = INT64_MAX;
  if ((v = env("GORT_MEMLIMIT")) != NULL &&
      !parse_memlimit(v, &opts->memory_limit))
    bad_memlimit(opts, v, 0);
  if ((v = env("GORT_GCHANDLES")) != NULL && strcmp(v, "0") != 0) {
    if (strcmp(v, "1") != 0)
      bad_gchandles(opts, v);
    opts->gc_handles = true;
  }
  if ((v = env("GORT_GC")) != NULL) {
    if (strcmp(v, "stw") != 0 && strcmp(v, "concurrent") != 0)
      bad_gc(opts, v);
    opts->gc_stop_the_world = strcmp(v, "stw") == 0;
  }
  opts->initialized = OPTIONS_INITIALIZED;
}

/* ---- checking and storing ------------------------------------------------ */

void gort__settings_init(const gort_options *opts) {
  gort_options from_env;
  if (opts == NULL) {
    gort_options_init(&from_env);
    opts = &from_env;
  }
  if (opts->initialized != OPTIONS_INITIALIZED)
    gort__fatal("gort_main_opts: options not set up by gort_options_init");
  gort__debug.traceback_crash = opts->traceback_crash;
  gort__debug_parse(opts->debug);

  if (opts->maxprocs < 1 || opts->maxprocs > MAX_PROCS)
    bad_maxprocs(opts, NULL, opts->maxprocs);
  if (opts->stack_size < MIN_STACK_SIZE || opts->stack_size > MAX_STACK_SIZE)
    bad_stack_size(opts, NULL, opts->stack_size);
  if (opts->memory_limit < 0)
    bad_memlimit(opts, NULL, opts->memory_limit);
  /* The poller starts on first use; its name is checked now. Where the
   * platform has none (wasm) there is nothing to choose from. */
  const char *platform = gort__netpoll_default_backend()->name;
  bool poll = false;
  if (strcmp(platform, "none") != 0 && opts->netpoll != NULL &&
      *opts->netpoll != 0) {
    poll = strcmp(opts->netpoll, "poll") == 0;
    if (!poll && strcmp(opts->netpoll, platform) != 0)
      bad_netpoll(opts, opts->netpoll, platform);
  }

  gort__settings = (struct gort_settings){
      .maxprocs = opts->maxprocs,
      .stack_size = opts->stack_size,
      .gogc = opts->gogc < 0 ? -1 : opts->gogc,
      .memory_limit = opts->memory_limit,
      .netpoll_poll = poll,
      .gc_handles = opts->gc_handles,
      .gc_stop_the_world = opts->gc_stop_the_world,
  };
}
