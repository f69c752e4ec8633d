/*
 * wbapi-store-check.c - compiled, never run: GORT_STORE accepts a
 * pointer-sized lvalue and rejects any other at compile time (its
 * negative-array-size check, gort.h). CMakeLists.txt compiles it twice
 * with -fsyntax-only: as it is (must compile) and with
 * -DGORT_STORE_NARROW (must fail with the size check's error).
 *
 * Invariants: none. Locking: none.
 */
#include <stdint.h>

#include "gort.h"

void store_check(void);

void store_check(void) {
  static void *slot;
  static const char *name;
  GORT_STORE(slot, &slot);
  GORT_STORE(name, "a string");
#ifdef GORT_STORE_NARROW
  static uint16_t narrow; /* assignable, but not a pointer's size */
  GORT_STORE(narrow, (uint16_t)7);
#endif
}
