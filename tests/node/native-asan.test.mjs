// native-asan.test.mjs - the same C test cases on the AddressSanitizer +
// UndefinedBehaviorSanitizer build (build-asan/, GORT_SANITIZE=
// address,undefined); stress cases are scaled down there (GORT_TEST_SMALL).
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native asan+ubsan', 'build-asan');
