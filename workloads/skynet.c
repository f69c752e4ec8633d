/*
 * skynet.c - the workload `skynet` (WORKLOADS.md): each node with size > 1
 * starts 10 children on one unbuffered channel and sums their answers;
 * leaves send their number. n = the number of leaves (a power of 10);
 * 1,000,000 leaves make 1,111,111 goroutines; result = n(n-1)/2
 * (499999500000).
 *
 * Memory: a node keeps its children's arguments in its own frame (it
 * outlives them: it returns only after all ten answered) and frees its
 * channel after the tenth answer, so the run allocates one channel per
 * inner node and nothing per leaf.
 */
#include <stdlib.h>

#include "gort.h"
#include "workloads.h"

struct node {
  gort_chan *parent;
  int64_t num, size;
};

static void skynet(void *p) {
  struct node *nd = p;
  if (nd->size == 1) {
    gort_chan_send(nd->parent, &nd->num);
    return;
  }
  gort_chan *rc = gort_chan_make(sizeof(int64_t), 0);
  if (rc == NULL)
    abort(); /* out of memory: nothing sensible to do mid-tree */
  struct node kids[10];
  int64_t sub = nd->size / 10;
  for (int64_t i = 0; i < 10; i++) {
    kids[i] = (struct node){rc, nd->num + i * sub, sub};
    gort_go(skynet, &kids[i]);
  }
  int64_t sum = 0;
  for (int i = 0; i < 10; i++) {
    int64_t v;
    gort_chan_recv(rc, &v);
    sum += v;
  }
  gort_chan_free(rc);
  gort_chan_send(nd->parent, &sum);
}

void gort_workload_skynet(int64_t n, struct workload_result *r) {
  for (int64_t x = n; x > 1; x /= 10)
    if (x % 10 != 0) {
      r->ok = false;
      r->error = "n (leaves) must be a power of 10";
      return;
    }
  int64_t t0 = gort_nanotime();
  gort_chan *c = gort_chan_make(sizeof(int64_t), 0);
  struct node root = {c, 0, n};
  gort_go(skynet, &root);
  int64_t res;
  gort_chan_recv(c, &res);
  r->wall_ns = gort_nanotime() - t0;
  gort_chan_free(c);
  r->n = n;
  r->result = res;
  r->ok = res == n * (n - 1) / 2;
  r->error = r->ok ? NULL : "sum differs from n(n-1)/2";
}
