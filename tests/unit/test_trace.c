/* Unit tests of trace queries: what is accepted, the SQL and its parameters,
 * the remote arguments and the merge by time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/trace.h"

#define NOW 1796431594LL

static void
test_addr(void **state)
{
	struct trace_addr a;
	char cause[256];

	(void)state;
	assert_int_equal(trace_addr_parse("Alice@Yahoo.TEST", &a, cause,
	    sizeof cause), 0);
	assert_int_equal(a.match, TRACE_EXACT);
	/* The domain in lower case, the local part as typed. */
	assert_string_equal(a.value, "Alice@yahoo.test");
	assert_int_equal(trace_addr_parse("@Yahoo.Test", &a, cause,
	    sizeof cause), 0);
	assert_int_equal(a.match, TRACE_DOMAIN);
	assert_string_equal(a.value, "yahoo.test");
	assert_int_equal(trace_addr_parse("ali*", &a, cause, sizeof cause), 0);
	assert_int_equal(a.match, TRACE_PREFIX);
	assert_string_equal(a.value, "ali");
	assert_int_equal(trace_addr_parse("bob@EXA*", &a, cause,
	    sizeof cause), 0);
	assert_string_equal(a.value, "bob@exa");
	/* Refused: empty, a star inside, a bare star, a bad domain, spaces,
	 * angle brackets, control characters. */
	assert_int_equal(trace_addr_parse("", &a, cause, sizeof cause), -1);
	assert_int_equal(trace_addr_parse("a*b", &a, cause, sizeof cause), -1);
	assert_int_equal(trace_addr_parse("*", &a, cause, sizeof cause), -1);
	assert_int_equal(trace_addr_parse("@bad domain", &a, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_addr_parse("@x*", &a, cause, sizeof cause), -1);
	assert_int_equal(trace_addr_parse("a b@c.test", &a, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_addr_parse("<a@b.test>", &a, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_addr_parse("a\n@b.test", &a, cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "use an address"));
}

static void
test_times(void **state)
{
	char cause[256];
	long long t;

	(void)state;
	assert_int_equal(trace_time_parse("60d", NOW, &t, cause, sizeof cause),
	    0);
	assert_int_equal(t, NOW - 60 * 86400);
	assert_int_equal(trace_time_parse("2h", NOW, &t, cause, sizeof cause),
	    0);
	assert_int_equal(t, NOW - 7200);
	assert_int_equal(trace_time_parse("2026-12-01", NOW, &t, cause,
	    sizeof cause), 0);
	assert_int_equal(t, 1796083200LL);
	assert_int_equal(trace_time_parse("2026-12-01T08:30", NOW, &t, cause,
	    sizeof cause), 0);
	assert_int_equal(t, 1796083200LL + 8 * 3600 + 1800);
	assert_int_equal(trace_time_parse("2026-12-01T08:30:15", NOW, &t,
	    cause, sizeof cause), 0);
	assert_int_equal(t, 1796083200LL + 8 * 3600 + 1815);
	assert_int_equal(trace_time_parse("1796083200", NOW, &t, cause,
	    sizeof cause), 0);
	assert_int_equal(t, 1796083200LL);
	assert_int_equal(trace_time_parse("yesterday", NOW, &t, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_time_parse("2026-13-01", NOW, &t, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_time_parse("2026-12-01T8:30", NOW, &t, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_time_parse("2026-12-01x", NOW, &t, cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "bad time"));
}

static void
test_set(void **state)
{
	struct trace_query q;
	char cause[256];

	(void)state;
	trace_query_init(&q);
	assert_false(trace_query_selective(&q));
	assert_int_equal(trace_query_set(&q, "id", "4F1A52C3D9", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "id", "x'; DROP", NOW, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_query_set(&q, "msgid", "<a.b@c>", NOW, cause,
	    sizeof cause), 0);
	assert_string_equal(q.msgid, "a.b@c");
	assert_int_equal(trace_query_set(&q, "client", "::FFFF:10.0.0.1", NOW,
	    cause, sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "client", "10.0.0.0/8", NOW,
	    cause, sizeof cause), -1);
	assert_int_equal(trace_query_set(&q, "status", "bounced", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(q.state, TRACE_BOUNCED);
	assert_int_equal(trace_query_set(&q, "status", "lost", NOW, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_query_set(&q, "limit", "0", NOW, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_query_set(&q, "limit", "100001", NOW, cause,
	    sizeof cause), -1);
	assert_int_equal(trace_query_set(&q, "limit", "5", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "nope", "5", NOW, cause,
	    sizeof cause), -1);
	assert_true(trace_query_selective(&q));
}

/* The statement holds no value asked: each is a parameter. */
static void
test_sql_params(void **state)
{
	static const char *const evil[] = {
		"o'brien@x.test", "a%b@x.test", "a_b@x.test",
		"x@y.test' OR '1'='1", "\"; DROP TABLE msg; --@x.test",
		"back\\slash@x.test",
	};
	struct trace_query q;
	struct trace_sql s;
	char cause[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof evil / sizeof evil[0]; i++) {
		trace_query_init(&q);
		if (trace_query_set(&q, "to", evil[i], NOW, cause,
		    sizeof cause) == -1)
			continue;
		assert_int_equal(trace_sql_build(&q, &s), 0);
		assert_null(strstr(s.text, "x.test"));
		assert_null(strstr(s.text, "DROP"));
		assert_null(strstr(s.text, "brien"));
		assert_int_equal(s.n, 2);
		assert_true(s.p[0].is_text);
		assert_string_equal(s.p[0].s, q.to.value);
	}
	/* Exact sender, domain recipient, prefix sender with LIKE escapes. */
	trace_query_init(&q);
	assert_int_equal(trace_query_set(&q, "from", "50%_off\\*", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "to", "@Yahoo.test", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "since", "1d", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "status", "deferred", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_sql_build(&q, &s), 0);
	assert_non_null(strstr(s.text, "m.sender IN (SELECT id FROM names "
	    "WHERE s LIKE ? ESCAPE '\\')"));
	assert_non_null(strstr(s.text, "rdom = (SELECT id FROM names WHERE "
	    "s = ?)"));
	assert_null(strstr(s.text, "50"));
	assert_null(strstr(s.text, "yahoo"));
	assert_int_equal(s.n, 5);
	assert_string_equal(s.p[0].s, "50\\%\\_off\\\\%");
	assert_string_equal(s.p[1].s, "yahoo.test");
	assert_false(s.p[2].is_text);
	assert_int_equal(s.p[2].i, NOW - 86400);
	assert_int_equal(s.p[3].i, TRACE_DEFERRED);
	assert_int_equal(s.p[4].i, TRACE_LIMIT_DEFAULT);
}

static void
test_like(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(trace_like_prefix("a%", out, sizeof out), 0);
	assert_string_equal(out, "a\\%%");
	assert_int_equal(trace_like_prefix("_\\", out, sizeof out), 0);
	assert_string_equal(out, "\\_\\\\%");
	assert_int_equal(trace_like_prefix("0123456789abcdef", out,
	    sizeof out), -1);
}

static void
test_argv(void **state)
{
	struct trace_query q, back;
	const char *argv[32];
	char buf[512], cause[256];
	int n, i;

	(void)state;
	trace_query_init(&q);
	assert_int_equal(trace_query_set(&q, "to", "@Yahoo.test", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "from", "bob*", NOW, cause,
	    sizeof cause), 0);
	assert_int_equal(trace_query_set(&q, "since", "60d", NOW, cause,
	    sizeof cause), 0);
	n = trace_query_argv(&q, argv, 32, buf, sizeof buf);
	assert_int_equal(n, 8);
	assert_string_equal(argv[0], "--from");
	assert_string_equal(argv[1], "bob*");
	assert_string_equal(argv[2], "--to");
	assert_string_equal(argv[3], "@yahoo.test");
	assert_string_equal(argv[4], "--since");
	assert_string_equal(argv[6], "--limit");
	/* The node reads the same query back. */
	trace_query_init(&back);
	for (i = 0; i < n; i += 2)
		assert_int_equal(trace_query_set(&back, argv[i] + 2,
		    argv[i + 1], NOW + 999, cause, sizeof cause), 0);
	assert_memory_equal(&q, &back, sizeof q);
	assert_int_equal(trace_query_argv(&q, argv, 3, buf, sizeof buf), -1);
}

static void
test_merge(void **state)
{
	const char *a[] = { "{\"node\":\"gw1\",\"time\":50}",
		"{\"node\":\"gw1\",\"time\":30}", "{\"node\":\"gw1\",\"time\":10}" };
	const char *b[] = { "{\"node\":\"gw2\",\"time\":40}",
		"{\"node\":\"gw2\",\"time\":30}" };
	const char *const *lines[3] = { a, NULL, b };
	size_t n[3] = { 3, 0, 2 }, count;
	const char **m;

	(void)state;
	m = trace_merge(lines, n, 3, 0, &count);
	assert_int_equal(count, 5);
	assert_ptr_equal(m[0], a[0]);
	assert_ptr_equal(m[1], b[0]);
	/* Equal times keep the nodes' order. */
	assert_ptr_equal(m[2], a[1]);
	assert_ptr_equal(m[3], b[1]);
	assert_ptr_equal(m[4], a[2]);
	free(m);
	m = trace_merge(lines, n, 3, 2, &count);
	assert_int_equal(count, 2);
	assert_ptr_equal(m[1], b[0]);
	free(m);
	assert_int_equal(trace_line_time("{\"time\": 12}"), 12);
	assert_int_equal(trace_line_time("{\"x\":1}"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_sql_params),
		cmocka_unit_test(test_like),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
