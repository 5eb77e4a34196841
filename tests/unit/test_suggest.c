/* core/suggest.c: the edit distance and the "did you mean" pick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/suggest.h"

static void
test_distance(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("block", "block"), 0);
	assert_int_equal(suggest_distance("BLOCK", "block"), 0);
	assert_int_equal(suggest_distance("blok", "block"), 1);
	assert_int_equal(suggest_distance("blcok", "block"), 1); /* swap */
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_int_equal(suggest_distance("abc", ""), 3);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(suggest_distance("ca", "abc"), 3);
	{
		char big[80];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_true(suggest_distance(big, "a") == SIZE_MAX);
	}
}

static void
test_best(void **state)
{
	static const char *const names[] = { "block", "blocks", "unblock",
		"queue", "quit", NULL, "clusters", "status" };
	size_t n = sizeof names / sizeof names[0];

	(void)state;
	assert_string_equal(suggest_best("blcok", names, n), "block");
	assert_string_equal(suggest_best("quue", names, n), "queue");
	assert_string_equal(suggest_best("clustrs", names, n), "clusters");
	assert_string_equal(suggest_best("STATSU", names, n), "status");
	/* Short words get one edit at most; nothing near gives NULL. */
	assert_null(suggest_best("qx", names, n));
	assert_null(suggest_best("bogus", names, n));
	assert_null(suggest_best("", names, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_best),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
