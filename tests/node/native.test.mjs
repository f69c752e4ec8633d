// native.test.mjs - every C test case of tests/native/test-list.h on the
// native build (build/), each through CTest in its own process.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native', 'build');
