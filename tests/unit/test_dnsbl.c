/* Unit tests of DNS block lists: query names, A and TXT answers, and the
 * listing state machine (a resolver failure is never a delisting). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/dnsbl.h"

static void
test_query_name(void **state)
{
	char buf[DNSBL_NAME_MAX];

	(void)state;
	assert_int_equal(dnsbl_query_name("203.0.113.25", "bl.example.org",
	    buf, sizeof buf), 0);
	assert_string_equal(buf, "25.113.0.203.bl.example.org");
	assert_int_equal(dnsbl_query_name("2001:db8::1", "bl.test", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.8.b.d.0.1.0.0.2.bl.test");
	assert_int_equal(dnsbl_query_name("10.0.0.0/8", "bl.test", buf,
	    sizeof buf), -1);
	assert_int_equal(dnsbl_query_name("gw1", "bl.test", buf, sizeof buf),
	    -1);
	assert_int_equal(dnsbl_query_name("203.0.113.25", "bl.test", buf, 10),
	    -1);
}

static void
test_read_a(void **state)
{
	char a2[4] = { 127, 0, 0, 2 }, a4[4] = { 127, 0, 0, 4 };
	char bad[4] = { 10, 0, 0, 1 }, refused[4] = { 127, (char)255,
		(char)255, (char)254 }, three[3] = { 127, 0, 0 };
	char *two[2] = { a2, a4 }, *one[1] = { bad }, *ref[1] = { refused };
	char *short1[1] = { three };
	int l4[2] = { 4, 4 }, l3[1] = { 3 };
	struct dnsbl_answer a;

	(void)state;
	dnsbl_read_a(&a, 3, NULL, NULL, 0, 300);
	assert_int_equal(a.outcome, DNSBL_FOUND_CLEAR);
	dnsbl_read_a(&a, 0, NULL, NULL, 0, 300);
	assert_int_equal(a.outcome, DNSBL_FOUND_CLEAR);
	dnsbl_read_a(&a, 0, two, l4, 2, 900);
	assert_int_equal(a.outcome, DNSBL_FOUND_LISTED);
	assert_string_equal(a.code, "127.0.0.2,127.0.0.4");
	assert_int_equal(a.ttl, 900);
	dnsbl_read_a(&a, 2, NULL, NULL, 0, 0);
	assert_int_equal(a.outcome, DNSBL_FOUND_FAILED);
	assert_non_null(strstr(a.error, "SERVFAIL"));
	dnsbl_read_a(&a, 0, one, l4, 1, 0);
	assert_int_equal(a.outcome, DNSBL_FOUND_FAILED);
	assert_non_null(strstr(a.error, "10.0.0.1 is not a listing"));
	dnsbl_read_a(&a, 0, ref, l4, 1, 0);
	assert_int_equal(a.outcome, DNSBL_FOUND_FAILED);
	assert_non_null(strstr(a.error, "refused the query"));
	dnsbl_read_a(&a, 0, short1, l3, 1, 0);
	assert_int_equal(a.outcome, DNSBL_FOUND_FAILED);
}

static void
test_read_txt(void **state)
{
	char r1[] = "\x0bspam source\x05 here", r2[] = "\x04" "abcd";
	char evil[] = "\x0c\x1b[31mred\x00x\x07zz", over[] = "\x20short";
	char *two[2] = { r1, r2 }, *e[1] = { evil }, *o[1] = { over };
	int l2[2] = { (int)sizeof r1 - 1, (int)sizeof r2 - 1 };
	int le[1] = { (int)sizeof evil - 1 }, lo[1] = { (int)sizeof over - 1 };
	struct dnsbl_answer a;
	char *big[1], *p;
	int lb[1];
	size_t i;

	(void)state;
	memset(&a, 0, sizeof a);
	dnsbl_read_txt(&a, two, l2, 2);
	assert_string_equal(a.reason, "spam source here; abcd");

	/* Escapes and a NUL: visible, never raw. */
	dnsbl_read_txt(&a, e, le, 1);
	assert_null(strchr(a.reason, 0x1b));
	assert_string_equal(a.reason, "\\x1b[31mred?x\\x07z");

	/* A length past the record ends it. */
	dnsbl_read_txt(&a, o, lo, 1);
	assert_string_equal(a.reason, "");

	/* 4 KB of escapes in 255-byte strings: sanitized and cut. */
	big[0] = p = malloc(4096);
	for (i = 0; i + 256 <= 4096; i += 256) {
		p[i] = (char)255;
		memset(p + i + 1, 0x1b, 255);
	}
	lb[0] = (int)i;
	dnsbl_read_txt(&a, big, lb, 1);
	assert_true(strlen(a.reason) < DNSBL_REASON_MAX);
	assert_null(strchr(a.reason, 0x1b));
	assert_int_equal(strncmp(a.reason, "\\x1b\\x1b", 8), 0);
	assert_string_equal(a.reason + strlen(a.reason) - 3, "...");
	/* The cut leaves whole escapes only. */
	assert_int_equal((strlen(a.reason) - 3) % 4, 0);
	free(p);
}

static struct dnsbl_answer
answer(enum dnsbl_outcome o, const char *reason)
{
	struct dnsbl_answer a;

	memset(&a, 0, sizeof a);
	a.outcome = o;
	a.ttl = 60;
	if (o == DNSBL_FOUND_LISTED) {
		snprintf(a.code, sizeof a.code, "127.0.0.2");
		snprintf(a.reason, sizeof a.reason, "%s", reason);
	} else if (o == DNSBL_FOUND_FAILED)
		snprintf(a.error, sizeof a.error, "resolver unreachable");
	return a;
}

static void
test_state_machine(void **state)
{
	struct dnsbl_answer listed = answer(DNSBL_FOUND_LISTED, "spam"),
	    listed2 = answer(DNSBL_FOUND_LISTED, "still spam"),
	    clear = answer(DNSBL_FOUND_CLEAR, NULL),
	    failed = answer(DNSBL_FOUND_FAILED, NULL);
	struct dnsbl_entry e;

	(void)state;
	memset(&e, 0, sizeof e);
	assert_string_equal(dnsbl_entry_shown(&e), "unknown");

	/* A failure before any answer: still unknown, no event. */
	assert_int_equal(dnsbl_entry_apply(&e, &failed, 100), DNSBL_EVENT_NONE);
	assert_int_equal(e.state, DNSBL_UNKNOWN);
	assert_string_equal(dnsbl_entry_shown(&e), "unknown");

	/* First answer clear: no event (nothing was listed). */
	assert_int_equal(dnsbl_entry_apply(&e, &clear, 200), DNSBL_EVENT_NONE);
	assert_string_equal(dnsbl_entry_shown(&e), "not listed");
	assert_int_equal(e.since, 200);
	assert_string_equal(e.error, "");

	/* A failure while clear is not "not listed" any more. */
	assert_int_equal(dnsbl_entry_apply(&e, &failed, 300), DNSBL_EVENT_NONE);
	assert_int_equal(e.state, DNSBL_CLEAR);
	assert_string_equal(dnsbl_entry_shown(&e), "unknown");
	assert_int_equal(e.checked, 200);
	assert_int_equal(e.failed, 300);

	/* Clear again after the failure: no event, since unchanged. */
	assert_int_equal(dnsbl_entry_apply(&e, &clear, 400), DNSBL_EVENT_NONE);
	assert_int_equal(e.since, 200);

	/* Listed: one event; the same listing again: none. */
	assert_int_equal(dnsbl_entry_apply(&e, &listed, 500),
	    DNSBL_EVENT_LISTED);
	assert_int_equal(e.since, 500);
	assert_string_equal(e.reason, "spam");
	assert_int_equal(dnsbl_entry_apply(&e, &listed2, 600),
	    DNSBL_EVENT_NONE);
	assert_int_equal(e.since, 500);
	assert_string_equal(e.reason, "still spam");

	/* A failure while listed: the listing stands, no delisting. */
	assert_int_equal(dnsbl_entry_apply(&e, &failed, 700), DNSBL_EVENT_NONE);
	assert_string_equal(dnsbl_entry_shown(&e), "listed");
	assert_int_equal(e.since, 500);
	assert_int_equal(dnsbl_entry_apply(&e, &failed, 800), DNSBL_EVENT_NONE);

	/* Only a clear answer delists. */
	assert_int_equal(dnsbl_entry_apply(&e, &clear, 900),
	    DNSBL_EVENT_DELISTED);
	assert_int_equal(e.since, 900);
	assert_string_equal(e.reason, "");
	assert_string_equal(dnsbl_entry_shown(&e), "not listed");

	/* Listed at first sight (an agent's first round): an event. */
	memset(&e, 0, sizeof e);
	assert_int_equal(dnsbl_entry_apply(&e, &listed, 1000),
	    DNSBL_EVENT_LISTED);
}

static void
test_json_round_trip(void **state)
{
	struct dnsbl_entry e, back;
	char field[400], cause[200], *text;
	json_t *j;

	(void)state;
	memset(&e, 0, sizeof e);
	snprintf(e.ip, sizeof e.ip, "203.0.113.25");
	snprintf(e.zone, sizeof e.zone, "bl.lab.test");
	e.state = DNSBL_LISTED;
	e.since = 1800000000;
	e.checked = 1800000600;
	snprintf(e.code, sizeof e.code, "127.0.0.2");
	snprintf(e.reason, sizeof e.reason, "listed for spam");
	e.ttl = 300;
	assert_int_equal(dnsbl_entry_field(&e, field, sizeof field), 0);
	assert_string_equal(field, "203.0.113.25|bl.lab.test");
	j = dnsbl_entry_json(&e);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_int_equal(dnsbl_entry_parse(&back, field, text, cause,
	    sizeof cause), 0);
	free(text);
	assert_memory_equal(&e, &back, sizeof e);

	/* What Redis holds is outside input. */
	assert_int_equal(dnsbl_entry_parse(&back, "nobar", "{}", cause,
	    sizeof cause), -1);
	assert_int_equal(dnsbl_entry_parse(&back, "1.2.3.4|bl test", "{}",
	    cause, sizeof cause), -1);
	assert_int_equal(dnsbl_entry_parse(&back, "1.2.3.4|bl.test", "[1]",
	    cause, sizeof cause), -1);
	assert_int_equal(dnsbl_entry_parse(&back, "1.2.3.4|bl.test",
	    "{\"state\":\"gone\"}", cause, sizeof cause), -1);
	assert_int_equal(dnsbl_entry_parse(&back, "1.2.3.4|bl.test",
	    "{\"state\":\"listed\",\"reason\":\"a\\u001b[2Jb\",\"since\":-4}",
	    cause, sizeof cause), 0);
	assert_string_equal(back.reason, "a\\x1b[2Jb");
	assert_int_equal(back.since, 0);
}

static void
test_alert(void **state)
{
	struct dnsbl_entry e;
	char buf[512];
	struct tm tm;
	time_t t;

	(void)state;
	memset(&e, 0, sizeof e);
	snprintf(e.ip, sizeof e.ip, "203.0.113.25");
	snprintf(e.zone, sizeof e.zone, "bl.example");
	assert_int_equal(dnsbl_alert_format("gw1", &e, 0, buf, sizeof buf), -1);
	e.state = DNSBL_LISTED;
	snprintf(e.reason, sizeof e.reason, "spam trap hits");
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 126;
	tm.tm_mon = 11;
	tm.tm_mday = 5;
	tm.tm_hour = 14;
	tm.tm_min = 2;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	e.since = (long long)t;
	assert_int_equal(dnsbl_alert_format("gw1", &e, (long long)t + 3600,
	    buf, sizeof buf), 0);
	assert_string_equal(buf, "gw1 203.0.113.25 listed on bl.example: "
	    "spam trap hits since 14:02");
	assert_int_equal(dnsbl_alert_format("gw1", &e, (long long)t +
	    3 * 86400, buf, sizeof buf), 0);
	assert_string_equal(buf, "gw1 203.0.113.25 listed on bl.example: "
	    "spam trap hits since 2026-12-05 14:02");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_name),
		cmocka_unit_test(test_read_a),
		cmocka_unit_test(test_read_txt),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
