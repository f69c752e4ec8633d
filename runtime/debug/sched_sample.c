/*
 * sched_sample.c - the live scheduler sample: sysmon publishes what
 * gort__sched_read (debug/sched_stats.c) reads, every GORT_DEBUG
 * schedsample ms (default 10), into a static area guarded by a seqlock;
 * gort_sched_sample and the web page copy it out without a lock. Go has
 * no live sample (its schedtrace line, proc.go, prints the same counts);
 * the seqlock is the Linux kernel's, in C11 terms as Boehm gives it
 * ("Can seqlocks get along with programming language memory models?").
 *
 * Writer (sysmon every period; the main goroutine once more as it ends,
 * so the last moments of a run are seen; tests from a thread of their
 * own) and readers follow debug/seqlock.h: seq odd by CAS (a writer that
 * finds it odd or loses the CAS leaves: the other's sample is as fresh),
 * the scheduler read, the words stored with release, seq even again;
 * readers copy with acquire loads between two equal even reads of seq.
 * Reading inside the odd window keeps samples in the order of their
 * seq, so counters never run backwards from one to the next.
 *
 * Invariants:
 *   - seq is even outside a write; an even seq s names the sample whose
 *     field seq is s / 2 (0: none yet). One writer at a time: the one
 *     whose CAS made it odd.
 *   - Every word is an atomic, so a reader racing the writer reads old or
 *     new words, never garbage; a mix is thrown away by the seq check.
 *   - check is the checksum of the other words, so a torn copy that
 *     slipped through would show (tests look for one).
 * Locking: no lock guards the area. The writer reads the scheduler under
 * allplock and sched.lock (three loads) while seq is odd; readers take no
 * lock, so none waits on another. A C reader spins (procyield) while seq
 * is odd: a few microseconds, longer only if the writer's thread is
 * descheduled mid-write. The page's JS reader follows the same protocol
 * with Atomics.load on seq and gives up after a few tries (web/sample.js).
 */
#include <string.h>

#include "atomic/atomic.h"
#include "debug/sched_sample.h"
#include "debug/sched_stats.h"
#include "debug/seqlock.h"

/* The layout the page reads: fixed, and 8-aligned so 64-bit fields are. */
_Static_assert(sizeof(struct gort_sched_sample) % 8 == 0,
               "gort_sched_sample: whole 64-bit words");
_Static_assert(offsetof(struct gort_sched_sample, goroutines) % 8 == 0,
               "gort_sched_sample: 64-bit fields aligned");
_Static_assert(offsetof(struct sched_sample_area, words) == 8,
               "sched_sample_area: words at 8");

_Alignas(8) struct sched_sample_area gort__sched_sample_area;

uint32_t gort__sched_sample_checksum(const struct gort_sched_sample *s) {
  return gort__seqlock_checksum(s, SCHED_SAMPLE_WORDS,
                                offsetof(struct gort_sched_sample, check) / 4);
}

void gort__sched_sample_publish(void) {
  struct sched_sample_area *a = &gort__sched_sample_area;
  uint32_t q;
  if (!gort__seqlock_write_begin(&a->seq, &q))
    return; /* another writer is in: its sample is as fresh as ours */
  struct gort_sched_sample s;
  gort__sched_read(&s);
  s.seq = (q + 2) / 2;
  s.check = gort__sched_sample_checksum(&s);
  gort__seqlock_write_words(a->words, &s, SCHED_SAMPLE_WORDS);
  gort__seqlock_write_end(&a->seq, q);
}

bool gort__sched_sample_copy(struct gort_sched_sample *out, uint32_t *retries) {
  struct sched_sample_area *a = &gort__sched_sample_area;
  struct gort_sched_sample s;
  uint32_t tries = 0;
  uint32_t seq =
      gort__seqlock_read(&a->seq, a->words, &s, SCHED_SAMPLE_WORDS, &tries);
  if (retries != NULL)
    *retries += tries;
  if (seq == 0)
    return false;
  *out = s;
  return true;
}

int gort_sched_sample(struct gort_sched_sample *out) {
  if (out == NULL)
    return GORT_EINVAL;
  return gort__sched_sample_copy(out, NULL) ? 0 : GORT_EAGAIN;
}
