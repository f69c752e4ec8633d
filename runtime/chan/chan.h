/*
 * chan.h - the channel's inside (Go's hchan and waitq, chan.go), shared by
 * chan.c and select.c.
 *
 * Invariants (chan.go's):
 *   - At least one of recvq and sendq is empty, except that one select
 *     may wait on both ends of the same channel.
 *   - Buffered: qcount > 0 implies recvq is empty; qcount < dataqsiz
 *     implies sendq is empty.
 *   - closed never goes back to false.
 *
 * Locking: lock guards every field and the sudogs queued on the channel.
 * As in Go, a partner is readied only after the lock is released (the
 * transfer functions below leave that to their callers).
 */
#ifndef GORT_CHAN_CHAN_H
#define GORT_CHAN_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mem/mgc.h"
#include "../sched/runtime2.h"

struct waitq {
  struct sudog *first, *last;
};

struct hchan {
  struct mutex lock;
  bool closed;
  uint32_t elemsize;
  size_t dataqsiz; /* capacity */
  size_t qcount;   /* items in buf */
  size_t sendx, recvx;
  struct waitq recvq, sendq;
  unsigned char *buf; /* dataqsiz * elemsize bytes, after the struct */
  /* The buffer as a collector root, when its elements can hold a pointer
   * (buffered, at least pointer-sized). */
  struct gc_root root;
};

void gort__waitq_enqueue(struct waitq *q, struct sudog *sg);
/* Takes the first sudog that can still be used: for a select, only if its
 * G has not been claimed by another case (selectdone). */
struct sudog *gort__waitq_dequeue(struct waitq *q);
void gort__waitq_remove(struct waitq *q, struct sudog *sg);

/* chan.go's send and recv, with c->lock held: complete the transfer
 * with the waiting partner sg and mark it successful. The caller unlocks,
 * then readies sg->g. */
void gort__chan_send_locked(struct hchan *c, struct sudog *sg,
                            const void *elem);
void gort__chan_recv_locked(struct hchan *c, struct sudog *sg, void *elem);
/* Append to / take from the buffer (room / an item must be there); a
 * taken slot is zeroed, elem may be NULL to drop the value. */
void gort__chan_buf_put_locked(struct hchan *c, const void *elem);
void gort__chan_buf_take_locked(struct hchan *c, void *elem);


#endif
