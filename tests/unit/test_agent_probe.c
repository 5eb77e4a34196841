/* Unit tests of mailnocd's node facts: backups, mail root, load, versions. */
#include "core/clock.h"
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/exec.h"
#include "agent/probe.h"

#include "tests/unit/tmpdir.h"

static void
make_in(const char *name, int is_dir)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	if (is_dir) {
		assert_int_equal(mkdir(p, 0755), 0);
		return;
	}
	assert_non_null(f = fopen(p, "w"));
	fputs("0.52 0.40 0.30 2/345 6789\n", f);
	fclose(f);
}

static void
test_last_backup(void **state)
{
	char out[11] = "", cause[256] = "", p[128];

	(void)state;
	assert_int_equal(probe_last_backup(dir, out, sizeof out, cause,
	    sizeof cause), 0);
	make_in("2026-01-02", 1);
	make_in("2026-11-22", 1);
	make_in("2026-10-31", 1);
	make_in("2026-12-01", 0);   /* a file, not a backup */
	make_in("2026-13-01", 1);   /* no such month */
	make_in("2026-11-32", 1);   /* no such day */
	make_in("2099-1-1", 1);     /* not YYYY-MM-DD */
	make_in("latest", 1);
	assert_int_equal(probe_last_backup(dir, out, sizeof out, cause,
	    sizeof cause), 1);
	assert_string_equal(out, "2026-11-22");
	snprintf(p, sizeof p, "%s/missing", dir);
	assert_int_equal(probe_last_backup(p, out, sizeof out, cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "cannot list backup_root '"));
}

static void
write_in(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

/* Sets a directory's modification time. */
static void
mtime_in(const char *name, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	char p[256];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* The backups watched: status file, directories' times, gaps. */
static void
test_backups(void **state)
{
	struct probe_backups pb;
	char cause[256] = "";
	long today = 20426;   /* 2025-12-04 */

	(void)state;
	make_in("2025-12-03", 1);
	make_in("2025-12-02", 1);
	make_in("2025-11-30", 1);   /* 12-01 missing */
	make_in("2025-11-20", 1);
	mtime_in("2025-12-03", 1764800000);
	mtime_in("2025-12-02", 1764700000);
	/* No status file configured: the newest directory's time. */
	assert_int_equal(probe_backups(dir, NULL, 5, today, &pb, cause,
	    sizeof cause), 0);
	assert_string_equal(pb.last, "2025-12-03");
	assert_int_equal(pb.done_at, 1764800000);
	assert_int_equal(pb.bytes, -1);
	assert_int_equal(pb.mailboxes, -1);
	assert_string_equal(pb.result, "");
	assert_int_equal(pb.gaps, 2);          /* 12-01, 11-29 */
	assert_string_equal(pb.gap, "2025-12-01");
	/* A good run. */
	write_in("status", "date=2025-12-03\nresult=ok\n"
	    "completed_at=1764810000\nbytes=1234\nmailboxes=3\n");
	assert_int_equal(probe_backups(dir, "status", 3, today, &pb, cause,
	    sizeof cause), 0);
	assert_int_equal(pb.done_at, 1764810000);
	assert_int_equal(pb.bytes, 1234);
	assert_int_equal(pb.mailboxes, 3);
	assert_string_equal(pb.result, "ok");
	assert_int_equal(pb.gaps, 1);
	/* A failed run: the last good one is the night before. */
	write_in("status", "date=2025-12-03\nresult=failed\n"
	    "completed_at=1764810000\n");
	assert_int_equal(probe_backups(dir, "status", 3, today, &pb, cause,
	    sizeof cause), 0);
	assert_string_equal(pb.result, "failed");
	assert_int_equal(pb.done_at, 1764700000);
	/* A status file that does not parse: said, the directories count. */
	write_in("status", "result=perhaps\n");
	assert_int_equal(probe_backups(dir, "status", 0, today, &pb, cause,
	    sizeof cause), 1);
	assert_non_null(strstr(cause, "/status': line 1: result 'perhaps' is "
	    "not ok or failed"));
	assert_int_equal(pb.done_at, 1764800000);
	assert_int_equal(pb.gaps, 0);
	assert_int_equal(probe_backups(dir, "nosuch", 0, today, &pb, cause,
	    sizeof cause), 1);
	assert_non_null(strstr(cause, "cannot read the backup status"));
}

static void
test_mail_root(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(probe_mail_root("maildir:/tmp/mailnoc-lab/mbx1/mail/"
	    "%u/Maildir", out, sizeof out), 0);
	assert_string_equal(out, "/tmp/mailnoc-lab/mbx1/mail");
	assert_int_equal(probe_mail_root("mdbox:/srv/vmail/%d/%n:INDEX=/idx/%u",
	    out, sizeof out), 0);
	assert_string_equal(out, "/srv/vmail");
	assert_int_equal(probe_mail_root("maildir:/var/mail/shared:LAYOUT=fs",
	    out, sizeof out), 0);
	assert_string_equal(out, "/var/mail/shared");
	assert_int_equal(probe_mail_root("/var/vmail/%{user}", out,
	    sizeof out), 0);
	assert_string_equal(out, "/var/vmail");
	assert_int_equal(probe_mail_root("maildir:/%u", out, sizeof out), 0);
	assert_string_equal(out, "/");
	assert_int_equal(probe_mail_root("maildir:~/Maildir", out, sizeof out),
	    -1);
	assert_int_equal(probe_mail_root("", out, sizeof out), -1);
	assert_int_equal(probe_mail_root("maildir:/a/very/long/path/%u", out,
	    8), -1);
}

static void
test_version_clean(void **state)
{
	static const struct {
		const char	*raw;
		size_t		 len;	/* of out */
		const char	*want;
	} cases[] = {
		{ "3.7.11\n", 32, "3.7.11" },
		{ "2.3.19.1 (9b53102964)\n", 32, "2.3.19.1 (9b53102964)" },
		{ "  3.8-RC1\r\nmore\n", 32, "3.8-rc1" },
		{ "1.0 \"beta\"; rm", 32, "1.0 -beta-- rm" },
		{ "2.3.19.1 (9b53102964) with a long tail", 23,
		  "2.3.19.1 (9b53102964)" },
		{ "\n", 32, "" },
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		probe_version_clean(cases[i].raw, out, cases[i].len);
		assert_string_equal(out, cases[i].want);
	}
}

static void
test_load(void **state)
{
	char p[128], buf[16];
	FILE *f;

	(void)state;
	make_in("loadavg", 0);
	snprintf(p, sizeof p, "%s/loadavg", dir);
	assert_int_equal(probe_load(p, buf, sizeof buf), 0);
	assert_string_equal(buf, "0.52");
	assert_non_null(f = fopen(p, "w"));
	fputs("busy\n", f);
	fclose(f);
	assert_int_equal(probe_load(p, buf, sizeof buf), -1);
	snprintf(p, sizeof p, "%s/none", dir);
	assert_int_equal(probe_load(p, buf, sizeof buf), -1);
	/* The real one, where there is one. */
	if (access("/proc/loadavg", R_OK) == 0)
		assert_int_equal(probe_load("/proc/loadavg", buf, sizeof buf),
		    0);
}

static void
test_disk(void **state)
{
	char cause[256] = "";
	int pct;

	(void)state;
	pct = probe_disk_pct(dir, cause, sizeof cause);
	assert_true(pct >= 0 && pct <= 100);
	assert_int_equal(probe_disk_pct("/nonexistent/mailnoc", cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "'/nonexistent/mailnoc'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_last_backup, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_backups, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_mail_root),
		cmocka_unit_test(test_version_clean),
		cmocka_unit_test_setup_teardown(test_load, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_disk, setup_dir,
		    teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
