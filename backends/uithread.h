/* The console's UI thread, known to the backends that do network I/O. */
#ifndef MAILNOC_UITHREAD_H
#define MAILNOC_UITHREAD_H

#include <stdbool.h>

/*
 * The calling thread is the console's UI thread (tui calls it once, at
 * start, before any other thread runs).
 */
void uithread_register(void);

/* True on the registered UI thread. */
bool uithread_is(void);

/*
 * The rule "the UI thread does no network I/O": in the test build
 * (-DMAILNOC_CHECK_UI_THREAD, build/san) a call from the UI thread prints
 * what it was about to do (`what`: "redis: connect") and aborts. Elsewhere
 * it does nothing.
 */
void uithread_check(const char *what);

#endif
