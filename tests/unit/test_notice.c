/* Unit tests of notices to agencies: templates, facts, headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/notice.h"
#include "core/queue.h"

static const char good[] =
    "# a comment, not the subject\n"
    "Subject: {ip} of {name} is blocked\n"
    "\n"
    "Hello {name},\n"
    "{ip} is blocked since {since}: {reason}\n"
    "Braces: {{ip}} and }}\n";

static void
test_parse(void **state)
{
	struct notice_template t;
	char cause[512];

	(void)state;
	assert_int_equal(notice_template_parse("block.txt", good, NOTICE_BLOCK,
	    &t, cause, sizeof cause), 0);
	assert_string_equal(t.subject, "{ip} of {name} is blocked");
	assert_string_equal(t.body, "Hello {name},\n{ip} is blocked since "
	    "{since}: {reason}\nBraces: {{ip}} and }}\n");
}

/* Refused at load, naming the file and the line. */
static void
test_refused(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "Subject: x\n\nline 3\n{ipaddr} here\n",
		  "t.txt:4: unknown placeholder '{ipaddr}'; use {agency}" },
		{ "# c\nSubject: {IP}\n\nx\n",
		  "t.txt:2: unknown placeholder '{IP}'" },
		{ "Subject: x\n\na { b\n", "t.txt:3: a '{' that opens no" },
		{ "Subject: x\n\na } b\n", "t.txt:3: a '}' that closes no" },
		{ "Hello\n\nx\n", "t.txt:1: the first line is not 'Subject:" },
		{ "Subject: x\nbody at once\n", "t.txt:2: a blank line must" },
		{ "Subject: x\n\nbell \a\n", "t.txt:3: a control character" },
		{ "# only a comment\n", "t.txt: no 'Subject: TEXT' line" },
		{ "Subject: x\n\n", "t.txt: no text after the subject" },
	};
	struct notice_template t;
	char cause[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause[0] = '\0';
		assert_int_equal(notice_template_parse("t.txt", bad[i].text,
		    NOTICE_BLOCK, &t, cause, sizeof cause), -1);
		if (strstr(cause, bad[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, cause,
			    bad[i].want);
	}
}

/* Facts go in as they are: never expanded again, escapes kept literal,
 * control characters shown, newlines only in the body. */
static void
test_fill(void **state)
{
	struct notice_template t;
	struct notice_facts f;
	struct notice n;
	char cause[512], out[512];

	(void)state;
	memset(&f, 0, sizeof f);
	f.v[NF_IP] = "192.0.2.7";
	f.v[NF_NAME] = "DMV {ip}";
	f.v[NF_SINCE] = "2026-12-05 04:00 UTC";
	f.v[NF_REASON] = "spam\x1b[31m run";
	assert_int_equal(notice_template_parse("block.txt", good, NOTICE_BLOCK,
	    &t, cause, sizeof cause), 0);
	notice_fill(t.body, &f, true, out, sizeof out);
	assert_string_equal(out, "Hello DMV {ip},\n192.0.2.7 is blocked since "
	    "2026-12-05 04:00 UTC: spam\\x1b[31m run\nBraces: {ip} and }\n");
	/* A fact not known is "-". */
	notice_fill("until {until}.", &f, false, out, sizeof out);
	assert_string_equal(out, "until -.");
	/* A fact is one line; the template's own lines stay in the body. */
	f.v[NF_ACTION] = "first\nsecond";
	notice_fill("{action}\nnext", &f, true, out, sizeof out);
	assert_string_equal(out, "first\\x0asecond\nnext");
	notice_fill("{action}\nnext", &f, false, out, sizeof out);
	assert_string_equal(out, "first\\x0asecond\\x0anext");
	/* Cut, but terminated. */
	assert_int_equal(notice_fill("{ip}{ip}", &f, false, out, 12), 11);
	assert_string_equal(out, "192.0.2.719");

	notice_compose(&t, &f, "it@dmv.test", "noc@relay.test", "<1.x@relay>",
	    &n);
	assert_string_equal(n.subject, "192.0.2.7 of DMV {ip} is blocked");
}

/* No header can be added through a fact or a contact. */
static void
test_headers(void **state)
{
	struct notice_template t;
	struct notice_facts f;
	struct notice n;
	char cause[512], out[64], *msg, *body;

	(void)state;
	assert_string_equal(notice_header_value("a\r\nBcc: x@evil.test", 100,
	    out, sizeof out), "a Bcc: x@evil.test");
	assert_string_equal(notice_header_value("  two\t\tspaces \n", 100,
	    out, sizeof out), "two spaces");
	assert_string_equal(notice_header_value("abcdef", 3, out, sizeof out),
	    "abc");
	/* A cut never splits a character: "é" is two bytes. */
	assert_string_equal(notice_header_value("ab\xc3\xa9", 3, out,
	    sizeof out), "ab");

	memset(&f, 0, sizeof f);
	f.v[NF_NAME] = "DMV\r\nBcc: all@evil.test\r\n\r\nfake body";
	f.v[NF_IP] = "192.0.2.7";
	assert_int_equal(notice_template_parse("block.txt", good, NOTICE_BLOCK,
	    &t, cause, sizeof cause), 0);
	notice_compose(&t, &f, "it@dmv.test", "noc@relay.test",
	    "<1.2@relay.test>", &n);
	msg = notice_message(&n, 0);
	body = strstr(msg, "\n\n");
	assert_non_null(body);
	*body = '\0';
	/* The headers are the ones written, each on its line. */
	assert_null(strstr(msg, "\nBcc:"));
	assert_non_null(strstr(msg, "\nSubject: 192.0.2.7 of DMV Bcc: "
	    "all@evil.test fake body is blocked\n"));
	assert_string_equal(n.subject, "192.0.2.7 of DMV Bcc: all@evil.test "
	    "fake body is blocked");
	assert_non_null(strstr(msg, "\nMessage-ID: <1.2@relay.test>\n"));
	assert_non_null(strstr(msg, "\nDate: Thu, 01 Jan 1970 00:00:00 "
	    "+0000\n"));
	assert_string_equal(msg + strlen(msg) - 30,
	    "Auto-Submitted: auto-generated");
	/* In the body, the name's CR and LF are shown, not obeyed. */
	assert_non_null(strstr(body + 2, "Hello DMV\\x0d\\x0aBcc"));
	free(msg);
}

static void
test_contact(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(notice_contact_address("DMV IT <it@dmv.test>, "
	    "555-0100", out, sizeof out), 0);
	assert_string_equal(out, "it@dmv.test");
	assert_int_equal(notice_contact_address("it.desk+relay@mail.dmv.test.",
	    out, sizeof out), 0);
	assert_string_equal(out, "it.desk+relay@mail.dmv.test");
	assert_int_equal(notice_contact_address("Ann, 555-0100", out,
	    sizeof out), -1);
	assert_int_equal(notice_contact_address("@ x@ @y.test a@localhost",
	    out, sizeof out), -1);
	/* Shell and header characters are never part of it. */
	assert_int_equal(notice_contact_address("x';reboot;'@dmv.test "
	    "b@c.test", out, sizeof out), 0);
	assert_string_equal(out, "b@c.test");
	assert_int_equal(notice_contact_address("a\r\nBcc: b@c.test", out,
	    sizeof out), 0);
	assert_string_equal(out, "b@c.test");
}

static void
test_message_id(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(notice_message_id(1700000000, 0xabcULL,
	    "noc@relay.test", out, sizeof out),
	    "<1700000000.0000000000000abc.notice@relay.test>");
	assert_string_equal(notice_message_id(1, 1, NULL, out, sizeof out),
	    "<1.0000000000000001.notice@mailnoc.invalid>");
}

static void
add(struct queue_set *qs, uint32_t node, const char *id, unsigned queue,
    const char *sender, long long arrival)
{
	struct queue_new_rcpt r = { "u@y.test", 8, NULL, 0 };
	struct queue_new m;
	char cause[256];

	memset(&m, 0, sizeof m);
	m.node = node;
	m.queue = queue;
	m.id = id;
	m.idlen = strlen(id);
	m.arrival = arrival;
	m.sender = sender;
	m.senderlen = strlen(sender);
	m.rcpts = &r;
	m.nrcpts = 1;
	if (queue_set_add(qs, &m, cause, sizeof cause) != 0)
		fail_msg("%s", cause);
}

static void
test_deferred(void **state)
{
	struct queue_set *qs = queue_set_new();
	char cause[256];
	long long oldest;
	uint32_t gw;
	long n;

	(void)state;
	assert_int_equal(queue_set_add_node(qs, "gw1", &gw, cause,
	    sizeof cause), 0);
	add(qs, gw, "ABC001", Q_DEFERRED, "a@dmv.test", 300);
	add(qs, gw, "ABC002", Q_DEFERRED, "b@mail.DMV.test", 200);
	add(qs, gw, "ABC003", Q_ACTIVE, "c@dmv.test", 100);
	add(qs, gw, "ABC004", Q_DEFERRED, "d@notdmv.test", 50);
	add(qs, gw, "ABC005", Q_DEFERRED, "e@irs.test", 60);
	notice_deferred(qs, "dmv.test,dot.test", &n, &oldest);
	assert_int_equal(n, 2);
	assert_int_equal(oldest, 200);
	notice_deferred(qs, "", &n, &oldest);
	assert_int_equal(n, 0);
	assert_int_equal(oldest, 0);
	queue_set_free(qs);
}

/* The shipped templates load. */
static void
test_shipped(void **state)
{
	const char *dirs[] = { MAILNOC_SRCDIR "/templates" };
	struct notice_template t;
	char cause[512];
	int a;

	(void)state;
	for (a = 0; a < NOTICE_NABOUT; a++) {
		if (notice_template_load(dirs, 1, (enum notice_about)a, &t,
		    cause, sizeof cause) == -1)
			fail_msg("%s", cause);
	}
	assert_int_equal(notice_template_load(dirs, 1, NOTICE_NABOUT, &t,
	    cause, sizeof cause), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_contact),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
