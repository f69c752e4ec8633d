// wasm.test.mjs - the same C test cases on the wasm build (build-wasm/),
// each run by CTest under Node through wasm/run-node.cjs: Emscripten
// pthreads, goroutines on fibers. Cases marked NATIVE in test-list.h (those
// that need a memory fault) are not registered there.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('wasm', 'build-wasm');
