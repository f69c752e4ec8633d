/*
 * net.c - TCP on the poller: listen, accept, dial, addresses (the parts of
 * Go's net package that TCP needs: sock_posix.go, tcpsock_posix.go,
 * fd_unix.go's connect loop).
 *
 * Addresses are "host:port", the host a numeric IPv4 address, a bracketed
 * IPv6 one, a name (looked up by getaddrinfo, which may block: it runs
 * between gort_syscall_enter and exit, so the P serves others meanwhile),
 * or empty for every local address.
 *
 * Every entry checks its handle (gort__conn_check: NULL is GORT_EINVAL, a
 * dead or wrong-kind handle dies) and that it runs on a goroutine.
 *
 * Invariants: every socket is made non-blocking and close-on-exec at
 * birth. Locking: a listener is a conn (conn.h); accept holds its read_mu.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netpoll/conn.h"
#include "netpoll/netfault.h"
#include "os/os.h"
#include "sched/mp.h"
#include "time/when.h"

/* A listener is its socket's conn under another name (magic
 * LISTENER_OPEN): the same handle rules, and nothing to free but the
 * conn. */
static struct gort_conn *lconn(gort_listener *l) {
  return (struct gort_conn *)(void *)l;
}

/* ---- addresses ------------------------------------------------------------
 */

/* Split "host:port" into host (brackets removed) and port. */
static int split_host_port(const char *addr, char *host, size_t hostlen,
                           char *port, size_t portlen) {
  if (addr == NULL)
    return GORT_EINVAL;
  const char *colon = strrchr(addr, ':');
  if (colon == NULL)
    return GORT_EINVAL; /* missing port */
  const char *h = addr;
  size_t hl = (size_t)(colon - addr);
  if (hl > 0 && h[0] == '[') {
    if (h[hl - 1] != ']')
      return GORT_EINVAL;
    h++;
    hl -= 2;
  } else if (memchr(h, ':', hl) != NULL) {
    return GORT_EINVAL; /* IPv6 without brackets: too many colons */
  }
  size_t pl = strlen(colon + 1);
  if (hl >= hostlen || pl == 0 || pl >= portlen)
    return GORT_EINVAL;
  for (size_t i = 0; i < pl; i++)
    if (colon[1 + i] < '0' || colon[1 + i] > '9')
      return GORT_EINVAL; /* numeric ports only */
  if (atol(colon + 1) > 65535)
    return GORT_EINVAL;
  memcpy(host, h, hl);
  host[hl] = '\0';
  memcpy(port, colon + 1, pl + 1);
  return 0;
}

static int resolve(const char *addr, bool passive, struct addrinfo **out) {
  char host[256], port[8];
  int rc = split_host_port(addr, host, sizeof host, port, sizeof port);
  if (rc != 0)
    return rc;
  struct addrinfo hints = {0};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  gort_syscall_enter();
  int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, out);
  gort_syscall_exit();
  if (gai == 0)
    return 0;
  if (gai == EAI_MEMORY)
    return GORT_ENOMEM;
  if (gai == EAI_SYSTEM)
    return -errno;
  return -EADDRNOTAVAIL; /* no such host */
}

/* IPv4 first (Go's "localhost" and "" listen on IPv4 first too). */
static struct addrinfo *pick(struct addrinfo *list, int family) {
  for (struct addrinfo *a = list; a; a = a->ai_next)
    if (a->ai_family == family)
      return a;
  return NULL;
}

static int format_addr(const struct sockaddr_storage *ss, char *buf,
                       size_t len) {
  char ip[INET6_ADDRSTRLEN];
  int port;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    getnameinfo((const struct sockaddr *)in, sizeof *in, ip, sizeof ip, NULL, 0,
                NI_NUMERICHOST);
    port = ntohs(in->sin_port);
    if (snprintf(buf, len, "%s:%d", ip, port) >= (int)len)
      return GORT_EINVAL;
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    getnameinfo((const struct sockaddr *)in6, sizeof *in6, ip, sizeof ip, NULL,
                0, NI_NUMERICHOST);
    port = ntohs(in6->sin6_port);
    if (snprintf(buf, len, "[%s]:%d", ip, port) >= (int)len)
      return GORT_EINVAL;
  } else {
    return GORT_EINVAL;
  }
  return 0;
}

/* c is checked by the caller. */
static int sock_addr(struct gort_conn *c, bool peer, char *buf, size_t len) {
  if (buf == NULL || len == 0)
    return GORT_EINVAL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int rc = (peer ? getpeername : getsockname)(c->fd, (struct sockaddr *)&ss,
                                              &sl) == 0
               ? format_addr(&ss, buf, len)
               : -errno;
  gort__conn_release(c);
  return rc;
}

int gort_conn_local_addr(gort_conn *c, char *buf, size_t len) {
  int rc = gort__conn_check(c, CONN_OPEN, "gort_conn_local_addr");
  return rc != 0 ? rc : sock_addr(c, false, buf, len);
}

int gort_conn_remote_addr(gort_conn *c, char *buf, size_t len) {
  int rc = gort__conn_check(c, CONN_OPEN, "gort_conn_remote_addr");
  return rc != 0 ? rc : sock_addr(c, true, buf, len);
}

int gort_conn_set_nodelay(gort_conn *c, bool on) {
  int rc0 = gort__conn_check(c, CONN_OPEN, "gort_conn_set_nodelay");
  if (rc0 != 0)
    return rc0;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  int v = on;
  int rc = setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0
               ? 0
               : -errno;
  gort__conn_release(c);
  return rc;
}

static int new_socket(int family) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd >= 0 ? fd : -errno;
}

/* ---- listen and accept ----------------------------------------------------
 */

int gort_listen_tcp(const char *addr, gort_listener **out) {
  gort__must_getg("gort_listen_tcp");
  if (out == NULL)
    return GORT_EINVAL;
  *out = NULL;
  if (!gort__netpoll_start())
    return GORT_ENOTSUP;
  struct addrinfo *list;
  int rc = resolve(addr, true, &list);
  if (rc != 0)
    return rc;
  struct addrinfo *a = pick(list, AF_INET);
  if (a == NULL)
    a = list;
  int fd = new_socket(a->ai_family);
  if (fd < 0) {
    freeaddrinfo(list);
    return fd;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as Go */
  if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
    rc = -errno;
    close(fd);
    freeaddrinfo(list);
    return rc;
  }
  freeaddrinfo(list);
  struct gort_conn *c;
  rc = gort__conn_new(fd, true, LISTENER_OPEN, &c);
  if (rc == 0)
    *out = (gort_listener *)(void *)c;
  return rc;
}

int gort_listener_addr(gort_listener *l, char *buf, size_t len) {
  int rc = gort__conn_check(lconn(l), LISTENER_OPEN, "gort_listener_addr");
  return rc != 0 ? rc : sock_addr(lconn(l), false, buf, len);
}

int gort_listener_port(gort_listener *l) {
  struct gort_conn *c = lconn(l);
  int rc0 = gort__conn_check(c, LISTENER_OPEN, "gort_listener_port");
  if (rc0 != 0)
    return rc0;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int rc = getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0 ? 0 : -errno;
  if (rc == 0)
    rc = ss.ss_family == AF_INET6
             ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
             : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  gort__conn_release(c);
  return rc;
}

/* Go's FD.Accept (fd_unix.go): EINTR and ECONNABORTED try again, EAGAIN
 * waits, any other error (EMFILE, ENFILE, ENOBUFS...) goes to the caller,
 * the connection still queued and the listener usable: a server backs
 * off and calls again, as net/http's Serve does. */
int gort_accept(gort_listener *l, gort_conn **out) {
  struct gort_conn *c = lconn(l);
  int rc0 = gort__conn_check(c, LISTENER_OPEN, "gort_accept");
  if (rc0 != 0)
    return rc0;
  if (out == NULL)
    return GORT_EINVAL;
  *out = NULL;
  if (!gort__conn_acquire(c))
    return GORT_ECLOSED;
  gort_mutex_lock(&c->read_mu);
  int rc = gort__pd_prepare(c->pd, 'r');
  int fd = -1;
  while (rc == 0) {
    fd = gort__sys_accept(c);
    if (fd >= 0)
      break;
    /* ECONNABORTED: the peer gave up before we took it: the next one. */
    rc = errno == ECONNABORTED ? 0 : gort__conn_retry(c, 'r', errno);
  }
  gort_mutex_unlock(&c->read_mu);
  gort__conn_release(c);
  if (rc != 0)
    return rc;
  /* A failed registration closes fd and is this accept's error (Go's
   * netFD.accept does the same). */
  rc = gort__conn_new(fd, true, CONN_OPEN, out);
  if (rc == 0)
    gort_conn_set_nodelay(*out, true);
  return rc;
}

int gort_listener_set_deadline(gort_listener *l, int64_t when) {
  int rc =
      gort__conn_check(lconn(l), LISTENER_OPEN, "gort_listener_set_deadline");
  return rc != 0 ? rc : gort__conn_set_deadline(lconn(l), when, 'r');
}

int gort_listener_close(gort_listener *l) {
  int rc = gort__conn_check(lconn(l), LISTENER_OPEN, "gort_listener_close");
  return rc != 0 ? rc : gort__conn_close(lconn(l));
}

/* ---- dial ------------------------------------------------------------------
 */

/* A dial in progress that a context may interrupt: the context's
 * AfterFunc pulls the connecting socket's deadline into the past (Go's
 * netFD.connect does the same with aLongTimeAgo). */
struct dial_cancel {
  gort_mutex mu;
  struct gort_conn *connecting; /* (mu) */
  bool fired;                   /* (mu) */
  gort_waitgroup ran;           /* done once the AfterFunc is over */
};

static void dial_cancelled(void *arg) {
  struct dial_cancel *dc = arg;
  gort_mutex_lock(&dc->mu);
  dc->fired = true;
  if (dc->connecting)
    gort__pd_set_deadline(dc->connecting->pd, gort__os_nanotime() - 1, 'w');
  gort_mutex_unlock(&dc->mu);
  gort_waitgroup_done(&dc->ran);
}

/* One connect attempt on a fresh socket: the conn, or an error. */
static int connect_one(const struct addrinfo *a, int64_t deadline,
                       struct dial_cancel *dc, struct gort_conn **out) {
  int fd = new_socket(a->ai_family);
  if (fd < 0)
    return fd;
  int rc = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : -errno;
  if (rc != 0 && rc != -EINPROGRESS && rc != -EINTR) {
    close(fd);
    return rc;
  }
  struct gort_conn *c;
  int err = gort__conn_new(fd, true, CONN_OPEN, &c);
  if (err != 0)
    return err;
  if (rc != 0) {
    /* In progress: writable means done; SO_ERROR says how (Go's
     * connect loop in fd_unix.go). No pd_prepare here: it would forget
     * readiness noted when the socket was registered, if the connection
     * was made before that. */
    if (deadline != 0)
      gort__pd_set_deadline(c->pd, deadline, 'w');
    if (dc) {
      gort_mutex_lock(&dc->mu);
      dc->connecting = c;
      if (dc->fired)
        gort__pd_set_deadline(c->pd, gort__os_nanotime() - 1, 'w');
      gort_mutex_unlock(&dc->mu);
    }
    for (;;) {
      rc = gort__pd_wait(c->pd, 'w');
      if (rc != 0)
        break;
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
      if (soerr == 0) {
        rc = 0;
        break;
      }
      if (soerr != EINPROGRESS && soerr != EALREADY && soerr != EINTR) {
        rc = -soerr;
        break;
      }
    }
    if (dc) {
      gort_mutex_lock(&dc->mu);
      dc->connecting = NULL;
      gort_mutex_unlock(&dc->mu);
    }
    if (deadline != 0)
      gort__pd_set_deadline(c->pd, 0, 'w');
  }
  if (rc != 0) {
    gort_conn_close(c);
    return rc;
  }
  gort_conn_set_nodelay(c, true);
  *out = c;
  return 0;
}

static int dial(const char *addr, int64_t deadline, struct dial_cancel *dc,
                gort_conn **out) {
  struct addrinfo *list;
  int rc = resolve(addr, false, &list);
  if (rc != 0)
    return rc;
  /* Every address in turn, IPv4 first, until one answers (Go dials
   * them in order too, without its "happy eyeballs" race). */
  rc = -EADDRNOTAVAIL;
  for (int pass = 0; pass < 2 && *out == NULL; pass++) {
    for (struct addrinfo *a = list; a; a = a->ai_next) {
      if ((pass == 0) != (a->ai_family == AF_INET))
        continue;
      rc = connect_one(a, deadline, dc, out);
      if (rc == 0 || rc == GORT_ETIMEOUT)
        break;
    }
    if (rc == GORT_ETIMEOUT)
      break;
  }
  freeaddrinfo(list);
  return rc;
}

int gort_dial_tcp(const char *addr, int64_t timeout_ns, gort_conn **out) {
  gort__must_getg("gort_dial_tcp");
  if (out == NULL || timeout_ns < 0)
    return GORT_EINVAL;
  *out = NULL;
  if (!gort__netpoll_start())
    return GORT_ENOTSUP;
  return dial(addr, timeout_ns > 0 ? gort__when(timeout_ns) : 0, NULL, out);
}

int gort_dial_tcp_ctx(gort_ctx *ctx, const char *addr, gort_conn **out) {
  gort__must_getg("gort_dial_tcp_ctx");
  if (out == NULL)
    return GORT_EINVAL;
  *out = NULL;
  if (!gort__netpoll_start())
    return GORT_ENOTSUP;
  int err = gort_ctx_err(ctx);
  if (err != 0)
    return err;
  int64_t deadline = 0;
  gort_ctx_deadline(ctx, &deadline);
  struct dial_cancel dc = {.mu = GORT_MUTEX_INIT, .ran = GORT_WAITGROUP_INIT};
  gort_ctx_afterfunc *stop = NULL;
  if (gort_ctx_done(ctx) != NULL) {
    gort_waitgroup_add(&dc.ran, 1);
    stop = gort_ctx_after_func(ctx, dial_cancelled, &dc);
    if (stop == NULL)
      return GORT_ENOMEM;
  }
  int rc = dial(addr, deadline, &dc, out);
  /* dc lives in this frame: once stop says the AfterFunc started, wait
   * for it to end before leaving. */
  if (stop != NULL) {
    if (gort_ctx_after_func_stop(stop))
      gort_waitgroup_done(&dc.ran);
    gort_waitgroup_wait(&dc.ran);
  }
  /* Go reports the context's error when the context ended the dial (its
   * deadline may pass here a moment before its timer cancels it). */
  int cerr = gort_ctx_err(ctx);
  if (rc != 0 && cerr != 0)
    return cerr;
  if (rc == GORT_ETIMEOUT && deadline != 0 && gort__os_nanotime() >= deadline)
    return GORT_CTX_DEADLINE_EXCEEDED;
  return rc;
}
