/*
 * test-net-faults.c - the netpoller under injected faults (GORT_DEBUG's
 * net* settings, runtime/netpoll/netfault.h): EAGAIN and EINTR storms,
 * short writes, EMFILE on accept (injected, and real under a lowered
 * RLIMIT_NOFILE), failing registration, and a poller that fails to start
 * or to wait (fatal, with Go's words). Every byte must arrive in order,
 * errors reach the caller where Go gives them, and no descriptor leaks
 * (/proc/self/fd counted before and after).
 *
 * test-list.h's env field holds the GORT_DEBUG setting, so the *_poll
 * cases choose the poll(2) backend through the settings before the poller
 * starts (on first use): see use_poll.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "netpoll/netfault.h"
#include "sched/settings.h"
#include "test.h"

static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  CHECK(d != NULL);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

/* The *_poll cases: the settings are read at start, and this case's one
 * environment variable is GORT_DEBUG, so the poll(2) backend is chosen by
 * setting the field GORT_NETPOLL=poll sets (sched/settings.h), before
 * anything starts the poller. */
static bool poll_chosen;

static void use_poll(void) {
  poll_chosen = true;
  gort__settings.netpoll_poll = true;
}

static void check_backend(void) {
  struct gort_netpoll_stats s;
  CHECK_EQ(gort_netpoll_stats(&s), 0);
  CHECK(strcmp(s.backend, poll_chosen ? "poll" : "epoll") == 0);
}

/* Settle: goroutines that closed their conns may still be on their way;
 * the descriptor goes when the last call leaves. */
static void check_fds_back_to(int want) {
  int n = count_fds();
  for (int i = 0; i < 2000 && n != want; i++) {
    gort_sleep(1000 * 1000);
    n = count_fds();
  }
  CHECK_EQ(n, want);
}

/* ---- an echo that checks every byte
 * ------------------------------------------ CONNS clients each send BYTES of a
 * pattern of their own in writes of varying sizes; a server goroutine per conn
 * echoes what it reads; a reader goroutine per client checks what comes back,
 * byte for byte. */

enum { CONNS = 6 };
#define BYTES STRESS(1024 * 1024, 64 * 1024)

static unsigned char pattern(int id, size_t i) {
  return (unsigned char)(i * 31 + (i >> 8) + (size_t)id * 7);
}

static void echo_serve(void *p) {
  gort_conn *c = p;
  unsigned char buf[3000];
  for (;;) {
    ptrdiff_t k = gort_conn_read(c, buf, sizeof buf);
    if (k <= 0) {
      CHECK_EQ(k, 0); /* EOF: never an error, whatever the faults */
      break;
    }
    CHECK_EQ(gort_conn_write(c, buf, (size_t)k), k);
  }
  CHECK_EQ(gort_conn_close(c), 0);
}

struct echo_job {
  char addr[64];
  int id;
  gort_conn *c;
  gort_waitgroup *wg;
  gort_waitgroup read_done;
  unsigned char buf[65536]; /* more than a goroutine stack holds */
};

static void echo_check_reader(void *p) {
  struct echo_job *j = p;
  unsigned char buf[5000];
  size_t got = 0;
  while (got < BYTES) {
    ptrdiff_t k = gort_conn_read(j->c, buf, sizeof buf);
    CHECK(k > 0);
    for (ptrdiff_t i = 0; i < k; i++)
      CHECK_EQ(buf[i], pattern(j->id, got + (size_t)i));
    got += (size_t)k;
  }
  char b;
  CHECK_EQ(gort_conn_read(j->c, &b, 1), 0); /* the server closed */
  gort_waitgroup_done(&j->read_done);
}

static void echo_client(void *p) {
  struct echo_job *j = p;
  CHECK_EQ(gort_dial_tcp(j->addr, 0, &j->c), 0);
  gort_waitgroup_add(&j->read_done, 1);
  gort_go(echo_check_reader, j);
  static const size_t sizes[] = {1, 7, 100, 1000, 4096, 20000, 65536};
  unsigned char *buf = j->buf;
  size_t sent = 0;
  for (int t = 0; sent < BYTES; t++) {
    size_t n = sizes[(t + j->id) % 7];
    if (n > BYTES - sent)
      n = BYTES - sent;
    for (size_t i = 0; i < n; i++)
      buf[i] = pattern(j->id, sent + i);
    CHECK_EQ(gort_conn_write(j->c, buf, n), n); /* all of it */
    sent += n;
  }
  CHECK_EQ(gort_conn_close_write(j->c), 0);
  gort_waitgroup_wait(&j->read_done);
  CHECK_EQ(gort_conn_close(j->c), 0);
  gort_waitgroup_done(j->wg);
}

static void echo_acceptor(void *p) {
  gort_listener *l = p;
  for (;;) {
    gort_conn *c;
    int rc = gort_accept(l, &c);
    if (rc == GORT_ECLOSED)
      return;
    CHECK_EQ(rc, 0);
    gort_go(echo_serve, c);
  }
}

static int run_echo(enum netfault_kind must_fire) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  check_backend();
  int fds0 = count_fds();
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  gort_go(echo_acceptor, l);
  static struct echo_job jobs[CONNS];
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, CONNS);
  for (int i = 0; i < CONNS; i++) {
    jobs[i] =
        (struct echo_job){.id = i, .wg = &wg, .read_done = GORT_WAITGROUP_INIT};
    strcpy(jobs[i].addr, addr);
    gort_go(echo_client, &jobs[i]);
  }
  gort_waitgroup_wait(&wg);
  check_fds_back_to(fds0);
  CHECK_EQ(gort_listener_close(l), 0);
  CHECK(gort__netfault_count(must_fire) > 0);
  return 0;
}

/* GORT_DEBUG=neteagain=2: half the reads, writes and accepts say EAGAIN
 * though the descriptor may be ready. */
TEST_IMPL(net_fault_eagain_echo) { return run_echo(NF_EAGAIN); }
TEST_IMPL(net_fault_eagain_echo_poll) {
  use_poll();
  return run_echo(NF_EAGAIN);
}

/* GORT_DEBUG=netshortwrite=2: half the writes take fewer bytes. */
TEST_IMPL(net_fault_shortwrite_echo) { return run_echo(NF_SHORTWRITE); }
TEST_IMPL(net_fault_shortwrite_echo_poll) {
  use_poll();
  return run_echo(NF_SHORTWRITE);
}

/* All at once: neteagain=3,neteintr=4,netshortwrite=2. */
TEST_IMPL(net_fault_mixed_echo) {
  run_echo(NF_EAGAIN);
  CHECK(gort__netfault_count(NF_EINTR) > 0);
  CHECK(gort__netfault_count(NF_SHORTWRITE) > 0);
  return 0;
}
TEST_IMPL(net_fault_mixed_echo_poll) {
  use_poll();
  return test_net_fault_mixed_echo();
}

/* ---- net_fault_eagain_parks
 * --------------------------------------------------- Under an EAGAIN storm
 * (neteagain=2) a reader parks again after every spurious wake-up: between
 * bytes it is back among the poller's waiters, it burns no CPU while it waits,
 * and it gets every byte, in order, without an error. */

enum { PARK_BYTES = 200 };
static _Atomic int park_got;

static void park_reader(void *p) {
  gort_conn *r = p;
  for (int i = 0; i < PARK_BYTES; i++) {
    unsigned char b;
    CHECK_EQ(gort_conn_read(r, &b, 1), 1);
    CHECK_EQ(b, (unsigned char)i);
    atomic_store(&park_got, i + 1);
  }
}

static int64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wait_parked(void) {
  struct gort_netpoll_stats s;
  for (int i = 0; i < 100000; i++) {
    gort_netpoll_stats(&s);
    if (s.waiters == 1)
      return;
    gort_sleep(100 * 1000);
  }
  CHECK_EQ(s.waiters, 1);
}

TEST_IMPL(net_fault_eagain_parks) {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  gort_conn *r, *w;
  CHECK_EQ(gort_conn_from_fd(p[0], &r), 0);
  CHECK_EQ(gort_conn_from_fd(p[1], &w), 0);
  check_backend();
  gort_go(park_reader, r);
  wait_parked();
  /* Waiting costs nothing: 100 ms of sleep, far less CPU. */
  int64_t c0 = cpu_ns();
  gort_sleep(100 * 1000 * 1000);
  CHECK(cpu_ns() - c0 < 50 * 1000 * 1000);
  struct gort_netpoll_stats s0, s1;
  gort_netpoll_stats(&s0);
  for (int i = 0; i < PARK_BYTES; i++) {
    wait_parked(); /* parked again after the storms of the last byte */
    unsigned char b = (unsigned char)i;
    CHECK_EQ(gort_conn_write(w, &b, 1), 1);
    while (atomic_load(&park_got) < i + 1)
      gort_sleep(100 * 1000);
  }
  gort_netpoll_stats(&s1);
  /* Each byte woke the reader through the poller, and so did many of
   * the spurious wake-ups (not all: the poller may note the readiness
   * before the goroutine parks; then it finds it and does not park). A
   * goroutine that retried at once instead of waiting would be readied
   * PARK_BYTES times, whatever the faults. */
  uint64_t fakes = gort__netfault_count(NF_EAGAIN);
  CHECK(fakes > 20);
  CHECK(s1.readied - s0.readied >= PARK_BYTES + fakes / 8);
  CHECK_EQ(gort_conn_close(r), 0);
  CHECK_EQ(gort_conn_close(w), 0);
  return 0;
}
TEST_IMPL(net_fault_eagain_parks_poll) {
  use_poll();
  return test_net_fault_eagain_parks();
}

/* ---- EMFILE on accept
 * ---------------------------------------------------------- Go's FD.Accept
 * gives EMFILE to the caller and keeps the listener; the connection waits in
 * the queue. The server backs off and calls again (net/http's Serve), and in
 * the end takes every connection. */

enum { EMFILE_CONNS = 20 };

static void dial_one(void *p) {
  struct echo_job *j = p;
  CHECK_EQ(gort_dial_tcp(j->addr, 0, &j->c), 0);
  unsigned char b = (unsigned char)j->id;
  CHECK_EQ(gort_conn_write(j->c, &b, 1), 1);
  CHECK_EQ(gort_conn_read(j->c, &b, 1), 1);
  CHECK_EQ(b, (unsigned char)(j->id + 1));
  CHECK_EQ(gort_conn_close(j->c), 0);
  gort_waitgroup_done(j->wg);
}

TEST_IMPL(net_fault_emfile_accept) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  check_backend();
  int fds0 = count_fds();
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  static struct echo_job jobs[EMFILE_CONNS];
  gort_waitgroup wg = GORT_WAITGROUP_INIT;
  gort_waitgroup_add(&wg, EMFILE_CONNS);
  for (int i = 0; i < EMFILE_CONNS; i++) {
    jobs[i] = (struct echo_job){.id = i, .wg = &wg};
    strcpy(jobs[i].addr, addr);
    gort_go(dial_one, &jobs[i]);
  }
  int emfiles = 0;
  for (int accepted = 0; accepted < EMFILE_CONNS;) {
    gort_conn *c = (gort_conn *)&c; /* not NULL: accept must reset it */
    int rc = gort_accept(l, &c);
    if (rc == -EMFILE) {
      CHECK(c == NULL);
      emfiles++;
      gort_sleep(1000 * 1000); /* back off, as net/http does */
      continue;
    }
    CHECK_EQ(rc, 0);
    unsigned char b;
    CHECK_EQ(gort_conn_read(c, &b, 1), 1);
    b++;
    CHECK_EQ(gort_conn_write(c, &b, 1), 1);
    CHECK_EQ(gort_conn_close(c), 0);
    accepted++;
  }
  gort_waitgroup_wait(&wg);
  CHECK(emfiles > 0);
  CHECK_EQ(emfiles, gort__netfault_count(NF_EMFILE));
  check_fds_back_to(fds0);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}
TEST_IMPL(net_fault_emfile_accept_poll) {
  use_poll();
  return test_net_fault_emfile_accept();
}

/* A real EMFILE: the descriptor limit lowered to the lowest free number,
 * so accept4 finds none; the call fails, the listener is fine, and with
 * the limit back the same connection is accepted. */
TEST_IMPL(net_accept_real_emfile) {
  gort_listener *l;
  CHECK_EQ(gort_listen_tcp("127.0.0.1:0", &l), 0);
  check_backend();
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  gort_conn *client, *c;
  CHECK_EQ(gort_dial_tcp(addr, 0, &client), 0);
  CHECK_EQ(gort_conn_write(client, "e", 1), 1);
  struct rlimit old, low;
  CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  int lowest = dup(0);
  CHECK(lowest >= 0);
  close(lowest);
  low = old;
  low.rlim_cur = (rlim_t)lowest;
  CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  int rc = gort_accept(l, &c);
  CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
  CHECK_EQ(rc, -EMFILE);
  CHECK_EQ(gort_accept(l, &c), 0);
  char b;
  CHECK_EQ(gort_conn_read(c, &b, 1), 1);
  CHECK_EQ(b, 'e');
  CHECK_EQ(gort_conn_close(c), 0);
  CHECK_EQ(gort_conn_close(client), 0);
  CHECK_EQ(gort_listener_close(l), 0);
  return 0;
}
TEST_IMPL(net_accept_real_emfile_poll) {
  use_poll();
  return test_net_accept_real_emfile();
}

/* ---- registration failures (netopenfail=2)
 * ----------------------------------- Every way onto the poller fails now and
 * then with the backend's error (epoll: -ENOSPC, max_user_watches; poll:
 * GORT_ENOMEM); the descriptor is closed, nothing leaks, and the next call
 * works. */

static int open_err(void) { return poll_chosen ? GORT_ENOMEM : -ENOSPC; }

static gort_listener *listen_retry(void) {
  gort_listener *l;
  int rc;
  while ((rc = gort_listen_tcp("127.0.0.1:0", &l)) != 0)
    CHECK_EQ(rc, open_err());
  return l;
}

TEST_IMPL(net_fault_open) {
  gort_listener *l = listen_retry();
  check_backend();
  int fds0 = count_fds();
  uint64_t failed = 0, injected0 = gort__netfault_count(NF_OPEN);
  /* conn_from_fd: the descriptor is closed on failure. */
  for (int i = 0; i < 40; i++) {
    int p[2];
    CHECK_EQ(pipe(p), 0);
    gort_conn *c;
    int rc = gort_conn_from_fd(p[0], &c);
    if (rc == 0) {
      CHECK_EQ(gort_conn_close(c), 0);
    } else {
      CHECK_EQ(rc, open_err());
      CHECK(c == NULL);
      CHECK(fcntl(p[0], F_GETFD) == -1 && errno == EBADF);
      failed++;
    }
    close(p[1]);
  }
  /* dial and accept: either side may fail to register; a failed accept
   * closes the connection it took, the client reads EOF. */
  char addr[64];
  CHECK_EQ(gort_listener_addr(l, addr, sizeof addr), 0);
  for (int ok = 0; ok < 10;) {
    gort_conn *client, *server;
    int rc = gort_dial_tcp(addr, 0, &client);
    if (rc != 0) {
      CHECK_EQ(rc, open_err());
      failed++;
      /* The connection was made before registration failed: the
       * listener has it queued; take it if we can, and drop it. */
    }
    rc = gort_accept(l, &server);
    if (rc != 0) {
      CHECK_EQ(rc, open_err());
      failed++;
      if (client != NULL) {
        char b;
        ptrdiff_t k = gort_conn_read(client, &b, 1);
        CHECK(k == 0 || k == -ECONNRESET);
        CHECK_EQ(gort_conn_close(client), 0);
      }
      continue;
    }
    if (client != NULL) {
      CHECK_EQ(gort_conn_write(client, "o", 1), 1);
      char b;
      CHECK_EQ(gort_conn_read(server, &b, 1), 1);
      CHECK_EQ(b, 'o');
      CHECK_EQ(gort_conn_close(client), 0);
      ok++;
    }
    CHECK_EQ(gort_conn_close(server), 0);
  }
  CHECK(failed > 0);
  CHECK_EQ(failed, gort__netfault_count(NF_OPEN) - injected0);
  CHECK_EQ(gort_listener_close(l), 0);
  check_fds_back_to(fds0 - 1); /* the listener's was counted */
  return 0;
}
TEST_IMPL(net_fault_open_poll) {
  use_poll();
  return test_net_fault_open();
}

/* ---- the poller itself fails: fatal, with Go's words
 * --------------------------- */

static int start_poller_and_wait(void) {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  gort_conn *r;
  gort_conn_from_fd(p[0], &r); /* starts the poller: dies here ... */
  char b;
  gort_conn_read(r, &b, 1); /* ... or in the poll this wait causes */
  return 1;
}

/* netinitfail=1: epoll_create1 fails. */
TEST_IMPL(crash_netfault_epoll_create) { return start_poller_and_wait(); }
/* netinitfail=2: eventfd fails. */
TEST_IMPL(crash_netfault_eventfd) { return start_poller_and_wait(); }
/* netinitfail=3: adding the eventfd to the epoll set fails. */
TEST_IMPL(crash_netfault_epoll_ctl) { return start_poller_and_wait(); }
/* netinitfail=1 under poll: the wake pipe fails. */
TEST_IMPL(crash_netfault_poll_init) {
  use_poll();
  return start_poller_and_wait();
}
/* netwaitfail=1: the first wait fails. */
TEST_IMPL(crash_netfault_wait) { return start_poller_and_wait(); }
TEST_IMPL(crash_netfault_wait_poll) {
  use_poll();
  return start_poller_and_wait();
}
