/*
 * net_echo.c - the workload `tcp_echo` (WORKLOADS.md), exactly as its Go
 * twin (bench/go/net.go, runTCPEcho) runs it. n counts round trips in all
 * and must be a multiple of 100 (default 200,000 = 100 x 2,000).
 *
 * Listen on 127.0.0.1:0. An accept goroutine accepts exactly 100
 * connections and starts one server goroutine per connection: loop {read
 * up to 64 B; write them back} until end of stream or an error, then close.
 * Main dials the 100 client connections first (TCP_NODELAY and a deadline
 * now + 60 s on every connection, both sides), starts 100 client
 * goroutines that signal "ready" and wait on a start channel, then closes
 * it (timing starts). Client c does n/100 times {write 64 B; read exactly
 * 64 B} with message j being the bytes (c + j + k) & 0xff, k = 0..63, and
 * compares the echo. Timing ends when the last client is done; then main
 * closes the client connections, the servers read end of stream and close
 * theirs, and main waits for them before closing the listener.
 *
 * Checks: result = verified round trips, which must be n; any error (a
 * step's error code, a short echo, a mismatch) makes the run fail with the
 * step and gort_strerror's words. extra: rt_per_sec = n / timed seconds.
 * On wasm the network API returns GORT_ENOTSUP: the run fails saying so.
 *
 * Locking: none. Each goroutine writes only its own struct echo_end; main
 * reads them after that goroutine's WaitGroup Done, which orders the two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gort.h"
#include "workloads.h"

enum { ECHO_CONNS = 100, ECHO_MSG = 64 };

static const int64_t echo_deadline_ns = 60LL * 1000 * 1000 * 1000;

/* One end of a connection (a client or a server, index c), or a step of
 * the setup (index -1). Written only by the goroutine that owns it. */
struct echo_end {
  struct echo *echo;
  gort_conn *conn;
  int index;
  int64_t verified;        /* round trips whose echo matched */
  const char *failed_step; /* NULL: no error */
  int code;                /* its error code, when failed_step */
};

struct echo {
  gort_listener *listener;
  int64_t deadline;   /* for every connection, gort_nanotime clock */
  int64_t per_client; /* n / 100 */
  gort_chan *start;   /* closed to release the clients together */
  gort_waitgroup accept_done, ready, clients_done, servers_done;
  struct echo_end accept; /* the accept loop's error, if any */
  struct echo_end clients[ECHO_CONNS];
  struct echo_end servers[ECHO_CONNS];
};

static char error_text[200];

static int fail(struct echo_end *end, const char *step, int code) {
  end->failed_step = step;
  end->code = code;
  return code;
}

/* tune sets what both sides set on a fresh connection. */
static int tune(gort_conn *c, int64_t deadline) {
  int code = gort_conn_set_nodelay(c, true);
  return code < 0 ? code : gort_conn_set_deadline(c, deadline);
}

static void echo_server(void *p) {
  struct echo_end *s = p;
  unsigned char buf[ECHO_MSG];
  for (;;) {
    ptrdiff_t got = gort_conn_read(s->conn, buf, sizeof buf);
    if (got <= 0 || gort_conn_write(s->conn, buf, (size_t)got) < 0)
      break;
  }
  gort_conn_close(s->conn);
  gort_waitgroup_done(&s->echo->servers_done);
}

static void accept_loop(void *p) {
  struct echo *e = p;
  for (int i = 0; i < ECHO_CONNS; i++) {
    struct echo_end *s = &e->servers[i];
    int code = gort_accept(e->listener, &s->conn);
    if (code < 0) {
      fail(&e->accept, "accept", code);
      break;
    }
    code = tune(s->conn, e->deadline);
    gort_waitgroup_add(&e->servers_done, 1);
    if (code == 0)
      code = gort_go(echo_server, s);
    if (code < 0) {
      gort_conn_close(s->conn);
      gort_waitgroup_done(&e->servers_done);
      fail(&e->accept, "server side setup", code);
      break;
    }
  }
  gort_waitgroup_done(&e->accept_done);
}

/* read_full reads exactly n bytes (Go's io.ReadFull): 0, an error code,
 * or 1 when the stream ended first. */
static int read_full(gort_conn *c, unsigned char *buf, size_t n) {
  for (size_t have = 0; have < n;) {
    ptrdiff_t got = gort_conn_read(c, buf + have, n - have);
    if (got <= 0)
      return got < 0 ? (int)got : 1;
    have += (size_t)got;
  }
  return 0;
}

static void echo_client(void *p) {
  struct echo_end *c = p;
  struct echo *e = c->echo;
  unsigned char out[ECHO_MSG], in[ECHO_MSG];
  gort_waitgroup_done(&e->ready);
  gort_chan_recv(e->start, NULL);
  for (int64_t j = 0; j < e->per_client; j++) {
    for (int k = 0; k < ECHO_MSG; k++)
      out[k] = (unsigned char)((c->index + j + k) & 0xff);
    ptrdiff_t sent = gort_conn_write(c->conn, out, sizeof out);
    if (sent < 0) {
      fail(c, "client write", (int)sent);
      break;
    }
    int code = read_full(c->conn, in, sizeof in);
    if (code != 0) {
      fail(c, code > 0 ? "client read (the echo ended early)" : "client read",
           code);
      break;
    }
    if (memcmp(in, out, sizeof in) != 0) {
      fail(c, "echo check (the echo differs from the message)", 0);
      break;
    }
    c->verified++;
  }
  gort_waitgroup_done(&e->clients_done);
}

/* run_clients starts the clients, releases them together and returns the
 * ns from the release to the last one's end, or an error code. */
static int64_t run_clients(struct echo *e, struct echo_end *setup) {
  e->start = gort_chan_make(0, 0);
  if (e->start == NULL)
    return fail(setup, "start channel", GORT_ENOMEM);
  for (int c = 0; c < ECHO_CONNS; c++) {
    gort_waitgroup_add(&e->ready, 1);
    gort_waitgroup_add(&e->clients_done, 1);
    if (gort_go(echo_client, &e->clients[c]) < 0) {
      gort_waitgroup_done(&e->ready);
      gort_waitgroup_done(&e->clients_done);
      e->per_client = 0; /* the started ones return at once */
      fail(setup, "client start", GORT_ENOMEM);
      break;
    }
  }
  gort_waitgroup_wait(&e->ready);
  int64_t t0 = gort_nanotime();
  gort_chan_close(e->start);
  gort_waitgroup_wait(&e->clients_done);
  int64_t elapsed = gort_nanotime() - t0;
  gort_chan_free(e->start);
  return setup->failed_step ? setup->code : elapsed;
}

/* echo_exchange dials, runs the clients and closes every connection; it
 * returns the timed ns or an error code (the step in *setup). */
static int64_t echo_exchange(struct echo *e, struct echo_end *setup) {
  char addr[64];
  int code = gort_listener_addr(e->listener, addr, sizeof addr);
  if (code < 0)
    fail(setup, "listener address", code);
  for (int c = 0; c < ECHO_CONNS && code == 0; c++) {
    code = gort_dial_tcp(addr, 0, &e->clients[c].conn);
    if (code < 0)
      fail(setup, "dial", code);
    else if ((code = tune(e->clients[c].conn, e->deadline)) < 0)
      fail(setup, "client side setup", code);
  }
  /* A failed dial leaves the accept loop waiting: a deadline in the past
   * wakes it (closing the listener under it could free what it uses). */
  const int64_t long_ago = 1;
  if (code < 0)
    gort_listener_set_deadline(e->listener, long_ago);
  gort_waitgroup_wait(&e->accept_done);
  int64_t timed = code;
  if (code == 0 && e->accept.failed_step == NULL)
    timed = run_clients(e, setup);
  for (int c = 0; c < ECHO_CONNS; c++)
    if (e->clients[c].conn != NULL)
      gort_conn_close(e->clients[c].conn);
  gort_waitgroup_wait(&e->servers_done);
  return timed;
}

/* report_error names the first failed step (setup, accept loop, then the
 * clients in order, as the Go twin) in r->error; false if none failed. */
static bool report_error(struct echo *e, struct echo_end *setup,
                         struct workload_result *r) {
  struct echo_end *failed = setup;
  if (failed->failed_step == NULL)
    failed = e->accept.failed_step ? &e->accept : NULL;
  for (int c = 0; failed == NULL && c < ECHO_CONNS; c++)
    if (e->clients[c].failed_step)
      failed = &e->clients[c];
  if (failed == NULL)
    return false;
  char conn[24] = "";
  if (failed->index >= 0)
    snprintf(conn, sizeof conn, "conn %d: ", failed->index);
  const char *why = failed->code < 0 ? gort_strerror(failed->code) : NULL;
  if (failed->code == GORT_ENOTSUP)
    why = "the network API is not supported on this platform (wasm)";
  if (why != NULL)
    snprintf(error_text, sizeof error_text, "%s%s: %s", conn,
             failed->failed_step, why);
  else
    snprintf(error_text, sizeof error_text, "%s%s", conn, failed->failed_step);
  r->ok = false;
  r->error = error_text;
  return true;
}

void gort_workload_tcp_echo(int64_t n, struct workload_result *r) {
  r->n = n;
  r->ok = false;
  if (n % ECHO_CONNS != 0) {
    r->error = "n must be a multiple of 100 (the connections)";
    return;
  }
  struct echo *e = calloc(1, sizeof *e);
  if (e == NULL) {
    r->error = "out of memory";
    return;
  }
  struct echo_end setup = {.index = -1};
  e->accept.index = -1;
  e->per_client = n / ECHO_CONNS;
  for (int c = 0; c < ECHO_CONNS; c++) {
    e->clients[c] = (struct echo_end){.echo = e, .index = c};
    e->servers[c] = (struct echo_end){.echo = e, .index = c};
  }
  int64_t t0 = gort_nanotime();
  int code = gort_listen_tcp("127.0.0.1:0", &e->listener);
  if (code < 0) {
    fail(&setup, "listen on 127.0.0.1:0", code);
    report_error(e, &setup, r);
    free(e);
    return;
  }
  e->deadline = gort_nanotime() + echo_deadline_ns;
  gort_waitgroup_add(&e->accept_done, 1);
  int64_t timed = GORT_ENOMEM;
  if (gort_go(accept_loop, e) < 0) {
    fail(&setup, "accept goroutine", GORT_ENOMEM);
    gort_waitgroup_done(&e->accept_done);
  } else {
    timed = echo_exchange(e, &setup);
  }
  gort_listener_close(e->listener);
  r->wall_ns = gort_nanotime() - t0;
  for (int c = 0; c < ECHO_CONNS; c++)
    r->result += e->clients[c].verified;
  if (!report_error(e, &setup, r)) {
    r->ok = r->result == n;
    r->error = r->ok ? NULL : "verified round trips differ from n";
    r->timed_ns = timed;
    snprintf(r->extra, sizeof r->extra, "\"rt_per_sec\":%.0f",
             (double)n / ((double)timed / 1e9));
  }
  free(e);
}
