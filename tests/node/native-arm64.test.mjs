// native-arm64.test.mjs - the C test cases on AArch64: the cross build
// (build-arm64/, cmake/aarch64-linux-gnu.cmake) run under qemu-user, so
// the arm64 context switch, its first frame, and the arm64 signal-context
// code of asynchronous preemption (integer, FPSIMD and SVE state) run on
// every test run. Stress cases are scaled down (GORT_TEST_SMALL), as
// emulation is slow.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native arm64 (qemu-user)', 'build-arm64');
