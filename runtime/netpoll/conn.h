/*
 * conn.h - the descriptor layer shared by conn.c (reads, writes, close:
 * Go's internal/poll.FD) and net.c (TCP: listen, accept, dial).
 *
 * A conn is a descriptor on the poller with a reference count: one for
 * the open handle, one for each call in progress. Close drops the handle's
 * reference after waking everyone; the last reference closes the
 * descriptor and retires the conn, so a descriptor number is never reused
 * while a call could still touch it (Go's fdMutex, simplified). A listener
 * is a conn too (magic says which).
 *
 * Handles are checked on entry (Go keeps a closed conn alive with its GC;
 * C cannot, so a handle used after close must be caught another way):
 * conns are never given back to malloc. A retired conn goes to a FIFO of
 * dead conns with magic CONN_DEAD and is reused only once CONN_QUARANTINE
 * others have been retired after it, so a call on a handle whose close
 * has completed finds CONN_DEAD and dies with a clear message for at least
 * the next CONN_QUARANTINE closes. After that the memory may be a new
 * conn, and such a call cannot be told from a call on the new one.
 *
 * States of a conn, by magic, refs and closed:
 *   live     magic CONN_OPEN/LISTENER_OPEN, refs >= 1, !closed
 *   closing  same magic, closed; refs counts the calls still inside
 *            (acquire fails: GORT_ECLOSED)
 *   dead     magic CONN_DEAD, refs 0: in the dead FIFO (entry dies)
 *
 * Invariants: refs never goes from 0 back up (acquire CASes from a
 * positive count), so a call racing with the last release gets
 * GORT_ECLOSED and never revives a retired conn.
 *
 * Locking: read_mu serialises readers (and accepts), write_mu writers;
 * refs, closed and magic are atomics; the dead FIFO has its own runtime
 * lock (a leaf).
 */
#ifndef GORT_NETPOLL_CONN_H
#define GORT_NETPOLL_CONN_H

#include "atomic/atomic.h"

#include "gort.h"
#include "netpoll/netpoll.h"

enum {
  CONN_OPEN = 0x636f6e6e,     /* "conn" */
  LISTENER_OPEN = 0x6c697374, /* "list" */
  CONN_DEAD = 0xdeadc0de,
  CONN_QUARANTINE = 64,
};

struct gort_conn {
  _Atomic uint32_t magic; /* CONN_OPEN, LISTENER_OPEN or CONN_DEAD */
  int fd;
  struct poll_desc *pd;
  _Atomic int32_t refs;
  _Atomic bool closed;
  bool is_socket;
  gort_mutex read_mu, write_mu;
  struct gort_conn *next_dead; /* the dead FIFO (its lock) */
};

/* Wrap fd (made non-blocking) as a conn of kind (CONN_OPEN or
 * LISTENER_OPEN); on failure fd is closed, unless it was not open
 * (-EBADF) or another conn owns it (-EEXIST). */
int gort__conn_new(int fd, bool is_socket, uint32_t kind,
                   struct gort_conn **out);
/* On entry of an API call named what: dies when not on a goroutine;
 * GORT_EINVAL for NULL; dies with a clear message for a dead handle or one
 * of the other kind; else 0. */
int gort__conn_check(struct gort_conn *c, uint32_t kind, const char *what);
/* Take a reference for a call; false (GORT_ECLOSED) once closed. */
bool gort__conn_acquire(struct gort_conn *c);
/* After a non-blocking call on c failed with errno err: 0 to try it
 * again (interrupted, or ready after waiting for mode), else the error
 * that ends the call (-errno, closed, timeout). */
int gort__conn_retry(struct gort_conn *c, int mode, int err);
void gort__conn_release(struct gort_conn *c);
/* The bodies of close and the deadline setters, for conns and listeners
 * (the handle already checked). */
int gort__conn_close(struct gort_conn *c);
int gort__conn_set_deadline(struct gort_conn *c, int64_t when, int mode);

#endif
