/* Allocation wrappers: out of memory is not an error we can recover from. */
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Taken (swapped for NULL) by the first fatal exit, so it runs once. */
static int (*_Atomic xalloc_fatal_hook)(void);

void
xalloc_on_fatal(int (*fn)(void))
{
	atomic_store(&xalloc_fatal_hook, fn);
}

void
xfatal(const char *fmt, ...)
{
	int (*fn)(void) = atomic_exchange(&xalloc_fatal_hook, NULL);
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (fn != NULL)
		(void)fn();
	/* One line in one write, even with another thread dying too. */
	fprintf(stderr, "mailnoc: %s\n", msg);
	abort();
}

static void
xalloc_die(size_t size)
{
	xfatal("out of memory allocating %zu bytes", size);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xalloc_die(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		xalloc_die(n * size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		xalloc_die(size);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xalloc_die(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xmalloc(len), s, len);
}

char *
xstrdup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}
