/*
 * netfault.c - the descriptor layer's system-call wrappers and the fault
 * injection of GORT_DEBUG's net* settings (see netfault.h and
 * runtime/debug/debugvars.h).
 *
 * A decision is a hash (splitmix64) of the seed, the fault kind and that
 * kind's call count, so a run with the same seed and the same order of
 * calls injects the same faults; a rate N fails a call when the hash is
 * 0 modulo N. Runs of failures are as long as chance makes them, which is
 * what a storm needs: with N = 2 one call in 32 starts a run of 5 or more.
 *
 * Invariants: see netfault.h. Locking: none (atomics).
 */
#include "atomic/atomic.h"
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "debug/debugvars.h"
#include "netpoll/conn.h"
#include "netpoll/netfault.h"
#include "os/os.h"

static _Atomic uint64_t calls[NF_KINDS], injected[NF_KINDS];

static int64_t rate(enum netfault_kind k) {
  switch (k) {
  case NF_EAGAIN:
    return gort__debug.neteagain;
  case NF_EINTR:
    return gort__debug.neteintr;
  case NF_SHORTWRITE:
    return gort__debug.netshortwrite;
  case NF_EMFILE:
    return gort__debug.netemfile;
  case NF_OPEN:
    return gort__debug.netopenfail;
  case NF_WAIT:
    return gort__debug.netwaitfail;
  default:
    return 0;
  }
}

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* The next number of kind k's sequence. */
static uint64_t next(enum netfault_kind k) {
  uint64_t i = gort__atomic_add_relaxed(&calls[k], 1);
  uint64_t seed =
      gort__debug.netfaultseed ? (uint64_t)gort__debug.netfaultseed : 1;
  return splitmix64(seed ^ splitmix64(((uint64_t)k << 56) + i));
}

bool gort__netfault(enum netfault_kind k) {
  int64_t n = rate(k);
  if (n <= 0)
    return false;
  if (next(k) % (uint64_t)n != 0)
    return false;
  gort__atomic_add_relaxed(&injected[k], 1);
  return true;
}

bool gort__netfault_init(int step) { return gort__debug.netinitfail == step; }

uint64_t gort__netfault_count(enum netfault_kind k) {
  return gort__atomic_load_relaxed(&injected[k]);
}

/* EINTR or EAGAIN instead of the call (0: make the call). A faked EAGAIN
 * asks the backend to report the descriptor again if it is ready, as it
 * would if more bytes came: the goroutine parks and is woken through the
 * poller, the path a real spurious wake-up takes. */
static int injected_errno(struct gort_conn *c, int mode) {
  if (gort__netfault(NF_EINTR))
    return EINTR;
  if (gort__netfault(NF_EAGAIN)) {
    gort__pd_rearm(c->pd, mode);
    return EAGAIN;
  }
  return 0;
}

ssize_t gort__sys_read(struct gort_conn *c, void *buf, size_t n) {
  int e = injected_errno(c, 'r');
  if (e != 0) {
    errno = e;
    return -1;
  }
  return read(c->fd, buf, n);
}

ssize_t gort__sys_write(struct gort_conn *c, const void *buf, size_t n) {
  int e = injected_errno(c, 'w');
  if (e != 0) {
    errno = e;
    return -1;
  }
  if (n > 1 && gort__netfault(NF_SHORTWRITE))
    n = 1 + (size_t)(next(NF_SHORTWRITE) % (n - 1)); /* 1 .. n-1 bytes */
  /* Sockets with MSG_NOSIGNAL; other descriptors with SIGPIPE blocked
   * (os.h): a closed reader is -EPIPE, never a signal. */
  return c->is_socket ? send(c->fd, buf, n, MSG_NOSIGNAL)
                      : gort__os_write_nosigpipe(c->fd, buf, n);
}

int gort__sys_accept(struct gort_conn *c) {
  /* EMFILE before the call: the connection stays queued, as when the
   * kernel finds no free descriptor number. */
  if (gort__netfault(NF_EMFILE)) {
    errno = EMFILE;
    return -1;
  }
  int e = injected_errno(c, 'r');
  if (e != 0) {
    errno = e;
    return -1;
  }
  return accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
