/* Unit tests of the agent's filter parts: the follower's count of mail
 * passed unscanned (per smtpd session) and its quarantine records, and
 * the controller client's deadline against a listener that never answers
 * and an address nobody listens on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "agent/maillog_filter.h"
#include "backends/filter_http.h"

static void
feed(struct maillog_filter *mf, const char *line)
{
	struct maillog_parser p;
	struct maillog_rec r;

	maillog_parser_init(&p, 1796445362);
	maillog_parse(&p, line, strlen(line), &r);
	maillog_filter_add(mf, &r);
}

#define GW "Dec 05 04:36:02 gw1 postfix-gw1/"

static void
test_unscanned(void **state)
{
	struct maillog_filter mf;

	(void)state;
	memset(&mf, 0, sizeof mf);
	/* Session 10: the milter fails, two messages pass unscanned. */
	feed(&mf, GW "smtpd[10]: connect from unknown[127.0.0.1]");
	feed(&mf, GW "smtpd[10]: warning: connect to Milter service "
	    "inet:127.0.0.1:11332: Connection refused");
	feed(&mf, GW "smtpd[10]: 1A2B3C4D5E: client=unknown[127.0.0.1]");
	feed(&mf, GW "smtpd[10]: 2A2B3C4D5E: client=unknown[127.0.0.1]");
	/* Session 11 is fine; session 10's process takes a new client that
	 * the milter answers. */
	feed(&mf, GW "smtpd[11]: connect from unknown[127.0.0.1]");
	feed(&mf, GW "smtpd[11]: 3A2B3C4D5E: client=unknown[127.0.0.1]");
	feed(&mf, GW "smtpd[10]: connect from unknown[127.0.0.2]");
	feed(&mf, GW "smtpd[10]: 4A2B3C4D5E: client=unknown[127.0.0.2]");
	assert_int_equal(mf.unscanned, 2);
	maillog_filter_clear(&mf);
	assert_int_equal(mf.unscanned, 0);
	maillog_filter_free(&mf);
}

static void
test_held(void **state)
{
	struct maillog_filter mf;

	(void)state;
	memset(&mf, 0, sizeof mf);
	feed(&mf, GW "cleanup[20]: 5A2B3C4D5E: message-id=<q@x.test>");
	feed(&mf, GW "cleanup[20]: 5A2B3C4D5E: milter-hold: END-OF-MESSAGE "
	    "from unknown[127.0.0.1]: milter triggers HOLD action; "
	    "from=<a@x.test> to=<u@y.test> proto=ESMTP helo=<vm>");
	/* Held by hand, or by a header check: not the filter's. */
	feed(&mf, GW "postsuper[30]: 6A2B3C4D5E: placed on hold");
	feed(&mf, GW "cleanup[20]: 7A2B3C4D5E: hold: header Subject: milter "
	    "triggers HOLD action from unknown[127.0.0.1]; from=<a@x.test> "
	    "to=<u@y.test>: milter triggers HOLD action");
	assert_int_equal(mf.nheld, 1);
	assert_string_equal(mf.held[0].qid, "5A2B3C4D5E");
	assert_string_equal(mf.held[0].mid, "q@x.test");
	assert_false(mf.held[0].gone);
	feed(&mf, GW "postsuper[31]: 5A2B3C4D5E: released from hold");
	assert_int_equal(mf.nheld, 1);
	assert_true(mf.held[0].gone);
	maillog_filter_free(&mf);
}

static void
test_http_deadline(void **state)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	struct timespec t0, t1;
	char cause[256], *body;
	size_t len;
	long ms;
	int l;

	(void)state;
	/* A listener that never accepts: the connection is made, no answer. */
	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(filter_http_get("127.0.0.1", ntohs(a.sin_port),
	    "/stat", "pw", 300, &body, &len, cause, sizeof cause), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	assert_null(body);
	assert_non_null(strstr(cause, "timed out after 300 ms"));
	assert_true(ms >= 250 && ms < 2000);
	close(l);
	/* Nobody listens there now. */
	assert_int_equal(filter_http_get("127.0.0.1", ntohs(a.sin_port),
	    "/stat", NULL, 300, &body, &len, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "refused"));
	assert_int_equal(filter_http_get("localhost", 1, "/stat", NULL, 300,
	    &body, &len, cause, sizeof cause), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unscanned),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_http_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
