/* Unit tests of the filter's model: rspamd's stat and history parsed, held
 * records, the filter alert rules, and the mail log lines that say a
 * message was quarantined (strictly) or passed unscanned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alert.h"
#include "core/filter.h"
#include "core/maillog_parse.h"

/* rspamd 3.4's /stat, cut to what is read. */
static const char stat34[] = "{\"version\":\"3.4\",\"config_id\":\"x\","
    "\"uptime\":17,\"read_only\":false,\"scanned\":12,\"learned\":0,"
    "\"actions\":{\"reject\":3,\"soft reject\":1,\"rewrite subject\":0,"
    "\"add header\":2,\"greylist\":1,\"no action\":4},\"spam_count\":6}";

static void
test_stat(void **state)
{
	struct filter_stat st;
	char cause[256];

	(void)state;
	assert_int_equal(filter_stat_parse(stat34, strlen(stat34), &st, cause,
	    sizeof cause), 0);
	assert_int_equal(st.scanned, 12);
	assert_int_equal(st.action[FILTER_REJECT], 3);
	assert_int_equal(st.action[FILTER_SOFT_REJECT], 1);
	assert_int_equal(st.action[FILTER_ADD_HEADER], 2);
	assert_int_equal(st.action[FILTER_NO_ACTION], 4);
	assert_int_equal(st.action[FILTER_OTHER], 1);
	/* 12 scanned, 11 in the listed actions: one quarantined. */
	assert_int_equal(st.action[FILTER_QUARANTINE], 1);
	assert_string_equal(st.version, "3.4");
}

static void
test_stat_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"\x1b[2Jgarbage",
		"<html>502</html>",
		"[]",
		"{\"actions\":{}}",
		"{\"scanned\":\"12\",\"actions\":{}}",
		"{\"scanned\":-1,\"actions\":{}}",
		"{\"scanned\":1}",
		"{\"scanned\":1,\"actions\":{\"reject\":\"x\"}}",
		"{\"scanned\":1,\"actions\":{\"\\u001b[2J\":true}}",
	};
	struct filter_stat st;
	char cause[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause[0] = '\0';
		assert_int_equal(filter_stat_parse(bad[i], strlen(bad[i]), &st,
		    cause, sizeof cause), -1);
		assert_true(cause[0] != '\0');
		assert_null(strchr(cause, '\x1b'));
	}
}

static void
test_history(void **state)
{
	static const char hist[] = "[{\"id\":\"a@x\",\"action\":\"no action\","
	    "\"score\":1.5,\"symbols\":{\"R_DKIM_NA\":{\"score\":0}}},"
	    "{\"id\":\"q@x\",\"action\":\"quarantine\",\"score\":0,"
	    "\"symbols\":{\"MAILNOC_LAB_QUARANTINE\":{\"score\":0},"
	    "\"bad name\\u001b\":{},\"FROM_NO_DN\":{\"score\":0}}}]";
	static const char rows[] = "{\"rows\":[{\"message-id\":\"q@x\","
	    "\"action\":\"quarantine\",\"score\":7.25,\"symbols\":"
	    "[{\"name\":\"A_1\"},{\"name\":\"B_2\"}]}]}";
	const char *mids[] = { "q@x", "none@x" };
	struct filter_verdict v[2];
	char cause[256];

	(void)state;
	assert_int_equal(filter_history_find(hist, strlen(hist), mids, 2, v,
	    cause, sizeof cause), 1);
	assert_true(v[0].found);
	assert_false(v[1].found);
	assert_string_equal(v[0].action, "quarantine");
	assert_string_equal(v[0].symbols, "MAILNOC_LAB_QUARANTINE FROM_NO_DN");
	assert_int_equal(filter_history_find(rows, strlen(rows), mids, 1, v,
	    cause, sizeof cause), 1);
	assert_true(v[0].score > 7.2 && v[0].score < 7.3);
	assert_string_equal(v[0].symbols, "A_1 B_2");
	assert_int_equal(filter_history_find("nope", 4, mids, 1, v, cause,
	    sizeof cause), -1);
	assert_int_equal(filter_history_find("{}", 2, mids, 1, v, cause,
	    sizeof cause), -1);
}

static void
test_held(void **state)
{
	struct filter_held h, back;
	char *s;

	(void)state;
	memset(&h, 0, sizeof h);
	h.at = 1796445362;
	snprintf(h.mid, sizeof h.mid, "m@x");
	s = filter_held_dump(&h);
	assert_int_equal(filter_held_parse(s, &back), 0);
	assert_false(back.have_verdict);
	assert_string_equal(back.mid, "m@x");
	free(s);
	h.have_verdict = true;
	h.score = 3.5;
	snprintf(h.symbols, sizeof h.symbols, "X Y");
	s = filter_held_dump(&h);
	assert_int_equal(filter_held_parse(s, &back), 0);
	assert_true(back.have_verdict);
	assert_string_equal(back.symbols, "X Y");
	assert_int_equal(back.at, 1796445362);
	free(s);
	assert_int_equal(filter_held_parse("held", &back), -1);
	assert_int_equal(filter_held_parse("{\"mid\":\"x\"}", &back), -1);
}

static void
test_node_parse_and_alerts(void **state)
{
	const char *v[FF_COUNT] = { NULL };
	struct filter_node n[3];
	struct alert_raise a[8];
	size_t k;

	(void)state;
	v[FF_UP_I] = "0";
	v[FF_ERROR_I] = "timed out after 1000 ms";
	v[FF_SCANNED_I] = "10";
	v[FF_ACTION0_I + FILTER_REJECT] = "x1";
	filter_node_parse(&n[0], "gw1", v);
	assert_true(n[0].published);
	assert_false(n[0].up);
	assert_string_equal(filter_node_state(&n[0]), "DOWN");
	assert_string_equal(n[0].malformed, "reject is not a count");
	memset(v, 0, sizeof v);
	filter_node_parse(&n[1], "gw2", v);
	assert_false(n[1].published);
	v[FF_UP_I] = "1";
	filter_node_parse(&n[2], "gw3", v);
	n[2].unscanned_recent = 3;
	k = alert_rules_filter(n, 3, a, 8, 0);
	assert_int_equal(k, 2);
	assert_int_equal(a[0].kind, ALERT_FILTER_DOWN);
	assert_string_equal(a[0].subject, "gw1");
	assert_int_equal(a[0].severity, ALERT_CRITICAL);
	assert_non_null(strstr(a[0].text, "timed out"));
	assert_int_equal(a[1].kind, ALERT_FILTER_UNSCANNED);
	assert_string_equal(a[1].subject, "gw3");
	assert_int_equal(a[1].severity, ALERT_WARNING);
	assert_string_equal(alert_kinds[ALERT_FILTER_DOWN].name, "filter-down");
}

static void
parse(const char *line, struct maillog_rec *r)
{
	struct maillog_parser p;

	maillog_parser_init(&p, 1796445362);
	maillog_parse(&p, line, strlen(line), r);
}

static void
test_maillog_lines(void **state)
{
	struct maillog_rec r;

	(void)state;
	parse("Dec 05 04:36:02 gw1 postfix-gw1/cleanup[5596]: 134C4A77B03: "
	    "milter-hold: END-OF-MESSAGE from unknown[127.0.0.1]: milter "
	    "triggers HOLD action; from=<a@x.test> to=<u@y.test> proto=ESMTP "
	    "helo=<vm>", &r);
	assert_int_equal(r.kind, MAILLOG_FILTER_HOLD);
	assert_string_equal(r.qid, "134C4A77B03");
	assert_int_equal(r.pid, 5596);
	/* Look-alikes: a header_checks HOLD whose text says the words, a
	 * hold by hand, a milter-hold that is not Postfix's wording. */
	parse("Dec 05 04:36:02 gw1 postfix-gw1/cleanup[5596]: 134C4A77B03: "
	    "hold: header Subject: milter triggers HOLD action; from=<a@x.test> "
	    "to=<u@y.test> proto=ESMTP helo=<vm>: milter triggers HOLD action",
	    &r);
	assert_int_equal(r.kind, MAILLOG_HOLD);
	parse("Dec 05 04:36:02 gw1 postfix-gw1/postsuper[77]: 134C4A77B03: "
	    "placed on hold", &r);
	assert_int_equal(r.kind, MAILLOG_HOLD);
	parse("Dec 05 04:36:02 gw1 postfix-gw1/cleanup[5596]: 134C4A77B03: "
	    "milter-hold: milter triggers HOLD action", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse("Dec 05 04:36:02 gw1 postfix-gw1/smtpd[5594]: 134C4A77B03: "
	    "milter-hold: END-OF-MESSAGE from unknown[127.0.0.1]: milter "
	    "triggers HOLD action; from=<a@x.test>", &r);
	assert_int_not_equal(r.kind, MAILLOG_FILTER_HOLD);
	/* The milter could not be asked. */
	parse("Dec 05 04:36:02 gw1 postfix-gw1/smtpd[5594]: warning: connect "
	    "to Milter service inet:127.0.0.1:11332: Connection refused", &r);
	assert_int_equal(r.kind, MAILLOG_MILTER_FAIL);
	assert_int_equal(r.pid, 5594);
	parse("Dec 05 04:36:02 gw1 postfix-gw1/smtpd[5594]: warning: milter "
	    "inet:127.0.0.1:11332: can't read SMFIC_OPTNEG reply packet "
	    "header: Connection reset by peer", &r);
	assert_int_equal(r.kind, MAILLOG_MILTER_FAIL);
	parse("Dec 05 04:36:02 gw1 postfix-gw1/smtpd[5594]: warning: connect "
	    "to 127.0.0.1:20710: Connection refused", &r);
	assert_int_not_equal(r.kind, MAILLOG_MILTER_FAIL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_stat_bad),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_node_parse_and_alerts),
		cmocka_unit_test(test_maillog_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
