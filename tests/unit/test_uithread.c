/* Unit tests of the UI-thread rule: the backends know the console's UI
 * thread, and in the test build a network call from it aborts, saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/redis.h"
#include "backends/uithread.h"

static void *
other_thread(void *arg)
{
	bool *is = arg;

	*is = uithread_is();
	/* Not the UI thread: the check lets it through. */
	uithread_check("redis: a command");
	return NULL;
}

static void
test_other_thread(void **state)
{
	pthread_t t;
	bool is = true;

	(void)state;
	uithread_register();
	assert_true(uithread_is());
	assert_int_equal(pthread_create(&t, NULL, other_thread, &is), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(is);
}

/*
 * Runs fn in a child registered as the UI thread, its standard error read
 * into out; returns the child's wait status.
 */
static int
in_ui_child(void (*fn)(void), char *out, size_t len)
{
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		uithread_register();
		fn();
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
ssh_connect_check(void)
{
	uithread_check("ssh: connect");
}

/*
 * In a child registered as the UI thread: the test build aborts with a
 * message naming the call; the release build lets the check through.
 */
static void
test_ui_thread(void **state)
{
	char out[512] = "";
	int status;

	(void)state;
	status = in_ui_child(ssh_connect_check, out, sizeof out);
#ifdef MAILNOC_CHECK_UI_THREAD
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "mailnoc: ssh: connect called on the "
	    "console's UI thread, which does no network I/O"));
#else
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out, "");
#endif
}

#ifdef MAILNOC_CHECK_UI_THREAD
static void
redis_ensure_unset(void)
{
	struct redis r;

	memset(&r, 0, sizeof r);
	redis_ensure(&r);
}

/* The check a backend makes itself: redis_ensure on the UI thread. */
static void
test_redis_on_ui_thread(void **state)
{
	char out[512] = "";
	int status;

	(void)state;
	status = in_ui_child(redis_ensure_unset, out, sizeof out);
	assert_true(WIFSIGNALED(status));
	assert_non_null(strstr(out, "mailnoc: redis: a command called on the "
	    "console's UI thread"));
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_thread),
		cmocka_unit_test(test_ui_thread),
#ifdef MAILNOC_CHECK_UI_THREAD
		cmocka_unit_test(test_redis_on_ui_thread),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
