/*
 * fuzz_timers.c - sequences of timer operations (new, AfterFunc, stop,
 * reset, free, receive, wait, sleep) on up to four timers at once, checked
 * against a model of Go's timers (time/sleep.go; pre-1.23 channels: Stop
 * does not drain, a value finding the channel full is dropped).
 *
 * Real time, no fake clock, so the model only asserts what holds whatever
 * the timing. Each arming (new or reset) opens an epoch with a lower bound
 * lo = (clock read just before the call) + max(d, 0), long (1 h: never
 * fires during a run) or short (at most 2 ms). An epoch is pending until
 * the model learns its fate: Stop or Reset returning true cancels it,
 * returning false or a delivery (a value received, a callback run) says it
 * fired; Free leaves a short one unknown. Checked:
 *   - Stop/Reset return false when nothing can be pending (never armed,
 *     stopped, or known to have fired) and true for a pending long timer;
 *   - every delivery belongs to an epoch that may have fired (not
 *     cancelled, not long, not already delivered): a stopped timer never
 *     fires, a firing delivers at most once, a freed long timer never
 *     fires; deliveries are matched to epochs oldest first, which can only
 *     make the check weaker, never wrong (values are FIFO; the k-th
 *     callback to run started after the k-th firing);
 *   - nothing fires early: a channel's value (the firing time) and a
 *     callback's start are at or after their epoch's lo;
 *   - liveness: a blocking receive on a pending short timer armed with
 *     nothing older undelivered (else its value may have been dropped)
 *     returns within 10 s, and so does the wait for a
 *     pending short AfterFunc; every AfterFunc known to have fired runs;
 *   - gort_sleep sleeps at least as asked.
 * A double free is never generated (it is a fatal error by design).
 *
 * Invariants: inputs run one at a time on the main goroutine; callbacks
 * of older inputs are told apart by an input number and ignored. Locking:
 * log_mu guards the callback log.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gort.h"

enum {
  NSLOT = 4,
  MAXOPS = 32,
  MAXINST = MAXOPS,
  MAXEP = MAXOPS + 1,
  MAXLOG = 256
};

#define MS 1000000ll
#define LONG_NS (3600 * 1000 * MS)
static const int64_t durations[8] = {-MS,    0,  1,      50000,
                                     500000, MS, 2 * MS, LONG_NS};

enum { EP_PENDING, EP_CANCELLED, EP_FIRED, EP_MAYBE };

struct epoch {
  int64_t lo;
  bool long_;
  uint8_t st;
  bool delivered;
  /* Armed with nothing older undelivered: its value cannot find the
   * channel full (a stale value, pre-1.23 Go, drops the new one). */
  bool clean;
};

struct inst {
  bool afterfunc;
  bool live;
  gort_timer *t;
  int nep;
  struct epoch ep[MAXEP];
};

static struct inst insts[MAXINST];
static int ninst;
static int slot_inst[NSLOT]; /* -1: empty */

/* ---- the callback log ------------------------------------------------------
 */

static gort_mutex log_mu = GORT_MUTEX_INIT;
static struct logent {
  int inst;
  int64_t ts;
} cblog[MAXLOG];
static int nlog, nlog_seen;
static _Atomic int64_t input_no;

static void callback(void *arg) {
  uintptr_t a = (uintptr_t)arg;
  int64_t no = (int64_t)(a >> 8);
  gort_mutex_lock(&log_mu);
  /* The clock is read under the lock: the log is in time order. */
  int64_t ts = gort_nanotime();
  if (no == atomic_load(&input_no) && nlog < MAXLOG)
    cblog[nlog++] = (struct logent){(int)(a & 0xff), ts};
  gort_mutex_unlock(&log_mu);
}

/* ---- checks ----------------------------------------------------------------
 */

static char trace[8192];
static size_t tracelen;

static void note(const char *fmt, long long a, long long b, long long c) {
  if (tracelen < sizeof trace - 128)
    tracelen += (size_t)snprintf(trace + tracelen, sizeof trace - tracelen, fmt,
                                 a, b, c);
}

static _Noreturn void fail(const char *why) {
  fprintf(stderr, "\nfuzz_timers: %s\noperations (inst, args):\n%s", why,
          trace);
  abort();
}

static struct epoch *current(struct inst *in) {
  return in->nep ? &in->ep[in->nep - 1] : NULL;
}

/* Stop or Reset returned r: resolve the current epoch. */
static void resolve(struct inst *in, bool r) {
  struct epoch *e = current(in);
  if (e == NULL || e->st != EP_PENDING) {
    if (r)
      fail("Stop/Reset returned true with no timer pending");
    return;
  }
  if (e->long_ && !r)
    fail("Stop/Reset returned false on a pending 1 h timer");
  e->st = r ? EP_CANCELLED : EP_FIRED;
}

static void deliver(struct inst *in, int64_t ts, int64_t now) {
  for (int k = 0; k < in->nep; k++) {
    struct epoch *e = &in->ep[k];
    if (e->delivered || e->st == EP_CANCELLED)
      continue;
    if (e->long_)
      fail("a delivery from a 1 h timer");
    if (ts < e->lo) {
      note("  (epoch %lld: lo %lld, delivered at %lld)\n", k, e->lo, ts);
      fail("a timer fired before its time");
    }
    if (ts > now)
      fail("a firing time in the future");
    e->delivered = true;
    e->st = EP_FIRED;
    return;
  }
  fail("a delivery with no timer that could have fired (stopped, freed, "
       "or delivered twice)");
}

static void read_log(void) {
  gort_mutex_lock(&log_mu);
  int n = nlog;
  gort_mutex_unlock(&log_mu);
  int64_t now = gort_nanotime();
  for (; nlog_seen < n; nlog_seen++) {
    note("  callback of inst %lld ran at +%lld%.0lld\n", cblog[nlog_seen].inst,
         cblog[nlog_seen].ts % 1000000000, 0);
    deliver(&insts[cblog[nlog_seen].inst], cblog[nlog_seen].ts, now);
  }
}

/* Something older than the current epoch may still deliver. */
static bool older_undelivered(const struct inst *in) {
  for (int k = 0; k + 1 < in->nep; k++)
    if (!in->ep[k].delivered && in->ep[k].st != EP_CANCELLED)
      return true;
  return false;
}

static void push_epoch(struct inst *in, int64_t before, int64_t d) {
  if (in->nep == MAXEP)
    abort();
  bool clean = true;
  for (int k = 0; k < in->nep; k++)
    if (!in->ep[k].delivered && in->ep[k].st != EP_CANCELLED)
      clean = false;
  in->ep[in->nep++] = (struct epoch){before + (d > 0 ? d : 0), d >= LONG_NS,
                                     EP_PENDING, false, clean};
}

static bool try_recv_value(struct inst *in) {
  int64_t v;
  bool ok;
  if (!gort_chan_try_recv(gort_timer_chan(in->t), &v, &ok))
    return false;
  if (!ok)
    fail("a timer's channel was closed");
  deliver(in, v, gort_nanotime());
  return true;
}

/* ---- one input -------------------------------------------------------------
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t no = atomic_fetch_add(&input_no, 1) + 1;
  gort_mutex_lock(&log_mu);
  nlog = 0;
  gort_mutex_unlock(&log_mu);
  nlog_seen = 0;
  ninst = 0;
  tracelen = 0;
  trace[0] = 0;
  for (int s = 0; s < NSLOT; s++)
    slot_inst[s] = -1;

  size_t i = 0;
  for (int nops = 0; i < size && nops < MAXOPS; nops++) {
    uint8_t b = data[i++];
    uint8_t a = i < size ? data[i++] : 0;
    int kind = b & 7, slot = (b >> 3) % NSLOT;
    int64_t d = durations[a & 7];
    int ix = slot_inst[slot];
    struct inst *in = ix >= 0 ? &insts[ix] : NULL;
    read_log();
    if ((kind == 0 || kind == 1) && in == NULL) {
      if (ninst == MAXINST)
        continue;
      ix = ninst++;
      in = &insts[ix];
      memset(in, 0, sizeof *in);
      in->afterfunc = kind == 1;
      in->live = true;
      int64_t before = gort_nanotime();
      push_epoch(in, before, d);
      in->t = in->afterfunc
                  ? gort_after_func(
                        d, callback,
                        (void *)(uintptr_t)((uint64_t)no << 8 | (uint64_t)ix))
                  : gort_timer_new(d);
      if (in->t == NULL)
        abort();
      slot_inst[slot] = ix;
      note(in->afterfunc ? "  %lld: after_func(%lld)%.0lld\n"
                         : "  %lld: timer_new(%lld)%.0lld\n",
           ix, d, 0);
      continue;
    }
    if (in == NULL)
      continue;
    switch (kind) {
    case 0:
    case 1:
    case 2: { /* stop */
      bool r = gort_timer_stop(in->t);
      note("  %lld: stop -> %lld%.0lld\n", ix, r, 0);
      resolve(in, r);
      read_log();
      break;
    }
    case 3: { /* reset */
      int64_t before = gort_nanotime();
      bool r = gort_timer_reset(in->t, d);
      note("  %lld: reset(%lld) -> %lld\n", ix, d, r);
      resolve(in, r);
      push_epoch(in, before, d);
      read_log();
      break;
    }
    case 4: { /* free */
      gort_timer_free(in->t);
      note("  %lld: free%.0lld%.0lld\n", ix, 0, 0);
      struct epoch *e = current(in);
      if (e && e->st == EP_PENDING)
        e->st = e->long_ ? EP_CANCELLED : EP_MAYBE;
      in->live = false;
      in->t = NULL;
      slot_inst[slot] = -1;
      break;
    }
    case 5: /* try_recv */
      if (!in->afterfunc) {
        bool got = try_recv_value(in);
        note("  %lld: try_recv -> %lld%.0lld\n", ix, got, 0);
      }
      break;
    case 6: { /* wait for the pending short timer */
      struct epoch *e = current(in);
      if (e == NULL || e->st != EP_PENDING || e->long_ ||
          older_undelivered(in) || (!in->afterfunc && !e->clean))
        break;
      note("  %lld: wait%.0lld%.0lld\n", ix, 0, 0);
      if (in->afterfunc) {
        int64_t until = gort_nanotime() + 10000 * MS;
        while (!e->delivered) {
          if (gort_nanotime() > until)
            fail("a pending AfterFunc did not run within 10 s");
          gort_sleep(50000);
          read_log();
        }
      } else {
        gort_timer *guard = gort_timer_new(10000 * MS);
        int64_t v = 0, g = 0;
        gort_select_case cs[2] = {
            {gort_timer_chan(in->t), GORT_SELECT_RECV, &v, sizeof v, false},
            {gort_timer_chan(guard), GORT_SELECT_RECV, &g, sizeof g, false}};
        int r = gort_select(cs, 2, true);
        gort_timer_free(guard);
        if (r != 0)
          fail("a pending timer did not fire within 10 s");
        deliver(in, v, gort_nanotime());
      }
      break;
    }
    case 7: { /* sleep */
      int64_t ns = d >= LONG_NS ? 0 : d;
      int64_t t0 = gort_nanotime();
      gort_sleep(ns);
      if (gort_nanotime() - t0 < ns)
        fail("gort_sleep returned early");
      break;
    }
    }
  }

  /* The end: stop and free what is left, then every AfterFunc known to
   * have fired must run. */
  for (int s = 0; s < NSLOT; s++) {
    int ix = slot_inst[s];
    if (ix < 0)
      continue;
    struct inst *in = &insts[ix];
    bool r = gort_timer_stop(in->t);
    note("  %lld: stop -> %lld (end)%.0lld\n", ix, r, 0);
    resolve(in, r);
    read_log();
    if (!in->afterfunc)
      while (try_recv_value(in))
        ;
    gort_timer_free(in->t);
    in->live = false;
  }
  int64_t until = gort_nanotime() + 10000 * MS;
  for (int ix = 0; ix < ninst; ix++) {
    struct inst *in = &insts[ix];
    if (!in->afterfunc)
      continue;
    for (int k = 0; k < in->nep; k++)
      while (in->ep[k].st == EP_FIRED && !in->ep[k].delivered) {
        if (gort_nanotime() > until)
          fail("an AfterFunc that fired never ran");
        gort_sleep(50000);
        read_log();
      }
  }
  read_log();
  return 0;
}
