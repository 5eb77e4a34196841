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

/* Writes `text` to the test's maillog and reads its head. */
static void
head_of(const char *text, unsigned long long *h, int *n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/maillog", dir);
	write_file(path, text, 0);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(maillog_head(fd, h, n), 0);
	close(fd);
}

static void
test_head(void **state)
{
	unsigned long long h1, h2;
	char big[600];
	int n1, n2;

	(void)state;
	head_of("", &h1, &n1);
	assert_int_equal(n1, 0);
	/* No full line yet: no checksum. */
	head_of("Dec 05 00:46:34 gw1 postfix/qmgr[1]: 76C39A7", &h1, &n1);
	assert_int_equal(n1, 0);
	head_of("line one\nline two\n", &h1, &n1);
	assert_int_equal(n1, 9);
	/* The same first line, another rest: the same checksum. */
	head_of("line one\nsomething else\n", &h2, &n2);
	assert_true(h1 == h2 && n1 == n2);
	head_of("line 1\n", &h2, &n2);
	assert_true(h1 != h2);
	/* A first line over 256 bytes: its first 256. */
	memset(big, 'x', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	head_of(big, &h2, &n2);
	assert_int_equal(n2, 256);
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
