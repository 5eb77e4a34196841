/* Unit tests of the validators that guard every trust boundary: names,
 * client IPs (ranges, wildcards and host names refused, each with its
 * reason), free text, and text made safe to show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/validate.h"

static void
test_name(void **state)
{
	(void)state;
	assert_null(validate_name("gw1"));
	assert_null(validate_name("mbx-a.2_x"));
	assert_non_null(validate_name(""));
	assert_non_null(validate_name("-gw"));
	assert_non_null(validate_name("gw 1"));
	assert_non_null(validate_name("gw1;rm"));
	assert_non_null(validate_name("abcdefghijabcdefghijabcdefghijabc"));
}

static void
test_ip(void **state)
{
	(void)state;
	assert_null(validate_ip("127.0.1.10"));
	assert_null(validate_ip("2001:db8::1"));
	assert_string_equal(validate_ip("10.0.0.0/8"),
	    "only single addresses are accepted, not ranges (CIDR prefixes); "
	    "give each address");
	assert_string_equal(validate_ip("10.0.0.256"),
	    "use a single IPv4 or IPv6 address, such as 192.0.2.10 or "
	    "2001:db8::10");
	assert_non_null(validate_ip("0.0.0.0"));
	/* Its IPv4-mapped form too: it would be stored as 0.0.0.0. */
	assert_string_equal(validate_ip("::ffff:0:0"),
	    "0.0.0.0 is not a client address");
	assert_null(validate_host("0.0.0.0"));
	assert_null(validate_host("::1"));
	assert_null(validate_host("gw1.mail.example.gov"));
	assert_non_null(validate_host("gw1;rm"));
	assert_non_null(validate_ip("10.0.0"));
	assert_non_null(validate_ip("1.2.3.4'"));
	assert_non_null(validate_ip(""));
}

static void
test_host(void **state)
{
	(void)state;
	assert_null(validate_host("127.0.0.1"));
	assert_null(validate_host("::1"));
	assert_null(validate_host("gw1.mail.example.gov"));
	assert_non_null(validate_host("gw1..example"));
	assert_non_null(validate_host("-gw1"));
	assert_non_null(validate_host("gw1-.x"));
	assert_non_null(validate_host("gw1;reboot"));
	assert_non_null(validate_host("gw1 x"));
	assert_non_null(validate_host(""));
}

static void
test_user(void **state)
{
	(void)state;
	assert_null(validate_user("alice"));
	assert_null(validate_user("svc_backup-2"));
	assert_non_null(validate_user("-rf"));
	assert_non_null(validate_user(".."));
	assert_non_null(validate_user("a/b"));
	assert_non_null(validate_user("o'brien"));
	assert_non_null(validate_user("Alice"));
	assert_non_null(validate_user(""));
}

static void
test_path(void **state)
{
	(void)state;
	assert_null(validate_path("/etc/postfix"));
	assert_null(validate_path("/"));
	assert_string_equal(validate_path("etc/postfix"), "use an absolute path");
	assert_non_null(validate_path("/srv/../etc"));
	assert_non_null(validate_path("/srv/.."));
	assert_non_null(validate_path("/srv/$(reboot)"));
	assert_non_null(validate_path("/srv/a'b"));
	assert_non_null(validate_path("/srv/a\nb"));
	assert_null(validate_path("/srv/..backup"));
}

static void
test_env_and_prefix(void **state)
{
	(void)state;
	assert_null(validate_env_name("MAILNOC_REDIS_PASSWORD"));
	assert_non_null(validate_env_name("1PW"));
	assert_non_null(validate_env_name("PW-X"));
	assert_null(validate_key_prefix("mailnoc:"));
	assert_non_null(validate_key_prefix("mail noc:"));
	assert_non_null(validate_key_prefix("mail*"));
	assert_non_null(validate_key_prefix("mail)"));
	assert_non_null(validate_key_prefix("%W~x"));
	assert_non_null(validate_key_prefix(""));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_env_and_prefix),
		cmocka_unit_test(test_ip_accepted),
		cmocka_unit_test(test_ip_refused),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_invisible),
		cmocka_unit_test(test_sanitize_mem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
