/*
 * traceback.c - the goroutine dump.
 *
 * C frames cannot be walked portably, so each goroutine is shown as Go's
 * header line ("goroutine 7 [chan receive]:") followed by its entry
 * function's address and the M running it. The running goroutine comes
 * first, as in Go; the runtime's system goroutines are not shown.
 *
 * Invariants: runs while dying, maybe in a signal handler: no allocation,
 * no locks (allgs is read racily, as Go's dump does under "dying").
 */
#include "atomic/atomic.h"

#include "debug/print.h"
#include "debug/traceback.h"
#include "sched/runtime2.h"

static const char *status_text(const struct g *gp) {
  switch (gort__readgstatus((struct g *)gp)) {
  case G_RUNNABLE:
    return "runnable";
  case G_RUNNING:
    return "running";
  case G_SYSCALL:
    return "syscall";
  case G_WAITING:
    return gp->waitreason < WAIT_COUNT && gp->waitreason != WAIT_NONE
               ? gort__waitreason_names[gp->waitreason]
               : "waiting";
  default:
    return NULL;
  }
}

static void print_g(const struct g *gp) {
  const char *st = status_text(gp);
  if (st == NULL)
    return;
  gort__print_str("\ngoroutine ");
  gort__print_int(gp->goid);
  gort__print_str(" [");
  gort__print_str(st);
  gort__print_str("]:\n\t");
  gort__print_str(gp->is_main ? "main goroutine, " : "");
  gort__print_str("entry ");
  gort__print_hex((uintptr_t)gp->fn);
  struct m *mp = gort__atomic_load_relaxed(&gp->m);
  if (mp) {
    gort__print_str(" on m");
    gort__print_int(mp->id);
    struct p *pp = gort__atomic_load_relaxed(&mp->p);
    if (pp) {
      gort__print_str(" p");
      gort__print_int(pp->id);
    }
  }
  gort__print_str("\n");
}

void gort__traceback_all(void) {
  struct m *mp = gort__getm();
  struct g *cur = mp ? gort__loadcurg(mp) : NULL;
  if (cur)
    print_g(cur);
  size_t n = gort__allglen;
  for (size_t i = 0; i < n; i++) {
    struct g *gp = gort__allgs[i];
    /* The runtime's own goroutines (collector, sweeper, finalizers) are
     * left out unless dying in one, as Go's dump leaves out its system
     * goroutines. */
    if (gp != cur && !gp->is_system)
      print_g(gp);
  }
}
