/*
 * mgcscavenge.h - giving idle heap memory back to the OS (mgcscavenge.c;
 * Go's mgcscavenge.go): the background scavenger and gort_free_os_memory
 * (gort.h, Go's debug.FreeOSMemory).
 *
 * The scavenger keeps the heap's retained memory (bytes mapped minus
 * bytes released: HeapSys - HeapReleased) at or below
 *
 *   goal = min(heap goal * (1 + 10%),        Go's retainExtraPercent
 *              memory limit * (1 - 5%))      Go's reduceExtraPercent
 *
 * releasing free pages from the highest addresses down, 64 KiB at a time,
 * at about 1% of one CPU (Go's scavengePercent).
 *
 * Invariants: at most one scavenger goroutine; it never holds a timer
 * while it has nothing to do (a pending timer would keep checkdead from
 * reporting a deadlock), so between cycles it is parked until woken.
 * Locking: see mgcscavenge.c.
 */
#ifndef GORT_MEM_MGCSCAVENGE_H
#define GORT_MEM_MGCSCAVENGE_H

#include <stdint.h>

/* Called when a cycle's sweep is done (mgcsweep.c), from a goroutine,
 * with the world running: the goal moved at the mark's end and the
 * garbage's pages are free. Starts the scavenger on first use. Never
 * blocks; takes no lock but scav.lock (a leaf) and the scheduler's. */
void gort__scavenger_wake(void);

/* The retained-memory goal above (UINT64_MAX: none, with GOGC off and no
 * memory limit). */
uint64_t gort__scavenge_goal(void);

#endif
