/* Unit tests of sparklines: scaling, compression to a width, ASCII, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/sparkline.h"

#define FULL "\xe2\x96\x88"
#define LOW "\xe2\x96\x81"
#define HALF "\xe2\x96\x84"

static void
test_ascii_scale(void **state)
{
	long long v[] = { 0, 1, 5, 9 };
	char buf[64];

	(void)state;
	/* Nine levels above blank: 9 is the top, 1 the lowest non-blank. */
	assert_int_equal(sparkline_render(v, 4, 10, false, buf, sizeof buf), 4);
	assert_string_equal(buf, " .+@");
}

static void
test_utf8_scale(void **state)
{
	long long v[] = { 0, 1, 4, 8 };
	char buf[64];

	(void)state;
	assert_int_equal(sparkline_render(v, 4, 60, true, buf, sizeof buf), 4);
	assert_string_equal(buf, " " LOW HALF FULL);
	/* Any traffic shows, however small next to the peak. */
	v[1] = 1;
	v[3] = 100000;
	sparkline_render(v, 4, 60, true, buf, sizeof buf);
	assert_memory_equal(buf + 1, LOW, 3);
}

static void
test_all_zero(void **state)
{
	long long v[60] = { 0 };
	char buf[256];

	(void)state;
	assert_int_equal(sparkline_render(v, 60, 20, true, buf, sizeof buf), 20);
	assert_int_equal(strspn(buf, " "), 20);
	assert_int_equal(strlen(buf), 20);
	/* Negative (unknown) counts draw as nothing. */
	v[3] = -1;
	sparkline_render(v, 60, 20, false, buf, sizeof buf);
	assert_int_equal(strspn(buf, " "), 20);
}

static void
test_compress(void **state)
{
	long long v[60] = { 0 };
	char buf[256];

	(void)state;
	/* 60 minutes in 15 columns: 4 each; the newest minute ends the line. */
	v[59] = 7;
	assert_int_equal(sparkline_render(v, 60, 15, false, buf, sizeof buf),
	    15);
	assert_string_equal(buf, "              @");
	v[0] = 7;
	sparkline_render(v, 60, 15, false, buf, sizeof buf);
	assert_string_equal(buf, "@             @");
	/* Columns sum their run: 2+2 in one column is twice 2 in another. */
	memset(v, 0, sizeof v);
	v[0] = v[1] = 2;
	v[59] = 2;
	sparkline_render(v, 60, 30, true, buf, sizeof buf);
	assert_memory_equal(buf, FULL, 3);
	assert_memory_equal(buf + 3 + 28, HALF, 3);
	/* An uneven split still uses every count once: 60 into 7. */
	for (int i = 0; i < 60; i++)
		v[i] = 1;
	assert_int_equal(sparkline_render(v, 60, 7, false, buf, sizeof buf), 7);
	assert_int_equal(strspn(buf, " "), 0);
}

static void
test_narrow_and_short(void **state)
{
	long long v[24] = { 0 };
	char buf[256], tiny[8];

	(void)state;
	/* Fewer counts than columns: one column each, never stretched. */
	v[23] = 3;
	assert_int_equal(sparkline_render(v, 24, 80, false, buf, sizeof buf),
	    24);
	assert_int_equal(strlen(buf), 24);
	assert_int_equal(sparkline_render(v, 24, 0, false, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sparkline_render(v, 0, 10, false, buf, sizeof buf), 0);
	/* A small buffer holds whole glyphs only, always NUL-terminated. */
	assert_int_equal(sparkline_render(v, 24, 24, true, tiny, sizeof tiny),
	    7);
	assert_int_equal(strlen(tiny), 7);
	v[0] = 9;
	assert_int_equal(sparkline_render(v, 24, 24, true, tiny, sizeof tiny),
	    5);
	assert_string_equal(tiny, FULL "    ");
	/* The next glyph would not fit with the NUL: left out whole. */
	v[4] = 9;
	assert_int_equal(sparkline_render(v, 24, 24, true, tiny, sizeof tiny),
	    4);
	assert_string_equal(tiny, FULL "   ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_scale),
		cmocka_unit_test(test_utf8_scale),
		cmocka_unit_test(test_all_zero),
		cmocka_unit_test(test_compress),
		cmocka_unit_test(test_narrow_and_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
