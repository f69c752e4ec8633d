/*
 * gort.h - the public API of gort, Go's runtime as a C library.
 *
 * This is the only public header. Everything here is prefixed gort_ /
 * GORT_; handles are opaque; durations are int64_t nanoseconds.
 *
 * Three kinds of failure (see docs/API.md):
 *   - misuse the caller can handle returns a negative GORT_E* code;
 *   - Go-level panics ("send on closed channel", "sync: negative WaitGroup
 *     counter") print Go's message and a goroutine dump, then exit(2);
 *   - a broken runtime invariant prints "fatal error: runtime: ..." and
 *     exits(2).
 *
 * Threading: every function here except gort_main, gort_version and
 * gort_strerror must be called from a goroutine (inside gort_main).
 *
 * Handles (channels, timers, contexts, errgroups, semaphores, singleflight
 * groups) carry a state word: using one after it was freed, or freeing it
 * twice, is a fatal error naming it ("fatal error: gort: timer freed
 * twice") as long as the runtime still holds its memory; a NULL handle
 * where Go would dereference nil is Go's nil-pointer panic. docs/API.md,
 * "Misuse and bad input: channels, time, ...", lists what is caught.
 */
#ifndef GORT_H
#define GORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(GORT_BUILDING) && defined(__GNUC__)
#define GORT_API __attribute__((visibility("default")))
#else
#define GORT_API
#endif

#define GORT_VERSION "0.1.0"

/* Error codes, every one the API returns: 0 is success, errors are
 * negative. Functions return them as int. The values are ABI and never
 * change: the errno-like ones equal Linux's negated errno (-EINVAL...),
 * the network ones are past errno's range. Besides these, the network
 * calls may return a system call's errno negated (-ECONNREFUSED...).
 * gort_select returns none of them (GORT_SELECT_DEFAULT is not an error).
 * Each comment gives the message gort_strerror returns and Go's
 * counterpart. */
typedef enum gort_err {
  /* "success". Go: a nil error. */
  GORT_OK = 0,
  /* "invalid argument": an argument is out of range. Go: syscall.EINVAL,
   * os.ErrInvalid. */
  GORT_EINVAL = -22,
  /* "out of memory": the runtime could not get memory. Go: a fatal
   * "out of memory" (gort returns it where the caller can cope). */
  GORT_ENOMEM = -12,
  /* "resource temporarily unavailable": no call returns it today (kept
   * for a resource exhausted for now). Go: syscall.EAGAIN. */
  GORT_EAGAIN = -11,
  /* "not supported on this platform": the network on wasm. Go:
   * errors.ErrUnsupported. */
  GORT_ENOTSUP = -95,
  /* "context canceled". Go: context.Canceled. */
  GORT_CTX_CANCELED = -125,
  /* "context deadline exceeded". Go: context.DeadlineExceeded. */
  GORT_CTX_DEADLINE_EXCEEDED = -110,
  /* "use of closed network connection". Go: net.ErrClosed. */
  GORT_ECLOSED = -1001,
  /* "i/o timeout". Go: os.ErrDeadlineExceeded. */
  GORT_ETIMEOUT = -1002
} gort_err;

/* gort_strerror returns a static description of code: one distinct
 * message for each gort_err above, strerror's for another negated errno,
 * "unknown error" for anything else. Callable from any thread. */
GORT_API const char *gort_strerror(int code);
GORT_API const char *gort_version(void);

/* ---- Program and goroutines ------------------------------------------- */

/* The body of a goroutine. */
typedef void (*gort_func)(void *arg);

/* gort_main starts the runtime on the calling thread, runs main_fn(argc,
 * argv) as the main goroutine and, like Go, ends the whole program when it
 * returns: the process exits with main_fn's return value, whatever other
 * goroutines are doing. It never returns. It is gort_main_opts with the
 * options of gort_options_init: the environment's.
 *
 * Environment (read once at start, like GODEBUG, before anything runs; a
 * malformed value is fatal at start with exit status 2):
 *   GORT_STACK_SIZE  usable bytes of each goroutine stack (default 64 KiB
 *                    natively, 3 KiB on wasm, where the main goroutine
 *                    gets 32 KiB); rounded up to pages (to 16 bytes on
 *                    wasm).
 *   GORT_MAXPROCS    number of Ps (default: the CPUs; 1..1024).
 *   GORT_DEBUG       schedtrace=MS, scheddetail=1, asyncpreemptoff=1.
 *                    Fault injection (threads, stacks, arenas): every
 *                    request after the first N fails as if the OS refused
 *                    it: failthreadcreate=N (thread creation),
 *                    failstackalloc=N (goroutine-stack reservations, 16
 *                    stacks each), failarenaalloc=N (heap arenas). See
 *                    docs/API.md, "When the OS says no". In the
 *                    netpoller, 1 call in N of a kind fails (seeded by
 *                    netfaultseed=S): neteagain, neteintr, netshortwrite,
 *                    netemfile, netopenfail, netwaitfail, and
 *                    netinitfail=K (docs/API.md, network fault injection).
 *   GORT_NETPOLL     poll: the poll(2) backend instead of epoll.
 *   GORT_TRACEBACK   crash: a fatal error or panic aborts after its dump
 *                    (Go's GOTRACEBACK=crash: a core file, a fuzzer's
 *                    report).
 *   GORT_GOGC, GORT_MEMLIMIT: see "Memory: pacing and statistics".
 *   GORT_GCHANDLES   1: handles in the GC heap (gort_set_gc_handles).
 *   GORT_GC          concurrent (the default): the collector marks while
 *                    the program runs, and the program follows the write
 *                    barrier's rule ("Memory: the write barrier"); stw:
 *                    the stop-the-world collector, for programs that
 *                    store GC pointers without the barrier.
 */
GORT_API _Noreturn void gort_main(int (*main_fn)(int argc, char **argv),
                                  int argc, char **argv);

/* The settings gort_main reads from the environment, to be passed
 * directly. Fill one with gort_options_init, change what the program
 * wants, and give it to gort_main_opts: the environment, then the
 * program's overrides. A field's range and its meaning are those of its
 * variable above, and a bad value dies at start with that variable's
 * message, wherever it came from. */
typedef struct gort_options {
  int maxprocs;           /* GORT_MAXPROCS: 1..1024 */
  size_t stack_size;      /* GORT_STACK_SIZE: bytes, 16K..1G; wasm 2K..16M */
  int gogc;               /* GORT_GOGC: percent; negative: off */
  int64_t memory_limit;   /* GORT_MEMLIMIT: bytes >= 0; INT64_MAX: none */
  const char *netpoll;    /* GORT_NETPOLL: NULL or "" (the platform's),
                             "poll", or the platform's name ("epoll") */
  const char *debug;      /* GORT_DEBUG: "name=value,..."; NULL: none */
  bool traceback_crash;   /* GORT_TRACEBACK=crash */
  bool gc_handles;        /* GORT_GCHANDLES=1 */
  bool gc_stop_the_world; /* GORT_GC=stw */
  uint32_t initialized;   /* private: set by gort_options_init */
} gort_options;

/* gort_options_init fills *opts from the environment, with the defaults
 * where a variable is unset or empty. A malformed variable is fatal here,
 * with its message (above). The strings point into the environment. */
GORT_API void gort_options_init(gort_options *opts);

/* gort_main_opts is gort_main with the settings of *opts instead of the
 * environment's (NULL: the environment's, as gort_main). The strings are
 * read before it starts the main goroutine. Options not filled by
 * gort_options_init are fatal: "gort_main_opts: options not set up by
 * gort_options_init". */
GORT_API _Noreturn void gort_main_opts(int (*main_fn)(int argc, char **argv),
                                       int argc, char **argv,
                                       const gort_options *opts);

/* gort_exit ends the program at once with the given status, from any
 * goroutine or thread, flushing stdio first (Go's os.Exit). */
GORT_API _Noreturn void gort_exit(int code);

/* gort_go starts fn(arg) in a new goroutine. Returns 0, or GORT_ENOMEM when
 * no memory is left for the goroutine's descriptor. The goroutine's stack is
 * taken when it first runs. */
GORT_API int gort_go(gort_func fn, void *arg);

/* gort_yield lets other goroutines run (Go's runtime.Gosched). */
GORT_API void gort_yield(void);

/* gort_goexit ends the calling goroutine (Go's runtime.Goexit). Called from
 * the main goroutine it waits, as Go does, until the other goroutines are
 * done or deadlock is detected. */
GORT_API _Noreturn void gort_goexit(void);

/* gort_preempt_check is a cheap safe point for long loops: one load and a
 * branch when nobody asked the goroutine to yield. */
GORT_API void gort_preempt_check(void);

/* gort_goid returns the calling goroutine's id (main is 1). */
GORT_API int64_t gort_goid(void);

/* gort_num_goroutine returns the number of live goroutines. */
GORT_API int64_t gort_num_goroutine(void);

/* gort_nanotime returns a monotonic clock reading in nanoseconds. */
GORT_API int64_t gort_nanotime(void);

/* gort_rss_peak_bytes returns the process's peak resident memory (on wasm:
 * the size of linear memory), 0 when unknown. */
GORT_API uint64_t gort_rss_peak_bytes(void);

/* gort_stack_size returns the usable size of goroutine stacks in bytes. */
GORT_API size_t gort_stack_size(void);

/* gort_stack_deepest_bytes: with GORT_DEBUG=stackdepth=1, the most bytes
 * of its stack any goroutine has written, counting goroutines that ended
 * and the caller (a lower bound: bytes a frame reserved but never wrote
 * do not count); 0 without it. For choosing GORT_STACK_SIZE. */
GORT_API size_t gort_stack_deepest_bytes(void);

/* ---- Ps, blocking calls, scheduler statistics ------------------------- */

/* gort_maxprocs returns GOMAXPROCS, the number of Ps. */
GORT_API int gort_maxprocs(void);

/* gort_set_maxprocs sets the number of Ps (1..1024) while goroutines run,
 * stopping the world briefly as Go's runtime.GOMAXPROCS does, and returns
 * the previous number. n < 1 only queries. GORT_EINVAL if n > 1024. */
GORT_API int gort_set_maxprocs(int n);

/* Bracket a C call that may block the thread (read, sleep, a lock of
 * another library...): while it blocks, its P is handed to another thread
 * so other goroutines keep running (Go's entersyscall/exitsyscall). Call
 * nothing else of gort between the two. */
GORT_API void gort_syscall_enter(void);
GORT_API void gort_syscall_exit(void);

#define GORT_STATS_MAX_PROCS 64

/* A snapshot of the scheduler (what the web page plots). Counts are read
 * without stopping anything, so they are each exact but not mutually
 * consistent. */
struct gort_sched_stats {
  int64_t uptime_ns;
  int32_t gomaxprocs;
  int32_t idle_procs;       /* Ps on the idle list */
  int32_t threads;          /* Ms made, sysmon included */
  int32_t idle_threads;     /* Ms parked without work */
  int32_t spinning_threads; /* Ms looking for work to steal */
  int32_t running_threads;  /* Ms running goroutines or the scheduler */
  int64_t goroutines;       /* live goroutines */
  int64_t goroutines_peak;
  int64_t global_runq;             /* Gs on the global run queue */
  uint64_t steals;                 /* Gs moved by work stealing, since start */
  uint64_t thread_create_failures; /* threads the OS refused, each try */
  uint64_t async_preempts;         /* goroutines stopped by a signal (native) */
  int32_t nprocs_reported;         /* entries filled in local_runq (<= 64) */
  int32_t local_runq[GORT_STATS_MAX_PROCS]; /* per-P ring + runnext */
};

/* gort_sched_stats fills *out; 0, or GORT_EINVAL for a NULL out. */
GORT_API int gort_sched_stats(struct gort_sched_stats *out);

/* A live sample of the scheduler, published by sysmon every 10 ms and once
 * more as main returns (Go has no such thing; its schedtrace line prints
 * the same counts). Unlike gort_sched_stats, a sample is one pass over the
 * scheduler copied out whole (a seqlock): never half of one sample and
 * half of the next. Nothing is stopped to take it, so the per-P lengths
 * are racy reads of each ring's head and tail, one P after another, each
 * within [0, 256]. Counters (steals, handoffs, switches) only grow: the
 * difference of two samples over the difference of their time_ns is a
 * rate. GORT_DEBUG=schedsample=MS sets the period (0: off). The layout is
 * fixed (checked at compile time): the web page reads it straight from
 * wasm memory (docs/ARCHITECTURE.md, "The live sample"). */
struct gort_sched_sample {
  uint64_t seq;             /* samples published so far (1 = the first) */
  int64_t time_ns;          /* since gort_main began */
  int32_t gomaxprocs;       /* Ps */
  int32_t nprocs;           /* entries filled below: min(gomaxprocs, 64) */
  int32_t idle_procs;       /* Ps on the idle list */
  int32_t threads;          /* Ms made, sysmon included */
  int32_t running_threads;  /* Ms running goroutines or the scheduler */
  int32_t spinning_threads; /* Ms looking for work to steal */
  int32_t idle_threads;     /* Ms parked without work */
  uint32_t check;           /* a checksum of every other word (tests) */
  int64_t goroutines;  /* live goroutines (the runtime's own not counted) */
  int64_t global_runq; /* Gs on the global run queue */
  uint64_t steals;     /* Gs moved by work stealing, since start */
  uint64_t handoffs;   /* Ps sysmon took from a blocked call, handed on */
  uint64_t switches;   /* goroutines switched to, on every P, since start */
  /* Gs in each P's ring (runnext not counted), and 1 where its runnext
   * holds a G; the first nprocs entries, the rest 0. */
  int32_t local_runq[GORT_STATS_MAX_PROCS];
  uint8_t runnext[GORT_STATS_MAX_PROCS];
};

/* gort_sched_sample copies the latest sample into *out without taking a
 * lock (it retries while sysmon writes). 0; GORT_EAGAIN when no sample
 * exists yet (the first comes 10 ms after start) or sampling is off;
 * GORT_EINVAL for a NULL out. Callable from any thread, a goroutine's or
 * not, while gort runs. */
GORT_API int gort_sched_sample(struct gort_sched_sample *out);

/* ---- channels and select (Go's chan.go, select.go) -------------------- */

/* A channel of fixed-size elements, copied in and out by value. The typed
 * helpers (GORT_CHAN, below) are the recommended way to use one: they
 * check at compile time that what you send or receive is the element
 * type. The functions take untyped pointers; their _sized forms check at
 * run time that the size you pass is the channel's element size. */
typedef struct gort_chan gort_chan;

/* gort_chan_make makes a channel of elements of elem_size bytes (0 is
 * fine: a channel of struct{}) with a buffer of cap elements (0:
 * unbuffered). NULL when there is no memory. As Go's make: a cap above
 * PTRDIFF_MAX (a negative count) or a buffer too large to address panics
 * ("makechan: size out of range"); elem_size >= 65536 is fatal
 * ("makechan: invalid channel element type"). */
GORT_API gort_chan *gort_chan_make(size_t elem_size, size_t cap);
/* gort_chan_free releases a channel no goroutine uses any more (Go's GC
 * does this; gort's will). Freeing one with waiters is a panic; a timer's
 * channel or a context's Done belongs to its owner (fatal). NULL: nothing. */
GORT_API void gort_chan_free(gort_chan *c);

/* Send copies elem_size bytes from elem, blocking until a receiver or a
 * buffer slot takes them. Send on a closed channel panics ("send on closed
 * channel"); on a NULL channel it blocks forever. elem may be NULL only for
 * elem_size 0. A timer's channel and a context's Done are receive-only:
 * sending on or closing one panics. */
GORT_API void gort_chan_send(gort_chan *c, const void *elem);
/* Recv blocks for a value and copies it to elem (NULL discards it). It
 * returns Go's ok: false when the channel is closed and drained, with elem
 * zeroed. On a NULL channel it blocks forever. */
GORT_API bool gort_chan_recv(gort_chan *c, void *elem);
/* Non-blocking forms (a select with a default): try_send returns whether
 * it sent; try_recv whether it received, with *ok as Recv's result. */
GORT_API bool gort_chan_try_send(gort_chan *c, const void *elem);
GORT_API bool gort_chan_try_recv(gort_chan *c, void *elem, bool *ok);
/* The same, told the size of *elem: a size other than the channel's
 * element size panics ("gort_chan_send: element size mismatch: 4-byte
 * value, channel of 8-byte elements") before anything moves. elem_size is
 * not checked when elem is NULL or the channel is NULL. */
GORT_API void gort_chan_send_sized(gort_chan *c, const void *elem,
                                   size_t elem_size);
GORT_API bool gort_chan_recv_sized(gort_chan *c, void *elem, size_t elem_size);
GORT_API bool gort_chan_try_send_sized(gort_chan *c, const void *elem,
                                       size_t elem_size);
GORT_API bool gort_chan_try_recv_sized(gort_chan *c, void *elem,
                                       size_t elem_size, bool *ok);
/* Close wakes every waiter; closing a closed or NULL channel panics. */
GORT_API void gort_chan_close(gort_chan *c);
GORT_API size_t gort_chan_len(gort_chan *c);
GORT_API size_t gort_chan_cap(gort_chan *c);

enum { GORT_SELECT_SEND = 1, GORT_SELECT_RECV = 2 };

/* One case of a select. elem_size is sizeof *elem and must equal the
 * channel's element size whenever elem is not NULL (else gort_select
 * panics, as the _sized calls do); GORT_SELECT_RECV_CASE and
 * GORT_SELECT_SEND_CASE below fill it in from a typed channel. */
typedef struct gort_select_case {
  gort_chan *chan;  /* NULL: the case is never ready, as in Go */
  int dir;          /* GORT_SELECT_SEND or GORT_SELECT_RECV */
  void *elem;       /* value to send, or where to receive (may be NULL) */
  size_t elem_size; /* sizeof *elem */
  bool ok;          /* out, receive cases: Go's ok */
} gort_select_case;

/* What gort_select returns when block is false and no case is ready (Go's
 * default case). No case index and no gort_err equals it. */
enum { GORT_SELECT_DEFAULT = -1 };

/* gort_select waits until one case can proceed, does it, and returns its
 * index; among several ready cases each is equally likely. With block
 * false it returns GORT_SELECT_DEFAULT at once if none is ready. It
 * returns nothing else: bad arguments are Go-style panics, as a select
 * that cannot be written in Go ("gort_select: ncases out of range",
 * "gort_select: element size mismatch ..."; NULL cases with ncases > 0 is
 * Go's nil dereference). A select with no usable case and block true
 * blocks forever. */
GORT_API int gort_select(gort_select_case *cases, int ncases, bool block);

/* ---- typed channels (C only) -------------------------------------------
 *
 * GORT_CHAN(T) is a channel of T, like Go's chan T: a one-word union of
 * the gort_chan handle (.ch, for close, len, free and the untyped calls)
 * and a T pointer that is never stored or read, only looked at by the
 * compiler. The macros below take a pointer, as the untyped calls do,
 * and check that it points to a T (const or not): anything else stops the
 * compile with "static assertion failed: gort: ... is not of the channel
 * element type". (With GCC and Clang the type must be T itself; other
 * compilers check only its size.) They pass sizeof(T) to the _sized
 * calls, so a channel made elsewhere with another size (c.ch =
 * gort_timer_chan(t) on a GORT_CHAN(int32_t)) panics at run time instead
 * of copying past the variable.
 *
 *   typedef GORT_CHAN(int64_t) chan_int64;  // to pass it around
 *   chan_int64 c;
 *   if (!GORT_CHAN_MAKE(c, 16)) ...         // c := make(chan int64, 16)
 *   int64_t v = 42;
 *   GORT_CHAN_SEND(c, &v);                  // c <- v
 *   bool ok = GORT_CHAN_RECV(c, &v);        // v, ok := <-c
 *
 * Each GORT_CHAN(T) spelled out is its own type, as any struct or union
 * written twice is in C: name it with a typedef to pass it to functions.
 * T must be a type name a pointer can be formed from (typedef an array or
 * function pointer type first; an array element is better in a struct). */
#ifndef __cplusplus

#define GORT_CHAN(T)                                                           \
  union {                                                                      \
    gort_chan *ch;                                                             \
    T *elem_type; /* never stored or read: carries T for the checks */         \
  }

/* GORT_CHAN_MAKE(c, cap): make c's channel; evaluates to the gort_chan *
 * (NULL when out of memory). */
#define GORT_CHAN_MAKE(c, cap)                                                 \
  ((c).ch = gort_chan_make(sizeof *(c).elem_type, (cap)))

/* Whether the object at p is of c's element type (a constant). */
#if defined(__GNUC__) || defined(__clang__)
#define GORT__CHAN_IS_ELEM(c, p)                                               \
  _Generic(*(p), __typeof__(*(c).elem_type) : 1, default : 0)
#else
#define GORT__CHAN_IS_ELEM(c, p) (sizeof *(p) == sizeof *(c).elem_type)
#endif

/* sizeof *(p), after a compile-time check that *(p) is c's element type
 * (a static assertion in an expression: inside a struct in sizeof). */
#define GORT__CHAN_ELEM_SIZE(c, p, what)                                       \
  (sizeof(struct {                                                             \
    int gort_check_;                                                           \
    _Static_assert(GORT__CHAN_IS_ELEM(c, p),                                   \
                   "gort: " what " is not of the channel element type");       \
  })                                                                           \
       ? sizeof *(p)                                                           \
       : 0)

#define GORT_CHAN_SEND(c, p)                                                   \
  gort_chan_send_sized((c).ch, (p),                                            \
                       GORT__CHAN_ELEM_SIZE(c, p, "the value sent"))
#define GORT_CHAN_RECV(c, p)                                                   \
  gort_chan_recv_sized(                                                        \
      (c).ch, (p), GORT__CHAN_ELEM_SIZE(c, p, "the variable received into"))
#define GORT_CHAN_TRY_SEND(c, p)                                               \
  gort_chan_try_send_sized((c).ch, (p),                                        \
                           GORT__CHAN_ELEM_SIZE(c, p, "the value sent"))
#define GORT_CHAN_TRY_RECV(c, p, okp)                                          \
  gort_chan_try_recv_sized(                                                    \
      (c).ch, (p), GORT__CHAN_ELEM_SIZE(c, p, "the variable received into"),   \
      (okp))

/* Select cases from a typed channel, as compound literals:
 *   gort_select_case cs[] = {GORT_SELECT_RECV_CASE(a, &x),
 *                            GORT_SELECT_SEND_CASE(b, &y)};
 * A receive case that drops the value needs no type:
 *   (gort_select_case){.chan = a.ch, .dir = GORT_SELECT_RECV}. */
#define GORT_SELECT_RECV_CASE(c, p)                                            \
  ((gort_select_case){                                                         \
      .chan = (c).ch,                                                          \
      .dir = GORT_SELECT_RECV,                                                 \
      .elem = (p),                                                             \
      .elem_size = GORT__CHAN_ELEM_SIZE(c, p, "the variable received into")})
#define GORT_SELECT_SEND_CASE(c, p)                                            \
  ((gort_select_case){.chan = (c).ch,                                          \
                      .dir = GORT_SELECT_SEND,                                 \
                      .elem = (void *)(p),                                     \
                      .elem_size =                                             \
                          GORT__CHAN_ELEM_SIZE(c, p, "the value sent")})

#endif /* __cplusplus */

/* ---- time (Go's time.Sleep, Timer, Ticker, After, AfterFunc) ---------- */

/* gort_sleep parks the calling goroutine for at least ns nanoseconds
 * (ns <= 0 returns at once). Sleeping goroutines keep the program alive:
 * they are not a deadlock.
 *
 * Durations, here and in every timer, ticker, context timeout and dial
 * timeout, saturate as Go's do: one too long to add to the clock (up to
 * INT64_MAX) never ends, one <= 0 ends at once. */
GORT_API void gort_sleep(int64_t ns);

/* A timer or ticker. Its channel (gort_timer_chan) has capacity 1 and
 * receives the gort_nanotime() of each firing; a ticker drops ticks a slow
 * reader misses, as Go's does. */
typedef struct gort_timer gort_timer;

/* gort_timer_new: fires once after ns (Go's time.NewTimer). NULL when out
 * of memory. */
GORT_API gort_timer *gort_timer_new(int64_t ns);
/* gort_after_func: starts fn(arg) in its own goroutine after ns (Go's
 * time.AfterFunc); the timer has no channel. */
GORT_API gort_timer *gort_after_func(int64_t ns, gort_func fn, void *arg);
/* gort_ticker_new: fires every period ns; period <= 0 panics as Go's
 * NewTicker does. */
GORT_API gort_timer *gort_ticker_new(int64_t period);
GORT_API gort_chan *gort_timer_chan(gort_timer *t);
/* Stop prevents the timer from firing; true if it was pending (Go's
 * Timer.Stop). It does not drain the channel. */
GORT_API bool gort_timer_stop(gort_timer *t);
/* Reset makes the timer fire after ns; true if it was pending. */
GORT_API bool gort_timer_reset(gort_timer *t, int64_t ns);
GORT_API void gort_ticker_reset(gort_timer *t, int64_t period);
/* Free stops the timer, waits for a callback running on another thread,
 * and releases it and its channel. NULL: nothing. Freeing twice is fatal
 * ("gort: timer freed twice"), as is any use after free (see the head). */
GORT_API void gort_timer_free(gort_timer *t);

/* gort_after returns a channel that receives the time once, after ns
 * (Go's time.After). The timer behind it frees itself when it fires; free
 * the channel with gort_chan_free once the value was received. */
GORT_API gort_chan *gort_after(int64_t ns);

/* ---- sync.WaitGroup --------------------------------------------------- */

/* A WaitGroup may be embedded in any memory (zeroed is ready to use, as in
 * Go). Do not copy one after first use. */
typedef struct gort_waitgroup {
  uint64_t opaque[4];
} gort_waitgroup;

#define GORT_WAITGROUP_INIT                                                    \
  {                                                                            \
    { 0, 0, 0, 0 }                                                             \
  }

/* Add adds delta (may be negative) to the counter; a negative counter
 * panics ("sync: negative WaitGroup counter"). When it reaches zero every
 * goroutine blocked in Wait is released. As in Go, an Add from zero racing
 * with Wait panics ("sync: WaitGroup misuse: Add called concurrently with
 * Wait"), and so does reusing the WaitGroup before every Wait returned
 * ("sync: WaitGroup is reused before previous Wait has returned"). */
GORT_API void gort_waitgroup_add(gort_waitgroup *wg, int64_t delta);
GORT_API void gort_waitgroup_done(gort_waitgroup *wg);
/* Wait blocks until the counter is zero. */
GORT_API void gort_waitgroup_wait(gort_waitgroup *wg);

/* ---- sync: Mutex, RWMutex, Once, Cond (Go's sync package) ------------- */

/* Each type may be embedded in any memory; zeroed memory (or the _INIT
 * macro) is ready to use, as in Go, except a Cond, which needs
 * gort_cond_init. Do not copy one after first use. All of them park the
 * goroutine, never the thread. Misuse is fatal with Go's words:
 * "fatal error: sync: unlock of unlocked mutex", "sync: RUnlock of
 * unlocked RWMutex", "sync: Unlock of unlocked RWMutex". */

/* sync.Mutex: starvation-free (a waiter blocked more than 1 ms gets the
 * mutex handed over). Any goroutine may unlock it. */
typedef struct gort_mutex {
  uint32_t opaque[2];
} gort_mutex;

#define GORT_MUTEX_INIT                                                        \
  {                                                                            \
    { 0, 0 }                                                                   \
  }

GORT_API void gort_mutex_lock(gort_mutex *m);
GORT_API void gort_mutex_unlock(gort_mutex *m);
/* trylock takes the mutex if it is free right now. */
GORT_API bool gort_mutex_trylock(gort_mutex *m);

/* sync.RWMutex: many readers or one writer; a blocked writer keeps new
 * readers out (so readers cannot starve it). */
typedef struct gort_rwmutex {
  uint32_t opaque[8];
} gort_rwmutex;

#define GORT_RWMUTEX_INIT                                                      \
  {                                                                            \
    { 0, 0, 0, 0, 0, 0, 0, 0 }                                                 \
  }

GORT_API void gort_rwmutex_rlock(gort_rwmutex *rw);
GORT_API void gort_rwmutex_runlock(gort_rwmutex *rw);
GORT_API void gort_rwmutex_lock(gort_rwmutex *rw);
GORT_API void gort_rwmutex_unlock(gort_rwmutex *rw);
GORT_API bool gort_rwmutex_trylock(gort_rwmutex *rw);
GORT_API bool gort_rwmutex_tryrlock(gort_rwmutex *rw);

/* A Locker (Go's sync.Locker): a lock/unlock pair over some object. */
typedef void (*gort_lock_func)(void *locker);
typedef struct gort_locker {
  gort_lock_func lock, unlock;
  void *locker;
} gort_locker;

GORT_API gort_locker gort_mutex_locker(gort_mutex *m);
GORT_API gort_locker gort_rwmutex_locker(gort_rwmutex *rw);
/* RLock/RUnlock as a Locker (Go's RWMutex.RLocker). */
GORT_API gort_locker gort_rwmutex_rlocker(gort_rwmutex *rw);

/* sync.Once: gort_once_do runs fn(arg) exactly once per Once; every call
 * returns only after that run has finished. */
typedef struct gort_once {
  uint32_t opaque[3];
} gort_once;

#define GORT_ONCE_INIT                                                         \
  {                                                                            \
    { 0, 0, 0 }                                                                \
  }

GORT_API void gort_once_do(gort_once *o, gort_func fn, void *arg);

/* sync.Cond over a Locker, which must be held around wait (wait unlocks it
 * while parked and locks it again before returning). signal wakes the
 * goroutine that has waited longest; broadcast wakes all. */
typedef struct gort_cond {
  uint64_t opaque[8];
} gort_cond;

GORT_API void gort_cond_init(gort_cond *c, gort_lock_func lock,
                             gort_lock_func unlock, void *locker);
GORT_API void gort_cond_init_mutex(gort_cond *c, gort_mutex *m);
GORT_API void gort_cond_wait(gort_cond *c);
GORT_API void gort_cond_signal(gort_cond *c);
GORT_API void gort_cond_broadcast(gort_cond *c);

/* Counters since start (each exact, not mutually consistent). */
struct gort_sync_stats {
  uint64_t mutex_starvation_entered; /* Mutexes switched to starvation */
  uint64_t mutex_starvation_left;    /* ... and back to normal mode */
  uint64_t sema_parks;    /* goroutines parked on a runtime semaphore */
  uint64_t sema_handoffs; /* permits handed straight to a waiter */
  /* RWMutex read bias (docs/ARCHITECTURE.md, "RWMutex"): writers that
   * found a lock's readers biased and turned that off, and the biased read
   * holds such writers then waited for. */
  uint64_t rwmutex_bias_revocations;
  uint64_t rwmutex_bias_readers_drained;
};

/* gort_sync_stats fills *out; 0, or GORT_EINVAL for a NULL out. */
GORT_API int gort_sync_stats(struct gort_sync_stats *out);

/* ---- context (Go's context package) ----------------------------------- */

/* A context carries a cancellation signal, a deadline and values down a
 * tree of calls. Cancelling one cancels all its descendants (no goroutine
 * per context). Errors are ints: 0 (nil) or one of these two.
 *
 * Ownership (there is no GC): every constructor returns a context holding
 * one reference, the caller's; gort_ctx_retain adds one, gort_ctx_release
 * drops one, and the last release frees it (taking it off its parent,
 * stopping its timer). A context holds a reference on its parent, so a
 * child stays valid after its parent was cancelled and released. Go's
 *   ctx, cancel := context.WithCancel(parent); defer cancel()
 * is in C
 *   gort_ctx *ctx = gort_ctx_with_cancel(parent);
 *   ... gort_ctx_cancel(ctx); gort_ctx_release(ctx);
 * A goroutine that may outlive the caller's release retains its own
 * reference (and releases it). Releasing while a goroutine still waits on
 * the context's Done channel is a panic. Background and TODO are static:
 * retain and release do nothing to them. Accessors read a NULL context as
 * Background; a NULL parent panics ("cannot create context from nil
 * parent"). Constructors return NULL when out of memory. Err and Cause
 * codes: GORT_CTX_CANCELED, GORT_CTX_DEADLINE_EXCEEDED (gort_err). */

typedef struct gort_ctx gort_ctx;

GORT_API gort_ctx *gort_ctx_background(void);
GORT_API gort_ctx *gort_ctx_todo(void);
GORT_API gort_ctx *gort_ctx_with_cancel(gort_ctx *parent);
/* The same as with_cancel: in C any context can be cancelled with a cause
 * (gort_ctx_cancel_cause); kept for Go's name. */
GORT_API gort_ctx *gort_ctx_with_cancel_cause(gort_ctx *parent);
/* deadline is on the gort_nanotime() clock; when it passes, the context is
 * cancelled with GORT_CTX_DEADLINE_EXCEEDED (and cause, if not 0). A
 * deadline later than the parent's gives a plain WithCancel. */
GORT_API gort_ctx *gort_ctx_with_deadline(gort_ctx *parent, int64_t deadline);
GORT_API gort_ctx *gort_ctx_with_deadline_cause(gort_ctx *parent,
                                                int64_t deadline, int cause);
GORT_API gort_ctx *gort_ctx_with_timeout(gort_ctx *parent, int64_t ns);
GORT_API gort_ctx *gort_ctx_with_timeout_cause(gort_ctx *parent, int64_t ns,
                                               int cause);
/* key is compared by address (use the address of a static variable);
 * NULL panics ("nil key"). */
GORT_API gort_ctx *gort_ctx_with_value(gort_ctx *parent, const void *key,
                                       void *val);
/* WithoutCancel: parent's values, but never cancelled when parent is: no
 * Done (NULL), Err and Cause 0, no deadline. Cannot be cancelled itself
 * (gort_ctx_cancel returns GORT_EINVAL); its children can. */
GORT_API gort_ctx *gort_ctx_without_cancel(gort_ctx *parent);

GORT_API gort_ctx *gort_ctx_retain(gort_ctx *ctx); /* returns ctx */
GORT_API void gort_ctx_release(gort_ctx *ctx);

/* Cancel (Go's CancelFunc / CancelCauseFunc): idempotent; the first cancel
 * sets Err to GORT_CTX_CANCELED and Cause to cause (0: Err). 0, or
 * GORT_EINVAL for a context that cannot be cancelled (Background, TODO, a
 * value context, NULL). */
GORT_API int gort_ctx_cancel(gort_ctx *ctx);
GORT_API int gort_ctx_cancel_cause(gort_ctx *ctx, int cause);

/* Done: a channel (of struct{}, elem size 0) closed when the context is
 * cancelled, for gort_chan_recv or gort_select; NULL (never ready) for a
 * context that can never be cancelled. Owned by the context. */
GORT_API gort_chan *gort_ctx_done(gort_ctx *ctx);
GORT_API int gort_ctx_err(gort_ctx *ctx);   /* 0 until cancelled */
GORT_API int gort_ctx_cause(gort_ctx *ctx); /* 0 until cancelled */
/* Deadline: true and *deadline (gort_nanotime clock) if there is one. */
GORT_API bool gort_ctx_deadline(gort_ctx *ctx, int64_t *deadline);
/* Value: the innermost value stored under key, NULL if none. */
GORT_API void *gort_ctx_value(gort_ctx *ctx, const void *key);

/* AfterFunc: run fn(arg) in its own goroutine once ctx is done (at once if
 * it is). The handle is yours: give it back with exactly one of stop (Go's
 * stop(): true if it kept fn from starting) or detach (fn still runs when
 * ctx is done). NULL if fn is NULL or out of memory. A handle given back
 * twice (or used after detach) is fatal where the runtime can tell. */
typedef struct gort_ctx_afterfunc gort_ctx_afterfunc;
GORT_API gort_ctx_afterfunc *gort_ctx_after_func(gort_ctx *ctx, gort_func fn,
                                                 void *arg);
GORT_API bool gort_ctx_after_func_stop(gort_ctx_afterfunc *h);
GORT_API void gort_ctx_after_func_detach(gort_ctx_afterfunc *h);

/* ---- x/sync: errgroup, semaphore, singleflight ------------------------ */

/* errgroup.Group: goroutines working on subtasks of one task. A task
 * returns 0 or an error (any non-zero int). */
typedef struct gort_errgroup gort_errgroup;
typedef int (*gort_errfunc)(void *arg);

/* new: NULL when out of memory. with_context also makes *ctx, a child of
 * parent cancelled (cause: the error) when a task first fails or Wait
 * returns; the group owns it: valid until gort_errgroup_free (retain it to
 * keep it longer). */
GORT_API gort_errgroup *gort_errgroup_new(void);
GORT_API gort_errgroup *gort_errgroup_with_context(gort_ctx *parent,
                                                   gort_ctx **ctx);
/* go: start fn(arg), blocking first while the limit is reached. 0 or
 * GORT_ENOMEM. try_go: start it only if the limit allows now. */
GORT_API int gort_errgroup_go(gort_errgroup *g, gort_errfunc fn, void *arg);
GORT_API bool gort_errgroup_try_go(gort_errgroup *g, gort_errfunc fn,
                                   void *arg);
/* wait: until every task returned; the first error, or 0. */
GORT_API int gort_errgroup_wait(gort_errgroup *g);
/* set_limit: at most n tasks at once (n < 0: no limit). Changing it while
 * tasks run panics ("errgroup: modify limit while N goroutines in the group
 * are still active"). */
GORT_API void gort_errgroup_set_limit(gort_errgroup *g, int n);
/* free: after wait (no task running). */
GORT_API void gort_errgroup_free(gort_errgroup *g);

/* semaphore.Weighted: a counting semaphore of size n; waiters are served
 * in FIFO order (a big request at the head holds back smaller ones). */
typedef struct gort_weighted gort_weighted;

/* new: NULL when out of memory; n < 0 panics ("semaphore: negative
 * size"). A negative weight: acquire returns GORT_EINVAL, try_acquire
 * false, release panics ("semaphore: released a negative weight"). */
GORT_API gort_weighted *gort_weighted_new(int64_t n);
/* acquire: wait for n, or until ctx is done (NULL: Background), whichever
 * is first: 0, or ctx's error (then nothing was acquired). A request larger
 * than the size waits for ctx alone. */
GORT_API int gort_weighted_acquire(gort_weighted *s, gort_ctx *ctx, int64_t n);
GORT_API bool gort_weighted_try_acquire(gort_weighted *s, int64_t n);
/* release: more than held panics ("semaphore: released more than held"). */
GORT_API void gort_weighted_release(gort_weighted *s, int64_t n);
GORT_API void gort_weighted_free(gort_weighted *s); /* with no waiters */

/* singleflight.Group: concurrent calls with the same key share one
 * execution of fn and its result. fn returns an error (0: nil) and puts
 * its value in *val. */
typedef struct gort_singleflight gort_singleflight;
typedef int (*gort_flightfunc)(void *arg, void **val);
typedef struct gort_singleflight_result {
  void *val;
  int err;
  bool shared; /* the result went to more than one caller */
} gort_singleflight_result;

GORT_API gort_singleflight *gort_singleflight_new(void); /* NULL: no memory */
/* do: run fn(arg) for key unless a call for key is in flight, then wait for
 * that one. Returns fn's error (or GORT_ENOMEM, or GORT_EINVAL for a NULL
 * key or fn); *val (may be NULL) the value; *shared (may be NULL) whether
 * it went to more than one caller. */
GORT_API int gort_singleflight_do(gort_singleflight *g, const char *key,
                                  gort_flightfunc fn, void *arg, void **val,
                                  bool *shared);
/* do_chan: the same without waiting: the result arrives on the returned
 * channel (one gort_singleflight_result, capacity 1), which the caller
 * frees after receiving. NULL when out of memory or for a NULL key or fn. */
GORT_API gort_chan *gort_singleflight_do_chan(gort_singleflight *g,
                                              const char *key,
                                              gort_flightfunc fn, void *arg);
/* forget: later calls for key run fn anew instead of joining the one in
 * flight. */
GORT_API void gort_singleflight_forget(gort_singleflight *g, const char *key);
GORT_API void gort_singleflight_free(gort_singleflight *g); /* when idle */

/* ---- network I/O (Go's internal/poll and net) ------------------------- */

/* Descriptors on the netpoller: a goroutine that reads, writes, accepts or
 * connects where the descriptor is not ready parks (not its thread) until
 * the poller (epoll on Linux; poll() with GORT_NETPOLL=poll) says it is,
 * its deadline passes, or the descriptor is closed. Not available on wasm:
 * there every call below returns GORT_ENOTSUP.
 *
 * Errors: GORT_ECLOSED, GORT_ETIMEOUT, GORT_ENOTSUP, GORT_EINVAL,
 * GORT_ENOMEM (gort_err, at the top), or a system call's errno negated
 * (-ECONNREFUSED, -EPIPE...; gort_strerror describes those too).
 *
 * Deadlines are absolute, on the gort_nanotime() clock (0: none); one in
 * the past makes every call on that side fail with GORT_ETIMEOUT at once,
 * as Go's SetDeadline. Setting a new deadline affects calls already
 * waiting.
 *
 * Closing: gort_conn_close wakes every goroutine blocked on the
 * connection (they return GORT_ECLOSED); the descriptor itself is closed
 * when the last of them has left, and the handle retired then. Using it
 * concurrently with close is fine (GORT_ECLOSED). Using a handle after
 * close returned is a bug: while a call is still inside it gets
 * GORT_ECLOSED; once the handle is retired the call dies ("fatal error:
 * gort: use of closed network connection handle ...", or "... closed
 * twice" for a close) for as long as the runtime
 * has not reused its memory for a new conn (at least the next 64 closes),
 * after which it is undefined, as with freed memory.
 *
 * Bad input: a NULL handle, buffer or result pointer, a length over
 * PTRDIFF_MAX, a negative deadline or timeout, a malformed address:
 * GORT_EINVAL. A conn passed as a listener or the reverse dies. Every
 * call must come from a goroutine (docs/API.md, "Misuse and bad input:
 * network"). */

typedef struct gort_conn gort_conn;
typedef struct gort_listener gort_listener;

/* conn_from_fd: put an open stream descriptor (a socket, a pipe end) on
 * the poller; it is made non-blocking and owned by the conn from now (also
 * when this fails: then it is closed), except: -EBADF (not open), -EEXIST
 * (a live conn owns it already) and GORT_EINVAL leave it alone. */
GORT_API int gort_conn_from_fd(int fd, gort_conn **out);

/* read: up to n bytes (at most 1 GiB at once, as Go): the count (> 0), 0
 * at end of stream (Go's io.EOF; also for n == 0), or an error. */
GORT_API ptrdiff_t gort_conn_read(gort_conn *c, void *buf, size_t n);
/* write: all n bytes (the count), or an error; bytes before an error
 * may have been sent (Go's n > 0 with err). Concurrent writers do not
 * interleave within one call, nor concurrent readers. */
GORT_API ptrdiff_t gort_conn_write(gort_conn *c, const void *buf, size_t n);
GORT_API int gort_conn_set_deadline(gort_conn *c, int64_t when);
GORT_API int gort_conn_set_read_deadline(gort_conn *c, int64_t when);
GORT_API int gort_conn_set_write_deadline(gort_conn *c, int64_t when);
/* close_write: shut the sending side (TCP FIN); the peer reads EOF. */
GORT_API int gort_conn_close_write(gort_conn *c);
GORT_API int gort_conn_close(gort_conn *c);
/* set_nodelay: TCP_NODELAY (Go's default is on; dial and accept set it). */
GORT_API int gort_conn_set_nodelay(gort_conn *c, bool on);
/* local_addr / remote_addr: "ip:port" ("[v6]:port") into buf (size len). */
GORT_API int gort_conn_local_addr(gort_conn *c, char *buf, size_t len);
GORT_API int gort_conn_remote_addr(gort_conn *c, char *buf, size_t len);

/* listen_tcp: addr is "host:port"; host a numeric IPv4 or [IPv6]
 * address, "localhost" or empty (every address); port 0 picks a free one
 * (see listener_addr). */
GORT_API int gort_listen_tcp(const char *addr, gort_listener **out);
GORT_API int gort_listener_addr(gort_listener *l, char *buf, size_t len);
GORT_API int gort_listener_port(gort_listener *l); /* or an error */
/* accept: the next connection (TCP_NODELAY on), or an error. */
GORT_API int gort_accept(gort_listener *l, gort_conn **out);
GORT_API int gort_listener_set_deadline(gort_listener *l, int64_t when);
GORT_API int gort_listener_close(gort_listener *l);

/* dial_tcp: connect to addr ("host:port", as listen_tcp), giving up with
 * GORT_ETIMEOUT after timeout_ns (0: no limit but the system's). */
GORT_API int gort_dial_tcp(const char *addr, int64_t timeout_ns,
                           gort_conn **out);
/* dial_tcp_ctx: the same, given up when ctx is done (its error:
 * GORT_CTX_CANCELED or GORT_CTX_DEADLINE_EXCEEDED), at ctx's deadline at
 * the latest (Go's Dialer.DialContext). NULL ctx: Background. */
GORT_API int gort_dial_tcp_ctx(gort_ctx *ctx, const char *addr,
                               gort_conn **out);

/* Poller figures for tests and the web page. */
struct gort_netpoll_stats {
  const char *backend;     /* "epoll", "poll", or "none" */
  int64_t waiters;         /* goroutines parked on descriptors now */
  uint64_t polls;          /* calls into the backend */
  uint64_t blocking_polls; /* those that slept (an M with nothing to do) */
  uint64_t readied;        /* goroutines the poller made runnable */
};
GORT_API int gort_netpoll_stats(struct gort_netpoll_stats *out);

/* ---- Memory: the garbage-collected heap --------------------------------
 *
 * Go's heap for C (docs/API.md, "Memory"). Objects are zeroed, 8-byte
 * aligned (16 when more than 24 bytes are asked for, but for typed ones
 * over 512 bytes), and live as long as something the collector
 * scans points at them (anywhere inside them): the stacks of goroutines,
 * the program's globals, other live GC objects that may hold pointers,
 * registered root ranges, and what the runtime holds for the program
 * (channel buffers, timer and goroutine arguments, context values...).
 * Memory from malloc is NOT scanned: a GC pointer kept only there must be
 * covered by gort_gc_add_root. Every call here must run in a goroutine.
 *
 * Out of memory is Go's "fatal error: out of memory"; a size that
 * overflows is Go's "panic: runtime error: makeslice: len out of range".
 */

/* alloc: size bytes that may hold pointers, scanned conservatively (every
 * aligned word that points into the heap keeps its target). */
GORT_API void *gort_alloc(size_t size);
/* alloc_noscan: size bytes that never hold GC pointers; never scanned. */
GORT_API void *gort_alloc_noscan(size_t size);

/* A pointer map: the layout of one element, scanned precisely (only the
 * words the mask names are pointers; an integer that happens to look like
 * an address keeps nothing alive). The type must outlive its objects
 * (a static const is the usual choice). Go's runtime._type with its
 * ptrdata bitmap. */
typedef struct gort_type {
  size_t size;            /* bytes of one element: a non-zero multiple of
                             sizeof(void *) */
  const uint8_t *ptrmask; /* bit i (byte i / 8, bit i % 8) set: word i of
                             an element holds a pointer; NULL: none does.
                             One bit for every word of an element: the
                             runtime reads size / sizeof(void *) bits */
  const char *name;       /* for messages; may be NULL */
} gort_type;
/* GORT_PTRMASK_WORD(T, field): the word index of a pointer field of
 * struct T, the bit to set in the mask: for a struct of up to 8 words,
 * static const uint8_t mask[] = {1 << GORT_PTRMASK_WORD(struct node, left)
 *                                | 1 << GORT_PTRMASK_WORD(struct node, right)};
 */
#define GORT_PTRMASK_WORD(T, field) (offsetof(T, field) / sizeof(void *))
/* GORT_PTRMASK_BYTE(bits, k): byte k of a mask written as one integer of
 * up to 64 bits, for structs of more than 8 words (mind that word indices
 * differ between 64-bit targets and wasm32):
 *   #define NODE_BITS ((uint64_t)1 << GORT_PTRMASK_WORD(struct node, next) |
 * ...) static const uint8_t mask[] = {GORT_PTRMASK_BYTE(NODE_BITS, 0),
 *                                  GORT_PTRMASK_BYTE(NODE_BITS, 1)}; */
#define GORT_PTRMASK_BYTE(bits, k) ((uint8_t)((uint64_t)(bits) >> (8 * (k))))

/* alloc_typed: count elements of type t, zeroed, scanned by t's mask. */
GORT_API void *gort_alloc_typed(const gort_type *t, size_t count);

/* gc: a full collection, blocking the caller until it and the sweep of
 * the whole heap are done (runtime.GC). Other goroutines are stopped at
 * safe points meanwhile. */
GORT_API void gort_gc(void);
/* free_os_memory: a gort_gc, then every free page of the heap goes back
 * to the OS at once (debug.FreeOSMemory), not just those the background
 * scavenger would release. On wasm linear memory cannot shrink: nothing
 * is released (docs/API.md, "Memory: giving memory back"). */
GORT_API void gort_free_os_memory(void);

/* keepalive: p stays reachable up to this point (runtime.KeepAlive): use
 * it after the last use of an object whose finalizer must not run yet. */
static inline void gort_keepalive(const void *p) {
#if defined(__GNUC__)
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  (void)*(const volatile char *)&p;
#endif
}

/* ---- Memory: the write barrier -----------------------------------------
 *
 * The collector marks while the program runs (Go's concurrent collector,
 * docs/API.md "Memory: the write barrier"). While it marks, it must see
 * every pointer the program moves around in memory it scans, so THE RULE
 * is: a GC pointer stored into
 *   - a GC object (gort_alloc*, fresh or old),
 *   - a global variable, or
 *   - C memory registered with gort_gc_add_root
 * is stored with gort_store_ptr (GORT_STORE for a typed field), and
 * memory of those kinds that holds GC pointers is copied with
 * gort_copy_ptrs and cleared with gort_clear_ptrs, never with a plain
 * assignment, memcpy or memset. Locals (a goroutine's own stack) need
 * nothing. Reads need nothing. A program that cannot follow the rule runs
 * with GORT_GC=stw (the stop-the-world collector).
 *
 * Between cycles a store costs a call, one load and one predictable
 * branch more than the plain assignment (Go's compiler inlines the check;
 * C cannot safely: a signal preemption between an inlined check and its
 * store would hide the store from a mark that began meanwhile); during a
 * mark it records the old and the new pointer in a per-P buffer (Go's
 * hybrid barrier, mbarrier.go and mwbbuf.go).
 *
 *   struct node { struct node *left, *right; long v; };
 *   struct node *n = gort_alloc(sizeof *n);
 *   GORT_STORE(n->left, make_tree(d - 1));
 *   GORT_STORE(global_root, n);
 */

/* store_ptr: *(void **)slot = ptr, with the barrier. slot must be
 * pointer-aligned; any thread may call it. */
GORT_API void gort_store_ptr(void *slot, const void *ptr);
/* GORT_STORE(lvalue, value): a typed gort_store_ptr: lvalue must be a
 * pointer-sized lvalue that value can be assigned to (checked, not
 * evaluated twice). */
#define GORT_STORE(lvalue, value)                                              \
  do {                                                                         \
    (void)sizeof(char[sizeof(lvalue) == sizeof(void *) ? 1 : -1]);             \
    (void)sizeof((lvalue) = (value));                                          \
    gort_store_ptr((void *)&(lvalue), (const void *)(value));                  \
  } while (0)
/* copy_ptrs: memmove(dst, src, n) for memory that may hold GC pointers
 * (dst in a GC object, a global or a registered root); every aligned word
 * of the old and the new contents is shaded while a mark runs. */
GORT_API void gort_copy_ptrs(void *dst, const void *src, size_t n);
/* clear_ptrs: memset(dst, 0, n) for such memory (the old pointers are
 * shaded while a mark runs). */
GORT_API void gort_clear_ptrs(void *dst, size_t n);

/* set_finalizer: run fn(obj) once, on the runtime's finalizer goroutine,
 * after the collector finds obj unreachable (runtime.SetFinalizer);
 * fn NULL removes obj's finalizer. obj is an object's address as its
 * allocation returned it. Finalizers run one at a time; one that blocks
 * holds up the others. What obj points to is kept for fn; fn may store
 * obj somewhere reachable (resurrection): it then lives on, without a
 * finalizer unless fn sets a new one. An object reachable from itself
 * (a cycle) with a finalizer is never collected. Ignored for zero-size
 * objects; inside a tiny block (gort_alloc_noscan under 16 bytes) any
 * object may have one, run once the whole block is unreachable. Dies
 * ("fatal error: gort_set_finalizer: ...") on obj NULL, not in an
 * allocated object, not at its start, or with a finalizer already set
 * (docs/API.md, "Memory: finalizers"). */
GORT_API void gort_set_finalizer(void *obj, void (*fn)(void *obj));

/* gc_add_root: scan [base, base + size) of C memory (malloc'd, mmap'd)
 * in every collection, conservatively, until gc_remove_root(base). 0, or
 * GORT_EINVAL (NULL base, size 0, or base already registered), or
 * GORT_ENOMEM. The range must stay mapped while registered. */
GORT_API int gort_gc_add_root(const void *base, size_t size);
/* gc_remove_root: 0, or GORT_EINVAL if base is not registered. */
GORT_API int gort_gc_remove_root(const void *base);

/* set_gc_handles: channels, timers and contexts made from now on, on a
 * goroutine, live in the GC heap (on) or in C memory (off, the default)
 * (docs/API.md, "Memory: runtime objects in the GC heap"). A GC handle
 * the program drops is reclaimed once unreachable, as in Go: its free
 * call (gort_chan_free, gort_timer_free, gort_ctx_release) is optional,
 * checked as in C memory, and gives no memory back itself. Each handle
 * keeps the kind it was made with; a derived context takes its parent's
 * (Background and TODO: the setting). A GC handle kept only in memory the
 * collector does not scan (malloc'd) must be covered by gort_gc_add_root.
 * Start value: GORT_GCHANDLES (0 or 1). */
GORT_API void gort_set_gc_handles(bool on);

/* ---- Memory: pacing and statistics ------------------------------------ */

/* set_gc_percent: GOGC (debug.SetGCPercent): the next collection starts
 * when the heap has grown by percent % over what the last one left live;
 * negative: off (collections only for the memory limit or gort_gc).
 * Returns the previous setting (-1 for off). Start value: GORT_GOGC
 * ("off" or a percentage; default 100). */
GORT_API int gort_set_gc_percent(int percent);
/* set_memory_limit: the soft limit on the runtime's total memory
 * (debug.SetMemoryLimit): the collector runs as often as it must to stay
 * below it. Negative: only report. Returns the previous limit (INT64_MAX:
 * none). Start value: GORT_MEMLIMIT (bytes with an optional unit B, KiB,
 * MiB, GiB or TiB, or "off"). */
GORT_API int64_t gort_set_memory_limit(int64_t limit);

#define GORT_MEMSTATS_SIZE_CLASSES 68
/* runtime.MemStats, field by field (docs/API.md, "Memory"). */
typedef struct gort_memstats {
  uint64_t alloc;                  /* = heap_alloc */
  uint64_t total_alloc;            /* bytes ever allocated */
  uint64_t sys;                    /* bytes obtained from the OS, all uses */
  uint64_t mallocs, frees;         /* objects ever allocated / freed */
  uint64_t heap_alloc;             /* bytes of allocated heap objects */
  uint64_t heap_sys;               /* heap bytes obtained from the OS */
  uint64_t heap_idle;              /* bytes in free spans */
  uint64_t heap_inuse;             /* bytes in spans in use */
  uint64_t heap_released;          /* free bytes given back to the OS */
  uint64_t heap_objects;           /* allocated heap objects */
  uint64_t stack_inuse, stack_sys; /* goroutine stacks */
  uint64_t next_gc;                /* the heap goal of the next cycle */
  uint64_t last_gc;                /* end of the last cycle, ns since 1970 */
  uint64_t pause_total_ns;         /* every stop-the-world pause, summed */
  uint64_t pause_ns[256];          /* pause of cycle k at [(k + 255) % 256] */
  uint64_t pause_end[256];         /* its end, ns since 1970 */
  uint32_t num_gc, num_forced_gc;
  double gc_cpu_fraction; /* of the CPU time available since start */
  struct {
    uint32_t size;
    uint64_t mallocs, frees;
  } by_size[GORT_MEMSTATS_SIZE_CLASSES];
} gort_memstats;
/* read_memstats: runtime.ReadMemStats (it stops the world briefly). */
GORT_API void gort_read_memstats(gort_memstats *out);

/* GC events for the page and for tools: every phase change of every
 * cycle, kept in a ring of the last 256, cheap enough to poll at 20 Hz
 * from any thread. */
enum {
  GORT_GC_EV_SWEEP_TERMINATION = 1, /* a cycle starts: the world stops */
  GORT_GC_EV_MARK,                  /* marking */
  GORT_GC_EV_MARK_TERMINATION,      /* marking done, finishing */
  GORT_GC_EV_SWEEP,                 /* the world runs again; sweeping */
  GORT_GC_EV_SWEEP_DONE,            /* every span swept */
};
typedef struct gort_gc_event {
  uint64_t seq;       /* 1, 2, 3, ... in order */
  int64_t time_ns;    /* gort_nanotime() when it happened */
  uint32_t cycle;     /* the cycle's number (1 for the first) */
  uint32_t kind;      /* GORT_GC_EV_* */
  uint64_t heap_live; /* bytes allocated and not known free */
  uint64_t heap_goal; /* the cycle's goal */
} gort_gc_event;
/* gc_events: the events after seq after_seq still in the ring, oldest
 * first, at most cap of them; returns how many were written. */
GORT_API size_t gort_gc_events(uint64_t after_seq, gort_gc_event *out,
                               size_t cap);

/* The heap's layout, span by span, for the page's heap map and for tools:
 * every span of every arena in address order, free ones included. */
enum { GORT_SPAN_FREE = 1, GORT_SPAN_IN_USE = 2 };
typedef struct gort_span_info {
  uintptr_t base;          /* first byte */
  uint32_t npages;         /* of 8 KiB */
  uint8_t state;           /* GORT_SPAN_FREE or GORT_SPAN_IN_USE */
  uint8_t size_class;      /* 1..67; 0: one large object (or a free span) */
  uint8_t noscan;          /* its objects hold no pointers */
  uint8_t swept;           /* swept since the last mark */
  uint32_t elem_size;      /* bytes per object */
  uint16_t objects;        /* slots in the span */
  uint16_t allocated;      /* slots holding objects (unswept: as of the mark) */
  uint16_t marked;         /* slots marked by the mark in progress */
  uint32_t released_pages; /* free spans: pages given back to the OS */
} gort_span_info;
/* heap_snapshot: up to cap spans into out; returns how many the heap has
 * (more than cap: call again with more room). Stops the world briefly. */
GORT_API size_t gort_heap_snapshot(gort_span_info *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* GORT_H */
