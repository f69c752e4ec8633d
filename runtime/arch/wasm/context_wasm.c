/*
 * context_wasm.c - the context backend for Emscripten: a switch driven
 * from inside the module with Binaryen's Asyncify, after the shape of
 * ruby.wasm's fibers (ruby's wasm/fiber.c and ruby's wasm/runtime.c: a
 * loop that stops unwinds and starts rewinds) and Binaryen's Asyncify
 * documentation (WebAssembly/binaryen src/passes/Asyncify.cpp, its head
 * comment: the asyncify.* imports, the data layout, which functions it
 * leaves uninstrumented).
 *
 * A wasm call stack cannot be switched; it can only be unwound (every
 * instrumented frame saves its locals and where it stood into a buffer and
 * returns) and rewound (the bottom function is called again and every frame
 * restores itself and goes back into the call it was in). A thread's own
 * context (g0: its scheduler) is never unwound. It runs the contexts above
 * it from a loop, called where it switches to one
 * (gort__context_run_from_thread):
 *
 *   thread's wasm stack        (docs/WASM-NOTES.md, "The switch", draws it)
 *     ... pthread start, the thread's own frames (g0: schedule, execute)
 *     gort__context_run_from_thread(self, to)   uninstrumented: the loop
 *       body(arg)             the running context's bottom frame: a
 *                             goroutine's own function (make_body), or
 *                             entry(arg) for a context made plainly
 *         ... frames ...      instrumented; the last one switches:
 *           context_switch(from, to)   uninstrumented: start_unwind
 *
 *   1. context_switch (gort__context_switch, inline in context_types.h,
 *      calls it straight from the switching frame) records (from, to) in
 *      the thread's switch state, points Asyncify at the thread's unwind
 *      buffer and starts an unwind; every frame up to the loop saves
 *      itself and returns.
 *   2. The loop stops the unwind and notes from's stack pointer. It
 *      checks the unwind buffer's canary and copies the bytes used to
 *      from's own stack, just below that stack pointer (from->saved):
 *      nothing runs there while from is suspended, and they share lines
 *      with the frames from's resumption touches first, where a buffer of
 *      their own would be one more line to miss per switch (skynet on wasm
 *      about 10% faster). Only when from's stack has no room do they go
 *      to from's spill buffer: grown (doubled, from the C heap) when a
 *      switch saves more, kept with the context when its g is reused,
 *      never freed. The copy runs on the thread's stack (pointer and
 *      stack-check limits), except on a plain switch to another
 *      goroutine, where the loop keeps working on from's stack below the
 *      saved bytes (work_on_from).
 *   3. If to is the thread's own context, the loop returns: the thread's
 *      frames below it were never unwound, so nothing is rewound. Else it
 *      sets the stack pointer and the stack-check limits to to's and
 *      calls to->entry(to->arg): the first time that starts it;
 *      afterwards it starts a rewind from to->saved first, so the call
 *      rebuilds to's frames down to its context_switch, which sees
 *      the rewind, stops it and returns into to's code.
 *
 * So a switch between two goroutines is one unwind and one rewind, and a
 * goroutine's round trip through its thread's scheduler (Go's mcall, then
 * gogo) is the same: one unwind and one rewind, and ordinary calls and
 * returns on the thread's side.
 *
 * No JS runs on a switch, and nothing saved names a worker (Asyncify's
 * data is call indexes and locals; the entry is a function pointer, the
 * same table index in every instance), so a context parked on one worker
 * resumes on any other.
 *
 * Stack-check limits. Emscripten's STACK_OVERFLOW_CHECK=2 makes Binaryen
 * check every move of __stack_pointer against two globals it adds after
 * the link, which only its exported __set_stack_limits sets. No C code can
 * name it, so each thread, once, puts that export into the slot of
 * check_limits_placeholder in its own function table (tables are per
 * instance); from then on set_check_limits calls it with no JS.
 * Emscripten's own pair (emscripten_stack_set_limits) is left as the
 * thread's: only its reports and its pthread exit's cookie check read it,
 * and the overflow report asks gort_wasm_stack_check_base/end instead.
 *
 * Invariants:
 *   - A thread's own context is switched from only by
 *     gort__context_run_from_thread and to only by context_switch from a
 *     context that loop runs; it never leaves its thread.
 *   - context_switch and run_until_switch (one turn of the loop) are the
 *     only callers of the asyncify.* imports, so Binaryen leaves exactly
 *     them uninstrumented (run_until_switch is "bottom-most runtime": its
 *     caller, the loop, is not instrumented for it). context_switch must
 *     not be inlined by Binaryen (whose inliner runs before Asyncify) into
 *     the frame that switches, which would then be left uninstrumented
 *     too: it is called through a function pointer. A switching frame
 *     wrongly left uninstrumented (ASYNCIFY_REMOVE) traps in the asserts
 *     build (gort_tests) and fails the rewind's check in context_switch.
 *   - An unwind never overruns the thread's unwind buffer unnoticed: the
 *     buffer's end is a canary that the loop checks after every unwind,
 *     and Asyncify's own end is set past the canary; a context's spill
 *     buffer grows to what it saved before the copy.
 *   - A suspended context's saved bytes lie between its stack limit and
 *     its stack pointer, or in its spill buffer; it is resumed (the
 *     rewind reads them) before any of its code runs on that stack
 *     again.
 *   - A context's stack limit is WASM_RED_ZONE above its stack's end: a
 *     leaf frame kept below an unmoved stack pointer (LLVM's red zone)
 *     still lies inside the stack.
 *   - What the loop runs on an unwound context's stack uses only the
 *     room below its saved bytes (WORK_ROOM of it, under the
 *     context's own stack check), and only before any other code can
 *     take the context (work_on_from); otherwise the loop goes back to
 *     the thread's stack first.
 *   - No code here runs JS except thread_setup, once per thread.
 *
 * Locking: none. The switch state is thread-local; a context is touched
 * only by the thread that switches from or to it (arch/context.h).
 */
#include <emscripten/emscripten.h>
#include <emscripten/stack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/context.h"
#include "debug/print.h"

const char gort__context_backend[] = "wasm-asyncify";
/* An unwind and a rewind of the call chain: 65 ns bare, ~10 ns a frame
 * more (docs/PERFORMANCE.md, issue 15). */
const bool gort__context_switch_is_costly = true;

/* Binaryen's Asyncify API, imported so that its pass turns the calls into
 * direct calls to the functions it makes (Asyncify.cpp, head comment). */
__attribute__((import_module("asyncify"), import_name("start_unwind"))) void
asyncify_start_unwind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_unwind"))) void
asyncify_stop_unwind(void);
__attribute__((import_module("asyncify"), import_name("start_rewind"))) void
asyncify_start_rewind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_rewind"))) void
asyncify_stop_rewind(void);

/* The C stack pointer, read and set as Emscripten's stackSave and
 * stackRestore do (compiler-rt's stack_ops.S) but inline, not in a call
 * of their own. Only in functions with no frame on the C stack: an
 * epilogue would set the stack pointer back. Binaryen's stack check
 * (STACK_OVERFLOW_CHECK=2) checks this set as any other. */
static inline uintptr_t get_stack_pointer(void) {
  uintptr_t sp;
  __asm__ volatile("global.get __stack_pointer\n\tlocal.set %0" : "=r"(sp));
  return sp;
}
static inline void set_stack_pointer(uintptr_t sp) {
  __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" : : "r"(sp));
}

/* Asyncify's data header: where the next byte goes, and its end (checked
 * only when an unwind or rewind starts or stops). */
struct asyncify_data {
  char *cur;
  char *end;
};

enum {
  WASM_RED_ZONE = 128,          /* LLVM's WebAssemblyFrameLowering.h */
  UNWIND_BUF_SIZE = 128 * 1024, /* per thread: the most a switch saves */
  SPILL_MIN = 256,              /* a context's first spill buffer */
  CANARY_SIZE = 16,
  /* Room a leaving context's stack must have below its saved bytes for
   * the loop to keep working there instead of going back to the
   * thread's stack first (the copy and the checks need a few bytes). */
  WORK_ROOM = 2048,
};

static const uint64_t CANARY = 0x6a09e667f3bcc908ull;

/* The thread's switch state. Read afresh after every switch (never
 * through an address kept across one: a context may come back on another
 * thread). */
struct switch_state {
  struct gort_context *from; /* set by a switch that is unwinding */
  struct gort_context *to;
  struct gort_context *resuming; /* being rewound: its switch stops it */
  struct asyncify_data data;
  char *unwind_buf;                /* UNWIND_BUF_SIZE bytes, then the canary */
  struct gort_context *thread_ctx; /* the thread's own: never unwound */
  uintptr_t check_base, check_limit; /* what the stack check enforces */
};
static _Thread_local struct switch_state sw;

/* ---- the stack-check limits ------------------------------------------ */

static void check_limits_placeholder(uintptr_t base, uintptr_t limit) {
  (void)base; /* no STACK_OVERFLOW_CHECK=2 in this build: nothing to set */
  (void)limit;
}
static void (*volatile set_check_limits)(uintptr_t,
                                         uintptr_t) = check_limits_placeholder;

/* Limits first: the move of the stack pointer is checked. Emscripten's
 * own limits (emscripten_stack_get_base/end) stay the thread's: its
 * pthread exit checks the thread stack's cookie through them. */
static inline void enter_stack(struct switch_state *s, uintptr_t sp,
                               uintptr_t base, uintptr_t limit) {
  s->check_base = base;
  s->check_limit = limit;
  set_check_limits(base, limit);
  set_stack_pointer(sp);
}

/* For wasm/library_gort.js's stack-overflow report: the bounds the check
 * enforces on this thread now (those of the running context), or
 * Emscripten's for a thread that runs no switch. Frameless: it is called
 * with the stack pointer at the limit. */
EMSCRIPTEN_KEEPALIVE uintptr_t gort_wasm_stack_check_base(void);
EMSCRIPTEN_KEEPALIVE uintptr_t gort_wasm_stack_check_end(void);
EMSCRIPTEN_KEEPALIVE uintptr_t gort_wasm_stack_check_base(void) {
  return sw.thread_ctx ? sw.check_base : emscripten_stack_get_base();
}
EMSCRIPTEN_KEEPALIVE uintptr_t gort_wasm_stack_check_end(void) {
  return sw.thread_ctx ? sw.check_limit : emscripten_stack_get_end();
}

/* wasm/library_gort.js: puts the raw __set_stack_limits export (wasm/pre.js
 * keeps it: the exports in Module['asm'] are Asyncify's JS wrappers, which
 * a table cannot hold) into slot `index` of this thread's table. 1: done,
 * 0: the build has no stack check, -1: pre.js did not keep the export.
 * A JS library function, not EM_ASM: Emscripten 3.1.6 reads EM_ASM's
 * arguments from the C stack with a signed shift, so a thread whose stack
 * lies above 2 GiB (one started late in a run holding gigabytes) read its
 * argument as undefined ("WebAssembly.Table.set(): Argument 0 must be
 * convertible to a valid number"); an import's arguments are plain wasm
 * values. */
int gort_wasm_install_stack_limits(int index);

/* Install the stack-check setter in check_limits_placeholder's slot of
 * this thread's table. */
static void thread_setup(void) {
  int rc =
      gort_wasm_install_stack_limits((int)(uintptr_t)check_limits_placeholder);
  if (rc < 0)
    gort__throw("runtime: wasm switch: no raw __set_stack_limits (pre.js)");
}

/* ---- the switch ------------------------------------------------------- */

static _Noreturn void not_instrumented(const char *what) {
  gort__print_str("runtime: wasm switch: ");
  gort__print_str(what);
  gort__print_str(" (a function on the switch's call chain is not "
                  "instrumented by Asyncify: ASYNCIFY_REMOVE?)\n");
  gort__throw("wasm switch: call chain not instrumented");
}

/* Called through gort__wasm_context_switch only (see Invariants).
 * Uninstrumented: it runs to its end both when it starts an unwind and
 * when a rewind calls it again. */
static void context_switch(struct gort_context *from, struct gort_context *to) {
  struct switch_state *s = &sw;
  if (s->resuming != NULL) {
    /* Every frame took its own bytes back: a frame left uninstrumented
     * (a wrong ASYNCIFY_REMOVE list) would leave some, or take others'. */
    if (s->resuming != from || s->data.cur != from->saved)
      not_instrumented("a rewind did not come back as it was saved");
    s->resuming = NULL;
    asyncify_stop_rewind();
    return;
  }
  if (from->is_thread)
    gort__throw("runtime: wasm switch: from a thread's own context (use "
                "gort__context_run_from_thread)");
  s->from = from;
  s->to = to;
  s->data.cur = s->unwind_buf;
  /* Past the canary: Asyncify would trap without a word at the end; the
   * canary check after the unwind reports an overrun clearly. */
  s->data.end = s->unwind_buf + UNWIND_BUF_SIZE + CANARY_SIZE;
  asyncify_start_unwind(&s->data);
}

/* Called inline by every frame that switches (context_types.h). */
void (*volatile const gort__wasm_context_switch)(
    struct gort_context *, struct gort_context *) = context_switch;

/* ---- the loop ------------------------------------------------------- */

static _Noreturn void saved_too_big(const char *what, size_t n, size_t cap) {
  gort__print_str("runtime: a switch saved ");
  gort__print_uint(n);
  gort__print_str(" bytes of call-chain state; ");
  gort__print_str(what);
  gort__print_str(" holds ");
  gort__print_uint(cap);
  gort__print_str("\n");
  gort__fatal("stack overflow");
}

/* A spill buffer of at least n bytes for c's saved state. c is still
 * running as far as the collector knows (its status changes only after
 * the switch), so nobody scans the old buffer while it is replaced. */
static void grow_spill(struct gort_context *c, size_t n) {
  size_t cap = c->spill_cap ? c->spill_cap : SPILL_MIN;
  while (cap < n)
    cap *= 2;
  char *p = malloc(cap);
  if (p == NULL) {
    gort__print_str("runtime: cannot grow a goroutine's switch buffer to ");
    gort__print_uint(cap);
    gort__print_str(" bytes\n");
    gort__fatal("out of memory");
  }
  free(c->spill);
  c->spill = p;
  c->spill_cap = cap;
}

/* The bytes the unwind that just stopped left in the thread's buffer. */
static inline size_t unwound_bytes(struct switch_state *s) {
  uint64_t canary;
  memcpy(&canary, s->unwind_buf + UNWIND_BUF_SIZE, sizeof canary);
  size_t n = (size_t)(s->data.cur - s->unwind_buf);
  if (canary != CANARY || n > UNWIND_BUF_SIZE)
    saved_too_big("the thread's unwind buffer", n, UNWIND_BUF_SIZE);
  return n;
}

/* Where n bytes of c's saved state go on its own stack, just below where
 * it stopped; 0 if they do not fit there. The bytes there are the ones
 * its resumption touches next (its deepest frames sit just above): no
 * line of a buffer of its own to miss in the cache at every switch, and
 * no buffer to keep per goroutine. */
static inline uintptr_t saved_on_stack(const struct gort_context *c, size_t n) {
  if (c->sp - c->stack_limit < n + 16)
    return 0;
  return (c->sp - n) & ~(uintptr_t)15;
}

/* After an unwind stopped: keep what the unwind left in the thread's
 * buffer (n bytes) with from, at `at` on its stack (saved_on_stack) or,
 * at 0, in its spill buffer, and say where to go next (NULL: back to the
 * thread's own context). It runs on the thread's own stack, or on from's
 * below `at` when work_on_from said so. */
static inline struct gort_context *after_unwind(struct switch_state *s,
                                                struct gort_context *self,
                                                size_t n, uintptr_t at) {
  struct gort_context *from = s->from, *to = s->to;
  s->from = s->to = NULL;
  char *dst = (char *)at;
  if (dst == NULL) {
    if (n > from->spill_cap)
      grow_spill(from, n);
    dst = from->spill;
  }
  memcpy(dst, s->unwind_buf, n);
  from->saved = dst;
  from->saved_len = n;
  if (to == self)
    return NULL;
  if (to->is_thread)
    gort__throw("runtime: wasm switch: to another thread's own context");
  return to;
}

/* Whether the loop may do after_unwind's work on from's stack, below
 * where from's saved bytes go (at, from saved_on_stack; from's stack
 * check still in force), instead of going back to the thread's stack
 * first: one change of stack, and of stack-check limits, fewer per
 * switch from a goroutine to a goroutine. Only for the plain case: the
 * bytes go on from's stack with WORK_ROOM to spare below them. from is
 * still ours there: whoever takes it next (its unlockf, or the next
 * exit's stack free) runs only after the switch, on to or g0. */
static inline bool work_on_from(struct switch_state *s,
                                struct gort_context *self, uintptr_t at) {
  return s->to != self && !s->to->is_thread && at != 0 &&
         at - s->from->stack_limit >= WORK_ROOM;
}

/* Before to's entry is called: its stack, and a rewind if it ran before. */
static inline bool enter_context(struct switch_state *s,
                                 struct gort_context *to) {
  enter_stack(s, to->sp, to->stack_base, to->stack_limit);
  if (!to->started) {
    to->started = true;
    return false;
  }
  s->resuming = to;
  s->data.cur = to->saved + to->saved_len;
  s->data.end = s->data.cur;
  return true;
}

/* Calls to's code, to start it or (resuming: Asyncify is rewinding) to
 * rewind it: its entry, or for a context made by gort__context_make_body
 * its body, with its start before the first call. Returns when to
 * switches away (s->to is set) or its entry returned (NULL both), or, when
 * its body returned, the context its finish says to run next. */
static inline struct gort_context *
call_context(struct switch_state *s, struct gort_context *to, bool resuming) {
  const struct gort_context_entry *how = to->how;
  if (how == NULL) {
    to->entry(to->arg);
    return NULL;
  }
  if (!resuming) {
    how->start(to->arg);
    if (s->to != NULL)
      gort__throw("runtime: wasm switch: a context's start switched");
  }
  to->body(to->body_arg);
  if (s->to != NULL)
    return NULL;
  struct gort_context *next = how->finish(to->arg);
  if (next == NULL || next == to)
    gort__throw("runtime: wasm switch: a finished context's next is itself");
  return next;
}

/* One turn of the loop: run to (start it, or rewind it) until it
 * switches away, keep what it saved, and return the context to run next
 * (NULL: self). Uninstrumented (it calls stop_unwind and start_rewind):
 * the bottom of every goroutine's call chain on this thread. A function
 * of its own, called afresh for every switch, so that V8 optimises it: a
 * running wasm function is never moved to optimised code, and the loop
 * never returns while goroutines switch among themselves. Frameless on
 * the C stack (nothing here takes an address), so the stack pointer it
 * sets is not set back by an epilogue. */
static __attribute__((noinline)) struct gort_context *
run_until_switch(struct switch_state *s, struct gort_context *self,
                 struct gort_context *to) {
  bool resuming = enter_context(s, to);
  if (resuming)
    asyncify_start_rewind(&s->data);
  struct gort_context *next = call_context(s, to, resuming);
  if (next != NULL) {
    /* to is finished: nothing of it to keep, no unwind to stop. */
    if (next != self) {
      if (next->is_thread)
        gort__throw("runtime: wasm switch: to another thread's own context");
      return next; /* the next turn goes to its stack */
    }
    enter_stack(s, self->sp, self->stack_base, self->stack_limit);
    return NULL;
  }
  if (s->to == NULL) /* the function returned */
    gort__throw("runtime: wasm switch: a context's entry returned");
  asyncify_stop_unwind();
  s->from->sp = get_stack_pointer();
  size_t n = unwound_bytes(s);
  uintptr_t at = saved_on_stack(s->from, n);
  if (work_on_from(s, self, at))
    set_stack_pointer(at); /* below the bytes the copy writes */
  else
    enter_stack(s, self->sp, self->stack_base, self->stack_limit);
  return after_unwind(s, self, n, at);
}

/* The loop: runs to and every context it switches to, until one switches
 * back to self. Its callers are not instrumented for it and are never
 * unwound: run_until_switch stops every unwind. */
void gort__context_run_from_thread(struct gort_context *self,
                                   struct gort_context *to) {
  struct switch_state *s = &sw;
  if (!self->is_thread || s->thread_ctx != self)
    gort__throw("runtime: wasm switch: run from a context not the thread's");
  self->sp = get_stack_pointer();
  do
    to = run_until_switch(s, self, to);
  while (to != NULL);
}

void gort__context_start_current(struct gort_context *c, void (*fn)(void *),
                                 void *arg) {
  /* The thread's unwind buffer, on its stack for as long as it runs. */
  _Alignas(16) char unwind_buf[UNWIND_BUF_SIZE + CANARY_SIZE];
  thread_setup();
  *c = (struct gort_context){
      .started = true,
      .is_thread = true,
      .stack_base = (uintptr_t)emscripten_stack_get_base(),
      .stack_limit = (uintptr_t)emscripten_stack_get_end(),
  };
  struct switch_state *s = &sw;
  s->unwind_buf = unwind_buf;
  uint64_t canary = CANARY;
  memcpy(unwind_buf + UNWIND_BUF_SIZE, &canary, sizeof canary);
  s->from = s->to = s->resuming = NULL;
  s->check_base = c->stack_base;
  s->check_limit = c->stack_limit;
  s->thread_ctx = c;
  fn(arg);
  s = &sw;
  s->thread_ctx = NULL;
  s->unwind_buf = NULL;
}

void gort__context_make(struct gort_context *c, void *stack_lo,
                        size_t stack_size, void (*entry)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + stack_size) & ~(uintptr_t)15;
  *c = (struct gort_context){
      .entry = entry,
      .arg = arg,
      .started = false,
      .sp = top,
      .stack_base = top,
      .stack_limit = (uintptr_t)stack_lo + WASM_RED_ZONE,
      .spill = c->spill, /* a reused g keeps its buffer */
      .spill_cap = c->spill_cap,
  };
}

void gort__context_make_body(struct gort_context *c, void *stack_lo,
                             size_t stack_size,
                             const struct gort_context_entry *how, void *self,
                             void (*body)(void *), void *arg) {
  gort__context_make(c, stack_lo, stack_size, how->entry, self);
  c->how = how;
  c->body = body;
  c->body_arg = arg;
}

void *gort__context_saved_sp(const struct gort_context *c) {
  return (void *)c->sp; /* the wasm locals are at c->saved */
}

const void *gort__context_saved_regs(const struct gort_context *c,
                                     size_t *size) {
  *size = 0; /* no registers: the locals are in the saved bytes */
  return c;
}

const void *gort__context_saved_data(const struct gort_context *c,
                                     size_t *size) {
  *size = c->saved_len;
  return c->saved;
}
