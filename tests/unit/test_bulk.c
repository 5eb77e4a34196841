/* Unit tests of announced bulk jobs' plan: windows, jobs due, allowance,
 * the next job, overlaps and the checks of a new announcement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/bulk.h"

#define T0 1764892800LL	/* 2025-12-05 00:00:00 UTC */

static struct bulk_plan
plan(const char *agency, long long start, long long end, long long rcpts,
    long jobs, long long spacing)
{
	struct bulk_plan p;

	memset(&p, 0, sizeof p);
	snprintf(p.agency, sizeof p.agency, "%s", agency);
	p.start = start;
	p.end = end;
	p.rcpts = rcpts;
	p.jobs = jobs;
	p.spacing = spacing;
	return p;
}

static void
test_jobs_and_allowance(void **state)
{
	/* The guidance's example: 3 jobs of 1,000, 10 minutes apart. */
	struct bulk_plan p = plan("dmv", T0, T0 + 3600, 3000, 3, 600);

	(void)state;
	assert_int_equal(bulk_jobs_due(&p, T0 - 1), 0);
	assert_int_equal(bulk_allowance(&p, T0 - 1), 0);
	assert_int_equal(bulk_next_job(&p, T0 - 1), T0);
	assert_int_equal(bulk_jobs_due(&p, T0), 1);
	assert_int_equal(bulk_allowance(&p, T0), 1000);
	assert_int_equal(bulk_next_job(&p, T0), T0 + 600);
	assert_int_equal(bulk_allowance(&p, T0 + 599), 1000);
	assert_int_equal(bulk_allowance(&p, T0 + 600), 2000);
	assert_int_equal(bulk_next_job(&p, T0 + 600), T0 + 1200);
	assert_int_equal(bulk_allowance(&p, T0 + 1200), 3000);
	assert_int_equal(bulk_next_job(&p, T0 + 1200), 0);
	/* Never more than the jobs announced. */
	assert_int_equal(bulk_jobs_due(&p, T0 + 3599), 3);
	assert_int_equal(bulk_allowance(&p, T0 + 3599), 3000);
	/* The window is [start, end). */
	assert_true(bulk_active(&p, T0 + 3599));
	assert_false(bulk_active(&p, T0 + 3600));
	assert_int_equal(bulk_allowance(&p, T0 + 3600), 0);
	assert_int_equal(bulk_next_job(&p, T0 + 3600), 0);
}

static void
test_uneven_split(void **state)
{
	/* 1,000 in 3 jobs: 334, 667, 1000 (rounded up, the sum exact). */
	struct bulk_plan p = plan("dmv", T0, T0 + 3600, 1000, 3, 60);

	(void)state;
	assert_int_equal(bulk_rcpts_of_jobs(&p, 0), 0);
	assert_int_equal(bulk_rcpts_of_jobs(&p, 1), 334);
	assert_int_equal(bulk_rcpts_of_jobs(&p, 2), 667);
	assert_int_equal(bulk_rcpts_of_jobs(&p, 3), 1000);
	assert_int_equal(bulk_rcpts_of_jobs(&p, 4), 1000);
	/* The largest announcement does not overflow. */
	p.rcpts = BULK_RCPTS_MAX;
	p.jobs = BULK_JOBS_MAX;
	assert_int_equal(bulk_rcpts_of_jobs(&p, BULK_JOBS_MAX - 1),
	    BULK_RCPTS_MAX / BULK_JOBS_MAX * (BULK_JOBS_MAX - 1));
}

static void
test_overlaps_and_find(void **state)
{
	struct bulk_plan v[3];

	(void)state;
	v[0] = plan("dmv", T0, T0 + 600, 1000, 1, 600);
	v[1] = plan("dmv", T0 + 600, T0 + 1200, 1000, 1, 600);
	v[2] = plan("tax", T0, T0 + 1200, 1000, 1, 600);
	/* Back to back is not an overlap; another agency never is. */
	assert_false(bulk_overlaps(&v[0], &v[1]));
	assert_false(bulk_overlaps(&v[0], &v[2]));
	v[1].start = T0 + 599;
	assert_true(bulk_overlaps(&v[0], &v[1]));
	assert_true(bulk_overlaps(&v[1], &v[0]));
	v[1].start = T0 + 600;
	assert_ptr_equal(bulk_find_active(v, 3, "dmv", T0 + 10), &v[0]);
	assert_ptr_equal(bulk_find_active(v, 3, "dmv", T0 + 600), &v[1]);
	assert_ptr_equal(bulk_find_active(v, 3, "tax", T0 + 600), &v[2]);
	assert_null(bulk_find_active(v, 3, "dmv", T0 + 1200));
	assert_null(bulk_find_active(v, 3, "edu", T0));
	/* A malformed one is never active. */
	snprintf(v[0].malformed, sizeof v[0].malformed, "bad");
	assert_null(bulk_find_active(v, 3, "dmv", T0 + 10));
}

static void
test_check(void **state)
{
	struct bulk_plan p = plan("dmv", T0, T0 + 1800, 3000, 3, 600);
	char buf[300];
	const char *why;

	(void)state;
	assert_null(bulk_check(&p, T0 - 60, buf, sizeof buf));
	/* Already open is fine while the window lasts. */
	assert_null(bulk_check(&p, T0 + 60, buf, sizeof buf));

	p.end = T0 - 1;
	assert_non_null(why = bulk_check(&p, T0 - 60, buf, sizeof buf));
	assert_string_equal(why, "the end is not after the start");
	p.end = T0;
	assert_non_null(bulk_check(&p, T0 - 60, buf, sizeof buf));

	p.end = T0 + 1800;
	assert_non_null(why = bulk_check(&p, T0 + 1900, buf, sizeof buf));
	assert_string_equal(why, "the window is in the past (it ended 1m 40s "
	    "ago)");

	/* The last job must start inside the window. */
	p.end = T0 + 1200;
	assert_non_null(why = bulk_check(&p, T0, buf, sizeof buf));
	assert_string_equal(why, "3 jobs 10m apart do not fit in a window of "
	    "20m: the last would start at or after its end");
	p.end = T0 + 1201;
	assert_null(bulk_check(&p, T0, buf, sizeof buf));

	p.jobs = 3001;
	assert_non_null(bulk_check(&p, T0, buf, sizeof buf));
	p.jobs = 0;
	assert_non_null(bulk_check(&p, T0, buf, sizeof buf));
	p.jobs = 1;
	p.rcpts = 0;
	assert_non_null(bulk_check(&p, T0, buf, sizeof buf));
	p.rcpts = 10;
	p.spacing = 0;
	assert_non_null(bulk_check(&p, T0, buf, sizeof buf));
	p.spacing = 600;
	snprintf(p.agency, sizeof p.agency, "no such!");
	assert_non_null(why = bulk_check(&p, T0, buf, sizeof buf));
	assert_non_null(strstr(why, "is not an agency id"));
}

static void
test_time_parse(void **state)
{
	long long t;

	(void)state;
	assert_int_equal(bulk_time_parse("now", T0, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(bulk_time_parse("+30m", T0, &t), 0);
	assert_int_equal(t, T0 + 1800);
	assert_int_equal(bulk_time_parse("now+1h30m", T0, &t), 0);
	assert_int_equal(t, T0 + 5400);
	assert_int_equal(bulk_time_parse("2025-12-05T10:20", 0, &t), 0);
	assert_int_equal(t, T0 + 10 * 3600 + 1200);
	assert_int_equal(bulk_time_parse("2025-12-05 10:20:30", 0, &t), 0);
	assert_int_equal(t, T0 + 10 * 3600 + 1230);
	assert_int_equal(bulk_time_parse("2025-12-05T10:20Z", 0, &t), 0);
	assert_int_equal(bulk_time_parse("tomorrow", T0, &t), -1);
	assert_int_equal(bulk_time_parse("+", T0, &t), -1);
	assert_int_equal(bulk_time_parse("+10x", T0, &t), -1);
	assert_int_equal(bulk_time_parse("2025-12-05", T0, &t), -1);
	assert_int_equal(bulk_time_parse("2025-12-05T10", T0, &t), -1);
	assert_int_equal(bulk_time_parse("2025-12-05T10:20 junk", T0, &t), -1);
	assert_int_equal(bulk_time_parse("", T0, &t), -1);
}

static void
test_attach(void **state)
{
	struct bulk_plan v[3];
	struct agency ag[3];
	struct agency_list l = { ag, 3 };
	struct bulk_list b = { v, 3 };

	(void)state;
	memset(ag, 0, sizeof ag);
	snprintf(ag[0].id, sizeof ag[0].id, "dmv");
	snprintf(ag[1].id, sizeof ag[1].id, "tax");
	snprintf(ag[2].id, sizeof ag[2].id, "edu");
	ag[2].bulk_id = 99;	/* stale: cleared */
	v[0] = plan("dmv", T0 + 3600, T0 + 7200, 1000, 1, 600);
	v[0].id = 8;
	v[1] = plan("dmv", T0, T0 + 1800, 3000, 3, 600);
	v[1].id = 7;
	v[1].sent = 1200;
	v[2] = plan("tax", T0 + 600, T0 + 1800, 500, 1, 600);
	v[2].id = 9;
	bulk_attach(&l, &b, T0 + 700);
	assert_int_equal(ag[0].bulk_id, 7);
	assert_true(ag[0].bulk_active);
	assert_int_equal(ag[0].bulk_sent, 1200);
	assert_int_equal(ag[0].bulk_announced, 3000);
	assert_int_equal(ag[0].bulk_due, 2);
	assert_int_equal(ag[0].bulk_jobs, 3);
	assert_int_equal(ag[0].bulk_next, T0 + 1200);
	assert_int_equal(ag[1].bulk_id, 9);
	assert_true(ag[1].bulk_active);
	assert_int_equal(ag[2].bulk_id, 0);
	/* Once dmv's first is over, its next one shows, not active. */
	bulk_attach(&l, &b, T0 + 1800);
	assert_int_equal(ag[0].bulk_id, 8);
	assert_false(ag[0].bulk_active);
	assert_int_equal(ag[0].bulk_start, T0 + 3600);
	assert_int_equal(ag[1].bulk_id, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_and_allowance),
		cmocka_unit_test(test_uneven_split),
		cmocka_unit_test(test_overlaps_and_find),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_attach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
