/*
 * test-context.c - context (issue 6): the semantics of each constructor as
 * a table, deadlines, causes, values, AfterFunc, trees of 100,000 contexts
 * (deep and wide), Done in select, timers stopped on cancel, and races of
 * cancel, deadline and release (for the sanitizers). Time bounds are lower
 * bounds, or upper bounds of seconds.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

enum { MS = 1000 * 1000 };
static const int64_t HOUR = 3600LL * 1000 * MS;

static bool is_done(gort_ctx *c) {
  gort_chan *d = gort_ctx_done(c);
  bool ok = true;
  if (d == NULL)
    return false;
  bool got = gort_chan_try_recv(d, NULL, &ok);
  CHECK(!got || !ok); /* Done only ever closes */
  return got;
}

/* ---- ctx_semantics_table ------------------------------------------------ */

enum make {
  BG,
  TODO,
  CANCEL,
  CANCEL_CAUSE,
  TIMEOUT_LONG,
  TIMEOUT_PAST,
  TIMEOUT_PAST_CAUSE,
  VALUE,
  WITHOUT_CANCEL
};
enum act { NOTHING, CANCEL_IT, CANCEL_IT_CAUSE, CANCEL_PARENT };

struct ctx_row {
  const char *name;
  enum make make;
  bool parent_cancelable; /* made under a WithCancel parent */
  enum act act;
  int cancel_rc;  /* what gort_ctx_cancel(_cause) returns */
  int err, cause; /* after the act */
  bool has_deadline;
};

static const struct ctx_row ctx_rows[] = {
    {"Background", BG, false, NOTHING, 0, 0, 0, false},
    {"TODO", TODO, false, NOTHING, 0, 0, 0, false},
    {"Background cannot be cancelled", BG, false, CANCEL_IT, GORT_EINVAL, 0, 0,
     false},
    {"WithCancel before cancel", CANCEL, false, NOTHING, 0, 0, 0, false},
    {"WithCancel cancelled", CANCEL, false, CANCEL_IT, 0, GORT_CTX_CANCELED,
     GORT_CTX_CANCELED, false},
    {"WithCancelCause cancelled with 42", CANCEL_CAUSE, false, CANCEL_IT_CAUSE,
     0, GORT_CTX_CANCELED, 42, false},
    {"WithCancel, parent cancelled with 42", CANCEL, true, CANCEL_PARENT, 0,
     GORT_CTX_CANCELED, 42, false},
    {"WithTimeout(1h) pending", TIMEOUT_LONG, false, NOTHING, 0, 0, 0, true},
    {"WithTimeout(1h) cancelled", TIMEOUT_LONG, false, CANCEL_IT, 0,
     GORT_CTX_CANCELED, GORT_CTX_CANCELED, true},
    {"WithTimeout(-1) expired at once", TIMEOUT_PAST, false, NOTHING, 0,
     GORT_CTX_DEADLINE_EXCEEDED, GORT_CTX_DEADLINE_EXCEEDED, true},
    {"WithTimeoutCause(-1, 7) expired at once", TIMEOUT_PAST_CAUSE, false,
     NOTHING, 0, GORT_CTX_DEADLINE_EXCEEDED, 7, true},
    {"cancel after expiry changes nothing", TIMEOUT_PAST, false, CANCEL_IT, 0,
     GORT_CTX_DEADLINE_EXCEEDED, GORT_CTX_DEADLINE_EXCEEDED, true},
    {"WithValue cannot be cancelled", VALUE, false, CANCEL_IT, GORT_EINVAL, 0,
     0, false},
    {"WithValue follows its parent's cancel", VALUE, true, CANCEL_PARENT, 0,
     GORT_CTX_CANCELED, 42, false},
    {"WithoutCancel cannot be cancelled", WITHOUT_CANCEL, true, CANCEL_IT,
     GORT_EINVAL, 0, 0, false},
    {"WithoutCancel ignores its parent's cancel", WITHOUT_CANCEL, true,
     CANCEL_PARENT, 0, 0, 0, false},
};

static int key_a, key_b;

static void run_ctx_row(const struct ctx_row *r) {
  gort_ctx *parent = r->parent_cancelable
                         ? gort_ctx_with_cancel(gort_ctx_background())
                         : gort_ctx_background();
  gort_ctx *c = NULL;
  switch (r->make) {
  case BG:
    c = gort_ctx_background();
    break;
  case TODO:
    c = gort_ctx_todo();
    break;
  case CANCEL:
    c = gort_ctx_with_cancel(parent);
    break;
  case CANCEL_CAUSE:
    c = gort_ctx_with_cancel_cause(parent);
    break;
  case TIMEOUT_LONG:
    c = gort_ctx_with_timeout(parent, HOUR);
    break;
  case TIMEOUT_PAST:
    c = gort_ctx_with_timeout(parent, -1);
    break;
  case TIMEOUT_PAST_CAUSE:
    c = gort_ctx_with_timeout_cause(parent, -1, 7);
    break;
  case VALUE:
    c = gort_ctx_with_value(parent, &key_a, &key_b);
    break;
  case WITHOUT_CANCEL:
    c = gort_ctx_without_cancel(parent);
    break;
  }
  CHECK(c != NULL);
  int rc = 0;
  switch (r->act) {
  case NOTHING:
    break;
  case CANCEL_IT:
    rc = gort_ctx_cancel(c);
    break;
  case CANCEL_IT_CAUSE:
    rc = gort_ctx_cancel_cause(c, 42);
    break;
  case CANCEL_PARENT:
    rc = gort_ctx_cancel_cause(parent, 42);
    break;
  }
  if (rc != r->cancel_rc || gort_ctx_err(c) != r->err ||
      gort_ctx_cause(c) != r->cause)
    fprintf(stderr, "row \"%s\": rc %d err %d cause %d\n", r->name, rc,
            gort_ctx_err(c), gort_ctx_cause(c));
  CHECK_EQ(rc, r->cancel_rc);
  CHECK_EQ(gort_ctx_err(c), r->err);
  CHECK_EQ(gort_ctx_cause(c), r->cause);
  CHECK_EQ(is_done(c), r->err != 0);
  if (r->make == BG || r->make == TODO || r->make == WITHOUT_CANCEL)
    CHECK(gort_ctx_done(c) == NULL);
  else if (r->make != VALUE || r->parent_cancelable)
    CHECK(gort_ctx_done(c) != NULL);
  /* Done is one channel for the context's life. */
  CHECK(gort_ctx_done(c) == gort_ctx_done(c));
  int64_t dl = -1;
  CHECK_EQ(gort_ctx_deadline(c, &dl), r->has_deadline);
  CHECK(r->has_deadline ? dl > 0 : dl == 0);
  /* A second cancel changes nothing. */
  if (r->cancel_rc == 0 && r->err != 0) {
    gort_ctx_cancel_cause(c, 99);
    CHECK_EQ(gort_ctx_err(c), r->err);
    CHECK_EQ(gort_ctx_cause(c), r->cause);
  }
  /* A child made now inherits the state. */
  gort_ctx *child = gort_ctx_with_cancel(c);
  CHECK_EQ(gort_ctx_err(child), r->err);
  CHECK_EQ(gort_ctx_cause(child), r->cause);
  gort_ctx_release(child);
  gort_ctx_release(c);
  gort_ctx_release(parent);
}

TEST_IMPL(ctx_semantics_table) {
  for (size_t i = 0; i < sizeof ctx_rows / sizeof ctx_rows[0]; i++)
    run_ctx_row(&ctx_rows[i]);
  CHECK(strcmp(gort_strerror(GORT_CTX_CANCELED), "context canceled") == 0);
  CHECK(strcmp(gort_strerror(GORT_CTX_DEADLINE_EXCEEDED),
               "context deadline exceeded") == 0);
  /* Cancelling a child leaves its parent alone; the parent's cancel
   * reaches grandchildren through a value context. */
  gort_ctx *p = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx *v = gort_ctx_with_value(p, &key_a, NULL);
  gort_ctx *c1 = gort_ctx_with_cancel(v);
  gort_ctx *c2 = gort_ctx_with_cancel(v);
  gort_ctx *g1 = gort_ctx_with_cancel(c2);
  CHECK_EQ(gort_ctx_cancel(c1), 0);
  CHECK_EQ(gort_ctx_err(p), 0);
  CHECK_EQ(gort_ctx_err(c2), 0);
  CHECK_EQ(gort_ctx_cancel(p), 0);
  CHECK_EQ(gort_ctx_err(v), GORT_CTX_CANCELED);
  CHECK_EQ(gort_ctx_err(c2), GORT_CTX_CANCELED);
  CHECK_EQ(gort_ctx_err(g1), GORT_CTX_CANCELED);
  CHECK(is_done(g1));
  /* Release in any order: children keep their ancestors' memory. */
  gort_ctx_release(p);
  gort_ctx_release(v);
  gort_ctx_release(c2);
  CHECK_EQ(gort_ctx_err(g1), GORT_CTX_CANCELED);
  gort_ctx_release(g1);
  gort_ctx_release(c1);
  /* Deadlines: a later one under an earlier one keeps the earlier. */
  int64_t now = gort_nanotime();
  gort_ctx *d1 = gort_ctx_with_deadline(gort_ctx_background(), now + HOUR);
  gort_ctx *d2 = gort_ctx_with_deadline(d1, now + 2 * HOUR);
  gort_ctx *d3 = gort_ctx_with_deadline(d2, now + HOUR / 2);
  gort_ctx *dv = gort_ctx_with_value(d3, &key_b, NULL);
  int64_t dl;
  CHECK(gort_ctx_deadline(d2, &dl) && dl == now + HOUR);
  CHECK(gort_ctx_deadline(dv, &dl) && dl == now + HOUR / 2);
  gort_ctx_cancel(d1);
  CHECK_EQ(gort_ctx_err(dv), GORT_CTX_CANCELED);
  gort_ctx_release(dv);
  gort_ctx_release(d3);
  gort_ctx_release(d2);
  gort_ctx_release(d1);
  /* Retain keeps a context alive past its creator's release. */
  gort_ctx *r = gort_ctx_with_cancel(gort_ctx_background());
  CHECK(gort_ctx_retain(r) == r);
  gort_ctx_release(r);
  CHECK_EQ(gort_ctx_cancel(r), 0);
  CHECK(is_done(r));
  gort_ctx_release(r);
  CHECK_EQ(gort_ctx_cancel(NULL), GORT_EINVAL);
  CHECK_EQ(gort_ctx_err(NULL), 0);
  return 0;
}

/* ---- ctx_deadline_exceeded ---------------------------------------------- */

TEST_IMPL(ctx_deadline_exceeded) {
  int64_t t0 = gort_nanotime();
  gort_ctx *c = gort_ctx_with_timeout(gort_ctx_background(), 20 * MS);
  gort_ctx *child = gort_ctx_with_cancel(c);
  gort_ctx *caused =
      gort_ctx_with_timeout_cause(gort_ctx_background(), 5 * MS, 1234);
  /* Not yet expired, unless the machine was so busy that 20 ms passed. */
  int err_early = gort_ctx_err(c);
  CHECK(err_early == 0 || gort_nanotime() - t0 >= 20 * MS);
  CHECK(!gort_chan_recv(gort_ctx_done(child), NULL)); /* blocks, closes */
  CHECK(gort_nanotime() - t0 >= 20 * MS);
  CHECK(gort_nanotime() - t0 < 5000 * (int64_t)MS);
  CHECK_EQ(gort_ctx_err(c), GORT_CTX_DEADLINE_EXCEEDED);
  CHECK_EQ(gort_ctx_err(child), GORT_CTX_DEADLINE_EXCEEDED);
  CHECK_EQ(gort_ctx_cause(child), GORT_CTX_DEADLINE_EXCEEDED);
  CHECK(!gort_chan_recv(gort_ctx_done(caused), NULL));
  CHECK_EQ(gort_ctx_err(caused), GORT_CTX_DEADLINE_EXCEEDED);
  CHECK_EQ(gort_ctx_cause(caused), 1234);
  gort_ctx_release(c);
  gort_ctx_release(child);
  gort_ctx_release(caused);
  return 0;
}

/* ---- ctx_values --------------------------------------------------------- */

TEST_IMPL(ctx_values) {
  static int k1, k2, k3;
  int v1 = 1, v2 = 2, v1b = 11;
  gort_ctx *a = gort_ctx_with_value(gort_ctx_background(), &k1, &v1);
  gort_ctx *b = gort_ctx_with_cancel(a);
  gort_ctx *c = gort_ctx_with_value(b, &k2, &v2);
  gort_ctx *d = gort_ctx_with_value(c, &k1, &v1b); /* shadows k1 */
  CHECK(gort_ctx_value(a, &k1) == &v1);
  CHECK(gort_ctx_value(b, &k1) == &v1); /* through a cancel ctx */
  CHECK(gort_ctx_value(c, &k1) == &v1);
  CHECK(gort_ctx_value(c, &k2) == &v2);
  CHECK(gort_ctx_value(d, &k1) == &v1b);
  CHECK(gort_ctx_value(d, &k2) == &v2);
  CHECK(gort_ctx_value(d, &k3) == NULL);
  CHECK(gort_ctx_value(a, &k2) == NULL); /* never downwards */
  CHECK(gort_ctx_value(gort_ctx_background(), &k1) == NULL);
  CHECK(gort_ctx_value(NULL, &k1) == NULL);
  /* A NULL value is a value. */
  gort_ctx *e = gort_ctx_with_value(d, &k2, NULL);
  CHECK(gort_ctx_value(e, &k2) == NULL);
  CHECK(gort_ctx_value(e, &k1) == &v1b);
  /* Cancel does not touch values. */
  gort_ctx_cancel(b);
  CHECK(gort_ctx_value(d, &k1) == &v1b);
  CHECK_EQ(gort_ctx_err(e), GORT_CTX_CANCELED);
  gort_ctx_release(a);
  gort_ctx_release(b);
  gort_ctx_release(c);
  gort_ctx_release(d);
  gort_ctx_release(e);
  return 0;
}

/* ---- ctx_without_cancel ------------------------------------------------- */

TEST_IMPL(ctx_without_cancel) {
  static int k1, k2;
  int v1 = 1, v2 = 2;
  gort_ctx *root = gort_ctx_with_timeout(gort_ctx_background(), HOUR);
  gort_ctx *val = gort_ctx_with_value(root, &k1, &v1);
  gort_ctx *w = gort_ctx_without_cancel(val);
  CHECK(w != NULL);
  /* Values pass through; deadline and Done do not. */
  CHECK(gort_ctx_value(w, &k1) == &v1);
  CHECK(!gort_ctx_deadline(w, NULL));
  CHECK(gort_ctx_done(w) == NULL);
  /* Children of w form a tree of their own. */
  gort_ctx *child = gort_ctx_with_cancel(w);
  gort_ctx *timed = gort_ctx_with_timeout(w, 2 * MS);
  gort_ctx *grand = gort_ctx_with_value(child, &k2, &v2);
  CHECK(gort_ctx_value(grand, &k1) == &v1);
  CHECK(gort_ctx_value(grand, &k2) == &v2);
  CHECK(!gort_ctx_deadline(child, NULL));
  CHECK(gort_ctx_deadline(timed, NULL));
  CHECK_EQ(gort_ctx_cancel_cause(root, 5), 0);
  CHECK_EQ(gort_ctx_err(val), GORT_CTX_CANCELED);
  CHECK_EQ(gort_ctx_err(w), 0);
  CHECK_EQ(gort_ctx_cause(w), 0);
  CHECK_EQ(gort_ctx_err(child), 0);
  CHECK(!is_done(child));
  /* ... and are cancelled by their own means. */
  CHECK(!gort_chan_recv(gort_ctx_done(timed), NULL));
  CHECK_EQ(gort_ctx_err(timed), GORT_CTX_DEADLINE_EXCEEDED);
  CHECK_EQ(gort_ctx_err(child), 0);
  CHECK_EQ(gort_ctx_cancel(child), 0);
  CHECK(is_done(grand));
  CHECK_EQ(gort_ctx_cause(grand), GORT_CTX_CANCELED);
  /* A WithoutCancel made under a cancelled parent starts clean. */
  gort_ctx *late = gort_ctx_without_cancel(root);
  CHECK_EQ(gort_ctx_err(late), 0);
  gort_ctx *late_child = gort_ctx_with_cancel(late);
  CHECK_EQ(gort_ctx_err(late_child), 0);
  /* w keeps its ancestors alive: release them first (ASan checks). */
  gort_ctx_release(root);
  gort_ctx_release(val);
  CHECK(gort_ctx_value(grand, &k1) == &v1);
  gort_ctx_release(grand);
  gort_ctx_release(child);
  gort_ctx_release(timed);
  gort_ctx_release(w);
  gort_ctx_release(late_child);
  gort_ctx_release(late);
  return 0;
}

/* ---- ctx_after_func ----------------------------------------------------- */

static _Atomic int af_runs;
static gort_chan *af_ran;

static void af_fn(void *arg) {
  atomic_fetch_add(&af_runs, 1);
  int64_t v = (int64_t)(intptr_t)arg;
  gort_chan_send(af_ran, &v);
}

TEST_IMPL(ctx_after_func) {
  af_ran = gort_chan_make(sizeof(int64_t), 16);
  int64_t v;
  /* Runs once, in its own goroutine, when the context is cancelled. */
  gort_ctx *c = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx_afterfunc *h = gort_ctx_after_func(c, af_fn, (void *)1);
  gort_sleep(5 * MS);
  CHECK_EQ(atomic_load(&af_runs), 0);
  gort_ctx_cancel(c);
  gort_ctx_cancel(c);
  CHECK(gort_chan_recv(af_ran, &v) && v == 1);
  CHECK(!gort_ctx_after_func_stop(h)); /* it ran: stop says false */
  /* On a context already done: at once. */
  gort_ctx_afterfunc *h2 = gort_ctx_after_func(c, af_fn, (void *)2);
  CHECK(gort_chan_recv(af_ran, &v) && v == 2);
  CHECK(!gort_ctx_after_func_stop(h2));
  gort_ctx_release(c);
  /* Stop before the cancel keeps it from running; stop twice is not
   * allowed (the handle is gone), so only once. */
  c = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx *child = gort_ctx_with_value(c, &key_a, NULL);
  h = gort_ctx_after_func(child, af_fn, (void *)3);
  gort_ctx_afterfunc *h4 = gort_ctx_after_func(child, af_fn, (void *)4);
  CHECK(gort_ctx_after_func_stop(h));
  gort_ctx_afterfunc *h5 = gort_ctx_after_func(c, af_fn, (void *)5);
  gort_ctx_after_func_detach(h5); /* still runs */
  gort_ctx_cancel(c);
  int64_t a, b;
  CHECK(gort_chan_recv(af_ran, &a));
  CHECK(gort_chan_recv(af_ran, &b));
  CHECK((a == 4 && b == 5) || (a == 5 && b == 4));
  gort_sleep(10 * MS);
  CHECK(!gort_chan_try_recv(af_ran, &v, NULL)); /* 3 never ran */
  CHECK_EQ(atomic_load(&af_runs), 4);
  CHECK(!gort_ctx_after_func_stop(h4));
  /* Detach after the run, and on Background (never runs, stop is true). */
  gort_ctx_afterfunc *h6 = gort_ctx_after_func(c, af_fn, (void *)6);
  CHECK(gort_chan_recv(af_ran, &v) && v == 6);
  gort_ctx_after_func_detach(h6);
  gort_ctx_afterfunc *h7 =
      gort_ctx_after_func(gort_ctx_background(), af_fn, (void *)7);
  CHECK(gort_ctx_after_func_stop(h7));
  CHECK(gort_ctx_after_func(c, NULL, NULL) == NULL);
  gort_ctx_release(child);
  gort_ctx_release(c);
  /* A deadline fires AfterFuncs too. */
  c = gort_ctx_with_timeout(gort_ctx_background(), 5 * MS);
  gort_ctx_after_func_detach(gort_ctx_after_func(c, af_fn, (void *)8));
  gort_ctx_release(c); /* the registration keeps it alive until it fires */
  CHECK(gort_chan_recv(af_ran, &v) && v == 8);
  CHECK_EQ(atomic_load(&af_runs), 6);
  gort_sleep(5 * MS); /* let the last AfterFunc goroutine finish sending */
  gort_chan_free(af_ran);
  return 0;
}

/* ---- cancel trees of 100,000 nodes -------------------------------------- */

static gort_waitgroup tree_wg;

static void wait_done(void *p) {
  gort_ctx *c = p;
  CHECK(!gort_chan_recv(gort_ctx_done(c), NULL));
  CHECK(gort_ctx_err(c) != 0);
  gort_ctx_release(c);
  gort_waitgroup_done(&tree_wg);
}

/* A chain: each node the child of the one before (every 7th a value
 * context), so cancelling the root walks 100,000 levels: no recursion. */
TEST_IMPL(ctx_tree_deep) {
  int64_t n = STRESS(100000, 20000);
  gort_ctx **c = malloc((size_t)n * sizeof *c);
  CHECK(c != NULL);
  c[0] = gort_ctx_with_cancel(gort_ctx_background());
  int waiters = 0;
  for (int64_t i = 1; i < n; i++) {
    c[i] = i % 7 == 0 ? gort_ctx_with_value(c[i - 1], &key_a, NULL)
                      : gort_ctx_with_cancel(c[i - 1]);
    CHECK(c[i] != NULL);
    if (i % 1000 == 0) {
      gort_waitgroup_add(&tree_wg, 1);
      gort_go(wait_done, gort_ctx_retain(c[i]));
      waiters++;
    }
  }
  /* Cancel in the middle (a cancel context): only the lower part. */
  int64_t m = n / 2 + 1;
  while (m % 7 == 0)
    m++;
  CHECK_EQ(gort_ctx_cancel(c[m]), 0);
  CHECK_EQ(gort_ctx_err(c[m - 1]), 0);
  CHECK_EQ(gort_ctx_err(c[n - 1]), GORT_CTX_CANCELED);
  CHECK_EQ(gort_ctx_cancel(c[7]), GORT_EINVAL); /* a value context */
  gort_ctx_cancel_cause(c[0], 5);
  gort_waitgroup_wait(&tree_wg);
  for (int64_t i = 0; i < n; i++) {
    CHECK_EQ(gort_ctx_err(c[i]), GORT_CTX_CANCELED);
    CHECK_EQ(gort_ctx_cause(c[i]), i >= m ? GORT_CTX_CANCELED : 5);
  }
  /* Release root first: the chain keeps itself alive, then unwinds from
   * the leaf without recursion. */
  for (int64_t i = 0; i < n; i++)
    gort_ctx_release(c[i]);
  free(c);
  CHECK(waiters > 0);
  return 0;
}

/* A random tree (node i's parent is a random earlier node): cancelling one
 * node cancels exactly its descendants; then the root cancels the rest. */
TEST_IMPL(ctx_tree_wide) {
  int64_t n = STRESS(100000, 20000);
  gort_ctx **c = malloc((size_t)n * sizeof *c);
  int64_t *parent = malloc((size_t)n * sizeof *parent);
  bool *below = calloc((size_t)n, sizeof *below);
  CHECK(c && parent && below);
  uint64_t rng = 99;
  c[0] = gort_ctx_with_cancel(gort_ctx_background());
  parent[0] = -1;
  for (int64_t i = 1; i < n; i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    parent[i] = (int64_t)((rng >> 33) % (uint64_t)i);
    c[i] = (rng >> 20) % 5 == 0 ? gort_ctx_with_timeout(c[parent[i]], HOUR)
                                : gort_ctx_with_cancel(c[parent[i]]);
    CHECK(c[i] != NULL);
  }
  int64_t victim = 1 + (n / 3); /* some inner node */
  below[victim] = true;
  for (int64_t i = victim + 1; i < n; i++)
    below[i] = below[parent[i]];
  for (int64_t i = 1; i < n; i += n / 50) {
    gort_waitgroup_add(&tree_wg, 1);
    gort_go(wait_done, gort_ctx_retain(c[i]));
  }
  gort_ctx_cancel(c[victim]);
  for (int64_t i = 0; i < n; i++)
    CHECK_EQ(gort_ctx_err(c[i]) != 0, below[i]);
  /* Release the cancelled subtree before the root's cancel walks. */
  for (int64_t i = 0; i < n; i++)
    if (below[i] && i != victim)
      gort_ctx_release(c[i]);
  int64_t t0 = gort_nanotime();
  gort_ctx_cancel(c[0]);
  CHECK(gort_nanotime() - t0 < 10000 * (int64_t)MS);
  gort_waitgroup_wait(&tree_wg);
  for (int64_t i = 0; i < n; i++)
    if (!below[i] || i == victim)
      CHECK_EQ(gort_ctx_err(c[i]), GORT_CTX_CANCELED);
  for (int64_t i = 0; i < n; i++)
    if (!below[i] || i == victim)
      gort_ctx_release(c[i]);
  free(c);
  free(parent);
  free(below);
  return 0;
}

/* ---- ctx_done_in_select ------------------------------------------------- */

static gort_chan *sel_data;
static gort_ctx *sel_ctx;
static _Atomic int sel_got_data, sel_got_done;

static void selector(void *arg) {
  (void)arg;
  for (;;) {
    int64_t v;
    gort_select_case cs[] = {
        {sel_data, GORT_SELECT_RECV, &v, sizeof v, false},
        {gort_ctx_done(sel_ctx), GORT_SELECT_RECV, NULL, 0, false},
    };
    int i = gort_select(cs, 2, true);
    if (i == 1) {
      atomic_fetch_add(&sel_got_done, 1);
      gort_waitgroup_done(&tree_wg);
      return;
    }
    atomic_fetch_add(&sel_got_data, 1);
  }
}

TEST_IMPL(ctx_done_in_select) {
  sel_data = gort_chan_make(sizeof(int64_t), 0);
  sel_ctx = gort_ctx_with_cancel(gort_ctx_background());
  /* Not done: a non-blocking select over Done takes the default. */
  gort_select_case cs[] = {
      {gort_ctx_done(sel_ctx), GORT_SELECT_RECV, NULL, 0, false}};
  CHECK_EQ(gort_select(cs, 1, false), GORT_SELECT_DEFAULT);
  enum { G = 8 };
  gort_waitgroup_add(&tree_wg, G);
  for (int i = 0; i < G; i++)
    gort_go(selector, NULL);
  for (int64_t i = 0; i < 100; i++)
    gort_chan_send(sel_data, &i);
  gort_ctx_cancel(sel_ctx);
  gort_waitgroup_wait(&tree_wg);
  CHECK_EQ(atomic_load(&sel_got_data), 100);
  CHECK_EQ(atomic_load(&sel_got_done), G);
  CHECK_EQ(gort_select(cs, 1, false), 0);
  CHECK(!cs[0].ok);
  /* With a timer in the same select: the deadline wins over a later
   * timer, and Done of a never-cancelled context (NULL) is ignored. */
  gort_ctx *t = gort_ctx_with_timeout(gort_ctx_background(), 10 * MS);
  gort_chan *late = gort_after(HOUR);
  gort_select_case cs2[] = {
      {late, GORT_SELECT_RECV, NULL, 0, false},
      {gort_ctx_done(gort_ctx_background()), GORT_SELECT_RECV, NULL, 0, false},
      {gort_ctx_done(t), GORT_SELECT_RECV, NULL, 0, false},
  };
  CHECK_EQ(gort_select(cs2, 3, true), 2);
  CHECK_EQ(gort_ctx_err(t), GORT_CTX_DEADLINE_EXCEEDED);
  gort_ctx_release(t);
  gort_ctx_release(sel_ctx);
  gort_chan_free(sel_data);
  return 0;
}

/* ---- deadline timers stopped on cancel ---------------------------------- */

/* Many short deadlines cancelled (or released) before they fire: nothing
 * happens later (freed contexts would be a use after free under ASan), and
 * the cancelled ones keep Canceled. */
TEST_IMPL(ctx_timer_stopped_on_cancel) {
  enum { N = 1000 };
  static gort_ctx *c[N];
  static bool late[N]; /* cancelled after its deadline (a busy machine) */
  /* Before the first deadline is set, and read after each cancel: a timer
   * that fired first fired at least 30 ms after t0, so then late is true. */
  int64_t t0 = gort_nanotime();
  for (int i = 0; i < N; i++)
    c[i] = gort_ctx_with_timeout(gort_ctx_background(), 30 * MS);
  for (int i = 0; i < N; i++) {
    if (i % 2) {
      gort_ctx_cancel(c[i]);
      late[i] = gort_nanotime() - t0 >= 30 * MS;
    } else {
      gort_ctx_release(c[i]); /* the last reference stops the timer */
      c[i] = NULL;
    }
  }
  gort_sleep(100 * MS);
  for (int i = 1; i < N; i += 2) {
    int err = gort_ctx_err(c[i]);
    CHECK(err == GORT_CTX_CANCELED ||
          (late[i] && err == GORT_CTX_DEADLINE_EXCEEDED));
    gort_ctx_release(c[i]);
  }
  return 0;
}

/* With every timer stopped nothing keeps the program alive: a blocked main
 * is reported as a deadlock at once instead of an hour later. */
TEST_IMPL(crash_ctx_timer_stopped) {
  gort_ctx *a = gort_ctx_with_timeout(gort_ctx_background(), HOUR);
  gort_ctx *b = gort_ctx_with_timeout(gort_ctx_background(), HOUR);
  gort_ctx *p = gort_ctx_with_cancel(gort_ctx_background());
  gort_ctx *d = gort_ctx_with_timeout(p, HOUR);
  gort_ctx_cancel(a);  /* cancel stops it */
  gort_ctx_release(b); /* so does the last release */
  gort_ctx_cancel(p);  /* and a parent's cancel */
  CHECK_EQ(gort_ctx_err(d), GORT_CTX_CANCELED);
  gort_chan *never = gort_chan_make(0, 0);
  gort_chan_recv(never, NULL);
  return 0;
}

/* ---- races (for the sanitizers) ----------------------------------------- */

static gort_ctx *race_parent;
static _Atomic int race_cancelled;

static void race_child_maker(void *arg) {
  int k = (int)(intptr_t)arg;
  for (int i = 0; i < 200; i++) {
    gort_ctx *c = i % 3 == 0
                      ? gort_ctx_with_timeout(race_parent, (i + k) % 3 * 1000)
                      : gort_ctx_with_cancel(race_parent);
    if (i % 2)
      gort_ctx_cancel(c);
    gort_chan_recv(gort_ctx_done(c), NULL); /* the parent's cancel comes */
    atomic_fetch_add(&race_cancelled, gort_ctx_err(c) != 0);
    gort_ctx_release(c);
    if (i % 50 == 0)
      gort_yield();
  }
  gort_waitgroup_done(&tree_wg);
}

static void race_canceller(void *arg) {
  (void)arg;
  gort_sleep(1 * MS);
  gort_ctx_cancel(race_parent);
  gort_waitgroup_done(&tree_wg);
}

/* Children made, cancelled, timed out and released on several Ps while the
 * parent is cancelled: every child ends cancelled, nothing is freed twice
 * or touched after its free. Then timeouts of 0..2 µs racing with cancel
 * and release. */
TEST_IMPL(ctx_cancel_races) {
  enum { G = 8 };
  race_parent = gort_ctx_with_cancel(gort_ctx_background());
  gort_waitgroup_add(&tree_wg, G + 1);
  for (int i = 0; i < G; i++)
    gort_go(race_child_maker, (void *)(intptr_t)i);
  gort_go(race_canceller, NULL);
  gort_waitgroup_wait(&tree_wg);
  CHECK_EQ(atomic_load(&race_cancelled), G * 200);
  gort_ctx_release(race_parent);
  int64_t n = STRESS(20000, 4000);
  for (int64_t i = 0; i < n; i++) {
    gort_ctx *c = gort_ctx_with_timeout(gort_ctx_background(), i % 3 * 1000);
    if (i % 4 == 0)
      gort_yield();
    if (i % 2)
      gort_ctx_cancel(c);
    gort_ctx_release(c);
  }
  gort_sleep(5 * MS);
  return 0;
}

/* ---- misuse ------------------------------------------------------------- */

TEST_IMPL(crash_ctx_nil_parent) {
  gort_ctx_with_cancel(NULL);
  return 0;
}

TEST_IMPL(crash_ctx_nil_key) {
  gort_ctx_with_value(gort_ctx_background(), NULL, NULL);
  return 0;
}
