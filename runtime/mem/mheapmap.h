/*
 * mheapmap.h - the live heap map: every span of every arena, published by
 * sysmon every GORT_DEBUG heapmap ms through a seqlock (debug/seqlock.h)
 * for the web page's canvas, which reads it from wasm memory without a
 * call (wasm/gc_sample_wasm.c gives the layout). mheapmap.c says what is
 * exact and what is read racily.
 */
#ifndef GORT_MEM_MHEAPMAP_H
#define GORT_MEM_MHEAPMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "atomic/atomic.h"
#include "mem/sizeclasses.h"

/* At most this many spans per map (384 KiB of records); the rest of the
 * heap is counted in dropped and not drawn. */
enum { HEAPMAP_SPANS = 16384 };

enum { HEAPMAP_FREE = 1, HEAPMAP_RELEASED = 2, HEAPMAP_IN_USE = 3 };

struct heapmap_span {
  uint32_t cell;           /* first page: arena row * pages_per_arena + page */
  uint32_t npages;         /* pages (cells) it covers */
  uint32_t released_pages; /* free spans: pages given back to the OS */
  uint8_t kind;            /* HEAPMAP_* (RELEASED: free, all released) */
  uint8_t size_class;      /* 1..67; 0: one large object or free */
  uint8_t noscan;          /* its objects hold no pointers */
  uint8_t swept;           /* swept since the last mark */
  uint16_t objects;        /* slots */
  uint16_t allocated;      /* slots in use (racy: see mheapmap.c) */
  uint16_t marked; /* slots the mark in progress has reached (0 outside one) */
  uint16_t pad;
};

struct heapmap_header {
  uint64_t seq;     /* 1, 2, 3, ... */
  int64_t time_ns;  /* when published, ns since the runtime started */
  uint32_t nspans;  /* records that follow */
  uint32_t dropped; /* spans past HEAPMAP_SPANS, not recorded */
  uint32_t narenas; /* rows */
  uint32_t pages_per_arena;
  uint32_t page_size;
  uint32_t marking; /* a mark was in progress when the walk began */
  uint32_t check;   /* gort__heapmap_checksum */
  uint32_t walk_ns; /* how long the walk held the heap's lock */
  uint32_t class_size[GORT_NUM_SIZE_CLASSES]; /* bytes per object */
};

struct heapmap {
  struct heapmap_header h;
  struct heapmap_span spans[HEAPMAP_SPANS];
};

/* The area's words are 64-bit: half the atomic stores of 32-bit ones,
 * which on wasm are each a sequentially consistent store. */
enum {
  HEAPMAP_HEADER_WORDS = sizeof(struct heapmap_header) / 8,
  HEAPMAP_SPAN_WORDS = sizeof(struct heapmap_span) / 8,
  HEAPMAP_WORDS = sizeof(struct heapmap) / 8,
};

struct heapmap_area {
  _Atomic uint32_t seq; /* even: the words hold a whole map */
  uint32_t pad;
  _Atomic uint64_t words[HEAPMAP_WORDS];
};

extern struct heapmap_area gort__heapmap_area;

/* Walk the heap and publish a map (sysmon, main as it ends, tests); a
 * call that finds another writer inside returns without publishing. */
void gort__heapmap_publish(void);

/* The latest map into *out (a large struct: the caller's memory); false
 * when none was published yet. */
bool gort__heapmap_copy(struct heapmap *out, uint32_t *retries);

/* FNV-1a over the records, then the header with check as 0. */
uint32_t gort__heapmap_checksum(const struct heapmap *m);

#endif
