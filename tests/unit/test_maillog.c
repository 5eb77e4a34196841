/* Unit tests of the mail log parser and tally: every line shape counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/maillog_parse.h"
#include "core/maillog_tally.h"

/* 2026-12-05 00:46:34 UTC */
#define NOW 1796431594LL
#define P "Dec 05 00:46:34 gw1 postfix-gw1/"

static void
parse(const char *line, struct maillog_rec *r)
{
	struct maillog_parser p;

	maillog_parser_init(&p, NOW);
	maillog_parse(&p, line, strlen(line), r);
}

static void
test_timestamps(void **state)
{
	struct maillog_rec r;

	(void)state;
	parse(P "qmgr[1]: 76C39A731A6: removed", &r);
	assert_int_equal(r.kind, MAILLOG_REMOVED);
	assert_int_equal(r.time, NOW);
	/* Classic syslog pads the day with a space. */
	parse("Dec  5 00:46:34 gw1 postfix/qmgr[1]: 76C39A731A6: removed", &r);
	assert_int_equal(r.kind, MAILLOG_REMOVED);
	assert_int_equal(r.time, NOW);
	parse("2026-12-05T01:46:34.123456+01:00 gw1 postfix/qmgr[1]: "
	    "76C39A731A6: removed", &r);
	assert_int_equal(r.kind, MAILLOG_REMOVED);
	assert_int_equal(r.time, NOW);
	parse("2026-12-05T00:46:34Z gw1 postfix/qmgr[1]: 76C39A731A6: removed",
	    &r);
	assert_int_equal(r.time, NOW);
	/* A December line read in January is last year's. */
	{
		struct maillog_parser p;
		const char *l = "Dec 31 23:59:59 gw1 postfix/qmgr[1]: "
		    "76C39A731A6: removed";

		maillog_parser_init(&p, 1798761600LL + 3600); /* 2027-01-01 */
		maillog_parse(&p, l, strlen(l), &r);
		assert_int_equal(r.time, 1798761599LL);
	}
	parse("Foo 05 00:46:34 gw1 postfix/qmgr[1]: 76C39A731A6: removed", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse("Dec 05 25:46:34 gw1 postfix/qmgr[1]: 76C39A731A6: removed", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
}

static void
test_smtpd(void **state)
{
	struct maillog_rec r;

	(void)state;
	parse(P "smtpd[26145]: connect from unknown[127.0.1.10]", &r);
	assert_int_equal(r.kind, MAILLOG_CONNECT);
	assert_string_equal(r.daemon, "smtpd");
	assert_string_equal(r.ip, "127.0.1.10");
	parse(P "smtpd[26145]: connect from mail.example.org[2001:DB8::1]", &r);
	assert_int_equal(r.kind, MAILLOG_CONNECT);
	assert_string_equal(r.ip, "2001:db8::1");
	parse("Dec 05 00:46:34 gw1 postfix/submission/smtpd[9]: connect from "
	    "unknown[IPv6:::1]", &r);
	assert_int_equal(r.kind, MAILLOG_CONNECT);
	assert_string_equal(r.ip, "::1");
	parse(P "smtpd[26145]: connect from unknown[unknown]", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse(P "smtpd[26145]: 76C39A731A6: client=unknown[127.0.1.10]", &r);
	assert_int_equal(r.kind, MAILLOG_CLIENT);
	assert_string_equal(r.qid, "76C39A731A6");
	assert_string_equal(r.ip, "127.0.1.10");
	/* Long queue IDs, a port and SASL fields after the client. */
	parse(P "smtpd[1]: 4Kq1hZ0kYxz9sSK: client=a.example[192.0.2.7]:41234, "
	    "sasl_method=PLAIN, sasl_username=u", &r);
	assert_int_equal(r.kind, MAILLOG_CLIENT);
	assert_string_equal(r.qid, "4Kq1hZ0kYxz9sSK");
	assert_string_equal(r.ip, "192.0.2.7");
	parse(P "smtpd[1]: 0123456789ABCDEF0123456789ABCDEF0: client=u[1.2.3.4]",
	    &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse(P "smtpd[26145]: disconnect from unknown[127.0.1.10] ehlo=1 "
	    "mail=5 rcpt=5 data=5 quit=1 commands=17", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
	parse(P "smtpd[26145]: warning: hostname does not resolve", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
}

static void
test_rejects(void **state)
{
	struct maillog_rec r;

	(void)state;
	/* The lab's policy service. */
	parse(P "smtpd[26145]: NOQUEUE: reject: RCPT from unknown[127.0.1.13]: "
	    "554 5.7.1 <u1@nowhere.test>: Recipient address rejected: "
	    "127.0.1.13 is not registered for relay; from=<app@agency.test> "
	    "to=<u1@nowhere.test> proto=ESMTP helo=<client-127.0.1.13.agency."
	    "test>", &r);
	assert_int_equal(r.kind, MAILLOG_REJECT);
	assert_string_equal(r.ip, "127.0.1.13");
	assert_int_equal(r.code, 554);
	assert_string_equal(r.dsn, "5.7.1");
	assert_string_equal(r.addr, "u1@nowhere.test");
	assert_string_equal(r.domain, "nowhere.test");
	assert_int_equal(r.rclass, MAILLOG_REJ_POLICY);
	assert_int_equal(r.reasonlen, strlen("<u1@nowhere.test>: Recipient "
	    "address rejected: 127.0.1.13 is not registered for relay"));

	parse(P "smtpd[7]: NOQUEUE: reject: RCPT from unknown[2001:db8::25]: "
	    "550 5.1.1 <Nobody@Agency.TEST>: Recipient address rejected: User "
	    "unknown in relay recipient table; from=<x@y.test> "
	    "to=<Nobody@Agency.TEST> proto=ESMTP helo=<h>", &r);
	assert_int_equal(r.kind, MAILLOG_REJECT);
	assert_string_equal(r.ip, "2001:db8::25");
	assert_int_equal(r.rclass, MAILLOG_REJ_UNKNOWN);
	assert_string_equal(r.addr, "Nobody@Agency.TEST");
	assert_string_equal(r.domain, "agency.test");

	parse(P "smtpd[7]: NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 "
	    "5.7.1 <a@b.test>: Relay access denied; from=<> to=<a@b.test> "
	    "proto=SMTP helo=<x>", &r);
	assert_int_equal(r.rclass, MAILLOG_REJ_RELAY);
	parse(P "smtpd[7]: NOQUEUE: reject: RCPT from bad.example[192.0.2.9]: "
	    "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked "
	    "using zen.spamhaus.org; from=<a@b> to=<c@d.test> proto=ESMTP "
	    "helo=<x>", &r);
	assert_int_equal(r.rclass, MAILLOG_REJ_RBL);
	parse(P "smtpd[7]: NOQUEUE: reject: MAIL from unknown[192.0.2.9]: 552 "
	    "5.3.4 Message size exceeds fixed limit; proto=ESMTP helo=<x>",
	    &r);
	assert_int_equal(r.kind, MAILLOG_REJECT);
	assert_int_equal(r.rclass, MAILLOG_REJ_OTHER);
	assert_string_equal(r.addr, "");
	/* With a queue ID: a later recipient of an accepted message. */
	parse(P "smtpd[7]: 4Kq1hZ0kYxz9sSK: reject: RCPT from unknown[10.0.0.1]"
	    ": 450 4.1.1 <x@y.test>: Recipient address rejected: unverified "
	    "address; from=<a@b> to=<x@y.test> proto=ESMTP helo=<h>", &r);
	assert_int_equal(r.kind, MAILLOG_REJECT);
	assert_string_equal(r.qid, "4Kq1hZ0kYxz9sSK");
	assert_int_equal(r.rclass, MAILLOG_REJ_UNKNOWN);
	/* Cut before the code. */
	parse(P "smtpd[7]: NOQUEUE: reject: RCPT from unknown[10.0.0.1]: 5",
	    &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	/* cleanup's header checks and milters. */
	parse(P "cleanup[3]: 76C39A731A6: reject: header Subject: buy now from "
	    "unknown[192.0.2.4]; from=<a@b.test> to=<c@d.test> proto=ESMTP "
	    "helo=<h>: 5.7.1 spam is not welcome", &r);
	assert_int_equal(r.kind, MAILLOG_REJECT);
	assert_string_equal(r.ip, "192.0.2.4");
	assert_string_equal(r.dsn, "5.7.1");
	assert_int_equal(r.reasonlen, strlen("spam is not welcome"));
	parse(P "cleanup[3]: 76C39A731A6: milter-reject: END-OF-MESSAGE from "
	    "unknown[192.0.2.4]: 5.7.1 Spam message rejected; from=<a@b.test> "
	    "to=<c@d.test> proto=ESMTP helo=<h>", &r);
	assert_int_equal(r.kind, MAILLOG_REJECT);
	assert_int_equal(maillog_reject_classify("x", 1, "5.1.1"),
	    MAILLOG_REJ_UNKNOWN);
}

static void
test_queue_lines(void **state)
{
	/* Each line's kind, and what it carries where the case says. */
	static const struct {
		const char		*line;
		enum maillog_kind	 kind;
		const char		*addr, *ref;	/* NULL: not checked */
		long long		 size;		/* 0: not checked */
		long			 nrcpt;		/* 0: not checked */
	} cases[] = {
		{ .line = P "cleanup[26147]: 76C39A731A6: "
		  "message-id=<lab-26144-1-1796431594@client-127.0.1.10."
		  "agency.test>",
		  .kind = MAILLOG_MESSAGE_ID,
		  .addr = "lab-26144-1-1796431594@client-127.0.1.10.agency.test"
		  },
		{ .line = P "cleanup[1]: 76C39A731A6: "
		  "message-id=not-in-brackets",
		  .kind = MAILLOG_MESSAGE_ID, .addr = "not-in-brackets" },
		{ .line = P "qmgr[25838]: 76C39A731A6: "
		  "from=<app@agency.test>, size=654, nrcpt=1 (queue active)",
		  .kind = MAILLOG_QUEUED, .addr = "app@agency.test",
		  .size = 654, .nrcpt = 1 },
		{ .line = P "qmgr[1]: 76C39A731A6: from=<>, size=2345, "
		  "nrcpt=3 (queue active)",
		  .kind = MAILLOG_QUEUED, .addr = "" },
		{ .line = P "qmgr[1]: 76C39A731A6: from=<a@b>, size=12",
		  .kind = MAILLOG_BAD },
		{ .line = P "qmgr[1]: 76C39A731A6: from=<a@b>, size=1x2, "
		  "nrcpt=1",
		  .kind = MAILLOG_BAD },
		{ .line = P "qmgr[1]: 76C39A731A6: from=<a@b.test>, "
		  "status=expired, returned to sender",
		  .kind = MAILLOG_EXPIRED },
		{ .line = P "qmgr[1]: 76C39A731A6: removed",
		  .kind = MAILLOG_REMOVED },
		{ .line = P "qmgr[1]: 76C39A731A6: skipped, still being "
		  "delivered",
		  .kind = MAILLOG_SKIP },
		{ .line = P "bounce[9]: 76C39A731A6: sender non-delivery "
		  "notification: 8A1B2C3D4E5",
		  .kind = MAILLOG_BOUNCE, .ref = "8A1B2C3D4E5" },
		{ .line = P "bounce[9]: 76C39A731A6: sender delivery status "
		  "notification: 4Kq1hZ0kYxz9sSK",
		  .kind = MAILLOG_BOUNCE, .ref = "4Kq1hZ0kYxz9sSK" },
		{ .line = P "postsuper[5]: 76C39A731A6: placed on hold",
		  .kind = MAILLOG_HOLD },
		{ .line = P "postsuper[5]: 76C39A731A6: released from hold",
		  .kind = MAILLOG_RELEASE },
		{ .line = P "postsuper[5]: 76C39A731A6: removed",
		  .kind = MAILLOG_DELETE },
		{ .line = P "postsuper[5]: Deleted: 3 messages",
		  .kind = MAILLOG_SKIP },
		{ .line = P "cleanup[3]: 76C39A731A6: hold: header Subject: x "
		  "from unknown[192.0.2.4]; from=<a@b> to=<c@d>",
		  .kind = MAILLOG_HOLD },
		{ .line = P "pickup[4]: 76C39A731A6: uid=0 from=<root>",
		  .kind = MAILLOG_PICKUP, .addr = "root" },
	};
	struct maillog_rec r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		parse(cases[i].line, &r);
		if (r.kind != cases[i].kind)
			fail_msg("'%s': kind %d, not %d", cases[i].line,
			    (int)r.kind, (int)cases[i].kind);
		if (cases[i].addr != NULL)
			assert_string_equal(r.addr, cases[i].addr);
		if (cases[i].ref != NULL)
			assert_string_equal(r.ref, cases[i].ref);
		if (cases[i].size != 0)
			assert_int_equal(r.size, cases[i].size);
		if (cases[i].nrcpt != 0)
			assert_int_equal(r.nrcpt, cases[i].nrcpt);
	}
}

static void
test_deliveries(void **state)
{
	struct maillog_rec r;

	(void)state;
	parse(P "smtp[26148]: 76C39A731A6: to=<u1@accept.test>, relay=127.0.0.1"
	    "[127.0.0.1]:21207, delay=0.03, delays=0.01/0.01/0/0, dsn=2.0.0, "
	    "status=sent (250 2.0.0 Ok)", &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	assert_int_equal(r.status, MAILLOG_ST_SENT);
	assert_string_equal(r.addr, "u1@accept.test");
	assert_string_equal(r.domain, "accept.test");
	assert_int_equal(r.delay_ms, 30);
	assert_string_equal(r.dsn, "2.0.0");
	assert_int_equal(r.reasonlen, strlen("250 2.0.0 Ok"));
	/* conn_use= and orig_to= in between. */
	parse(P "smtp[26148]: 7CC7FA731AA: to=<u1@accept.test>, orig_to=<al"
	    "ias@x.test>, relay=127.0.0.1[127.0.0.1]:21207, conn_use=2, "
	    "delay=1234.5, delays=0/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0"
	    " Ok)", &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	assert_string_equal(r.addr, "u1@accept.test");
	assert_int_equal(r.delay_ms, 1234500);
	/* A deferral whose reason holds '=', ',' and parentheses. */
	parse(P "smtp[26156]: 90207A731A6: to=<u1@yahoo.test>, relay=127.0.0.1"
	    "[127.0.0.1]:21208, delay=0.01, delays=0/0/0/0.01, dsn=4.7.1, "
	    "status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.7.1 "
	    "Rate limited: a=b, c=d, status=sent (x) (in reply to RCPT TO "
	    "command))", &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	assert_int_equal(r.status, MAILLOG_ST_DEFERRED);
	assert_string_equal(r.dsn, "4.7.1");
	assert_int_equal(r.reasonlen, strlen("host 127.0.0.1[127.0.0.1] said: "
	    "450 4.7.1 Rate limited: a=b, c=d, status=sent (x) (in reply to "
	    "RCPT TO command)"));
	parse(P "smtp[26151]: A4343A731AB: to=<u1@dead.test>, relay=none, "
	    "delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to "
	    "127.0.0.1[127.0.0.1]:21209: Connection refused)", &r);
	assert_int_equal(r.status, MAILLOG_ST_DEFERRED);
	assert_int_equal(r.delay_ms, 0);
	/* Quoted local parts may hold '>' and '@'; UTF-8 stays as is. */
	parse(P "smtp[1]: 4Kq1hZ0kYxz9sSK: to=<\"john>doe@x\"@Exämple.TEST>, "
	    "relay=mx[192.0.2.1]:25, delay=2, delays=1/0/0/1, dsn=5.1.1, "
	    "status=bounced (host mx[192.0.2.1] said: 550 5.1.1 <\"john>doe\">"
	    ": user unknown (in reply to RCPT TO command))", &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	assert_int_equal(r.status, MAILLOG_ST_BOUNCED);
	assert_string_equal(r.addr, "\"john>doe@x\"@Exämple.TEST");
	assert_string_equal(r.domain, "exämple.test");
	parse(P "local[1]: 76C39A731A6: to=<root@gw1.test>, orig_to=<root>, "
	    "relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent "
	    "(forwarded as 8A1B2C3D4E5)", &r);
	assert_int_equal(r.status, MAILLOG_ST_SENT);
	assert_true(r.forwarded);
	parse(P "virtual[1]: 76C39A731A6: to=<a@v.test>, relay=virtual, "
	    "delay=0.2, delays=0/0/0/0.2, dsn=2.0.0, status=sent (delivered to "
	    "maildir)", &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	parse(P "lmtp[1]: 76C39A731A6: to=<a@v.test>, relay=mbx[private/dove"
	    "cot-lmtp], delay=0.2, delays=0/0/0/0.2, dsn=2.0.0, status=sent "
	    "(250 2.0.0 <a@v.test> Saved)", &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	parse(P "error[1]: 76C39A731A6: to=<a@v.test>, relay=none, delay=0.2, "
	    "delays=0/0/0/0.2, dsn=5.0.0, status=bounced (User unknown)", &r);
	assert_int_equal(r.status, MAILLOG_ST_BOUNCED);
	/* Cut lines. */
	parse(P "smtp[1]: 76C39A731A6: to=<u1@accept.test>, relay=127.0.0.1["
	    "127.0.0.1]:21207, delay=0.03, dela", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse(P "smtp[1]: 76C39A731A6: to=<u1@acc", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse(P "smtp[1]: 76C39A731A6: to=<u1@a.test>, delay=x, status=sent",
	    &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse(P "smtp[26151]: connect to 127.0.0.1[127.0.0.1]:21209: "
	    "Connection refused", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
}

static void
test_odd_input(void **state)
{
	struct maillog_rec r;
	char longaddr[MAILLOG_LINE_MAX + 200], line[MAILLOG_LINE_MAX + 400];
	struct maillog_parser p;

	(void)state;
	parse("", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse("Dec 05 00:46:34", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	parse("Dec 05 00:46:34 gw1 postfix-gw1/smt", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	/* Other programs. */
	parse("Dec 05 00:46:34 gw1 sshd[77]: Accepted publickey for root", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
	parse("Dec 05 00:46:34 gw1 kernel: eth0: link up", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
	parse("Dec 05 00:46:34 gw1 postfix-gw1/postfix-script[25834]: "
	    "starting the Postfix mail system", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
	parse(P "master[25836]: daemon started -- version 3.7.11", &r);
	assert_int_equal(r.kind, MAILLOG_SKIP);
	/* NUL bytes. */
	maillog_parser_init(&p, NOW);
	maillog_parse(&p, P "qmgr[1]: 76C39A731A6: rem\0oved",
	    sizeof P "qmgr[1]: 76C39A731A6: rem\0oved" - 1, &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	/* Control characters in an address. */
	parse(P "smtp[1]: 76C39A731A6: to=<a\tb@x.test>, relay=none, delay=0, "
	    "dsn=4.4.1, status=deferred (x)", &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	/* An address longer than kept is cut, the line still counts. */
	memset(longaddr, 'a', 400);
	longaddr[400] = '\0';
	snprintf(line, sizeof line, P "smtp[1]: 76C39A731A6: to=<%s@x.test>, "
	    "relay=none, delay=0, dsn=4.4.1, status=deferred (x)", longaddr);
	parse(line, &r);
	assert_int_equal(r.kind, MAILLOG_DELIVERY);
	assert_true(r.addr_cut);
	assert_int_equal(strlen(r.addr), MAILLOG_ADDR_MAX);
	assert_string_equal(r.domain, "x.test");
	/* A line longer than MAILLOG_LINE_MAX is read up to it: cut. */
	memset(longaddr, 'a', sizeof longaddr - 1);
	longaddr[sizeof longaddr - 1] = '\0';
	snprintf(line, sizeof line, P "smtp[1]: 76C39A731A6: to=<%s@x.test>, "
	    "relay=none, delay=0, dsn=4.4.1, status=deferred (x)", longaddr);
	parse(line, &r);
	assert_int_equal(r.kind, MAILLOG_BAD);
	/* A trailing newline and CR are not part of the line. */
	parse(P "qmgr[1]: 76C39A731A6: removed\r\n", &r);
	assert_int_equal(r.kind, MAILLOG_REMOVED);
}

/* ------------------------------------------------------------ tally */

static const char *
agency_of(void *arg, const char *ip)
{
	(void)arg;
	return strcmp(ip, "127.0.1.10") == 0 ? "ag1" : NULL;
}

static const char *
group_of(void *arg, const char *domain)
{
	(void)arg;
	return strcmp(domain, "yahoo.test") == 0 ? "Yahoo" : NULL;
}

static void
feed(struct maillog_tally *t, const char *line)
{
	struct maillog_parser p;
	struct maillog_rec r;

	maillog_parser_init(&p, NOW);
	maillog_parse(&p, line, strlen(line), &r);
	maillog_tally_add(t, &r);
}

#define M (NOW / 60)

/* Sums a field's counters of one granularity over the batch. */
struct gran_sum {
	char gran;
	const char *field;
	long long n;
	int buckets;
};

static void
gran_add(void *arg, const struct maillog_count *c)
{
	struct gran_sum *g = arg;

	if (c->gran == g->gran && strcmp(c->field, g->field) == 0) {
		g->n += c->n;
		g->buckets++;
	}
}

static void
test_tally_join(void **state)
{
	struct maillog_limits lim;
	struct maillog_tally t;

	(void)state;
	maillog_limits_init(&lim);
	maillog_tally_init(&t, "gw1", &lim, agency_of, group_of, NULL);
	feed(&t, P "smtpd[1]: connect from unknown[127.0.1.10]");
	feed(&t, P "smtpd[1]: 76C39A731A6: client=unknown[127.0.1.10]");
	feed(&t, P "qmgr[2]: 76C39A731A6: from=<app@agency.test>, size=654, "
	    "nrcpt=3 (queue active)");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u1@yahoo.test>, relay=x[1.2.3.4]"
	    ":25, delay=0.5, delays=0/0/0/0.5, dsn=4.7.1, status=deferred (host"
	    " x[1.2.3.4] said: 450 4.7.1 try again later (in reply to RCPT TO "
	    "command))");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u2@yahoo.test>, relay=x[1.2.3.4]"
	    ":25, delay=0.5, delays=0/0/0/0.5, dsn=4.7.1, status=deferred (host"
	    " x[1.2.3.4] said: 450 4.7.1 try again later (in reply to RCPT TO "
	    "command))");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u3@gmail.test>, relay=x[1.2.3.4]"
	    ":25, delay=3, delays=0/0/0/3, dsn=5.1.1, status=bounced (host "
	    "x[1.2.3.4] said: 550 5.1.1 no such user (in reply to RCPT TO "
	    "command))");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u1@yahoo.test>, relay=x[1.2.3.4]"
	    ":25, delay=40, delays=0/0/0/40, dsn=2.0.0, status=sent (250 ok)");
	assert_int_equal(maillog_tally_open(&t), 1);
	assert_string_equal(maillog_tally_client_of(&t, "76C39A731A6"),
	    "127.0.1.10");
	feed(&t, P "qmgr[2]: 76C39A731A6: removed");
	assert_int_equal(maillog_tally_open(&t), 0);

	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_CLIENT, M,
	    "127.0.1.10|conn"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_TOTAL, M,
	    "gw1|received"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_TOTAL, M,
	    "gw1|deferred"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_TOTAL, M,
	    "gw1|deferrals"), 2);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_TOTAL, M,
	    "gw1|bounced"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_TOTAL, M,
	    "gw1|delivered"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_AGENCY, M,
	    "ag1|yahoo.test|deferred"), 2);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_AGENCY, M,
	    "ag1|yahoo.test|delivered"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_AGENCY, M,
	    "ag1|gmail.test|bounced"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_AGENCY, M,
	    "ag1|gmail.test|invalid"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "yahoo.test|def_throttle"), 2);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "@Yahoo|deferred"), 2);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "yahoo.test|delay_ms"), 40000);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "@Yahoo|d5"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "gmail.test|delay_ms"), 0);
	/* Each counter is in its minute, its hour and its day. */
	{
		struct gran_sum g = { 'h', "gw1|deferrals", 0, 0 };

		maillog_tally_each(&t, gran_add, &g);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.buckets, 1);
		g.gran = 'd';
		g.n = g.buckets = 0;
		maillog_tally_each(&t, gran_add, &g);
		assert_int_equal(g.n, 2);
		g.gran = 'm';
		g.n = g.buckets = 0;
		maillog_tally_each(&t, gran_add, &g);
		assert_int_equal(g.n, 2);
	}
	/* The agency's bounce keeps its reason for the day's counters. */
	assert_int_equal(t.nbounce_reasons, 1);
	assert_int_equal(t.bounce_reasons[0].day, NOW / 86400);
	assert_string_equal(t.bounce_reasons[0].field,
	    "ag1|gmail.test|reason");
	assert_string_equal(t.bounce_reasons[0].reason, "host x[1.2.3.4] "
	    "said: 550 5.1.1 no such user (in reply to RCPT TO command)");
	maillog_tally_clear(&t);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_TOTAL, M,
	    "gw1|delivered"), 0);
	assert_int_equal(t.nbounce_reasons, 0);
	maillog_tally_free(&t);
}

/* One bounce reason per agency and domain: the latest, sanitized, cut;
 * none without an agency; no more pairs than the bound. */
static void
test_tally_bounce_reason(void **state)
{
	struct maillog_limits lim;
	struct maillog_tally t;
	char line[2048], big[600];
	int i;

	(void)state;
	maillog_limits_init(&lim);
	maillog_tally_init(&t, "gw1", &lim, agency_of, group_of, NULL);
	feed(&t, P "smtpd[1]: 76C39A731A6: client=unknown[127.0.1.10]");
	feed(&t, P "smtpd[1]: 86C39A731A6: client=unknown[127.0.1.99]");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<a@b.test>, relay=x[1.2.3.4]"
	    ":25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (first)");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<c@b.test>, relay=x[1.2.3.4]"
	    ":25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (second "
	    "\x1b[31mred\xe2\x80\xae)");
	/* Another client, no agency: no reason. */
	feed(&t, P "smtp[3]: 86C39A731A6: to=<a@c.test>, relay=x[1.2.3.4]"
	    ":25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (other)");
	assert_int_equal(t.nbounce_reasons, 1);
	assert_string_equal(t.bounce_reasons[0].field, "ag1|b.test|reason");
	assert_string_equal(t.bounce_reasons[0].reason,
	    "second \\x1b[31mred\\u202e");
	/* A long reason is cut to the bound. */
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(line, sizeof line, P "smtp[3]: 76C39A731A6: to=<a@b.test>, "
	    "relay=x[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, "
	    "status=bounced (%s)", big);
	feed(&t, line);
	assert_int_equal(strlen(t.bounce_reasons[0].reason),
	    MAILLOG_BOUNCE_REASON_MAX);
	/* Bounded: new pairs past the bound wait for the next batch. */
	for (i = 0; i < MAILLOG_BOUNCE_REASONS + 5; i++) {
		snprintf(line, sizeof line, P "smtp[3]: 76C39A731A6: "
		    "to=<a@d%d.test>, relay=x[1.2.3.4]:25, delay=1, "
		    "delays=0/0/0/1, dsn=5.1.1, status=bounced (r%d)", i, i);
		feed(&t, line);
	}
	assert_int_equal(t.nbounce_reasons, MAILLOG_BOUNCE_REASONS);
	maillog_tally_free(&t);
}

/* Reputation refusals: deferrals and bounces counted per provider and
 * group as `rep`, the latest text kept per minute; a throttling deferral
 * with other words and a bounce for an unknown user are not. */
static void
test_tally_reputation(void **state)
{
	struct maillog_limits lim;
	struct maillog_tally t;
	int i;

	(void)state;
	maillog_limits_init(&lim);
	maillog_tally_init(&t, "gw1", &lim, agency_of, group_of, NULL);
	feed(&t, P "smtpd[1]: 76C39A731A6: client=unknown[127.0.1.10]");
	for (i = 0; i < 2; i++)
		feed(&t, P "smtp[3]: 76C39A731A6: to=<u1@yahoo.test>, "
		    "relay=x[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, "
		    "status=deferred (host x[1.2.3.4] said: 421 4.7.0 [TSS04] "
		    "Messages from 127.0.0.1 temporarily deferred due to user "
		    "complaints (in reply to MAIL FROM command))");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u2@yahoo.test>, relay=x[1.2.3.4]"
	    ":25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host "
	    "x[1.2.3.4] said: 450 4.7.1 try again later (in reply to RCPT TO "
	    "command))");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u3@bl.test>, relay=x[1.2.3.4]"
	    ":25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host "
	    "x[1.2.3.4] said: 554 5.7.1 Service unavailable; Client host "
	    "[127.0.0.1] blocked using bl.example (in reply to RCPT TO "
	    "command))");
	feed(&t, P "smtp[3]: 76C39A731A6: to=<u4@bl.test>, relay=x[1.2.3.4]"
	    ":25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host "
	    "x[1.2.3.4] said: 550 5.1.1 no such user (in reply to RCPT TO "
	    "command))");
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "yahoo.test|rep"), 2);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "@Yahoo|rep"), 2);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "yahoo.test|def_throttle"), 3);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "bl.test|rep"), 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "bl.test|bounced"), 2);
	assert_int_equal(t.nrep_reasons, 3);
	assert_int_equal(t.rep_reasons[0].minute, M);
	assert_string_equal(t.rep_reasons[0].field, "yahoo.test|rep_reason");
	assert_non_null(strstr(t.rep_reasons[0].reason, "[TSS04]"));
	assert_string_equal(t.rep_reasons[1].field, "@Yahoo|rep_reason");
	assert_string_equal(t.rep_reasons[2].field, "bl.test|rep_reason");
	assert_non_null(strstr(t.rep_reasons[2].reason, "blocked using"));
	maillog_tally_clear(&t);
	assert_int_equal(t.nrep_reasons, 0);
	maillog_tally_free(&t);
}

static void
test_tally_bounds(void **state)
{
	struct maillog_limits lim;
	struct maillog_tally t;
	char line[256];
	int i;

	(void)state;
	maillog_limits_init(&lim);
	lim.max_open = 100;
	maillog_tally_init(&t, "gw1", &lim, NULL, NULL, NULL);
	for (i = 0; i < 150; i++) {
		snprintf(line, sizeof line, P "smtpd[1]: %08X: client=unknown["
		    "10.0.0.1]", 0x10000000 + i);
		feed(&t, line);
	}
	assert_int_equal(maillog_tally_open(&t), 100);
	assert_int_equal(t.stats.dropped, 50);
	/* A delivery of a message not followed counts, without agency. */
	feed(&t, P "smtp[3]: 1000008F: to=<a@b.test>, relay=none, delay=1, "
	    "dsn=2.0.0, status=sent (ok)");
	assert_int_equal(t.stats.untracked, 1);
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_PROVIDER, M,
	    "b.test|delivered"), 1);
	/* Removal keeps every other message findable (backward shift). */
	for (i = 0; i < 100; i += 2) {
		snprintf(line, sizeof line, P "qmgr[1]: %08X: removed",
		    0x10000000 + i);
		feed(&t, line);
	}
	assert_int_equal(maillog_tally_open(&t), 50);
	for (i = 1; i < 100; i += 2) {
		snprintf(line, sizeof line, "%08X", 0x10000000 + i);
		assert_non_null(maillog_tally_client_of(&t, line));
	}
	/* A message not seen for max_age_s goes at the next sweep. */
	feed(&t, "Dec 12 00:46:34 gw1 postfix/smtpd[1]: AAAAAAAA: "
	    "client=unknown[10.0.0.2]");
	assert_int_equal(maillog_tally_open(&t), 1);
	assert_int_equal(t.stats.dropped, 100);
	maillog_tally_free(&t);
}

static void
test_harvest(void **state)
{
	struct maillog_limits lim;
	struct maillog_tally t;
	char line[512];
	int i;

	(void)state;
	maillog_limits_init(&lim);
	maillog_tally_init(&t, "gw1", &lim, NULL, NULL, NULL);
	for (i = 0; i < 25; i++) {
		snprintf(line, sizeof line, "Dec 05 00:%02d:%02d gw1 postfix/"
		    "smtpd[7]: NOQUEUE: reject: RCPT from unknown[192.0.2.66]: "
		    "550 5.1.1 <g%d@agency.test>: Recipient address rejected: "
		    "User unknown in relay recipient table; from=<x@y.test> "
		    "to=<g%d@agency.test> proto=ESMTP helo=<h>", 40 + i / 6,
		    (i * 10) % 60, i, i);
		feed(&t, line);
		if (i == 18)
			assert_int_equal(t.nsuspects, 0);
		if (i == 19) {
			assert_int_equal(t.nsuspects, 1);
			assert_true(t.suspects[0].crossed);
		}
	}
	assert_string_equal(t.suspects[0].ip, "192.0.2.66");
	assert_int_equal(t.suspects[0].count, 25);
	assert_int_equal(t.suspects[0].nsamples, MAILLOG_SAMPLES);
	assert_string_equal(t.suspects[0].samples[0], "g19@agency.test");
	assert_int_equal(maillog_tally_get(&t, MAILLOG_SCOPE_CLIENT,
	    t.suspects[0].last / 60, "192.0.2.66|rej_unknown"), 1);
	maillog_tally_clear(&t);
	assert_int_equal(t.nsuspects, 0);

	/* Slow guessing, one every 20 s, never reaches 20 in 5 minutes. */
	for (i = 0; i < 60; i++) {
		snprintf(line, sizeof line, "Dec 05 01:%02d:%02d gw1 postfix/"
		    "smtpd[7]: NOQUEUE: reject: RCPT from unknown[192.0.2.67]: "
		    "550 5.1.1 <g@agency.test>: Recipient address rejected: "
		    "User unknown; from=<x@y.test> to=<g@agency.test> proto=ESMTP "
		    "helo=<h>", i / 3, (i % 3) * 20);
		feed(&t, line);
	}
	assert_int_equal(t.nsuspects, 0);
	maillog_tally_free(&t);
}

static void
test_delay_p95(void **state)
{
	long long h[MAILLOG_DELAY_BUCKETS] = { 0 };

	(void)state;
	assert_int_equal(maillog_delay_p95(h), -1);
	assert_int_equal(maillog_delay_bucket(0), 0);
	assert_int_equal(maillog_delay_bucket(1000), 0);
	assert_int_equal(maillog_delay_bucket(1001), 1);
	assert_int_equal(maillog_delay_bucket(86400001),
	    MAILLOG_DELAY_BUCKETS - 1);
	h[0] = 94;
	h[6] = 6;
	assert_int_equal(maillog_delay_p95(h), 300);
	h[0] = 95;
	h[6] = 5;
	assert_int_equal(maillog_delay_p95(h), 1);
	h[0] = 0;
	h[6] = 100;
	h[MAILLOG_DELAY_BUCKETS - 1] = 1;
	assert_int_equal(maillog_delay_p95(h), 300);
	h[6] = 0;
	assert_int_equal(maillog_delay_p95(h), 86400 * 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_smtpd),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_queue_lines),
		cmocka_unit_test(test_deliveries),
		cmocka_unit_test(test_odd_input),
		cmocka_unit_test(test_tally_join),
		cmocka_unit_test(test_tally_bounce_reason),
		cmocka_unit_test(test_tally_reputation),
		cmocka_unit_test(test_tally_bounds),
		cmocka_unit_test(test_harvest),
		cmocka_unit_test(test_delay_p95),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
