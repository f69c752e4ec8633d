/*
 * lockrank.c - the runtime's lock order and its check (Go's lockrank.go,
 * mklockrank.go and lockrank_on.go), built at GORT_DEBUG_LEVEL >= 2.
 *
 * The table below is the one source of the lock order: for each rank, the
 * ranks that may be held when a lock of that rank is taken, in Go's
 * "a < b" sense (a may be held when b is taken). Only direct edges are
 * written; what may be held is their transitive closure, computed at first
 * use, as mklockrank computes lockPartialOrder. A rank may list itself
 * when two locks of it are taken together in a fixed order (channels in
 * address order in select, say); the comment beside such an entry says
 * what order.
 *
 * Invariants:
 *   - Every edge a < b has a earlier than b in lockrank.h's list (so the
 *     table has no cycle); checked at first use.
 *   - held is this thread's stack of held ranks, outermost first, with
 *     repeats of one rank folded into a count. A lock of rank r may be
 *     taken only if every held rank may be held when r is taken; an
 *     unranked lock (LOCK_RANK_NONE, Go's leaf rank) may be taken under
 *     anything but another unranked lock, and nothing ranked under it.
 *   - Locks may be released in any order (Go's lockrank_on.go allows it).
 * Locking: none. held is thread-local; the closure is computed by the
 * first locker, idempotently, before any lock is taken through it (a race
 * between two first lockers writes the same values).
 */
#include <stdbool.h>
#include <stdint.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "sched/lock.h"

#if GORT_LOCK_CHECKS

#define R(rank) LOCK_RANK_##rank
#define MAY_HOLD(...)                                                          \
  (const uint8_t[]) { __VA_ARGS__, LOCK_RANK_COUNT }
/* Every rank listed before this one in lockrank.h may be held: a leaf. */
enum { ANY_EARLIER = 255 };

/* rank: the ranks that may be held when it is taken (their "<" edges).
 * Gathered from the files' Locking notes and checked against the whole
 * test suite at GORT_DEBUG_LEVEL 3. */
static const uint8_t *const may_hold[LOCK_RANK_COUNT] = {
    /* The API's objects, taken by goroutines with no runtime lock held. */
    [R(CONTEXT)] = NULL,
    [R(SINGLEFLIGHT)] = NULL,
    [R(ERRGROUP)] = NULL,
    [R(XSEMAPHORE)] = NULL,

    /* The netpoller: start_lock around the backend's start. */
    [R(NETPOLL_INIT)] = NULL,
    [R(POLLDESC)] = NULL,
    [R(POLLCACHE)] = NULL,
    [R(CONN_DEAD)] = NULL,
    [R(NETPOLL_TABLE)] = MAY_HOLD(R(NETPOLL_INIT), R(POLLDESC)),

    /* A gort_timer's mu: its tick sends on the timer's channel. */
    [R(TIMER)] = NULL,

    /* Goroutine-level synchronisation: a semaphore closes its waiters'
     * channels under mu; a context closes done under mu. select locks
     * its channels in address order, each once (chan/select.c). */
    [R(SEMAROOT)] = NULL,
    [R(NOTIFYLIST)] = NULL,
    [R(HCHAN)] = MAY_HOLD(R(HCHAN), R(CONTEXT), R(SINGLEFLIGHT), R(XSEMAPHORE),
                          R(TIMER)),

    /* The collector's control. */
    [R(FIN)] = NULL,
    [R(GC_WORK)] = NULL,
    [R(SCAVENGE)] = NULL,
    [R(USER_ROOTS)] = NULL,

    /* The scheduler: sched.lock, then allplock (sched/runtime2.h). The
     * GC starts its worker goroutine under work.lock; readying a
     * goroutine may wake a P, and the API's objects ready waiters under
     * their own lock (an x/sync semaphore closes a waiter's channel, a
     * context its done channel, a timer's tick sends), as does a
     * descriptor's deadline. */
    [R(SCHED)] = MAY_HOLD(R(GC_WORK), R(CONTEXT), R(SINGLEFLIGHT), R(ERRGROUP),
                          R(XSEMAPHORE), R(POLLDESC), R(TIMER)),
    [R(ALLP)] = MAY_HOLD(R(SCHED)),
    /* A P's timers: after a gort_timer's mu (time/timer.h), under allplock
     * while walking allp (time.c), under sched.lock in procresize, which
     * also holds two at once, with the world stopped, to move a dying
     * P's timers. */
    [R(TIMERS)] =
        MAY_HOLD(R(ALLP), R(TIMERS), R(TIMER), R(CONTEXT), R(POLLDESC)),
    [R(ALLG)] = MAY_HOLD(R(GC_WORK)),

    /* The stack pool: a goroutine parking with a lock held (gopark's
     * unlock callback releases it after the switch) may switch straight
     * to a fresh G, whose first stack comes from the pool; procresize
     * spills a dying P's cache under sched.lock. */
    [R(STACKPOOL)] = MAY_HOLD(R(SEMAROOT), R(NOTIFYLIST), R(HCHAN), R(FIN),
                              R(GC_WORK), R(SCAVENGE), R(POLLDESC), R(SCHED)),

    /* Memory: a central list, then the heap (mem/malloc.h); procresize
     * releases a dying P's mcache under sched.lock. */
    [R(MCENTRAL_INIT)] = NULL,
    [R(MCENTRAL)] = MAY_HOLD(R(MCENTRAL_INIT), R(SCHED)),
    [R(SWEEP_LARGE)] = NULL,
    [R(MHEAP)] = MAY_HOLD(R(MCENTRAL), R(SWEEP_LARGE)),

    /* Leaves: taken under any of the above, nothing under them. */
    [R(PACER)] = MAY_HOLD(ANY_EARLIER),
    [R(MSTATS)] = MAY_HOLD(ANY_EARLIER),
    [R(ROOT_SHARD)] = MAY_HOLD(ANY_EARLIER),
};

static const char *const rank_names[LOCK_RANK_COUNT] = {
#define GORT_LOCK_RANK_NAME_(rank, name) name,
    GORT_LOCK_RANKS(GORT_LOCK_RANK_NAME_)
#undef GORT_LOCK_RANK_NAME_
};

const char *gort__lockrank_name(unsigned rank) {
  return rank < LOCK_RANK_COUNT ? rank_names[rank] : "?";
}

/* ---- the closure: allowed[b] has bit a when a may be held taking b ---- */

_Static_assert(LOCK_RANK_COUNT <= 64, "a rank set is one uint64_t");

static uint64_t allowed[LOCK_RANK_COUNT];
static _Atomic int closure_ready;

static _Noreturn void bad_table(unsigned a, unsigned b) {
  gort__print_str("lock rank table: ");
  gort__print_str(rank_names[a]);
  gort__print_str(" < ");
  gort__print_str(rank_names[b]);
  gort__print_str(" goes against the order of lockrank.h\n");
  gort__throw("runtime: lock rank table is not ordered");
}

static void build_closure(void) {
  uint64_t set[LOCK_RANK_COUNT] = {0};
  for (unsigned b = 1; b < LOCK_RANK_COUNT; b++) {
    const uint8_t *list = may_hold[b];
    for (; list != NULL && *list != LOCK_RANK_COUNT; list++) {
      if (*list == ANY_EARLIER) {
        set[b] |= ((uint64_t)1 << b) - 2; /* ranks 1 .. b-1 */
        continue;
      }
      if (*list > b || *list == LOCK_RANK_NONE)
        bad_table(*list, b);
      set[b] |= (uint64_t)1 << *list;
    }
  }
  /* The ranks are topologically ordered, so one pass in order closes the
   * relation: whatever may be held taking a may be held taking b > a. */
  for (unsigned b = 1; b < LOCK_RANK_COUNT; b++)
    for (unsigned a = 1; a < b; a++)
      if (set[b] & ((uint64_t)1 << a))
        set[b] |= set[a];
  for (unsigned b = 0; b < LOCK_RANK_COUNT; b++)
    allowed[b] = set[b];
  gort__atomic_store_release(&closure_ready, 1);
}

/* ---- this thread's held ranks (Go's m.locksHeld) ----------------------- */

enum { MAX_HELD = 32 };

struct held_rank {
  uint32_t rank;
  uint32_t count;           /* locks of this rank taken in a row */
  const struct mutex *lock; /* the last of them, for reports */
};

static _Thread_local struct held_rank held[MAX_HELD];
static _Thread_local int nheld;

void gort__lockrank_print_held(void) {
  if (nheld == 0)
    gort__print_str(" (no runtime lock)\n");
  for (int i = 0; i < nheld; i++) {
    gort__print_str(" ");
    gort__print_uint((uint64_t)i);
    gort__print_str(" : ");
    gort__print_str(gort__lockrank_name(held[i].rank));
    gort__print_str(" ");
    gort__print_hex((uintptr_t)held[i].lock);
    if (held[i].count > 1) {
      gort__print_str(" (x");
      gort__print_uint(held[i].count);
      gort__print_str(")");
    }
    gort__print_str("\n");
  }
}

static bool may_take(uint32_t held_rank, uint32_t rank) {
  if (rank == LOCK_RANK_NONE) /* a leaf: under anything but a leaf */
    return held_rank != LOCK_RANK_NONE;
  if (held_rank == LOCK_RANK_NONE)
    return false;
  return (allowed[rank] >> held_rank) & 1;
}

/* l's rank; an out-of-range one counts as none. */
static uint32_t rank_of(const struct mutex *l) {
  return l->rank < LOCK_RANK_COUNT ? l->rank : LOCK_RANK_NONE;
}

/* "RANK 0xADDR", for the reports. */
static void print_lock(const struct mutex *l) {
  gort__print_str(gort__lockrank_name(rank_of(l)));
  gort__print_str(" ");
  gort__print_hex((uintptr_t)l);
}

void gort__lockrank_acquire(struct mutex *l) {
  if (!gort__atomic_load_acquire(&closure_ready))
    build_closure();
  uint32_t rank = rank_of(l);
  for (int i = 0; i < nheld; i++) {
    if (may_take(held[i].rank, rank))
      continue;
    gort__print_str("lock ordering problem: taking ");
    print_lock(l);
    gort__print_str(" while holding ");
    gort__print_str(gort__lockrank_name(held[i].rank));
    gort__print_str("; held:\n");
    gort__lockrank_print_held();
    gort__throw("lock ordering problem");
  }
  if (nheld > 0 && held[nheld - 1].rank == rank) {
    held[nheld - 1].count++;
    held[nheld - 1].lock = l;
    return;
  }
  if (nheld == MAX_HELD)
    gort__throw("too many locks held concurrently for rank checking");
  held[nheld++] = (struct held_rank){rank, 1, l};
}

void gort__lockrank_release(struct mutex *l) {
  uint32_t rank = rank_of(l);
  for (int i = nheld - 1; i >= 0; i--) {
    if (held[i].rank != rank)
      continue;
    if (--held[i].count == 0) {
      for (int k = i; k + 1 < nheld; k++)
        held[k] = held[k + 1];
      nheld--;
    }
    return;
  }
  gort__print_str("unlock of ");
  print_lock(l);
  gort__print_str(", held:\n");
  gort__lockrank_print_held();
  gort__throw("lock rank: unlock of a lock not held");
}

#endif
