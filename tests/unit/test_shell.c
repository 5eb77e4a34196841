/* Unit tests of remote command building: quoting, templates, sudo, IDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/shell.h"
#include "core/validate.h"

/* Quotes s and checks the result; returns the quoted text. */
static const char *
quote(const char *s)
{
	static char out[256];
	char cause[256];

	assert_int_not_equal(shell_quote(s, out, sizeof out, cause,
	    sizeof cause), -1);
	assert_int_equal(strlen(out), (size_t)shell_quote(s, out, sizeof out,
	    cause, sizeof cause));
	return out;
}

static void
test_quote(void **state)
{
	(void)state;
	assert_string_equal(quote("postqueue"), "'postqueue'");
	assert_string_equal(quote(""), "''");
	assert_string_equal(quote("two words"), "'two words'");
	assert_string_equal(quote("it's"), "'it'\\''s'");
	assert_string_equal(quote("'"), "''\\'''");
	assert_string_equal(quote("''"), "''\\'''\\'''");
	assert_string_equal(quote("a; touch /tmp/x"), "'a; touch /tmp/x'");
	assert_string_equal(quote("$(reboot)"), "'$(reboot)'");
	assert_string_equal(quote("`reboot`"), "'`reboot`'");
	assert_string_equal(quote("${HOME} $HOME \\ \" * ? ~ & | < > !"),
	    "'${HOME} $HOME \\ \" * ? ~ & | < > !'");
	assert_string_equal(quote("-rf"), "'-rf'");
	/* UTF-8 passes as bytes. */
	assert_string_equal(quote("J\xc3\xb6rg"), "'J\xc3\xb6rg'");
}

static void
test_quote_refused(void **state)
{
	char out[64], cause[256];

	(void)state;
	snprintf(out, sizeof out, "junk");
	assert_int_equal(shell_quote("a\nb", out, sizeof out, cause,
	    sizeof cause), -1);
	assert_string_equal(out, "");
	assert_string_equal(cause, "cannot quote 'a\\x0ab': control "
	    "characters such as 0x0a are not accepted");
	assert_int_equal(shell_quote("a\tb", out, sizeof out, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "cannot quote 'a\\x09b': control "
	    "characters such as 0x09 are not accepted");
	assert_int_equal(shell_quote("\r", out, sizeof out, cause,
	    sizeof cause), -1);
	assert_int_equal(shell_quote("del\x7f", out, sizeof out, cause,
	    sizeof cause), -1);
	assert_int_equal(shell_quote("esc\x1b[2J", out, sizeof out, cause,
	    sizeof cause), -1);

	/* "it's" needs 'it'\''s' = 9 bytes and a NUL. */
	assert_int_equal(shell_quote("it's", out, 9, cause, sizeof cause), -1);
	assert_string_equal(out, "");
	assert_string_equal(cause, "cannot quote 'it's': it needs 9 bytes "
	    "quoted, more than the 8 available");
	assert_int_equal(shell_quote("it's", out, 10, cause, sizeof cause), 9);
	assert_int_equal(shell_quote("", out, 2, cause, sizeof cause), -1);
	assert_int_equal(shell_quote("", out, 3, cause, sizeof cause), 2);

	/* Long values are cut in the message. */
	assert_int_equal(shell_quote("0123456789012345678901234567890123456789"
	    "0123456789\n", out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot quote '0123456789012345678901234567"
	    "89012345678901234567...': control characters such as 0x0a are "
	    "not accepted");
}

static const char *
accept_any(const char *s)
{
	(void)s;
	return NULL;
}

static void
test_expand(void **state)
{
	struct shell_var vars[] = {
		{ "config", "/etc/postfix-gw1", validate_path },
		{ "id", "4F1A52C3D9", validate_queue_id },
		{ "user", "alice", validate_user },
		{ "text", "it's; $(x)", accept_any },
	};
	char out[SHELL_CMD_MAX], cause[512];

	(void)state;
	assert_int_equal(shell_expand("postqueue -c {config} -j", vars, 4, out,
	    sizeof out, cause, sizeof cause), 34);
	assert_string_equal(out, "postqueue -c '/etc/postfix-gw1' -j");
	assert_int_not_equal(shell_expand("postsuper -c {config} -d -", vars,
	    4, out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(out, "postsuper -c '/etc/postfix-gw1' -d -");
	assert_int_not_equal(shell_expand("postcat -c {config} -q {id}", vars,
	    4, out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(out, "postcat -c '/etc/postfix-gw1' -q "
	    "'4F1A52C3D9'");
	/* Repeated placeholders, braces, adjacent text. */
	assert_int_not_equal(shell_expand("x{user}y {user} {{}} {{user}}",
	    vars, 4, out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(out, "x'alice'y 'alice' {} {user}");
	assert_int_not_equal(shell_expand("echo {text}", vars, 4, out,
	    sizeof out, cause, sizeof cause), -1);
	assert_string_equal(out, "echo 'it'\\''s; $(x)'");
	/* No placeholders, no variables. */
	assert_int_equal(shell_expand("postqueue -p", NULL, 0, out, sizeof out,
	    cause, sizeof cause), 12);
	assert_string_equal(out, "postqueue -p");
	assert_int_equal(shell_expand("", NULL, 0, out, sizeof out, cause,
	    sizeof cause), 0);
	assert_string_equal(out, "");
}

/* Expects shell_expand to fail with `want`, leaving out empty. */
static void
expand_fails(const char *tmpl, const struct shell_var *vars, size_t nvars,
    size_t len, const char *want)
{
	char out[SHELL_CMD_MAX], cause[512];

	assert_true(len <= sizeof out);
	memset(out, 'x', sizeof out);
	assert_int_equal(shell_expand(tmpl, vars, nvars, out, len, cause,
	    sizeof cause), -1);
	assert_string_equal(out, "");
	assert_string_equal(cause, want);
}

static void
test_expand_refused(void **state)
{
	static const struct shell_var vars[] = {
		{ "config", "/etc/postfix", validate_path },
		{ "id", "4F1A52C3D9", validate_queue_id },
	};
	static const struct shell_var bad_id[] = {
		{ "config", "/etc/postfix", validate_path },
		{ "id", "4F1A52C3D9; reboot", validate_queue_id },
	};
	static const struct shell_var bad_path[] = {
		{ "config", "/etc/$(reboot)", validate_path },
	};
	static const struct shell_var newline[] = {
		{ "text", "a\nreboot", accept_any },
	};
	static const struct shell_var unchecked[] = {
		{ "config", "/etc/postfix", NULL },
	};
	static const struct shell_var novalue[] = {
		{ "config", NULL, validate_path },
	};
	static const struct {
		const char		*tmpl;
		const struct shell_var	*vars;
		size_t			 nvars, len;
		const char		*want;
	} refused[] = {
		{ "postqueue -c {conf} -j", vars, 2, SHELL_CMD_MAX,
		  "template 'postqueue -c {conf} -j': unknown placeholder "
		  "{conf}; known: {config}, {id}" },
		{ "postqueue -p {x}", NULL, 0, SHELL_CMD_MAX,
		  "template 'postqueue -p {x}': unknown placeholder {x}; "
		  "known: none" },
		{ "postsuper -d {id}", bad_id, 2, SHELL_CMD_MAX,
		  "invalid {id} '4F1A52C3D9; reboot': use a Postfix queue ID: "
		  "6 or more upper-case hexadecimal digits (such as "
		  "4F1A52C3D9) or a long queue ID (such as 3Pt2mN2VXxznjll)" },
		{ "postqueue -c {config} -j", bad_path, 1, SHELL_CMD_MAX,
		  "invalid {config} '/etc/$(reboot)': use a path without "
		  "control characters, quotes, '\\', '`' or '$'" },
		{ "echo {text}", newline, 1, SHELL_CMD_MAX,
		  "invalid {text} 'a\\x0areboot': control characters such as "
		  "0x0a are not accepted" },
		{ "postqueue -c {config} -j", unchecked, 1, SHELL_CMD_MAX,
		  "{config} has no validator" },
		{ "postqueue -c {config} -j", novalue, 1, SHELL_CMD_MAX,
		  "{config} has no value" },
		/* Braces that are not placeholders. */
		{ "awk '{print $1}'", vars, 2, SHELL_CMD_MAX,
		  "template 'awk '{print $1}'': '{' at column 6 opens no "
		  "placeholder {name}; write '{{' for a literal '{'" },
		{ "echo {", vars, 2, SHELL_CMD_MAX,
		  "template 'echo {': '{' at column 6 opens no placeholder "
		  "{name}; write '{{' for a literal '{'" },
		{ "echo {}", vars, 2, SHELL_CMD_MAX,
		  "template 'echo {}': '{' at column 6 opens no placeholder "
		  "{name}; write '{{' for a literal '{'" },
		{ "echo {1d}", vars, 2, SHELL_CMD_MAX,
		  "template 'echo {1d}': '{' at column 6 opens no placeholder "
		  "{name}; write '{{' for a literal '{'" },
		{ "echo {ID}", vars, 2, SHELL_CMD_MAX,
		  "template 'echo {ID}': '{' at column 6 opens no placeholder "
		  "{name}; write '{{' for a literal '{'" },
		{ "echo }", vars, 2, SHELL_CMD_MAX,
		  "template 'echo }': '}' at column 6 closes no placeholder; "
		  "write '}}' for a literal '}'" },
		{ "postqueue -j\nreboot", vars, 2, SHELL_CMD_MAX,
		  "template 'postqueue -j\\x0areboot': control characters "
		  "such as 0x0a are not accepted" },
		/* Too long: while substituting, and in the literal text. */
		{ "postqueue -c {config} -j", vars, 2, 20,
		  "the command is longer than 19 bytes after substituting "
		  "{config}" },
		{ "postqueue -c {config} -j", vars, 2, 28,
		  "template 'postqueue -c {config} -j' gives a command longer "
		  "than 27 bytes" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		expand_fails(refused[i].tmpl, refused[i].vars,
		    refused[i].nvars, refused[i].len, refused[i].want);
}

static void
test_expand_exact_fit(void **state)
{
	struct shell_var vars[] = { { "id", "ABCDEF", validate_queue_id } };
	char out[16], cause[256];

	(void)state;
	/* "x 'ABCDEF'" is 10 bytes: fits in 11, not in 10. */
	assert_int_equal(shell_expand("x {id}", vars, 1, out, 11, cause,
	    sizeof cause), 10);
	assert_string_equal(out, "x 'ABCDEF'");
	assert_int_equal(shell_expand("x {id}", vars, 1, out, 10, cause,
	    sizeof cause), -1);
	assert_int_equal(shell_expand("x {id}y", vars, 1, out, 11, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "template 'x {id}y' gives a command longer "
	    "than 10 bytes");
}

static void
test_template_check(void **state)
{
	static const char *const names[] = { "config", "id", NULL };
	char cause[512];

	(void)state;
	assert_int_equal(shell_template_check("postsuper -c {config} -d {id}",
	    names, cause, sizeof cause), 0);
	assert_int_equal(shell_template_check("postqueue -p", NULL, cause,
	    sizeof cause), 0);
	assert_int_equal(shell_template_check("postsuper -c {cfg} -d -", names,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "template 'postsuper -c {cfg} -d -': unknown "
	    "placeholder {cfg}; known: {config}, {id}");
	assert_int_equal(shell_template_check("a {", names, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "template 'a {': '{' at column 3 opens no "
	    "placeholder {name}; write '{{' for a literal '{'");
	assert_int_equal(shell_template_check("{config", names, cause,
	    sizeof cause), -1);
	assert_int_equal(shell_template_check("{abcdefghijabcdefghijabcdefghijabc}",
	    names, cause, sizeof cause), -1);
}

static void
test_sudo(void **state)
{
	char cmd[32], cause[256];

	(void)state;
	snprintf(cmd, sizeof cmd, "postsuper -d -");
	assert_int_equal(shell_sudo(cmd, sizeof cmd, false, cause,
	    sizeof cause), 0);
	assert_string_equal(cmd, "postsuper -d -");
	assert_int_equal(shell_sudo(cmd, sizeof cmd, true, cause,
	    sizeof cause), 0);
	assert_string_equal(cmd, "sudo -n postsuper -d -");
	/* 22 + 8 = 30 bytes fit in 31, not in 30. */
	assert_int_equal(shell_sudo(cmd, 30, true, cause, sizeof cause), -1);
	assert_string_equal(cmd, "sudo -n postsuper -d -");
	assert_string_equal(cause, "the command is longer than 29 bytes with "
	    "\"sudo -n\"");
	assert_int_equal(shell_sudo(cmd, 31, true, cause, sizeof cause), 0);
	assert_string_equal(cmd, "sudo -n sudo -n postsuper -d -");
}

static void
test_queue_id(void **state)
{
	(void)state;
	/* Short IDs: 5 hex digits of microseconds, then the inode number. */
	assert_null(validate_queue_id("4F1A52C3D9"));
	assert_null(validate_queue_id("21B83A761B4"));
	assert_null(validate_queue_id("ABCDEF"));
	assert_null(validate_queue_id("0123456789ABCDEF0123456789ABCDE"));
	assert_non_null(validate_queue_id("0123456789ABCDEF0123456789ABCDEF"));
	assert_non_null(validate_queue_id("ABCDE"));
	assert_non_null(validate_queue_id("4f1a52c3d9"));
	assert_non_null(validate_queue_id("4F1A52C3DG"));
	/* Long IDs (enable_long_queue_ids). */
	assert_null(validate_queue_id("3Pt2mN2VXxznjll"));
	assert_null(validate_queue_id("4dVWpW1vVxz1yR"));
	assert_non_null(validate_queue_id("3Pt2mN2VXxz"));     /* no inode */
	assert_non_null(validate_queue_id("3Pt2mN2Vxznjll"));  /* 9 before z */
	assert_non_null(validate_queue_id("3Pt2mN2VXAznjll")); /* a vowel */
	assert_non_null(validate_queue_id("3Pt2mN2VXxznjel")); /* a vowel */
	assert_non_null(validate_queue_id("3Pt2mN2VX-znjll"));
	/* The listing marks are not part of the ID. */
	assert_string_equal(validate_queue_id("4F1A52C3D9*"),
	    "leave out the '*' or '!' that mailq shows after the queue ID");
	assert_string_equal(validate_queue_id("4F1A52C3D9!"),
	    "leave out the '*' or '!' that mailq shows after the queue ID");
	/* Never anything postsuper would read as something else. */
	assert_non_null(validate_queue_id("ALL"));
	assert_non_null(validate_queue_id("-"));
	assert_non_null(validate_queue_id("-d"));
	assert_non_null(validate_queue_id(""));
	assert_non_null(validate_queue_id("4F1A52C3D9 4F1A52C3DA"));
	assert_non_null(validate_queue_id("4F1A52C3D9;reboot"));
	assert_non_null(validate_queue_id("../4F1A52C3D9"));
	assert_non_null(validate_queue_id("4F1A52C3D9\n"));
	assert_string_equal(validate_queue_id("x"), "use a Postfix queue ID: "
	    "6 or more upper-case hexadecimal digits (such as 4F1A52C3D9) or a "
	    "long queue ID (such as 3Pt2mN2VXxznjll)");
}

/* A placeholder inside quotes would be quoted twice (and unquoted). */
static void
test_placeholder_in_quotes(void **state)
{
	static const char *const names[] = { "user", "date", NULL };
	char cause[512];

	(void)state;
	assert_int_equal(shell_template_check("doveadm import -u '{user}' x",
	    names, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "placeholder {user} at column 20 is "
	    "inside quotes; write it bare"));
	assert_int_equal(shell_template_check("echo \"at {date}\"", names,
	    cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "{date}"));
	/* Quotes that close before it, and escaped quotes, are fine. */
	assert_int_equal(shell_template_check("echo 'x' {user} \\' {date}",
	    names, cause, sizeof cause), 0);
	assert_int_equal(shell_template_check("echo \"it's\" {user}", names,
	    cause, sizeof cause), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholder_in_quotes),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_refused),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_refused),
		cmocka_unit_test(test_expand_exact_fit),
		cmocka_unit_test(test_template_check),
		cmocka_unit_test(test_sudo),
		cmocka_unit_test(test_queue_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
