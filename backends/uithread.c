/* Which thread is the console's UI thread, and the check that it does no
 * network I/O (backends/redis.c and backends/ssh.c call it). */
#include "backends/uithread.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"

/* Set before the console starts any thread: pthread_create orders it. */
static pthread_t uithread_id;
static bool uithread_known;

void
uithread_register(void)
{
	uithread_id = pthread_self();
	uithread_known = true;
}

bool
uithread_is(void)
{
	return uithread_known && pthread_equal(pthread_self(), uithread_id);
}

void
uithread_check(const char *what)
{
#ifdef MAILNOC_CHECK_UI_THREAD
	if (!uithread_is())
		return;
	/* xfatal: the console's terminal is restored before it says so. */
	xfatal("%s called on the console's UI thread, which does no network "
	    "I/O: run it as a job (tui/worker.c)", what);
#else
	(void)what;
#endif
}
