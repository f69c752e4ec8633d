/*
 * mgcassist.c - mark assists (Go's gcAssistAlloc in mgcmark.go, with the
 * assist ratio of mgcpacer.go's revise): a goroutine that allocates while
 * a mark runs pays for its allocation in scan work, so the program cannot
 * outrun the collector and the heap stays near its goal.
 *
 * The ratio is set when the mark begins: the scan work still expected
 * (the heap the last mark found live, plus the stacks and globals it
 * scanned: Go's heapScan + stackScan + globalsScan) over the bytes left
 * before the goal. A goroutine pays when it takes a span (or a large
 * object) during the mark: ratio x its bytes, first from the credit the
 * background marking banked (Go's bgScanCredit: the collector's own drain
 * deposits what it scans), the rest by draining grey objects itself on its
 * P. If no grey object is left to scan, the debt is forgiven (the mark is
 * about to end), unless the heap is already past its goal: then the
 * goroutine waits for the mark's end (Go parks it until credit arrives or
 * the mark ends).
 *
 * Invariants: the ratio is 0 outside a mark (no assist); credit is never
 * negative.
 * Locking: atomics only; an assist drains through its P's gcwork (the
 * P's owner), never parks, and may run with runtime locks held (the work
 * lists' lock is a leaf).
 */
#include "atomic/atomic.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "mem/mgcwork.h"
#include "os/os.h"
#include "sched/runtime2.h"

enum { RATIO_SHIFT = 16, MIN_RUNWAY = 1 << 20 };

static _Atomic(uint64_t) work_per_byte; /* fixed point, RATIO_SHIFT bits */
static _Atomic(uint64_t) mark_goal;     /* the mark's heap goal */
static _Atomic(int64_t) bg_credit;      /* scan bytes banked by the collector */
static _Atomic(uint64_t) assist_ns, assist_bytes_scanned;

void gort__gc_assist_begin(uint64_t scan_expected, uint64_t heap_live,
                           uint64_t goal) {
  uint64_t ratio = 0;
  gort__atomic_store_relaxed(&mark_goal, goal);
  if (goal != UINT64_MAX) {
    uint64_t runway = goal > heap_live ? goal - heap_live : 0;
    if (runway < MIN_RUNWAY)
      runway = MIN_RUNWAY;
    ratio = (scan_expected << RATIO_SHIFT) / runway;
  }
  gort__atomic_store_relaxed(&work_per_byte, ratio);
  gort__atomic_store_relaxed(&bg_credit, 0);
}

void gort__gc_assist_end(void) {
  gort__atomic_store_relaxed(&work_per_byte, 0);
}

void gort__gc_bg_credit_add(uint64_t scanned) {
  gort__atomic_add_relaxed(&bg_credit, (int64_t)scanned);
}

/* Take up to want bytes of banked credit; returns what was taken. */
static int64_t steal_credit(int64_t want) {
  int64_t avail = gort__atomic_load_relaxed(&bg_credit);
  while (avail > 0) {
    int64_t take = avail < want ? avail : want;
    if (gort__atomic_cas_weak_relaxed(&bg_credit, &avail, avail - take))
      return take;
  }
  return 0;
}

void gort__gc_assist_alloc(uint64_t bytes) {
  uint64_t ratio = gort__atomic_load_relaxed(&work_per_byte);
  if (ratio == 0 || bytes == 0)
    return;
  uint64_t hi = bytes >> 32, lo = bytes & 0xffffffffu;
  uint64_t owed =
      ((hi * ratio) << (32 - RATIO_SHIFT)) + ((lo * ratio) >> RATIO_SHIFT);
  int64_t work = owed > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)owed;
  work -= steal_credit(work);
  if (work <= 0)
    return;
  struct g *gp = gort__getg();
  struct m *mp = gort__getm();
  struct p *pp = mp ? gort__loadmp(mp) : NULL;
  if (pp == NULL || gp == NULL || gp->is_g0)
    return;
  int64_t start = gort__os_nanotime();
  gort__gc_assist_drain_enter();
  gort__wbbuf_flush(pp); /* what this P's barriers found is work too */
  uint64_t before = pp->gcw.bytes_scanned;
  bool dry = gort__gc_drain(&pp->gcw, work);
  if (!dry)
    gort__gcw_dispose(&pp->gcw); /* what is left, for the workers */
  gort__gc_assist_drain_leave(); /* it may have taken the last grey objects */
  int64_t done = (int64_t)(pp->gcw.bytes_scanned - before);
  gort__atomic_add_relaxed(&assist_bytes_scanned, (uint64_t)done);
  gort__atomic_add_relaxed(&assist_ns, (uint64_t)(gort__os_nanotime() - start));
  /* Nothing left to scan, still in debt, and the heap past its goal: the
   * program is outrunning the mark's end (the stacks, the final stop of
   * the world). Wait for it, where that is allowed, as Go's assists park
   * on its assist queue. */
  if (dry && done < work && !gp->is_system && gort__locks_held() == 0 &&
      gort__gc_heap_live() > gort__atomic_load_relaxed(&mark_goal))
    gort__gc_wait_mark_end();
}

uint64_t gort__gc_assist_take_ns(void) {
  return gort__atomic_exchange_relaxed(&assist_ns, 0);
}
