/*
 * test-net.c - the network poller and the TCP API: goroutines park on
 * descriptors (not threads), wake on readiness, deadlines and close;
 * TCP listen/accept/dial and echo; errors as codes; misuse and bad input
 * at the API edge (error codes, or death for dead and wrong handles and
 * calls off a goroutine). Each case runs under
 * epoll and again under GORT_NETPOLL=poll (the *_poll entries of
 * test-list.h call the same body).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netpoll/conn.h"
#include "test.h"

static gort_conn *conn_of(int fd) {
  gort_conn *c = NULL;
  CHECK_EQ(gort_conn_from_fd(fd, &c), 0);
  return c;
}

static void make_pipe(gort_conn **r, gort_conn **w) {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  *r = conn_of(p[0]);
  *w = conn_of(p[1]);
}

/* ---- net_pipe_wakes_reader ---------------------------------------------- */

struct pipe_job {
  gort_conn *r;
  char got[64];
  ptrdiff_t n;
  gort_waitgroup wg;
};

static void pipe_reader(void *p) {
  struct pipe_job *j = p;
  j->n = gort_conn_read(j->r, j->got, sizeof j->got);
  gort_waitgroup_done(&j->wg);
}

TEST_IMPL(net_pipe_wakes_reader) {
  struct pipe_job j = {.wg = GORT_WAITGROUP_INIT};
  gort_conn *w;
  make_pipe(&j.r, &w);
  gort_waitgroup_add(&j.wg, 1);
  gort_go(pipe_reader, &j);
  gort_sleep(20 * 1000 * 1000); /* the reader is parked by now */
  struct gort_netpoll_stats s;
  gort_netpoll_stats(&s);
  CHECK_EQ(s.waiters, 1);
  CHECK_EQ(gort_conn_write(w, "hello", 5), 5);
  gort_waitgroup_wait(&j.wg);
  CHECK_EQ(j.n, 5);
  CHECK(memcmp(j.got, "hello", 5) == 0);
  /* End of stream once the writer is closed. */
  CHECK_EQ(gort_conn_close(w), 0);
  char b;
  CHECK_EQ(gort_conn_read(j.r, &b, 1), 0);
  CHECK_EQ(gort_conn_close(j.r), 0);
  gort_netpoll_stats(&s);
  CHECK_EQ(s.waiters, 0);
  CHECK(s.readied >= 1);
  return 0;
}

TEST_IMPL(net_pipe_wakes_reader_poll) { return test_net_pipe_wakes_reader(); }

/* ---- net_deadlines ---------------------------------------------------------
 */

static void late_writer(void *p) {
  gort_sleep(30 * 1000 * 1000);
  CHECK_EQ(gort_conn_write(p, "x", 1), 1);
}

TEST_IMPL(net_deadlines) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  char b;
  /* A deadline that passes while the reader waits. */
  int64_t t0 = gort_nanotime();
  CHECK_EQ(gort_conn_set_read_deadline(r, t0 + 50 * 1000 * 1000), 0);
  CHECK_EQ(gort_conn_read(r, &b, 1), GORT_ETIMEOUT);
  int64_t took = gort_nanotime() - t0;
  CHECK(took >= 50 * 1000 * 1000);
  /* It stays passed: the next read fails at once. */
  CHECK_EQ(gort_conn_read(r, &b, 1), GORT_ETIMEOUT);
  /* A deadline in the past fails at once too, even with data there. */
  CHECK_EQ(gort_conn_write(w, "y", 1), 1);
  CHECK_EQ(gort_conn_set_read_deadline(r, gort_nanotime() - 1), 0);
  CHECK_EQ(gort_conn_read(r, &b, 1), GORT_ETIMEOUT);
  /* Cleared, the data is read. */
  CHECK_EQ(gort_conn_set_read_deadline(r, 0), 0);
  CHECK_EQ(gort_conn_read(r, &b, 1), 1);
  CHECK_EQ(b, 'y');
  /* A far deadline does not fire; data arrives first. */
  CHECK_EQ(gort_conn_set_deadline(r, gort_nanotime() + 60000000000ll), 0);
  gort_go(late_writer, w);
  CHECK_EQ(gort_conn_read(r, &b, 1), 1);
  CHECK_EQ(b, 'x');
  /* Write deadlines are separate: the read one does not touch writes. */
  CHECK_EQ(gort_conn_set_read_deadline(r, gort_nanotime() - 1), 0);
  CHECK_EQ(gort_conn_set_write_deadline(w, gort_nanotime() - 1), 0);
  CHECK_EQ(gort_conn_write(w, "z", 1), GORT_ETIMEOUT);
  CHECK_EQ(gort_conn_set_write_deadline(w, 0), 0);
  CHECK_EQ(gort_conn_write(w, "z", 1), 1);
  CHECK_EQ(gort_conn_close(r), 0);
  CHECK_EQ(gort_conn_close(w), 0);
  return 0;
}

TEST_IMPL(net_deadlines_poll) { return test_net_deadlines(); }

/* ---- net_deadline_moved_while_waiting -------------------------------------
 */

struct move_job {
  gort_conn *r;
  ptrdiff_t rc;
  int64_t took;
  gort_waitgroup wg;
};

static void move_reader(void *p) {
  struct move_job *j = p;
  char b;
  int64_t t0 = gort_nanotime();
  j->rc = gort_conn_read(j->r, &b, 1);
  j->took = gort_nanotime() - t0;
  gort_waitgroup_done(&j->wg);
}

TEST_IMPL(net_deadline_moved_while_waiting) {
  struct move_job j = {.wg = GORT_WAITGROUP_INIT};
  gort_conn *w;
  make_pipe(&j.r, &w);
  /* Far deadline, then moved near while the reader waits: Go's
   * SetDeadline affects pending calls. */
  CHECK_EQ(gort_conn_set_read_deadline(j.r, gort_nanotime() + 60000000000ll),
           0);
  gort_waitgroup_add(&j.wg, 1);
  gort_go(move_reader, &j);
  gort_sleep(10 * 1000 * 1000);
  CHECK_EQ(gort_conn_set_read_deadline(j.r, gort_nanotime() + 20 * 1000 * 1000),
           0);
  gort_waitgroup_wait(&j.wg);
  CHECK_EQ(j.rc, GORT_ETIMEOUT);
  CHECK(j.took < 30000000000ll);
  gort_conn_close(j.r);
  gort_conn_close(w);
  return 0;
}

/* ---- net_close_wakes_waiters ------------------------------------------------
 */

static _Atomic int closing_started;

static void closing_reader(void *p) {
  struct pipe_job *j = p;
  atomic_fetch_add(&closing_started, 1);
  j->n = gort_conn_read(j->r, j->got, 1);
  gort_waitgroup_done(&j->wg);
}

TEST_IMPL(net_close_wakes_waiters) {
  enum { READERS = 8 };
  static struct pipe_job jobs[READERS];
  gort_conn *r, *w;
  make_pipe(&r, &w);
  /* Several readers: one waits on the descriptor, the others on the
   * read lock behind it; close ends them all. All must be inside read
   * when close returns (the handle is freed once they leave), so main
   * waits until each has started, then gives them time to get in. */
  for (int i = 0; i < READERS; i++) {
    jobs[i] = (struct pipe_job){.r = r, .n = 1, .wg = GORT_WAITGROUP_INIT};
    gort_waitgroup_add(&jobs[i].wg, 1);
    gort_go(closing_reader, &jobs[i]);
  }
  while (atomic_load(&closing_started) < READERS)
    gort_sleep(1000 * 1000);
  gort_sleep(50 * 1000 * 1000);
  CHECK_EQ(gort_conn_close(r), 0);
  for (int i = 0; i < READERS; i++) {
    gort_waitgroup_wait(&jobs[i].wg);
    CHECK_EQ(jobs[i].n, GORT_ECLOSED);
  }
  struct gort_netpoll_stats s;
  gort_netpoll_stats(&s);
  CHECK_EQ(s.waiters, 0);
  CHECK_EQ(gort_conn_close(w), 0);
  return 0;
}

TEST_IMPL(net_close_wakes_waiters_poll) {
  return test_net_close_wakes_waiters();
}

/* ---- net_many_waiters_few_threads
 * -------------------------------------------- 400 goroutines each blocked in a
 * read (800 descriptors, under the usual limit of 1,024) cost goroutines, not
 * threads; then each pipe gets a byte and every reader finishes. */

enum { MANY = 400 };
static gort_conn *many_r[MANY], *many_w[MANY];
static _Atomic int many_done;

static void many_reader(void *p) {
  gort_conn *r = p;
  char b;
  CHECK_EQ(gort_conn_read(r, &b, 1), 1);
  CHECK_EQ(b, 'm');
  atomic_fetch_add(&many_done, 1);
}

TEST_IMPL(net_many_waiters_few_threads) {
  for (int i = 0; i < MANY; i++) {
    make_pipe(&many_r[i], &many_w[i]);
    gort_go(many_reader, many_r[i]);
  }
  struct gort_netpoll_stats s;
  for (int tries = 0; tries < 5000; tries++) {
    gort_netpoll_stats(&s);
    if (s.waiters == MANY)
      break;
    gort_sleep(1000 * 1000);
  }
  CHECK_EQ(s.waiters, MANY);
  struct gort_sched_stats ss;
  gort_sched_stats(&ss);
  CHECK(ss.threads < 16);
  for (int i = 0; i < MANY; i++)
    CHECK_EQ(gort_conn_write(many_w[i], "m", 1), 1);
  while (atomic_load(&many_done) < MANY)
    gort_sleep(1000 * 1000);
  for (int i = 0; i < MANY; i++) {
    gort_conn_close(many_r[i]);
    gort_conn_close(many_w[i]);
  }
  return 0;
}

TEST_IMPL(net_many_waiters_few_threads_poll) {
  return test_net_many_waiters_few_threads();
}

/* ---- net_write_waits_for_room
 * ------------------------------------------------ */

struct drain_job {
  gort_conn *c;
  size_t want;
  uint64_t sum;
  gort_waitgroup done;
};

static void drainer(void *p) {
  struct drain_job *j = p;
  static unsigned char buf[4096];
  size_t got = 0;
  gort_sleep(20 * 1000 * 1000); /* let the writer fill the buffer first */
  while (got < j->want) {
    ptrdiff_t k = gort_conn_read(j->c, buf, sizeof buf);
    CHECK(k > 0);
    for (ptrdiff_t i = 0; i < k; i++)
      j->sum += buf[i];
    got += (size_t)k;
  }
  gort_waitgroup_done(&j->done);
}

TEST_IMPL(net_write_waits_for_room) {
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  gort_conn *a = conn_of(sv[0]), *b = conn_of(sv[1]);
  enum { SIZE = 4 << 20 }; /* far more than a socket buffer */
  static unsigned char data[SIZE];
  uint64_t sum = 0;
  for (size_t i = 0; i < SIZE; i++) {
    data[i] = (unsigned char)(i * 7 + 3);
    sum += data[i];
  }
  struct drain_job j = {.c = b, .want = SIZE, .done = GORT_WAITGROUP_INIT};
  gort_waitgroup_add(&j.done, 1);
  gort_go(drainer, &j);
  CHECK_EQ(gort_conn_write(a, data, SIZE), SIZE);
  gort_waitgroup_wait(&j.done);
  CHECK_EQ(j.sum, sum);
  /* Closing one end: the other reads EOF, and a write gets EPIPE, with
   * no SIGPIPE killing the process. */
  CHECK_EQ(gort_conn_close(b), 0);
  ptrdiff_t rc = 0;
  for (int i = 0; i < 100 && rc >= 0; i++)
    rc = gort_conn_write(a, data, 4096);
  CHECK(rc == -EPIPE || rc == -ECONNRESET);
  CHECK_EQ(gort_conn_close(a), 0);
  return 0;
}

TEST_IMPL(net_write_waits_for_room_poll) {
  return test_net_write_waits_for_room();
}

TEST_IMPL(net_pipe_epipe_no_signal) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  CHECK_EQ(gort_conn_close(r), 0);
  CHECK_EQ(gort_conn_write(w, "x", 1), -EPIPE);
  CHECK_EQ(gort_conn_close(w), 0);
  return 0;
}

/* ---- net_tcp_echo
 * ---------------------------------------------------------------- 20
 * connections, one echo goroutine each on the server side, 200 round trips
 * each, checked byte for byte. */

enum { ECHO_CONNS = 20, ECHO_TRIPS = 200 };

static void echo_server(void *p) {
  gort_conn *c = p;
  char buf[64];
  for (;;) {
    ptrdiff_t k = gort_conn_read(c, buf, sizeof buf);
    if (k <= 0)
      break;
    CHECK_EQ(gort_conn_write(c, buf, (size_t)k), k);
  }
  gort_conn_close(c);
}

static void acceptor(void *p) {
  gort_listener *l = p;
  for (;;) {
    gort_conn *c;
    int rc = gort_accept(l, &c);
    if (rc == GORT_ECLOSED)
      return;
    CHECK_EQ(rc, 0);
    gort_go(echo_server, c);
  }
}

struct echo_client {
  char addr[64];
  int id;
  gort_waitgroup *wg;
};

static void echo_client(void *p) {
  struct echo_client *e = p;
  gort_conn *c;
  CHECK_EQ(gort_dial_tcp(e->addr, 10000000000ll, &c), 0);
  char remote[64];
  CHECK_EQ(gort_conn_remote_addr(c, remote, sizeof remote), 0);
  CHECK(strcmp(remote, e->addr) == 0);
  for (int t = 0; t < ECHO_TRIPS; t++) {
    unsigned char msg[64], back[64];
    for (int k = 0; k < 64; k++)
      msg[k] = (unsigned char)(e->id + t + k);
    CHECK_EQ(gort_conn_write(c, msg, 64), 64);
    size_t got = 0;
    while (got < 64) {
      ptrdiff_t k = gort_conn_read(c, back + got, 64 - got);
      CHECK(k > 0);
      got += (size_t)k;
    }
    CHECK(memcmp(msg, back, 64) == 0);
  }
  CHECK_EQ(gort_conn_close(c), 0);
  gort_waitgroup_done(e->wg);
}

TEST_IMPL(net_tcp_echo) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  int port = gort_listener_port(l);
  CHECK(port > 0);
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  char want[64];
  snprintf(want, sizeof want, "127.0.0.1:%d", port);
  CHECK(strcmp(addr, want) == 0);
  gort_go(acceptor, l);
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  static struct echo_client clients[ECHO_CONNS];
  gort_waitgroup_add(&wg, ECHO_CONNS);
  for (int i = 0; i < ECHO_CONNS; i++) {
    clients[i] = (struct echo_client){.id = i, .wg = &wg};
    strcpy(clients[i].addr, addr);
    gort_go(echo_client, &clients[i]);
  }
  gort_waitgroup_wait(&wg);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}

TEST_IMPL(net_tcp_echo_poll) { return test_net_tcp_echo(); }

/* ---- net_tcp_errors
 * ------------------------------------------------------------- */

TEST_IMPL(net_tcp_errors) {
  gort_listener *l;
  gort_conn *c;
  CHECK_EQ(gort_listen_tcp("nope", &l), GORT_EINVAL);
  CHECK_EQ(gort_listen_tcp("[::1:80", &l), GORT_EINVAL);
  CHECK_EQ(gort_listen_tcp("::1:80", &l), GORT_EINVAL);
  CHECK_EQ(gort_listen_tcp("127.0.0.1:99999", &l), GORT_EINVAL);
  CHECK_EQ(gort_listen_tcp("127.0.0.1:http", &l), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp(NULL, 0, &c), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp("127.0.0.1:1", -1, &c), GORT_EINVAL);
  /* A port nobody listens on: take one, then close it. */
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  CHECK_EQ(gort_listener_close(l), 0);
  CHECK_EQ(gort_dial_tcp(addr, 0, &c), -ECONNREFUSED);
  CHECK(strcmp(gort_strerror(-ECONNREFUSED), "Connection refused") == 0);
  CHECK(strcmp(gort_strerror(GORT_ETIMEOUT), "i/o timeout") == 0);
  CHECK(strcmp(gort_strerror(GORT_ECLOSED),
               "use of closed network connection") == 0);
  /* Two listeners on one port: the second fails with EADDRINUSE. */
  gort_listener *l2;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  CHECK_EQ(gort_listen_tcp(addr, &l2), -EADDRINUSE);
  /* Accept with a passed deadline; then closed. */
  CHECK_EQ(gort_listener_set_deadline(l, gort_nanotime() - 1), 0);
  CHECK_EQ(gort_accept(l, &c), GORT_ETIMEOUT);
  CHECK_EQ(gort_listener_close(l), 0);
  /* localhost resolves (getaddrinfo, in a syscall section). */
  CHECK_EQ(gort_listen_tcp("localhost:0", &l), 0);
  CHECK(gort_listener_port(l) > 0);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}

/* ---- net_close_write_gives_eof
 * ---------------------------------------------------- */

static void eof_server(void *p) {
  gort_listener *l = p;
  gort_conn *c;
  CHECK_EQ(gort_accept(l, &c), 0);
  char buf[16];
  size_t got = 0;
  for (;;) {
    ptrdiff_t k = gort_conn_read(c, buf + got, sizeof buf - got);
    CHECK(k >= 0);
    if (k == 0)
      break;
    got += (size_t)k;
  }
  CHECK_EQ(got, 5);
  CHECK_EQ(gort_conn_write(c, "bye", 3), 3);
  gort_conn_close(c);
}

TEST_IMPL(net_close_write_gives_eof) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  gort_go(eof_server, l);
  gort_conn *c;
  CHECK_EQ(gort_dial_tcp(addr, 0, &c), 0);
  CHECK_EQ(gort_conn_write(c, "hello", 5), 5);
  CHECK_EQ(gort_conn_close_write(c), 0);
  char buf[8];
  size_t got = 0;
  ptrdiff_t k;
  while ((k = gort_conn_read(c, buf + got, sizeof buf - got)) > 0)
    got += (size_t)k;
  CHECK_EQ(k, 0);
  CHECK_EQ(got, 3);
  CHECK(memcmp(buf, "bye", 3) == 0);
  gort_conn_close(c);
  gort_listener_close(l);
  return 0;
}

/* ---- net_timers_while_polling
 * -------------------------------------------------- An M blocked in the poller
 * is also the one that must wake for timers: sleeps still end on time while a
 * goroutine waits on a pipe forever. */

static void forever_reader(void *p) {
  char b;
  gort_conn_read(p, &b, 1); /* until the test ends */
}

TEST_IMPL(net_timers_while_polling) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  gort_go(forever_reader, r);
  gort_sleep(5 * 1000 * 1000);
  for (int i = 0; i < 20; i++) {
    int64_t t0 = gort_nanotime();
    gort_sleep(5 * 1000 * 1000);
    int64_t took = gort_nanotime() - t0;
    CHECK(took >= 5 * 1000 * 1000);
    CHECK(took < 5000 * 1000 * 1000ll); /* generous: a loaded machine */
  }
  struct gort_netpoll_stats s;
  gort_netpoll_stats(&s);
  CHECK(s.blocking_polls > 0); /* an idle M did wait in the poller */
  return 0;
}

TEST_IMPL(net_timers_while_polling_poll) {
  return test_net_timers_while_polling();
}

/* ---- net_backend_or_unsupported: runs on wasm too
 * ------------------------------ */

TEST_IMPL(net_backend_or_unsupported) {
  gort_listener *l;
  int rc = gort_listen_tcp("127.0.0.1:0", &l);
  struct gort_netpoll_stats s;
  CHECK_EQ(gort_netpoll_stats(&s), 0);
  CHECK_EQ(gort_netpoll_stats(NULL), GORT_EINVAL);
  if (strcmp(s.backend, "none") == 0) {
    CHECK_EQ(rc, GORT_ENOTSUP); /* wasm */
    gort_conn *c;
    CHECK_EQ(gort_dial_tcp("127.0.0.1:1", 0, &c), GORT_ENOTSUP);
    return 0;
  }
  CHECK_EQ(rc, 0);
  const char *want = getenv("GORT_NETPOLL");
  CHECK(strcmp(s.backend, want && *want ? want : "epoll") == 0);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}

TEST_IMPL(net_backend_or_unsupported_poll) {
  return test_net_backend_or_unsupported();
}

/* ---- net_dial_ctx
 * --------------------------------------------------------------- A connect
 * that hangs: a listener with a backlog of 0 that never accepts; once its queue
 * is full, Linux drops further SYNs and the connect stays in progress. The
 * context ends it. */

static int full_listener(char *addr, size_t len) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  struct sockaddr_in in = {.sin_family = AF_INET,
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK_EQ(bind(fd, (struct sockaddr *)&in, sizeof in), 0);
  CHECK_EQ(listen(fd, 0), 0);
  socklen_t sl = sizeof in;
  CHECK_EQ(getsockname(fd, (struct sockaddr *)&in, &sl), 0);
  snprintf(addr, len, "127.0.0.1:%d", ntohs(in.sin_port));
  return fd;
}

/* Dial until one attempt is ended by ctx (the queue fills after a few). */
static int dial_until_stuck(gort_ctx *ctx, const char *addr, int64_t *took) {
  static gort_conn *held[16];
  int n = 0, rc = 0;
  while (n < 16) {
    int64_t t0 = gort_nanotime();
    rc = gort_dial_tcp_ctx(ctx, addr, &held[n]);
    *took = gort_nanotime() - t0;
    if (rc != 0)
      break;
    n++;
  }
  for (int i = 0; i < n; i++)
    gort_conn_close(held[i]);
  return rc;
}

static void cancel_later(void *p) {
  gort_sleep(50 * 1000 * 1000);
  gort_ctx_cancel(p);
}

TEST_IMPL(net_dial_ctx) {
  char addr[64];
  int lfd = full_listener(addr, sizeof addr);
  int64_t took;
  /* Cancelled while connecting. */
  gort_ctx *ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_go(cancel_later, ctx);
  CHECK_EQ(dial_until_stuck(ctx, addr, &took), GORT_CTX_CANCELED);
  CHECK(took < 30000000000ll);
  gort_ctx_release(ctx);
  /* A deadline. */
  ctx = gort_ctx_with_timeout(gort_ctx_background(), 50 * 1000 * 1000);
  CHECK_EQ(dial_until_stuck(ctx, addr, &took), GORT_CTX_DEADLINE_EXCEEDED);
  gort_ctx_cancel(ctx);
  gort_ctx_release(ctx);
  /* Already done: fails at once without dialling. */
  ctx = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_cancel(ctx);
  gort_conn *c;
  CHECK_EQ(gort_dial_tcp_ctx(ctx, addr, &c), GORT_CTX_CANCELED);
  gort_ctx_release(ctx);
  close(lfd);
  /* Background (NULL) to a listener that accepts: a conn. */
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  CHECK_EQ(gort_dial_tcp_ctx(NULL, addr, &c), 0);
  CHECK_EQ(gort_conn_close(c), 0);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}

TEST_IMPL(net_dial_ctx_poll) { return test_net_dial_ctx(); }

/* ---- crash_dump_io_wait: the goroutine dump names the wait
 * --------------------- */

static void io_waiter(void *p) {
  char b;
  gort_conn_read(p, &b, 1);
}

TEST_IMPL(crash_dump_io_wait) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  gort_go(io_waiter, r);
  gort_sleep(20 * 1000 * 1000);
  gort_chan_close(NULL); /* panics: the dump lists the reader */
  return 1;
}

/* ---- misuse and bad input (docs/API.md, "Misuse and bad input: network") ----
 * What Go would answer with an error is an error code; what the runtime
 * can tell is a dead or wrong handle dies with a clear message. */

static int open_fd_count(void) {
  int n = 0;
  for (int fd = 0; fd < 1024; fd++)
    if (fcntl(fd, F_GETFD) != -1)
      n++;
  return n;
}

static void bad_addresses(void) {
  static const char *const bad[] = {
      "",
      ":",
      "127.0.0.1",
      "127.0.0.1:",
      "127.0.0.1:-1",
      "127.0.0.1:65536",
      "127.0.0.1:99999999999",
      "127.0.0.1:8o",
      "127.0.0.1: 80",
      "[::1]",
      "[::1:80",
      "::1:80",
      "[::1]x:80",
  };
  gort_listener *l = (gort_listener *)&l;
  gort_conn *c = (gort_conn *)&c;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_EQ(gort_listen_tcp(bad[i], &l), GORT_EINVAL);
    CHECK(l == NULL);
    CHECK_EQ(gort_dial_tcp(bad[i], 0, &c), GORT_EINVAL);
    CHECK(c == NULL);
    CHECK_EQ(gort_dial_tcp_ctx(NULL, bad[i], &c), GORT_EINVAL);
  }
  /* A host longer than any name (255 bytes). */
  static char longhost[400];
  memset(longhost, 'a', 300);
  strcpy(longhost + 300, ":80");
  CHECK_EQ(gort_listen_tcp(longhost, &l), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp(longhost, 0, &c), GORT_EINVAL);
}

TEST_IMPL(net_bad_input) {
  /* NULL handles: GORT_EINVAL from every call. */
  char buf[64];
  CHECK_EQ(gort_conn_read(NULL, buf, 1), GORT_EINVAL);
  CHECK_EQ(gort_conn_write(NULL, buf, 1), GORT_EINVAL);
  CHECK_EQ(gort_conn_set_deadline(NULL, 0), GORT_EINVAL);
  CHECK_EQ(gort_conn_set_read_deadline(NULL, 0), GORT_EINVAL);
  CHECK_EQ(gort_conn_set_write_deadline(NULL, 0), GORT_EINVAL);
  CHECK_EQ(gort_conn_close_write(NULL), GORT_EINVAL);
  CHECK_EQ(gort_conn_close(NULL), GORT_EINVAL);
  CHECK_EQ(gort_conn_set_nodelay(NULL, true), GORT_EINVAL);
  CHECK_EQ(gort_conn_local_addr(NULL, buf, sizeof buf), GORT_EINVAL);
  CHECK_EQ(gort_conn_remote_addr(NULL, buf, sizeof buf), GORT_EINVAL);
  gort_conn *c;
  CHECK_EQ(gort_accept(NULL, &c), GORT_EINVAL);
  CHECK_EQ(gort_listener_addr(NULL, buf, sizeof buf), GORT_EINVAL);
  CHECK_EQ(gort_listener_port(NULL), GORT_EINVAL);
  CHECK_EQ(gort_listener_set_deadline(NULL, 0), GORT_EINVAL);
  CHECK_EQ(gort_listener_close(NULL), GORT_EINVAL);
  /* NULL results, bad descriptors, bad durations. */
  CHECK_EQ(gort_conn_from_fd(-1, &c), GORT_EINVAL);
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", NULL), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp("127.0.0.1:1", 0, NULL), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp_ctx(NULL, "127.0.0.1:1", NULL), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp(NULL, 0, &c), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp_ctx(NULL, NULL, &c), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp("127.0.0.1:1", -1, &c), GORT_EINVAL);
  CHECK_EQ(gort_dial_tcp("127.0.0.1:1", INT64_MIN, &c), GORT_EINVAL);
  bad_addresses();

  int fds0 = open_fd_count();
  int p[2];
  CHECK_EQ(pipe(p), 0);
  CHECK_EQ(gort_conn_from_fd(p[0], NULL), GORT_EINVAL);
  CHECK(fcntl(p[0], F_GETFD) != -1); /* not taken: still the caller's */
  gort_conn *r, *w;
  CHECK_EQ(gort_conn_from_fd(p[0], &r), 0);
  CHECK_EQ(gort_conn_from_fd(p[1], &w), 0);
  /* A descriptor a live conn owns: refused, and left open. */
  gort_conn *dup_c = (gort_conn *)&dup_c;
  CHECK_EQ(gort_conn_from_fd(p[0], &dup_c), -EEXIST);
  CHECK(dup_c == NULL);
  CHECK(fcntl(p[0], F_GETFD) != -1);
  /* A number that is not open: -EBADF, and nothing closed. */
  int gone = dup(0);
  CHECK(gone >= 0);
  close(gone);
  CHECK_EQ(gort_conn_from_fd(gone, &c), -EBADF);
  /* A regular file: epoll cannot watch it (-EPERM, the file closed);
   * poll(2) says it is always ready, and reads just work. */
  char path[] = "/tmp/gort-net-bad-input-XXXXXX";
  int f = mkstemp(path);
  CHECK(f >= 0);
  unlink(path);
  CHECK_EQ(write(f, "file", 4), 4);
  CHECK_EQ(lseek(f, 0, SEEK_SET), 0);
  struct gort_netpoll_stats s;
  gort_netpoll_stats(&s);
  int rc = gort_conn_from_fd(f, &c);
  if (strcmp(s.backend, "epoll") == 0) {
    CHECK_EQ(rc, -EPERM);
    CHECK(fcntl(f, F_GETFD) == -1);
  } else {
    CHECK_EQ(rc, 0);
    CHECK_EQ(gort_conn_read(c, buf, sizeof buf), 4);
    CHECK_EQ(gort_conn_close(c), 0);
  }
  /* Buffers and lengths. */
  CHECK_EQ(gort_conn_read(r, NULL, 1), GORT_EINVAL);
  CHECK_EQ(gort_conn_write(w, NULL, 1), GORT_EINVAL);
  CHECK_EQ(gort_conn_read(r, buf, (size_t)-1), GORT_EINVAL);
  CHECK_EQ(gort_conn_write(w, buf, (size_t)-1), GORT_EINVAL);
  CHECK_EQ(gort_conn_read(r, buf, (size_t)PTRDIFF_MAX + 1), GORT_EINVAL);
  CHECK_EQ(gort_conn_write(w, buf, (size_t)PTRDIFF_MAX + 1), GORT_EINVAL);
  CHECK_EQ(gort_conn_read(r, NULL, 0), 0); /* Go: Read of nothing */
  CHECK_EQ(gort_conn_write(w, NULL, 0), 0);
  CHECK_EQ(gort_conn_set_deadline(r, -1), GORT_EINVAL);
  CHECK_EQ(gort_conn_set_read_deadline(r, INT64_MIN), GORT_EINVAL);
  CHECK_EQ(gort_conn_set_write_deadline(w, -5), GORT_EINVAL);
  CHECK_EQ(gort_conn_local_addr(r, NULL, 16), GORT_EINVAL);
  CHECK_EQ(gort_conn_local_addr(r, buf, 0), GORT_EINVAL);
  CHECK_EQ(gort_conn_local_addr(r, buf, sizeof buf), -ENOTSOCK); /* a pipe */
  CHECK_EQ(gort_conn_set_nodelay(r, true), -ENOTSOCK);
  /* The pipe still works after all that. */
  CHECK_EQ(gort_conn_write(w, "ok", 2), 2);
  CHECK_EQ(gort_conn_read(r, buf, sizeof buf), 2);
  /* A large read is capped (Go's maxRW), a large write is whole. */
  CHECK_EQ(gort_conn_write(w, "z", 1), 1);
  static char big[1 << 16];
  CHECK_EQ(gort_conn_read(r, big, sizeof big), 1);

  /* A buffer too small for the address. */
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  CHECK_EQ(gort_listener_addr(l, buf, 4), GORT_EINVAL);
  CHECK_EQ(gort_accept(l, NULL), GORT_EINVAL);
  CHECK_EQ(gort_listener_set_deadline(l, -1), GORT_EINVAL);
  CHECK_EQ(gort_listener_close(l), 0);

  /* Close: a second close while a call is still inside is Go's
   * ErrClosed (the conn lives until that call leaves). */
  CHECK_EQ(gort_conn_close(w), 0);
  CHECK_EQ(gort_conn_close(r), 0);
  CHECK_EQ(open_fd_count(), fds0);
  return 0;
}

TEST_IMPL(net_bad_input_poll) { return test_net_bad_input(); }

/* A second close or a call after close while another call is still
 * inside (holding a reference: taken here through the internal
 * gort__conn_acquire, as every call does, so that nothing can end it
 * early): GORT_ECLOSED, as Go's ErrClosed. When that call leaves, the
 * conn is retired and its descriptor closed. */
TEST_IMPL(net_close_twice_while_inside) {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  gort_conn *r;
  CHECK_EQ(gort_conn_from_fd(p[0], &r), 0);
  CHECK(gort__conn_acquire(r)); /* "a call in progress" */
  CHECK_EQ(gort_conn_close(r), 0);
  CHECK_EQ(gort_conn_close(r), GORT_ECLOSED);
  char b;
  CHECK_EQ(gort_conn_read(r, &b, 1), GORT_ECLOSED);
  CHECK_EQ(gort_conn_write(r, &b, 1), GORT_ECLOSED);
  CHECK_EQ(gort_conn_set_deadline(r, 0), GORT_ECLOSED);
  CHECK_EQ(gort_conn_close_write(r), GORT_ECLOSED);
  CHECK(fcntl(p[0], F_GETFD) != -1); /* still open under the call */
  CHECK(!gort__conn_acquire(r));     /* no new call gets in */
  gort__conn_release(r);             /* the call leaves */
  CHECK(fcntl(p[0], F_GETFD) == -1); /* closed with the last reference */
  CHECK_EQ(atomic_load(&r->magic), CONN_DEAD);
  close(p[1]);
  return 0;
}

/* Once close has finished and no call holds the conn, the handle is dead:
 * any use dies (the runtime keeps the memory, CONN_QUARANTINE closes). */
TEST_IMPL(crash_net_double_close) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  CHECK_EQ(gort_conn_close(r), 0);
  gort_conn_close(r);
  return 1;
}

TEST_IMPL(crash_net_read_after_close) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  CHECK_EQ(gort_conn_close(r), 0);
  /* Other conns come and go meanwhile; the dead one is not reused. */
  for (int i = 0; i < 20; i++) {
    gort_conn *a, *b;
    make_pipe(&a, &b);
    gort_conn_close(a);
    gort_conn_close(b);
  }
  char b;
  gort_conn_read(r, &b, 1);
  return 1;
}

TEST_IMPL(crash_net_listener_double_close) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  CHECK_EQ(gort_listener_close(l), 0);
  gort_listener_close(l);
  return 1;
}

TEST_IMPL(crash_net_conn_as_listener) {
  gort_conn *r, *w, *c;
  make_pipe(&r, &w);
  gort_accept((gort_listener *)(void *)r, &c);
  return 1;
}

TEST_IMPL(crash_net_listener_as_conn) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  char b;
  gort_conn_read((gort_conn *)(void *)l, &b, 1);
  return 1;
}

/* A thread the runtime did not start calls into the network API. */
static void *foreign_thread(void *p) {
  gort_conn_write(p, "x", 1);
  return NULL;
}

TEST_IMPL(crash_net_outside_goroutine) {
  gort_conn *r, *w;
  make_pipe(&r, &w);
  pthread_t t;
  CHECK_EQ(pthread_create(&t, NULL, foreign_thread, w), 0);
  pthread_join(t, NULL);
  return 1;
}

/* Memory that never held a handle (readable, so the check can look). */
TEST_IMPL(crash_net_not_a_handle) {
  static uint64_t junk[32];
  char b;
  gort_conn_read((gort_conn *)(void *)junk, &b, 1);
  return 1;
}
