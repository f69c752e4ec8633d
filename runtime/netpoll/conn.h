/*
 * conn.h - the descriptor layer shared by conn.c (reads, writes, close:
 * Go's internal/poll.FD) and net.c (TCP: listen, accept, dial).
 *
 * A conn is a descriptor on the poller with a reference count: one for
 * the open handle, one for each call in progress. Close drops the handle's
 * reference after waking everyone; the last reference closes the
 * descriptor and frees the conn, so a descriptor number is never reused
 * while a call could still touch it (Go's fdMutex, simplified).
 *
 * Locking: read_mu serialises readers (and accepts), write_mu writers;
 * refs and closed are atomics.
 */
#ifndef GORT_NETPOLL_CONN_H
#define GORT_NETPOLL_CONN_H

#include <stdatomic.h>

#include "gort.h"
#include "netpoll.h"

struct gort_conn {
  int fd;
  struct poll_desc *pd;
  _Atomic int32_t refs;
  _Atomic bool closed;
  bool is_socket;
  gort_mutex read_mu, write_mu;
};

/* Wrap fd (made non-blocking); on failure fd is closed. */
int gort__conn_new(int fd, bool is_socket, struct gort_conn **out);
/* Take a reference for a call; false (GORT_ECLOSED) once closed. */
bool gort__conn_acquire(struct gort_conn *c);
/* After a non-blocking call on c failed with errno err: 0 to try it
 * again (interrupted, or ready after waiting for mode), else the error
 * that ends the call (-errno, closed, timeout). */
int gort__conn_retry(struct gort_conn *c, int mode, int err);
void gort__conn_release(struct gort_conn *c);

#endif
