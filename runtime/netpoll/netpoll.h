/*
 * netpoll.h - the network poller's internal interface: poll descriptors
 * (netpoll.c), the backends that wait for readiness (one file each), and
 * what the scheduler calls (Go's runtime/netpoll.go).
 *
 * A poll_desc is one descriptor registered with the backend. For each
 * direction ('r', 'w') it holds a semaphore-like word (rg, wg):
 *   PD_NIL    nobody waits, no readiness noted;
 *   PD_READY  the backend said "ready" and nobody has used it yet;
 *   PD_WAIT   a goroutine is about to park (not yet committed);
 *   a G       that goroutine is parked until ready, deadline or close.
 * Transitions are CASes; the backend moves NIL/WAIT/G to READY, a deadline
 * or close moves a G to NIL and readies it, the waiter moves READY to NIL.
 *
 * Invariants:
 *   - poll_descs are never freed (a cache, as Go's pollCache): a stale
 *     event or timer may still hold a pointer; fdseq, bumped at every
 *     reuse, tells it that the descriptor is gone.
 *   - A G parked on a poll_desc counts in netpoll_waiters.
 *
 * Locking: pd->lock (a runtime lock; it arms deadline timers, so a timer
 * heap's lock nests inside it: order in sched/lockrank.c) guards fd,
 * closing, the deadlines and their timers; rg/wg are atomics.
 */
#ifndef GORT_NETPOLL_NETPOLL_H
#define GORT_NETPOLL_NETPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/runtime2.h"
#include "time/timer.h"

enum { PD_NIL = 0, PD_READY = 1, PD_WAIT = 2 };

struct poll_desc {
  struct poll_desc *link; /* free list (cache lock) */
  struct mutex lock;
  int fd;
  _Atomic uint32_t fdseq; /* bumped when the desc is reused */
  bool closing;
  _Atomic uintptr_t rg, wg;
  int64_t rd, wd;      /* deadlines: 0 none, -1 passed, else when */
  struct timer rt, wt; /* their timers */
  /* Backend's: poll()'s slot and the directions a waiter armed. */
  int32_t slot;
  uint32_t armed;
};

/* A backend (epoll, poll, none). init returns false when this platform
 * has no poller (wasm); a poller that exists but fails to start throws, as
 * Go's netpollinit. open returns 0 or -errno (-EEXIST: fd is registered
 * already, by another live poll_desc). wait returns the Gs it readied,
 * linked by schedlink; delay_ns < 0 blocks until an event or wake_up, 0
 * does not block; a failure other than EINTR throws ("runtime: netpoll
 * failed", as Go). arm is for level-triggered backends: called before a G
 * parks for mode. rearm (edge-triggered backends; NULL elsewhere) makes
 * the backend report pd again if it is ready now: fault injection calls it
 * when it fakes EAGAIN on a descriptor that may be ready (netfault.h). */
struct netpoll_backend {
  const char *name;
  bool (*init)(void);
  int (*open)(struct poll_desc *pd); /* 0 or -errno */
  void (*close)(struct poll_desc *pd);
  void (*arm)(struct poll_desc *pd, int mode);
  void (*rearm)(struct poll_desc *pd, int mode);
  struct g *(*wait)(int64_t delay_ns);
  void (*wake_up)(void);
};

extern const struct netpoll_backend gort__netpoll_epoll;
extern const struct netpoll_backend gort__netpoll_poll;
extern const struct netpoll_backend gort__netpoll_none;
/* The platform's default (netpoll_epoll.c on Linux, netpoll_wasm.c). */
const struct netpoll_backend *gort__netpoll_default_backend(void);

/* For backends: the descriptor is ready for mode ('r', 'w' or 'r'+'w');
 * a G it wakes is pushed on *list. */
void gort__netpoll_ready(struct g **list, struct poll_desc *pd, int mode);

/* ---- for the descriptor layer (conn.c, netfault.c) --------------------- */

/* Starts the poller on first use; false if this platform has none. */
bool gort__netpoll_start(void);
struct poll_desc *gort__pd_open(int fd, int *err);
/* Wake every waiter with GORT_ECLOSED from now on (Go's evict). */
void gort__pd_evict(struct poll_desc *pd);
/* Unregister and return to the cache; before the fd is closed. */
void gort__pd_close(struct poll_desc *pd);
/* Before an I/O attempt: 0, or the error that ends it (closed, timeout);
 * forgets readiness noted before (the attempt will see it). */
int gort__pd_prepare(struct poll_desc *pd, int mode);
/* The attempt would block: park until ready (0), or the error. */
int gort__pd_wait(struct poll_desc *pd, int mode);
/* Deadline for mode 'r', 'w' or 'r'+'w' (0: none, see gort.h). */
void gort__pd_set_deadline(struct poll_desc *pd, int64_t when, int mode);
/* Have the backend report pd again if it is ready for mode (see rearm). */
void gort__pd_rearm(struct poll_desc *pd, int mode);

/* ---- for the scheduler --------------------------------------------------- */

/* The poller is running and goroutines wait on it. */
bool gort__netpoll_wanted(void);
/* Poll; the readied Gs (still G_WAITING) linked by schedlink. Blocking
 * (delay_ns != 0) only by the M that set sched.lastpoll to 0. */
struct g *gort__netpoll(int64_t delay_ns);
/* Interrupt a blocking gort__netpoll (a new earlier timer). */
void gort__netpoll_break(void);

#endif
