// native-arm64.test.mjs - the C test cases on AArch64: the cross build
// (build-arm64/, cmake/aarch64-linux-gnu.cmake) run under qemu-user, so
// the arm64 context switch, its first frame, and the arm64 signal-context
// code of asynchronous preemption (integer, FPSIMD and SVE state) run on
// every test run. Stress cases are scaled down (GORT_TEST_SMALL), as
// emulation is slow.
//
// Not run here: gmp_pingpong_chain_not_starved. Under qemu-user on a
// loaded machine its trips through the global queue took 0.4-1 s each
// once asynchronous preemptions began (20-30 ms natively, also under
// load), and one fresh-clone `npm test` ran past its 60 s bound. Not yet
// explained (qemu's late signal delivery is the suspect); it runs in the
// native, ASan, TSan, ucontext and wasm suites.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native arm64 (qemu-user)', 'build-arm64', {
  exclude: /^gmp_pingpong_chain_not_starved$/,
});
