/* Unit tests of the counts block, permit and agency commands accept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/policy_input.h"

static void
test_number(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(policy_input_number("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(policy_input_number("-1", -1, 10, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(policy_input_number("11", 0, 10, &v), -1);
	assert_int_equal(policy_input_number("1,000", 0, 10000, &v), -1);
	assert_int_equal(policy_input_number(" 5", 0, 10, &v), -1);
	assert_int_equal(policy_input_number("5 ", 0, 10, &v), -1);
	assert_int_equal(policy_input_number("", 0, 10, &v), -1);
	assert_int_equal(policy_input_number("+5", 0, 10, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
