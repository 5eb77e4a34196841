/* Unit tests of the short forms: bytes, counts, time left, shares, ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/format.h"

/* A number and how it is written. */
struct written {
	long long	 n;
	const char	*want;
};

/* Checks fn(n) against each case, naming the number that fails. */
static void
check_written(char *(*fn)(long long, char *, size_t),
    const struct written *cases, size_t ncases)
{
	char b[32];
	size_t i;

	for (i = 0; i < ncases; i++) {
		const char *got = fn(cases[i].n, b, sizeof b);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%lld: '%s', not '%s'", cases[i].n, got,
			    cases[i].want);
	}
}

#define CHECK_WRITTEN(fn, cases) \
	check_written((fn), (cases), sizeof (cases) / sizeof (cases)[0])

static void
test_bytes(void **state)
{
	static const struct written cases[] = {
		{ 0, "0B" }, { 1023, "1023B" }, { 1024, "1.0K" },
		{ 1536, "1.5K" }, { 15 * 1024, "15K" }, { 3565158, "3.4M" },
		{ 120LL << 30, "120G" }, { -1, "-" },
	};

	(void)state;
	CHECK_WRITTEN(format_bytes, cases);
}

static void
test_count(void **state)
{
	static const struct written cases[] = {
		{ 0, "0" }, { 987, "987" }, { 1200, "1.2k" }, { 5000, "5k" },
		{ 12345, "12k" }, { 3400000, "3.4M" }, { -5, "-" },
	};

	(void)state;
	CHECK_WRITTEN(format_count, cases);
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

/* format_age takes a long. */
static char *
age_of(long long secs, char *buf, size_t len)
{
	return format_age((long)secs, buf, len);
}

static void
test_age(void **state)
{
	static const struct written cases[] = {
		{ -1, "-" }, { 59, "59s" }, { 119, "119s" }, { 120, "2m" },
		{ 7200, "2h" }, { 3 * 86400, "3d" },
	};

	(void)state;
	CHECK_WRITTEN(age_of, cases);
}

static void
test_grouped(void **state)
{
	static const struct written cases[] = {
		{ 0, "0" }, { 987, "987" }, { 1000, "1,000" }, { 1681, "1,681" },
		{ 123456, "123,456" }, { 1234567, "1,234,567" }, { -1, "-" },
	};
	char b[32];

	(void)state;
	CHECK_WRITTEN(format_grouped, cases);
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
