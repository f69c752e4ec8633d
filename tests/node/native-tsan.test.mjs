// native-tsan.test.mjs - the C test cases on the ThreadSanitizer build
// (build-tsan/, GORT_SANITIZE=thread): every goroutine stack is a TSan
// fiber, so races between goroutines on different Ms are checked; stress
// cases are scaled down (TSan counts fibers as threads, 8128 at most).
//
// Not run here, because TSan cannot do what they test: asynchronous
// preemption is off under TSan (it defers signals to its own safe points,
// so the resume signal would come too late), which the two tight-loop
// cases need. They run in the native and ASan suites.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('native tsan', 'build-tsan', {
  // Async preemption is off under TSan (preempt.c): these need it.
  exclude: /^(gmp_tight_loop_preempted|gmp_preempt_keeps_registers|preempt_plt_is_not_user_code|preempt_refused_with_lock_held)$/,
});
