/*
 * addrmap.c - growing an address-keyed table (see addrmap.h).
 *
 * Invariants and locking: addrmap.h.
 */
#include <stdlib.h>

#include "mem/addrmap.h"

/* Keep the load at most 1 (buckets double). false: no memory. */
static bool grow(struct addr_map *m, size_t *asked) {
  if (m->count < m->nbuckets)
    return true;
  size_t n = m->nbuckets ? m->nbuckets * 2 : 64;
  struct addr_entry **b = calloc(n, sizeof *b);
  if (b == NULL) {
    *asked = n * sizeof *b;
    return false;
  }
  for (size_t i = 0; i < m->nbuckets; i++) {
    for (struct addr_entry *e = m->buckets[i], *next; e; e = next) {
      next = e->next;
      size_t k = gort__addrmap_bucket(e->key, n);
      e->next = b[k];
      b[k] = e;
    }
  }
  free(m->buckets);
  m->buckets = b;
  m->nbuckets = n;
  return true;
}

bool gort__addrmap_insert(struct addr_map *m, struct addr_entry *e,
                          size_t *asked) {
  if (!grow(m, asked))
    return false;
  size_t k = gort__addrmap_bucket(e->key, m->nbuckets);
  e->next = m->buckets[k];
  m->buckets[k] = e;
  m->count++;
  return true;
}
