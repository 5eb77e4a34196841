/* Unit tests of the message index: log lines in, traces out (real SQLite,
 * in memory and in a temporary file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/msgindex.h"

#define NOW 1796431594LL
#define P "Dec 05 00:46:34 gw1 postfix-gw1/"

static const char *const lines[] = {
	/* A delivered message. */
	P "smtpd[1]: 1A2B3C4D5E: client=mail.agency.test[10.0.0.5]",
	P "cleanup[2]: 1A2B3C4D5E: message-id=<m1@agency.test>",
	P "qmgr[3]: 1A2B3C4D5E: from=<Clerk@Agency.TEST>, size=900, nrcpt=1 "
	    "(queue active)",
	P "smtp[4]: 1A2B3C4D5E: to=<alice@Yahoo.TEST>, relay=mx.yahoo.test"
	    "[10.9.9.9]:25, delay=1.5, delays=0.1/0/0.4/1, dsn=2.0.0, "
	    "status=sent (250 2.0.0 Ok: queued as XYZ)",
	P "qmgr[3]: 1A2B3C4D5E: removed",
	/* Deferred, held, released, delivered. */
	P "smtpd[1]: 2B3C4D5E6F: client=unknown[10.0.0.6]",
	P "qmgr[3]: 2B3C4D5E6F: from=<a%b_c@agency.test>, size=10, nrcpt=1 "
	    "(queue active)",
	P "smtp[4]: 2B3C4D5E6F: to=<o'brien@dead.test>, relay=none, delay=30, "
	    "delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to "
	    "dead.test[10.1.1.1]:25: Connection refused)",
	P "postsuper[5]: 2B3C4D5E6F: placed on hold",
	P "postsuper[5]: 2B3C4D5E6F: released from hold",
	P "smtp[4]: 2B3C4D5E6F: to=<o'brien@dead.test>, relay=dead.test"
	    "[10.1.1.1]:25, delay=90, delays=60/0/0/30, dsn=2.0.0, "
	    "status=sent (250 ok)",
	P "qmgr[3]: 2B3C4D5E6F: removed",
	/* Bounced. */
	P "smtpd[1]: 3C4D5E6F70: client=unknown[10.0.0.5]",
	P "qmgr[3]: 3C4D5E6F70: from=<clerk@agency.test>, size=10, nrcpt=1 "
	    "(queue active)",
	P "smtp[4]: 3C4D5E6F70: to=<abc@bouncy.test>, relay=mx.bouncy.test"
	    "[10.2.2.2]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, "
	    "status=bounced (host said: 550 5.1.1 unknown user)",
	P "bounce[6]: 3C4D5E6F70: sender non-delivery notification: "
	    "4D5E6F7081",
	P "qmgr[3]: 3C4D5E6F70: removed",
	/* Still deferred. */
	P "smtpd[1]: 5E6F708192: client=unknown[10.0.0.7]",
	P "qmgr[3]: 5E6F708192: from=<clerk@agency.test>, size=10, nrcpt=1 "
	    "(queue active)",
	P "smtp[4]: 5E6F708192: to=<a_c@dead.test>, relay=none, delay=30, "
	    "delays=0/0/30/0, dsn=4.4.1, status=deferred (connect refused)",
	/* Refused before a queue ID. */
	P "smtpd[1]: NOQUEUE: reject: RCPT from unknown[10.0.0.99]: 554 5.7.1 "
	    "<x@y.test>: Relay access denied; from=<s@z.test> to=<x@y.test> "
	    "proto=ESMTP helo=<h>",
};

static struct msgindex *
fill(const char *path)
{
	struct maillog_parser p;
	struct maillog_rec r;
	struct msgindex *x;
	char cause[512];
	size_t i;

	x = msgindex_open(path, 0, NULL, cause, sizeof cause);
	assert_non_null(x);
	maillog_parser_init(&p, NOW);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		maillog_parse(&p, lines[i], strlen(lines[i]), &r);
		assert_int_equal(msgindex_add(x, &r), 0);
		/* Commits in the middle of messages too. */
		if (i % 3 == 0)
			assert_int_equal(msgindex_commit(x, cause,
			    sizeof cause), 0);
	}
	assert_int_equal(msgindex_commit(x, cause, sizeof cause), 0);
	return x;
}

/* Runs a query; returns the output (free it) and the count. */
static char *
ask(struct msgindex *x, const char *opt, const char *v, long *n)
{
	struct trace_query q;
	char cause[512], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	trace_query_init(&q);
	if (opt != NULL)
		assert_int_equal(trace_query_set(&q, opt, v, NOW, cause,
		    sizeof cause), 0);
	*n = msgindex_query(x, &q, "gw1", f, cause, sizeof cause);
	fclose(f);
	return buf;
}

static void
test_states(void **state)
{
	struct msgindex *x = fill(":memory:");
	char *out;
	long n;

	(void)state;
	out = ask(x, "id", "1A2B3C4D5E", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "\"state\":\"delivered\""));
	assert_non_null(strstr(out, "\"msgid\":\"m1@agency.test\""));
	assert_non_null(strstr(out, "\"client\":\"10.0.0.5\""));
	assert_non_null(strstr(out, "\"client_name\":\"mail.agency.test\""));
	/* Kept with the domain in lower case. */
	assert_non_null(strstr(out, "\"from\":\"Clerk@agency.test\""));
	assert_non_null(strstr(out, "\"to\":\"alice@yahoo.test\""));
	assert_non_null(strstr(out, "\"relay\":\"mx.yahoo.test[10.9.9.9]:25\""));
	assert_non_null(strstr(out, "\"delay\":1.5"));
	free(out);
	out = ask(x, "id", "3C4D5E6F70", &n);
	assert_non_null(strstr(out, "\"state\":\"bounced\""));
	assert_non_null(strstr(out, "\"step\":\"notified\""));
	free(out);
	out = ask(x, "id", "5E6F708192", &n);
	assert_non_null(strstr(out, "\"state\":\"deferred\""));
	free(out);
	out = ask(x, "client", "10.0.0.99", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "\"state\":\"rejected\""));
	assert_non_null(strstr(out, "Relay access denied"));
	free(out);
	out = ask(x, "status", "deferred", &n);
	assert_int_equal(n, 1);
	free(out);
	assert_int_equal(msgindex_first(x), NOW);
	assert_int_equal(msgindex_open_count(x), 1);
	msgindex_close(x);
}

static void
test_hold_release(void **state)
{
	struct msgindex *x = fill(":memory:");
	const char *a, *b, *c, *d;
	char *out;
	long n;

	(void)state;
	out = ask(x, "to", "o'brien@DEAD.test", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "\"state\":\"delivered\""));
	a = strstr(out, "\"step\":\"deferred\"");
	b = strstr(out, "\"step\":\"held\"");
	c = strstr(out, "\"step\":\"released\"");
	d = strstr(out, "\"step\":\"sent\"");
	assert_true(a != NULL && b != NULL && c != NULL && d != NULL);
	assert_true(a < b && b < c && c < d);
	free(out);
	msgindex_close(x);
}

/* Quotes, % and _ are data: a prefix "a%" or "a_" matches only itself. */
static void
test_matching(void **state)
{
	struct msgindex *x = fill(":memory:");
	char *out;
	long n;

	(void)state;
	free(ask(x, "to", "@dead.test", &n));
	assert_int_equal(n, 2);
	free(ask(x, "to", "@DEAD.TEST", &n));
	assert_int_equal(n, 2);
	free(ask(x, "to", "a*", &n));
	/* alice@yahoo.test, abc@bouncy.test, a_c@dead.test */
	assert_int_equal(n, 3);
	out = ask(x, "to", "a_*", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "a_c@dead.test"));
	free(out);
	free(ask(x, "to", "a%*", &n));
	assert_int_equal(n, 0);
	free(ask(x, "from", "a%b_*", &n));
	assert_int_equal(n, 1);
	free(ask(x, "from", "a%*", &n));
	assert_int_equal(n, 1);
	free(ask(x, "from", "a_*", &n));
	assert_int_equal(n, 0);
	/* Local parts keep their case; domains do not. */
	free(ask(x, "from", "clerk@AGENCY.test", &n));
	assert_int_equal(n, 2);
	free(ask(x, "from", "CLERK@agency.test", &n));
	assert_int_equal(n, 0);
	free(ask(x, "from", "@agency.test", &n));
	assert_int_equal(n, 4);
	free(ask(x, "to", "x@y.test'OR'1'='1", &n));
	assert_int_equal(n, 0);
	free(ask(x, "to", "%*", &n));
	assert_int_equal(n, 0);
	free(ask(x, "msgid", "m1@agency.test", &n));
	assert_int_equal(n, 1);
	free(ask(x, "limit", "2", &n));
	assert_int_equal(n, 2);
	msgindex_close(x);
}

/* A file: written, then read by a read-only open; a missing or corrupt
 * file is one line naming it. */
static void
test_files(void **state)
{
	char dir[] = "/tmp/test_msgindex-XXXXXX", path[256], cause[512];
	struct msgindex *x, *ro;
	FILE *f;
	char *out;
	long n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/index.db", dir);
	x = fill(path);
	ro = msgindex_open_ro(path, cause, sizeof cause);
	assert_non_null(ro);
	out = ask(ro, "to", "@yahoo.test", &n);
	assert_int_equal(n, 1);
	free(out);
	msgindex_close(ro);
	msgindex_close(x);
	/* Opened again: the ids go on, nothing is lost. */
	x = msgindex_open(path, 60, NULL, cause, sizeof cause);
	assert_non_null(x);
	free(ask(x, NULL, NULL, &n));
	assert_int_equal(n, 5);
	msgindex_close(x);

	snprintf(path, sizeof path, "%s/missing.db", dir);
	assert_null(msgindex_open_ro(path, cause, sizeof cause));
	assert_non_null(strstr(cause, path));
	assert_null(strchr(cause, '\n'));
	snprintf(path, sizeof path, "%s/corrupt.db", dir);
	f = fopen(path, "w");
	fputs("this is not a database, just some text\n", f);
	fclose(f);
	assert_null(msgindex_open_ro(path, cause, sizeof cause));
	assert_non_null(strstr(cause, path));
	assert_null(strchr(cause, '\n'));
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* Messages that arrived before the retention are pruned at the commit;
 * the others stay. (The retention counts back from the clock: October 1
 * is more than 60 days before any day this test runs on after 2026-12-01.) */
static void
test_prune(void **state)
{
	static const char *const old[] = {
		"Oct 01 10:00:00 gw1 postfix/smtpd[1]: 0A0B0C0D0E: client=unknown[10.0.0.1]",
		"Oct 01 10:00:00 gw1 postfix/qmgr[3]: 0A0B0C0D0E: from=<a@b.test>, size=1, nrcpt=1 (queue active)",
		"Oct 01 10:00:01 gw1 postfix/smtp[4]: 0A0B0C0D0E: to=<c@d.test>, relay=x[10.0.0.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
		"Oct 01 10:00:01 gw1 postfix/qmgr[3]: 0A0B0C0D0E: removed",
	};
	struct maillog_parser p;
	struct maillog_rec r;
	struct msgindex *x;
	char cause[512];
	long n;
	size_t i;

	(void)state;
	if (time(NULL) < 1796083200LL)    /* before 2026-12-01 */
		skip();
	x = msgindex_open(":memory:", 60, NULL, cause, sizeof cause);
	assert_non_null(x);
	maillog_parser_init(&p, NOW);
	for (i = 0; i < sizeof old / sizeof old[0]; i++) {
		maillog_parse(&p, old[i], strlen(old[i]), &r);
		assert_int_equal(msgindex_add(x, &r), 0);
	}
	for (i = 0; i < 2; i++) {
		maillog_parse(&p, lines[i], strlen(lines[i]), &r);
		assert_int_equal(msgindex_add(x, &r), 0);
	}
	/* The first commit prunes (then at most once an hour): the old
	 * message was written in this same commit, and goes. */
	assert_int_equal(msgindex_commit(x, cause, sizeof cause), 0);
	free(ask(x, NULL, NULL, &n));
	assert_int_equal(n, 1);
	free(ask(x, "to", "c@d.test", &n));
	assert_int_equal(n, 0);
	msgindex_close(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_hold_release),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_prune),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
