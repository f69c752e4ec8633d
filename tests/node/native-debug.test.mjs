// native-debug.test.mjs - the same C test cases on the build with every
// runtime check (build-debug/, GORT_DEBUG_LEVEL=3: asserts, lock-held and
// lock-rank checks, the heap and run queues verified each GC cycle; see
// runtime/debug/assert.h), plus the DEBUG cases of test-list.h, which show
// that a _locked call without its lock and a lock taken out of rank order
// die with a clear message.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native debug (GORT_DEBUG_LEVEL=3)', 'build-debug');
