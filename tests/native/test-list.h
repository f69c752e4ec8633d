/*
 * test-list.h - every native test case, in one list (libuv's test-list.h
 * idea), included with X defined by the includer (an X-macro list without
 * line continuations, so CMake and JS can read it line by line). Each line
 * is
 *
 *   X(name, exit_code, "text the output must contain", where, "ENV=value")
 *
 * where is ALL (native and wasm) or NATIVE; the last field is an
 * environment setting for the run ("" for none), e.g. GORT_DEBUG=.... CMakeLists.txt and
 * tests/node/cases.mjs read this file with the same regular expression, so
 * keep one entry per line in exactly this shape. Every case runs in a fresh
 * process: `gort_tests NAME`.
 */

X(sched_hello, 0, "", ALL, "")
X(sched_yield_alternates, 0, "", ALL, "")
X(sched_many_goroutines, 0, "", ALL, "")
X(sched_nested_spawn, 0, "", ALL, "")
X(sched_million_alive, 0, "", ALL, "")
X(sched_goexit, 0, "", ALL, "")
X(sched_stack_reuse, 0, "", ALL, "")
X(sched_deep_stack_ok, 0, "", ALL, "")
X(sched_waitgroup_many_waiters, 0, "", ALL, "")
X(sched_main_exit_code, 7, "", ALL, "")
X(sched_stack_size_env, 0, "", ALL, "GORT_STACK_SIZE=192K")
X(crash_bad_stack_size, 2, "bad GORT_STACK_SIZE", ALL, "GORT_STACK_SIZE=1K")
X(crash_deadlock, 2, "fatal error: all goroutines are asleep - deadlock!", ALL, "")
X(crash_deadlock_dump, 2, "[sync.WaitGroup.Wait]", ALL, "")
X(crash_main_goexit, 2, "no goroutines (main called runtime.Goexit) - deadlock!", ALL, "")
X(crash_negative_waitgroup, 2, "panic: sync: negative WaitGroup counter", ALL, "")
X(crash_stack_overflow, 2, "fatal error: stack overflow", ALL, "")
X(crash_nil_deref, 2, "invalid memory address or nil pointer dereference", NATIVE, "")
X(crash_outside_runtime, 2, "called outside a goroutine", ALL, "")
X(gmp_steal_happens, 0, "", ALL, "GORT_DEBUG=asyncpreemptoff=1")
X(gmp_global_queue_not_starved, 0, "", ALL, "")
X(gmp_tight_loop_preempted, 0, "", NATIVE, "")
X(gmp_preempt_keeps_registers, 0, "", NATIVE, "")
X(gmp_million_complete, 0, "", ALL, "")
X(gmp_set_maxprocs_while_running, 0, "", ALL, "")
X(gmp_syscall_handoff, 0, "", ALL, "")
X(gmp_schedtrace, 0, "SCHED ", ALL, "GORT_DEBUG=schedtrace=5")
X(gmp_maxprocs_env, 0, "", ALL, "GORT_MAXPROCS=3")
X(crash_deadlock_many_procs, 2, "fatal error: all goroutines are asleep - deadlock!", ALL, "GORT_MAXPROCS=4")
X(crash_sigquit_dump, 2, "SIGQUIT: quit", NATIVE, "")
X(crash_bad_maxprocs, 2, "bad GORT_MAXPROCS", ALL, "GORT_MAXPROCS=0")
X(chan_spec_table, 0, "", ALL, "")
X(chan_unbuffered_pingpong, 0, "", ALL, "")
X(chan_large_elements, 0, "", ALL, "")
X(chan_close_wakes_all, 0, "", ALL, "")
X(chan_fifo_waiters, 0, "", ALL, "")
X(select_rules, 0, "", ALL, "")
X(select_uniform, 0, "", ALL, "")
X(select_blocks_then_wakes, 0, "", ALL, "")
X(chan_select_stress, 0, "", ALL, "")
X(crash_send_on_closed, 2, "panic: send on closed channel", ALL, "")
X(crash_blocked_sender_sees_close, 2, "panic: send on closed channel", ALL, "")
X(crash_close_of_closed, 2, "panic: close of closed channel", ALL, "")
X(crash_close_of_nil, 2, "panic: close of nil channel", ALL, "")
X(crash_nil_chan_deadlock, 2, "[chan receive (nil chan)]", ALL, "")
X(crash_empty_select_deadlock, 2, "[select (no cases)]", ALL, "")
X(crash_chan_deadlock, 2, "all goroutines are asleep - deadlock!", ALL, "")
X(time_sleep_not_early, 0, "", ALL, "")
X(time_deadline_order, 0, "", ALL, "")
X(time_timer_stop_reset, 0, "", ALL, "")
X(time_ticker, 0, "", ALL, "")
X(time_after_func, 0, "", ALL, "")
X(time_select_timeout, 0, "", ALL, "")
X(time_sleepers_keep_alive, 0, "", ALL, "")
X(time_stop_reset_race, 0, "", ALL, "")
X(crash_ticker_nonpositive, 2, "panic: non-positive interval for NewTicker", ALL, "")
