/*
 * netpoll_poll.c - the portable backend: poll(2) over a table of the
 * registered descriptors (GORT_NETPOLL=poll on Linux; the fallback where
 * neither epoll nor kqueue exists). Modelled on Go's netpoll_aix.go.
 *
 * poll() is level-triggered, so a descriptor is watched only in the
 * directions a goroutine waits for (arm, called before it parks); the
 * poller disarms a direction when it reports it, or a readable socket
 * nobody reads would wake every poll. A blocking poll() works on a copy of
 * the table; a change (arm, open, close) writes the wake pipe so that the
 * blocked poller takes a fresh copy. netpoll_break also writes it, and
 * then the wait returns.
 *
 * Failures as in the epoll backend: start-up and wait throw, a failed
 * registration (out of memory, or a descriptor already registered:
 * -EEXIST) is the caller's error; GORT_DEBUG's net faults are injected
 * before these calls (netfault.h).
 *
 * Invariants: table slot 0 is the wake pipe's read end; a descriptor is
 * in the table at most once; pd->slot is the
 * desc's index in the table while registered; pd->armed has bit 1 for 'r'
 * and bit 2 for 'w'.
 *
 * Locking: table_lock guards the table and every pd->slot and pd->armed
 * (a leaf lock).
 */
#include "atomic/atomic.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "debug/print.h"
#include "netpoll/netfault.h"
#include "netpoll/netpoll.h"
#include "os/os.h"
#include "time/when.h"

static struct {
  struct mutex lock;
  struct pollfd *fds;
  struct poll_desc **pds;
  int32_t n, cap;
} table = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_NETPOLL_TABLE)};

static int wake_rd = -1, wake_wr = -1;
static _Atomic uint32_t wake_pending, break_requested;

enum { ARM_R = 1, ARM_W = 2 };

static void write_wake(void) {
  uint32_t zero = 0;
  if (!gort__atomic_cas_strong_seq_cst(&wake_pending, &zero, 1))
    return;
  char b = 0;
  while (write(wake_wr, &b, 1) < 0 && errno == EINTR) {
  }
}

static bool grow_locked(void) {
  GORT_ASSERT_LOCKED(&table.lock);
  if (table.n < table.cap)
    return true;
  int32_t ncap = table.cap ? table.cap * 2 : 64;
  struct pollfd *f = realloc(table.fds, (size_t)ncap * sizeof *f);
  if (f == NULL)
    return false;
  table.fds = f;
  struct poll_desc **p = realloc(table.pds, (size_t)ncap * sizeof *p);
  if (p == NULL)
    return false;
  table.pds = p;
  table.cap = ncap;
  return true;
}

/* Start-up failures throw, as Go's netpollinit does. */
static bool poll_init(void) {
  int p[2];
  if (gort__netfault_init(1) ? (errno = EMFILE, -1) : pipe(p)) {
    gort__print_str("runtime: pipe failed with ");
    gort__print_int(errno);
    gort__print_str("\n");
    gort__throw("runtime: netpollinit failed");
  }
  for (int i = 0; i < 2; i++) {
    fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
    fcntl(p[i], F_SETFD, FD_CLOEXEC);
  }
  wake_rd = p[0];
  wake_wr = p[1];
  gort__lock(&table.lock);
  bool ok = grow_locked();
  if (ok) {
    table.fds[0] = (struct pollfd){.fd = wake_rd, .events = POLLIN};
    table.pds[0] = NULL;
    table.n = 1;
  }
  gort__unlock(&table.lock);
  if (!ok)
    gort__throw("runtime: netpollinit failed (out of memory)");
  return true;
}

static int poll_open(struct poll_desc *pd) {
  if (gort__netfault(NF_OPEN))
    return GORT_ENOMEM; /* as a failed grow */
  gort__lock(&table.lock);
  /* One entry per descriptor, as epoll's EEXIST: a second conn on a
   * descriptor a live one owns is refused (the number cannot have been
   * reused: it is closed only after its entry is gone). */
  for (int32_t i = 1; i < table.n; i++) {
    if (table.fds[i].fd == pd->fd) {
      gort__unlock(&table.lock);
      return -EEXIST;
    }
  }
  if (!grow_locked()) {
    gort__unlock(&table.lock);
    return GORT_ENOMEM;
  }
  pd->slot = table.n++;
  pd->armed = 0;
  table.fds[pd->slot] = (struct pollfd){.fd = pd->fd, .events = 0};
  table.pds[pd->slot] = pd;
  gort__unlock(&table.lock);
  return 0;
}

static void poll_close(struct poll_desc *pd) {
  gort__lock(&table.lock);
  int32_t i = pd->slot, last = --table.n;
  if (i != last) {
    table.fds[i] = table.fds[last];
    table.pds[i] = table.pds[last];
    table.pds[i]->slot = i;
  }
  pd->slot = -1;
  gort__unlock(&table.lock);
  write_wake(); /* the blocked poller must stop watching the old fd */
}

static void poll_arm(struct poll_desc *pd, int mode) {
  uint32_t bit = mode == 'r' ? ARM_R : ARM_W;
  gort__lock(&table.lock);
  bool changed = pd->slot >= 0 && (pd->armed & bit) == 0;
  if (changed) {
    pd->armed |= bit;
    table.fds[pd->slot].events |= mode == 'r' ? POLLIN : POLLOUT;
  }
  gort__unlock(&table.lock);
  if (changed)
    write_wake();
}

static void poll_wake_up(void) {
  gort__atomic_store_seq_cst(&break_requested, 1);
  write_wake();
}

/* One poll() over a copy of the table; true if the wake pipe fired. */
static bool poll_once(int timeout_ms, bool consume_wake, struct g **list) {
  gort__lock(&table.lock);
  int32_t n = table.n;
  struct pollfd *fds = malloc((size_t)n * sizeof *fds);
  struct poll_desc **pds = malloc((size_t)n * sizeof *pds);
  uint32_t *seqs = malloc((size_t)n * sizeof *seqs);
  if (fds == NULL || pds == NULL || seqs == NULL)
    gort__throw("runtime: out of memory in netpoll");
  for (int32_t i = 0; i < n; i++) {
    fds[i] = table.fds[i];
    pds[i] = table.pds[i];
    seqs[i] = pds[i] ? gort__atomic_load_seq_cst(&pds[i]->fdseq) : 0;
  }
  gort__unlock(&table.lock);
  int got = gort__netfault(NF_WAIT) ? (errno = EBADF, -1)
                                    : poll(fds, (nfds_t)n, timeout_ms);
  if (got < 0 && errno != EINTR) {
    int err = errno; /* one M reports (see netpoll_epoll.c) */
    gort__die_begin("fatal error: ", "runtime: netpoll failed");
    gort__print_str("runtime: poll failed with ");
    gort__print_int(err);
    gort__print_str("\n");
    gort__die_end();
  }
  bool woken = false;
  if (got > 0) {
    gort__lock(&table.lock);
    for (int32_t i = 0; i < n; i++) {
      short re = fds[i].revents;
      if (re == 0)
        continue;
      if (i == 0) {
        woken = true;
        if (consume_wake) {
          char buf[16];
          while (read(wake_rd, buf, sizeof buf) > 0) {
          }
          gort__atomic_store_seq_cst(&wake_pending, 0);
        }
        continue;
      }
      struct poll_desc *pd = pds[i];
      if (gort__atomic_load_seq_cst(&pd->fdseq) != seqs[i] || pd->slot < 0)
        continue; /* closed meanwhile */
      uint32_t hit = 0;
      if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
        hit |= pd->armed & ARM_R;
      if (re & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
        hit |= pd->armed & ARM_W;
      if (hit == 0)
        continue;
      pd->armed &= ~hit;
      if (hit & ARM_R)
        table.fds[pd->slot].events &= ~POLLIN;
      if (hit & ARM_W)
        table.fds[pd->slot].events &= ~POLLOUT;
      int mode = (hit & ARM_R ? 'r' : 0) + (hit & ARM_W ? 'w' : 0);
      gort__netpoll_ready(list, pd, mode);
    }
    gort__unlock(&table.lock);
  }
  free(fds);
  free(pds);
  free(seqs);
  return woken;
}

static struct g *poll_wait(int64_t delay_ns) {
  struct g *list = NULL;
  int64_t until =
      delay_ns > 0 ? gort__add_sat(gort__os_nanotime(), delay_ns) : 0;
  for (;;) {
    int timeout_ms = -1;
    if (delay_ns == 0) {
      timeout_ms = 0;
    } else if (delay_ns > 0) {
      int64_t left = until - gort__os_nanotime();
      if (left <= 0)
        timeout_ms = 0;
      else
        timeout_ms = left < 1000000           ? 1
                     : left > 1000000000000ll ? 1000000
                                              : (int)(left / 1000000);
    }
    bool woken = poll_once(timeout_ms, delay_ns != 0, &list);
    /* Return with events, on timeout, when not blocking, or when
     * netpoll_break asked; a wake-up that only changed the table polls
     * again with a fresh copy. */
    if (list || !woken || timeout_ms == 0 ||
        gort__atomic_exchange_seq_cst(&break_requested, 0))
      return list;
  }
}

const struct netpoll_backend gort__netpoll_poll = {
    .name = "poll",
    .init = poll_init,
    .open = poll_open,
    .close = poll_close,
    .arm = poll_arm,
    .rearm = NULL, /* level-triggered: arm sees what is there */
    .wait = poll_wait,
    .wake_up = poll_wake_up,
};
