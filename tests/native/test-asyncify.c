/*
 * test-asyncify.c - the wasm build's Asyncify remove list
 * (wasm/asyncify-remove.txt) is checked, not trusted: gort_tests is linked
 * with Binaryen's Asyncify asserts (wasm/emscripten.cmake,
 * ASYNCIFY_ASSERTS), so a function on the list that a switch unwinds
 * through traps ("RuntimeError: unreachable") where it would otherwise run
 * on in the middle of the unwind and corrupt the saved call chain.
 *
 * asyncify_list_qsort_parks makes exactly that happen on purpose: the list
 * leaves musl's qsort internals (sift, trinkle) uninstrumented, and its
 * comparator yields. Natively (no Asyncify) that is fine and the sort
 * completes; the case is listed for wasm only, where it must die with the
 * trap and wasm/run-node.cjs's line naming the listed function.
 *
 * Invariants: the comparator yields on every call, so the first comparison
 * under sift or trinkle switches. Locking: none.
 */
#include <stdlib.h>

#include "test.h"

enum { N = 64 };

static int cmp_parks(const void *a, const void *b) {
  gort_yield(); /* a switch with qsort's sift or trinkle under it */
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

TEST_IMPL(asyncify_list_qsort_parks) {
  int xs[N];
  for (int i = 0; i < N; i++)
    xs[i] = N - i;
  qsort(xs, N, sizeof *xs, cmp_parks);
  for (int i = 0; i < N; i++)
    CHECK_EQ(xs[i], i + 1);
  printf("asyncify: qsort with a yielding comparator completed\n");
  return 0;
}
