/*
 * fuzz_heap.c - the allocator and the collector against a shadow heap.
 *
 * An input is a sequence of operations on up to NSLOT root slots (a
 * global array: a root) holding objects of every kind: conservative
 * (gort_alloc), pointer-free (gort_alloc_noscan, tiny sizes included) and
 * precise (gort_alloc_typed), small and large. Objects link to each other
 * through their pointer fields; the shadow keeps, for each object the
 * program made, its size, kind, the object it links to in each field and
 * the seed of its payload. Operations: allocate into a slot (dropping what
 * was there), link a field to another slot's object, clear a field, drop
 * a slot, move an object between slots, run a collection (gort_gc, which
 * sweeps everything), let the pacer run (a burst of garbage), check.
 *
 * Checked (a mismatch aborts with the operation's index):
 *   - a new object is zeroed, and aligned as its kind promises;
 *   - every object the shadow can reach from the slots keeps its payload
 *     bytes and its links, across any number of collections;
 *   - the heap's own invariants at each phase boundary (gcverify, turned
 *     on for the whole run);
 *   - at the end of an input, with every slot dropped and the collector
 *     run, the live heap is back near where the input started, or what
 *     is left hangs from at most two objects (stale words in the driver's
 *     own frames, scanned conservatively, keep an object and its links).
 * Precise objects also hold, in a non-pointer field, the address of an
 * object nothing else keeps: that field must not keep it (checked through
 * the end-of-input total).
 *
 * Invariants: inputs run one at a time on the main goroutine.
 * Locking: none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug/debugvars.h"
#include "gort.h"
#include "mem/malloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NSLOT = 16, NFIELD = 4, MAXOBJ = 512, MAXOPS = 256 };

/* An object: NFIELD pointer words, then a payload. */
struct obj {
  struct obj *field[NFIELD];
  uintptr_t decoy; /* precise kind: an address that is not a pointer */
  unsigned char payload[];
};

enum kind { K_CONSERVATIVE, K_NOSCAN, K_PRECISE, K_COUNT };

/* The four fields; a mask has a bit for every word of an element, and
 * an element here is a whole object (up to ~100 KB). */
static const uint8_t obj_mask[2048] = {0x0f};

/* Payload sizes: tiny (noscan only uses the first ones), small, large. */
static const size_t payload_sizes[16] = {1,     5,     8,     24,    40,   100,
                                         250,   500,   1000,  2000,  4000, 8000,
                                         16000, 30000, 40000, 100000};

struct shadow {
  uintptr_t hidden; /* ~address: .bss is scanned, and the shadow must
                       not keep what the program dropped */
  enum kind kind;
  size_t size;       /* bytes asked for */
  size_t payload;    /* payload bytes checked */
  int field[NFIELD]; /* shadow index of each link, or -1 */
  uint32_t seed;
};

static struct obj *volatile slots[NSLOT]; /* the roots */
static struct shadow objs[MAXOBJ];
static int nobjs;
static int slot_obj[NSLOT]; /* shadow index, or -1 */
static size_t op_index;

static _Noreturn void fail(const char *what) {
  fprintf(stderr, "fuzz_heap: op %zu: %s\n", op_index, what);
  abort();
}

static struct obj *addr_of(int i) {
  return i < 0 ? NULL : (struct obj *)~objs[i].hidden;
}

static unsigned char pattern(uint32_t seed, size_t i) {
  return (unsigned char)((seed * 2654435761u) >> (i % 24) ^ i);
}

static size_t header_of(enum kind k) {
  /* A pointer-free object is all payload. */
  return k == K_NOSCAN ? 0 : sizeof(struct obj);
}

static int make(enum kind k, size_t payload, uint32_t seed) {
  if (nobjs == MAXOBJ)
    return -1;
  size_t size = header_of(k) + payload;
  struct obj *o;
  if (k == K_PRECISE) {
    /* One element holding the whole object (a word multiple): its mask
     * names the four fields, not the decoy or the bytes. One type per
     * size, made once (a type must outlive its objects). */
    static gort_type types[16];
    static int ntypes;
    size = (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
    const gort_type *tp = NULL;
    for (int i = 0; i < ntypes; i++)
      if (types[i].size == size)
        tp = &types[i];
    if (tp == NULL) {
      if (ntypes == 16)
        fail("more object sizes than types");
      types[ntypes] = (gort_type){size, obj_mask, "fuzz_obj"};
      tp = &types[ntypes++];
    }
    o = gort_alloc_typed(tp, 1);
    if (((uintptr_t)o & 7) != 0)
      fail("a precise object is not 8-byte aligned");
  } else if (k == K_CONSERVATIVE) {
    o = gort_alloc(size);
  } else {
    o = gort_alloc_noscan(size);
  }
  if (o == NULL)
    fail("allocation returned NULL");
  if (size > 24 && (k != K_PRECISE || size <= 512) && ((uintptr_t)o & 15) != 0)
    fail("an object of more than 24 bytes is not 16-byte aligned");
  if (size >= 8 && ((uintptr_t)o & 7) != 0)
    fail("an object of 8 bytes or more is not 8-byte aligned");
  for (size_t i = 0; i < size; i++)
    if (((unsigned char *)o)[i] != 0)
      fail("a new object is not zeroed");
  unsigned char *bytes = k == K_NOSCAN ? (unsigned char *)o : o->payload;
  for (size_t i = 0; i < payload; i++)
    bytes[i] = pattern(seed, i);
  if (k == K_PRECISE)
    o->decoy = (uintptr_t)gort_alloc(64); /* nothing keeps it: no pointer */
  struct shadow *s = &objs[nobjs];
  *s = (struct shadow){~(uintptr_t)o, k, size, payload, {-1, -1, -1, -1}, seed};
  return nobjs++;
}

/* ---- checking what the shadow reaches ------------------------------------ */

static uint8_t seen[MAXOBJ];

static void check_obj(int i) {
  if (i < 0 || seen[i])
    return;
  seen[i] = 1;
  struct shadow *s = &objs[i];
  struct obj *o = addr_of(i);
  const unsigned char *bytes =
      s->kind == K_NOSCAN ? (const unsigned char *)o : o->payload;
  for (size_t b = 0; b < s->payload; b++)
    if (bytes[b] != pattern(s->seed, b))
      fail("a reachable object's payload changed");
  if (s->kind == K_NOSCAN)
    return;
  for (int f = 0; f < NFIELD; f++) {
    int to = s->field[f];
    if (o->field[f] != addr_of(to))
      fail("a reachable object's link changed");
    check_obj(to);
  }
}

static void check_all(void) {
  memset(seen, 0, sizeof seen);
  for (int k = 0; k < NSLOT; k++) {
    if (slots[k] != addr_of(slot_obj[k]))
      fail("a slot changed");
    check_obj(slot_obj[k]);
  }
}

/* ---- the input --------------------------------------------------------------
 */

static void *volatile garbage_sink;

static void burst(unsigned n) {
  for (unsigned i = 0; i < n * 64; i++)
    GORT_STORE(garbage_sink, gort_alloc(48 + (i % 7) * 16));
  GORT_STORE(garbage_sink, NULL);
}

/* ---- after an input: what was kept -------------------------------------- */

enum { MAX_STALE_ROOTS = 2 };

/* Is shadow object i still the allocated object at its address? (A later
 * object may have taken the slot of a freed one: the latest owns it.) */
static bool still_allocated(int i, const uint8_t *superseded) {
  if (superseded[i])
    return false;
  void *base = gort__find_object(addr_of(i), NULL);
  return base != NULL &&
         (base == addr_of(i) || (char *)base == (char *)addr_of(i) - 8);
}

static int retention_roots(void) {
  static uint8_t superseded[MAXOBJ], linked[MAXOBJ];
  memset(superseded, 0, sizeof superseded);
  memset(linked, 0, sizeof linked);
  for (int i = 0; i < nobjs; i++)
    for (int j = i + 1; j < nobjs; j++)
      if (objs[j].hidden == objs[i].hidden)
        superseded[i] = 1;
  for (int i = 0; i < nobjs; i++) {
    if (!still_allocated(i, superseded) || objs[i].kind == K_NOSCAN)
      continue;
    for (int f = 0; f < NFIELD; f++)
      if (objs[i].field[f] >= 0)
        linked[objs[i].field[f]] = 1;
  }
  int roots = 0;
  for (int i = 0; i < nobjs; i++)
    if (still_allocated(i, superseded) && !linked[i])
      roots++;
  return roots;
}

struct input {
  const uint8_t *data;
  size_t size;
  gort_waitgroup done;
};

/* The operations run in a goroutine of their own, which ends before the
 * final collection: its frames, scanned conservatively, would otherwise
 * hold stale addresses of dropped objects. */
static void run_ops(void *arg) {
  struct input *in = arg;
  const uint8_t *data = in->data;
  size_t nops = in->size / 3 < MAXOPS ? in->size / 3 : MAXOPS;
  for (op_index = 0; op_index < nops; op_index++) {
    uint8_t op = data[3 * op_index], a = data[3 * op_index + 1],
            b = data[3 * op_index + 2];
    int sa = a % NSLOT, sb = b % NSLOT;
    switch (op % 9) {
    case 0:
    case 1: { /* allocate into slot sa */
      enum kind k = (enum kind)(b % K_COUNT);
      size_t payload = payload_sizes[(b >> 2) % 16];
      int i = make(k, payload, (uint32_t)(a << 8 | b) + (uint32_t)op_index);
      if (i >= 0) {
        GORT_STORE(slots[sa], addr_of(i));
        slot_obj[sa] = i;
      }
      break;
    }
    case 2: { /* link a field of slot sa's object to slot sb's object */
      int from = slot_obj[sa];
      if (from >= 0 && objs[from].kind != K_NOSCAN) {
        int f = (op >> 4) % NFIELD;
        objs[from].field[f] = slot_obj[sb];
        GORT_STORE(addr_of(from)->field[f], slots[sb]);
      }
      break;
    }
    case 3: { /* clear a field */
      int from = slot_obj[sa];
      if (from >= 0 && objs[from].kind != K_NOSCAN) {
        int f = b % NFIELD;
        objs[from].field[f] = -1;
        GORT_STORE(addr_of(from)->field[f], NULL);
      }
      break;
    }
    case 4: /* drop a slot: what only it reached dies */
      GORT_STORE(slots[sa], NULL);
      slot_obj[sa] = -1;
      break;
    case 5: /* move */
      GORT_STORE(slots[sb], slots[sa]);
      slot_obj[sb] = slot_obj[sa];
      break;
    case 6:
      gort_gc();
      check_all();
      break;
    case 7:
      burst(b % 8 + 1);
      break;
    default:
      check_all();
      break;
    }
  }
  check_all();
  gort_gc();
  check_all();
  for (int k = 0; k < NSLOT; k++)
    GORT_STORE(slots[k], NULL);
  gort_waitgroup_done(&in->done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gort__debug.gcverify = 1;
  gort__debug.gccheckmark = 1; /* a concurrent mark missed nothing */
  for (int k = 0; k < NSLOT; k++) {
    GORT_STORE(slots[k], NULL);
    slot_obj[k] = -1;
  }
  nobjs = 0;
  gort_gc();
  gort_memstats before, after;
  gort_read_memstats(&before);
  struct input in = {data, size, GORT_WAITGROUP_INIT};
  gort_waitgroup_add(&in.done, 1);
  if (gort_go(run_ops, &in) != 0)
    fail("gort_go failed");
  gort_waitgroup_wait(&in.done);
  /* Everything dropped: what is still allocated was kept by a stale word
   * somewhere the collector scans conservatively (the driver's own frames
   * are deep C++ ones), or by a bug. A stale word keeps one object and
   * whatever it links to; so count the retained objects that no other
   * retained object links to, and allow a couple: a bug that frees
   * nothing, or keeps many objects, fails. */
  gort_gc();
  gort_read_memstats(&after);
  if (after.heap_alloc > before.heap_alloc + (64u << 10) &&
      retention_roots() > MAX_STALE_ROOTS)
    fail("dropped objects were not freed (heap_alloc did not come back)");
  return 0;
}
