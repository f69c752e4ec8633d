/*
 * runtime2.h - the scheduler's data: G (goroutine), M (OS thread), P
 * (processor: the right to run goroutines, with its run queue), and the
 * global scheduler state. Names and states follow Go's runtime2.go.
 *
 * Invariants:
 *   - A G's status changes only through gort__casgstatus.
 *   - A G in G_RUNNING has g->m set and is m->curg of that M; it is on no
 *     run queue. A G on a run queue is G_RUNNABLE.
 *   - A G has a stack only between its first run and its exit (stacks are
 *     taken lazily, so a million not-yet-run goroutines cost only their G).
 *   - Only an M holding a P runs goroutines.
 *
 * Locking:
 *   - sched.lock guards the global run queue, the global free-G list, the
 *     idle-P list and the counters marked (sched.lock) below.
 *   - allglock guards allgs.
 *   - The order in which runtime locks nest is one table,
 *     sched/lockrank.c (checked at GORT_DEBUG_LEVEL >= 2).
 *   - A P's run queue is owned by its M for puts; others may only steal
 *     (CAS on runqhead). runnext is written by the owner, taken by CAS.
 *   - Fields marked (owner) are touched only by the thread that currently
 *     runs the object.
 */
#ifndef GORT_SCHED_RUNTIME2_H
#define GORT_SCHED_RUNTIME2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/context.h"
#include "atomic/atomic.h"
#include "gort.h"
#include "mem/mbarrier.h"
#include "mem/mgcwork.h"
#include "sched/lock.h"

/* ---- G states (Go's _Gidle, _Grunnable, ...) ---------------------------
 * Who owns the G's stack in each state: */
enum gstatus {
  G_IDLE = 0,     /* just allocated, not yet initialised; owned by creator */
  G_RUNNABLE = 1, /* on a run queue; not running; stack idle (or none yet) */
  G_RUNNING = 2,  /* running user code on g->m, which has a P; it owns its
                     stack */
  G_SYSCALL = 3,  /* in a blocking call (gort_syscall_enter); g->m owns it
                     but may have lost its P */
  G_WAITING = 4,  /* parked (gopark); on some wait queue; whoever readies it
                     must go through gort__goready */
  G_DEAD = 5,     /* exited; on a free list; no stack */
  /* Or'ed into one of the states above by the collector while it scans
   * the G's stack (Go's _Gscan): the G cannot change state meanwhile
   * (gort__casgstatus spins until it is cleared). */
  G_SCAN = 0x1000,
};

/* Why a G waits (Go's waitReason); printed in the goroutine dump. */
enum waitreason {
  WAIT_NONE = 0,
  WAIT_WAITGROUP,
  WAIT_CHAN_RECEIVE,
  WAIT_CHAN_SEND,
  WAIT_CHAN_RECEIVE_NIL,
  WAIT_CHAN_SEND_NIL,
  WAIT_SELECT,
  WAIT_SELECT_NO_CASES,
  WAIT_SLEEP,
  WAIT_SEMACQUIRE,
  WAIT_SYNC_MUTEX,
  WAIT_SYNC_RWMUTEX_R,
  WAIT_SYNC_RWMUTEX_W,
  WAIT_SYNC_COND,
  WAIT_FOREVER,
  WAIT_PREEMPTED,
  WAIT_IO,
  /* The collector's goroutines and those waiting for it (mgc.c). */
  WAIT_GC,               /* a goroutine waiting for a cycle to end */
  WAIT_GC_IDLE,          /* the collector's goroutine, between cycles */
  WAIT_GC_SWEEP_WAIT,    /* the background sweeper, nothing to sweep */
  WAIT_GC_SCAVENGE_WAIT, /* the scavenger, nothing to release */
  WAIT_FINALIZER,        /* the finalizer goroutine, queue empty (mfinal.c) */
  WAIT_GC_WORKER,        /* a mark worker, in its pool (mgcworker.c) */
  WAIT_GC_MARK_DONE,     /* the collector, while the workers mark */
  WAIT_COUNT
};

extern const char *const gort__waitreason_names[WAIT_COUNT];

/* A goroutine stack: [lo, hi) is usable. Below lo lies a guard region
 * when guarded; otherwise the lowest word of [lo, hi) is a canary, checked
 * at every switch. */
struct gstack {
  uintptr_t lo, hi;
  bool guarded;
  bool committed; /* its top page is known to be backed by memory */
  bool big;       /* from stack.c's system pool (main, runtime goroutines) */
};

struct m;
struct mcache;
struct p;

struct g {
  struct gort_context ctx;       /* saved state while not running (owner) */
  struct gstack stack;           /* (owner) */
  _Atomic uint32_t atomicstatus; /* enum gstatus; gort__casgstatus */
  uint32_t waitreason;           /* enum waitreason; set by gopark */
  /* Someone (sysmon, stop-the-world) asked this G to yield at its next
   * safe point. Relaxed: a late view only delays the yield. */
  _Atomic uint32_t preempt;
  int64_t goid;
  gort_func fn; /* entry; set by gort_go, cleared at exit */
  void *arg;
  struct g *schedlink;   /* next on the global queue, a wait queue or a free
                            list */
  _Atomic(struct m *) m; /* M running it, when G_RUNNING or G_SYSCALL; written
                  by that M, read racily by the dump (__atomic, relaxed) */
  void *waiting_on;      /* the object it waits on (dump, debugging) */
  /* Channel waits (chan.c, select.c): the sudog that woke this G (set by
   * the waker before goready), and for select the list of this G's
   * sudogs and the flag that lets exactly one case win. */
  struct sudog *param;
  struct sudog *waiting;
  _Atomic uint32_t selectdone;
  void *asan_fake;         /* AddressSanitizer's fake-stack save */
  void *tsan_fiber;        /* ThreadSanitizer's fiber for this G's stack */
  uint64_t async_preempts; /* times preempted by a signal (stats) */
  bool is_main;
  bool is_g0;
  bool is_system;        /* the runtime's own (collector, sweeper, finalizers):
                            not counted in ngoroutines (Go's isSystemGoroutine) */
  bool no_heap_pointers; /* its stack holds no GC pointer: not scanned */
  /* The collector's scan generation in which this G's stack was last
   * scanned (mem/mgcroots.c); written by whoever holds the G still: its
   * scanner (scan bit), the G itself at a preemption point, its maker. */
  _Atomic(uint32_t) gcscan_gen;
  /* (owner) The RWMutex this G last read-locked through the visible
   * readers' table, and the slot (sync/rwmutex.c): a hint, checked against
   * the slot before use, so a reused G keeps its last one (clearing it at
   * spawn cost skynet a cache miss a goroutine). At the end, off the lines
   * a switch uses. */
  void *rw_bias_lock;
  uint32_t rw_bias_slot;
  /* A dead G heading a batch of the global free list (sched.gfree,
   * sched.lock; sched/runq.c): the next batch, and this one's length. */
  int32_t gfree_batch_len;
  struct g *gfree_next_batch;
};

/* A G waiting on a channel (Go's sudog). Lives on the waiting G's own
 * stack: stacks never move here, so no cache is needed.
 * Fields other than waitlink are guarded by the lock of channel c; waitlink
 * is the owning G's. */
struct hchan;
struct sudog {
  struct g *g;
  struct sudog *next, *prev; /* in c's sendq or recvq */
  void *elem;                /* data to send, or where to receive */
  struct hchan *c;
  struct sudog *waitlink; /* this G's other sudogs (select) */
  int32_t casei;          /* select case index */
  bool isselect;
  bool success; /* woken by a value, not by close */
};

struct note {
  _Atomic uint32_t key; /* 0: not signalled; 1: signalled */
};

struct m {
  struct g g0;              /* the M's own thread stack, running schedule() */
  _Atomic(struct g *) curg; /* the G running user code, or NULL (owner) */
  _Atomic(struct p *) p;    /* attached P, or NULL (owner) */
  /* P to take when woken: set by the waker, taken by this M with an
   * exchange, or taken back by a stop-the-world that gets there first
   * (mp.c: hand_p, take_nextp, stop_handed_ps_locked). */
  _Atomic(struct p *) nextp;
  struct p *oldp; /* P held before a syscall (owner) */
  int64_t id;
  uintptr_t thread; /* OS thread handle, for signals */
  bool spinning;    /* looking for work; counted in sched.nmspinning */
  bool is_sysmon;
  void (*mstartfn)(struct m *); /* run instead of the scheduler (sysmon) */
  struct note park;             /* stopm sleeps here; startm wakes it */
  struct m *schedlink;          /* next idle M (sched.lock) */
  struct m *alllink;            /* all Ms, for the dump (set once) */
  uint64_t fastrand;            /* steal order (owner) */
  /* mcall: the G switching to g0 leaves here what g0 must do for it. */
  void (*mcall_fn)(struct g *);
  struct g *mcall_g;
  /* A direct switch (a G parking or exiting straight into the next G):
   * the G leaving leaves here what the G arriving must finish for it
   * (park_m, goexit0). */
  void (*after_fn)(struct g *);
  struct g *after_g;
  /* gopark's arguments, for park_m (on g0, or after a direct switch). */
  bool (*park_unlockf)(struct g *, void *);
  void *park_lock;
  _Atomic uint32_t signal_pending; /* a preemption signal is in flight */
  bool on_midle;                   /* on sched.midle (sched.lock) */
};

enum { P_RUNQ_SIZE = 256 }; /* must be a power of two */
enum { STACK_CACHE_SIZE = 32 };

enum pstatus {
  P_IDLE = 0,    /* not used by any M; on the idle list, or about to be
                    handed to a woken M */
  P_RUNNING = 1, /* owned by an M running goroutines or the scheduler;
                    only that M changes it */
  P_SYSCALL = 2, /* its M is in a blocking call; sysmon (retake) or the M
                    itself (exitsyscall) may take it with a CAS */
  P_GCSTOP = 3,  /* halted for stop-the-world; owned by the STW initiator */
  P_DEAD = 4,    /* beyond GOMAXPROCS */
};

struct p {
  int32_t id;
  _Atomic uint32_t status; /* enum pstatus; see the states for who writes */
  _Atomic(struct m *) m;   /* owning M, when P_RUNNING (owner) */
  struct p *link;          /* next idle P (sched.lock) */
  /* Incremented on every scheduling / every syscall, read by sysmon to see
   * a G running or a call blocking too long. */
  _Atomic uint32_t schedtick;
  _Atomic uint32_t syscalltick;
  /* sysmon's view of the ticks above (sysmon only). */
  uint32_t sysmon_schedtick, sysmon_syscalltick;
  /* sysmon asked to end the current time slice (set with every request,
   * besides the current G's flag, which a switch may make it miss): a G
   * parking or exiting consumes it (slice_over), the next G that inherits
   * the slice starts with preempt set, a fresh slice clears it. */
  _Atomic uint32_t preempt;
  /* (owner) A G parked or exited while asked to yield: its slice is over,
   * and the next pick looks at the global queue before runnext, as the
   * 61st tick does (end_slice_if_asked sets it, findrunnable clears it). */
  bool slice_over;
  int64_t sysmon_schedwhen, sysmon_syscallwhen;
  /* Local run queue: a ring of P_RUNQ_SIZE, runqhead taken by consumers
   * (owner or thieves) with CAS, runqtail written only by the owner (Go's
   * runqput/runqget/runqgrab). Slots are atomics: a thief may read a slot
   * the owner is rewriting, and then its CAS on runqhead fails. */
  _Atomic uint32_t runqhead;
  _Atomic uint32_t runqtail;
  struct g *_Atomic runq[P_RUNQ_SIZE];
  /* A G readied by the running G runs next, inheriting the time slice
   * (Go's runnext). Written by the owner, taken by CAS by anyone. */
  struct g *_Atomic runnext;
  /* (owner) Goids reserved for this P's new Gs: next to hand out, and one
   * past the batch (Go's goidcache): one shared add per GOID_BATCH Gs. */
  int64_t goid_next, goid_end;
  /* Free Gs and stacks cached on this P (owner). */
  struct g *gfree;
  int32_t gfreecnt;
  struct gstack stackcache[STACK_CACHE_SIZE];
  int32_t stackcachecnt;
  uint64_t steals; /* Gs this P stole (owner; read racily for stats) */
  /* Goroutines switched to on this P, runnext's included: a 64-bit count
   * in two 32-bit words, because on wasm an 8-byte store is an atomic
   * exchange (atomic.h), a locked instruction at every switch (pingpong
   * on wasm 3% faster without it). switches is the low word, written by
   * the owner alone with a relaxed load and store. switches_carry is a
   * sequence count: twice the high word, odd while the owner carries a
   * wrap of the low word into it (count_switch in proc.c). Read with
   * gort__p_switches (debug/sched_stats.c). Kept when the P dies. */
  _Atomic uint32_t switches;
  _Atomic uint32_t switches_carry;
  /* Timers (time/time.c): a 4-ary min-heap by when. */
  struct mutex timerslock;
  struct timer **timers;       /* (timerslock) */
  int32_t ntimers, timerscap;  /* (timerslock) */
  _Atomic int64_t timer0_when; /* heap top's when, 0 if empty */
  /* The allocator's per-P cache (mem/malloc.c; made at first use). */
  struct mcache *mcache;
  /* The collector's per-P state (owner; with the world stopped, the
   * collector's): grey objects this P's mutators and workers found, and
   * the write barrier's buffer (mem/mgcwork.h, mem/mbarrier.h). */
  struct gcwork gcw;
  struct wbbuf wbbuf;
  int64_t gc_fractional_ns; /* this mark's fractional worker time (owner) */
  /* Lazy wake (proc.c; at the end, off the lines the run queue uses): a G
   * readied into runnext did not wake an idle M (1); the owner's next pick of a
   * G settles it (0 again), or sysmon, if the owner has picked nothing since
   * its last look (a readier that kept running), does the wake. Atomic: the
   * owner and sysmon race for it with an exchange. */
  _Atomic uint32_t wake_deferred;
  uint64_t sysmon_wake_switches; /* switches when sysmon last saw it set */
  /* (owner) Read locks taken the counted way while a lock's read bias was
   * off: every 16th looks at the clock to turn it back on (sync/rwmutex.c). */
  uint32_t rw_counted_reads;
};

/* A queue of Gs linked through schedlink (Go's gQueue). */
struct gqueue {
  struct g *head, *tail;
  int64_t size;
};

enum { MAX_PROCS = 1024, MAX_MCOUNT = 10000 };

struct schedt {
  struct mutex lock;
  struct gqueue runq;          /* global run queue (sched.lock) */
  _Atomic int64_t runqsize;    /* = runq.size, for lock-free peeks */
  struct g *gfree;             /* global free Gs, in batches (sched.lock) */
  _Atomic int64_t goidgen;     /* last goid reserved by a P's batch */
  _Atomic int64_t ngoroutines; /* live Gs, user-visible count */
  _Atomic int64_t goroutines_peak;
  struct m *midle; /* idle Ms (sched.lock) */
  int32_t nmidle;  /* (sched.lock) */
  int32_t mcount;  /* Ms made or being made (sched.lock) */
  int32_t nmsys;   /* system Ms not counted for deadlock (sysmon) */
  int64_t mnext;   /* next M id (sched.lock) */
  struct p *pidle; /* idle Ps (sched.lock) */
  _Atomic int32_t npidle;
  _Atomic int32_t nmspinning;
  _Atomic int32_t gomaxprocs;
  struct p **allp;       /* [gomaxprocs]; replaced only during STW,
                            with allplock held too */
  struct mutex allplock; /* held by whoever walks allp while a
                            resize may replace it (sysmon, an M that
                            gave its P back, sched_stats.c, time.c,
                            the malloc totals); lock order:
                            sched/lockrank.c */
  int32_t allp_cap;
  struct m *allm;   /* list through alllink (sched.lock) */
  bool main_exited; /* main called gort_goexit (sched.lock) */
  bool main_started;
  /* Lazy wake (proc.c): readying a G into an otherwise empty P wakes no
   * idle M. The platform's choice (gort__os_wake_is_costly) unless
   * GORT_DEBUG=lazywake says; set once before any other M exists. */
  bool lazy_wake;
  /* Stop-the-world (Go's sched.gcwaiting, stopwait, stopnote). */
  _Atomic uint32_t gcwaiting;
  int32_t stopwait; /* Ps still to stop (sched.lock) */
  struct note stopnote;
  _Atomic uint64_t steals;         /* Gs moved by stealing, in all */
  _Atomic uint64_t async_preempts; /* goroutines stopped by a signal */
  _Atomic uint64_t stw_handed_ps;  /* Ps a stop took back from waking Ms */
  _Atomic uint64_t handoffs;       /* Ps sysmon's retake handed on */
  int64_t start_ns;                /* when gort_main began (set once) */
  _Atomic uint64_t thread_create_failures;
  /* Timers: how many are queued on all Ps, and the one idle M that sleeps
   * until the earliest of them (sched.lock for the last two). */
  _Atomic int64_t ntimers;
  struct m *timer_sleeper;
  int64_t timer_sleep_until;
  /* Network poller (netpoll/): when it was last polled, 0 while an M is
   * blocked in it (that M owns the right to block: Go's sched.lastpoll),
   * and until when that M sleeps (0: no timer bounds it). */
  _Atomic int64_t lastpoll;
  _Atomic int64_t poll_until;
};

extern struct schedt gort__sched;

/* allgs: every G ever made, for the goroutine dump and the collector's
 * stack roots (mem/mgcroots.c). */
extern struct mutex gort__allglock;
extern struct g **gort__allgs;
extern size_t gort__allglen;

/* The current M and G. getm() is a real call (not inlinable): after a
 * goroutine switch a cached TLS address could be another thread's. */
struct m *gort__getm(void);
struct g *gort__getg(void);

void gort__casgstatus(struct g *gp, uint32_t oldval, uint32_t newval);
void gort__ready(struct g *gp, bool next);
void gort__wakep(void);

/* Notes: one-shot sleep/wakeup for one sleeper (Go's note). */
void gort__noteclear(struct note *n);
void gort__notewakeup(struct note *n);
void gort__notesleep(struct note *n);
/* Sleeps at most ns; true if woken by notewakeup. */
bool gort__notetsleep(struct note *n, int64_t ns);
/* The G's state, without the collector's scan bit. */
static inline uint32_t gort__readgstatus(struct g *gp) {
  return gort__atomic_load_acquire(&gp->atomicstatus) & ~(uint32_t)G_SCAN;
}
/* With it (the collector's view). */
static inline uint32_t gort__readgstatus_raw(struct g *gp) {
  return gort__atomic_load_acquire(&gp->atomicstatus);
}
/* The collector holds a G that is not running still while it scans its
 * stack (Go's castogscanstatus / casfrom_Gscanstatus): false if the G was
 * not in state oldval. */
bool gort__castogscanstatus(struct g *gp, uint32_t oldval);
void gort__casfromgscanstatus(struct g *gp, uint32_t oldval);

/* p->m, m->curg, m->p and g->m are read by sysmon, the dump and the
 * collector without locks: every access goes through these, writes
 * release, reads acquire, so what a reader then reads of the M, P or G
 * was initialised before (Go reads them racily through its puintptr and
 * muintptr accessors; we keep TSan's view exact). On x86-64 both are
 * plain moves. */
static inline void gort__setpm(struct p *pp, struct m *mp) {
  gort__atomic_store_release(&pp->m, mp);
}
static inline struct m *gort__loadpm(struct p *pp) {
  return gort__atomic_load_acquire(&pp->m);
}
static inline void gort__setcurg(struct m *mp, struct g *gp) {
  gort__atomic_store_release(&mp->curg, gp);
}
static inline struct g *gort__loadcurg(struct m *mp) {
  return gort__atomic_load_acquire(&mp->curg);
}
static inline void gort__setmp(struct m *mp, struct p *pp) {
  gort__atomic_store_release(&mp->p, pp);
}
static inline struct p *gort__loadmp(struct m *mp) {
  return gort__atomic_load_acquire(&mp->p);
}
static inline void gort__setgm(struct g *gp, struct m *mp) {
  gort__atomic_store_release(&gp->m, mp);
}
static inline struct m *gort__loadgm(struct g *gp) {
  return gort__atomic_load_acquire(&gp->m);
}

/* gopark parks the current G with the given reason. If unlockf is not NULL
 * it runs on g0 after the G is marked waiting; if it returns false the G is
 * made runnable again at once (Go's gopark). */
void gort__gopark(bool (*unlockf)(struct g *, void *), void *lock,
                  uint32_t reason);
/* goready makes a waiting G runnable; it runs next on this P. */
void gort__goready(struct g *gp);

/* Unlock callback for gopark that releases a struct mutex. */
bool gort__parkunlock(struct g *gp, void *lock);

#endif /* GORT_SCHED_RUNTIME2_H */
