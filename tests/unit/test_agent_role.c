/* Unit tests of mailnocd's role probe and of running helper programs. */
#include "core/clock.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/exec.h"
#include "agent/role.h"

#include "tests/unit/tmpdir.h"

static int
parse(const char *text, enum node_state *out, char *cause, size_t len)
{
	return role_parse(text, strlen(text), out, cause, len);
}

static void
test_parse_good(void **state)
{
	static const struct {
		const char *text;
		enum node_state want;
	} good[] = {
		{ "active", STATE_ACTIVE },
		{ "active\n", STATE_ACTIVE },
		{ "standby\n", STATE_STANDBY },
		{ "  reserve \r\n", STATE_RESERVE },
		{ "\n\tstandby\n\n", STATE_STANDBY },
		{ "ACTIVE\n", STATE_ACTIVE },
		{ "Standby", STATE_STANDBY },
	};
	enum node_state st;
	char cause[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		st = STATE_UNKNOWN;
		assert_int_equal(parse(good[i].text, &st, cause, sizeof cause),
		    0);
		assert_int_equal(st, good[i].want);
	}
	/* Only `len` bytes count: the text need not end in NUL. */
	assert_int_equal(role_parse("standbyXYZ", 7, &st, cause, sizeof cause),
	    0);
	assert_int_equal(st, STATE_STANDBY);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"act", "activex", "active standby", "primary", "draining",
		"down", "unknown", "1", "active\nstandby",
	};
	enum node_state st = STATE_RESERVE;
	char cause[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause[0] = '\0';
		assert_int_equal(parse(bad[i], &st, cause, sizeof cause), -1);
		assert_non_null(strstr(cause, "use active, standby or "
		    "reserve"));
	}
	assert_int_equal(st, STATE_RESERVE);
	assert_int_equal(parse("primary\n", &st, cause, sizeof cause), -1);
	assert_string_equal(cause, "it says 'primary'; use active, standby or "
	    "reserve");
	assert_int_equal(parse(" \n\n", &st, cause, sizeof cause), -1);
	assert_string_equal(cause, "it is empty; use active, standby or "
	    "reserve");
	/* Control bytes are not echoed; long garbage is cut. */
	assert_int_equal(parse("\x1b[31mred", &st, cause, sizeof cause), -1);
	assert_string_equal(cause, "it says '?[31mred'; use active, standby "
	    "or reserve");
	assert_int_equal(parse("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    &st, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "xxxxxxxx...'"));
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
test_probe_file(void **state)
{
	struct config_node n;
	enum node_state st;
	char path[128], cause[512], big[400];

	(void)state;
	memset(&n, 0, sizeof n);
	snprintf(path, sizeof path, "%s/role", dir);
	n.role_file = path;

	write_file(path, "standby\n", 8);
	assert_int_equal(role_probe(&n, 1000, &st, cause, sizeof cause), 0);
	assert_int_equal(st, STATE_STANDBY);

	write_file(path, "master\n", 7);
	assert_int_equal(role_probe(&n, 1000, &st, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "bad role file '"));
	assert_non_null(strstr(cause, "it says 'master'"));

	write_file(path, "act\0ive\n", 8);
	assert_int_equal(role_probe(&n, 1000, &st, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "binary data"));

	memset(big, ' ', sizeof big);
	memcpy(big, "active", 6);
	write_file(path, big, sizeof big);
	assert_int_equal(role_probe(&n, 1000, &st, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "longer than 256 bytes"));

	unlink(path);
	assert_int_equal(role_probe(&n, 1000, &st, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "cannot read role file"));
	assert_non_null(strstr(cause, "No such file or directory"));
}

static void
test_probe_command(void **state)
{
	struct config_node n;
	enum node_state st = STATE_UNKNOWN;
	char cause[512];

	(void)state;
	memset(&n, 0, sizeof n);
	n.role_command = "echo reserve";
	assert_int_equal(role_probe(&n, 2000, &st, cause, sizeof cause), 0);
	assert_int_equal(st, STATE_RESERVE);

	n.role_command = "printf '  active\\n' | cat";
	assert_int_equal(role_probe(&n, 2000, &st, cause, sizeof cause), 0);
	assert_int_equal(st, STATE_ACTIVE);

	n.role_command = "echo 'cluster not running' >&2; exit 3";
	assert_int_equal(role_probe(&n, 2000, &st, cause, sizeof cause), -1);
	assert_string_equal(cause, "role command failed: '/bin/sh' exited with "
	    "status 3: cluster not running");

	n.role_command = "echo Slave";
	assert_int_equal(role_probe(&n, 2000, &st, cause, sizeof cause), -1);
	assert_string_equal(cause, "bad role command output: it says 'Slave'; "
	    "use active, standby or reserve");
}

static void
test_probe_command_timeout(void **state)
{
	struct config_node n;
	enum node_state st;
	char cause[512];
	long long t0;

	(void)state;
	memset(&n, 0, sizeof n);
	/* The grandchild holds stdout open: the process group is killed. */
	n.role_command = "sleep 10 | cat; echo active";
	t0 = clock_mono_ms();
	assert_int_equal(role_probe(&n, 200, &st, cause, sizeof cause), -1);
	assert_true(clock_mono_ms() - t0 < 2000);
	assert_string_equal(cause, "role command failed: '/bin/sh' timed out "
	    "after 200 ms");
}

static void
test_probe_none(void **state)
{
	struct config_node n;
	enum node_state st = STATE_DRAINING;
	char cause[64] = "";

	(void)state;
	memset(&n, 0, sizeof n);
	assert_int_equal(role_probe(&n, 1000, &st, cause, sizeof cause), 1);
	assert_int_equal(st, STATE_DRAINING);
}

static void
test_exec(void **state)
{
	char *missing[] = { "mailnoc-no-such-program", NULL };
	char *echo[] = { "printf", "%s", "0123456789abcdef", NULL };
	char out[8], cause[256];

	(void)state;
	assert_int_equal(exec_capture(missing, 1000, out, sizeof out, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "cannot run 'mailnoc-no-such-program': "
	    "not found or not executable");
	/* Output beyond the buffer is read and dropped. */
	assert_int_equal(exec_capture(echo, 1000, out, sizeof out, cause,
	    sizeof cause), 0);
	assert_string_equal(out, "0123456");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test_setup_teardown(test_probe_file, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_probe_command),
		cmocka_unit_test(test_probe_command_timeout),
		cmocka_unit_test(test_probe_none),
		cmocka_unit_test(test_exec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
