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

#endif
