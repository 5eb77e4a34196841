/* Unit tests of the validators that guard every trust boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
