/*
 * os_wasm.c - os.h for Emscripten (wasm32), what the threaded build and the
 * single-threaded one share. Threads, futexes, sleeps and the exit are the
 * build's own: os_wasm_threads.c (pthreads on SharedArrayBuffer) or
 * os_wasm_nothreads.c (one thread, for pages without cross-origin
 * isolation); CMakeLists.txt links one of them beside this file.
 *
 * What wasm lacks and what stands in for it (docs/WASM-NOTES.md):
 *   - no mmap/mprotect worth using: reservations come from the C heap and
 *     never shrink (the heap's arenas are carved from bigger chunks: see
 *     "aligned reservations"); decommit releases nothing (and says so:
 *     the heap's released count stays 0); there are no guard pages, so
 *     goroutine stacks rely on canaries checked at every switch;
 *   - no signals reach workers: no fault handler, no async preemption;
 *   - futexes are Emscripten's (Atomics.wait in workers), or none;
 *   - the program ends through emscripten_force_exit, from any thread;
 *     a thread gort made ends with pthread_exit (os_wasm_threads.c;
 *     tests/node/wasm-exit.test.mjs: never by returning into worker.js).
 *
 * Invariants: thread creation and stack and arena reservations ask
 * gort__os_fault_injected first (os_fault.c) and fail as the OS would.
 *
 * Locking: chunk_lock for the arena chunks; nothing else.
 */
#include <emscripten.h>
#include <emscripten/heap.h>
#include <emscripten/threading.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/os.h"

enum { WASM_PAGE = 4096 };

void *gort__os_reserve(size_t n, enum gort_os_req what) {
  if (gort__os_fault_injected(what) || n > SIZE_MAX - WASM_PAGE)
    return NULL;
  return aligned_alloc(WASM_PAGE,
                       (n + WASM_PAGE - 1) & ~(size_t)(WASM_PAGE - 1));
}

/* ---- aligned reservations (the heap's arenas) -----------------------------
 *
 * An arena is ARENA_BYTES (4 MiB on wasm32) at a multiple of its size.
 * One memalign per arena wastes almost an arena each: dlmalloc carves the
 * aligned block from memory that starts just past the previous arena, and
 * the gap before the boundary goes to its free lists, where only small
 * mallocs use it. Measured (emcc 3.1.6): consecutive 4 MiB memaligns land
 * 8 MiB apart, so the fixed 1 GiB held about 127 arenas (532 MB of heap)
 * and the collector's goal, not the memory, set the limit. So aligned
 * reservations are carved from chunks, each one memalign: one gap per
 * chunk. A chunk is as large as all chunks before it (the heap doubles
 * its reservation, as a growing heap would), at least the request, at
 * most CHUNK_MAX: at most CHUNK_MAX reserved ahead of the heap, and the
 * gaps cost about one arena per CHUNK_MAX.
 *
 * Locking: chunk_lock (a pthread mutex, a leaf: the caller may hold the
 * heap's lock). Only the newest carve can be given back (mheap.c releases
 * an arena only when its metadata could not be allocated, at once).
 */
enum { CHUNK_MAX = 64 << 20 };

static pthread_mutex_t chunk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  uintptr_t lo, next, hi; /* the current chunk: [lo, hi), carved up to next */
  size_t reserved;        /* bytes of every chunk so far */
} chunk;

/* chunk_lock held. A new chunk with room for size bytes at align. */
static bool chunk_grow_locked(size_t size, size_t align) {
  size_t want = chunk.reserved < CHUNK_MAX ? chunk.reserved : CHUNK_MAX;
  if (want < size)
    want = size;
  want = (want + align - 1) & ~(align - 1);
  void *p = aligned_alloc(align, want);
  if (p == NULL && want > size) {
    want = size; /* memory is short: just the request */
    p = aligned_alloc(align, want);
  }
  if (p == NULL)
    return false;
  chunk.lo = chunk.next = (uintptr_t)p;
  chunk.hi = (uintptr_t)p + want;
  chunk.reserved += want;
  return true;
}

void *gort__os_reserve_aligned(size_t n, size_t align) {
  if (gort__os_fault_injected(OS_REQ_ARENA) || n > SIZE_MAX - align)
    return NULL;
  size_t size = (n + align - 1) & ~(align - 1);
  pthread_mutex_lock(&chunk_lock);
  uintptr_t at = (chunk.next + align - 1) & ~(uintptr_t)(align - 1);
  if (chunk.lo == 0 || at < chunk.next || at > chunk.hi ||
      chunk.hi - at < size) {
    if (!chunk_grow_locked(size, align)) {
      pthread_mutex_unlock(&chunk_lock);
      return NULL;
    }
    at = chunk.next; /* aligned: the chunk's start */
  }
  chunk.next = at + size;
  pthread_mutex_unlock(&chunk_lock);
  void *p = (void *)at;
  memset(p, 0, size); /* the contract: reads as zero, as natively */
  return p;
}

void gort__os_release(void *p, size_t n) {
  uintptr_t a = (uintptr_t)p;
  pthread_mutex_lock(&chunk_lock);
  bool carved = a >= chunk.lo && a < chunk.hi;
  if (carved && a + n == chunk.next)
    chunk.next = a; /* the newest carve: back to the chunk */
  pthread_mutex_unlock(&chunk_lock);
  if (!carved)
    free(p);
}

size_t gort__os_decommit(void *p, size_t n) {
  /* Linear memory never shrinks: nothing is released, so the heap keeps
   * counting these pages as resident (HeapReleased stays 0 on wasm). */
  (void)p;
  (void)n;
  return 0;
}

void gort__os_populate(void *p, size_t n) {
  (void)p;
  (void)n;
}

int gort__os_guard(void *p, size_t n) {
  (void)p;
  (void)n;
  return -1;
}

const char *gort__os_guard_kind(void) { return "none"; }

size_t gort__os_page_size(void) { return WASM_PAGE; }

/* Every byte of a wasm stack is committed, so a goroutine costs its whole
 * stack: sizes chosen from GORT_DEBUG=stackdepth=1 measurements
 * (docs/PERFORMANCE.md, "Bytes per goroutine"). */
size_t gort__os_default_stack_size(void) { return 3 * 1024; }

size_t gort__os_min_stack_size(void) { return 2 * 1024; }

size_t gort__os_system_stack_size(void) { return 32 * 1024; }

int gort__os_thread_init(void) { return 0; }

void gort__os_yield(void) { sched_yield(); }

/* wasm/library_gort.js: one monotonic clock for every thread, in ms
 * (Emscripten's CLOCK_MONOTONIC differs from one browser worker to the
 * next by up to milliseconds). */
double gort_wasm_now_ms(void);

int64_t gort__os_nanotime(void) { return (int64_t)(gort_wasm_now_ms() * 1e6); }

void gort__os_write_err(const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(2, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

int gort__os_ncpu(void) {
  int n = emscripten_num_logical_cores();
  return n > 0 ? n : 1;
}

void gort__os_install_fault_handler(void) {}

uint64_t gort__os_rss_peak(void) {
  return (uint64_t)emscripten_get_heap_size();
}

/* ---- no signals ---------------------------------------------------------- */

bool gort__os_async_preempt_init(void) { return false; }

void gort__os_preempt_thread(uintptr_t thread) { (void)thread; }

bool gort__os_pc_in_user_code(uintptr_t pc) {
  (void)pc;
  return false;
}

_Noreturn void gort__os_resume_context(const void *saved) {
  (void)saved;
  abort();
}

long gort__os_write_nosigpipe(int fd, const void *buf, size_t n) {
  return write(fd, buf, n); /* no signals here */
}

/* wasm-ld's bounds of the data segment (data and bss). */
extern unsigned char __global_base[];
extern unsigned char __data_end[];

void gort__os_data_ranges(void (*fn)(const void *lo, const void *hi, void *arg),
                          void *arg) {
  fn(__global_base, __data_end, arg);
}
