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
 * own): seq even -> odd by CAS (relaxed; a writer that finds it odd or
 * loses the CAS leaves: the other's sample is as fresh); release fence;
 * read the scheduler; words (relaxed); seq <- seq + 1 (even, release).
 * Reading inside the odd window keeps samples in the order of their
 * seq, so counters never run backwards from one to the next.
 * Reader: s0 <- seq (acquire), odd: again; words (relaxed); acquire
 * fence; s1 <- seq (relaxed); s0 != s1: again. The fences make a reader
 * that saw any word of a newer write also see that write's odd seq.
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

#include "arch/procyield.h"
#include "atomic/atomic.h"
#include "debug/sched_sample.h"
#include "debug/sched_stats.h"

/* The layout the page reads: fixed, and 8-aligned so 64-bit fields are. */
_Static_assert(sizeof(struct gort_sched_sample) % 8 == 0,
               "gort_sched_sample: whole 64-bit words");
_Static_assert(offsetof(struct gort_sched_sample, goroutines) % 8 == 0,
               "gort_sched_sample: 64-bit fields aligned");
_Static_assert(offsetof(struct sched_sample_area, words) == 8,
               "sched_sample_area: words at 8");

_Alignas(8) struct sched_sample_area gort__sched_sample_area;

uint32_t gort__sched_sample_checksum(const struct gort_sched_sample *s) {
  uint32_t w[SCHED_SAMPLE_WORDS];
  memcpy(w, s, sizeof w);
  w[offsetof(struct gort_sched_sample, check) / 4] = 0;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < SCHED_SAMPLE_WORDS; i++)
    h = (h ^ w[i]) * 16777619u;
  return h;
}

void gort__sched_sample_publish(void) {
  struct sched_sample_area *a = &gort__sched_sample_area;
  uint32_t q = gort__atomic_load_relaxed(&a->seq);
  if ((q & 1) != 0 || !gort__atomic_cas_strong_relaxed(&a->seq, &q, q + 1))
    return; /* another writer is in: its sample is as fresh as ours */
  gort__atomic_fence_release();
  struct gort_sched_sample s;
  gort__sched_read(&s);
  s.seq = (q + 2) / 2;
  s.check = gort__sched_sample_checksum(&s);
  uint32_t w[SCHED_SAMPLE_WORDS];
  memcpy(w, &s, sizeof w);
  for (size_t i = 0; i < SCHED_SAMPLE_WORDS; i++)
    gort__atomic_store_relaxed(&a->words[i], w[i]);
  /* Release: the words are stored before a reader can see seq even. */
  gort__atomic_store_release(&a->seq, q + 2);
}

bool gort__sched_sample_copy(struct gort_sched_sample *out, uint32_t *retries) {
  struct sched_sample_area *a = &gort__sched_sample_area;
  uint32_t w[SCHED_SAMPLE_WORDS];
  uint32_t tries = 0;
  for (;; tries++) {
    uint32_t s0 = gort__atomic_load_acquire(&a->seq);
    if (s0 & 1) {
      gort__procyield(10); /* a write takes well under a microsecond */
      continue;
    }
    for (size_t i = 0; i < SCHED_SAMPLE_WORDS; i++)
      w[i] = gort__atomic_load_relaxed(&a->words[i]);
    gort__atomic_fence_acquire();
    if (gort__atomic_load_relaxed(&a->seq) != s0)
      continue;
    if (retries != NULL)
      *retries += tries;
    if (s0 == 0)
      return false;
    memcpy(out, w, sizeof w);
    return true;
  }
}

int gort_sched_sample(struct gort_sched_sample *out) {
  if (out == NULL)
    return GORT_EINVAL;
  return gort__sched_sample_copy(out, NULL) ? 0 : GORT_EAGAIN;
}
