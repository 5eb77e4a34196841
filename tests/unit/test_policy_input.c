/* Unit tests of what block and permit commands accept: durations, client
 * IPs (ranges, wildcards and host names refused, each with its reason),
 * free text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/duration.h"
#include "core/policy_input.h"
#include "core/validate.h"

static long long
secs_of(const char *s)
{
	long long v = -42;

	return duration_parse(s, &v) == 0 ? v : -1;
}

static void
test_duration_parse(void **state)
{
	(void)state;
	assert_int_equal(secs_of("30s"), 30);
	assert_int_equal(secs_of("15m"), 900);
	assert_int_equal(secs_of("2h"), 7200);
	assert_int_equal(secs_of("7d"), 7 * 86400);
	assert_int_equal(secs_of("1w"), 7 * 86400);
	assert_int_equal(secs_of("1h30m"), 5400);
	assert_int_equal(secs_of("1d12h"), 36 * 3600);
	assert_int_equal(secs_of("365d"), 365LL * 86400);
	assert_int_equal(secs_of("1s"), 1);
	/* Refused: no unit, unknown unit, out of range, out of order. */
	assert_int_equal(secs_of(""), -1);
	assert_int_equal(secs_of("30"), -1);
	assert_int_equal(secs_of("h"), -1);
	assert_int_equal(secs_of("5x"), -1);
	assert_int_equal(secs_of("0s"), -1);
	assert_int_equal(secs_of("366d"), -1);
	assert_int_equal(secs_of("53w"), -1);
	assert_int_equal(secs_of("30m1h"), -1);
	assert_int_equal(secs_of("1h1h"), -1);
	assert_int_equal(secs_of("-5m"), -1);
	assert_int_equal(secs_of("1.5h"), -1);
	assert_int_equal(secs_of("2 h"), -1);
	assert_int_equal(secs_of("99999999999999999999s"), -1);
	assert_int_equal(secs_of("2H"), -1);
}

static void
test_duration_format(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(duration_format(45, b, sizeof b), "45s");
	assert_string_equal(duration_format(900, b, sizeof b), "15m");
	assert_string_equal(duration_format(5400, b, sizeof b), "1h 30m");
	assert_string_equal(duration_format(7200, b, sizeof b), "2h");
	assert_string_equal(duration_format(7 * 86400, b, sizeof b), "7d");
	assert_string_equal(duration_format(2 * 86400 + 3 * 3600 + 5, b,
	    sizeof b), "2d 3h");
	assert_string_equal(duration_format(0, b, sizeof b), "0s");
	assert_string_equal(duration_format(-5, b, sizeof b), "0s");
}

static const char *
ip_of(const char *s, char *out)
{
	const char *why = validate_ip_canon(s, out, 46);

	return why != NULL ? why : out;
}

static void
test_ip_accepted(void **state)
{
	char out[46];

	(void)state;
	assert_string_equal(ip_of("192.0.2.10", out), "192.0.2.10");
	assert_string_equal(ip_of("127.0.1.10", out), "127.0.1.10");
	/* IPv6 as Postfix names it: lower case, compressed. */
	assert_string_equal(ip_of("2001:DB8:0:0::10", out), "2001:db8::10");
	assert_string_equal(ip_of("::1", out), "::1");
	/* An IPv4-mapped address is the IPv4 client. */
	assert_string_equal(ip_of("::ffff:192.0.2.7", out), "192.0.2.7");
}

struct refusal {
	const char *ip;
	const char *why;
};

static const struct refusal refusals[] = {
	{ "10.0.0.0/8", "only single addresses are accepted, not ranges (CIDR "
	    "prefixes); give each address" },
	{ "2001:db8::/32", "only single addresses are accepted, not ranges "
	    "(CIDR prefixes); give each address" },
	{ "10.0.0.1-10.0.0.9", "only single addresses are accepted, not "
	    "ranges; give each address" },
	{ "10.0.0.*", "only single addresses are accepted, not wildcards; "
	    "give each address" },
	{ "10.0.0.?", "only single addresses are accepted, not wildcards; "
	    "give each address" },
	{ "mail.example.org", "host names are not accepted; give the client's "
	    "IP address" },
	{ "printer1", "host names are not accepted; give the client's IP "
	    "address" },
	{ "fe80::1%eth0", "an address with a zone index ('%...') is a "
	    "link-local address, not a relay client; give a global address" },
	{ "0.0.0.0", "0.0.0.0 is not a client address" },
	{ "::", ":: is not a client address" },
	{ "10.0.0", "use a single IPv4 or IPv6 address, such as 192.0.2.10 or "
	    "2001:db8::10" },
	{ "10.0.0.256", "use a single IPv4 or IPv6 address, such as 192.0.2.10 "
	    "or 2001:db8::10" },
	{ "010.0.0.1", "use a single IPv4 or IPv6 address, such as 192.0.2.10 "
	    "or 2001:db8::10" },
	{ "", "use a single IPv4 or IPv6 address, such as 192.0.2.10 or "
	    "2001:db8::10" },
	{ "1.2.3.4'", "use a single IPv4 or IPv6 address, such as 192.0.2.10 "
	    "or 2001:db8::10" },
	{ " 1.2.3.4", "use a single IPv4 or IPv6 address, such as 192.0.2.10 "
	    "or 2001:db8::10" },
};

static void
test_ip_refused(void **state)
{
	char out[46];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const char *why = validate_ip_canon(refusals[i].ip, out, sizeof out);

		if (why == NULL)
			fail_msg("'%s' was accepted", refusals[i].ip);
		assert_string_equal(why, refusals[i].why);
	}
}

static void
test_text(void **state)
{
	char big[202];

	(void)state;
	assert_null(validate_text("spam run to yahoo", 200));
	assert_null(validate_text("Departamento de Tránsito", 200));
	assert_string_equal(validate_text("", 200), "it is empty");
	assert_string_equal(validate_text("a\tb", 200), "control "
	    "characters (tabs, new lines, escapes) are not accepted");
	assert_string_equal(validate_text("a\x1b[31m", 200), "control "
	    "characters (tabs, new lines, escapes) are not accepted");
	assert_string_equal(validate_text("caf\xe9", 200), "it is not "
	    "valid UTF-8 text");
	/* C1 controls and overlong forms are not text either. */
	assert_non_null(validate_text("a\xc2\x9b", 200));
	assert_non_null(validate_text("\xc0\xaf", 200));
	memset(big, 'x', 200);
	big[200] = '\0';
	assert_null(validate_text(big, 200));
	big[200] = 'x';
	big[201] = '\0';
	assert_string_equal(validate_text(big, 200), "it is longer than "
	    "200 characters");
}

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
test_sanitize(void **state)
{
	char b[8];

	(void)state;
	assert_string_equal(validate_sanitize(b, sizeof b, "ok"), "ok");
	assert_string_equal(validate_sanitize(b, sizeof b, "a\x1b[m"),
	    "a\\x1b[m");
	assert_string_equal(validate_sanitize(b, sizeof b, "\xff"), "\\xff");
	/* An escape that does not fit is left out whole. */
	assert_string_equal(validate_sanitize(b, sizeof b, "abcd\x01"),
	    "abcd");
	/* A cut never splits a character: "aaaaa" + 3-byte char = 8 bytes. */
	assert_string_equal(validate_sanitize(b, sizeof b,
	    "aaaaa\xe2\x82\xac"), "aaaaa");
	assert_string_equal(validate_sanitize(b, sizeof b,
	    "aaaa\xe2\x82\xac"), "aaaa\xe2\x82\xac");
}

/* Bidirectional and zero-width controls show as what they are. */
static void
test_sanitize_invisible(void **state)
{
	char b[64];

	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE: "gpj.exe" would read "exe.jpg". */
	assert_string_equal(validate_sanitize(b, sizeof b,
	    "x\xe2\x80\xaegpj.exe"), "x\\u202egpj.exe");
	/* U+200B ZERO WIDTH SPACE inside an address. */
	assert_string_equal(validate_sanitize(b, sizeof b,
	    "ad\xe2\x80\x8bmin@x"), "ad\\u200bmin@x");
	assert_string_equal(validate_sanitize(b, sizeof b, "\xef\xbb\xbf" "a"),
	    "\\ufeff" "a");
	/* C1 control U+0085, and a letter that must stay: U+00E9. */
	assert_string_equal(validate_sanitize(b, sizeof b, "\xc2\x85\xc3\xa9"),
	    "\\u0085\xc3\xa9");
	/* In place, where escapes grow the text. */
	snprintf(b, sizeof b, "%s", "\x1b]0;pwned\x07");
	assert_string_equal(validate_sanitize(b, sizeof b, b),
	    "\\x1b]0;pwned\\x07");
	/* Typed text with them is refused, saying why. */
	assert_non_null(validate_text("a\xe2\x80\xae" "b", 200));
	assert_string_equal(validate_text("a\xe2\x80\x8b" "b", 200),
	    "invisible characters (bidirectional and zero-width controls) are "
	    "not accepted");
	assert_null(validate_text("caf\xc3\xa9", 200));
}

/* Bytes with NULs and tabs, as a line of a queued message comes. */
static void
test_sanitize_mem(void **state)
{
	static const char line[] = "Subject: a\x1b]0;OWNED\x07\tb\0c\xc2\x9b";
	char *s;

	(void)state;
	s = validate_sanitize_mem(line, sizeof line - 1, true);
	assert_string_equal(s, "Subject: a\\x1b]0;OWNED\\x07\tb\\x00c"
	    "\\u009b");
	free(s);
	s = validate_sanitize_mem(line, sizeof line - 1, false);
	assert_string_equal(s, "Subject: a\\x1b]0;OWNED\\x07\\x09b\\x00c"
	    "\\u009b");
	free(s);
	s = validate_sanitize_mem("", 0, true);
	assert_string_equal(s, "");
	free(s);
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
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_ip_accepted),
		cmocka_unit_test(test_ip_refused),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_invisible),
		cmocka_unit_test(test_sanitize_mem),
		cmocka_unit_test(test_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
