/* Unit tests of delay reasons: classes, the throttle rule, domain reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/delay.h"

#define NOW 1800000000LL

#define LAB_THROTTLE "host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Rate " \
	"limited: too many messages from your IP, try again later (in reply " \
	"to RCPT TO command)"
#define LAB_REFUSED "connect to 127.0.0.1[127.0.0.1]:12529: Connection refused"
#define LAB_SUSPENDED "delivery temporarily suspended: " LAB_REFUSED

static const struct {
	const char *reason;
	enum delay_class want;
} reasons[] = {
	{ NULL, DELAY_NONE },
	{ "", DELAY_NONE },

	/* The lab's. */
	{ LAB_THROTTLE, DELAY_THROTTLE },
	{ LAB_REFUSED, DELAY_CONNECT },
	{ LAB_SUSPENDED, DELAY_CONNECT },

	/* Providers throttling. */
	{ "host mta7.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] "
	  "Messages from 192.0.2.1 temporarily deferred due to unexpected "
	  "volume or user complaints - 4.16.55.1; see "
	  "https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM "
	  "command)", DELAY_THROTTLE },
	{ "host hotmail-com.olc.protection.outlook.com[104.47.0.33] said: 451 "
	  "4.7.650 The mail server [192.0.2.1] has been temporarily rate "
	  "limited due to IP reputation. For e-mail delivery information, see "
	  "https://postmaster.live.com (S775) [Name=Protocol Filter Agent]"
	  "[AGT=PFA] (in reply to MAIL FROM command)", DELAY_THROTTLE },
	{ "host gmail-smtp-in.l.google.com[142.250.1.26] said: 421-4.7.28 "
	  "[192.0.2.1 15] Our system has detected an unusual rate of "
	  "unsolicited mail originating from your IP address. (in reply to end "
	  "of DATA command)", DELAY_THROTTLE },
	{ "host gmail-smtp-in.l.google.com[142.250.1.26] said: 450-4.2.1 The "
	  "user you are trying to contact is receiving mail at a rate that "
	  "prevents additional messages from being delivered. (in reply to "
	  "RCPT TO command)", DELAY_THROTTLE },
	{ "host mx.example.org[192.0.2.5] said: 451 4.7.1 Greylisting in "
	  "action, please come back later (in reply to RCPT TO command)",
	  DELAY_THROTTLE },
	{ "delivery temporarily suspended: host mx.example.org[192.0.2.5] "
	  "refused to talk to me: 421 4.7.0 Too many concurrent SMTP "
	  "connections from this IP", DELAY_THROTTLE },
	{ "host mx.example.org[192.0.2.5] said: 452 4.5.3 Too many recipients "
	  "(in reply to RCPT TO command)", DELAY_THROTTLE },
	{ "host mx.example.org[192.0.2.5] said: 450 Throttled, slow down "
	  "(in reply to MAIL FROM command)", DELAY_THROTTLE },

	/* Connections. */
	{ "connect to mx.example.org[192.0.2.5]:25: Connection timed out",
	  DELAY_CONNECT },
	{ "conversation with mx.example.org[192.0.2.5] timed out while "
	  "receiving the initial server greeting", DELAY_CONNECT },
	{ "lost connection with mx.example.org[192.0.2.5] while sending RCPT "
	  "TO", DELAY_CONNECT },
	{ "connect to mx.example.org[192.0.2.5]:25: No route to host",
	  DELAY_CONNECT },
	{ "connect to mx.example.org[192.0.2.5]:25: Network is unreachable",
	  DELAY_CONNECT },

	/* DNS, even with "try again" in it. */
	{ "Host or domain name not found. Name service error for "
	  "name=example.invalid type=MX: Host not found, try again",
	  DELAY_DNS },
	{ "Name service error for name=mx.example.org type=A: Host not found",
	  DELAY_DNS },

	/* TLS, even when the connection was lost during the handshake. */
	{ "Cannot start TLS: handshake failure", DELAY_TLS },
	{ "TLS is required, but was not offered by host "
	  "mx.example.org[192.0.2.5]", DELAY_TLS },
	{ "Server certificate not verified", DELAY_TLS },
	{ "host mx.example.org[192.0.2.5] said: 530 5.7.0 Must issue a "
	  "STARTTLS command first (in reply to MAIL FROM command)", DELAY_TLS },
	{ "lost connection with mx.example.org[192.0.2.5] while performing "
	  "the TLS handshake", DELAY_TLS },

	/* Mailboxes. */
	{ "host mx.example.org[192.0.2.5] said: 452 4.2.2 Mailbox full (in "
	  "reply to RCPT TO command)", DELAY_MAILBOX },
	{ "host mx.example.org[192.0.2.5] said: 550 5.1.1 <u@example.org>: "
	  "Recipient address rejected: User unknown in virtual mailbox table "
	  "(in reply to RCPT TO command)", DELAY_MAILBOX },
	{ "host mx.example.org[192.0.2.5] said: 552 5.2.2 Quota exceeded",
	  DELAY_MAILBOX },
	{ "host mx.example.org[192.0.2.5] said: 450 mailbox is full, try again "
	  "later", DELAY_MAILBOX },

	/* Status codes only count in the reply, never in an address. */
	{ "host 10.4.7.1[10.4.7.1] said: 451 Local error in processing (in "
	  "reply to end of DATA command)", DELAY_OTHER },
	{ "host 10.5.1.1[10.5.1.1] said: 450 Requested action aborted",
	  DELAY_OTHER },
	{ "host x[192.0.2.5] said: 421 4.3.2 System not accepting network "
	  "messages", DELAY_OTHER },
	{ "host x[192.0.2.5] said: 554 5.7.1 Service unavailable; Client host "
	  "[192.0.2.1] blocked using zen.spamhaus.org", DELAY_OTHER },
	{ "mail for example.org loops back to myself", DELAY_OTHER },
	{ "unknown mail transport error", DELAY_OTHER },
};

static void
test_classify(void **state)
{
	enum delay_class got, c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		got = delay_classify(reasons[i].reason);
		if (got != reasons[i].want)
			fail_msg("\"%s\": %s, expected %s", reasons[i].reason ?
			    reasons[i].reason : "(null)", delay_class_name(got),
			    delay_class_name(reasons[i].want));
	}
	assert_string_equal(delay_class_name(DELAY_THROTTLE), "throttle");
	assert_string_equal(delay_class_label(DELAY_CONNECT),
	    "connection refused or timed out");
	assert_int_equal(delay_class_parse("mailbox", &c), 0);
	assert_int_equal(c, DELAY_MAILBOX);
	assert_int_equal(delay_class_parse("Mailbox", &c), -1);
	assert_string_equal(delay_reason_key(LAB_SUSPENDED), LAB_REFUSED);
	assert_string_equal(delay_reason_key(LAB_REFUSED), LAB_REFUSED);
}

static void
test_rule(void **state)
{
	static const struct {
		long throttled, deferred;
		bool want;
	} cases[] = {
		{ 0, 0, false },
		{ 0, 50, false },
		{ 5, 5, false },    /* too few to tell */
		{ 9, 9, false },
		{ 10, 10, true },
		{ 10, 20, true },   /* exactly half */
		{ 10, 21, false },
		{ 99, 1000, false },
		{ 100, 100000, true }, /* many, whatever the share */
	};
	struct delay_rule r;
	size_t i;

	(void)state;
	delay_rule_init(&r);
	assert_int_equal(r.min_throttled, 100);
	assert_int_equal(r.min_sample, 10);
	assert_int_equal(r.min_percent, 50);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (delay_rule_throttled(&r, cases[i].throttled,
		    cases[i].deferred) != cases[i].want)
			fail_msg("%ld of %ld: expected %s", cases[i].throttled,
			    cases[i].deferred,
			    cases[i].want ? "true" : "false");
	}
	r.min_percent = 10;
	assert_true(delay_rule_throttled(&r, 99, 990));
}

/* Adds n recipients to `domain`, one message each, all with `reason`. */
static void
add_many(struct queue_set *qs, uint32_t node, unsigned queue, int n,
    const char *domain, const char *reason)
{
	static unsigned seq;
	struct queue_new_rcpt r;
	struct queue_new m;
	char id[16], addr[64], cause[256];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%08X", ++seq);
		snprintf(addr, sizeof addr, "u%d@%s", i, domain);
		memset(&r, 0, sizeof r);
		r.addr = addr;
		r.addrlen = strlen(addr);
		r.reason = reason;
		r.reasonlen = reason ? strlen(reason) : 0;
		memset(&m, 0, sizeof m);
		m.node = node;
		m.queue = queue;
		m.id = id;
		m.idlen = strlen(id);
		m.arrival = NOW - 60;
		m.size = 1000;
		m.sender = "app@agency.test";
		m.senderlen = strlen(m.sender);
		m.rcpts = &r;
		m.nrcpts = 1;
		if (queue_set_add(qs, &m, cause, sizeof cause) != 0)
			fail_msg("%s", cause);
	}
}

#define GMAIL_RATE "host gmail-smtp-in.l.google.com[142.250.1.26] said: " \
	"421-4.7.28 unusual rate of unsolicited mail"
#define GMAIL_FULL "host gmail-smtp-in.l.google.com[142.250.1.26] said: " \
	"452-4.2.2 The email account that you tried to reach is over quota"

static struct queue_set *
report_set(uint32_t *gw1, uint32_t *gw2)
{
	struct queue_set *qs = queue_set_new();
	char cause[256];

	queue_set_add_node(qs, "gw1", gw1, cause, sizeof cause);
	queue_set_add_node(qs, "gw2", gw2, cause, sizeof cause);
	add_many(qs, *gw1, Q_DEFERRED, 15, "yahoo.test", LAB_THROTTLE);
	add_many(qs, *gw2, Q_DEFERRED, 3, "Yahoo.Test", LAB_THROTTLE);
	add_many(qs, *gw1, Q_DEFERRED, 4, "hotmail.test", LAB_THROTTLE);
	add_many(qs, *gw1, Q_DEFERRED, 6, "hotmail.test", NULL);
	add_many(qs, *gw1, Q_DEFERRED, 5, "dead.test", LAB_REFUSED);
	add_many(qs, *gw1, Q_DEFERRED, 4, "dead.test", LAB_SUSPENDED);
	add_many(qs, *gw2, Q_DEFERRED, 12, "gmail.test", GMAIL_RATE);
	add_many(qs, *gw2, Q_DEFERRED, 7, "gmail.test", GMAIL_FULL);
	add_many(qs, *gw2, Q_DEFERRED, 5, "gmail.test", "unknown error");
	/* Held mail is not looked at by default. */
	add_many(qs, *gw1, Q_HOLD, 50, "hotmail.test", LAB_THROTTLE);
	return qs;
}

static void
test_report(void **state)
{
	struct delay_report rep;
	struct delay_opts o;
	struct queue_set *qs;
	const struct delay_domain *d;
	char cause[256], alert[256];
	uint32_t gw1, gw2;

	(void)state;
	qs = report_set(&gw1, &gw2);
	delay_opts_init(&o, NOW);
	assert_int_equal(delay_report_build(qs, &o, &rep, cause, sizeof cause),
	    0);
	assert_int_equal(rep.rcpts, 61);
	assert_int_equal(rep.by_class[DELAY_THROTTLE], 34);
	assert_int_equal(rep.by_class[DELAY_CONNECT], 9);
	assert_int_equal(rep.by_class[DELAY_MAILBOX], 7);
	assert_int_equal(rep.by_class[DELAY_OTHER], 5);
	assert_int_equal(rep.by_class[DELAY_NONE], 6);
	assert_int_equal(rep.ndomains, 4);

	d = &rep.domains[0];
	assert_string_equal(d->domain, "gmail.test");
	assert_int_equal(d->rcpts, 24);
	assert_true(d->throttled); /* 12 of 24: half */
	assert_int_equal(d->ntop, 3);
	assert_string_equal(d->top[0].reason, GMAIL_RATE);
	assert_int_equal(d->top[0].cls, DELAY_THROTTLE);
	assert_int_equal(d->top[0].count, 12);
	assert_int_equal(d->top[1].cls, DELAY_MAILBOX);
	assert_int_equal(d->top[2].cls, DELAY_OTHER);
	assert_non_null(d->node_throttled);
	assert_int_equal(d->node_throttled[gw1], 0);
	assert_int_equal(d->node_throttled[gw2], 12);

	d = &rep.domains[1];
	assert_string_equal(d->domain, "yahoo.test");
	assert_int_equal(d->rcpts, 18);
	assert_int_equal(d->by_class[DELAY_THROTTLE], 18);
	assert_true(d->throttled);
	assert_int_equal(d->ntop, 1);
	assert_int_equal(d->node_throttled[gw1], 15);
	assert_int_equal(d->node_throttled[gw2], 3);

	d = &rep.domains[2];
	assert_string_equal(d->domain, "hotmail.test");
	assert_int_equal(d->rcpts, 10);
	assert_int_equal(d->by_class[DELAY_NONE], 6);
	assert_false(d->throttled); /* 4: too few */

	/* "delivery temporarily suspended: X" is grouped with X. */
	d = &rep.domains[3];
	assert_string_equal(d->domain, "dead.test");
	assert_int_equal(d->ntop, 1);
	assert_string_equal(d->top[0].reason, LAB_REFUSED);
	assert_int_equal(d->top[0].count, 9);
	assert_null(d->node_throttled);

	assert_int_equal(rep.nthrottled, 2);
	assert_int_equal(delay_report_alert(&rep, qs, alert, sizeof alert), 2);
	assert_string_equal(alert, "throttling: gmail.test 12/24 (gw2), "
	    "yahoo.test 18/18 (gw1, gw2)");
	/* A short buffer is cut, never overrun. */
	assert_int_equal(delay_report_alert(&rep, qs, alert, 20), 2);
	assert_int_equal(strlen(alert), 19);
	delay_report_free(&rep);

	/* One node, the hold queue too, a stricter rule. */
	o.node = (int)gw1;
	o.queues = QUEUE_BIT(Q_DEFERRED) | QUEUE_BIT(Q_HOLD);
	o.rule.min_percent = 90;
	o.top = 1;
	assert_int_equal(delay_report_build(qs, &o, &rep, cause, sizeof cause),
	    0);
	assert_string_equal(rep.domains[0].domain, "hotmail.test");
	assert_int_equal(rep.domains[0].rcpts, 60);
	assert_true(rep.domains[0].throttled); /* 54 of 60 = 90 % */
	assert_string_equal(rep.domains[1].domain, "yahoo.test");
	assert_int_equal(rep.domains[1].rcpts, 15);
	assert_int_equal(delay_report_alert(&rep, qs, alert, sizeof alert), 2);
	assert_string_equal(alert, "throttling: hotmail.test 54/60 (gw1), "
	    "yahoo.test 15/15 (gw1)");
	delay_report_free(&rep);

	o.node = 7;
	assert_int_equal(delay_report_build(qs, &o, &rep, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "unknown node index 7");
	queue_set_free(qs);
}

static void
test_report_json_and_empty(void **state)
{
	struct delay_report rep;
	struct delay_opts o;
	struct queue_set *qs;
	char cause[256], alert[64], *dump;
	uint32_t gw1, gw2;
	json_t *j;

	(void)state;
	qs = report_set(&gw1, &gw2);
	delay_opts_init(&o, NOW);
	assert_int_equal(delay_report_build(qs, &o, &rep, cause, sizeof cause),
	    0);
	j = delay_report_json(&rep, qs);
	dump = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(dump, "\"recipients\":61"));
	assert_non_null(strstr(dump, "\"throttled\":2"));
	assert_non_null(strstr(dump, "{\"domain\":\"yahoo.test\","
	    "\"recipients\":18,\"classes\":{\"none\":0,\"throttle\":18,"
	    "\"connection\":0,\"dns\":0,\"tls\":0,\"mailbox\":0,\"other\":0},"
	    "\"throttled\":true,\"throttled_nodes\":[\"gw1\",\"gw2\"],"
	    "\"top\":[{\"reason\":\"" LAB_THROTTLE "\",\"class\":\"throttle\","
	    "\"count\":18}]}"));
	free(dump);
	json_decref(j);
	delay_report_free(&rep);

	/* Nothing deferred: an empty report and no alert. */
	o.queues = QUEUE_BIT(Q_CORRUPT);
	assert_int_equal(delay_report_build(qs, &o, &rep, cause, sizeof cause),
	    0);
	assert_int_equal(rep.ndomains, 0);
	assert_int_equal(delay_report_alert(&rep, qs, alert, sizeof alert), 0);
	assert_string_equal(alert, "");
	delay_report_free(&rep);
	queue_set_free(qs);
}

/* Reputation refusals: each phrase providers use, in the reply text. */
static const char *const reputation_yes[] = {
	"host mx.bl.test[127.0.0.1] said: 554 5.7.1 Service unavailable; "
	"Client host [192.0.2.1] blocked using zen.spamhaus.org (in reply to "
	"RCPT TO command)",
	"host mx.test[127.0.0.1] said: 550 5.7.1 Your IP is on our block list "
	"(in reply to MAIL FROM command)",
	"host mx.test[127.0.0.1] said: 550 5.7.1 192.0.2.1 is blocklisted",
	"host mx.test[127.0.0.1] said: 554 Rejected: listed on a blacklist",
	"host mx.test[127.0.0.1] said: 550 Listed on Spamcop",
	"host mx.test[127.0.0.1] said: 421 4.7.0 Poor reputation of the "
	"sending IP, try again later",
	"host gmail-smtp-in.l.google.com[142.250.1.26] said: 421-4.7.0 This "
	"message is suspicious due to the very low reputation of the sending "
	"IP address (in reply to end of DATA command)",
	"host gmail-smtp-in.l.google.com[142.250.1.26] said: 421-4.7.28 Our "
	"system has detected an unusual rate of unsolicited mail originating "
	"from your IP address",
	"host mx.test[127.0.0.1] said: 550 5.7.1 Too many invalid recipients",
	"host mx.test[127.0.0.1] said: 421 4.7.0 Too many connections from "
	"your IP",
	"host mx.test[127.0.0.1] said: 450 4.7.1 Rate limited, try again",
	"host mx.test[127.0.0.1] said: 451 4.7.1 Rate limit exceeded",
	"host mta7.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] "
	"Messages from 192.0.2.1 temporarily deferred due to unexpected volume "
	"or user complaints - 4.16.55.1",
	"host mta5.am0.yahoodns.net[67.195.204.73] said: 553 5.7.1 [BL21] "
	"Connections will not be accepted from 192.0.2.1",
	"host mta5.am0.yahoodns.net[67.195.204.73] said: 421 4.7.0 [TS03] All "
	"messages from 192.0.2.1 will be permanently deferred",
	"host hotmail-com.olc.protection.outlook.com[104.47.0.33] said: 550 "
	"5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please "
	"contact your Internet service provider since part of their network is "
	"on our block list (S3150)",
	"host outlook.com[104.47.0.33] said: 550 5.7.606 Access denied, banned "
	"sending IP [192.0.2.1]",
	"host outlook.com[104.47.0.33] said: 550 5.7.1 Service unavailable "
	"(S3140)",
	"host mx.test[127.0.0.1] refused to talk to me: 554 192.0.2.1 listed "
	"on our denylist",
	"delivery temporarily suspended: host mx.test[127.0.0.1] said: 421 "
	"Too many connections",
	/* A bare reply, as a bounce's text may be. */
	"550 5.7.1 Poor reputation",
	NULL,
};

/* Look-alikes: the words elsewhere, or a different refusal. */
static const char *const reputation_no[] = {
	NULL,
	"",
	LAB_REFUSED,
	LAB_SUSPENDED,
	/* A per-message limit, not a standing. */
	"host mx.test[127.0.0.1] said: 452 4.5.3 Too many recipients (in "
	"reply to RCPT TO command)",
	"host mx.test[127.0.0.1] said: 421 4.7.0 Too many messages in this "
	"session",
	/* Host names and Postfix's own words are never the provider's. */
	"host blocklist.test[127.0.0.1] said: 550 5.1.1 user unknown",
	"host reputation.test[127.0.0.1] said: 552 5.2.2 mailbox full",
	"connect to mx.reputation.test[127.0.0.1]:25: Connection refused",
	"Host or domain name not found. Name service error for "
	"name=spamhaus.test type=MX: Host not found",
	"lost connection with blacklist.test[127.0.0.1] while receiving the "
	"initial server greeting",
	/* Other refusals. */
	"host mx.test[127.0.0.1] said: 550 5.7.1 Message blocked: content "
	"looks like spam",
	"host mx.test[127.0.0.1] said: 550 5.7.1 Sender not on the allow list",
	"host mx.test[127.0.0.1] said: 554 5.7.1 Relay access denied",
	"host mx.test[127.0.0.1] said: 450 4.2.0 Greylisted, try again later",
	"host mx.test[127.0.0.1] said: 550 5.7.1 [SPF] 192.0.2.1 is not "
	"allowed to send mail for agency.test",
	"host mx.test[127.0.0.1] said: 421 4.7.0 [TS] [BLOCK] [TSX04] [BL2] "
	"try again",
	"host mx.test[127.0.0.1] said: 550 5.1.1 The email account that you "
	"tried to reach does not exist",
	NULL,
};

static void
test_reputation(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; reputation_yes[i] != NULL; i++) {
		if (!delay_reputation(reputation_yes[i]))
			fail_msg("not a reputation refusal: %s",
			    reputation_yes[i]);
	}
	assert_string_equal(delay_reply(reputation_yes[1]), "550 5.7.1 Your IP "
	    "is on our block list (in reply to MAIL FROM command)");
	assert_string_equal(delay_reply("550 5.7.1 Poor reputation"),
	    "550 5.7.1 Poor reputation");
	assert_false(delay_reputation(reputation_no[0]));
	for (i = 1; reputation_no[i] != NULL; i++) {
		if (delay_reputation(reputation_no[i]))
			fail_msg("taken for a reputation refusal: %s",
			    reputation_no[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_report_json_and_empty),
		cmocka_unit_test(test_reputation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
