/*
 * malloc.c - the allocation fast paths and the P's cache (Go's mallocgc,
 * nextFreeFast, nextFree and the tiny allocator in malloc.go; mcache.go's
 * refill). See malloc.h for the three size ranges.
 *
 * Free slots of a cached span are found with alloc_cache: the complement
 * of 64 alloc bits, shifted so that bit 0 is slot freeindex; the lowest
 * set bit is the next free slot (Go's nextFreeFast). When the 64 are used
 * up, the next 64 bits are loaded (refill_cache).
 *
 * Out of memory is Go's answer: the page heap prints "runtime: out of
 * memory: cannot allocate N-byte block (M in use)" when the OS refuses an
 * arena, and the allocation throws "out of memory" (malloc.go, mcache.go),
 * with nothing half-done below it (mheap.c's grow publishes all or
 * nothing).
 *
 * Invariants and locking: see malloc.h. Runtime code is never preempted
 * asynchronously and nothing here blocks, so a goroutine keeps its P (and
 * the P's cache) from entry to return.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic/atomic.h"
#include "debug/handle.h"
#include "debug/print.h"
#include "gort.h"
#include "mem/malloc.h"
#include "mem/mbarrier.h"
#include "mem/mgc.h"
#include "mem/mgcpacer.h"
#include "sched/mp.h"
#include "sched/runtime2.h"

static uintptr_t zerobase; /* the address of every 0-byte object */

/* A statistics counter of the P's cache: only its owner writes it (no
 * read-modify-write needed), MemStats reads it from other threads. */
static inline void add_stat(_Atomic(uint64_t) *counter, uint64_t n) {
  gort__atomic_store_relaxed(counter, gort__atomic_load_relaxed(counter) + n);
}

static struct mcache *cache_of(struct p *pp) {
  if (pp->mcache == NULL) {
    pp->mcache = calloc(1, sizeof *pp->mcache);
    if (pp->mcache == NULL)
      gort__throw_oom(sizeof *pp->mcache, "an mcache");
  }
  return pp->mcache;
}

/* The P gp runs on, or NULL: each pointer loaded once. */
static struct p *p_of(struct g *gp) {
  struct m *mp = gp ? gort__loadgm(gp) : NULL;
  return mp ? gort__loadmp(mp) : NULL;
}

static struct mcache *my_cache(void) {
  struct p *pp = p_of(gort__getg());
  if (pp == NULL)
    gort__throw("runtime: malloc outside a goroutine");
  return cache_of(pp);
}

/* The cache for a public call: one look at the thread's G; anything but a
 * running goroutine with a P dies with gort__must_getg's words naming the
 * call. */
static struct mcache *cache_for_call(const char *call) {
  /* A goroutine is running on this M (curg, not g0) and holds its P: the
   * P is dropped before a goroutine stops running (a blocking call, a
   * park), so the two say "a running goroutine with a P". */
  struct m *mp = gort__getm();
  struct g *gp = mp != NULL ? gort__loadcurg(mp) : NULL;
  struct p *pp = gp != NULL ? gort__loadmp(mp) : NULL;
  if (__builtin_expect(pp == NULL || pp->mcache == NULL, 0)) {
    gort__must_getg(call); /* dies if not a goroutine */
    if (pp == NULL)
      gort__throw("runtime: malloc without a P");
    return cache_of(pp);
  }
  return pp->mcache;
}

/* ---- slots of a span ---------------------------------------------------- */

/* Load alloc_cache for the 64 slots from freeindex's word on. */
static void refill_cache(struct mspan *s, uint32_t whole_word_index) {
  s->alloc_cache = ~s->alloc_bits[whole_word_index / 64];
}

/* freeindex is written only by the owning P but read by find_object from
 * anywhere (relaxed: a stale value is an older, smaller one, which only
 * calls a just-allocated object free to a reader that cannot own it). */
static void set_freeindex(struct mspan *s, uint32_t idx) {
  gort__atomic_store_relaxed(&s->freeindex, (uint16_t)idx);
}

/* The next free slot at or after freeindex, or nelems. */
static uint32_t next_free_index(struct mspan *s) {
  uint32_t idx = gort__atomic_load_relaxed(&s->freeindex);
  while (idx < s->nelems) {
    uint64_t cache = s->alloc_cache;
    if (cache != 0) {
      uint32_t bit = (uint32_t)__builtin_ctzll(cache);
      idx += bit;
      if (idx >= s->nelems)
        break;
      s->alloc_cache = bit + 1 < 64 ? cache >> (bit + 1) : 0;
      set_freeindex(s, idx + 1);
      if ((idx + 1) % 64 == 0 && idx + 1 < s->nelems)
        refill_cache(s, idx + 1);
      return idx;
    }
    /* The rest of this word is allocated: go to the next one. */
    idx = (idx + 64) & ~63u;
    if (idx >= s->nelems)
      break;
    refill_cache(s, idx);
    set_freeindex(s, idx);
  }
  set_freeindex(s, s->nelems);
  return s->nelems;
}

/* During a mark, a new object is black (Go's gcmarknewobject): marked
 * before the collector may see it (publish below), never scanned; what
 * is stored in it goes through the write barrier. */
static void mark_new_object(struct mcache *c, struct mspan *s, uint32_t idx) {
  gort__atomic_or_relaxed(&s->mark_bits[idx / 64], (uint64_t)1 << (idx % 64));
  c->black_bytes += s->elemsize;
}

/* The objects of s up to freeindex are made: the collector may now find
 * them (mheap.h: freeindex_for_scan). */
static void publish(struct mspan *s) {
  gort__atomic_store_release(&s->freeindex_for_scan,
                             gort__atomic_load_relaxed(&s->freeindex));
}

/* Zero a slot: the smallest size classes with stores the compiler
 * inlines (most objects are small, and a call to memset costs as much
 * as the rest of the allocation), the others with memset. */
static inline void zero_slot(uintptr_t v, uintptr_t size) {
  switch (size) {
  case 8:
    memset((void *)v, 0, 8);
    break;
  case 16:
    memset((void *)v, 0, 16);
    break;
  case 24:
    memset((void *)v, 0, 24);
    break;
  case 32:
    memset((void *)v, 0, 32);
    break;
  case 48:
    memset((void *)v, 0, 48);
    break;
  case 64:
    memset((void *)v, 0, 64);
    break;
  default:
    memset((void *)v, 0, size);
  }
}

/* An object of s's class, or 0 when s is full; published unless the
 * caller has more to write first (a typed object). */
static uintptr_t take_slot(struct mcache *c, struct mspan *s,
                           bool publish_now) {
  uint32_t idx = next_free_index(s);
  if (idx >= s->nelems)
    return 0;
  s->alloc_count++;
  uintptr_t v = s->base + idx * s->elemsize;
  if (s->needzero)
    zero_slot(v, s->elemsize);
  if (__builtin_expect(gort__wb_on(), 0))
    mark_new_object(c, s, idx);
  if (publish_now)
    publish(s);
  return v;
}

/* The calling goroutine was asked to yield (a stop of the world, the
 * collector wanting its stack, a time slice over). An allocating loop
 * spends most of its time in here, where a preemption signal is refused:
 * taking a span is where it yields instead (after_trigger), as Go's
 * mallocgc reaches a safe point in its callees' prologues. */
static bool yield_wanted(void) {
  struct g *gp = gort__getg();
  return gp != NULL && gort__atomic_load_relaxed(&gp->preempt) != 0;
}

/* Bytes taken during a mark, to be paid for in scan work once the object
 * is made (after_trigger): an assist may park, and the goroutine may then
 * resume on another P, whose cache this call must not touch. */
static void owe_assist(struct mcache *c, uint64_t bytes) {
  c->assist_debt += bytes;
  c->gc_due = true;
}

/* Take a new span for spanclass into c, giving back the full one. */
static struct mspan *refill(struct mcache *c, uint8_t spanclass) {
  struct mspan *old = c->alloc[spanclass];
  if (old != NULL)
    gort__mcentral_uncache_span(old);
  bool trigger = false;
  struct mspan *s = gort__mcentral_cache_span(spanclass, &trigger);
  c->alloc[spanclass] = s;
  c->gc_due |= trigger || yield_wanted();
  if (__builtin_expect(gort__wb_on(), 0) && s != NULL)
    owe_assist(c, (uint64_t)(s->nelems - s->alloc_count) * s->elemsize);
  return s;
}

static uintptr_t alloc_small(struct mcache *c, uint8_t spanclass,
                             bool publish_now) {
  struct mspan *s = c->alloc[spanclass];
  uintptr_t v = s ? take_slot(c, s, publish_now) : 0;
  if (v == 0) {
    s = refill(c, spanclass);
    if (s == NULL)
      gort__throw("out of memory"); /* Go's mcache.refill */
    v = take_slot(c, s, publish_now);
    if (v == 0)
      gort__throw("runtime: malloc: a fresh span has no free slot");
  }
  return v;
}

/* ---- the three size ranges ------------------------------------------------
 */

static void *alloc_tiny(struct mcache *c, size_t size) {
  /* Align the offset to what the size needs (Go's tiny rules). */
  uintptr_t off = c->tinyoffset;
  if ((size & 7) == 0)
    off = (off + 7) & ~(uintptr_t)7;
  else if ((size & 3) == 0)
    off = (off + 3) & ~(uintptr_t)3;
  else if ((size & 1) == 0)
    off = (off + 1) & ~(uintptr_t)1;
  add_stat(&c->tiny_allocs, 1);
  if (c->tiny != 0 && off + size <= TINY_SIZE) {
    c->tinyoffset = off + size;
    return (void *)(c->tiny + off);
  }
  uintptr_t block = alloc_small(
      c, gort__make_spanclass(gort__size_to_class(TINY_SIZE), true), true);
  /* Keep whichever block has more room left (Go does the same). */
  if (c->tiny == 0 || size < c->tinyoffset) {
    c->tiny = block;
    c->tinyoffset = size;
  }
  return (void *)block;
}

static void *alloc_large(struct mcache *c, size_t size, bool noscan,
                         bool precise, struct mspan **span) {
  /* Go's mcache.allocLarge: a size that overflows, or a heap that cannot
   * grow (mheap.c printed how much), is out of memory. */
  if (size > SIZE_MAX - GORT_PAGE_SIZE)
    gort__throw("out of memory");
  uintptr_t npages = (size + GORT_PAGE_SIZE - 1) / GORT_PAGE_SIZE;
  gort__sweep_reclaim(npages); /* reuse garbage before the heap grows */
  struct mspan *s = gort__mheap_alloc(npages, gort__make_spanclass(0, noscan));
  if (s == NULL)
    gort__throw("out of memory");
  set_freeindex(s, 1); /* the layout is the page heap's (mheap.c) */
  s->alloc_count = 1;
  gort__atomic_store_relaxed(&s->precise_bits[0], precise ? 1u : 0u);
  /* A scanned object is scanned to the end of its span, past what was
   * asked for: zero that tail too, or a conservative scan would follow
   * the old contents (fuzz_heap found a large object pointing at free
   * slots from there). */
  if (s->needzero)
    memset((void *)s->base, 0, noscan ? size : s->elemsize);
  if (__builtin_expect(gort__wb_on(), 0)) {
    mark_new_object(c, s, 0);
    owe_assist(c, s->elemsize);
  }
  add_stat(&c->large_allocs, 1);
  add_stat(&c->large_bytes, s->elemsize);
  gort__sweep_large_add(s);
  c->gc_due |= gort__gc_heap_live_add((int64_t)s->elemsize) || yield_wanted();
  if (span != NULL)
    *span = s; /* the caller publishes it */
  else
    publish(s);
  return (void *)s->base;
}

/* The heap reached the trigger while this allocation took a span, or
 * the goroutine owes an assist, or was asked to yield: pay, start a cycle
 * now that the object is made (Go's mallocgc ends the same way), and
 * yield if asked.
 * The object survives: it is in the caller's frame, which the collector
 * scans while the caller waits. */
static void *after_trigger(struct mcache *c, void *v) {
  uint64_t debt = c->assist_debt;
  c->assist_debt = 0;
  c->gc_due = false;
  /* c is not touched below: the goroutine may move to another P. */
  if (debt != 0)
    gort__gc_assist_alloc(debt);
  gort__gc_start(GC_TRIGGER_HEAP);
  struct g *gp = gort__getg();
  if (gp != NULL && !gp->is_g0 && gort__locks_held() == 0)
    gort_preempt_check(); /* yields if asked (yield_wanted) */
  return v;
}

/* The allocation itself, out of line from after_trigger: on wasm every
 * function that may reach a goroutine switch carries Asyncify's
 * instrumentation even when it does not switch (docs/WASM-BUILD.md,
 * "Narrowing Asyncify"), and after_trigger may park (an assist, a GC
 * start) or yield. Kept apart, only mallocgc_in's few lines around it
 * are instrumented, not the allocation. */
static __attribute__((noinline)) void *alloc_nowait(struct mcache *c,
                                                    size_t size, bool noscan) {
  void *v;
  if (size > GORT_MAX_SMALL_SIZE) {
    v = alloc_large(c, size, noscan, false, NULL);
  } else if (noscan && size < TINY_SIZE) {
    v = alloc_tiny(c, size);
  } else {
    add_stat(&c->small_allocs, 1);
    v = (void *)alloc_small(
        c, gort__make_spanclass(gort__size_to_class(size), noscan), true);
  }
  return v;
}

static void *mallocgc_in(struct mcache *c, size_t size, bool noscan) {
  if (size == 0)
    return &zerobase;
  void *v = alloc_nowait(c, size, noscan);
  if (__builtin_expect(c->gc_due, 0))
    return after_trigger(c, v);
  return v;
}

void *gort__mallocgc(size_t size, bool noscan) {
  return mallocgc_in(size == 0 ? NULL : my_cache(), size, noscan);
}

/* Write the heap bits of the slot at obj in s: t's mask, repeated for
 * count elements; the slot's rest (its size class rounding) none. Only
 * the span's owner writes them (loads and stores, no read-modify-write
 * needed); a marker may read the same words for other objects meanwhile. */
static void set_heap_bits(struct mspan *s, uintptr_t obj,
                          const struct gort_type *t, size_t count) {
  size_t words = s->elemsize / sizeof(void *);
  uintptr_t first0 = (obj - s->base) / sizeof(void *);
  if (count == 1 && words < 64 && first0 % 64 + words <= 64) {
    /* One element whose slot lies in one bitmap word (the common small
     * node: a 64-byte slot is 8 words natively, 16 on wasm32): its mask
     * bytes are the slot's bits, set with one store. Word by word, wasm
     * paid a sequentially consistent load and store per word. */
    size_t elem_words = t->size / sizeof(void *);
    uint64_t bits = 0;
    for (size_t i = 0; i < (elem_words + 7) / 8; i++)
      bits |= (uint64_t)t->ptrmask[i] << (8 * i);
    bits &= ((uint64_t)1 << elem_words) - 1;
    uint64_t slot = ((uint64_t)1 << words) - 1;
    _Atomic(uint64_t) *word = &s->heap_bits[first0 / 64];
    gort__atomic_store_relaxed(
        word, (gort__atomic_load_relaxed(word) & ~(slot << (first0 % 64))) |
                  bits << (first0 % 64));
    return;
  }
  size_t per_elem = t->size / sizeof(void *);
  size_t data_words = count * per_elem;
  uintptr_t first = (obj - s->base) / sizeof(void *);
  for (size_t w = 0, e = 0; w < words; w++, e = e + 1 == per_elem ? 0 : e + 1) {
    uint64_t bit = (uint64_t)1 << ((first + w) % 64);
    _Atomic(uint64_t) *word = &s->heap_bits[(first + w) / 64];
    uint64_t old = gort__atomic_load_relaxed(word);
    if (w < data_words && (t->ptrmask[e / 8] >> (e % 8) & 1))
      gort__atomic_store_relaxed(word, old | bit);
    else
      gort__atomic_store_relaxed(word, old & ~bit);
  }
}

/* The typed allocation itself, out of line as alloc_nowait is. */
static __attribute__((noinline)) void *
alloc_typed_nowait(struct mcache *c, const struct gort_type *t, size_t count) {
  size_t data = count * t->size; /* checked by the caller */
  void *v;
  if (data <= HEAP_BITS_MAX) {
    /* No header: the span's heap bits describe it. */
    add_stat(&c->small_allocs, 1);
    uint8_t spanclass = gort__make_spanclass(gort__size_to_class(data), false);
    uintptr_t obj = alloc_small(c, spanclass, false);
    struct mspan *s = c->alloc[spanclass];
    set_heap_bits(s, obj, t, count);
    uint32_t idx = gort__object_index(s, obj);
    gort__set_slot_precise(s, idx);
    publish(s);
    v = (void *)obj;
  } else {
    size_t size = MALLOC_HEADER + data;
    uintptr_t obj;
    struct mspan *s;
    if (size > GORT_MAX_SMALL_SIZE) {
      obj = (uintptr_t)alloc_large(c, size, false, true, &s);
    } else {
      add_stat(&c->small_allocs, 1);
      uint8_t spanclass =
          gort__make_spanclass(gort__size_to_class(size), false);
      obj = alloc_small(c, spanclass, false);
      /* Sweeping clears the bit of every freed slot (mgcsweep.c), a
       * fresh span starts with none set: only precise objects set theirs. */
      s = c->alloc[spanclass];
      uint32_t idx = gort__object_index(s, obj);
      gort__set_slot_precise(s, idx);
    }
    *(const struct gort_type **)obj = t;
    publish(s);
    v = (void *)(obj + MALLOC_HEADER);
  }
  return v;
}

static void *mallocgc_typed_in(struct mcache *c, const struct gort_type *t,
                               size_t count) {
  void *v = alloc_typed_nowait(c, t, count);
  if (__builtin_expect(c->gc_due, 0))
    return after_trigger(c, v);
  return v;
}

void *gort__mallocgc_typed(const struct gort_type *t, size_t count) {
  return mallocgc_typed_in(my_cache(), t, count);
}

/* ---- the public calls (gort.h: Go's new / make) ------------------------ */

static _Noreturn void len_out_of_range(void) {
  gort__panic("runtime error: makeslice: len out of range");
}

GORT_API void *gort_alloc(size_t size) {
  return mallocgc_in(cache_for_call("gort_alloc"), size, false);
}

GORT_API void *gort_alloc_noscan(size_t size) {
  return mallocgc_in(cache_for_call("gort_alloc_noscan"), size, true);
}

GORT_API void *gort_alloc_typed(const gort_type *t, size_t count) {
  struct mcache *c = cache_for_call("gort_alloc_typed");
  if (t == NULL)
    gort__panic_nil("gort_alloc_typed", "type");
  if (t->size == 0 || t->size % sizeof(void *) != 0) {
    char msg[160];
    size_t len = 0;
    gort__msg_cat(msg, sizeof msg, &len, "gort_alloc_typed: type ");
    gort__msg_cat(msg, sizeof msg, &len, t->name ? t->name : "(unnamed)");
    gort__msg_cat(msg, sizeof msg, &len,
                  ": size is not a non-zero multiple of the word size");
    gort__panic(msg);
  }
  if (count > (SIZE_MAX / 2 - MALLOC_HEADER) / t->size)
    len_out_of_range();
  if (t->ptrmask == NULL) /* nothing to scan: no header needed */
    return mallocgc_in(c, count * t->size, true);
  if (count == 0)
    return &zerobase;
  return mallocgc_typed_in(c, t, count);
}

/* ---- the cache as a whole
 * ---------------------------------------------------- */

void gort__mcache_release(struct p *pp) {
  struct mcache *c = pp->mcache;
  if (c == NULL)
    return;
  for (int i = 0; i < NUM_SPAN_CLASSES; i++) {
    if (c->alloc[i] != NULL) {
      gort__mcentral_uncache_span(c->alloc[i]);
      c->alloc[i] = NULL;
    }
  }
  c->tiny = 0;
  c->tinyoffset = 0;
}

void gort__mcache_release_current(void) {
  my_cache(); /* checks we are in a goroutine */
  gort__mcache_release(p_of(gort__getg()));
}

void gort__malloc_totals(struct gort__malloc_totals *out) {
  memset(out, 0, sizeof *out);
  gort__lock(&gort__sched.allplock);
  for (int32_t i = 0; i < gort__sched.allp_cap; i++) {
    struct mcache *c = gort__sched.allp[i]->mcache;
    if (c == NULL)
      continue;
    out->tiny_allocs += gort__atomic_load_relaxed(&c->tiny_allocs);
    out->small_allocs += gort__atomic_load_relaxed(&c->small_allocs);
    out->large_allocs += gort__atomic_load_relaxed(&c->large_allocs);
    out->large_bytes += gort__atomic_load_relaxed(&c->large_bytes);
  }
  gort__unlock(&gort__sched.allplock);
  out->spans_made = gort__mcentral_spans_made();
}
