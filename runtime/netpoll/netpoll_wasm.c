/*
 * netpoll_wasm.c - wasm has no descriptors to wait on (no sockets in a
 * browser, and Node's are not reachable from wasm threads): the "none"
 * backend fails to start, and every network call returns GORT_ENOTSUP.
 *
 * Invariants: none. Locking: none.
 */
#include "netpoll/netpoll.h"

static bool none_init(void) { return false; }

static int none_open(struct poll_desc *pd) {
  (void)pd;
  return GORT_ENOTSUP;
}

static void none_close(struct poll_desc *pd) { (void)pd; }

static struct g *none_wait(int64_t delay_ns) {
  (void)delay_ns;
  return NULL;
}

static void none_wake_up(void) {}

const struct netpoll_backend gort__netpoll_none = {
    .name = "none",
    .init = none_init,
    .open = none_open,
    .close = none_close,
    .arm = NULL,
    .rearm = NULL,
    .wait = none_wait,
    .wake_up = none_wake_up,
};

const struct netpoll_backend *gort__netpoll_default_backend(void) {
  return &gort__netpoll_none;
}
