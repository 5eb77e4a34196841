/* Unit tests of the log export: its arguments, the command a gateway runs
 * (run here with /bin/sh on rotated and compressed files), the time filter
 * and the merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "core/logexport.h"
#include "tests/unit/tmpdir.h"

#define NOW 1796445600LL   /* 2026-12-05 04:40:00 UTC */

static void
test_query(void **state)
{
	struct logexport_query q;
	char cause[300];

	(void)state;
	assert_int_equal(logexport_query_make("2h", NULL, "127.0.1.10", NULL,
	    NULL, NOW, &q, cause, sizeof cause), 0);
	assert_int_equal(q.since, NOW - 7200);
	assert_int_equal(q.until, NOW);
	assert_int_equal(q.by, LOGEXPORT_CLIENT);
	assert_string_equal(q.needle, "[127.0.1.10]");
	/* IPv6 in Postfix's canonical form. */
	assert_int_equal(logexport_query_make("1796440000", "1796445000",
	    "2001:DB8:0:0::1", NULL, NULL, NOW, &q, cause, sizeof cause), 0);
	assert_string_equal(q.needle, "[2001:db8::1]");
	assert_int_equal(q.since, 1796440000);
	assert_int_equal(q.until, 1796445000);
	assert_int_equal(logexport_query_make("2026-12-05T00:00:00Z", "now",
	    NULL, "Ann.Smith+x@agency.test", NULL, NOW, &q, cause,
	    sizeof cause), 0);
	assert_string_equal(q.needle, "from=<Ann.Smith+x@agency.test>");
	assert_int_equal(q.since, 1796428800);
	assert_int_equal(logexport_query_make("7d", NULL, NULL, NULL,
	    "bob@yahoo.test", NOW, &q, cause, sizeof cause), 0);
	assert_string_equal(q.needle, "to=<bob@yahoo.test>");
	assert_int_equal(logexport_query_make("7d", NULL, NULL, NULL, NULL,
	    NOW, &q, cause, sizeof cause), 0);
	assert_int_equal(q.by, LOGEXPORT_ALL);
	assert_string_equal(q.needle, "");
}

static void
test_query_bad(void **state)
{
	static const struct {
		const char *since, *until, *client, *from, *to, *cause;
	} bad[] = {
		{ NULL, NULL, NULL, NULL, NULL, "--since is required: give" },
		{ "yesterday", NULL, NULL, NULL, NULL, "--since 'yesterday' is "
		    "not accepted: give a duration" },
		{ "2026-02-30", NULL, NULL, NULL, NULL, "--since '2026-02-30' "
		    "is not accepted" },
		{ "2h", "3h", NULL, NULL, NULL, "--until comes before --since" },
		{ "2h", "1h;rm", NULL, NULL, NULL, "--until '1h;rm' is not "
		    "accepted" },
		{ "2h", NULL, "10.0.0.0/8", NULL, NULL, "--client '10.0.0.0/8' "
		    "is not accepted: " },
		{ "2h", NULL, "1.2.3.4'; rm -rf /", NULL, NULL, "--client "
		    "'1.2.3.4'; rm -rf /' is not accepted" },
		{ "2h", NULL, "1.2.3.4", "a@b.test", NULL, "give at most one of "
		    "--client, --from and --to" },
		{ "2h", NULL, NULL, "it's@b.test", NULL, "--from 'it's@b.test' "
		    "is not accepted: use local@domain" },
		{ "2h", NULL, NULL, NULL, "a b@c.test", "--to 'a b@c.test' is "
		    "not accepted" },
		{ "2h", NULL, NULL, NULL, "$(reboot)", "--to '$(reboot)' is not "
		    "accepted" },
		{ "2h", NULL, NULL, NULL, "<x@y.test>", "--to '<x@y.test>' is "
		    "not accepted" },
		{ "2h", NULL, NULL, "a@b@c", NULL, "--from 'a@b@c' is not "
		    "accepted" },
		{ "2h", NULL, NULL, "x\n@y.test", NULL, "--from 'x\n@y.test' is "
		    "not accepted" },
	};
	struct logexport_query q;
	char cause[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(logexport_query_make(bad[i].since,
		    bad[i].until, bad[i].client, bad[i].from, bad[i].to, NOW,
		    &q, cause, sizeof cause), -1);
		if (strncmp(cause, bad[i].cause, strlen(bad[i].cause)) != 0)
			fail_msg("case %zu: '%s' does not begin with '%s'", i,
			    cause, bad[i].cause);
	}
}

/* Runs `cmd` with /bin/sh; its stdout into out. Returns the exit status. */
static int
run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	return WEXITSTATUS(pclose(p));
}

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* The command on rotated, compressed and old files, and quoting. */
static void
test_command(void **state)
{
	struct logexport_query q;
	char cmd[8192], out[4096], cause[300], file[256],
	    sh[8400];

	(void)state;
	write_file("mail log", "Dec  5 04:00:01 gw1 postfix/smtpd[1]: A1: "
	    "client=x[127.0.1.10]\nDec  5 04:00:02 gw1 postfix/smtpd[1]: "
	    "B1: client=x[127.0.1.100]\n");
	write_file("mail log.1", "Dec  5 03:00:01 gw1 postfix/smtpd[1]: A2: "
	    "client=x[127.0.1.10]\n");
	write_file("mail log-20261204", "Dec  4 03:00:01 gw1 postfix/smtpd[1]: "
	    "A3: client=x[127.0.1.10]\n");
	write_file("mail log.tmp", "Dec  5 03:00:09 gw1 postfix/smtpd[1]: X: "
	    "client=x[127.0.1.10]\n");
	write_file("mail log-gw1-1a8a.state", "Dec  5 03:00:09 gw1 "
	    "postfix/smtpd[1]: Z: client=x[127.0.1.10]\n");
	write_file("mail logbook", "Dec  5 03:00:09 gw1 postfix/smtpd[1]: Y: "
	    "client=x[127.0.1.10]\n");
	write_file("old", "Nov  1 03:00:01 gw1 postfix/smtpd[1]: A4: "
	    "client=x[127.0.1.10]\n");
	snprintf(sh, sizeof sh, "cd '%s' && gzip -c old > 'mail log.2.gz' && "
	    "touch -d '2026-11-01 04:00' 'mail log.2.gz' && gzip -c old > "
	    "'mail log.3.gz'", dir);
	assert_int_equal(system(sh), 0);
	snprintf(file, sizeof file, "%s/mail log", dir);
	assert_int_equal(logexport_query_make("1796000000", NULL,
	    "127.0.1.10", NULL, NULL, NOW, &q, cause, sizeof cause), 0);
	assert_int_equal(logexport_command(file, NULL, &q, cmd, sizeof cmd,
	    cause, sizeof cause), 0);
	/* The value goes quoted; nothing else of the user's is in it. */
	assert_non_null(strstr(cmd, "grep -F -i -e '[127.0.1.10]'"));
	assert_int_equal(run(cmd, out, sizeof out), 0);
	/* Not .100, not .tmp, not another file, not the one last written
	 * before the period (.2.gz); .3.gz is decompressed. */
	assert_non_null(strstr(out, "A1: client"));
	assert_null(strstr(out, "B1: client"));
	assert_non_null(strstr(out, "A2: client"));
	assert_non_null(strstr(out, "A3: client"));
	assert_null(strstr(out, "X: client"));
	assert_null(strstr(out, "Y: client"));
	assert_null(strstr(out, "Z: client"));
	assert_non_null(strstr(out, "A4: client"));
	/* Once: .2.gz, with the same lines, was left out. */
	assert_null(strstr(strstr(out, "A4: client") + 1, "A4: client"));

	/* Nothing matches: a success with no line. */
	assert_int_equal(logexport_query_make("1796000000", NULL, "10.9.9.9",
	    NULL, NULL, NOW, &q, cause, sizeof cause), 0);
	assert_int_equal(logexport_command(file, NULL, &q, cmd, sizeof cmd,
	    cause, sizeof cause), 0);
	assert_int_equal(run(cmd, out, sizeof out), 0);
	assert_string_equal(out, "");

	/* A quote in the path is refused; a space goes quoted; a missing
	 * log fails, saying so on stderr. */
	snprintf(file, sizeof file, "%s/no'such", dir);
	assert_int_equal(logexport_command(file, NULL, &q, cmd, sizeof cmd,
	    cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "is not accepted: use a path without"));
	snprintf(file, sizeof file, "%s/no such", dir);
	assert_int_equal(logexport_command(file, NULL, &q, cmd, sizeof cmd,
	    cause, sizeof cause), 0);
	assert_non_null(strstr(cmd, "/no such'; "));
	snprintf(sh, sizeof sh, "(%s) 2>&1", cmd);
	assert_int_equal(run(sh, out, sizeof out), 2);
	assert_non_null(strstr(out, LOGEXPORT_MARK " cannot read "));

	/* A relative path or none at all is refused before anything runs. */
	assert_int_equal(logexport_command("maillog", NULL, &q, cmd,
	    sizeof cmd, cause, sizeof cause), -1);
	assert_int_equal(logexport_command(NULL, NULL, &q, cmd, sizeof cmd,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "no maillog.file and no postfix_config to "
	    "ask for maillog_file");
	assert_int_equal(logexport_command(NULL, "/etc/postfix-gw1", &q, cmd,
	    sizeof cmd, cause, sizeof cause), 0);
	assert_non_null(strstr(cmd, "f=$(postconf -c '/etc/postfix-gw1' -h "
	    "maillog_file)"));
}

static void
test_keep(void **state)
{
	struct maillog_parser p;
	struct logexport_query q;
	char cause[300];
	long long t;
	static const char in[] = "Dec  5 04:30:00 gw1 postfix/qmgr[9]: A1: "
	    "removed", before[] = "Dec  5 02:00:00 gw1 postfix/qmgr[9]: A1: "
	    "removed", rfc[] = "2026-12-05T04:39:59.5+00:00 gw1 "
	    "postfix/qmgr[9]: A1: removed", junk[] = "no time here [1.2.3.4]";

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	maillog_parser_init(&p, NOW);
	assert_int_equal(logexport_query_make("1h", NULL, NULL, NULL, NULL,
	    NOW, &q, cause, sizeof cause), 0);
	assert_int_equal(logexport_keep(&p, &q, in, strlen(in), &t), 1);
	assert_int_equal(t, NOW - 600);
	assert_int_equal(logexport_keep(&p, &q, before, strlen(before), &t),
	    0);
	assert_int_equal(logexport_keep(&p, &q, rfc, strlen(rfc), &t), 1);
	assert_int_equal(logexport_keep(&p, &q, junk, strlen(junk), &t), -1);
	/* Local dates are the log's local time. */
	assert_int_equal(logexport_time("2026-12-05T04:30", NOW, &t), 0);
	assert_int_equal(t, NOW - 600);
	assert_int_equal(logexport_time("2026-12-05", NOW, &t), 0);
	assert_int_equal(t, 1796428800);
}

static void
test_sort(void **state)
{
	struct logexport_line v[] = {
		{ 20, 1, 0, "gw2 a", 5 },
		{ 10, 0, 0, "gw1 a", 5 },
		{ 20, 0, 1, "gw1 c", 5 },
		{ 20, 0, 0, "gw1 b", 5 },
		{ 5, 1, 1, "gw2 b", 5 },
		{ 20, 1, 2, "gw2 c", 5 },
	};
	static const char *const want[] = { "gw2 b", "gw1 a", "gw1 b",
		"gw1 c", "gw2 a", "gw2 c" };
	size_t i;

	(void)state;
	logexport_sort(v, 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(v[i].text, want[i]);
	logexport_sort(v, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_query_bad),
		cmocka_unit_test_setup_teardown(test_command, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_sort),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
