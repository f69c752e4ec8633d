/*
 * traceback.h - the goroutine dump printed with every fatal error (and,
 * later, on SIGQUIT): one paragraph per live goroutine with its id, state
 * or wait reason, and where it started.
 */
#ifndef GORT_DEBUG_TRACEBACK_H
#define GORT_DEBUG_TRACEBACK_H

void gort__traceback_all(void);

#endif
