/* Unit tests of the OSC 52 sequence that sets the terminal's clipboard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/osc52.h"

/* The base64 of RFC 4648's test vectors, each padded. */
static void
test_rfc4648(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "\033]52;c;\033\\" },
		{ "f", "\033]52;c;Zg==\033\\" },
		{ "fo", "\033]52;c;Zm8=\033\\" },
		{ "foo", "\033]52;c;Zm9v\033\\" },
		{ "foob", "\033]52;c;Zm9vYg==\033\\" },
		{ "fooba", "\033]52;c;Zm9vYmE=\033\\" },
		{ "foobar", "\033]52;c;Zm9vYmFy\033\\" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = osc52_encode(cases[i].text, out, sizeof out);

		assert_string_equal(out, cases[i].want);
		assert_int_equal(n, (int)strlen(cases[i].want));
		assert_int_equal(osc52_size(strlen(cases[i].text)), (size_t)n + 1);
	}
}

/* What the console copies: a message's NODE:ID, an IPv6 address, and
 * bytes above 0x7f (all 64 letters of the alphabet appear somewhere). */
static void
test_ids(void **state)
{
	char out[128];

	(void)state;
	osc52_encode("gw2:4XyZ1B2C3D", out, sizeof out);
	assert_string_equal(out, "\033]52;c;Z3cyOjRYeVoxQjJDM0Q=\033\\");
	osc52_encode("2001:db8::1234:5678", out, sizeof out);
	assert_string_equal(out, "\033]52;c;MjAwMTpkYjg6OjEyMzQ6NTY3OA==\033\\");
	osc52_encode("\xff\xfe\xfd", out, sizeof out);
	assert_string_equal(out, "\033]52;c;//79\033\\");
	osc52_encode("\xfb\xef", out, sizeof out);
	assert_string_equal(out, "\033]52;c;++8=\033\\");
}

/* Too small a buffer: -1 and an empty string, never a cut sequence. */
static void
test_no_room(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(osc52_encode("foobar", out, 0), -1);
	/* "foobar" needs 7 + 8 + 2 + 1 = 18 bytes. */
	assert_int_equal(osc52_encode("foobar", out, 17), -1);
	assert_string_equal(out, "");
	assert_int_equal(osc52_encode("fooba", out, 16), -1);
	assert_int_equal(osc52_encode("foob", out, 16), -1);
	assert_int_equal(osc52_encode("foo", out, 16), 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_no_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
