/*
 * conn.c - reading, writing and closing descriptors on the poller (Go's
 * internal/poll/fd_unix.go): try the call; if it would block, park on the
 * poll descriptor until ready, the deadline, or close, and try again.
 *
 * Invariants and locking: see conn.h. A call holds a reference from start
 * to end, and read_mu or write_mu while it uses the descriptor. The
 * system calls go through netfault.c's wrappers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../os/os.h"
#include "conn.h"
#include "netfault.h"

int gort__conn_new(int fd, bool is_socket, struct gort_conn **out) {
  *out = NULL;
  if (!gort__netpoll_start()) {
    close(fd);
    return GORT_ENOTSUP;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    int e = -errno;
    close(fd);
    return e;
  }
  struct gort_conn *c = calloc(1, sizeof *c);
  if (c == NULL) {
    close(fd);
    return GORT_ENOMEM;
  }
  int err = 0;
  c->pd = gort__pd_open(fd, &err);
  if (c->pd == NULL) {
    free(c);
    close(fd);
    return err;
  }
  c->fd = fd;
  c->is_socket = is_socket;
  atomic_init(&c->refs, 1);
  *out = c;
  return 0;
}

bool gort__conn_acquire(struct gort_conn *c) {
  atomic_fetch_add_explicit(&c->refs, 1, memory_order_acquire);
  if (atomic_load_explicit(&c->closed, memory_order_acquire)) {
    gort__conn_release(c);
    return false;
  }
  return true;
}

void gort__conn_release(struct gort_conn *c) {
  if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
    return;
  gort__pd_close(c->pd); /* off the poller before the number is freed */
  close(c->fd);
  free(c);
}

int gort__conn_retry(struct gort_conn *c, int mode, int err) {
  if (err == EINTR)
    return 0;
  if (err != EAGAIN && err != EWOULDBLOCK)
    return -err;
  return gort__pd_wait(c->pd, mode);
}

int gort_conn_from_fd(int fd, gort_conn **out) {
  if (out == NULL || fd < 0)
    return GORT_EINVAL;
  int type;
  socklen_t len = sizeof type;
  bool is_socket = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
  return gort__conn_new(fd, is_socket, out);
}

ptrdiff_t gort_conn_read(gort_conn *c, void *buf, size_t n) {
  if (c == NULL || (buf == NULL && n > 0))
    return GORT_EINVAL;
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

ptrdiff_t gort_conn_write(gort_conn *c, const void *buf, size_t n) {
  if (c == NULL || (buf == NULL && n > 0) || n > PTRDIFF_MAX)
    return GORT_EINVAL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  gort_mutex_lock(&c->write_mu);
  int err = gort__pd_prepare(c->pd, 'w');
  size_t done = 0;
  while (err == 0 && done < n) {
    ssize_t k = gort__sys_write(c, (const char *)buf + done, n - done);
    if (k >= 0)
      done += (size_t)k;
    else
      err = gort__conn_retry(c, 'w', errno);
  }
  gort_mutex_unlock(&c->write_mu);
  gort__conn_release(c);
  return err != 0 ? err : (ptrdiff_t)done;
}

static int set_deadline(gort_conn *c, int64_t when, int mode) {
  if (c == NULL || when < 0)
    return GORT_EINVAL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  gort__pd_set_deadline(c->pd, when, mode);
  gort__conn_release(c);
  return 0;
}

int gort_conn_set_deadline(gort_conn *c, int64_t when) {
  return set_deadline(c, when, 'r' + 'w');
}

int gort_conn_set_read_deadline(gort_conn *c, int64_t when) {
  return set_deadline(c, when, 'r');
}

int gort_conn_set_write_deadline(gort_conn *c, int64_t when) {
  return set_deadline(c, when, 'w');
}

int gort_conn_close_write(gort_conn *c) {
  if (c == NULL)
    return GORT_EINVAL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  int rc = shutdown(c->fd, SHUT_WR) == 0 ? 0 : -errno;
  gort__conn_release(c);
  return rc;
}

int gort_conn_close(gort_conn *c) {
  if (c == NULL)
    return GORT_EINVAL;
  bool was = false;
  if (!atomic_compare_exchange_strong(&c->closed, &was, true))
    return GORT_ECLOSED;
  gort__pd_evict(c->pd);
  gort__conn_release(c);
  return 0;
}
