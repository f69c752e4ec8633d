/*
 * test-list.h - every native test case, in one list (libuv's test-list.h
 * idea), included with X defined by the includer (an X-macro list without
 * line continuations, so CMake and JS can read it line by line). Each line
 * is
 *
 *   X(name, exit_code, "text the output must contain", where)
 *
 * where is ALL (native and wasm) or NATIVE. CMakeLists.txt and
 * tests/node/cases.mjs read this file with the same regular expression, so
 * keep one entry per line in exactly this shape. Every case runs in a fresh
 * process: `gort_tests NAME`.
 */

X(sched_hello, 0, "", ALL)
X(sched_yield_alternates, 0, "", ALL)
X(sched_many_goroutines, 0, "", ALL)
X(sched_nested_spawn, 0, "", ALL)
X(sched_million_alive, 0, "", ALL)
X(sched_goexit, 0, "", ALL)
X(sched_stack_reuse, 0, "", ALL)
X(sched_deep_stack_ok, 0, "", ALL)
X(sched_waitgroup_many_waiters, 0, "", ALL)
X(sched_main_exit_code, 7, "", ALL)
X(crash_deadlock, 2, "fatal error: all goroutines are asleep - deadlock!", ALL)
X(crash_deadlock_dump, 2, "[sync.WaitGroup.Wait]", ALL)
X(crash_main_goexit, 2, "no goroutines (main called runtime.Goexit) - deadlock!", ALL)
X(crash_negative_waitgroup, 2, "panic: sync: negative WaitGroup counter", ALL)
X(crash_stack_overflow, 2, "fatal error: stack overflow", ALL)
X(crash_nil_deref, 2, "invalid memory address or nil pointer dereference", NATIVE)
X(crash_outside_runtime, 2, "called outside a goroutine", ALL)
