/*
 * mp.h - Ms and Ps (mp.c) and the scheduler's entry points for the rest of
 * the runtime: stop-the-world, mcall, the runtime's own goroutines,
 * spinning for sync (spin.c), sysmon and preemption. Functions ending in
 * _locked need sched.lock.
 */
#ifndef GORT_SCHED_MP_H
#define GORT_SCHED_MP_H

#include "sched/runtime2.h"

/* mp.c */
void gort__pidleput_locked(struct p *pp);
struct p *gort__pidleget_locked(void);
void gort__acquirep(struct m *mp, struct p *pp);
struct p *gort__releasep(struct m *mp);
void gort__mcommoninit_locked(struct m *mp);
void gort__newm_sys(void (*fn)(struct m *));
void gort__stopm(struct m *mp);
void gort__timedstopm(struct m *mp, int64_t until);
void gort__mremove_locked(struct m *mp);
void gort__startm(struct p *pp, bool spinning);
/* Give pp to mp (parked, or a thread being made); its wake-up follows. */
void gort__hand_p(struct m *mp, struct p *pp);
void gort__handoffp(struct p *pp);
void gort__gcstopm(struct m *mp);
void gort__stop_the_world(void);
void gort__start_the_world(int32_t nprocs);
/* One stop-the-world at a time (Go's worldsema): a goroutine lock taken
 * around stop ... start by every user (GOMAXPROCS changes, the GC). */
void gort__world_lock(void);
void gort__world_unlock(void);
void gort__procinit(struct m *m0, int32_t nprocs);

/* proc.c */
void gort__settls(struct m *mp);
void gort__mstart_context(struct m *mp, void (*fn)(void *), void *arg);
_Noreturn void gort__schedule(struct m *mp);
void gort__checkdead_locked(void);
void gort__mcall(void (*fn)(struct g *));
/* The calling goroutine; dies with "<what> called outside a goroutine"
 * when there is none (on g0, or before gort_main). */
struct g *gort__must_getg(const char *what);
/* Start fn(arg) from the scheduler stack (timer callbacks): 0 or
 * GORT_ENOMEM. */
int gort__newproc_from_g0(gort_func fn, void *arg);
/* A goroutine of the runtime's own (the collector's, the sweeper's, the
 * finalizers'): like gort_go, but not counted by gort_num_goroutine nor
 * for "no goroutines" after main's Goexit (Go's isSystemGoroutine).
 * holds_heap_pointers false: its stack never holds a GC pointer the
 * collector must keep (the collector, the sweepers), so it is not
 * scanned: stale span bases in its frames, which are the addresses of
 * their spans' first objects, would keep those alive. 0 or GORT_ENOMEM. */
int gort__go_system(gort_func fn, void *arg, bool holds_heap_pointers);
/* A cheap per-M random number (steal order, select order). */
uint32_t gort__fastrand(void);
/* Yield: gp (running) goes to the global queue; runs on g0. */
void gort__gosched_m(struct g *gp);
void gort__gopreempt_m(struct g *gp);
/* Make a poller's list of G_WAITING Gs runnable (see proc.c). */
void gort__injectglist(struct g *list);

/* spin.c: the scheduler's services to runtime/sync. can_spin says whether
 * a goroutine that found a lock held may spin (iteration iter, from 0)
 * instead of parking: Go's sync_runtime_canSpin. do_spin spins once
 * (procyield of 30 pauses). goyield gives the P to the G in runnext and
 * queues the caller at the tail of its own P's ring (Go's goyield). */
bool gort__can_spin(int iter);
void gort__do_spin(void);
void gort__goyield(void);

/* sysmon.c / preempt.c */
void gort__sysmon(struct m *mp);
void gort__preemptone(struct p *pp);
/* Ask one running G to yield at its next safe point (the collector wants
 * its stack; the P's time slice is left alone). */
void gort__preempt_g(struct g *gp);
void gort__preempt_init(void);
bool gort__async_preempt_enabled(void);

#endif
