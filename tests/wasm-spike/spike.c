// wasm-spike: a standalone regression test of gort's wasm recipe
// (wasm/emscripten.cmake, wasm/pre.js, wasm/post.js; docs/WASM-BUILD.md).
//
// It checks, on Emscripten 3.1.6 with -pthread -sASYNCIFY -sPROXY_TO_PTHREAD,
// the things gort's scheduler relies on (facts in docs/WASM-NOTES.md):
//   - main runs on a pthread and starts two more (A and B);
//   - A and B each run emscripten fibers (ping-pong round trips);
//   - a fiber started on A parks there with live locals, is resumed on B,
//     finds its locals intact and sees B's thread-local value (this needs
//     post.js's global Asyncify call-stack ids; without them it crashes);
//   - a thread that used fibers ends with pthread_exit(), and later threads
//     that use fibers on the same (reused) pool worker still work (this needs
//     the trampoline reset that post.js does at every thread start);
//   - main itself uses fibers, then returns or exit()s (this needs pre.js's
//     __call_main); printf from fibers on pthreads reaches stdout in order;
//   - exit status: 0 by default; "return7" returns 7 from main after all
//     checks passed; "exit3" makes a non-main pthread call exit(3) from
//     inside a fiber; in both another thread prints nonstop meanwhile (the
//     exit must not deadlock with it: post.js part 3); "abort" makes a
//     pthread call abort();
//   - "print": three fiber-using threads print 600 numbered lines, which
//     must reach stdout in number order, the last one without a newline.
//
// Usage (via wasm/run-node.cjs): spike [return7|exit3|abort|print]
// Prints "spike: ok" and returns 0 when every check passed; any failed check
// prints "FAIL: ..." and exits 1.
#include <emscripten.h>
#include <emscripten/fiber.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CSTACK_SIZE (64 * 1024)
#define ASTACK_SIZE (16 * 1024)

static atomic_int failures;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAIL: " __VA_ARGS__);                                            \
      printf("\n");                                                            \
      atomic_fetch_add(&failures, 1);                                          \
    }                                                                          \
  } while (0)

// --- per-thread state, always read through non-inlined calls -------------
// After a fiber moves to another worker, any TLS address it computed before
// the switch still points at the old thread's block, so it must re-read.

static _Thread_local int tls_name;                  // 'A', 'B', 'M', ...
static _Thread_local emscripten_fiber_t *tls_sched; // this thread's context

__attribute__((noinline)) static int get_tls_name(void) { return tls_name; }
__attribute__((noinline)) static emscripten_fiber_t *get_sched(void) {
  return tls_sched;
}
// Calling through volatile pointers keeps the compiler from caching the
// results across emscripten_fiber_swap.
static int (*volatile current_name)(void) = get_tls_name;
static emscripten_fiber_t *(*volatile current_sched)(void) = get_sched;

// A fiber with its own C stack and Asyncify buffer.
typedef struct {
  emscripten_fiber_t f;
  char *cstack;
  char *astack;
} fiber_t;

// The C stack must be 16-byte aligned (the wasm32 C ABI; EM_ASM's argument
// buffer asserts it in ASSERTIONS builds). malloc only promises 8 here, and
// a fiber on a malloc'ed stack failed that assertion now and then.
static void fiber_make(fiber_t *fb, em_arg_callback_func fn, void *arg) {
  fb->cstack = aligned_alloc(16, CSTACK_SIZE);
  fb->astack = aligned_alloc(16, ASTACK_SIZE);
  emscripten_fiber_init(&fb->f, fn, arg, fb->cstack, CSTACK_SIZE, fb->astack,
                        ASTACK_SIZE);
}

// The running thread's own context, to swap back to.
typedef struct {
  emscripten_fiber_t f;
  char astack[ASTACK_SIZE];
} sched_t;

static void sched_init(sched_t *s, int name) {
  tls_name = name;
  emscripten_fiber_init_from_current_context(&s->f, s->astack, ASTACK_SIZE);
  tls_sched = &s->f;
}

// Tells each pool worker apart: the first call in a worker stores a number
// in that worker's JS global scope.
static atomic_int next_worker_tag = 1;
static int worker_tag(void) {
  int candidate = atomic_fetch_add(&next_worker_tag, 1);
  /* clang-format off */
  return EM_ASM_INT({
    if (!globalThis.gortSpikeWorkerTag) globalThis.gortSpikeWorkerTag = $0;
    return globalThis.gortSpikeWorkerTag;
  }, candidate);
  /* clang-format on */
}

static double now_ms(void) { return emscripten_get_now(); }

// --- ping-pong: a fiber that counts and yields back each time ------------

typedef struct {
  fiber_t fb;
  volatile int count;
} pingpong_t;

static void pingpong_fn(void *arg) {
  pingpong_t *p = arg;
  for (;;) {
    p->count++;
    emscripten_fiber_swap(&p->fb.f, current_sched());
  }
}

// Runs n round trips and returns the time per round trip in microseconds.
static double pingpong(int n) {
  pingpong_t p = {0};
  fiber_make(&p.fb, pingpong_fn, &p);
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    emscripten_fiber_swap(current_sched(), &p.fb.f);
  }
  double t1 = now_ms();
  CHECK(p.count == n, "thread %c: pingpong count %d != %d", current_name(),
        p.count, n);
  // The fiber is parked forever; its stacks can go (it is never resumed).
  free(p.fb.cstack);
  free(p.fb.astack);
  return (t1 - t0) * 1000.0 / n;
}

// --- the migrating fiber ---------------------------------------------------

static fiber_t mover;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int mover_parked; // guarded by mu
static int saw_first, saw_second, locals_ok;
static int tag_first, tag_second;
static int mode_exit3;

static void mover_fn(void *arg) {
  (void)arg;
  // Locals that must survive the unwind on A and the rewind on B.
  volatile uint32_t pattern[16];
  for (int i = 0; i < 16; i++)
    pattern[i] = 0x9e3779b9u * (uint32_t)(i + 1);
  char label[24];
  strcpy(label, "parked-on-A");
  double d = 2.718281828;
  int first = current_name();
  int ftag = worker_tag();
  printf("mover: started on thread %c (worker %d)\n", first, ftag);

  emscripten_fiber_swap(&mover.f, current_sched()); // park

  int second = current_name();
  int stag = worker_tag();
  int ok = d == 2.718281828 && strcmp(label, "parked-on-A") == 0;
  for (int i = 0; i < 16; i++)
    ok = ok && pattern[i] == 0x9e3779b9u * (uint32_t)(i + 1);
  printf("mover: resumed on thread %c (worker %d), locals %s\n", second, stag,
         ok ? "intact" : "CORRUPT");
  saw_first = first;
  saw_second = second;
  tag_first = ftag;
  tag_second = stag;
  locals_ok = ok;
  if (mode_exit3) {
    printf("mover: calling exit(3) from a fiber on thread %c\n", second);
    exit(3);
  }
  emscripten_fiber_swap(&mover.f, current_sched()); // done, never resumed
  abort();
}

static void *thread_a(void *arg) {
  (void)arg;
  sched_t s;
  sched_init(&s, 'A');
  double us = pingpong(10000);
  printf("A: %.3f us per fiber round trip (worker %d)\n", us, worker_tag());
  fiber_make(&mover, mover_fn, NULL);
  emscripten_fiber_swap(&s.f, &mover.f); // mover runs until it parks
  pthread_mutex_lock(&mu);
  mover_parked = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  printf("A: mover parked, exiting with pthread_exit\n");
  pthread_exit(NULL);
}

static void *thread_b(void *arg) {
  (void)arg;
  sched_t s;
  sched_init(&s, 'B');
  // B runs no fiber of its own before it resumes the mover. So B's worker
  // has seen one unwind (B's context, from the thread entry dynCall_ii) when
  // the mover rewinds with the id A's worker gave to dynCall_vi: per-worker
  // first-seen ids (no post.js) have no such id here and the rewind fails.
  pthread_mutex_lock(&mu);
  while (!mover_parked)
    pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  printf("B: resuming mover\n");
  emscripten_fiber_swap(&s.f, &mover.f);
  printf("B: mover handed control back\n");
  double us = pingpong(10000);
  printf("B: %.3f us per fiber round trip (worker %d), exiting with "
         "pthread_exit\n",
         us, worker_tag());
  pthread_exit(NULL);
}

// Short-lived threads that use fibers, run one after another so that they
// land on pool workers used before by A, B or each other.
static void *thread_reuse(void *arg) {
  sched_t s;
  sched_init(&s, 'R');
  int n = (int)(intptr_t)arg;
  double us = pingpong(1000);
  printf("R%d: fibers ok on worker %d (%.3f us/round trip)\n", n, worker_tag(),
         us);
  pthread_exit((void *)(intptr_t)worker_tag());
}

// In "exit3" mode this thread prints without pause while another thread
// calls exit() ("return7": while main returns). 3.1.6's exit flushed stdio
// from the loading thread, which
// then waited for this thread's stdout lock while this thread waited for the
// loading thread to carry out its write (deadlock, see wasm/post.js).
static void *thread_chatter(void *arg) {
  (void)arg;
  for (long i = 0;; i++)
    printf("chatter %ld\n", i);
  return NULL;
}

static void *thread_abort(void *arg) {
  (void)arg;
  sched_t s;
  sched_init(&s, 'X');
  pingpong(10);
  printf("X: calling abort()\n");
  abort();
}

// "print" mode: threads print numbered lines, taking the numbers under a
// lock together with the printf, so the launcher must show 0..N-1 in order;
// the last output has no newline and must still come out at exit.
#define PRINT_THREADS 3
#define PRINT_LINES 200
static int print_seq;
static void *thread_print(void *arg) {
  sched_t s;
  sched_init(&s, 'P');
  for (int i = 0; i < PRINT_LINES; i++) {
    if (i % 50 == 0)
      pingpong(10); // print from threads that use fibers
    pthread_mutex_lock(&mu);
    printf("line %d from P%d\n", print_seq++, (int)(intptr_t)arg);
    pthread_mutex_unlock(&mu);
  }
  pthread_exit(NULL);
}

static int print_mode(void) {
  pthread_t t[PRINT_THREADS];
  for (int i = 0; i < PRINT_THREADS; i++)
    pthread_create(&t[i], NULL, thread_print, (void *)(intptr_t)i);
  for (int i = 0; i < PRINT_THREADS; i++)
    pthread_join(t[i], NULL);
  printf("total %d lines; no newline after this", print_seq);
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  mode_exit3 = strcmp(mode, "exit3") == 0;
  printf("spike: main on worker %d, mode '%s'\n", worker_tag(), mode);

  // main uses fibers too (gort's M0 runs goroutines on the main pthread).
  sched_t s;
  sched_init(&s, 'M');
  printf("M: %.3f us per fiber round trip\n", pingpong(1000));

  if (strcmp(mode, "print") == 0)
    return print_mode();

  if (strcmp(mode, "abort") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, thread_abort, NULL);
    pthread_join(t, NULL);
    printf("FAIL: abort() in a pthread did not end the program\n");
    return 1;
  }

  if (mode_exit3) {
    pthread_t c;
    CHECK(pthread_create(&c, NULL, thread_chatter, NULL) == 0, "create C");
  }

  pthread_t a, b;
  CHECK(pthread_create(&a, NULL, thread_a, NULL) == 0, "create A");
  CHECK(pthread_create(&b, NULL, thread_b, NULL) == 0, "create B");
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  if (mode_exit3) {
    // Unreachable: the mover's exit(3) on B ends the whole program.
    printf("FAIL: exit(3) from a pthread did not end the program\n");
    return 1;
  }
  CHECK(saw_first == 'A', "mover started on %c, want A", saw_first);
  CHECK(saw_second == 'B', "mover resumed seeing TLS %c, want B", saw_second);
  CHECK(tag_first != tag_second, "mover did not change worker (%d)", tag_first);
  CHECK(locals_ok, "mover locals corrupted by migration");

  // Reuse: a pool of N workers, main holds one; run 2N threads one by one.
  int seen[64] = {0}, reused = 0;
  for (int i = 0; i < 8; i++) {
    pthread_t r;
    void *ret;
    CHECK(pthread_create(&r, NULL, thread_reuse, (void *)(intptr_t)i) == 0,
          "create R%d", i);
    pthread_join(r, &ret);
    int tag = (int)(intptr_t)ret;
    int known = tag > 0 && tag < 64 && seen[tag];
    if (tag == tag_first || tag == tag_second || known)
      reused++;
    if (tag > 0 && tag < 64)
      seen[tag] = 1;
  }
  CHECK(reused > 0, "no pool worker was reused");
  printf("spike: %d of 8 fiber threads ran on a reused worker\n", reused);

  // Back on main's fibers after all that.
  printf("M: %.3f us per fiber round trip (again)\n", pingpong(1000));

  int f = atomic_load(&failures);
  printf("spike: %s\n", f ? "FAILED" : "ok");
  if (!f && strcmp(mode, "return7") == 0) {
    // Return while another thread prints: main's return flushes stdio on
    // main's pthread, which must not deadlock with the printer either.
    pthread_t c;
    pthread_create(&c, NULL, thread_chatter, NULL);
    for (volatile int i = 0; i < 1000000; i++) {
    }
    return 7;
  }
  return f ? 1 : 0;
}
