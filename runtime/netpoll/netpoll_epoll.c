/*
 * netpoll_epoll.c - the Linux backend: one epoll instance, every
 * descriptor registered once, edge-triggered, for both directions (Go's
 * runtime/netpoll_epoll.go). An eventfd, also in the set, interrupts a
 * blocking wait.
 *
 * An event carries the poll_desc's address and its fdseq (in the top 16
 * bits; user-space addresses fit in 48): an event for a descriptor closed
 * and reused since is dropped.
 *
 * Start-up failures throw with Go's messages; a failed registration is
 * the caller's error; a failed wait throws. GORT_DEBUG's net faults are
 * injected before each of these calls (netfault.h).
 *
 * Invariants: epfd and wake_fd are set once by init, before any other
 * call. Locking: none of its own; the kernel serialises epoll_ctl and
 * epoll_wait, and wake_pending keeps the eventfd to one pending write.
 */
#include "atomic/atomic.h"
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "debug/print.h"
#include "netpoll/netfault.h"
#include "netpoll/netpoll.h"

static int epfd = -1, wake_fd = -1;
static _Atomic uint32_t wake_pending;

enum { TAG_SHIFT = 48, EVENTS_PER_WAIT = 128 };
static const uint64_t WAKE_TOKEN = 1; /* never a poll_desc's address */

static uint64_t tag(struct poll_desc *pd) {
  uint64_t seq = gort__atomic_load_seq_cst(&pd->fdseq) & 0xffff;
  return (uint64_t)(uintptr_t)pd | seq << TAG_SHIFT;
}

/* Start-up failures throw with Go's words (netpoll_epoll.go's
 * netpollinit): the poller is the runtime's, not a call's. */
static _Noreturn void init_failed(const char *call, int err, const char *msg) {
  gort__print_str("runtime: ");
  gort__print_str(call);
  gort__print_str(" failed with ");
  gort__print_int(err);
  gort__print_str("\n");
  gort__throw(msg);
}

static bool epoll_init(void) {
  epfd = gort__netfault_init(1) ? (errno = EMFILE, -1)
                                : epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0)
    init_failed("epollcreate", errno, "runtime: netpollinit failed");
  wake_fd = gort__netfault_init(2) ? (errno = EMFILE, -1)
                                   : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0)
    init_failed("eventfd", errno, "runtime: eventfd failed");
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TOKEN};
  if (gort__netfault_init(3) ? (errno = ENOMEM, -1)
                             : epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev))
    init_failed("epollctl", errno, "runtime: epollctl failed");
  return true;
}

enum { EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };

/* A failed registration is the caller's error (Go's pollOpen returns
 * errno and the descriptor is closed): ENOSPC past max_user_watches,
 * ENOMEM, EPERM for a file epoll cannot watch, EEXIST if already there. */
static int epoll_open(struct poll_desc *pd) {
  if (gort__netfault(NF_OPEN))
    return -ENOSPC;
  struct epoll_event ev = {.events = EVENTS, .data.u64 = tag(pd)};
  return epoll_ctl(epfd, EPOLL_CTL_ADD, pd->fd, &ev) == 0 ? 0 : -errno;
}

/* EPOLL_CTL_MOD makes the kernel check the descriptor again and queue an
 * event if it is ready: a new edge for what is already there. */
static void epoll_rearm(struct poll_desc *pd, int mode) {
  (void)mode;
  struct epoll_event ev = {.events = EVENTS, .data.u64 = tag(pd)};
  epoll_ctl(epfd, EPOLL_CTL_MOD, pd->fd, &ev);
}

static void epoll_close(struct poll_desc *pd) {
  struct epoll_event ev = {0};
  epoll_ctl(epfd, EPOLL_CTL_DEL, pd->fd, &ev);
}

static void epoll_wake_up(void) {
  uint32_t zero = 0;
  if (!gort__atomic_cas_strong_seq_cst(&wake_pending, &zero, 1))
    return; /* one write is enough to end the wait */
  uint64_t one = 1;
  while (write(wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

static int delay_ms(int64_t delay_ns) {
  if (delay_ns < 0)
    return -1;
  if (delay_ns == 0)
    return 0;
  if (delay_ns < 1000000)
    return 1; /* a wait shorter than epoll's unit still waits */
  if (delay_ns < 1000000000000ll)
    return (int)(delay_ns / 1000000);
  return 1000000; /* ~17 minutes: the caller loops */
}

static struct g *epoll_wait_events(int64_t delay_ns) {
  struct epoll_event evs[EVENTS_PER_WAIT];
  int n;
  for (;;) {
    n = gort__netfault(NF_WAIT)
            ? (errno = EBADF, -1)
            : epoll_wait(epfd, evs, EVENTS_PER_WAIT, delay_ms(delay_ns));
    if (n >= 0)
      break;
    if (errno != EINTR) {
      /* Go's words (netpoll_epoll.go), the detail after the headline:
       * die_begin lets one M through, so two failing at once do not mix
       * their lines. */
      int err = errno;
      gort__die_begin("fatal error: ", "runtime: netpoll failed");
      gort__print_str("runtime: epollwait on fd ");
      gort__print_int(epfd);
      gort__print_str(" failed with ");
      gort__print_int(err);
      gort__print_str("\n");
      gort__die_end();
    }
    if (delay_ns > 0)
      return NULL; /* let the caller recompute its timeout */
  }
  struct g *list = NULL;
  for (int i = 0; i < n; i++) {
    uint64_t data = evs[i].data.u64;
    uint32_t e = evs[i].events;
    if (data == WAKE_TOKEN) {
      /* A non-blocking poll leaves the wake-up to the blocked one. */
      if (delay_ns != 0) {
        uint64_t v;
        while (read(wake_fd, &v, sizeof v) < 0 && errno == EINTR) {
        }
        gort__atomic_store_seq_cst(&wake_pending, 0);
      }
      continue;
    }
    int mode = 0;
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
      mode += 'r';
    if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
      mode += 'w';
    struct poll_desc *pd =
        (struct poll_desc *)(uintptr_t)(data & ((1ull << TAG_SHIFT) - 1));
    uint32_t seq = (uint32_t)(data >> TAG_SHIFT);
    if (mode && (gort__atomic_load_seq_cst(&pd->fdseq) & 0xffff) == seq)
      gort__netpoll_ready(&list, pd, mode);
  }
  return list;
}

const struct netpoll_backend gort__netpoll_epoll = {
    .name = "epoll",
    .init = epoll_init,
    .open = epoll_open,
    .close = epoll_close,
    .arm = NULL,
    .rearm = epoll_rearm,
    .wait = epoll_wait_events,
    .wake_up = epoll_wake_up,
};

const struct netpoll_backend *gort__netpoll_default_backend(void) {
  return &gort__netpoll_epoll;
}
