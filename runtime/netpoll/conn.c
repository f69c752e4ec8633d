/*
 * conn.c - reading, writing and closing descriptors on the poller (Go's
 * internal/poll/fd_unix.go): try the call; if it would block, park on the
 * poll descriptor until ready, the deadline, or close, and try again.
 * Also the conns themselves: allocation, the dead FIFO, the entry check
 * of every handle.
 *
 * Invariants and locking: see conn.h. A call holds a reference from start
 * to end, and read_mu or write_mu while it uses the descriptor. The
 * system calls go through netfault.c's wrappers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "atomic/atomic.h"
#include "debug/print.h"
#include "netpoll/conn.h"
#include "netpoll/netfault.h"
#include "os/os.h"
#include "sched/mp.h"

/* Go's fd_unix.go: reads and writes of a stream go in pieces of at most
 * 1 GiB (some kernels refuse more; Linux stops at 2 GiB - 4 KiB). */
enum { MAX_RW = 1 << 30 };

/* ---- conns: allocation, the dead FIFO, handle checks ------------------- */

static struct {
  struct mutex lock;
  struct gort_conn *head, *tail; /* oldest first */
  int32_t n;
} dead = {.lock = GORT_LOCK_INITIALIZER(LOCK_RANK_CONN_DEAD)};

static struct gort_conn *conn_alloc(void) {
  struct gort_conn *c = NULL;
  gort__lock(&dead.lock);
  if (dead.n > CONN_QUARANTINE) {
    c = dead.head;
    dead.head = c->next_dead;
    if (dead.head == NULL)
      dead.tail = NULL;
    dead.n--;
  }
  gort__unlock(&dead.lock);
  if (c == NULL)
    return calloc(1, sizeof *c);
  /* Nobody uses a dead conn (refs 0), but for a stale handle's entry
   * check, which reads magic only. */
  c->fd = -1;
  c->pd = NULL;
  gort__atomic_store_relaxed(&c->refs, 0);
  gort__atomic_store_relaxed(&c->closed, false);
  c->is_socket = false;
  c->read_mu = (gort_mutex)GORT_MUTEX_INIT;
  c->write_mu = (gort_mutex)GORT_MUTEX_INIT;
  c->next_dead = NULL;
  return c;
}

/* Retire c (its last reference is gone). */
static void conn_retire(struct gort_conn *c) {
  /* Release: a stale entry check that sees CONN_DEAD dies; one that still
   * sees the open magic races with the end of close and gets
   * GORT_ECLOSED from acquire (refs is 0). */
  gort__atomic_store_release(&c->magic, CONN_DEAD);
  c->next_dead = NULL;
  gort__lock(&dead.lock);
  if (dead.tail)
    dead.tail->next_dead = c;
  else
    dead.head = c;
  dead.tail = c;
  dead.n++;
  gort__unlock(&dead.lock);
}

/* "fatal error: gort: <what went wrong> [<call>]", the shape of the
 * runtime's other handle checks. */
static _Noreturn void bad_handle(uint32_t kind, uint32_t seen, const char *what,
                                 bool closing) {
  const char *name = kind == CONN_OPEN ? "network connection" : "listener";
  char buf[192];
  size_t n = 0;
  buf[0] = 0;
  gort__msg_cat(buf, sizeof buf, &n, "gort: ");
  if (seen == CONN_DEAD && closing) {
    gort__msg_cat(buf, sizeof buf, &n, name);
    gort__msg_cat(buf, sizeof buf, &n, " closed twice");
  } else if (seen == CONN_DEAD) {
    gort__msg_cat(buf, sizeof buf, &n, "use of closed ");
    gort__msg_cat(buf, sizeof buf, &n, name);
    gort__msg_cat(buf, sizeof buf, &n, " handle (after close returned)");
  } else if (seen == CONN_OPEN || seen == LISTENER_OPEN) {
    gort__msg_cat(buf, sizeof buf, &n, "invalid ");
    gort__msg_cat(buf, sizeof buf, &n, name);
    gort__msg_cat(buf, sizeof buf, &n,
                  seen == CONN_OPEN ? " handle (a connection)"
                                    : " handle (a listener)");
  } else {
    gort__msg_cat(buf, sizeof buf, &n, "invalid ");
    gort__msg_cat(buf, sizeof buf, &n, name);
    gort__msg_cat(buf, sizeof buf, &n,
                  " handle (never opened, or closed long ago)");
  }
  gort__msg_cat(buf, sizeof buf, &n, " [");
  gort__msg_cat(buf, sizeof buf, &n, what);
  gort__msg_cat(buf, sizeof buf, &n, "]");
  gort__die_begin("fatal error: ", buf);
  gort__die_end();
}

int gort__conn_check(struct gort_conn *c, uint32_t kind, const char *what) {
  gort__must_getg(what);
  if (c == NULL) /* Go's net methods: !c.ok() is syscall.EINVAL (net.go) */
    return GORT_EINVAL;
  /* Acquire: pairs with the release stores of conn_new and conn_retire. */
  uint32_t m = gort__atomic_load_acquire(&c->magic);
  if (__builtin_expect(m != kind, 0))
    bad_handle(kind, m, what,
               strcmp(what, "gort_conn_close") == 0 ||
                   strcmp(what, "gort_listener_close") == 0);
  return 0;
}

int gort__conn_new(int fd, bool is_socket, uint32_t kind,
                   struct gort_conn **out) {
  *out = NULL;
  if (!gort__netpoll_start()) {
    close(fd);
    return GORT_ENOTSUP;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    int e = errno;
    if (e != EBADF) /* not open: the number may be someone else's soon */
      close(fd);
    return -e;
  }
  struct gort_conn *c = conn_alloc();
  if (c == NULL) {
    close(fd);
    return GORT_ENOMEM;
  }
  int err = 0;
  c->pd = gort__pd_open(fd, &err);
  if (c->pd == NULL) {
    /* Never handed out: straight to the dead FIFO. */
    conn_retire(c);
    if (err != -EEXIST) /* else another conn owns fd */
      close(fd);
    return err;
  }
  c->fd = fd;
  c->is_socket = is_socket;
  gort__atomic_store_relaxed(&c->refs, 1);
  /* Release: the fields above are set before the handle checks pass. */
  gort__atomic_store_release(&c->magic, kind);
  *out = c;
  return 0;
}

bool gort__conn_acquire(struct gort_conn *c) {
  int32_t r = gort__atomic_load_relaxed(&c->refs);
  do {
    if (r <= 0)
      return false; /* the last reference went while we came in */
  } while (!gort__atomic_cas_weak_acquire(&c->refs, &r, r + 1));
  if (gort__atomic_load_acquire(&c->closed)) {
    gort__conn_release(c);
    return false;
  }
  return true;
}

void gort__conn_release(struct gort_conn *c) {
  if (gort__atomic_sub_acq_rel(&c->refs, 1) != 1)
    return;
  gort__pd_close(c->pd); /* off the poller before the number is freed */
  close(c->fd);
  conn_retire(c);
}

int gort__conn_retry(struct gort_conn *c, int mode, int err) {
  if (err == EINTR)
    return 0;
  if (err != EAGAIN && err != EWOULDBLOCK)
    return -err;
  return gort__pd_wait(c->pd, mode);
}

/* ---- the API ---------------------------------------------------------------
 */

int gort_conn_from_fd(int fd, gort_conn **out) {
  gort__must_getg("gort_conn_from_fd");
  if (out == NULL || fd < 0)
    return GORT_EINVAL;
  int type;
  socklen_t len = sizeof type;
  bool is_socket = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
  return gort__conn_new(fd, is_socket, CONN_OPEN, out);
}

ptrdiff_t gort_conn_read(gort_conn *c, void *buf, size_t n) {
  int rc0 = gort__conn_check(c, CONN_OPEN, "gort_conn_read");
  if (rc0 != 0)
    return rc0;
  if ((buf == NULL && n > 0) || n > PTRDIFF_MAX)
    return GORT_EINVAL;
  if (n > MAX_RW)
    n = MAX_RW;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  gort_mutex_lock(&c->read_mu);
  ptrdiff_t rc = gort__pd_prepare(c->pd, 'r');
  while (rc == 0 && n > 0) {
    ssize_t k = gort__sys_read(c, buf, n);
    if (k >= 0) {
      rc = k;
      break;
    }
    rc = gort__conn_retry(c, 'r', errno);
  }
  gort_mutex_unlock(&c->read_mu);
  gort__conn_release(c);
  return rc;
}

/* All n bytes, however many each call takes (Go's FD.Write loop). */
ptrdiff_t gort_conn_write(gort_conn *c, const void *buf, size_t n) {
  int rc0 = gort__conn_check(c, CONN_OPEN, "gort_conn_write");
  if (rc0 != 0)
    return rc0;
  if ((buf == NULL && n > 0) || n > PTRDIFF_MAX)
    return GORT_EINVAL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  gort_mutex_lock(&c->write_mu);
  int err = gort__pd_prepare(c->pd, 'w');
  size_t done = 0;
  while (err == 0 && done < n) {
    size_t chunk = n - done > MAX_RW ? MAX_RW : n - done;
    ssize_t k = gort__sys_write(c, (const char *)buf + done, chunk);
    if (k >= 0)
      done += (size_t)k;
    else
      err = gort__conn_retry(c, 'w', errno);
  }
  gort_mutex_unlock(&c->write_mu);
  gort__conn_release(c);
  return err != 0 ? err : (ptrdiff_t)done;
}

int gort__conn_set_deadline(struct gort_conn *c, int64_t when, int mode) {
  if (when < 0)
    return GORT_EINVAL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  gort__pd_set_deadline(c->pd, when, mode);
  gort__conn_release(c);
  return 0;
}

static int set_deadline(gort_conn *c, int64_t when, int mode,
                        const char *what) {
  int rc = gort__conn_check(c, CONN_OPEN, what);
  return rc != 0 ? rc : gort__conn_set_deadline(c, when, mode);
}

int gort_conn_set_deadline(gort_conn *c, int64_t when) {
  return set_deadline(c, when, 'r' + 'w', "gort_conn_set_deadline");
}

int gort_conn_set_read_deadline(gort_conn *c, int64_t when) {
  return set_deadline(c, when, 'r', "gort_conn_set_read_deadline");
}

int gort_conn_set_write_deadline(gort_conn *c, int64_t when) {
  return set_deadline(c, when, 'w', "gort_conn_set_write_deadline");
}

int gort_conn_close_write(gort_conn *c) {
  int rc = gort__conn_check(c, CONN_OPEN, "gort_conn_close_write");
  if (rc != 0)
    return rc;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  rc = shutdown(c->fd, SHUT_WR) == 0 ? 0 : -errno;
  gort__conn_release(c);
  return rc;
}

int gort__conn_close(struct gort_conn *c) {
  bool was = false;
  if (!gort__atomic_cas_strong_seq_cst(&c->closed, &was, true))
    return GORT_ECLOSED; /* closing, calls still inside: Go's ErrClosed */
  gort__pd_evict(c->pd);
  gort__conn_release(c);
  return 0;
}

int gort_conn_close(gort_conn *c) {
  int rc = gort__conn_check(c, CONN_OPEN, "gort_conn_close");
  return rc != 0 ? rc : gort__conn_close(c);
}
