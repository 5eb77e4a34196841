/* A scratch directory for unit tests that need files: cmocka setup and
 * teardown functions around the static `dir`. Include after cmocka.h. */
#ifndef MAILNOC_TEST_TMPDIR_H
#define MAILNOC_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/mailnoc-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

#endif
