/*
 * netfault.h - the descriptor layer's system-call wrappers, and the
 * faults GORT_DEBUG injects into them and into the backends
 * (runtime/debug/debugvars.h lists the settings).
 *
 * Every read, write and accept of conn.c and net.c goes through a
 * wrapper here, and each backend asks gort__netfault before its own
 * calls (epoll_create1, eventfd, epoll_ctl, epoll_wait, pipe, poll), so an
 * injected failure takes the same path as a real one.
 *
 * The faults keep the kernel's contract, or the runtime would be tested
 * against a kernel that does not exist: EMFILE and EAGAIN leave the
 * connection or the bytes where they were; a faked EAGAIN on a descriptor
 * that is in fact ready also makes the backend report it again (an
 * edge-triggered poller would otherwise never say "ready" for bytes that
 * are already there, a thing the kernel does not do). A short write
 * really writes fewer bytes.
 *
 * Invariants: with every setting 0 (the default) a wrapper is the plain
 * system call after one load per fault kind. Locking: none; the PRNG's
 * counters are atomics.
 */
#ifndef GORT_NETPOLL_NETFAULT_H
#define GORT_NETPOLL_NETFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gort_conn;

enum netfault_kind {
  NF_EAGAIN,     /* neteagain */
  NF_EINTR,      /* neteintr */
  NF_SHORTWRITE, /* netshortwrite */
  NF_EMFILE,     /* netemfile */
  NF_OPEN,       /* netopenfail */
  NF_WAIT,       /* netwaitfail */
  NF_KINDS
};

/* True when this call of kind k is to fail (1 in the setting's N). */
bool gort__netfault(enum netfault_kind k);
/* True when the poller's start-up step (1, 2, 3: see netinitfail) is to
 * fail. */
bool gort__netfault_init(int step);
/* How many faults of kind k were injected so far (tests). */
uint64_t gort__netfault_count(enum netfault_kind k);

/* The wrappers: the system call's result, with errno set on -1. */
ssize_t gort__sys_read(struct gort_conn *c, void *buf, size_t n);
ssize_t gort__sys_write(struct gort_conn *c, const void *buf, size_t n);
/* accept4, non-blocking and close-on-exec: the new descriptor or -1. */
int gort__sys_accept(struct gort_conn *c);

#endif
