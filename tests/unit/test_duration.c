/* Unit tests of durations as block and permit commands take and show them:
 * "1h30m" parsed, refused with its reason, printed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/duration.h"

static long long
secs_of(const char *s)
{
	long long v = -42;

	return duration_parse(s, &v) == 0 ? v : -1;
}

static void
test_duration_parse(void **state)
{
	(void)state;
	assert_int_equal(secs_of("30s"), 30);
	assert_int_equal(secs_of("15m"), 900);
	assert_int_equal(secs_of("2h"), 7200);
	assert_int_equal(secs_of("7d"), 7 * 86400);
	assert_int_equal(secs_of("1w"), 7 * 86400);
	assert_int_equal(secs_of("1h30m"), 5400);
	assert_int_equal(secs_of("1d12h"), 36 * 3600);
	assert_int_equal(secs_of("365d"), 365LL * 86400);
	assert_int_equal(secs_of("1s"), 1);
	/* Refused: no unit, unknown unit, out of range, out of order. */
	assert_int_equal(secs_of(""), -1);
	assert_int_equal(secs_of("30"), -1);
	assert_int_equal(secs_of("h"), -1);
	assert_int_equal(secs_of("5x"), -1);
	assert_int_equal(secs_of("0s"), -1);
	assert_int_equal(secs_of("366d"), -1);
	assert_int_equal(secs_of("53w"), -1);
	assert_int_equal(secs_of("30m1h"), -1);
	assert_int_equal(secs_of("1h1h"), -1);
	assert_int_equal(secs_of("-5m"), -1);
	assert_int_equal(secs_of("1.5h"), -1);
	assert_int_equal(secs_of("2 h"), -1);
	assert_int_equal(secs_of("99999999999999999999s"), -1);
	assert_int_equal(secs_of("2H"), -1);
}

static void
test_duration_format(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(duration_format(45, b, sizeof b), "45s");
	assert_string_equal(duration_format(900, b, sizeof b), "15m");
	assert_string_equal(duration_format(5400, b, sizeof b), "1h 30m");
	assert_string_equal(duration_format(7200, b, sizeof b), "2h");
	assert_string_equal(duration_format(7 * 86400, b, sizeof b), "7d");
	assert_string_equal(duration_format(2 * 86400 + 3 * 3600 + 5, b,
	    sizeof b), "2d 3h");
	assert_string_equal(duration_format(0, b, sizeof b), "0s");
	assert_string_equal(duration_format(-5, b, sizeof b), "0s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
