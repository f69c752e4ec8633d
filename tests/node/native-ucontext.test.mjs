// native-ucontext.test.mjs - the C test cases on the portable context
// backend (build-ucontext/, GORT_CONTEXT=ucontext: getcontext/swapcontext
// instead of the assembly switch), so the fallback stays correct.
//
// Left out here: the two million-goroutine cases, which test stacks and the
// scheduler (identical in this build), not the switch, and take minutes.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native ucontext backend', 'build-ucontext', {
  exclude: /^(sched_million_alive|gmp_million_complete)$/,
});
