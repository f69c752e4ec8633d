/*
 * handle.h - the state word of the runtime's heap handles (timers,
 * channels, contexts, errgroups, semaphore.Weighted, singleflight groups)
 * and the checks that turn misuse the runtime can see into a clear fatal
 * error instead of a hang or silent corruption (as libuv asserts on a
 * double uv_close).
 *
 * Each handle struct carries a `_Atomic uint32_t magic`: its kind's live
 * value from construction until it is freed, then the kind's freed value
 * (~live). Every public entry point checks it (one load and a compare);
 * free turns live into freed with a CAS, so of two racing frees exactly
 * one proceeds. Freed handles then sit in a small per-thread quarantine
 * (the last HANDLE_QUARANTINE frees of that thread) before the memory goes
 * back to malloc, so a double free or use after free soon after the free
 * is caught for certain, in every build (the sanitizers see the memory as
 * still allocated). Later, the memory is malloc's: the magic usually
 * survives (it sits past the words malloc's free lists write), but the
 * memory may also be reused, for a handle of the same kind too; then
 * nothing can be told (docs/API.md, "Misuse and bad input").
 *
 * Fatal messages: "gort: <kind> freed twice", "gort: use of freed <kind>",
 * "gort: invalid <kind> handle (not a <kind>, or freed long ago)".
 * A NULL handle where Go would dereference nil: Go's nil-pointer panic,
 * with the call named ("[gort_timer_stop: nil timer]").
 *
 * Where a handle lives (gort_set_gc_handles, docs/API.md "Memory: runtime
 * objects in the GC heap"): made while GC handles are on, on a goroutine,
 * a channel, timer or context is a GC object (gort__mallocgc), else
 * calloc'd. Each records which (its gcheap flag) and frees accordingly:
 * a GC handle's free changes its state exactly as a malloc'd one's but
 * gives no memory back; the collector reclaims it once unreachable, so
 * its magic stays readable while a dangling pointer the collector scans
 * remains (use after free is then always caught). A GC handle holds what
 * it holds for the program in its own (scanned) memory, not in the
 * registry of roots: an entry there would keep it reachable for ever.
 *
 * Invariants: magic is live from construction until its free begins
 * (a context: until its last reference is dropped and it is destroyed),
 * and ~live from then until the memory leaves the quarantine.
 * Locking: magic is atomic; the quarantine is thread-local.
 */
#ifndef GORT_DEBUG_HANDLE_H
#define GORT_DEBUG_HANDLE_H

#include "atomic/atomic.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The live values (ASCII tags); the freed value of each is its ~. */
#define GORT_HANDLE_TIMER_LIVE 0x72656d74u
#define GORT_HANDLE_CHAN_LIVE 0x6e616863u
#define GORT_HANDLE_CTX_LIVE 0x78746e63u
#define GORT_HANDLE_ERRGROUP_LIVE 0x70726765u
#define GORT_HANDLE_WEIGHTED_LIVE 0x74676877u
#define GORT_HANDLE_SINGLEFLIGHT_LIVE 0x746c6773u

struct handle_kind {
  uint32_t live;    /* the freed value is ~live */
  const char *name; /* "timer", "channel", ... */
};

extern const struct handle_kind gort__hk_timer, gort__hk_chan, gort__hk_ctx,
    gort__hk_errgroup, gort__hk_weighted, gort__hk_singleflight;

_Noreturn void gort__handle_bad(const struct handle_kind *k, uint32_t seen,
                                const char *call, int freeing);
_Noreturn void gort__panic_nil(const char *call, const char *what);

/* Die unless magic says it is a live handle of kind k; freeing picks the
 * message for a freed one ("freed twice" rather than "use of freed"). */
static inline void gort__handle_expect(const _Atomic uint32_t *magic,
                                       const struct handle_kind *k,
                                       const char *call, int freeing) {
  /* Relaxed: the handle was published to this goroutine by whatever gave
   * it the pointer; this only reads the word back. */
  uint32_t v = gort__atomic_load_relaxed(magic);
  if (__builtin_expect(v != k->live, 0))
    gort__handle_bad(k, v, call, freeing);
}

/* Die unless h's magic says it is a live handle of kind k. */
static inline void gort__handle_check(const _Atomic uint32_t *magic,
                                      const struct handle_kind *k,
                                      const char *call) {
  gort__handle_expect(magic, k, call, 0);
}

/* The check of a free that does more before gort__handle_kill (so its
 * message for a freed handle is "freed twice"). */
static inline void gort__handle_check_free(const _Atomic uint32_t *magic,
                                           const struct handle_kind *k,
                                           const char *call) {
  gort__handle_expect(magic, k, call, 1);
}

/* Mark h freed; die if it was not live (freed twice, or not a handle). */
static inline void gort__handle_kill(_Atomic uint32_t *magic,
                                     const struct handle_kind *k,
                                     const char *call) {
  uint32_t v = k->live;
  if (!gort__atomic_cas_strong_relaxed(magic, &v, ~k->live))
    gort__handle_bad(k, v, call, 1);
}

/* free(p), after a stay in this thread's quarantine. */
void gort__handle_free(void *p);

/* GC handles on (gort_set_gc_handles; GORT_GCHANDLES at start). */
bool gort__gc_handles_on(void);
/* Take the start value from the settings (sched/settings.h: GORT_GCHANDLES,
 * "1" or "0", checked there). At start. */
void gort__gc_handles_init(void);
/* Should a new handle go to the GC heap: GC handles are on and the
 * caller is a goroutine (gort__mallocgc needs its P)? */
bool gort__handle_want_gc(void);
/* Zeroed memory for a new handle: a GC object when gc (noscan: it never
 * holds a GC pointer), else calloc (NULL when out of memory). */
void *gort__handle_alloc(size_t size, bool noscan, bool gc);
/* Is handle h a GC object? (For runtime structs in C memory that keep a
 * handle the program made: they cover it with a root only then.) */
bool gort__handle_in_gc_heap(const void *h);
/* The end of a freed handle: gort__handle_free for calloc'd memory;
 * nothing for a GC object (the collector reclaims it). */
void gort__handle_dispose(void *p, bool gcheap);

#endif
