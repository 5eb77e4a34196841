/* Unit tests of the short forms: bytes, counts, time left, shares, ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/format.h"

static void
test_bytes(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(format_bytes(0, b, sizeof b), "0B");
	assert_string_equal(format_bytes(1023, b, sizeof b), "1023B");
	assert_string_equal(format_bytes(1024, b, sizeof b), "1.0K");
	assert_string_equal(format_bytes(1536, b, sizeof b), "1.5K");
	assert_string_equal(format_bytes(15 * 1024, b, sizeof b), "15K");
	assert_string_equal(format_bytes(3565158, b, sizeof b), "3.4M");
	assert_string_equal(format_bytes(120LL << 30, b, sizeof b), "120G");
	assert_string_equal(format_bytes(-1, b, sizeof b), "-");
}

static void
test_count(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(format_count(0, b, sizeof b), "0");
	assert_string_equal(format_count(987, b, sizeof b), "987");
	assert_string_equal(format_count(1200, b, sizeof b), "1.2k");
	assert_string_equal(format_count(5000, b, sizeof b), "5k");
	assert_string_equal(format_count(12345, b, sizeof b), "12k");
	assert_string_equal(format_count(3400000, b, sizeof b), "3.4M");
	assert_string_equal(format_count(-5, b, sizeof b), "-");
}

static void
test_left(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(format_left(0, 1000, b, sizeof b), "permanent");
	assert_string_equal(format_left(999, 1000, b, sizeof b), "expired");
	assert_string_equal(format_left(1000, 1000, b, sizeof b), "expired");
	assert_string_equal(format_left(1042, 1000, b, sizeof b), "42s");
	assert_string_equal(format_left(1000 + 12 * 60 + 5, 1000, b, sizeof b),
	    "12m");
	assert_string_equal(format_left(1000 + 3600, 1000, b, sizeof b),
	    "1h00m");
	assert_string_equal(format_left(1000 + 5 * 3600 + 7 * 60, 1000, b,
	    sizeof b), "5h07m");
	assert_string_equal(format_left(1000 + 3 * 86400 + 4 * 3600, 1000, b,
	    sizeof b), "3d04h");
}

static void
test_share(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(format_share(1200, 5000, b, sizeof b), "1.2k/5k 24%");
	assert_string_equal(format_share(0, 5000, b, sizeof b), "0/5k 0%");
	assert_string_equal(format_share(7500, 5000, b, sizeof b),
	    "7.5k/5k 150%");
	assert_string_equal(format_share(1200, 0, b, sizeof b), "1.2k");
}

static void
test_age(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(format_age(-1, b, sizeof b), "-");
	assert_string_equal(format_age(59, b, sizeof b), "59s");
	assert_string_equal(format_age(119, b, sizeof b), "119s");
	assert_string_equal(format_age(120, b, sizeof b), "2m");
	assert_string_equal(format_age(7200, b, sizeof b), "2h");
	assert_string_equal(format_age(3 * 86400, b, sizeof b), "3d");
}

static void
test_grouped(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(format_grouped(0, b, sizeof b), "0");
	assert_string_equal(format_grouped(987, b, sizeof b), "987");
	assert_string_equal(format_grouped(1000, b, sizeof b), "1,000");
	assert_string_equal(format_grouped(1681, b, sizeof b), "1,681");
	assert_string_equal(format_grouped(123456, b, sizeof b), "123,456");
	assert_string_equal(format_grouped(1234567, b, sizeof b), "1,234,567");
	assert_string_equal(format_grouped(-1, b, sizeof b), "-");
	assert_string_equal(format_grouped(1234567, b, 4), "1,2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_grouped),
		cmocka_unit_test(test_left),
		cmocka_unit_test(test_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
