/* Unit tests of volume buckets: minute and hour boundaries, keys, sums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/volume.h"

/* 2027-01-15 08:00:00 UTC: a whole hour. */
#define HOUR0	1800000000LL
#define MS(s)	((s) * 1000LL)

static void
test_minute_boundaries(void **state)
{
	(void)state;
	assert_int_equal(volume_minute(0), 0);
	assert_int_equal(volume_minute(59999), 0);
	assert_int_equal(volume_minute(60000), 1);
	assert_int_equal(volume_minute(MS(HOUR0)), HOUR0 / 60);
	assert_int_equal(volume_minute(MS(HOUR0) - 1), HOUR0 / 60 - 1);
	assert_int_equal(volume_minute(MS(HOUR0 + 59) + 999), HOUR0 / 60);
	assert_int_equal(volume_minute(MS(HOUR0 + 60)), HOUR0 / 60 + 1);
	/* Before the epoch: rounds down, never towards zero. */
	assert_int_equal(volume_minute(-1), -1);
	assert_int_equal(volume_minute(-60000), -1);
	assert_int_equal(volume_minute(-60001), -2);
}

static void
test_hour_boundaries(void **state)
{
	(void)state;
	/* hh:59:59.999 is still hour hh; hh+1:00:00.000 is the next. */
	assert_int_equal(volume_hour(MS(HOUR0) - 1), HOUR0 / 3600 - 1);
	assert_int_equal(volume_hour(MS(HOUR0)), HOUR0 / 3600);
	assert_int_equal(volume_hour(MS(HOUR0 + 3599) + 999), HOUR0 / 3600);
	assert_int_equal(volume_hour(MS(HOUR0 + 3600)), HOUR0 / 3600 + 1);
	assert_int_equal(volume_hour(-1), -1);
	assert_int_equal(volume_hour(3599999), 0);
}

static void
test_keys(void **state)
{
	static const struct {
		bool		 hourly;
		const char	*prefix;
		long long	 ms;
		const char	*want;
	} cases[] = {
		{ false, "mailnoc:", MS(HOUR0) - 1, "mailnoc:vol:m:29999999" },
		{ false, "mailnoc:", MS(HOUR0), "mailnoc:vol:m:30000000" },
		{ true, "mailnoc:", MS(HOUR0) - 1, "mailnoc:vol:h:499999" },
		{ true, "lab:", MS(HOUR0), "lab:vol:h:500000" },
	};
	char	buf[64], cause[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = (cases[i].hourly ? volume_hour_key : volume_minute_key)
		    (buf, sizeof buf, cases[i].prefix, cases[i].ms, cause,
		    sizeof cause);

		assert_int_equal(rc, 0);
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(volume_hour_key(buf, 12, "mailnoc:", MS(HOUR0),
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot name bucket 500000: key too long");
	assert_int_equal(VOLUME_MINUTE_TTL, 172800);
	assert_int_equal(VOLUME_HOUR_TTL, 5184000);
}

static void
test_fields(void **state)
{
	static const char *want[] = {
		"tax|msgs", "tax|rcpts", "tax|bytes", "tax|rejected",
		"tax|deferred"
	};
	char	buf[32], cause[128];
	int	m;

	(void)state;
	for (m = 0; m < VOLUME_NMETRICS; m++) {
		assert_int_equal(volume_field(buf, sizeof buf, "tax", m,
		    cause, sizeof cause), 0);
		assert_string_equal(buf, want[m]);
	}
	assert_string_equal(volume_metric_name(VOLUME_REJECTED), "rejected");
	assert_int_equal(volume_field(buf, sizeof buf, "a|b", VOLUME_MSGS,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot count for agency 'a|b': '|' and "
	    "control characters are not allowed");
	assert_int_equal(volume_field(buf, sizeof buf, "a\nb", VOLUME_MSGS,
	    cause, sizeof cause), -1);
	assert_int_equal(volume_field(buf, sizeof buf, "", VOLUME_MSGS,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot count for an empty agency");
	assert_int_equal(volume_field(buf, 8, "transport", VOLUME_MSGS,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot count for agency 'transport': "
	    "field too long");
}

/* A fake store: every bucket holds its number modulo 1000, minute or hour. */
struct fake {
	int		 calls;
	int		 fail_at;	/* call number that fails, 0: none */
	long long	 first, last;
	int		 hourly;
};

static long long
fake_lookup(void *arg, int hourly, long long bucket, const char *agency,
    enum volume_metric m)
{
	struct fake	*f = arg;

	assert_string_equal(agency, "tax");
	assert_int_equal(m, VOLUME_RCPTS);
	if (f->calls++ == 0)
		f->first = bucket;
	f->last = bucket;
	f->hourly = hourly;
	if (f->fail_at != 0 && f->calls == f->fail_at)
		return -1;
	return bucket % 1000;
}

static long long
sum(enum volume_window w, long long ms, struct fake *f)
{
	memset(f, 0, sizeof *f);
	return volume_sum(w, ms, "tax", VOLUME_RCPTS, fake_lookup, f);
}

static void
test_windows(void **state)
{
	struct fake	f;
	long long	m = HOUR0 / 60, h = HOUR0 / 3600, first, last;
	int		hourly;

	(void)state;
	/* 30000000 % 1000 == 0: the bucket of HOUR0 holds 0. */
	assert_int_equal(sum(VOLUME_LAST_MINUTE, MS(HOUR0), &f), 0);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.hourly, 0);
	assert_int_equal(sum(VOLUME_LAST_MINUTE, MS(HOUR0) - 1, &f), 999);
	assert_int_equal(f.first, m - 1);

	/* Ten minutes ending at hh:00:00.000 and at hh-1:59:59.999. */
	assert_int_equal(sum(VOLUME_LAST_10MIN, MS(HOUR0), &f),
	    0 + 999 + 998 + 997 + 996 + 995 + 994 + 993 + 992 + 991);
	assert_int_equal(f.calls, 10);
	assert_int_equal(f.first, m - 9);
	assert_int_equal(f.last, m);
	assert_int_equal(sum(VOLUME_LAST_10MIN, MS(HOUR0) - 1, &f),
	    999 + 998 + 997 + 996 + 995 + 994 + 993 + 992 + 991 + 990);
	assert_int_equal(f.last, m - 1);

	assert_int_equal(sum(VOLUME_LAST_HOUR, MS(HOUR0 + 3599) + 999, &f),
	    0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 +
	    15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 + 24 + 25 + 26 + 27 +
	    28 + 29 + 30 + 31 + 32 + 33 + 34 + 35 + 36 + 37 + 38 + 39 + 40 +
	    41 + 42 + 43 + 44 + 45 + 46 + 47 + 48 + 49 + 50 + 51 + 52 + 53 +
	    54 + 55 + 56 + 57 + 58 + 59);
	assert_int_equal(f.calls, 60);
	assert_int_equal(f.first, m);
	assert_int_equal(f.last, m + 59);

	/* The day is 24 hour buckets; 500000 % 1000 == 0. */
	assert_int_equal(sum(VOLUME_LAST_DAY, MS(HOUR0), &f),
	    0 + (999 + 977) * 23 / 2);
	assert_int_equal(f.calls, 24);
	assert_int_equal(f.hourly, 1);
	assert_int_equal(f.first, h - 23);
	assert_int_equal(f.last, h);
	assert_int_equal(sum(VOLUME_LAST_DAY, MS(HOUR0) - 1, &f),
	    (999 + 976) * 24 / 2);
	assert_int_equal(f.last, h - 1);

	volume_window_range(VOLUME_LAST_10MIN, MS(HOUR0 + 599) + 999,
	    &hourly, &first, &last);
	assert_int_equal(hourly, 0);
	assert_int_equal(first, m);
	assert_int_equal(last, m + 9);
}

static void
test_sum_lookup_fails(void **state)
{
	struct fake	f;

	(void)state;
	memset(&f, 0, sizeof f);
	f.fail_at = 4;
	assert_int_equal(volume_sum(VOLUME_LAST_10MIN, MS(HOUR0), "tax",
	    VOLUME_RCPTS, fake_lookup, &f), -1);
	assert_int_equal(f.calls, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minute_boundaries),
		cmocka_unit_test(test_hour_boundaries),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_sum_lookup_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
