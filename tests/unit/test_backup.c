/* Unit tests of the backups watched: the status file and the gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/backup.h"
#include "core/restore.h"

static void
test_status(void **state)
{
	struct backup_status st;
	char cause[160];

	(void)state;
	assert_int_equal(backup_status_parse("# by nightly-backup\n"
	    "date=2026-12-04\nresult=ok\ncompleted_at=1764900000\r\n"
	    "bytes=123456789\nmailboxes=3\nhost=mbx1\n\n", &st, cause,
	    sizeof cause), 0);
	assert_string_equal(st.date, "2026-12-04");
	assert_true(st.ok);
	assert_int_equal(st.completed_at, 1764900000);
	assert_int_equal(st.bytes, 123456789);
	assert_int_equal(st.mailboxes, 3);

	/* Only what is required: the rest unknown. */
	assert_int_equal(backup_status_parse("result=failed\n"
	    "completed_at=5", &st, cause, sizeof cause), 0);
	assert_false(st.ok);
	assert_string_equal(st.date, "");
	assert_int_equal(st.bytes, -1);
	assert_int_equal(st.mailboxes, -1);
}

static void
test_status_bad(void **state)
{
	static const struct {
		const char *text, *cause;
	} bad[] = {
		{ "", "no result=ok|failed line" },
		{ "result=ok\n", "no completed_at=EPOCH line" },
		{ "result=maybe\n", "line 1: result 'maybe' is not ok or "
		    "failed" },
		{ "result=ok\ncompleted_at=-5\n", "line 2: completed_at '-5' "
		    "is not a number" },
		{ "result=ok\ncompleted_at=12x\n", "line 2: completed_at "
		    "'12x' is not a number" },
		{ "date=2026-02-30\n", "line 1: date '2026-02-30' is not a "
		    "date YYYY-MM-DD" },
		{ "result ok\n", "line 1: 'result ok' is not KEY=VALUE" },
		{ "bytes=99999999999999999999\n", "line 1: bytes "
		    "'99999999999999999999' is not a number" },
	};
	struct backup_status st;
	char cause[160], big[BACKUP_STATUS_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(backup_status_parse(bad[i].text, &st, cause,
		    sizeof cause), -1);
		assert_string_equal(cause, bad[i].cause);
	}
	memset(big, '#', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(backup_status_parse(big, &st, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "longer than 4096 bytes");
}

static void
test_gaps(void **state)
{
	/* today = 1000; backups of 999, 998, 996, 990 and 960 */
	long days[] = { 990, 999, 960, 996, 998 }, out[4];
	long recent[] = { 997, 998 };

	(void)state;
	/* 28 nights: 997, 995 ... 991, 989 ... 972 missing (26 of 28). */
	assert_int_equal(backup_gaps(days, 5, 1000, 28, out, 4), 24);
	assert_int_equal(out[0], 997);
	assert_int_equal(out[1], 995);
	assert_int_equal(out[3], 993);
	/* The last 3 nights: only 997. */
	assert_int_equal(backup_gaps(days, 5, 1000, 3, out, 4), 1);
	assert_int_equal(out[0], 997);
	assert_int_equal(backup_gaps(days, 5, 1000, 2, out, 4), 0);
	assert_int_equal(backup_gaps(days, 5, 1000, 0, out, 4), 0);
	/* Before the oldest backup nothing is missing; last night is. */
	assert_int_equal(backup_gaps(recent, 2, 1000, 28, out, 4), 1);
	assert_int_equal(out[0], 999);
	assert_int_equal(backup_gaps(recent, 0, 1000, 28, out, 4), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_bad),
		cmocka_unit_test(test_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
