/*
 * test-gctorture.c - the concurrent collector's torture test (issue 12):
 * goroutines on every P mutate random graphs of GC objects, only through
 * the write barrier, while another goroutine runs collections back to
 * back (with GORT_DEBUG=gccheckmark=1 in test-list.h); every node reached
 * is checked, and at the end everything is dropped and must be freed.
 *
 * The graphs. A world is a typed GC object of root slots; the worlds sit
 * in a global table (torture.table) and move between the worker
 * goroutines: a worker takes one out under the table's mutex, keeps it in
 * its own global slot (torture.held[w]) while it mutates it, and puts it
 * back. So every world is mutated by every worker in turn, on every P,
 * and a world has one owner at a time (the mutex orders the handovers),
 * which keeps the test free of data races of its own. A node is a GC
 * object, typed (gort_alloc_typed) or not (gort_alloc, scanned
 * conservatively), with EDGES edges to other nodes and a pointer-free
 * payload (gort_alloc_noscan) that carries a checksum. Beside each edge
 * and root slot the node or world keeps the id of the node the slot
 * points to; a node carries a magic word, its id and a seal over both.
 * A node freed while reachable and then reused (it is zeroed, then made
 * into another node or payload) shows as a bad magic, id, seal or
 * checksum; one freed and not reused yet shows once it is reused.
 *
 * Mutations, all through gort_store_ptr / GORT_STORE / gort_copy_ptrs /
 * gort_clear_ptrs: new nodes, link, unlink, move an edge, swap two
 * subgraphs, copy and clear whole edge arrays and ranges of root slots,
 * new payloads, drop subgraphs, and hold a node only in a local across a
 * yield. Two patterns aim at each half of Go's hybrid barrier:
 *   - hold across a mark (the deletion half): while no mark runs, take
 *     a few nodes (parents) out of the heap into locals; once a mark has
 *     scanned this goroutine's stack (the parents grey, their edges
 *     perhaps not scanned yet), take the parents' children into locals
 *     too, clearing the edges, keep all until the mark is over, and put
 *     them back once the next mark has begun (the sweep in between frees
 *     what the mark left white: each child must still be allocated,
 *     gort__find_object). Only the deletion barrier (shade the old value)
 *     keeps the children: nothing else the mark scans points to them.
 *   - plant from an unscanned stack (the insertion half): while no mark
 *     runs, make PLANT_BATCH nodes held only in locals; when a mark has
 *     begun and this goroutine's stack is not scanned yet, store them into
 *     a node made now (black: allocated during the mark, never scanned)
 *     and drop the locals. Only the insertion barrier (shade the new
 *     value) keeps them; checkmark sees a marked node pointing at an
 *     unmarked one.
 * The patterns read the collector's phase and this goroutine's scan
 * generation (mem/mgc.h, sched/runtime2.h) to act in their window.
 *
 * The cases: gctorture_p2 and _p4 (GOMAXPROCS 2 and 4, the concurrent
 * collector and checkmark), gctorture_nocheckmark (the concurrent
 * collector as programs run it), gctorture_stw (the stop-the-world collector),
 * and crash_gctorture_no_deletion_barrier / _insertion_
 * (GORT_DEBUG=wbbroken=1|2): the same torture must die with "missing write
 * barrier?" before a generous bound of cycles, else the case fails.
 * GORT_TORTURE_SECONDS sets the duration (1.5 s by default) and
 * GORT_TORTURE_PROCS GOMAXPROCS (tests/stress/gc-torture.sh runs minutes over
 * GOMAXPROCS 1..4 and the builds).
 *
 * Invariants: a world is touched only by the worker holding it (or by
 * the main goroutine's helpers before the workers start and after they
 * end); node ids are never 0 and no word the test stores that is not a
 * pointer looks like a heap address (not_ptr), so conservative scanning
 * of untyped nodes keeps nothing extra.
 * Locking: torture.table_lock (a gort_mutex) guards torture.table;
 * torture.held[w] is worker w's; the counters are atomics.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug/debugvars.h"
#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mgc.h"
#include "sched/runtime2.h"
#include "sched/stack.h"
#include "test.h"

enum {
  EDGES = 4,
  WORLD_SLOTS = 32,
  PAYLOAD_BYTES = 24,
  MAX_WORKERS = 8,
  TABLE_SLOTS = 2 * MAX_WORKERS,
  HOLD_PARENTS = 4,        /* nodes whose edges are held across a mark */
  PLANT_BATCH = 4 * EDGES, /* nodes planted from an unscanned stack */
  OPS_PER_TURN = 400,      /* a worker's turn with a world */
  WORLD_NODES_MAX = STRESS(1500, 600),
  MIN_CYCLES = 5,       /* whatever the duration */
  BROKEN_CYCLES = 2000, /* the mutation cases' bound */
};

/* Words of an untyped node that are not pointers: each 32-bit half has
 * its top two bits set, above any address the heap hands out (on wasm32
 * a small integer is a heap address). */
#define NOT_PTR_BITS 0xC0000000C0000000ull
static uint64_t not_ptr(uint64_t v) { return v | NOT_PTR_BITS; }
#define NODE_TYPED 0xF00DFACEC0FFEE01ull
#define NODE_UNTYPED 0xCAFEBABED15EA5E5ull
#define PAYLOAD_MAGIC 0xFEEDBEEFC0DEC0DEull
#define WORLD_MAGIC 0xD00DFEEDC0C0A5A5ull

struct payload {
  uint64_t magic, owner, sum;
  unsigned char bytes[PAYLOAD_BYTES];
};

struct node {
  uint64_t magic;          /* NODE_TYPED or NODE_UNTYPED */
  uint64_t id;             /* not_ptr, never 0 */
  uint64_t seal;           /* seal_of(magic, id) */
  uint64_t stamp;          /* the last full check that saw it */
  uint64_t edge_id[EDGES]; /* the id of edge[k]'s node; 0: none */
  struct payload *payload;
  struct node *edge[EDGES];
};
/* More than 8 words on every target (the pointers follow 8 uint64_t). */
#define NODE_BITS                                                              \
  ((uint64_t)1 << GORT_PTRMASK_WORD(struct node, payload) |                    \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct node, edge[0]) |                    \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct node, edge[1]) |                    \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct node, edge[2]) |                    \
   (uint64_t)1 << GORT_PTRMASK_WORD(struct node, edge[3]))
static const uint8_t node_mask[] = {GORT_PTRMASK_BYTE(NODE_BITS, 0),
                                    GORT_PTRMASK_BYTE(NODE_BITS, 1),
                                    GORT_PTRMASK_BYTE(NODE_BITS, 2)};
static const gort_type node_type = {sizeof(struct node), node_mask,
                                    "torture node"};
_Static_assert(sizeof(struct node) / sizeof(void *) <= 24, "node_mask");

struct world {
  struct node *slot[WORLD_SLOTS]; /* words 0..31 on every target */
  uint64_t slot_id[WORLD_SLOTS];
  uint64_t magic, id;
};
static const uint8_t world_mask[] = {0xff, 0xff, 0xff, 0xff};
static const gort_type world_type = {sizeof(struct world), world_mask,
                                     "torture world"};
_Static_assert(WORLD_SLOTS == 32, "world_mask");

/* A place that holds a node: a root slot or an edge, with its id word. */
struct ref {
  struct node **slot;
  uint64_t *id;
};

static struct {
  gort_mutex table_lock;
  struct world *table[TABLE_SLOTS]; /* (table_lock) */
  struct world *held[MAX_WORKERS];  /* worker w's world while it holds it */
  atomic_bool stop;
  atomic_uint_fast64_t next_id;
  atomic_uint_fast64_t ops, checked, cycles;
  atomic_uint_fast64_t holds, holds_in_window, plants, plants_in_window;
  double seconds;
  int workers, nworlds;
  bool broken; /* a crash_ case: run until the failure shows */
} torture;

/* ---- failing ----------------------------------------------------------- */

static _Noreturn void fail(const struct node *n, const char *where,
                           const char *what, uint64_t want_id) {
  fprintf(stderr,
          "gctorture: node %p reached through %s: %s (magic %#llx id %#llx, "
          "want id %#llx) after %llu cycles\n",
          (const void *)n, where, what, (unsigned long long)n->magic,
          (unsigned long long)n->id, (unsigned long long)want_id,
          (unsigned long long)atomic_load(&torture.cycles));
  fflush(NULL);
  /* A broken runtime invariant: the runtime's own way of dying. */
  gort__throw("gctorture: a reachable object was freed (missing write "
              "barrier?)");
}

/* ---- nodes --------------------------------------------------------------- */

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

static uint64_t seal_of(uint64_t magic, uint64_t id) {
  return not_ptr(mix(magic ^ mix(id)));
}

static uint64_t sum_of(const struct payload *p) {
  uint64_t h = mix(p->owner);
  for (size_t i = 0; i < PAYLOAD_BYTES; i++)
    h = (h ^ p->bytes[i]) * 0x100000001b3ull;
  return h;
}

static uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static struct payload *new_payload(uint64_t owner, uint64_t *seed) {
  struct payload *p = gort_alloc_noscan(sizeof *p);
  p->magic = PAYLOAD_MAGIC;
  p->owner = owner;
  uint64_t r = xorshift(seed);
  for (size_t i = 0; i < PAYLOAD_BYTES; i++)
    p->bytes[i] = (unsigned char)(r >> (i % 8) * 8) ^ (unsigned char)i;
  p->sum = sum_of(p);
  return p;
}

static struct node *new_node(uint64_t *seed) {
  uint64_t c = atomic_fetch_add(&torture.next_id, 1) + 1;
  bool typed = xorshift(seed) & 1;
  struct node *n =
      typed ? gort_alloc_typed(&node_type, 1) : gort_alloc(sizeof(struct node));
  n->magic = typed ? NODE_TYPED : NODE_UNTYPED;
  n->id = not_ptr((c >> 30) << 32 | (c & 0x3fffffffu));
  n->seal = seal_of(n->magic, n->id);
  GORT_STORE(n->payload, new_payload(n->id, seed));
  return n;
}

/* The node n, reached through where and expected to be want_id, is
 * intact: its magic, id and seal, and its payload's. */
static void check_node(const struct node *n, uint64_t want_id,
                       const char *where) {
  if (n->magic != NODE_TYPED && n->magic != NODE_UNTYPED)
    fail(n, where, "bad magic", want_id);
  if (n->id != want_id)
    fail(n, where, "another node's id", want_id);
  if (n->seal != seal_of(n->magic, n->id))
    fail(n, where, "bad seal", want_id);
  const struct payload *p = n->payload;
  if (p == NULL)
    fail(n, where, "no payload", want_id);
  if (p->magic != PAYLOAD_MAGIC || p->owner != n->id || p->sum != sum_of(p))
    fail(n, where, "bad payload (magic, owner or checksum)", want_id);
  atomic_fetch_add_explicit(&torture.checked, 1, memory_order_relaxed);
}

/* ---- refs: every store goes through the barrier ------------------------ */

static void store_ref(struct ref r, struct node *n) {
  GORT_STORE(*r.slot, n);
  *r.id = n != NULL ? n->id : 0;
}

static struct node *load_ref(struct ref r, const char *where) {
  struct node *n = *r.slot;
  if (n != NULL)
    check_node(n, *r.id, where);
  return n;
}

/* A random place in w: a root slot, then up to 6 random edges down while
 * they hold nodes. non_null: only a place that holds a node (or none). */
static bool pick(struct world *w, uint64_t *seed, bool non_null,
                 struct ref *out) {
  uint64_t r = xorshift(seed);
  uint32_t s = (uint32_t)(r % WORLD_SLOTS);
  struct ref cur = {&w->slot[s], &w->slot_id[s]};
  struct node *n = load_ref(cur, "a root slot");
  if (n == NULL) {
    *out = cur;
    return !non_null;
  }
  int depth = (int)(r >> 8 & 7) % 7;
  for (int d = 0; d < depth; d++) {
    uint32_t k = (uint32_t)(r >> (16 + 2 * d)) % EDGES;
    struct ref next = {&n->edge[k], &n->edge_id[k]};
    struct node *m = load_ref(next, "an edge");
    if (m == NULL) {
      if (!non_null) {
        *out = next;
        return true;
      }
      break;
    }
    cur = next;
    n = m;
  }
  *out = cur;
  return true;
}

/* ---- checking a whole world ------------------------------------------- */

struct walk {
  struct node **stack; /* C memory: the nodes are reachable from the world */
  size_t len, cap;
  uint64_t stamp;
};

static void walk_push(struct walk *k, struct node *n) {
  if (k->len == k->cap) {
    k->cap = k->cap ? 2 * k->cap : 256;
    k->stack = realloc(k->stack, k->cap * sizeof *k->stack);
    CHECK(k->stack != NULL);
  }
  k->stack[k->len++] = n;
}

/* Check every node w reaches; returns how many there are. */
static size_t check_world(struct world *w, struct walk *k) {
  if (w->magic != WORLD_MAGIC)
    fail((const struct node *)w, "the table", "bad world magic", 0);
  k->stamp = not_ptr(k->stamp + 1);
  k->len = 0;
  size_t count = 0;
  for (int s = 0; s < WORLD_SLOTS; s++) {
    struct node *n =
        load_ref((struct ref){&w->slot[s], &w->slot_id[s]}, "a root slot");
    if (n != NULL && n->stamp != k->stamp) {
      n->stamp = k->stamp;
      walk_push(k, n);
    }
    while (k->len > 0) {
      struct node *m = k->stack[--k->len];
      count++;
      for (int e = 0; e < EDGES; e++) {
        struct node *c = load_ref((struct ref){&m->edge[e], &m->edge_id[e]},
                                  "an edge (full check)");
        if (c != NULL && c->stamp != k->stamp) {
          c->stamp = k->stamp;
          walk_push(k, c);
        }
      }
    }
  }
  return count;
}

/* ---- the operations ------------------------------------------------------ */

/* Hold a node only in a local across a yield (or a short sleep), its
 * slot cleared meanwhile, then store it back. */
static void hold_across_yield(struct world *w, uint64_t *seed) {
  struct ref r;
  if (!pick(w, seed, true, &r))
    return;
  struct node *x = *r.slot;
  uint64_t id = *r.id;
  store_ref(r, NULL);
  uint64_t z = xorshift(seed);
  if (z & 1)
    gort_sleep((int64_t)(z >> 8 & 63) * 1000);
  else
    for (int i = 0; i < (int)(z >> 8 & 3) + 1; i++)
      gort_yield();
  check_node(x, id, "a local held across a yield");
  GORT_STORE(*r.slot, x);
  *r.id = id;
}

static void one_op(struct world *w, uint64_t *seed) {
  uint64_t r = xorshift(seed);
  struct ref a, b;
  switch (r % 16) {
  case 0:
  case 1:
  case 2: { /* a new node somewhere, with an edge to an old one */
    struct node *n = new_node(seed);
    if (pick(w, seed, true, &b))
      store_ref((struct ref){&n->edge[0], &n->edge_id[0]}, *b.slot);
    if (pick(w, seed, false, &a))
      store_ref(a, n);
    break;
  }
  case 3:
  case 4: /* link: a place gets another place's node */
    if (pick(w, seed, false, &a) && pick(w, seed, true, &b))
      store_ref(a, *b.slot);
    break;
  case 5: /* unlink: what it pointed to may die */
    if (pick(w, seed, true, &a))
      store_ref(a, NULL);
    break;
  case 6: /* move an edge */
    if (pick(w, seed, false, &a) && pick(w, seed, true, &b)) {
      struct node *n = *b.slot;
      store_ref(b, NULL);
      store_ref(a, n);
    }
    break;
  case 7: /* swap two subgraphs */
    if (pick(w, seed, true, &a) && pick(w, seed, true, &b)) {
      struct node *na = *a.slot, *nb = *b.slot;
      store_ref(a, nb);
      store_ref(b, na);
    }
    break;
  case 8: /* copy one node's edges over another's */
    if (pick(w, seed, true, &a) && pick(w, seed, true, &b)) {
      struct node *na = *a.slot, *nb = *b.slot;
      gort_copy_ptrs(na->edge, nb->edge, sizeof na->edge);
      memmove(na->edge_id, nb->edge_id, sizeof na->edge_id);
    }
    break;
  case 9: /* clear a node's edges */
    if (pick(w, seed, true, &a)) {
      struct node *na = *a.slot;
      gort_clear_ptrs(na->edge, sizeof na->edge);
      memset(na->edge_id, 0, sizeof na->edge_id);
    }
    break;
  case 10: /* a new payload (the old one dies) */
    if (pick(w, seed, true, &a)) {
      struct node *na = *a.slot;
      GORT_STORE(na->payload, new_payload(na->id, seed));
    }
    break;
  case 11:
    hold_across_yield(w, seed);
    break;
  case 12: { /* drop a root slot's subgraph */
    uint32_t s = (uint32_t)(r >> 8) % WORLD_SLOTS;
    store_ref((struct ref){&w->slot[s], &w->slot_id[s]}, NULL);
    break;
  }
  case 13: { /* copy a range of root slots over another (overlapping) */
    uint32_t from = (uint32_t)(r >> 8) % WORLD_SLOTS,
             to = (uint32_t)(r >> 16) % WORLD_SLOTS;
    uint32_t hi = from > to ? from : to;
    uint32_t n = (uint32_t)(r >> 24) % (WORLD_SLOTS - hi) + 1;
    gort_copy_ptrs(&w->slot[to], &w->slot[from], n * sizeof(void *));
    memmove(&w->slot_id[to], &w->slot_id[from], n * sizeof(uint64_t));
    break;
  }
  default: /* look at a random place */
    pick(w, seed, true, &a);
    break;
  }
}

/* ---- the two patterns aimed at the barrier's halves -------------------- */

/* Has the calling goroutine's stack been scanned by the mark in progress
 * (or was it made during it)? */
static bool my_stack_scanned(void) {
  return atomic_load(&gort__getg()->gcscan_gen) == gort__gc_scan_gen();
}

static bool marking(void) { return gort__gc_phase() == GC_MARK; }

/* The deletion half. While no mark runs, HOLD_PARENTS root slots' nodes
 * (the parents) are taken out of w into locals. Once a mark has scanned
 * this goroutine's stack (the parents are grey, and perhaps not scanned
 * yet), the parents' children are taken into locals too and the parents'
 * edges cleared: only the deletion barrier shades the children now. After
 * the mark, the sweep frees what it left white; it ends before the next
 * mark begins, and no span is swept during a mark, so the allocation
 * bits read then are still: every child must still be allocated. Then
 * everything goes back where it was. Returns with the world's graph as
 * it found it. */
static void hold_across_mark(struct world *w, uint64_t *seed) {
  struct node *parent[HOLD_PARENTS], *child[HOLD_PARENTS][EDGES];
  uint64_t parent_id[HOLD_PARENTS], child_id[HOLD_PARENTS][EDGES];
  int parent_slot[HOLD_PARENTS], np = 0;
  uint32_t first = (uint32_t)xorshift(seed) % WORLD_SLOTS;
  for (uint32_t i = 0; i < WORLD_SLOTS && np < HOLD_PARENTS; i++) {
    uint32_t s = (first + i) % WORLD_SLOTS;
    struct ref r = {&w->slot[s], &w->slot_id[s]};
    if ((parent[np] = load_ref(r, "a root slot")) == NULL)
      continue;
    parent_id[np] = *r.id;
    parent_slot[np++] = (int)s;
    store_ref(r, NULL);
  }
  while (!(marking() && my_stack_scanned()) && !atomic_load(&torture.stop))
    gort_yield();
  bool in_window = marking();
  for (int p = 0; p < np; p++) {
    for (int k = 0; k < EDGES; k++) {
      struct ref r = {&parent[p]->edge[k], &parent[p]->edge_id[k]};
      child[p][k] = *r.slot;
      child_id[p][k] = *r.id;
      store_ref(r, NULL);
    }
  }
  while (marking() && !atomic_load(&torture.stop))
    gort_yield();
  while (!marking() && !atomic_load(&torture.stop))
    gort_yield();
  for (int p = 0; p < np; p++)
    for (int k = 0; k < EDGES; k++)
      if (child[p][k] != NULL && marking() &&
          gort__find_object(child[p][k], NULL) != child[p][k])
        fail(child[p][k], "a local held across a mark", "no longer allocated",
             child_id[p][k]);
  for (int p = 0; p < np; p++) {
    check_node(parent[p], parent_id[p], "a local held across a mark");
    for (int k = 0; k < EDGES; k++) {
      if (child[p][k] != NULL)
        check_node(child[p][k], child_id[p][k], "a local held across a mark");
      GORT_STORE(parent[p]->edge[k], child[p][k]);
      parent[p]->edge_id[k] = child_id[p][k];
    }
    GORT_STORE(w->slot[parent_slot[p]], parent[p]);
    w->slot_id[parent_slot[p]] = parent_id[p];
  }
  atomic_fetch_add(&torture.holds, 1);
  if (in_window)
    atomic_fetch_add(&torture.holds_in_window, 1);
}

/* The insertion half: arm makes nodes held only in *armed while no mark
 * runs; plant stores them into nodes made during the mark (black) and
 * forgets them. */
static void arm(struct node *volatile *armed, uint64_t *seed) {
  for (int i = 0; i < PLANT_BATCH; i++)
    armed[i] = new_node(seed);
}

__attribute__((noinline)) static void
plant(struct world *w, struct node *volatile *armed, uint64_t *seed) {
  bool in_window = marking() && !my_stack_scanned();
  for (int i = 0; i < PLANT_BATCH; i += EDGES) {
    struct node *f = new_node(seed);
    for (int k = 0; k < EDGES; k++) {
      struct node *x = armed[i + k];
      armed[i + k] = NULL;
      GORT_STORE(f->edge[k], x);
      f->edge_id[k] = x->id;
    }
    struct ref r;
    pick(w, seed, false, &r);
    store_ref(r, f);
  }
  atomic_fetch_add(&torture.plants, 1);
  if (in_window)
    atomic_fetch_add(&torture.plants_in_window, 1);
}

/* ---- the goroutines ---------------------------------------------------- */

static struct world *take_world(uint64_t *seed) {
  gort_mutex_lock(&torture.table_lock);
  uint32_t start = (uint32_t)xorshift(seed) % TABLE_SLOTS;
  struct world *w = NULL;
  for (uint32_t i = 0; i < TABLE_SLOTS && w == NULL; i++) {
    uint32_t s = (start + i) % TABLE_SLOTS;
    if (torture.table[s] != NULL) {
      w = torture.table[s];
      GORT_STORE(torture.table[s], NULL);
    }
  }
  gort_mutex_unlock(&torture.table_lock);
  CHECK(w != NULL); /* more worlds than workers */
  return w;
}

static void put_world(struct world *w) {
  gort_mutex_lock(&torture.table_lock);
  bool put = false;
  for (uint32_t s = 0; s < TABLE_SLOTS && !put; s++) {
    if (torture.table[s] == NULL) {
      GORT_STORE(torture.table[s], w);
      put = true;
    }
  }
  gort_mutex_unlock(&torture.table_lock);
  CHECK(put);
}

static gort_waitgroup torture_wg = GORT_WAITGROUP_INIT;

static void worker(void *arg) {
  uintptr_t me = (uintptr_t)arg;
  uint64_t seed = 0x9e3779b97f4a7c15ull * (me + 1) + (uint64_t)gort_nanotime();
  seed |= 1;
  struct walk k = {NULL, 0, 0, (uint64_t)me << 40};
  /* Nodes held only here, for plant: this goroutine's stack. */
  struct node *volatile armed[PLANT_BATCH] = {0};
  bool armed_full = false, was_marking = false, held_this_mark = false;
  uint64_t marks_seen = 0;
  while (!atomic_load(&torture.stop)) {
    struct world *w = take_world(&seed);
    GORT_STORE(torture.held[me], w);
    for (int i = 0; i < OPS_PER_TURN; i++) {
      one_op(w, &seed);
      bool now = marking();
      if (now && !was_marking) {
        marks_seen++;
        held_this_mark = false;
      }
      was_marking = now;
      if (!now && !armed_full) {
        arm(armed, &seed);
        armed_full = true;
      } else if (now && armed_full && !my_stack_scanned()) {
        plant(w, armed, &seed);
        gort__stack_scrub_below();
        armed_full = false;
      } else if (!now && !held_this_mark && (marks_seen + me) % 2 == 0) {
        /* Every other mark: the others mutate on meanwhile. */
        hold_across_mark(w, &seed);
        held_this_mark = true;
      }
      atomic_fetch_add_explicit(&torture.ops, 1, memory_order_relaxed);
    }
    if (armed_full && (marking() || xorshift(&seed) % 4 == 0)) {
      /* Missed the window: plant them anyway (harmless now). */
      plant(w, armed, &seed);
      armed_full = false;
    }
    size_t nodes = check_world(w, &k);
    for (int s = 0; nodes > WORLD_NODES_MAX && s < WORLD_SLOTS; s += 2)
      store_ref((struct ref){&w->slot[s], &w->slot_id[s]}, NULL);
    GORT_STORE(torture.held[me], NULL);
    put_world(w);
  }
  if (armed_full) {
    struct world *w = take_world(&seed);
    plant(w, armed, &seed);
    put_world(w);
  }
  free(k.stack);
  gort__stack_scrub_below();
  gort_waitgroup_done(&torture_wg);
}

/* Collections back to back until the time is up (and at least
 * MIN_CYCLES), or, for a crash_ case, until the bound. */
static void collector(void *arg) {
  (void)arg;
  int64_t end = gort_nanotime() + (int64_t)(torture.seconds * 1e9);
  for (uint64_t n = 0;; n++) {
    bool time_up = gort_nanotime() >= end && n >= MIN_CYCLES;
    if (torture.broken ? n >= BROKEN_CYCLES : time_up)
      break;
    gort_gc();
    atomic_fetch_add(&torture.cycles, 1);
    /* With one P the workers would hardly run otherwise (see
     * docs/RELIABILITY.md, "The collector's torture test"): a yield,
     * and with one P a little time for them. */
    gort_yield();
    if (gort_maxprocs() == 1)
      gort_sleep(200 * 1000);
  }
  atomic_store(&torture.stop, true);
  gort_waitgroup_done(&torture_wg);
}

/* The main goroutine's helpers run in goroutines of their own, which end
 * before the final count: a dead goroutine's stack is not scanned, so no
 * stale word of theirs keeps a node. */
static void make_worlds(void *arg) {
  uint64_t seed = 12345;
  (void)arg;
  for (int i = 0; i < torture.nworlds; i++) {
    struct world *w = gort_alloc_typed(&world_type, 1);
    w->magic = WORLD_MAGIC;
    w->id = not_ptr((uint64_t)i);
    for (int op = 0; op < 4 * OPS_PER_TURN; op++)
      one_op(w, &seed);
    GORT_STORE(torture.table[i], w);
  }
  gort__stack_scrub_below();
  gort_waitgroup_done(&torture_wg);
}

static void check_and_drop_worlds(void *arg) {
  (void)arg;
  struct walk k = {NULL, 0, 0, (uint64_t)MAX_WORKERS << 40};
  for (int s = 0; s < TABLE_SLOTS; s++) {
    if (torture.table[s] != NULL)
      check_world(torture.table[s], &k);
    GORT_STORE(torture.table[s], NULL);
  }
  free(k.stack);
  gort__stack_scrub_below();
  gort_waitgroup_done(&torture_wg);
}

static void run_and_wait(gort_func fn) {
  gort_waitgroup_add(&torture_wg, 1);
  CHECK_EQ(gort_go(fn, NULL), 0);
  gort_waitgroup_wait(&torture_wg);
}

static double seconds_from_env(void) {
  const char *v = getenv("GORT_TORTURE_SECONDS");
  if (v == NULL || *v == '\0')
    return 1.5;
  char *end;
  double s = strtod(v, &end);
  if (*end != '\0' || !(s > 0) || s > 1e6) {
    fprintf(stderr, "gctorture: bad GORT_TORTURE_SECONDS=%s (seconds > 0)\n",
            v);
    fflush(NULL);
    gort_exit(1);
  }
  return s;
}

/* GORT_TORTURE_PROCS: GOMAXPROCS for the soak's loop (1..7; one more
 * worker than Ps, at most MAX_WORKERS); unset: the case's own. */
static int procs_from_env(int procs) {
  const char *v = getenv("GORT_TORTURE_PROCS");
  if (v == NULL || *v == '\0')
    return procs;
  char *end;
  long n = strtol(v, &end, 10);
  if (*end != '\0' || n < 1 || n > MAX_WORKERS - 1) {
    fprintf(stderr, "gctorture: bad GORT_TORTURE_PROCS=%s (1..%d)\n", v,
            MAX_WORKERS - 1);
    fflush(NULL);
    gort_exit(1);
  }
  return (int)n;
}

static int torture_run(int procs, bool broken) {
  procs = procs_from_env(procs);
  gort_set_maxprocs(procs);
  torture.seconds = seconds_from_env();
  torture.workers = procs + 1;
  torture.nworlds = torture.workers + 2;
  torture.broken = broken;
  CHECK(torture.workers <= MAX_WORKERS && torture.nworlds <= TABLE_SLOTS);

  gort_gc();
  gort_memstats base, end;
  gort_read_memstats(&base);
  run_and_wait(make_worlds);

  gort_waitgroup_add(&torture_wg, torture.workers + 1);
  for (uintptr_t w = 0; w < (uintptr_t)torture.workers; w++)
    CHECK_EQ(gort_go(worker, (void *)w), 0);
  CHECK_EQ(gort_go(collector, NULL), 0);
  gort_waitgroup_wait(&torture_wg);
  run_and_wait(check_and_drop_worlds);

  uint64_t made = atomic_load(&torture.next_id);
  printf("gctorture: GOMAXPROCS %d, %s collector, %llu cycles, %llu ops, "
         "%llu nodes made, %llu checks; held across a mark %llu (%llu after "
         "the stack scan), planted %llu (%llu before the stack scan)\n",
         procs, gort__gc_concurrent() ? "concurrent" : "stop-the-world",
         (unsigned long long)atomic_load(&torture.cycles),
         (unsigned long long)atomic_load(&torture.ops),
         (unsigned long long)made,
         (unsigned long long)atomic_load(&torture.checked),
         (unsigned long long)atomic_load(&torture.holds),
         (unsigned long long)atomic_load(&torture.holds_in_window),
         (unsigned long long)atomic_load(&torture.plants),
         (unsigned long long)atomic_load(&torture.plants_in_window));
  if (broken) {
    fprintf(stderr,
            "gctorture: GORT_DEBUG=wbbroken=%d survived %d cycles: the "
            "torture test does not catch this broken barrier\n",
            gort__debug.wbbroken, BROKEN_CYCLES);
    return 1;
  }
  CHECK(atomic_load(&torture.cycles) >= MIN_CYCLES);
  CHECK(atomic_load(&torture.checked) > 0);

  /* Everything unreachable is eventually freed: every world dropped,
   * a few cycles bring the heap's object count back to where it began. */
  for (int i = 0; i < 3; i++)
    gort_gc();
  gort_read_memstats(&end);
  long long extra = (long long)end.heap_objects - (long long)base.heap_objects;
  /* What may stay: conservative scanning keeps a dropped node whose
   * address some scanned word happens to hold, and whatever that node
   * still reached when it was dropped. Natively no goroutine that held a
   * node is alive and heap addresses look like no integer the program
   * keeps: a few objects at most (64). On a 32-bit target (wasm32) the
   * whole data segment is scanned, read-only constants included, and
   * heap addresses are small integers (0x1555500): a few constants each
   * pin a dropped subgraph, at most a world's worth (WORLD_NODES_MAX
   * nodes and what a turn adds, with their payloads); seen: up to 1,240
   * objects; allowed: two worlds' worth. */
  long long made_objects = (long long)made * 2; /* a node and its payload */
  long long world_objects = 2 * (WORLD_NODES_MAX + OPS_PER_TURN);
  long long bound = sizeof(void *) >= 8 ? 64 : 64 + 2 * world_objects;
  printf("gctorture: %lld objects left of %lld made (bound %lld)\n", extra,
         made_objects, bound);
  CHECK(extra <= bound);
  return 0;
}

TEST_IMPL(gctorture_p2) { return torture_run(2, false); }
TEST_IMPL(gctorture_p4) { return torture_run(4, false); }
TEST_IMPL(gctorture_stw) { return torture_run(2, false); }
TEST_IMPL(gctorture_nocheckmark) { return torture_run(2, false); }

/* The mutations: the same torture with half the barrier gone must die
 * ("missing write barrier?" from checkmark or from a node check). */
static int broken_run(int half) {
  if (gort__debug.wbbroken != half || !gort__gc_concurrent()) {
    fprintf(stderr,
            "gctorture: this case needs GORT_GC=concurrent and "
            "GORT_DEBUG=wbbroken=%d\n",
            half);
    return 1;
  }
  return torture_run(2, true);
}
TEST_IMPL(crash_gctorture_no_deletion_barrier) { return broken_run(1); }
TEST_IMPL(crash_gctorture_no_insertion_barrier) { return broken_run(2); }

/* A bad GORT_TORTURE_SECONDS is refused with its message. */
TEST_IMPL(gctorture_bad_seconds) { return torture_run(2, false); }
