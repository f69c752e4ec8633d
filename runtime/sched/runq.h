/*
 * runq.h - run queues and free-G lists; see runq.c for the invariants.
 * Functions ending in _locked need sched.lock held.
 */
#ifndef GORT_SCHED_RUNQ_H
#define GORT_SCHED_RUNQ_H

#include <stdbool.h>

#include "sched/runtime2.h"

void gort__runqput(struct p *pp, struct g *gp, bool next);
/* Put gp at the head of pp's ring, to run before everything queued there
 * (owner only); false if the ring is full. */
bool gort__runqputhead(struct p *pp, struct g *gp);
struct g *gort__runqget(struct p *pp, bool *inherit_time);
/* The slice ended: runnext loses its place ahead of the ring (to its
 * tail), so Gs waiting in the ring run before a pair that keeps readying
 * each other. */
void gort__runqnext_to_tail(struct p *pp);
bool gort__runqempty(struct p *pp);
uint32_t gort__runqlen(struct p *pp);

void gort__globrunqput_locked(struct g *gp);
void gort__globrunqputhead_locked(struct g *gp);
/* Take a G (and up to max-1 more into pp's ring; max 0 = no limit). */
struct g *gort__globrunqget_locked(struct p *pp, int max);

/* Steal about half of victim's Gs into pp's ring; returns one to run. */
struct g *gort__runqsteal(struct p *pp, struct p *victim, bool steal_runnext);

/* GORT_DEBUG_LEVEL 3: with the world stopped, every queued G (each P's
 * ring and runnext, the global queue) is runnable and the global queue's
 * size and tail match its list; dies otherwise. Nothing at lower levels. */
void gort__runq_verify(void);

void gort__gfput(struct p *pp, struct g *gp);
void gort__gfpurge_locked(struct p *pp);
struct g *gort__gfget(struct p *pp);

#endif
