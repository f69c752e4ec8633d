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
 *   - magic is gort__hk_chan's live value from make until free
 *     (debug/handle.h); owned channels (a timer's, a context's Done) are
 *     freed only by their owner, never by gort_chan_free.
 *   - gcheap: hchan and buffer are one GC object (debug/handle.h), scanned
 *     iff its elements can hold a pointer, and never a registered root
 *     (scanned is false); else one calloc'd block.
 *   - ptrelems: an element can hold a pointer (at least pointer-sized,
 *     not made noscan). Then every copy of an element into memory the
 *     collector scans (a buffer slot, a receiver's variable, which may be
 *     a scanned stack or a GC object) goes through the write barrier
 *     (mem/mbarrier.h): while it is on, copies with gort__wb_copy_slow
 *     and clears with gort__wb_clear_slow, as Go's chan.go does with
 *     typedmemmove and typedmemclr into the buffer and
 *     typeBitsBulkBarrier in sendDirect and recvDirect (a stack already
 *     scanned gets a value from one not yet scanned, or the other way
 *     round). Elements are untyped bytes: the barrier shades every
 *     aligned word, as the collector scans them.
 *
 * Locking: lock guards every field and the sudogs queued on the channel,
 * except magic (atomic) and elemsize, dataqsiz, owned, scanned,
 * gcheap, ptrelems (immutable).
 * As in Go, a partner is readied only after the lock is released (the
 * transfer functions below leave that to their callers).
 */
#ifndef GORT_CHAN_CHAN_H
#define GORT_CHAN_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug/handle.h"
#include "mem/mgc.h"
#include "sched/runtime2.h"

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
  _Atomic uint32_t magic; /* (atomic) past the words malloc's free writes */
  bool owned;             /* the runtime's: gort_chan_free refuses it */
  struct waitq recvq, sendq;
  unsigned char *buf; /* dataqsiz * elemsize bytes, after the struct */
  /* The buffer as a collector root (mgc.h), when its elements can hold a
   * pointer (buffered, at least pointer-sized, not made noscan). */
  bool scanned;
  struct gc_root root;
  bool gcheap;   /* a GC object (see Invariants) */
  bool ptrelems; /* elements may hold a pointer: copies use the barrier */
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
/* Zero a receiver's variable (a receive on a closed channel), through
 * the barrier when the elements may hold pointers. */
void gort__chan_elem_clear(struct hchan *c, void *elem);

/* gort_chan_make for the runtime's own channels: scan false when the
 * elements never hold a pointer (a timer's times: the buffer is neither
 * a root nor scanned); gc: in the GC heap (as its owner is: a timer's or
 * a context's channel is of its owner's kind) or calloc'd. */
gort_chan *gort__chan_make_in(size_t elem_size, size_t cap, bool scan, bool gc);
/* For the runtime's own channels: mark c as the runtime's (receive-only
 * to the API: gort_chan_free, close and send refuse it), free it, close
 * it, and send without a goroutine (a timer's f runs on
 * g0): a non-blocking send that readies the receiver on the current P. */
void gort__chan_set_owned(gort_chan *c, bool owned);
void gort__chan_free_owned(gort_chan *c);
void gort__chan_close_owned(gort_chan *c);
bool gort__chan_try_send(gort_chan *c, const void *elem);
/* The API's checks of a send: a value where elements have a size, and a
 * channel that is not receive-only (the runtime's). */
void gort__chan_check_send(struct hchan *c, const void *elem, const char *call);
/* The _sized calls' and select's check: elem_size (of the caller's value
 * at elem) must be the channel's element size, unless c or elem is NULL;
 * a mismatch panics naming call. Inline: in the common case one load of a
 * word next to the lock the operation takes anyway, and one compare. */
_Noreturn void gort__chan_size_mismatch(size_t value_size, size_t elem_size,
                                        const char *call);
static inline void gort__chan_check_size(struct hchan *c, const void *elem,
                                         size_t elem_size, const char *call) {
  if (c != NULL && elem_size != c->elemsize && elem != NULL)
    gort__chan_size_mismatch(elem_size, c->elemsize, call);
}

#endif
