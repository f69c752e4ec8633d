/*
 * mgcscavenge.c - the background scavenger and gort_free_os_memory (Go's
 * mgcscavenge.go: bgscavenge, gcPaceScavenger, scavengerState's run,
 * sleep, park and wake; debug.FreeOSMemory's scavengeAll). The heap's side
 * (which pages are released, releasing a run of them) is in mheap.c.
 *
 * Why: after a peak, the heap keeps its arenas mapped (spans are reused,
 * arenas never unmapped), so without this the process would keep its
 * peak RSS for ever. The free pages beyond what the next cycles are
 * likely to need go back to the OS with gort__os_decommit (natively
 * MADV_DONTNEED: RSS falls at once and the pages read as zero when they
 * are reused; on wasm linear memory cannot shrink, nothing is released
 * and the scavenger stops at its first attempt).
 *
 * The goal (mgcscavenge.h): retained heap memory within 10% of the heap
 * goal, or 95% of the memory limit if that is lower. Go's goal without a
 * limit is lastHeapInUse * heapGoal / lastHeapGoal * 1.1: it scales the
 * last cycle's in-use bytes, fragmentation included, as the goal moved;
 * here the heap goal itself stands for the in-use bytes at the next cycle.
 * Go's limit goal counts all mapped memory (mappedReady); here only the
 * heap's, and nothing scavenges synchronously when an allocation would
 * pass the limit (Go does, in mheap.allocSpan): the background pass is the
 * only one besides gort_free_os_memory.
 *
 * Pacing: the scavenger works in batches of 64 KiB runs (Go's
 * scavengeQuantum) until a batch took at least 1 ms (minScavWorkTime) or
 * the goal is reached, then sleeps 99 times as long as the batch took: 1%
 * of one CPU (scavengePercent; Go tunes the ratio with a controller, a
 * fixed one does here). A batch the OS descheduled measures long: its
 * sleep is capped at half a second. A batch that released nothing (the
 * goal is met) is not followed by a sleep: the scavenger parks.
 *
 * Parking: checkdead (proc.c) does not report a deadlock while a timer
 * is pending, so the scavenger sleeps on a timer only between batches of
 * real work; with nothing to do it parks without one ("GC scavenge
 * wait"), and the sweeper wakes it when a cycle's sweep is done
 * (gort__scavenger_wake from mgcsweep.c, as Go's sweepone readies the
 * scavenger): the garbage is back in the page heap then, and the pacer
 * set the new goal at the mark's end.
 *
 * Invariants: one scavenger goroutine at most (scav.started); scav.parked
 * is the scavenger while it is parked waiting for a wake, NULL otherwise;
 * a wake that finds it running leaves scav.pending set, so it takes one
 * more pass before parking.
 *
 * Locking: scav.lock, a leaf, guards scav's fields; it is released by
 * gopark's unlock callback once the scavenger is waiting, so a waker that
 * finds scav.parked set may goready it. The heap's lock is taken by
 * mheap.c for each run, never with scav.lock held.
 */
#include "mem/mgcscavenge.h"
#include "gort.h"
#include "mem/mgcpacer.h"
#include "mem/mheap.h"
#include "sched/lock.h"
#include "sched/mp.h"
#include "sched/runtime2.h"

enum {
  SCAVENGE_QUANTUM = 64 << 10, /* bytes per run */
  SCAVENGE_PERCENT = 1,        /* of one CPU */
  RETAIN_EXTRA_PERCENT = 10,   /* over the heap goal */
  REDUCE_EXTRA_PERCENT = 5,    /* under the memory limit */
};
static const int64_t MIN_WORK_NS = 1000 * 1000;
static const int64_t MAX_SLEEP_NS = 500 * 1000 * 1000;

static struct {
  struct mutex lock;
  bool started;     /* the goroutine exists or is being started */
  bool pending;     /* woken since the scavenger last looked */
  struct g *parked; /* the scavenger, parked waiting for a wake */
} scav = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_SCAVENGE)};

uint64_t gort__scavenge_goal(void) {
  uint64_t goal = UINT64_MAX;
  uint64_t heap_goal = gort__gc_heap_goal();
  if (heap_goal < UINT64_MAX / 2)
    goal = heap_goal + heap_goal / 100 * RETAIN_EXTRA_PERCENT;
  int64_t limit = gort__gc_memory_limit();
  if (limit != INT64_MAX) {
    uint64_t limit_goal = (uint64_t)limit / 100 * (100 - REDUCE_EXTRA_PERCENT);
    if (limit_goal < goal)
      goal = limit_goal;
  }
  return goal;
}

/* One run towards the goal: the bytes released, 0 when the goal is met
 * or nothing more can be released. */
static uintptr_t scavenge_one(void) {
  struct heap_stats st;
  gort__mheap_read_stats(&st);
  uint64_t retained = st.sys - st.released, goal = gort__scavenge_goal();
  if (retained <= goal)
    return 0;
  uint64_t excess = retained - goal;
  return gort__mheap_scavenge(excess < SCAVENGE_QUANTUM ? (uintptr_t)excess
                                                        : SCAVENGE_QUANTUM);
}

/* Release towards the goal at about 1% of one CPU; returns when the goal
 * is met or nothing more can be released. Every batch that released
 * something is followed by its sleep, even the last (Go's bgscavenge
 * does the same), so frequent wakes cannot push it past its share. */
static void scavenge_to_goal(void) {
  for (;;) {
    int64_t start = gort_nanotime(), worked;
    uintptr_t released = 0, run;
    do {
      run = scavenge_one();
      released += run;
      worked = gort_nanotime() - start;
    } while (run > 0 && worked < MIN_WORK_NS);
    if (released == 0)
      return;
    int64_t nap = worked / SCAVENGE_PERCENT * (100 - SCAVENGE_PERCENT);
    gort_sleep(nap < MAX_SLEEP_NS ? nap : MAX_SLEEP_NS);
  }
}

/* Park until gort__scavenger_wake; no timer is pending meanwhile. */
static void park_until_woken(void) {
  struct g *gp = gort__getg();
  gort__lock(&scav.lock);
  while (!scav.pending) {
    scav.parked = gp;
    gp->waiting_on = &scav;
    gort__gopark(gort__parkunlock, &scav.lock, WAIT_GC_SCAVENGE_WAIT);
    gort__lock(&scav.lock);
  }
  scav.pending = false;
  gort__unlock(&scav.lock);
}

static void bgscavenge(void *arg) {
  (void)arg;
  for (;;) {
    park_until_woken();
    scavenge_to_goal();
  }
}

void gort__scavenger_wake(void) {
  gort__lock(&scav.lock);
  scav.pending = true;
  struct g *gp = scav.parked;
  scav.parked = NULL;
  bool start = !scav.started;
  scav.started = true;
  gort__unlock(&scav.lock);
  if (gp != NULL) {
    gp->waiting_on = NULL;
    gort__goready(gp);
    return;
  }
  /* Its stack is not scanned (false): it holds no GC object, only page
   * addresses, which would keep the objects at those addresses alive. */
  if (start && gort__go_system(bgscavenge, NULL, false) != 0) {
    /* No memory for a goroutine now: the next cycle tries again (the
     * scavenger only saves memory, nothing waits for it). */
    gort__lock(&scav.lock);
    scav.started = false;
    gort__unlock(&scav.lock);
  }
}

/* ---- the public call ---------------------------------------------------- */

GORT_API void gort_free_os_memory(void) {
  gort__must_getg("gort_free_os_memory");
  gort_gc();
  /* Every free page, whatever the goal, in runs that keep the heap lock
   * short (Go's scavengeAll). */
  while (gort__mheap_scavenge(SCAVENGE_QUANTUM * 16) > 0) {
  }
}
