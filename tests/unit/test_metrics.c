/* Unit tests of mailnocd's metrics: the action a decision counts under,
 * and the text exposition format checked by a parser of its own. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/metrics.h"

static bool
metric_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' ||
	    s[0] == ':'))
		return false;
	for (i = 1; i < n; i++) {
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == ':'))
			return false;
	}
	return true;
}

/*
 * The exposition format, version 0.0.4, as far as mailnocd writes it:
 * "# HELP name text", "# TYPE name counter|gauge" once per family before
 * its samples, samples "name{l="v",...} value" of a declared family,
 * counters named *_total. Returns the number of samples, or fails.
 */
static int
parse_exposition(const char *text, const char *want, double *got)
{
	char typed[64][96], name[96];
	int ntyped = 0, samples = 0, i;
	const char *line = text, *end, *p, *brace, *sp;

	while (*line != '\0') {
		end = strchr(line, '\n');
		assert_non_null(end);  /* every line ends with \n */
		if (strncmp(line, "# HELP ", 7) == 0) {
			p = line + 7;
			sp = strchr(p, ' ');
			assert_true(sp != NULL && sp < end);
			assert_true(metric_name_ok(p, (size_t)(sp - p)));
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			p = line + 7;
			sp = strchr(p, ' ');
			assert_true(sp != NULL && sp < end);
			assert_true(metric_name_ok(p, (size_t)(sp - p)));
			snprintf(name, sizeof name, "%.*s", (int)(sp - p), p);
			for (i = 0; i < ntyped; i++)
				assert_string_not_equal(typed[i], name);
			assert_true(ntyped < 64);
			snprintf(typed[ntyped++], sizeof typed[0], "%s", name);
			if (strncmp(sp + 1, "counter\n", 8) == 0)
				assert_non_null(strstr(name, "_total"));
			else
				assert_int_equal(strncmp(sp + 1, "gauge\n", 6), 0);
		} else {
			assert_true(line[0] != '#');
			brace = strchr(line, '{');
			sp = strchr(line, ' ');
			assert_true(sp != NULL && sp < end);
			p = brace != NULL && brace < sp ? brace : sp;
			snprintf(name, sizeof name, "%.*s", (int)(p - line), line);
			assert_true(metric_name_ok(name, strlen(name)));
			/* Its family was declared before it. */
			for (i = 0; i < ntyped; i++) {
				if (strcmp(typed[i], name) == 0)
					break;
			}
			assert_true(i < ntyped);
			if (p == brace) {
				/* l="v" pairs, no quote or backslash inside. */
				const char *q = brace + 1;

				while (*q != '}') {
					const char *eq = strchr(q, '=');

					assert_true(eq != NULL && eq < end);
					assert_true(metric_name_ok(q,
					    (size_t)(eq - q)));
					assert_int_equal(eq[1], '"');
					q = strchr(eq + 2, '"');
					assert_true(q != NULL && q < end);
					q++;
					if (*q == ',')
						q++;
				}
				assert_int_equal(q[1], ' ');
				sp = q + 1;
			}
			{
				char *num_end;
				double v = strtod(sp + 1, &num_end);

				assert_ptr_equal(num_end, end);
				if (want != NULL && strncmp(line, want,
				    strlen(want)) == 0 && line[strlen(want)] ==
				    ' ')
					*got = v;
			}
			samples++;
		}
		line = end + 1;
	}
	return samples;
}

static void
test_actions(void **state)
{
	(void)state;
	assert_int_equal(metrics_action_of("REJECT blocked: spam"), MA_REJECT);
	assert_int_equal(metrics_action_of("dunno"), MA_DUNNO);
	assert_int_equal(metrics_action_of("DEFER_IF_PERMIT too many"),
	    MA_DEFER_IF_PERMIT);
	assert_int_equal(metrics_action_of("DEFER try later"), MA_DEFER);
	assert_int_equal(metrics_action_of("450 4.7.1 slow down"), MA_4XX);
	assert_int_equal(metrics_action_of("554 no"), MA_5XX);
	assert_int_equal(metrics_action_of("4500 x"), MA_OTHER);
	assert_int_equal(metrics_action_of("BCC a@b"), MA_OTHER);
	assert_int_equal(metrics_action_of(""), MA_OTHER);
	assert_string_equal(metrics_action_name(MA_DEFER_IF_PERMIT),
	    "defer_if_permit");
}

static void
test_format(void **state)
{
	/* Samples after the calls below, and their values. */
	static const struct {
		const char	*series;
		double		 want;
	} samples[] = {
		{ "mailnocd_policy_decisions_total{node=\"gw1\","
		  "action=\"reject\"}", 3 },
		{ "mailnocd_heartbeat_age_seconds{node=\"gw1\"}", 7 },
		{ "mailnocd_queue_messages{node=\"gw1\",queue=\"deferred\"}",
		  300 },
		{ "mailnocd_queue_oldest_message_age_seconds{node=\"gw1\"}",
		  95 },
		{ "mailnocd_policy_clients_connected{node=\"gw1\"}", 1 },
		{ "mailnocd_policy_fail_action_answers_total{node=\"gw1\"}",
		  1 },
		{ "mailnocd_policy_copy_decisions_total{node=\"gw1\"}", 2 },
	};
	struct metrics_values v;
	long q[Q_COUNT] = { 1, 2, 300, 4, 0 };
	double got = -1;
	char *text;
	int i;

	(void)state;
	metrics_read(&v);
	/* Nothing known yet: no heartbeat or queue samples. */
	text = metrics_format(&v, 1800000000LL, "gw1");
	assert_null(strstr(text, "mailnocd_heartbeat_age_seconds{"));
	assert_null(strstr(text, "mailnocd_queue_messages{"));
	assert_null(strstr(text, "mailnocd_dnsbl_listed{"));
	assert_true(parse_exposition(text, NULL, NULL) > 10);
	free(text);

	for (i = 0; i < 3; i++)
		metrics_decision("REJECT not registered");
	metrics_decision("DUNNO");
	metrics_inc(MC_FAIL_ANSWERS);
	metrics_inc(MC_COPY_DECISIONS);
	metrics_inc(MC_COPY_DECISIONS);
	metrics_clients(2);
	metrics_clients(-1);
	metrics_heartbeat(1800000000LL - 7, true, q, 95);
	metrics_read(&v);
	text = metrics_format(&v, 1800000000LL, "gw1");
	assert_true(parse_exposition(text, NULL, NULL) > 20);
	for (i = 0; i < (int)(sizeof samples / sizeof samples[0]); i++) {
		got = -1;
		parse_exposition(text, samples[i].series, &got);
		if (got != samples[i].want)
			fail_msg("%s is %g, not %g", samples[i].series, got,
			    samples[i].want);
	}
	free(text);
}

/* The mail log follower's lines and the block-list watch's listings:
 * counters from zero, the gauge once a round set it. */
static void
test_log_and_dnsbl(void **state)
{
	struct metrics_values v;
	double got = -1;
	char *text;
	int i;

	(void)state;
	metrics_read(&v);
	text = metrics_format(&v, 1800000000LL, "gw1");
	parse_exposition(text, "mailnocd_maillog_lines_total{node=\"gw1\"}",
	    &got);
	assert_true(got == 0);
	free(text);
	for (i = 0; i < 5; i++)
		metrics_inc(MC_LOG_LINES);
	metrics_inc(MC_LOG_SKIPPED);
	metrics_inc(MC_DNSBL_LISTINGS);
	metrics_inc(MC_DNSBL_LISTINGS);
	metrics_inc(MC_DNSBL_DELISTINGS);
	metrics_dnsbl_listed(1);
	metrics_read(&v);
	text = metrics_format(&v, 1800000000LL, "gw1");
	assert_true(parse_exposition(text, NULL, NULL) > 20);
	parse_exposition(text, "mailnocd_maillog_lines_total{node=\"gw1\"}",
	    &got);
	assert_true(got == 5);
	parse_exposition(text, "mailnocd_maillog_lines_skipped_total{"
	    "node=\"gw1\"}", &got);
	assert_true(got == 1);
	parse_exposition(text, "mailnocd_dnsbl_listings_total{node=\"gw1\"}",
	    &got);
	assert_true(got == 2);
	parse_exposition(text, "mailnocd_dnsbl_delistings_total{"
	    "node=\"gw1\"}", &got);
	assert_true(got == 1);
	parse_exposition(text, "mailnocd_dnsbl_listed{node=\"gw1\"}", &got);
	assert_true(got == 1);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_log_and_dnsbl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
