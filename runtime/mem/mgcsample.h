/*
 * mgcsample.h - the live GC sample: the collector's recent cycles, phase
 * by phase, and the heap's live bytes and goal, published by sysmon
 * through a seqlock (debug/seqlock.h) for the web page to read from wasm
 * memory without a call (wasm/gc_sample_wasm.c gives it the layout).
 * mgcsample.c has the sources of each field and the locking.
 */
#ifndef GORT_MEM_MGCSAMPLE_H
#define GORT_MEM_MGCSAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "atomic/atomic.h"

enum { GC_SAMPLE_CYCLES = 16 };

/* One cycle. Times are ns since the runtime started, as the scheduler
 * sample's time_ns (gort_nanotime() minus the start); a
 * phase not reached yet is 0. The figures from pause_ns on come when the
 * cycle's mark has ended (the world restarts for sweeping). */
struct gc_sample_cycle {
  uint32_t n;             /* the cycle's number (1 for the first); 0: empty */
  uint32_t phase;         /* the last GORT_GC_EV_* seen for it */
  int64_t sweep_term;     /* the world stops: sweep termination */
  int64_t mark;           /* the world runs: concurrent mark */
  int64_t mark_term;      /* the world stops: mark termination */
  int64_t sweep;          /* the world runs: sweeping */
  int64_t sweep_done;     /* every span swept */
  uint64_t pause_ns;      /* the stops of the world, summed (MemStats) */
  uint64_t heap_start;    /* heap live at sweep termination */
  uint64_t heap_end;      /* heap live at mark termination */
  uint64_t heap_marked;   /* bytes the mark found live */
  uint64_t heap_goal;     /* the goal the cycle ran for (0: none) */
  uint64_t assist_ns;     /* mark assists by allocating goroutines */
  uint64_t background_ns; /* dedicated and fractional workers, roots */
  uint64_t idle_ns;       /* idle-priority mark workers */
};

struct gc_sample {
  uint64_t seq;     /* 1, 2, 3, ... */
  int64_t time_ns;  /* when published, ns since the runtime started */
  uint32_t num_gc;  /* cycles completed */
  uint32_t ncycles; /* valid entries of cycles, oldest first */
  uint64_t heap_live;
  uint64_t heap_goal;        /* of the next or current cycle; 0: none */
  uint32_t cpu_fraction_ppm; /* MemStats.GCCPUFraction, per million */
  uint32_t check;            /* gort__gc_sample_checksum */
  struct gc_sample_cycle cycles[GC_SAMPLE_CYCLES];
};

enum { GC_SAMPLE_WORDS = sizeof(struct gc_sample) / 4 };

struct gc_sample_area {
  _Atomic uint32_t seq; /* even: the words hold a whole sample */
  uint32_t pad;
  _Atomic uint32_t words[GC_SAMPLE_WORDS];
};

extern struct gc_sample_area gort__gc_sample_area;

/* Publish a sample (sysmon, the main goroutine as it ends, tests); a
 * call that finds another writer inside returns without publishing. */
void gort__gc_sample_publish(void);

/* The latest sample into *out; false when none was published yet. */
bool gort__gc_sample_copy(struct gc_sample *out, uint32_t *retries);

uint32_t gort__gc_sample_checksum(const struct gc_sample *s);

/* The collector, once per cycle as its mark ends (mgc.c's run_cycle):
 * what only it knows. Lock-free; one collector at a time. */
void gort__gc_sample_cycle_end(uint32_t n, uint64_t pause_ns,
                               uint64_t heap_marked, uint64_t assist_ns,
                               uint64_t background_ns, uint64_t idle_ns);

#endif
