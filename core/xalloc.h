/* Allocation wrappers that end the program cleanly when memory runs out. */
#ifndef MAILNOC_XALLOC_H
#define MAILNOC_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* Grows an array to hold n elements of size bytes, checking for overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* Returns NULL for NULL. */
char *xstrdup_or_null(const char *s);

/*
 * Registers fn to run before a fatal exit prints its message, so that the
 * console can restore the terminal first (endwin fits as it is; what fn
 * returns is ignored). It runs once, even when two threads die together or
 * fn itself runs out of memory. NULL removes it.
 */
void xalloc_on_fatal(int (*fn)(void));
/*
 * Ends the program on an error nothing can recover from: runs the hook,
 * prints "mailnoc: " and the message on stderr, and aborts.
 */
void xfatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

#endif
