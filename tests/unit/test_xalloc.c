/* Unit tests of the fatal exit: the registered hook (the console's endwin)
 * runs before the message, once, and the program ends on SIGABRT. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/xalloc.h"

static int hook_calls;

/* Stands for endwin: says on stderr that it ran, and how often. */
static int
hook_restore(void)
{
	fprintf(stderr, "restored %d\n", ++hook_calls);
	return 0;
}

/* A hook that runs out of memory itself. */
static int
hook_dies(void)
{
	fprintf(stderr, "restoring %d\n", ++hook_calls);
	xfatal("out of memory in the hook");
}

/*
 * Runs fn in a child whose stderr goes into out; returns how the child
 * ended (waitpid's status).
 */
static int
in_child(void (*fn)(void), char *out, size_t size)
{
	struct rlimit nocore = { 0, 0 };
	size_t len = 0;
	ssize_t n;
	int fd[2], status;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		setrlimit(RLIMIT_CORE, &nocore);
		fn();
		_exit(0);
	}
	close(fd[1]);
	while (len < size - 1 &&
	    (n = read(fd[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
die_overflowing(void)
{
	xreallocarray(NULL, SIZE_MAX / 2 + 1, 2);
}

static void
die_pool_full(void)
{
	xfatal("string pool full: %s", "too many names");
}

static void
assert_aborted(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void
test_hook_before_message(void **state)
{
	char out[256], want[256];

	(void)state;
	xalloc_on_fatal(hook_restore);
	assert_aborted(in_child(die_overflowing, out, sizeof out));
	snprintf(want, sizeof want, "restored 1\nmailnoc: out of memory "
	    "allocating %zu bytes\n", (size_t)SIZE_MAX);
	assert_string_equal(out, want);
	assert_aborted(in_child(die_pool_full, out, sizeof out));
	assert_string_equal(out, "restored 1\nmailnoc: string pool full: "
	    "too many names\n");
	xalloc_on_fatal(NULL);
}

/* A hook that dies is not run again: the second exit only prints. */
static void
test_hook_once(void **state)
{
	char out[256];

	(void)state;
	xalloc_on_fatal(hook_dies);
	assert_aborted(in_child(die_pool_full, out, sizeof out));
	assert_string_equal(out, "restoring 1\nmailnoc: out of memory in the "
	    "hook\n");
	xalloc_on_fatal(NULL);
}

static void
test_no_hook(void **state)
{
	char out[256];
	int *p;

	(void)state;
	xalloc_on_fatal(hook_restore);
	xalloc_on_fatal(NULL);
	assert_aborted(in_child(die_pool_full, out, sizeof out));
	assert_string_equal(out, "mailnoc: string pool full: too many names\n");
	/* Nothing failed: the hook stays out of it. */
	p = xreallocarray(NULL, 4, sizeof *p);
	p[3] = 1;
	free(p);
	assert_int_equal(hook_calls, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_before_message),
		cmocka_unit_test(test_hook_once),
		cmocka_unit_test(test_no_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
