/*
 * mgccheckmark.c - checkmark (Go's mcheckmark.go, GODEBUG=gccheckmark=1):
 * after a concurrent mark, with the world still stopped, mark the heap
 * again from the roots with bits of its own, and die on any reachable
 * object the concurrent mark left white: a store that skipped the write
 * barrier (or a collector bug).
 *
 * What counts as a miss is narrower than Go's, because gort scans stacks,
 * globals and untyped objects conservatively. A goroutine's stack (and
 * its saved registers) may hold stale words: dead locals of frames pushed
 * after its stack was scanned, pointing at garbage the mark rightly left
 * white. Global data is full of integers the program and the C library
 * write without a barrier (on wasm32, where heap addresses are small,
 * many look like heap pointers: dlmalloc's own counters do). So an
 * unmarked object is a miss only when a strict source points to it: a
 * marked object, or a range the runtime or the program registered.
 * Objects first reached from a stack or a global are followed (what they
 * point to is checked by the same rule) but not reported; a global store
 * that skipped the barrier is left to the program's own checks (the
 * torture test's checksums). A word that only looks like a pointer (an
 * integer in a conservatively scanned object, stored without the
 * barrier) still reads as a miss: the message says so.
 *
 * Invariants: runs only with the world stopped, between the end of the
 * concurrent mark and the sweep's flip; leaves the mark bits untouched.
 * Locking: none of its own (the world is stopped; the root walks take
 * their usual locks).
 */
#include <stdio.h>
#include <stdlib.h>

#include "debug/print.h"
#include "mem/malloc.h"
#include "mem/mfinal.h"
#include "mem/mgc.h"
#include "mem/mgcwork.h"
#include "sched/runtime2.h"

/* What is being scanned now: strict (a miss from it is fatal), and a
 * name for the message when it is not a heap object. */
static struct {
  bool strict;
  const char *root; /* NULL: the heap object being scanned */
  uintptr_t object;
} source;

static void alloc_bits(struct mspan *s, void *arg) {
  (void)arg;
  s->check_bits = calloc((s->nelems + 63u) / 64u + 1u, sizeof(uint64_t));
  if (s->check_bits == NULL)
    gort__throw_oom(s->nelems / 8u + 8u, "checkmark bits");
}

static void free_bits(struct mspan *s, void *arg) {
  (void)arg;
  free(s->check_bits);
  s->check_bits = NULL;
}

static _Noreturn void miss(struct mspan *s, uintptr_t obj, uintptr_t w,
                           uintptr_t slot) {
  char line[400];
  const char *in = source.root;
  char objbuf[64];
  if (in == NULL) {
    snprintf(objbuf, sizeof objbuf, "heap object %#lx",
             (unsigned long)source.object);
    in = objbuf;
  }
  snprintf(line, sizeof line,
           "runtime: checkmark found unmarked object %#lx (size %lu, span "
           "class %u) reachable through word %#lx at %#lx (in %s)\n",
           (unsigned long)obj, (unsigned long)s->elemsize,
           (unsigned)s->spanclass, (unsigned long)w, (unsigned long)slot, in);
  gort__print_str(line);
  gort__throw("checkmark found unmarked object: missing write barrier? "
              "(or a pointer-like integer stored without it)");
}

void gort__gc_checkmark_shade(struct mspan *s, uint32_t idx, uintptr_t w,
                              uintptr_t slot, struct gcwork *gcw) {
  if (s->check_bits == NULL)
    return; /* a span made after the pass began: cannot be */
  uint64_t bit = (uint64_t)1 << (idx % 64);
  if (s->check_bits[idx / 64] & bit)
    return;
  uintptr_t obj = s->base + idx * s->elemsize;
  if (source.strict && !gort__mark_bit(s, idx))
    miss(s, obj, w, slot);
  s->check_bits[idx / 64] |= bit;
  if ((s->spanclass & 1) == 0)
    gort__gcw_put(gcw, obj);
}

void gort__gc_checkmark_scanning(uintptr_t obj, struct mspan *s) {
  source.root = NULL;
  source.object = obj;
  source.strict = gort__mark_bit(s, gort__object_index(s, obj));
}

void gort__gc_checkmark(void) {
  gort__mheap_each_span(alloc_bits, NULL);
  struct gcwork gcw = {0};
  gort__gc_checkmarking = true;
  source.strict = false;
  source.root = "a goroutine's stack";
  gort__gc_mark_goroutines(&gcw);
  source.root = "global data";
  gort__gc_mark_globals(&gcw);
  source.strict = true;
  source.root = "a registered root range";
  gort__gc_mark_runtime_objects(&gcw);
  source.root = "an object with a finalizer";
  gort__fin_mark_roots(&gcw);
  gort__gc_drain(&gcw, -1);
  gort__gcw_dispose(&gcw);
  gort__gc_checkmarking = false;
  /* source is a global, which the next mark scans: an object's address
   * left in it would keep that object one cycle more. */
  source.object = 0;
  gort__mheap_each_span(free_bits, NULL);
}
