/*
 * addrmap.h - a table of entries found by an address: the finalizers
 * (mfinal.c, by object) and the C ranges the program registered as roots
 * (mgcroots.c, by base). Chained buckets, doubled to keep the load at
 * most 1. Intrusive: the entry is embedded in its owner's struct, first,
 * so the owner is the entry's address.
 *
 * Invariants: each key at most once (the owners check before inserting).
 * Locking: the owner's lock around every call and every walk of buckets.
 */
#ifndef GORT_MEM_ADDRMAP_H
#define GORT_MEM_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr_entry {
  const void *key;
  struct addr_entry *next; /* in its bucket */
};

struct addr_map {
  struct addr_entry **buckets; /* [nbuckets], a power of two, or NULL */
  size_t nbuckets, count;
};

static inline size_t gort__addrmap_bucket(const void *key, size_t nbuckets) {
  uintptr_t h = (uintptr_t)key;
  h ^= h >> 17;
  h *= (uintptr_t)0x9e3779b97f4a7c15ull;
  return (size_t)(h >> (sizeof h * 8 - 32)) & (nbuckets - 1);
}

/* The link that points at key's entry (for unlink), or NULL. */
static inline struct addr_entry **gort__addrmap_find(struct addr_map *m,
                                                     const void *key) {
  if (m->nbuckets == 0)
    return NULL;
  struct addr_entry **link =
      &m->buckets[gort__addrmap_bucket(key, m->nbuckets)];
  for (; *link; link = &(*link)->next)
    if ((*link)->key == key)
      return link;
  return NULL;
}

/* Take the entry *link points at out of the table. */
static inline void gort__addrmap_unlink(struct addr_map *m,
                                        struct addr_entry **link) {
  struct addr_entry *e = *link;
  *link = e->next;
  e->next = NULL;
  m->count--;
}

/* Add e (its key set). false: no memory for a bigger table; m unchanged.
 * Returns how many bytes were asked for in *asked on failure. */
bool gort__addrmap_insert(struct addr_map *m, struct addr_entry *e,
                          size_t *asked);

#endif
