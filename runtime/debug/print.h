/*
 * print.h - the runtime's printing and its fatal paths.
 *
 * Printing goes straight to fd 2 through gort__os_write_err in small pieces,
 * never through malloc or stdio, so it is safe in a signal handler, with
 * runtime locks held, and when the heap is broken (Go's print/println).
 *
 * Fatal paths (docs/STYLE.md, "Three kinds of failure"):
 *   gort__throw(msg)   a broken runtime invariant: prints
 *                      "fatal error: msg", the goroutine dump, exits 2.
 *   gort__fatal(msg)   an unrecoverable user error Go reports as
 *                      "fatal error: ..." (deadlock, concurrent map writes):
 *                      the same output, exit 2.
 *   gort__panic(msg)   a Go-level panic ("send on closed channel"): prints
 *                      "panic: msg", the dump, exits 2 (no recover in C).
 * Invariants: none of them allocate or return.
 */
#ifndef GORT_DEBUG_PRINT_H
#define GORT_DEBUG_PRINT_H

#include <stddef.h>
#include <stdint.h>

void gort__print_str(const char *s);
void gort__print_int(int64_t v);
void gort__print_uint(uint64_t v);
void gort__print_hex(uint64_t v);

/* The two halves of every fatal path, for callers that print details
 * between the headline and the goroutine dump. */
void gort__die_begin(const char *prefix, const char *msg);
/* Append src to the message in buf (size bytes, *len used so far; always
 * terminated, cut when full). No allocation: for building fatal messages. */
void gort__msg_cat(char *buf, size_t size, size_t *len, const char *src);
_Noreturn void gort__die_end(void);

_Noreturn void gort__throw(const char *msg);
_Noreturn void gort__fatal(const char *msg);
_Noreturn void gort__panic(const char *msg);

#endif
