/* Unit tests of what block, permit and agency commands accept beside IPs
 * and text (core/validate.c): counts, and an agency's domains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

static void
test_domains(void **state)
{
	char out[1024], why[200], many[400] = "";
	int i;

	(void)state;
	assert_null(policy_input_domains("DMV.agency.example,b.example", out,
	    sizeof out, why, sizeof why));
	assert_string_equal(out, "dmv.agency.example,b.example");
	assert_null(policy_input_domains("", out, sizeof out, why,
	    sizeof why));
	assert_string_equal(out, "");
	assert_non_null(policy_input_domains("a b.example", out, sizeof out,
	    why, sizeof why));
	assert_non_null(strstr(why, "spaces and quotes"));
	assert_non_null(policy_input_domains("a.example\"", out, sizeof out,
	    why, sizeof why));
	assert_non_null(policy_input_domains("a.example.", out, sizeof out,
	    why, sizeof why));
	assert_non_null(strstr(why, "trailing dot"));
	assert_non_null(policy_input_domains("a.example,,b.example", out,
	    sizeof out, why, sizeof why));
	assert_non_null(policy_input_domains("a.example,", out, sizeof out,
	    why, sizeof why));
	assert_non_null(policy_input_domains("localhost", out, sizeof out, why,
	    sizeof why));
	assert_non_null(policy_input_domains("a.example,A.example", out,
	    sizeof out, why, sizeof why));
	assert_non_null(strstr(why, "listed twice"));
	/* A prefix of another is not a repeat. */
	assert_null(policy_input_domains("ab.example,b.example", out,
	    sizeof out, why, sizeof why));
	for (i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
		    "%sd%d.example", i ? "," : "", i);
	assert_non_null(policy_input_domains(many, out, sizeof out, why,
	    sizeof why));
	assert_non_null(strstr(why, "more than 16"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
