/* tui/layout.c: widths by priority, cut marks, sorting by value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tui/layout.h"

/* The queues view's columns: NODE QUEUE ID AGE SIZE SENDER RECIPIENT
 * REASON (the reason class and both domains must keep their meaning). */
static const struct layout_col queues[] = {
	{ 5, 4, 9, LAYOUT_CUT_END }, { 8, 5, 5, LAYOUT_CUT_END },
	{ 11, 11, 8, LAYOUT_CUT_END }, { 4, 4, 7, LAYOUT_CUT_END },
	{ 5, 4, 1, LAYOUT_CUT_END }, { 16, 12, 3, LAYOUT_CUT_ADDR },
	{ 19, 14, 6, LAYOUT_CUT_ADDR }, { 0, 14, 10, LAYOUT_CUT_END },
};

static int
line_width(const int *w, int n)
{
	int i, sum = 0, shown = 0;

	for (i = 0; i < n; i++) {
		if (w[i] > 0) {
			sum += w[i];
			shown++;
		}
	}
	return sum + (shown > 0 ? shown - 1 : 0);
}

static void
test_widths(void **state)
{
	int w[LAYOUT_MAX_COLS];

	(void)state;
	/* Wide: every column at its preferred width, the reason the rest. */
	assert_int_equal(layout_widths(queues, 8, 200, 0, w), 0);
	assert_int_equal(w[5], 16);
	assert_int_equal(w[6], 19);
	assert_int_equal(w[7], 200 - 75);
	assert_int_equal(line_width(w, 8), 200);
	/* 80 columns: low priorities give way; the reason keeps 14. */
	assert_int_equal(layout_widths(queues, 8, 80, 0, w), 0);
	assert_int_equal(line_width(w, 8), 80);
	assert_true(w[7] >= 14);
	assert_true(w[5] >= 12 && w[6] >= 14);
	assert_int_equal(w[2], 11);     /* the ID is never cut */
	/* 60 columns: columns are hidden, lowest priority first. */
	assert_true(layout_widths(queues, 8, 60, 0, w) > 0);
	assert_true(line_width(w, 8) <= 60);
	assert_int_equal(w[4], 0);      /* SIZE goes first */
	assert_true(w[7] >= 14);
	assert_true(w[0] > 0);          /* the first column stays */
	/* Scrolled by two: the first stays, the next two are not shown. */
	assert_int_equal(layout_widths(queues, 8, 80, 2, w), 0);
	assert_int_equal(w[0], 5);
	assert_int_equal(w[1], 0);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 4);
}

static void
test_cell(void **state)
{
	char out[128];

	(void)state;
	layout_cell("host", 8, false, LAYOUT_CUT_END, false, out, sizeof out);
	assert_string_equal(out, "host    ");
	layout_cell("42", 5, true, LAYOUT_CUT_END, false, out, sizeof out);
	assert_string_equal(out, "   42");
	layout_cell("connection refused", 14, false, LAYOUT_CUT_END, false,
	    out, sizeof out);
	assert_string_equal(out, "connection re~");
	layout_cell("connection refused", 14, false, LAYOUT_CUT_END, true,
	    out, sizeof out);
	assert_string_equal(out, "connection re\xe2\x80\xa6");
	/* An address keeps its domain. */
	layout_cell("application@agency.test", 16, false, LAYOUT_CUT_ADDR,
	    false, out, sizeof out);
	assert_string_equal(out, "app~@agency.test");
	layout_cell("application@agency.test", 12, false, LAYOUT_CUT_ADDR,
	    false, out, sizeof out);
	assert_string_equal(out, "~agency.test");
	/* Never half a UTF-8 character: "é" is two bytes. */
	layout_cell("caf\xc3\xa9 au lait", 5, false, LAYOUT_CUT_END, false,
	    out, sizeof out);
	assert_string_equal(out, "caf~ ");
	layout_cell("anything", 0, false, LAYOUT_CUT_END, false, out,
	    sizeof out);
	assert_string_equal(out, "");
}

static void
test_compare(void **state)
{
	(void)state;
	assert_true(layout_compare("119s", "2m") < 0);
	assert_true(layout_compare("3h", "2d") < 0);
	assert_true(layout_compare("1.4K", "0B") > 0);
	assert_true(layout_compare("153k", "2M") < 0);
	assert_true(layout_compare("10", "9") > 0);
	assert_true(layout_compare("gw10", "gw9") > 0);
	assert_true(layout_compare("alpha", "beta") < 0);
	assert_int_equal(layout_compare("5m", "300s"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_cell),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
