/*
 * chan.c - channels (Go's chan.go): make, send, receive, close, len, cap.
 *
 * A send that finds a receiver waiting copies the value straight into the
 * receiver's variable (its sudog's elem) and readies it: no buffer round
 * trip. A receive that finds a sender waiting on a full buffered channel
 * takes the oldest buffered value and moves the sender's value into the
 * freed slot, so FIFO order holds. Waiters queue FIFO (waitq). A G blocks
 * by putting a sudog that lives in its own stack frame on the queue and
 * parking with the channel lock released on the scheduler stack (gopark's
 * unlockf), so no wake-up can slip between the check and the park.
 *
 * Closing wakes every waiter: receivers get the zero value and ok=false,
 * senders panic "send on closed channel". A nil channel (NULL) blocks
 * forever on send and receive, which checkdead counts as any other block.
 *
 * Misuse (issue 10): a size out of range panics as Go's makechan does; a
 * freed or foreign handle dies with a fatal error naming it (debug/
 * handle.h); a NULL elem to send where the elements have a size is Go's
 * nil dereference; a send or receive that would park or ready a goroutine,
 * and close, die when called outside a goroutine (the buffered fast path
 * is not checked: it needs no M). The _sized calls also compare the
 * caller's element size with the channel's: a mismatch panics
 * (gort__chan_check_size), as C cannot see a channel's type.
 *
 * Memory: a channel made with GC handles on is a GC object (chan.h,
 * debug/handle.h); gort_chan_free then checks and marks it freed as for
 * a calloc'd one and leaves the memory to the collector.
 *
 * The write barrier (chan.h, ptrelems): every element copy and clear goes
 * through elem_copy / gort__chan_elem_clear, never a bare memcpy: into the
 * buffer (Go's typedmemmove in chansend), out of it and clearing the slot
 * (typedmemmove then typedmemclr in chanrecv: the clear also keeps a stale
 * copy from holding its object), straight between two goroutines' frames
 * (sendDirect, recvDirect: the concurrent mark may already have scanned
 * the receiver's stack, not yet the sender's), and the zero value a
 * closed channel gives (typedmemclr).
 *
 * Invariants: see chan.h. Locking: c->lock for everything; the partner is
 * readied after the unlock.
 */
#include "atomic/atomic.h"
#include <stdlib.h>
#include <string.h>

#include "chan/chan.h"
#include "debug/print.h"
#include "mem/mbarrier.h"
#include "sched/mp.h"
#include "sched/park.h"

enum { MAX_ELEM_SIZE = 1 << 16 }; /* Go's limit */

/* Go's maxAlloc (malloc.go): 1<<48 bytes on 64-bit targets; a cap above
 * PTRDIFF_MAX is a negative count cast to size_t. */
#define MAX_ALLOC (sizeof(void *) == 8 ? (size_t)1 << 48 : (size_t)PTRDIFF_MAX)

static struct hchan *chanof(gort_chan *ch, const char *call) {
  struct hchan *c = (struct hchan *)ch;
  if (c != NULL)
    gort__handle_check(&c->magic, &gort__hk_chan, call);
  return c;
}

/* ---- wait queues -------------------------------------------------------- */

void gort__waitq_enqueue(struct waitq *q, struct sudog *sg) {
  sg->next = NULL;
  sg->prev = q->last;
  if (q->last)
    q->last->next = sg;
  else
    q->first = sg;
  q->last = sg;
}

void gort__waitq_remove(struct waitq *q, struct sudog *sg) {
  if (sg->prev)
    sg->prev->next = sg->next;
  else if (q->first == sg)
    q->first = sg->next;
  else
    return; /* not queued (already dequeued by a waker) */
  if (sg->next)
    sg->next->prev = sg->prev;
  else
    q->last = sg->prev;
  sg->next = sg->prev = NULL;
}

struct sudog *gort__waitq_dequeue(struct waitq *q) {
  for (;;) {
    struct sudog *sg = q->first;
    if (sg == NULL)
      return NULL;
    q->first = sg->next;
    if (q->first)
      q->first->prev = NULL;
    else
      q->last = NULL;
    sg->next = sg->prev = NULL;
    /* A select's sudogs sit on several queues; only the first case to
     * claim the G may use it (Go's selectDone). */
    uint32_t zero = 0;
    if (sg->isselect &&
        !gort__atomic_cas_strong_seq_cst(&sg->g->selectdone, &zero, 1))
      continue;
    return sg;
  }
}

/* ---- make / free -------------------------------------------------------- */

/* A buffer whose elements can hold a pointer keeps what it holds alive
 * (mgc.h): in C memory it is a collector root from make to free; in the
 * GC heap the channel is a scanned object (Go's makechan allocates a
 * pointer-free buffer with its hchan, noscan, and a buffer of pointers
 * apart, scanned; here one object either way). */
static bool may_hold_pointer(size_t elem_size, size_t cap) {
  return cap > 0 && elem_size >= sizeof(void *);
}

gort_chan *gort__chan_make_in(size_t elem_size, size_t cap, bool scan,
                              bool gc) {
  /* Go's makechan: these are "make(chan T, n)" with a bad T or n. */
  if (elem_size >= MAX_ELEM_SIZE)
    gort__fatal("makechan: invalid channel element type");
  if (cap > PTRDIFF_MAX ||
      (elem_size > 0 && cap > (MAX_ALLOC - sizeof(struct hchan)) / elem_size))
    gort__panic("makechan: size out of range");
  size_t bufsize = elem_size * cap;
  bool pointers = scan && may_hold_pointer(elem_size, cap);
  struct hchan *c = gort__handle_alloc(sizeof *c + bufsize, !pointers, gc);
  if (c == NULL)
    return NULL;
  gort__lock_init(&c->lock, LOCK_RANK_HCHAN);
  c->elemsize = (uint32_t)elem_size;
  c->dataqsiz = cap;
  c->buf = (unsigned char *)(c + 1);
  c->gcheap = gc;
  c->ptrelems = scan && elem_size >= sizeof(void *);
  atomic_init(&c->magic, gort__hk_chan.live);
  c->scanned = pointers && !gc;
  if (c->scanned)
    gort__gc_root_add(&c->root, c->buf, c->buf + bufsize);
  return (gort_chan *)c;
}

gort_chan *gort_chan_make(size_t elem_size, size_t cap) {
  return gort__chan_make_in(elem_size, cap, true, gort__handle_want_gc());
}

static void chan_free(struct hchan *c, const char *call) {
  gort__lock(&c->lock);
  bool busy = c->recvq.first || c->sendq.first;
  gort__unlock(&c->lock);
  if (busy)
    gort__panic("gort_chan_free: goroutines are still waiting on the channel");
  gort__handle_kill(&c->magic, &gort__hk_chan, call);
  if (c->scanned)
    gort__gc_root_remove(&c->root);
  gort__handle_dispose(c, c->gcheap);
}

void gort_chan_free(gort_chan *ch) {
  struct hchan *c = (struct hchan *)ch;
  if (c == NULL)
    return;
  /* A freed channel reads as freed, not as owned (its owned flag is
   * whatever it was): check the magic first. */
  gort__handle_check_free(&c->magic, &gort__hk_chan, "gort_chan_free");
  if (c->owned)
    gort__fatal("gort: gort_chan_free of a channel the runtime owns (a "
                "timer's channel or a context's Done)");
  chan_free(c, "gort_chan_free");
}

void gort__chan_set_owned(gort_chan *ch, bool owned) {
  ((struct hchan *)ch)->owned = owned;
}

void gort__chan_free_owned(gort_chan *ch) {
  if (ch != NULL)
    chan_free((struct hchan *)ch, "gort_chan_free (runtime-owned)");
}

size_t gort_chan_len(gort_chan *ch) {
  struct hchan *c = chanof(ch, "gort_chan_len");
  if (c == NULL)
    return 0;
  gort__lock(&c->lock);
  size_t n = c->qcount;
  gort__unlock(&c->lock);
  return n;
}

size_t gort_chan_cap(gort_chan *ch) {
  struct hchan *c = chanof(ch, "gort_chan_cap");
  return c ? c->dataqsiz : 0;
}

/* ---- transfers (c->lock held) ------------------------------------------- */

static unsigned char *slot(struct hchan *c, size_t i) {
  return c->buf + i * c->elemsize;
}

/* One element from src to dst (chan.h, ptrelems: the barrier). An element
 * of one 64-bit word, the commonest (an int64, a pointer on 64 bits), is
 * moved inline: natively the call of memcpy, through the PLT, cost more
 * than the move (chan_buffered). */
static void elem_copy(struct hchan *c, void *dst, const void *src) {
  if (c->ptrelems && gort__wb_on())
    gort__wb_copy_slow(dst, src, c->elemsize);
  else if (c->elemsize == sizeof(uint64_t))
    memcpy(dst, src, sizeof(uint64_t));
  else
    memcpy(dst, src, c->elemsize);
}

void gort__chan_elem_clear(struct hchan *c, void *elem) {
  if (elem == NULL || c->elemsize == 0)
    return;
  if (c->ptrelems && gort__wb_on())
    gort__wb_clear_slow(elem, c->elemsize);
  else if (c->elemsize == sizeof(uint64_t))
    memset(elem, 0, sizeof(uint64_t));
  else
    memset(elem, 0, c->elemsize);
}

void gort__chan_buf_put_locked(struct hchan *c, const void *elem) {
  GORT_ASSERT_LOCKED(&c->lock);
  if (c->elemsize)
    elem_copy(c, slot(c, c->sendx), elem);
  if (++c->sendx == c->dataqsiz)
    c->sendx = 0;
  c->qcount++;
}

void gort__chan_buf_take_locked(struct hchan *c, void *elem) {
  GORT_ASSERT_LOCKED(&c->lock);
  unsigned char *p = slot(c, c->recvx);
  if (elem && c->elemsize)
    elem_copy(c, elem, p);
  gort__chan_elem_clear(c, p);
  if (++c->recvx == c->dataqsiz)
    c->recvx = 0;
  c->qcount--;
}

void gort__chan_send_locked(struct hchan *c, struct sudog *sg,
                            const void *elem) {
  GORT_ASSERT_LOCKED(&c->lock);
  /* sg is a waiting receiver; the buffer is empty (else it would not
   * wait), so the value goes straight to it. */
  if (sg->elem && c->elemsize)
    elem_copy(c, sg->elem, elem); /* Go's sendDirect */
  sg->success = true;
  sg->g->param = sg;
}

void gort__chan_recv_locked(struct hchan *c, struct sudog *sg, void *elem) {
  GORT_ASSERT_LOCKED(&c->lock);
  if (c->dataqsiz == 0) {
    /* Unbuffered: straight from the sender. */
    if (elem && c->elemsize)
      elem_copy(c, elem, sg->elem); /* Go's recvDirect */
  } else {
    /* Full buffer: take the head, put the sender's value at the tail
     * (which is the same slot, as the buffer is full). */
    unsigned char *p = slot(c, c->recvx);
    if (elem && c->elemsize)
      elem_copy(c, elem, p);
    if (c->elemsize)
      elem_copy(c, p, sg->elem);
    if (++c->recvx == c->dataqsiz)
      c->recvx = 0;
    c->sendx = c->recvx;
  }
  sg->success = true;
  sg->g->param = sg;
}

/* ---- send / receive ----------------------------------------------------- */

/* Readying a partner needs an M (a goroutine's, or g0 for a timer):
 * checked only there and where we park, not on the buffered fast path. */
static void need_m(const char *call) {
  if (gort__getm() == NULL)
    gort__must_getg(call); /* dies: "<call> called outside a goroutine" */
}

static _Noreturn void block_forever(uint32_t reason) {
  gort__gopark(NULL, NULL, reason);
  gort__throw("runtime: a goroutine blocked forever was woken");
}

/* What a send or receive finds under the channel's lock. */
enum chan_outcome {
  CHAN_DONE,      /* sent or received; the lock is released */
  CHAN_NOT_READY, /* non-blocking and nobody ready; the lock is released */
  CHAN_MUST_PARK, /* blocking and nobody ready; the lock is still held */
};

/* Everything of a send but the park, out of line. On wasm every function
 * that may reach a goroutine switch carries Asyncify's instrumentation
 * even when it does not switch (docs/WASM-NOTES.md): kept apart, the
 * common path (a waiting receiver, room in the buffer) is not
 * instrumented, and only chansend's few lines around the park are. */
static __attribute__((noinline)) enum chan_outcome
send_nowait(struct hchan *c, const void *elem, bool block, const char *call) {
  gort__lock(&c->lock);
  if (c->closed) {
    gort__unlock(&c->lock);
    gort__panic("send on closed channel");
  }
  struct sudog *sg = gort__waitq_dequeue(&c->recvq);
  if (sg) {
    gort__chan_send_locked(c, sg, elem);
    gort__unlock(&c->lock);
    need_m(call); /* goready runs on an M (g0 is fine: timers send) */
    gort__goready(sg->g);
    return CHAN_DONE;
  }
  if (c->qcount < c->dataqsiz) {
    gort__chan_buf_put_locked(c, elem);
    gort__unlock(&c->lock);
    return CHAN_DONE;
  }
  if (!block) {
    gort__unlock(&c->lock);
    return CHAN_NOT_READY;
  }
  return CHAN_MUST_PARK;
}

/* chansend: Go's chansend. Returns whether the value was sent (always true
 * when block). Inlined into each public call: on wasm one frame less to
 * unwind and rewind when it parks. */
static inline __attribute__((always_inline)) bool
chansend(struct hchan *c, const void *elem, bool block, const char *call) {
  if (c == NULL) {
    if (!block)
      return false;
    gort__must_getg(call);
    block_forever(WAIT_CHAN_SEND_NIL);
  }
  enum chan_outcome r = send_nowait(c, elem, block, call);
  if (r != CHAN_MUST_PARK)
    return r == CHAN_DONE;
  struct g *gp = gort__must_getg(call);
  struct sudog mysg = {.g = gp, .elem = (void *)elem, .c = c};
  gp->param = NULL;
  gp->waiting_on = c;
  gort__waitq_enqueue(&c->sendq, &mysg);
  gort__gopark_from(gp, gort__parkunlock, &c->lock, WAIT_CHAN_SEND);
  /* Woken by a receiver (success) or by close. */
  if (!mysg.success)
    gort__panic("send on closed channel");
  return true;
}

/* Everything of a receive but the park, out of line (see send_nowait). */
static __attribute__((noinline)) enum chan_outcome
recv_nowait(struct hchan *c, void *elem, bool block, bool *ok,
            const char *call) {
  gort__lock(&c->lock);
  if (c->closed && c->qcount == 0) {
    gort__unlock(&c->lock);
    gort__chan_elem_clear(c, elem);
    *ok = false;
    return CHAN_DONE;
  }
  struct sudog *sg = gort__waitq_dequeue(&c->sendq);
  if (sg) {
    gort__chan_recv_locked(c, sg, elem);
    gort__unlock(&c->lock);
    need_m(call);
    gort__goready(sg->g);
    *ok = true;
    return CHAN_DONE;
  }
  if (c->qcount > 0) {
    gort__chan_buf_take_locked(c, elem);
    gort__unlock(&c->lock);
    *ok = true;
    return CHAN_DONE;
  }
  if (!block) {
    gort__unlock(&c->lock);
    return CHAN_NOT_READY;
  }
  return CHAN_MUST_PARK;
}

/* chanrecv: Go's chanrecv. Returns whether a receive happened (always true
 * when block); *ok says whether it was a sent value (false: closed).
 * Inlined as chansend is. */
static inline __attribute__((always_inline)) bool
chanrecv(struct hchan *c, void *elem, bool block, bool *ok, const char *call) {
  if (c == NULL) {
    if (!block)
      return false;
    gort__must_getg(call);
    block_forever(WAIT_CHAN_RECEIVE_NIL);
  }
  enum chan_outcome r = recv_nowait(c, elem, block, ok, call);
  if (r != CHAN_MUST_PARK)
    return r == CHAN_DONE;
  struct g *gp = gort__must_getg(call);
  struct sudog mysg = {.g = gp, .elem = elem, .c = c};
  gp->param = NULL;
  gp->waiting_on = c;
  gort__waitq_enqueue(&c->recvq, &mysg);
  gort__gopark_from(gp, gort__parkunlock, &c->lock, WAIT_CHAN_RECEIVE);
  *ok = mysg.success;
  return true;
}

/* A timer's channel and a context's Done are receive-only in Go (<-chan):
 * sending on one or closing it does not compile there. */
void gort__chan_check_send(struct hchan *c, const void *elem,
                           const char *call) {
  if (c == NULL)
    return;
  if (elem == NULL && c->elemsize != 0)
    gort__panic_nil(call, "elem (the value to send)");
  if (c->owned)
    gort__panic("send to receive-only channel (a timer's channel or a "
                "context's Done)");
}

/* v in decimal into buf (24 bytes hold any size_t), for a message. */
static const char *decimal(char buf[24], size_t v) {
  char *p = buf + 23;
  *p = '\0';
  do
    *--p = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  return p;
}

/* gort__chan_check_size's panic (chan.h). */
_Noreturn void gort__chan_size_mismatch(size_t value_size, size_t elem_size,
                                        const char *call) {
  char buf[160], num[24];
  size_t n = 0;
  gort__msg_cat(buf, sizeof buf, &n, call);
  gort__msg_cat(buf, sizeof buf, &n, ": element size mismatch: ");
  gort__msg_cat(buf, sizeof buf, &n, decimal(num, value_size));
  gort__msg_cat(buf, sizeof buf, &n, "-byte value, channel of ");
  gort__msg_cat(buf, sizeof buf, &n, decimal(num, elem_size));
  gort__msg_cat(buf, sizeof buf, &n, "-byte elements");
  gort__panic(buf);
}

void gort_chan_send(gort_chan *ch, const void *elem) {
  struct hchan *c = chanof(ch, "gort_chan_send");
  gort__chan_check_send(c, elem, "gort_chan_send");
  chansend(c, elem, true, "gort_chan_send");
}

bool gort_chan_recv(gort_chan *ch, void *elem) {
  bool ok;
  chanrecv(chanof(ch, "gort_chan_recv"), elem, true, &ok, "gort_chan_recv");
  return ok;
}

bool gort_chan_try_send(gort_chan *ch, const void *elem) {
  struct hchan *c = chanof(ch, "gort_chan_try_send");
  gort__chan_check_send(c, elem, "gort_chan_try_send");
  return chansend(c, elem, false, "gort_chan_try_send");
}

bool gort__chan_try_send(gort_chan *ch, const void *elem) {
  struct hchan *c = (struct hchan *)ch;
  gort__handle_check(&c->magic, &gort__hk_chan,
                     "a timer firing (its channel was freed)");
  return chansend(c, elem, false, "a timer firing");
}

bool gort_chan_try_recv(gort_chan *ch, void *elem, bool *ok) {
  bool okv = false;
  bool got = chanrecv(chanof(ch, "gort_chan_try_recv"), elem, false, &okv,
                      "gort_chan_try_recv");
  if (ok)
    *ok = got && okv;
  return got;
}

void gort_chan_send_sized(gort_chan *ch, const void *elem, size_t elem_size) {
  struct hchan *c = chanof(ch, "gort_chan_send");
  gort__chan_check_size(c, elem, elem_size, "gort_chan_send");
  gort__chan_check_send(c, elem, "gort_chan_send");
  chansend(c, elem, true, "gort_chan_send");
}

bool gort_chan_recv_sized(gort_chan *ch, void *elem, size_t elem_size) {
  struct hchan *c = chanof(ch, "gort_chan_recv");
  gort__chan_check_size(c, elem, elem_size, "gort_chan_recv");
  bool ok;
  chanrecv(c, elem, true, &ok, "gort_chan_recv");
  return ok;
}

bool gort_chan_try_send_sized(gort_chan *ch, const void *elem,
                              size_t elem_size) {
  struct hchan *c = chanof(ch, "gort_chan_try_send");
  gort__chan_check_size(c, elem, elem_size, "gort_chan_try_send");
  gort__chan_check_send(c, elem, "gort_chan_try_send");
  return chansend(c, elem, false, "gort_chan_try_send");
}

bool gort_chan_try_recv_sized(gort_chan *ch, void *elem, size_t elem_size,
                              bool *ok) {
  struct hchan *c = chanof(ch, "gort_chan_try_recv");
  gort__chan_check_size(c, elem, elem_size, "gort_chan_try_recv");
  bool okv = false;
  bool got = chanrecv(c, elem, false, &okv, "gort_chan_try_recv");
  if (ok)
    *ok = got && okv;
  return got;
}

/* ---- close -------------------------------------------------------------- */

static void closechan(struct hchan *c);

void gort_chan_close(gort_chan *ch) {
  gort__must_getg("gort_chan_close");
  struct hchan *c = chanof(ch, "gort_chan_close");
  if (c == NULL)
    gort__panic("close of nil channel");
  if (c->owned)
    gort__panic("close of receive-only channel (a timer's channel or a "
                "context's Done)");
  closechan(c);
}

void gort__chan_close_owned(gort_chan *c) { closechan((struct hchan *)c); }

/* Go's closechan. */
static void closechan(struct hchan *c) {
  gort__lock(&c->lock);
  if (c->closed) {
    gort__unlock(&c->lock);
    gort__panic("close of closed channel");
  }
  c->closed = true;
  struct g *list = NULL;
  struct sudog *sg;
  while ((sg = gort__waitq_dequeue(&c->recvq)) != NULL) {
    gort__chan_elem_clear(c, sg->elem);
    sg->success = false;
    sg->g->param = sg;
    sg->g->schedlink = list;
    list = sg->g;
  }
  while ((sg = gort__waitq_dequeue(&c->sendq)) != NULL) {
    sg->elem = NULL;
    sg->success = false;
    sg->g->param = sg;
    sg->g->schedlink = list;
    list = sg->g;
  }
  gort__unlock(&c->lock);
  while (list) {
    struct g *gp = list;
    list = gp->schedlink;
    gp->schedlink = NULL;
    gort__goready(gp);
  }
}
