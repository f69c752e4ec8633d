/*
 * lockrank.h - the ranks of the runtime's locks (Go's lockrank.go), the
 * one statement of the runtime's lock order. The partial order itself, in
 * Go's "a < b" form (a may be held when b is taken), is the table in
 * lockrank.c; this list is a total order consistent with it (every lock
 * comes after all the locks that may be held when it is taken), checked
 * when the table is first used.
 *
 * Each lock gets its rank where it is initialised (gort__lock_init or
 * GORT_LOCK_INITIALIZER, Go's lockInit); a lock never given one is a leaf
 * (Go's lockRankLeafRank): it may be taken under any ranked lock, and no
 * lock under it.
 * At GORT_DEBUG_LEVEL 2 and above (debug/assert.h) every gort__lock checks
 * the new lock's rank against the ranks this thread holds, and dies with
 * "fatal error: lock ordering problem" and the held list when the table
 * does not allow it.
 *
 * Invariants: LOCK_RANK_NONE is 0, so zeroed memory is unranked; the
 * order below is topological for the table (checked at first use).
 * Locking: none; the held stack is the thread's own (lockrank.c).
 */
#ifndef GORT_SCHED_LOCKRANK_H
#define GORT_SCHED_LOCKRANK_H

/* X(RANK, "name"): in lock order, outermost first. */
#define GORT_LOCK_RANKS(X)                                                     \
  X(NONE, "unranked")                                                          \
  X(CONTEXT, "context")            /* context/context.c: a context's mu */     \
  X(SINGLEFLIGHT, "singleflight")  /* xsync/singleflight.c: a group's mu */    \
  X(ERRGROUP, "errgroup")          /* xsync/errgroup.c: a group's mu */        \
  X(XSEMAPHORE, "xsemaphore")      /* xsync/semaphore.c: a semaphore's mu */   \
  X(NETPOLL_INIT, "netpollInit")   /* netpoll/netpoll.c: start_lock */         \
  X(POLLDESC, "pollDesc")          /* netpoll/netpoll.c: pd->lock */           \
  X(POLLCACHE, "pollCache")        /* netpoll/netpoll.c: cache.lock */         \
  X(CONN_DEAD, "connDead")         /* netpoll/conn.c: dead.lock */             \
  X(NETPOLL_TABLE, "netpollTable") /* netpoll/netpoll_poll.c: table.lock */    \
  X(TIMER, "timer")                /* time/timer.h: t->mu */                   \
  X(SEMAROOT, "semaRoot")          /* sync/sema.c: root->lock */               \
  X(NOTIFYLIST, "notifyList")      /* sync/cond.c: a Cond's lock */            \
  X(HCHAN, "hchan")                /* chan/chan.h: a channel's lock */         \
  X(FIN, "fin")                    /* mem/mfinal.c: fin_lock */                \
  X(GC_WORK, "gcWork")             /* mem/mgc.c: work.lock */                  \
  X(SCAVENGE, "scavenge")          /* mem/mgcscavenge.c: scav.lock */          \
  X(USER_ROOTS, "userRoots")       /* mem/mgcroots.c: user_lock */             \
  X(SCHED, "sched")                /* sched/runtime2.h: sched.lock */          \
  X(ALLP, "allp")                  /* sched/runtime2.h: sched.allplock */      \
  X(TIMERS, "timers")              /* time/timer.h: pp->timerslock */          \
  X(ALLG, "allg")                  /* sched/proc.c: allglock */                \
  X(STACKPOOL, "stackpool")        /* sched/stack.c: pool.lock */              \
  X(MCENTRAL_INIT, "mcentralInit") /* mem/mcentral.c: central_init_lock */     \
  X(MCENTRAL, "mcentral")          /* mem/mcentral.c: a class's lock */        \
  X(SWEEP_LARGE, "sweepLarge")     /* mem/mgcsweep.c: large_lock */            \
  X(MHEAP, "mheap")                /* mem/mheap.h: gort__mheap.lock */         \
  X(PACER, "pacer")                /* mem/mgcpacer.c: pacer_lock */            \
  X(MSTATS, "mstats")              /* mem/mstats.c: stats.lock */              \
  X(ROOT_SHARD, "rootShard")       /* mem/mgcroots.c: a shard's lock */

enum lock_rank {
#define GORT_LOCK_RANK_ENUM_(rank, name) LOCK_RANK_##rank,
  GORT_LOCK_RANKS(GORT_LOCK_RANK_ENUM_)
#undef GORT_LOCK_RANK_ENUM_
      LOCK_RANK_COUNT
};

struct mutex;

/* Called by gort__lock before it takes l (so an ordering problem is
 * reported, not deadlocked on) and by gort__unlock after it released l;
 * only at GORT_DEBUG_LEVEL >= 2. */
void gort__lockrank_acquire(struct mutex *l);
void gort__lockrank_release(struct mutex *l);
/* The ranks this thread holds, one line each (Go's printHeldLocks). */
void gort__lockrank_print_held(void);
/* The name of a rank, for reports. */
const char *gort__lockrank_name(unsigned rank);

#endif
