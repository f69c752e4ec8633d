/*
 * test-list.h - every native test case, in one list (libuv's test-list.h
 * idea), included with X defined by the includer (an X-macro list without
 * line continuations, so CMake and JS can read it line by line). Each line
 * is
 *
 *   X(name, exit_code, "text the output must contain", where, "ENV=value")
 *
 * where is ALL (native and wasm), NATIVE, WASM (wasm only), or DEBUG (builds at
 * GORT_DEBUG_LEVEL >= 2 only: debug/assert.h); the last field is
 * the environment settings for the run, separated by spaces ("" for none),
 * e.g. "GORT_GC=concurrent GORT_DEBUG=gctrace=1".
 * CMakeLists.txt reads this file line by line with a regular expression
 * and registers each case as a CTest test (which the node:test files of
 * tests/node/ list through ctest), so keep one entry per line in exactly
 * this shape. Every case runs in a fresh process: `gort_tests NAME`.
 */
/* One case per line, as CMake reads them: */
/* clang-format off */

X(sched_hello, 0, "", ALL, "")
X(sched_yield_alternates, 0, "", ALL, "")
X(sched_many_goroutines, 0, "", ALL, "")
X(sched_goids_unique, 0, "", ALL, "")
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
X(gmp_pingpong_chain_not_starved, 0, "", ALL, "")
X(gmp_ring_not_starved_by_runnext_pair, 0, "", ALL, "GORT_DEBUG=asyncpreemptoff=1")
X(gmp_tight_loop_preempted, 0, "", NATIVE, "")
X(gmp_preempt_keeps_registers, 0, "", NATIVE, "")
X(preempt_plt_is_not_user_code, 0, "", NATIVE, "")
X(preempt_refused_with_lock_held, 0, "", NATIVE, "")
X(preempt_storm_runtime_calls, 0, "preempt storm:", NATIVE, "")
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
X(select_free_after_wake, 0, "", ALL, "GORT_MAXPROCS=2")
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
X(time_far_durations_never_fire, 0, "", ALL, "")
X(time_negative_durations_fire_at_once, 0, "", ALL, "")
X(time_dial_timeout_saturates, 0, "", NATIVE, "")
X(ctx_semantics_table, 0, "", ALL, "")
X(ctx_deadline_exceeded, 0, "", ALL, "")
X(ctx_values, 0, "", ALL, "")
X(ctx_without_cancel, 0, "", ALL, "")
X(ctx_after_func, 0, "", ALL, "")
X(ctx_tree_deep, 0, "", ALL, "")
X(ctx_tree_wide, 0, "", ALL, "")
X(ctx_done_in_select, 0, "", ALL, "")
X(ctx_timer_stopped_on_cancel, 0, "", ALL, "")
X(ctx_cancel_races, 0, "", ALL, "")
X(crash_ctx_timer_stopped, 2, "fatal error: all goroutines are asleep - deadlock!", ALL, "")
X(crash_ctx_nil_parent, 2, "panic: cannot create context from nil parent", ALL, "")
X(crash_ctx_nil_key, 2, "panic: nil key", ALL, "")
X(errgroup_cancels_siblings, 0, "", ALL, "")
X(errgroup_limit, 0, "", ALL, "")
X(crash_errgroup_limit_while_active, 2, "panic: errgroup: modify limit while 1 goroutines in the group are still active", ALL, "")
X(weighted_fifo, 0, "", ALL, "")
X(weighted_ctx, 0, "", ALL, "")
X(weighted_stress, 0, "", ALL, "")
X(crash_weighted_release_more, 2, "panic: semaphore: released more than held", ALL, "")
X(singleflight_collapses, 0, "", ALL, "")
X(sync_mutex_table, 0, "", ALL, "")
X(sync_mutex_stress, 0, "", ALL, "")
X(sync_mutex_starvation, 0, "", ALL, "")
X(sync_rwmutex_stress, 0, "", ALL, "")
X(sync_rwmutex_writer_preference, 0, "", ALL, "")
X(sync_rwmutex_bias_writer_waits, 0, "", ALL, "")
X(sync_rwmutex_bias_writer_waits_one_p, 0, "", ALL, "")
X(sync_rwmutex_bias_handoff, 0, "", ALL, "")
X(sync_rwmutex_reader_loop_preempted, 0, "", ALL, "GORT_DEBUG=asyncpreemptoff=1 GORT_MAXPROCS=1")
X(sync_rwmutex_bias_own_readers_only, 0, "", ALL, "")
X(sync_rwmutex_bias_trylock_fails, 0, "", ALL, "")
X(sync_rwmutex_bias_stress, 0, "", ALL, "")
X(sync_rwmutex_bias_returns, 0, "", ALL, "")
X(sync_once_many_callers, 0, "", ALL, "")
X(sync_cond_fifo, 0, "", ALL, "")
X(sync_cond_broadcast, 0, "", ALL, "")
X(sync_waitgroup_semantics, 0, "", ALL, "")
X(crash_mutex_unlock_unlocked, 2, "fatal error: sync: unlock of unlocked mutex", ALL, "")
X(crash_rwmutex_runlock_unlocked, 2, "fatal error: sync: RUnlock of unlocked RWMutex", ALL, "")
X(crash_rwmutex_unlock_unlocked, 2, "fatal error: sync: Unlock of unlocked RWMutex", ALL, "")
X(crash_rwmutex_runlock_biased_twice, 2, "fatal error: sync: RUnlock of unlocked RWMutex", ALL, "")
X(crash_waitgroup_reused, 2, "panic: sync: WaitGroup is reused before previous Wait has returned", ALL, "")
X(crash_mutex_deadlock, 2, "[sync.Mutex.Lock]", ALL, "")
X(net_backend_or_unsupported, 0, "", ALL, "")
X(net_pipe_wakes_reader, 0, "", NATIVE, "")
X(net_pipe_wakes_reader_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_deadlines, 0, "", NATIVE, "")
X(net_deadlines_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_deadline_moved_while_waiting, 0, "", NATIVE, "")
X(net_close_wakes_waiters, 0, "", NATIVE, "")
X(net_close_wakes_waiters_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_many_waiters_few_threads, 0, "", NATIVE, "")
X(net_many_waiters_few_threads_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_write_waits_for_room, 0, "", NATIVE, "")
X(net_write_waits_for_room_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_pipe_epipe_no_signal, 0, "", NATIVE, "")
X(net_tcp_echo, 0, "", NATIVE, "")
X(net_tcp_echo_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_tcp_errors, 0, "", NATIVE, "")
X(net_close_write_gives_eof, 0, "", NATIVE, "")
X(net_timers_while_polling, 0, "", NATIVE, "")
X(net_timers_while_polling_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_backend_or_unsupported_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(mem_size_classes, 0, "", ALL, "")
X(mem_heap_spans, 0, "", ALL, "")
X(mem_heap_large, 0, "", ALL, "")
X(mem_heap_concurrent, 0, "", ALL, "")
X(mem_malloc_sizes, 0, "", ALL, "")
X(mem_malloc_many, 0, "", ALL, "")
X(mem_malloc_tiny, 0, "", ALL, "")
X(mem_malloc_reuse_zeroed, 0, "", ALL, "")
X(mem_malloc_concurrent, 0, "", ALL, "")
X(net_dial_ctx, 0, "", NATIVE, "")
X(net_dial_ctx_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(crash_dump_io_wait, 2, "[IO wait]", NATIVE, "")
X(mem_gc_mark_sweep, 0, "", ALL, "")
X(mem_gc_stack_roots, 0, "", ALL, "")
X(mem_gc_global_roots, 0, "", ALL, "")
X(mem_gc_collect, 0, "", ALL, "")
X(mem_gc_chan_roots, 0, "", ALL, "")
X(mem_gc_ctx_roots, 0, "", ALL, "")
X(gc_alloc_kinds, 0, "", ALL, "")
X(gc_user_roots, 0, "", ALL, "")
X(gc_alloc_zero_and_noscan_type, 0, "", ALL, "")
/* finalizers (test-gcfinal.c) */
X(gc_final_runs_once, 0, "", ALL, "")
X(gc_final_referents, 0, "", ALL, "")
X(gc_final_resurrect, 0, "", ALL, "")
X(gc_final_remove, 0, "", ALL, "")
X(gc_final_many, 0, "", ALL, "")
X(gc_final_order, 0, "", ALL, "")
X(gc_final_keepalive, 0, "", ALL, "")
X(gc_final_zero_and_tiny, 0, "", ALL, "")
X(crash_final_nil, 2, "fatal error: gort_set_finalizer: first argument is nil", ALL, "")
X(crash_final_not_heap, 2, "fatal error: gort_set_finalizer: pointer not in allocated block", ALL, "")
X(crash_final_freed, 2, "fatal error: gort_set_finalizer: pointer not in allocated block", ALL, "")
X(crash_final_interior, 2, "fatal error: gort_set_finalizer: pointer not at beginning of allocated block", ALL, "")
X(crash_final_typed_header, 2, "fatal error: gort_set_finalizer: pointer not at beginning of allocated block", ALL, "")
X(crash_final_twice, 2, "fatal error: gort_set_finalizer: finalizer already set", ALL, "")
X(crash_final_deadlock, 2, "fatal error: all goroutines are asleep - deadlock!", ALL, "")
X(crash_alloc_typed_bad_size, 2, "panic: gort_alloc_typed: type odd: size is not a non-zero multiple of the word size", ALL, "")
X(crash_alloc_typed_overflow, 2, "panic: runtime error: makeslice: len out of range", ALL, "")
/* test-scavenge.c: giving memory back (the scavenger, gort_free_os_memory) */
X(scavenge_background, 0, "", NATIVE, "")
X(scavenge_free_os_memory, 0, "", ALL, "")
X(scavenge_reuse_reads_zero, 0, "", ALL, "")
X(scavenge_coalesce_counts, 0, "", ALL, "")
X(crash_free_os_memory_outside, 2, "gort_free_os_memory called outside a goroutine", NATIVE, "")
X(crash_deadlock_after_scavenge, 2, "fatal error: all goroutines are asleep - deadlock!", ALL, "")
X(crash_alloc_from_plain_thread, 2, "gort: gort_alloc called outside a goroutine", NATIVE, "")
X(gc_paced_garbage, 0, "", ALL, "")
X(gc_pacer_table, 0, "", ALL, "")
X(gc_memstats_walk, 0, "", ALL, "")
X(gc_event_ring, 0, "", ALL, "")
X(gc_random_graphs, 0, "", ALL, "GORT_DEBUG=gcverify=1")
X(gc_gctrace_line, 0, "gc 2 @", ALL, "GORT_DEBUG=gctrace=1")
X(gc_heap_snapshot, 0, "", ALL, "")
X(gc_forced_by_sysmon, 0, "", ALL, "")
X(crash_bad_gogc, 2, "malformed GORT_GOGC", ALL, "GORT_GOGC=lots")
X(crash_bad_memlimit, 2, "malformed GORT_MEMLIMIT", ALL, "GORT_MEMLIMIT=12XB")
/* every root (test-gcroots.c): what the runtime holds for the program.
 * On wasm32 the "reclaimed afterwards" half is not checked: flag bytes in
 * libc's globals (musl's __libc, 0x01000100) read as addresses in the
 * heap's first page there (test-gcroots.c, CHECK_RECLAIMED). */
/* The four "attempt" cases need a whole collection to end before a
 * runnable goroutine first runs: only the stop-the-world collector
 * promises that (the concurrent one lets it run while it marks). The same
 * holders under the concurrent collector: test-gcstores.c. */
X(gcroots_timer, 0, "", ALL, "")
X(gcroots_goroutine_arg, 0, "", ALL, "GORT_GC=stw")
X(gcroots_errgroup, 0, "", ALL, "GORT_GC=stw")
X(gcroots_singleflight_arg, 0, "", ALL, "GORT_GC=stw")
X(gcroots_singleflight_result, 0, "", ALL, "GORT_GC=stw")
X(gcroots_singleflight_chan, 0, "", ALL, "")
X(gcroots_ctx_value, 0, "", ALL, "")
X(gcroots_ctx_after_func, 0, "", ALL, "")
X(gcroots_chan_buffer, 0, "", ALL, "")
X(gcroots_in_flight, 0, "", ALL, "")
X(crash_gcroots_registered_twice, 2, "runtime: gc root registered twice", ALL, "")
X(crash_gcroots_removed_unregistered, 2, "runtime: gc root removed but not registered", ALL, "")
/* runtime objects in the GC heap (test-gchandles.c): gort_set_gc_handles.
 * The "reclaimed" cases bound totals over thousands of handles, far above
 * what wasm32's false retention can keep (test-gchandles.c): ALL. */
X(gchandles_chan_reclaimed, 0, "", ALL, "")
X(gchandles_timer_reclaimed, 0, "", ALL, "")
X(gchandles_after_reclaimed, 0, "", ALL, "")
X(gchandles_ctx_reclaimed, 0, "", ALL, "")
X(gchandles_chan_kept, 0, "", ALL, "")
X(gchandles_timer_kept, 0, "", ALL, "")
X(gchandles_ctx_kept, 0, "", ALL, "")
X(gchandles_xsync, 0, "", ALL, "")
X(gchandles_explicit_free, 0, "", ALL, "")
X(gchandles_env, 0, "", ALL, "GORT_GCHANDLES=1")
X(crash_gchandles_chan_freed_twice, 2, "fatal error: gort: channel freed twice [gort_chan_free]", ALL, "")
X(crash_gchandles_chan_send_after_free, 2, "fatal error: gort: use of freed channel [gort_chan_send]", ALL, "")
X(crash_gchandles_timer_freed_twice, 2, "fatal error: gort: timer freed twice [gort_timer_free]", ALL, "")
X(crash_gchandles_ctx_used_after_release, 2, "fatal error: gort: use of freed context [gort_ctx_err]", ALL, "")
X(crash_gchandles_bad_env, 2, "malformed GORT_GCHANDLES: want 0 or 1", ALL, "GORT_GCHANDLES=yes")
X(fault_thread_fewer_ms, 0, "", ALL, "GORT_DEBUG=failthreadcreate=1")
X(fault_thread_resize_queued, 0, "", ALL, "GORT_DEBUG=failthreadcreate=2")
X(crash_fault_thread_handoff, 2, "runtime: failed to create new OS thread (have 2 already; errno=", ALL, "GORT_DEBUG=failthreadcreate=1")
X(crash_fault_thread_sysmon, 2, "fatal error: newosproc", ALL, "GORT_DEBUG=failthreadcreate=0")
X(crash_fault_stack, 2, "fatal error: out of memory", ALL, "GORT_DEBUG=failstackalloc=1")
X(crash_fault_stack_message, 2, "runtime: out of memory: cannot allocate ", ALL, "GORT_DEBUG=failstackalloc=1")
X(fault_stack_reuse, 0, "", ALL, "GORT_DEBUG=failstackalloc=1")
X(crash_fault_arena, 2, "fatal error: out of memory", ALL, "GORT_DEBUG=failarenaalloc=0")
X(crash_fault_arena_message, 2, "-byte block (0 in use)", ALL, "GORT_DEBUG=failarenaalloc=0")
X(fault_arena_heap_unchanged, 0, "runtime: out of memory: cannot allocate ", ALL, "GORT_DEBUG=failarenaalloc=1")
X(crash_fault_arena_full, 2, "fatal error: out of memory", ALL, "GORT_DEBUG=failarenaalloc=1")
X(crash_stack_clash, 2, "fatal error: stack overflow", ALL, "GORT_STACK_SIZE=64K")
X(sched_stack_size_min, 0, "", ALL, "GORT_STACK_SIZE=16K")
X(sched_stack_size_16m, 0, "", ALL, "GORT_STACK_SIZE=16m")
X(sched_stack_size_max, 0, "", NATIVE, "GORT_STACK_SIZE=1G")
X(crash_stack_size_negative, 2, "want a size from ", ALL, "GORT_STACK_SIZE=-1")
X(crash_stack_size_zero, 2, "want a size from ", ALL, "GORT_STACK_SIZE=0")
X(crash_stack_size_digits_overflow, 2, "want a size from ", ALL, "GORT_STACK_SIZE=99999999999999999999")
X(crash_stack_size_not_a_number, 2, "want a size from ", ALL, "GORT_STACK_SIZE=abc")
X(crash_stack_size_suffix_garbage, 2, "want a size from ", ALL, "GORT_STACK_SIZE=64Kx")
X(crash_stack_size_k_overflow, 2, "want a size from ", ALL, "GORT_STACK_SIZE=18014398509481984K")
X(crash_stack_size_g_overflow, 2, "want a size from ", ALL, "GORT_STACK_SIZE=17179869184G")
X(crash_stack_size_above_max, 2, "want a size from ", ALL, "GORT_STACK_SIZE=1025M")
X(crash_maxprocs_negative, 2, "is not a number from 1 to 1024", ALL, "GORT_MAXPROCS=-1")
X(crash_maxprocs_overflow, 2, "is not a number from 1 to 1024", ALL, "GORT_MAXPROCS=99999999999999999999")
X(crash_maxprocs_garbage, 2, "is not a number from 1 to 1024", ALL, "GORT_MAXPROCS=4x")
X(crash_stack_jump_then_switch, 2, "fatal error: stack overflow", ALL, "GORT_STACK_SIZE=64K")
X(edge_maxprocs_range, 0, "", ALL, "")
X(edge_stats_null, 0, "", ALL, "")
X(edge_strerror_any_code, 0, "", ALL, "")
X(crash_go_nil_func, 2, "gort_go: nil func", ALL, "")
X(crash_syscall_exit_without_enter, 2, "gort_syscall_exit without gort_syscall_enter", ALL, "")
X(crash_syscall_enter_twice, 2, "gort_syscall_enter called between gort_syscall_enter and gort_syscall_exit", ALL, "")
X(crash_call_inside_syscall, 2, "gort_go called between gort_syscall_enter and gort_syscall_exit", ALL, "")
X(crash_call_from_plain_thread, 2, "gort_yield called outside a goroutine", NATIVE, "")
X(crash_timer_freed_twice, 2, "fatal error: gort: timer freed twice [gort_timer_free]", ALL, "")
X(crash_timer_use_after_free, 2, "fatal error: gort: use of freed timer [gort_timer_reset]", ALL, "")
X(crash_timer_bad_handle, 2, "fatal error: gort: invalid timer handle", ALL, "")
X(crash_chan_freed_twice, 2, "fatal error: gort: channel freed twice [gort_chan_free]", ALL, "")
X(crash_chan_send_after_free, 2, "fatal error: gort: use of freed channel [gort_chan_send]", ALL, "")
X(crash_select_freed_chan, 2, "fatal error: gort: use of freed channel [gort_select]", ALL, "")
X(crash_chan_free_timer_chan, 2, "fatal error: gort: gort_chan_free of a channel the runtime owns", ALL, "")
X(crash_chan_free_ctx_done, 2, "fatal error: gort: gort_chan_free of a channel the runtime owns", ALL, "")
X(crash_ctx_released_twice, 2, "fatal error: gort: use of freed context [gort_ctx_release]", ALL, "")
X(crash_ctx_use_after_release, 2, "fatal error: gort: use of freed context [gort_ctx_err]", ALL, "")
X(crash_ctx_after_func_stop_twice, 2, "fatal error: gort: use of freed context [gort_ctx_after_func_stop]", ALL, "")
X(crash_ctx_after_func_stop_after_detach, 2, "fatal error: gort: context AfterFunc handle used after detach", ALL, "")
X(crash_errgroup_freed_twice, 2, "fatal error: gort: errgroup freed twice", ALL, "")
X(crash_errgroup_use_after_free, 2, "fatal error: gort: use of freed errgroup [gort_errgroup_wait]", ALL, "")
X(crash_weighted_freed_twice, 2, "fatal error: gort: semaphore freed twice", ALL, "")
X(crash_singleflight_freed_twice, 2, "fatal error: gort: singleflight group freed twice", ALL, "")
X(crash_timer_stop_nil, 2, "[gort_timer_stop: nil timer]", ALL, "")
X(crash_chan_send_nil_elem, 2, "[gort_chan_send: nil elem (the value to send)]", ALL, "")
X(crash_errgroup_wait_nil, 2, "[gort_errgroup_wait: nil errgroup]", ALL, "")
X(crash_weighted_acquire_nil, 2, "[gort_weighted_acquire: nil semaphore]", ALL, "")
X(crash_singleflight_do_nil, 2, "[gort_singleflight_do: nil singleflight group]", ALL, "")
X(crash_chan_make_negative_cap, 2, "panic: makechan: size out of range", ALL, "")
X(crash_chan_make_size_overflow, 2, "panic: makechan: size out of range", ALL, "")
X(crash_chan_make_huge_elem, 2, "fatal error: makechan: invalid channel element type", ALL, "")
X(crash_weighted_negative_size, 2, "panic: semaphore: negative size", ALL, "")
X(crash_weighted_release_negative, 2, "panic: semaphore: released a negative weight", ALL, "")
X(misuse_bad_input_answers, 0, "", ALL, "")
X(misuse_quarantine_churn, 0, "", ALL, "")
X(crash_foreign_thread_timer_new, 2, "gort_timer_new called outside a goroutine", NATIVE, "")
X(crash_foreign_thread_chan_send, 2, "gort_chan_send called outside a goroutine", NATIVE, "")
X(crash_foreign_thread_ctx_cancel, 2, "gort_ctx_cancel called outside a goroutine", NATIVE, "")
X(crash_foreign_thread_errgroup, 2, "gort_errgroup_wait called outside a goroutine", NATIVE, "")
X(crash_close_timer_chan, 2, "panic: close of receive-only channel", ALL, "")
X(crash_send_ctx_done, 2, "panic: send to receive-only channel", ALL, "")
X(crash_after_chan_freed_before_firing, 2, "fatal error: gort: use of freed channel [a timer firing (its channel was freed)]", ALL, "")
X(crash_mutex_lock_nil, 2, "[sync.Mutex: nil *gort_mutex]", ALL, "")
X(crash_waitgroup_wait_nil, 2, "[sync.WaitGroup: nil *gort_waitgroup]", ALL, "")
X(crash_foreign_thread_mutex_blocks, 2, "gort: sync.Mutex.Lock called outside a goroutine", NATIVE, "")
X(time_ticker_free_while_firing, 0, "", ALL, "GORT_MAXPROCS=4")
X(net_fault_eagain_echo, 0, "", NATIVE, "GORT_DEBUG=neteagain=2")
X(net_fault_eagain_echo_poll, 0, "", NATIVE, "GORT_DEBUG=neteagain=2")
X(net_fault_shortwrite_echo, 0, "", NATIVE, "GORT_DEBUG=netshortwrite=2")
X(net_fault_shortwrite_echo_poll, 0, "", NATIVE, "GORT_DEBUG=netshortwrite=2")
X(net_fault_mixed_echo, 0, "", NATIVE, "GORT_DEBUG=neteagain=3,neteintr=4,netshortwrite=2,netfaultseed=7")
X(net_fault_mixed_echo_poll, 0, "", NATIVE, "GORT_DEBUG=neteagain=3,neteintr=4,netshortwrite=2,netfaultseed=7")
X(net_fault_eagain_parks, 0, "", NATIVE, "GORT_DEBUG=neteagain=2")
X(net_fault_eagain_parks_poll, 0, "", NATIVE, "GORT_DEBUG=neteagain=2")
X(net_fault_emfile_accept, 0, "", NATIVE, "GORT_DEBUG=netemfile=2")
X(net_fault_emfile_accept_poll, 0, "", NATIVE, "GORT_DEBUG=netemfile=2")
X(net_accept_real_emfile, 0, "", NATIVE, "")
X(net_accept_real_emfile_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_fault_open, 0, "", NATIVE, "GORT_DEBUG=netopenfail=2")
X(net_fault_open_poll, 0, "", NATIVE, "GORT_DEBUG=netopenfail=2")
X(crash_netfault_epoll_create, 2, "fatal error: runtime: netpollinit failed", NATIVE, "GORT_DEBUG=netinitfail=1")
X(crash_netfault_eventfd, 2, "fatal error: runtime: eventfd failed", NATIVE, "GORT_DEBUG=netinitfail=2")
X(crash_netfault_epoll_ctl, 2, "fatal error: runtime: epollctl failed", NATIVE, "GORT_DEBUG=netinitfail=3")
X(crash_netfault_poll_init, 2, "fatal error: runtime: netpollinit failed", NATIVE, "GORT_DEBUG=netinitfail=1")
X(crash_netfault_wait, 2, "fatal error: runtime: netpoll failed", NATIVE, "GORT_DEBUG=netwaitfail=1")
X(crash_netfault_wait_poll, 2, "fatal error: runtime: netpoll failed", NATIVE, "GORT_DEBUG=netwaitfail=1")
X(net_bad_input, 0, "", NATIVE, "")
X(net_bad_input_poll, 0, "", NATIVE, "GORT_NETPOLL=poll")
X(net_close_twice_while_inside, 0, "", NATIVE, "")
X(crash_net_double_close, 2, "fatal error: gort: network connection closed twice [gort_conn_close]", NATIVE, "")
X(crash_net_read_after_close, 2, "fatal error: gort: use of closed network connection handle (after close returned) [gort_conn_read]", NATIVE, "")
X(crash_net_listener_double_close, 2, "fatal error: gort: listener closed twice [gort_listener_close]", NATIVE, "")
X(crash_net_conn_as_listener, 2, "fatal error: gort: invalid listener handle (a connection) [gort_accept]", NATIVE, "")
X(crash_net_listener_as_conn, 2, "fatal error: gort: invalid network connection handle (a listener) [gort_conn_read]", NATIVE, "")
X(crash_net_outside_goroutine, 2, "gort_conn_write called outside a goroutine", NATIVE, "")
X(crash_net_not_a_handle, 2, "fatal error: gort: invalid network connection handle (never opened, or closed long ago) [gort_conn_read]", NATIVE, "")

/* ---- settings: gort_options, gort_main_opts (test-settings.c; the runner
 * starts options_* and crash_options_* through gort_main_opts) ---- */
X(options_override_env, 0, "", ALL, "GORT_MAXPROCS=3")
X(options_gogc_override_env, 0, "", ALL, "GORT_GOGC=off")
X(options_all_fields, 0, "", ALL, "GORT_MEMLIMIT=1GiB")
X(options_netpoll_poll, 0, "", NATIVE, "")
X(options_null_is_env, 0, "", ALL, "GORT_MAXPROCS=3")
X(options_init_reads_env, 0, "", ALL, "GORT_STACK_SIZE=192K")
X(crash_options_bad_maxprocs, 2, "runtime: GORT_MAXPROCS=0 is not a number from 1 to 1024", ALL, "")
X(crash_options_maxprocs_above, 2, "runtime: GORT_MAXPROCS=1025 is not a number from 1 to 1024", ALL, "")
X(crash_options_bad_stack_size, 2, "want a size from ", ALL, "")
X(crash_options_stack_size_above, 2, "fatal error: runtime: bad GORT_STACK_SIZE", ALL, "")
X(crash_options_bad_memlimit, 2, "fatal error: malformed GORT_MEMLIMIT", ALL, "")
X(crash_options_bad_netpoll, 2, "runtime: GORT_NETPOLL=kqueue: unknown poller (want poll or epoll)", NATIVE, "")
X(crash_options_not_initialized, 2, "fatal error: gort_main_opts: options not set up by gort_options_init", ALL, "")
X(crash_options_init_bad_env, 2, "fatal error: malformed GORT_GOGC: want a percentage or off", ALL, "")
X(crash_options_init_nil, 2, "fatal error: gort_options_init: nil options", ALL, "")
X(crash_bad_netpoll_env, 2, "fatal error: bad GORT_NETPOLL", NATIVE, "GORT_NETPOLL=kqueue")

/* ---- debug checks (test-debug.c; issue 14). DEBUG: registered only at
 * GORT_DEBUG_LEVEL >= 2 (build-debug/), where the lock checks exist. ---- */
X(debug_assert_level, 0, "", ALL, "")
X(crash_assert_failed, 2, "fatal error: runtime: assertion failed: two + two == 5 (", DEBUG, "")
X(crash_locked_without_lock, 2, "fatal error: runtime: assertion failed: &gort__sched.lock held (runtime/sched/mp.c:", DEBUG, "")
X(crash_lock_out_of_rank_order, 2, "fatal error: lock ordering problem", DEBUG, "")
X(crash_lock_under_unranked, 2, "fatal error: lock ordering problem", DEBUG, "")
X(crash_lock_twice, 2, "fatal error: runtime: lock: lock already held by this thread", DEBUG, "")
X(crash_unlock_not_held, 2, "fatal error: runtime: unlock: lock not held by this thread", DEBUG, "")
X(debug_lock_ranks_in_order, 0, "", DEBUG, "")

/* ---- typed channels, sized calls, select's default, error codes
 * (issue 14; tests/native/test-chantyped.c) ---------------------------- */
X(chan_typed_roundtrip, 0, "", ALL, "")
X(chan_typed_select, 0, "", ALL, "")
X(chan_sized_matching, 0, "", ALL, "")
X(crash_chan_send_size_mismatch, 2, "panic: gort_chan_send: element size mismatch: 4-byte value, channel of 8-byte elements", ALL, "")
X(crash_chan_try_recv_size_mismatch, 2, "panic: gort_chan_try_recv: element size mismatch: 8-byte value, channel of 4-byte elements", ALL, "")
X(crash_chan_typed_wrong_handle, 2, "panic: gort_chan_recv: element size mismatch: 4-byte value, channel of 8-byte elements", ALL, "")
X(crash_select_size_mismatch, 2, "panic: gort_select: element size mismatch: 0-byte value, channel of 8-byte elements", ALL, "")
X(crash_select_negative_count, 2, "panic: gort_select: ncases out of range [0, 65536]", ALL, "")
X(crash_select_too_many_cases, 2, "panic: gort_select: ncases out of range [0, 65536]", ALL, "")
X(crash_select_nil_cases, 2, "[gort_select: nil cases]", ALL, "")
X(errors_every_code_has_message, 0, "", ALL, "")

/* The workload table and `gort list --json` (test-workloads.c). */
X(workloads_table_invariants, 0, "", ALL, "")
X(workloads_json_escapes_anything, 0, "", ALL, "")

/* ---- the concurrent collector's parts (issue 12; test-gccore.c) ------- */
X(gcwork_buffers, 0, "", ALL, "")
X(crash_checkmark_missing_barrier, 2, "checkmark found unmarked object: missing write barrier?", ALL, "")
X(gc_checkmark_quiet_with_barrier, 0, "", ALL, "")
X(gc_concurrent_cycles, 0, " ms cpu, ", ALL, "GORT_GC=concurrent GORT_DEBUG=gctrace=1,gccheckmark=1")

/* ---- the write barrier's public calls (issue 12; test-wbapi.c): each as
 * its plain counterpart, with and without a mark running, and what only
 * they hold kept across concurrent cycles (checkmark on in each case). */
X(wb_store_semantics, 0, "", ALL, "GORT_GC=concurrent")
/* gcverify off, also in the debug build: the copies at odd offsets and
 * lengths splice a heap pointer's high bytes with other bytes, words that
 * point anywhere near the targets, free slots too, which the verifier
 * (for heaps with no address-like integers) would report. */
X(wb_copy_semantics, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gcverify=0")
X(wb_keeps_alive, 0, "", ALL, "GORT_GC=concurrent")
X(wb_keeps_alive_stw, 0, "", ALL, "GORT_GC=stw")
X(crash_gc_bad_env, 2, "malformed GORT_GC: want concurrent or stw", ALL, "GORT_GC=fast")

/* ---- the runtime's own stores through the write barrier (issue 12;
 * tests/native/test-gcstores.c): each case runs with handles in C memory
 * and in the GC heap, under the concurrent collector with checkmark. ---- */
X(gcstores_chan_buffered, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")
X(gcstores_chan_direct, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")
X(gcstores_ctx, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")
X(gcstores_timers, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")
X(gcstores_xsync, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")

/* ---- the concurrent collector's torture test (issue 12;
 * tests/native/test-gctorture.c): random graphs mutated through the
 * barrier on every P beside back-to-back collections with checkmark;
 * GORT_TORTURE_SECONDS for longer (tests/stress/gc-torture.sh). The
 * crash_ cases remove one half of the barrier: the torture must die
 * with a fatal error (without the deletion half: its node check's "a
 * reachable object was freed", or at GORT_DEBUG_LEVEL=3 often gcverify's
 * "points at a free slot"; without the insertion half: checkmark's "found
 * unmarked object" or gcverify's "points at an unmarked object"). ---- */
X(gctorture_p2, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1")
X(gctorture_p4, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1")
X(gctorture_nocheckmark, 0, "", ALL, "GORT_GC=concurrent")
X(gctorture_stw, 0, "", ALL, "GORT_GC=stw")
X(crash_gctorture_no_deletion_barrier, 2, "fatal error: ", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1,wbbroken=1")
X(crash_gctorture_no_insertion_barrier, 2, "unmarked object", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1,wbbroken=2")
X(gctorture_bad_seconds, 1, "gctorture: bad GORT_TORTURE_SECONDS=1.5s (seconds > 0)", ALL, "GORT_TORTURE_SECONDS=1.5s")

/* ---- a stop of the world takes back the Ps of woken Ms the OS has not
 * run yet (issue 12, pauses; tests/native/test-stwlatency.c): every
 * woken M sleeps 40 ms first, and one of three rounds of 20 collections
 * must have no pause of 20 ms. ---- */
X(stw_handed_p_not_waited, 0, "", NATIVE, "GORT_MAXPROCS=4 GORT_DEBUG=mwakedelay=40000")

/* ---- large objects are scanned an oblet (128 KB) at a time, and a
 * drain asked to yield stops within one (issue 12, pauses;
 * tests/native/test-gccore.c) ---- */
X(gc_large_object_oblets, 0, "", ALL, "GORT_GC=concurrent")

/* ---- on one P, collections back to back leave the other goroutines
 * their turns (issue 12; tests/native/test-gccycle.c) ---- */
X(gc_back_to_back_fair_one_p, 0, "", ALL, "GORT_MAXPROCS=1")

/* ---- the live scheduler sample (issue 13; tests/native/test-sample.c):
 * sysmon publishes every 1 ms here; the torn-copy case is the writer
 * itself, with sysmon's sampling off. ---- */
X(sample_busy_run, 0, "", ALL, "GORT_DEBUG=schedsample=1")
X(sample_handoff, 0, "", ALL, "GORT_DEBUG=schedsample=1")
X(sample_off, 0, "", ALL, "GORT_DEBUG=schedsample=0")
X(sample_seqlock_torn, 0, "", NATIVE, "GORT_DEBUG=schedsample=0")
X(sample_switches_carry, 0, "", ALL, "GORT_DEBUG=schedsample=0")
X(sample_switches_reader_waits, 0, "", NATIVE, "GORT_DEBUG=schedsample=0")

/* ---- a direct channel copy aimed at its losing window every round (issue
 * 12; tests/native/test-gcstores.c): without recvDirect's or sendDirect's
 * barrier, checkmark dies ("missing write barrier?"). ---- */
X(gcstores_recv_direct_window, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")
X(gcstores_send_direct_window, 0, "", ALL, "GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 GORT_STACK_SIZE=64K")

/* ---- the heap during concurrent marks stays near the goal under a fast
 * allocator (issue 12; tests/native/test-gccycle.c) ---- */
X(gc_mark_heap_near_goal, 0, "", ALL, "GORT_GC=concurrent")

/* ---- the live GC sample and heap map (issue 13;
 * tests/native/test-gcsample.c): sysmon's sampling is off, so the
 * tests' own calls are the only writers. ---- */
X(gc_sample_cycles, 0, "", ALL, "GORT_DEBUG=schedsample=0")
X(heapmap_tiles, 0, "", ALL, "GORT_DEBUG=schedsample=0")
X(gc_sample_seqlock_torn, 0, "", NATIVE, "GORT_DEBUG=schedsample=0")
X(gc_sample_cost, 0, "", ALL, "GORT_DEBUG=schedsample=0")
X(heapmap_mark_progress, 0, "", ALL, "GORT_DEBUG=schedsample=0 GORT_MAXPROCS=2")

/* ---- GORT_DEBUG=stackdepth=1 measures how deep goroutines go (issue
 * 15, sizing wasm stacks; tests/native/test-stackdepth.c) ---- */
X(stack_depth_measured, 0, "", ALL, "GORT_DEBUG=stackdepth=1")
X(stack_depth_off, 0, "", ALL, "")

/* ---- a goroutine resumes on another thread (on wasm: another worker)
 * with its locals and the new thread's thread-locals (issue 15;
 * tests/native/test-sched.c) ---- */
X(sched_goroutine_migrates, 0, "", ALL, "GORT_MAXPROCS=2")

/* ---- what a parked goroutine keeps beside its stack: nothing natively,
 * its right-sized Asyncify data on wasm (issue 15;
 * tests/native/test-gcroots.c) ---- */
X(gcroots_parked_saved_state, 0, "", ALL, "")

/* ---- removing a root range during a mark shades what it held (issue 12;
 * tests/native/test-gcrootremove.c): without gort__gc_root_remove's
 * shade, a round that takes the object white finds it freed. ---- */
X(gcroots_removal_shades, 0, "", ALL, "GORT_GC=concurrent GORT_MAXPROCS=2")
X(gctimers_removal_shades, 0, "", ALL, "GORT_GC=concurrent GORT_MAXPROCS=2")

/* ---- an M's own stack (g0) is never unwound on wasm: a round trip
 * through the scheduler is one unwind and one rewind (issue 15;
 * tests/native/test-gcroots.c) ---- */
X(sched_thread_context_never_saved, 0, "", ALL, "GORT_MAXPROCS=2")

/* ---- the wasm build's Asyncify remove list is checked: a listed function
 * a switch unwinds through traps in gort_tests' asserts build (issue 15;
 * tests/native/test-asyncify.c). WASM: natively the sort just works. ---- */
X(asyncify_list_qsort_parks, 134, "which wasm/asyncify-remove.txt (sift) leaves uninstrumented", WASM, "")

/* ---- lazy wake (issue 15; tests/native/test-gmp.c): a ready that skipped
 * its wake, then a readier that keeps running without a safe point: sysmon
 * wakes an M for the readied G; and the same with Go's eager wake. ---- */
X(gmp_lazy_wake_readier_keeps_running, 0, "", ALL, "GORT_DEBUG=asyncpreemptoff=1,lazywake=1 GORT_MAXPROCS=2")
X(gmp_eager_wake_readier_keeps_running, 0, "", ALL, "GORT_DEBUG=asyncpreemptoff=1,lazywake=0 GORT_MAXPROCS=2")

/* ---- parks with little stack left (issue 15; tests/native/test-sched.c):
 * on wasm the switch then works on the thread's stack, not the leaving
 * goroutine's (work_on_from); no false overflow, no frame changed ---- */
X(sched_park_near_stack_end, 0, "", ALL, "GORT_MAXPROCS=2")
X(sched_park_saved_outgrows_stack, 0, "", ALL, "GORT_MAXPROCS=2")
