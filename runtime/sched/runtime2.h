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

#include "../arch/context.h"
#include "gort.h"
#include "lock.h"

/* ---- G states (Go's _Gidle, _Grunnable, ...) ---------------------------
 * Who owns the G's stack in each state: */
enum gstatus {
  G_IDLE = 0,     /* just allocated, not yet initialised; owned by creator */
  G_RUNNABLE = 1, /* on a run queue; not running; stack idle (or none yet) */
  G_RUNNING = 2,  /* running user code on g->m; it owns its stack */
  G_WAITING = 3,  /* parked (gopark); on some wait queue; whoever readies it
                     must go through gort__goready */
  G_DEAD = 4,     /* exited; on a free list; no stack */
};

/* Why a G waits (Go's waitReason); printed in the goroutine dump. */
enum waitreason {
  WAIT_NONE = 0,
  WAIT_WAITGROUP,
  WAIT_CHAN_RECEIVE,
  WAIT_CHAN_SEND,
  WAIT_SELECT,
  WAIT_SELECT_NO_CASES,
  WAIT_SLEEP,
  WAIT_SEMACQUIRE,
  WAIT_SYNC_MUTEX,
  WAIT_FOREVER,
  WAIT_COUNT
};

extern const char *const gort__waitreason_names[WAIT_COUNT];

/* A goroutine stack: [lo, hi) is usable. Below lo lies a guard region
 * when guarded; otherwise the lowest word of [lo, hi) is a canary, checked
 * at every switch. scratch is the backend's per-stack buffer (wasm: the
 * Asyncify buffer, itself ending in a canary); NULL natively. */
struct gstack {
  uintptr_t lo, hi;
  void *scratch;
  size_t scratch_size;
  bool guarded;
};

struct m;
struct p;

struct g {
  struct gort_context ctx; /* saved state while not running (owner) */
  struct gstack stack;     /* (owner) */
  _Atomic uint32_t atomicstatus; /* enum gstatus; gort__casgstatus */
  uint32_t waitreason;           /* enum waitreason; set by gopark */
  _Atomic uint32_t preempt;      /* someone asked this G to yield */
  int64_t goid;
  gort_func fn; /* entry; set by gort_go, cleared at exit */
  void *arg;
  struct g *schedlink; /* next on a run queue, wait queue or free list */
  struct m *m;         /* M running it, when G_RUNNING */
  void *waiting_on;    /* the object it waits on (dump, debugging) */
  void *asan_fake; /* AddressSanitizer's fake-stack save (arch/sanitizer.h) */
  bool is_main;
  bool is_g0;
};

struct m {
  struct g g0;      /* the M's own thread stack, running schedule() */
  struct g *curg;   /* the G running user code, or NULL (owner) */
  struct p *p;      /* attached P, or NULL (owner) */
  int64_t id;
  /* mcall: the G switching to g0 leaves here what g0 must do for it. */
  void (*mcall_fn)(struct g *);
  struct g *mcall_g;
  /* gopark's arguments, for park_m on g0. */
  bool (*park_unlockf)(struct g *, void *);
  void *park_lock;
  struct m *alllink; /* all Ms, for the dump (set once) */
};

enum { P_RUNQ_SIZE = 256 }; /* must be a power of two */
enum { STACK_CACHE_SIZE = 32 };

enum pstatus {
  P_IDLE = 0,    /* not used by any M; on the idle list */
  P_RUNNING = 1, /* owned by an M running goroutines or the scheduler */
  P_DEAD = 2,    /* beyond GOMAXPROCS */
};

struct p {
  int32_t id;
  uint32_t status; /* enum pstatus */
  struct m *m;     /* owning M, when P_RUNNING */
  uint32_t schedtick; /* incremented on every scheduling (owner) */
  /* Local run queue: a ring of P_RUNQ_SIZE, runqhead taken by consumers
   * with CAS, runqtail written only by the owner (Go's runqput/runqget). */
  _Atomic uint32_t runqhead;
  _Atomic uint32_t runqtail;
  struct g *runq[P_RUNQ_SIZE];
  /* A G readied by the running G runs next, inheriting the time slice
   * (Go's runnext). */
  struct g *_Atomic runnext;
  /* Free Gs and stacks cached on this P (owner). */
  struct g *gfree;
  int32_t gfreecnt;
  struct gstack stackcache[STACK_CACHE_SIZE];
  int32_t stackcachecnt;
};

/* A queue of Gs linked through schedlink (Go's gQueue). */
struct gqueue {
  struct g *head, *tail;
  int64_t size;
};

struct schedt {
  struct mutex lock;
  struct gqueue runq;       /* global run queue (sched.lock) */
  struct g *gfree;          /* global free Gs (sched.lock) */
  int64_t ngfree;           /* (sched.lock) */
  _Atomic int64_t goidgen;  /* last goid handed out */
  _Atomic int64_t ngoroutines; /* live Gs, user-visible count */
  int32_t mcount;           /* Ms made (sched.lock) */
  int32_t nmidle;           /* idle Ms (sched.lock) */
  int32_t nmspinning;       /* (sched.lock; atomic later) */
  int32_t gomaxprocs;
  struct p **allp;
  struct m *allm;           /* list through alllink (sched.lock) */
  int64_t mnext;            /* next M id (sched.lock) */
  bool main_exited;         /* main called gort_goexit (sched.lock) */
};

extern struct schedt gort__sched;

/* allgs: every G ever made, for the dump and (later) GC roots. */
extern struct mutex gort__allglock;
extern struct g **gort__allgs;
extern size_t gort__allglen;

/* The current M and G. getm() is a real call (not inlinable): after a
 * goroutine switch a cached TLS address could be another thread's. */
struct m *gort__getm(void);
struct g *gort__getg(void);

void gort__casgstatus(struct g *gp, uint32_t oldval, uint32_t newval);
static inline uint32_t gort__readgstatus(struct g *gp) {
  return __atomic_load_n((uint32_t *)&gp->atomicstatus, __ATOMIC_ACQUIRE);
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
