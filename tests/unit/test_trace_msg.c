/* Unit tests of a trace answer's message as the console shows it: its row
 * (recipients once each, the last reason) and its timeline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/trace_msg.h"

/* A held, released and deferred message of two recipients, as mailnocd
 * trace prints it (docs/trace.md). */
static const char *held =
    "{\"node\":\"gw1\",\"time\":1796432854,\"qid\":\"29024A721F6\","
    "\"msgid\":\"m1@agency.test\",\"client\":\"127.0.0.1\","
    "\"client_name\":\"unknown\",\"from\":\"clerk@agency.test\","
    "\"size\":648,\"nrcpt\":2,\"state\":\"deferred\",\"steps\":["
    "{\"time\":1796432855,\"step\":\"held\",\"reason\":\"held by admin\"},"
    "{\"time\":1796432900,\"step\":\"released\"},"
    "{\"time\":1796432901,\"step\":\"deferred\",\"to\":\"u1@yahoo.test\","
    "\"relay\":\"127.0.0.1[127.0.0.1]:21220\",\"delay\":0.5,"
    "\"dsn\":\"4.7.0\",\"reason\":\"host said: 421 too many\"},"
    "{\"time\":1796432901,\"step\":\"sent\",\"to\":\"u2@accept.test\","
    "\"relay\":\"127.0.0.1[127.0.0.1]:21221\",\"delay\":0.4,"
    "\"dsn\":\"2.0.0\",\"reason\":\"250 ok\"},"
    "{\"time\":1796432999,\"step\":\"deferred\",\"to\":\"u1@yahoo.test\","
    "\"relay\":\"none\",\"dsn\":\"4.4.1\",\"reason\":\"connect to x\"}]}";

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void
test_row(void **state)
{
	struct trace_msg m;
	char cause[128];

	(void)state;
	assert_int_equal(trace_msg_parse(held, &m, cause, sizeof cause), 0);
	assert_string_equal(m.node, "gw1");
	assert_int_equal(m.time, 1796432854LL);
	assert_string_equal(m.qid, "29024A721F6");
	assert_string_equal(m.from, "clerk@agency.test");
	/* Each recipient once, in the order first seen. */
	assert_string_equal(m.to, "u1@yahoo.test,u2@accept.test");
	assert_int_equal(m.state, TRACE_DEFERRED);
	/* The last step says where it is. */
	assert_string_equal(m.last, "none 4.4.1 connect to x");
	assert_true(trace_state_queued(m.state));
	assert_false(trace_state_queued(TRACE_DELIVERED));
	assert_false(trace_state_queued(TRACE_REJECTED));
	assert_true(trace_state_queued(TRACE_HELD));
}

static void
test_not_messages(void **state)
{
	struct trace_msg m;
	char cause[128];

	(void)state;
	/* A notice, an error line, not JSON: no row. */
	assert_int_equal(trace_msg_parse("{\"node\":\"gw1\",\"notice\":"
	    "\"index_start\",\"first\":1,\"text\":\"x\"}", &m, cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "not a message"));
	assert_int_equal(trace_msg_parse("{\"node\":\"gw2\",\"error\":true}",
	    &m, cause, sizeof cause), -1);
	assert_int_equal(trace_msg_parse("not json", &m, cause, sizeof cause),
	    -1);
	assert_int_equal(trace_msg_parse("[1,2]", &m, cause, sizeof cause), -1);
}

/* What a node sends is shown on a terminal: controls become escapes. */
static void
test_sanitized(void **state)
{
	struct trace_msg m;
	char cause[128];

	(void)state;
	assert_int_equal(trace_msg_parse("{\"node\":\"gw1\",\"time\":1,"
	    "\"from\":\"a\\u001b[31m@x.test\",\"state\":\"bogus\",\"steps\":"
	    "[{\"time\":1,\"step\":\"sent\",\"to\":\"b\\u0007@y.test\"}]}",
	    &m, cause, sizeof cause), 0);
	assert_null(strchr(m.from, 0x1b));
	assert_non_null(strstr(m.from, "\\x1b"));
	assert_null(strchr(m.to, 0x07));
	assert_int_equal(m.state, -1);
	assert_string_equal(m.qid, "");
}

static void
test_timeline(void **state)
{
	struct trace_tl *tl;
	char cause[128];
	size_t n;

	(void)state;
	tl = trace_timeline(held, &n, cause, sizeof cause);
	assert_non_null(tl);
	/* received + its detail, 5 steps (4 with a reason), the end. */
	assert_int_equal(n, 2 + 5 + 4 + 1);
	assert_int_equal(tl[0].kind, TRACE_TL_RECEIVED);
	assert_string_equal(tl[0].text, "2026-12-05 01:07:34  received from "
	    "unknown[127.0.0.1]");
	assert_int_equal(tl[1].kind, TRACE_TL_DETAIL);
	assert_string_equal(tl[1].text, "sender clerk@agency.test, queue ID "
	    "29024A721F6, message-id <m1@agency.test>, 648 bytes, 2 "
	    "recipients");
	assert_int_equal(tl[2].kind, TRACE_TL_STEP);
	assert_int_equal(tl[2].code, TRACE_STEP_HELD);
	assert_string_equal(tl[2].text, "01:07:35  held      ");
	assert_string_equal(tl[3].text, "held by admin");
	assert_int_equal(tl[4].code, TRACE_STEP_RELEASED);
	assert_int_equal(tl[5].code, TRACE_STEP_DEFERRED);
	assert_string_equal(tl[5].text, "01:08:21  deferred  to u1@yahoo.test "
	    "via 127.0.0.1[127.0.0.1]:21220, dsn 4.7.0, delay 0.50 s");
	assert_int_equal(tl[6].kind, TRACE_TL_DETAIL);
	assert_string_equal(tl[6].text, "host said: 421 too many");
	assert_int_equal(tl[7].code, TRACE_STEP_SENT);
	assert_int_equal(tl[n - 1].kind, TRACE_TL_FINAL);
	assert_int_equal(tl[n - 1].code, TRACE_DEFERRED);
	assert_string_equal(tl[n - 1].text, "now: deferred (still in the "
	    "gateway's queue)");
	free(tl);

	/* A rejection: no queue ID, no client name. */
	tl = trace_timeline("{\"node\":\"gw2\",\"time\":1796432854,"
	    "\"client\":\"10.0.0.9\",\"state\":\"rejected\",\"steps\":[{\"time\":"
	    "1796519254,\"step\":\"rejected\",\"to\":\"x@y.test\",\"dsn\":"
	    "\"5.7.1\",\"reason\":\"Relay access denied\"}]}", &n, cause,
	    sizeof cause);
	assert_non_null(tl);
	assert_string_equal(tl[0].text, "2026-12-05 01:07:34  received from "
	    "[10.0.0.9]");
	assert_non_null(strstr(tl[1].text, "queue ID (none: refused before "
	    "queueing)"));
	/* A step of another day has its date. */
	assert_string_equal(tl[2].text, "12-06 01:07:34  rejected  to x@y.test, "
	    "dsn 5.7.1");
	assert_string_equal(tl[n - 1].text, "now: rejected");
	free(tl);
	assert_null(trace_timeline("{\"error\":true}", &n, cause,
	    sizeof cause));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_not_messages),
		cmocka_unit_test(test_sanitized),
		cmocka_unit_test(test_timeline),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
