/*
 * traceback.h - the goroutine dump printed with every fatal error and on
 * SIGQUIT (natively: os_linux.c's handler calls proc.c's
 * gort__on_quit_signal): one paragraph per live goroutine with its id,
 * state or wait reason, and where it started.
 */
#ifndef GORT_DEBUG_TRACEBACK_H
#define GORT_DEBUG_TRACEBACK_H

void gort__traceback_all(void);

#endif
