/* Unit tests of the mail log follower's files: position, first line,
 * rotated siblings (agent/maillog.c). The follower itself runs against the
 * lab in tests/integration/t_maillog.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <cmocka.h>

#include "agent/maillog.h"
#include "tests/unit/tmpdir.h"

static void
write_file(const char *path, const char *text, time_t mtime)
{
	struct utimbuf ut = { mtime, mtime };
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (mtime != 0)
		assert_int_equal(utime(path, &ut), 0);
}

static void
test_pos(void **state)
{
	struct maillog_pos p = { 123456, 987654321, 0xfeedfacecafeULL, 78 }, q;
	char path[128];
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/gw1.state", dir);
	assert_int_equal(maillog_pos_load(path, &q), -1);
	assert_int_equal(maillog_pos_save(path, &p), 0);
	memset(&q, 0, sizeof q);
	assert_int_equal(maillog_pos_load(path, &q), 0);
	assert_true(q.ino == p.ino && q.offset == p.offset &&
	    q.head == p.head && q.head_len == p.head_len);
	/* No temporary file is left behind. */
	snprintf(path, sizeof path, "%s/gw1.state.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	/* A file that is not a state file is refused. */
	snprintf(path, sizeof path, "%s/bad.state", dir);
	write_file(path, "ino 1 offset 2 head 3 head_len 4\n", 0);
	assert_int_equal(maillog_pos_load(path, &q), -1);
	f = fopen(path, "w");
	fprintf(f, "mailnocd-maillog 1\nino 1 offset -5 head 3 head_len 4\n");
	fclose(f);
	assert_int_equal(maillog_pos_load(path, &q), -1);
	/* An unwritable directory: -1, nothing else. */
	assert_int_equal(maillog_pos_save("/nonexistent/dir/x.state", &p), -1);
}

static void
test_head(void **state)
{
	unsigned long long h1, h2;
	char path[128], big[600];
	int fd, n1, n2;

	(void)state;
	snprintf(path, sizeof path, "%s/maillog", dir);
	write_file(path, "", 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(maillog_head(fd, &h1, &n1), 0);
	assert_int_equal(n1, 0);
	close(fd);
	/* No full line yet: no checksum. */
	write_file(path, "Dec 05 00:46:34 gw1 postfix/qmgr[1]: 76C39A7", 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(maillog_head(fd, &h1, &n1), 0);
	assert_int_equal(n1, 0);
	close(fd);
	write_file(path, "line one\nline two\n", 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(maillog_head(fd, &h1, &n1), 0);
	assert_int_equal(n1, 9);
	close(fd);
	/* The same first line, another rest: the same checksum. */
	write_file(path, "line one\nsomething else\n", 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(maillog_head(fd, &h2, &n2), 0);
	assert_true(h1 == h2 && n1 == n2);
	close(fd);
	write_file(path, "line 1\n", 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(maillog_head(fd, &h2, &n2), 0);
	assert_true(h1 != h2);
	close(fd);
	/* A first line over 256 bytes: its first 256. */
	memset(big, 'x', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	write_file(path, big, 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(maillog_head(fd, &h2, &n2), 0);
	assert_int_equal(n2, 256);
	close(fd);
}

static void
test_oldest(void **state)
{
	char path[128], sib[160];
	time_t now = time(NULL);

	(void)state;
	snprintf(path, sizeof path, "%s/logs", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/logs/mail.log", dir);
	assert_int_equal(maillog_oldest_mtime(path), -1);
	write_file(path, "x\n", now);
	assert_int_equal(maillog_oldest_mtime(path), now);
	snprintf(sib, sizeof sib, "%s.1", path);
	write_file(sib, "x\n", now - 86400);
	snprintf(sib, sizeof sib, "%s.2.gz", path);
	write_file(sib, "x\n", now - 2 * 86400);
	snprintf(sib, sizeof sib, "%s-20261101", path);
	write_file(sib, "x\n", now - 30 * 86400);
	assert_int_equal(maillog_oldest_mtime(path), now - 30 * 86400);
	/* Other files of the directory are not the log's. */
	snprintf(sib, sizeof sib, "%s/logs/mail.err", dir);
	write_file(sib, "x\n", now - 90 * 86400);
	snprintf(sib, sizeof sib, "%s/logs/mail.logger", dir);
	write_file(sib, "x\n", now - 90 * 86400);
	snprintf(sib, sizeof sib, "%s.tmp", path);
	write_file(sib, "x\n", now - 90 * 86400);
	assert_int_equal(maillog_oldest_mtime(path), now - 30 * 86400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pos),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_oldest),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
