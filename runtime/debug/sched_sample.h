/*
 * sched_sample.h - the live scheduler sample (gort_sched_sample in gort.h):
 * sysmon publishes it (one writer at a time, see sched_sample.c) through a
 * seqlock in a static area that any thread reads without a lock, the web
 * page's main thread included (straight from wasm memory:
 * wasm/sched_sample_wasm.c describes the layout to it).
 */
#ifndef GORT_DEBUG_SCHED_SAMPLE_H
#define GORT_DEBUG_SCHED_SAMPLE_H

#include <stdint.h>

#include "atomic/atomic.h"
#include "gort.h"

enum { SCHED_SAMPLE_WORDS = sizeof(struct gort_sched_sample) / 4 };

/* The published area. seq is even when the words hold a whole sample and
 * odd while the writer rewrites them; a reader copies the words between
 * two equal even reads of seq. The words are struct gort_sched_sample's
 * bytes, as 32-bit words (two per 64-bit field, little-endian on every
 * target gort has). */
struct sched_sample_area {
  _Atomic uint32_t seq;
  uint32_t pad; /* the words start 8-aligned */
  _Atomic uint32_t words[SCHED_SAMPLE_WORDS];
};

extern struct sched_sample_area gort__sched_sample_area;

/* Read the scheduler and publish a sample: sysmon, the main goroutine as
 * it ends, a test's thread. A call that finds another writer inside
 * returns without publishing. */
void gort__sched_sample_publish(void);

/* Copy the latest sample into *out; false when none was published yet.
 * *retries (may be NULL) counts the copies thrown away because the writer
 * was busy: tests. */
bool gort__sched_sample_copy(struct gort_sched_sample *out, uint32_t *retries);

/* The checksum gort_sched_sample.check holds: FNV-1a over the struct's
 * 32-bit words with check itself taken as 0. */
uint32_t gort__sched_sample_checksum(const struct gort_sched_sample *s);

#endif
