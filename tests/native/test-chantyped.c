/*
 * test-chantyped.c - typed channels (GORT_CHAN and its macros), the _sized
 * calls' run-time element-size check, select's GORT_SELECT_DEFAULT apart
 * from its panics, and a message for every error code (issue 14).
 *
 * The compile-time half (a wrong type does not compile) is
 * tests/node/chantyped.test.mjs: a failing compile cannot be a case here.
 */
#include <stdint.h>
#include <string.h>

#include "test.h"

typedef GORT_CHAN(int64_t) chan_int64;
typedef GORT_CHAN(int32_t) chan_int32;

struct point {
  int32_t x, y;
  char tag[12];
};
typedef GORT_CHAN(struct point) chan_point;

/* GORT_CHAN's whole point: one word, the handle, nothing else. */
_Static_assert(sizeof(chan_int64) == sizeof(gort_chan *),
               "a typed channel is one word");

static void echo_points(void *p) {
  chan_point c = {.ch = p};
  struct point pt;
  while (GORT_CHAN_RECV(c, &pt)) {
    pt.x++;
    GORT_CHAN_SEND(c, &pt); /* unbuffered: straight to the receiver */
    if (pt.x > 3)
      return;
  }
}

TEST_IMPL(chan_typed_roundtrip) {
  chan_int64 c;
  CHECK(GORT_CHAN_MAKE(c, 2) != NULL);
  CHECK_EQ(gort_chan_cap(c.ch), 2);
  int64_t v = 41, got = 0;
  GORT_CHAN_SEND(c, &v);
  CHECK(GORT_CHAN_TRY_SEND(c, &v));
  CHECK(!GORT_CHAN_TRY_SEND(c, &v)); /* full */
  CHECK(GORT_CHAN_RECV(c, &got));
  CHECK_EQ(got, 41);
  bool ok = false;
  CHECK(GORT_CHAN_TRY_RECV(c, &got, &ok));
  CHECK(ok);
  CHECK(!GORT_CHAN_TRY_RECV(c, &got, &ok)); /* empty */
  /* A const value sends (what is read is only read). */
  const int64_t seven = 7;
  GORT_CHAN_SEND(c, &seven);
  CHECK(GORT_CHAN_RECV(c, &got));
  CHECK_EQ(got, 7);
  gort_chan_close(c.ch);
  got = 5;
  CHECK(!GORT_CHAN_RECV(c, &got)); /* closed and drained: zero, false */
  CHECK_EQ(got, 0);
  gort_chan_free(c.ch);

  /* A struct element, unbuffered, through another goroutine. */
  chan_point pc;
  CHECK(GORT_CHAN_MAKE(pc, 0) != NULL);
  gort_go(echo_points, pc.ch);
  struct point pt = {.x = 1, .y = 9, .tag = "eleven char"};
  for (int i = 0; i < 3; i++) {
    GORT_CHAN_SEND(pc, &pt);
    struct point back;
    CHECK(GORT_CHAN_RECV(pc, &back));
    CHECK_EQ(back.x, pt.x + 1);
    CHECK_EQ(back.y, 9);
    CHECK(strcmp(back.tag, "eleven char") == 0);
    pt = back;
  }
  return 0;
}

TEST_IMPL(chan_typed_select) {
  chan_int64 a;
  chan_int32 b;
  CHECK(GORT_CHAN_MAKE(a, 1) && GORT_CHAN_MAKE(b, 1));
  int64_t va = 0, one = 1;
  int32_t vb = 0, two = 2;
  gort_select_case cs[] = {GORT_SELECT_RECV_CASE(a, &va),
                           GORT_SELECT_RECV_CASE(b, &vb)};
  CHECK_EQ(cs[0].elem_size, sizeof(int64_t));
  CHECK_EQ(cs[1].elem_size, sizeof(int32_t));
  CHECK_EQ(gort_select(cs, 2, false), GORT_SELECT_DEFAULT);
  gort_select_case snd[] = {GORT_SELECT_SEND_CASE(b, &two)};
  CHECK_EQ(gort_select(snd, 1, true), 0);
  CHECK_EQ(gort_select(cs, 2, true), 1);
  CHECK(cs[1].ok);
  CHECK_EQ(vb, 2);
  GORT_CHAN_SEND(a, &one);
  CHECK_EQ(gort_select(cs, 2, true), 0);
  CHECK_EQ(va, 1);
  /* A receive that drops the value needs no size. */
  GORT_CHAN_SEND(a, &one);
  gort_select_case drop[] = {{.chan = a.ch, .dir = GORT_SELECT_RECV}};
  CHECK_EQ(gort_select(drop, 1, true), 0);
  CHECK_EQ(gort_chan_len(a.ch), 0);
  return 0;
}

/* The untyped _sized calls with the right size behave as the plain ones;
 * a NULL elem (receive and drop; a chan struct{}) is not checked. */
TEST_IMPL(chan_sized_matching) {
  gort_chan *c = gort_chan_make(sizeof(int32_t), 1);
  int32_t v = 3, got = 0;
  gort_chan_send_sized(c, &v, sizeof v);
  CHECK(gort_chan_recv_sized(c, &got, sizeof got));
  CHECK_EQ(got, 3);
  gort_chan_send_sized(c, &v, sizeof v);
  CHECK(gort_chan_recv_sized(c, NULL, 0));
  gort_chan *e = gort_chan_make(0, 1);
  gort_chan_send_sized(e, NULL, 0);
  CHECK(gort_chan_try_recv_sized(e, NULL, 0, NULL));
  gort_chan_free(c);
  gort_chan_free(e);
  return 0;
}

/* A 4-byte value on a channel of 8-byte elements: the plain call would
 * copy 8 bytes from a 4-byte variable. */
TEST_IMPL(crash_chan_send_size_mismatch) {
  gort_chan *c = gort_chan_make(sizeof(int64_t), 1);
  int32_t small = 1;
  gort_chan_send_sized(c, &small, sizeof small);
  return 1;
}

TEST_IMPL(crash_chan_try_recv_size_mismatch) {
  gort_chan *c = gort_chan_make(sizeof(int32_t), 1);
  int64_t big;
  gort_chan_try_recv_sized(c, &big, sizeof big, NULL);
  return 1;
}

/* What the compiler cannot see: a typed channel holding a channel of
 * another element size (a timer's channel carries int64 times). */
TEST_IMPL(crash_chan_typed_wrong_handle) {
  gort_timer *t = gort_timer_new(1);
  chan_int32 c = {.ch = gort_timer_chan(t)};
  int32_t when;
  GORT_CHAN_RECV(c, &when);
  return 1;
}

TEST_IMPL(crash_select_size_mismatch) {
  gort_chan *c = gort_chan_make(sizeof(int64_t), 1);
  int32_t v;
  gort_select_case cs[] = {
      {.chan = c, .dir = GORT_SELECT_RECV, .elem = &v}}; /* no size */
  gort_select(cs, 1, false);
  return 1;
}

TEST_IMPL(crash_select_negative_count) {
  gort_select_case cs[1] = {{.dir = GORT_SELECT_RECV}};
  gort_select(cs, -1, false);
  return 1;
}

TEST_IMPL(crash_select_too_many_cases) {
  gort_select_case cs[1] = {{.dir = GORT_SELECT_RECV}};
  gort_select(cs, (1 << 16) + 1, false);
  return 1;
}

TEST_IMPL(crash_select_nil_cases) {
  gort_select(NULL, 1, false);
  return 1;
}

/* Every code gort_err names (gort.h). tests/node/chantyped.test.mjs checks
 * this list against the enum. */
#define GORT_ERR_CODES(X)                                                      \
  X(GORT_OK)                                                                   \
  X(GORT_EINVAL)                                                               \
  X(GORT_ENOMEM)                                                               \
  X(GORT_EAGAIN)                                                               \
  X(GORT_ENOTSUP)                                                              \
  X(GORT_CTX_CANCELED)                                                         \
  X(GORT_CTX_DEADLINE_EXCEEDED)                                                \
  X(GORT_ECLOSED)                                                              \
  X(GORT_ETIMEOUT)

TEST_IMPL(errors_every_code_has_message) {
#define AS_CODE(name) name,
  static const int codes[] = {GORT_ERR_CODES(AS_CODE)};
  const size_t n = sizeof codes / sizeof codes[0];
  const char *unknown = gort_strerror(12345);
  for (size_t i = 0; i < n; i++) {
    const char *m = gort_strerror(codes[i]);
    CHECK(m != NULL && m[0] != '\0');
    CHECK(strcmp(m, unknown) != 0);
    CHECK(strstr(m, "Unknown error") == NULL); /* libc's fallback */
    /* No code is select's default. */
    CHECK(codes[i] != GORT_SELECT_DEFAULT);
    for (size_t j = 0; j < i; j++) {
      CHECK(codes[i] != codes[j]);
      CHECK(strcmp(m, gort_strerror(codes[j])) != 0);
    }
  }
  CHECK(strcmp(unknown, "unknown error") == 0);
  return 0;
}
