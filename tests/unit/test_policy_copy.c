/* Unit tests of the policy service's copy: records from Redis replies,
 * expiry, bad records, and decisions made from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis.h>

#include "agent/policy.h"
#include "agent/policy_copy.h"
#include "agent/policy_rules.h"

#define NOW 1800000000LL

/* A reply as hiredis reads it from RESP text. */
static redisReply *
resp(const char *text)
{
	redisReader	*rd = redisReaderCreate();
	void		*reply = NULL;

	assert_int_equal(redisReaderFeed(rd, text, strlen(text)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(rd, &reply), REDIS_OK);
	assert_non_null(reply);
	redisReaderFree(rd);
	return reply;
}

/* HMGET of two fields; NULL is nil. */
static redisReply *
hmget2(const char *a, const char *b)
{
	char	buf[512];
	int	n = snprintf(buf, sizeof buf, "*2\r\n");

	if (a == NULL)
		n += snprintf(buf + n, sizeof buf - n, "$-1\r\n");
	else
		n += snprintf(buf + n, sizeof buf - n, "$%zu\r\n%s\r\n",
		    strlen(a), a);
	if (b == NULL)
		snprintf(buf + n, sizeof buf - n, "$-1\r\n");
	else
		snprintf(buf + n, sizeof buf - n, "$%zu\r\n%s\r\n", strlen(b),
		    b);
	return resp(buf);
}

static int
add_block(struct policy_copy *c, const char *ip, const char *reason,
    const char *until)
{
	redisReply	*r = hmget2(reason, until);
	int		 rc = policy_copy_add_block(c, ip, r, NOW);

	freeReplyObject(r);
	return rc;
}

static int
add_agency(struct policy_copy *c, const char *id, const char *text)
{
	redisReply	*r = resp(text);
	int		 rc = policy_copy_add_agency(c, id, r);

	freeReplyObject(r);
	return rc;
}

static int
add_permit(struct policy_copy *c, const char *ip, const char *agency)
{
	return policy_copy_add_permit(c, ip, agency, strlen(agency));
}

/* The copy most tests use. */
static struct policy_copy *
sample(void)
{
	struct policy_copy	*c = policy_copy_new();

	assert_int_equal(add_block(c, "192.0.2.66", "spam run, ticket 4711",
	    "0"), 1);
	assert_int_equal(add_block(c, "192.0.2.67", "cool down",
	    "1800000100"), 1);
	assert_int_equal(add_block(c, "2001:db8::7", NULL, "0"), 1);
	assert_int_equal(add_permit(c, "192.0.2.10", "tax"), 1);
	assert_int_equal(add_permit(c, "192.0.2.11", "dmv"), 1);
	assert_int_equal(add_permit(c, "192.0.2.67", "tax"), 1);
	assert_int_equal(add_permit(c, "192.0.2.12", "gone"), 1);
	/* tax: no limits of its own (bulk: the default); dmv: 5 per message,
	 * no bulk limit. */
	assert_int_equal(add_agency(c, "tax",
	    "*3\r\n$-1\r\n$-1\r\n$-1\r\n"), 1);
	assert_int_equal(add_agency(c, "dmv",
	    "*3\r\n$1\r\n5\r\n$1\r\n0\r\n$2\r\n-1\r\n"), 1);
	policy_copy_seal(c);
	return c;
}

static void
request(struct policy_request *req, const char *ip, const char *state)
{
	memset(req, 0, sizeof *req);
	req->request = "smtpd_access_policy";
	req->protocol_state = (char *)state;
	req->client_address = (char *)ip;
}

static void
test_lookups(void **state)
{
	struct policy_copy	*c = sample();
	struct policy_request	 req;
	struct policy_facts	 f;

	(void)state;
	assert_int_equal(c->nblocks, 3);
	assert_int_equal(c->npermits, 4);
	assert_int_equal(c->nagencies, 2);
	assert_int_equal(c->skipped, 0);

	memset(&f, 0, sizeof f);
	request(&req, "192.0.2.66", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_true(f.redis_ok);
	assert_true(f.from_copy);
	assert_true(f.counts_unknown);
	assert_true(f.blocked);
	assert_string_equal(f.block_reason, "spam run, ticket 4711");
	assert_int_equal(f.block_until, 0);
	assert_null(f.agency);

	request(&req, "192.0.2.10", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_false(f.blocked);
	assert_string_equal(f.agency, "tax");
	assert_false(f.limits_unknown);
	assert_int_equal(f.bulk_rcpts, 0);

	request(&req, "192.0.2.11", "RCPT");
	policy_copy_facts(c, &req, true, NOW, &f);
	assert_true(f.draining);
	assert_string_equal(f.agency, "dmv");
	assert_int_equal(f.max_rcpts_per_msg, 5);
	assert_int_equal(f.max_msgs_per_minute, 0);
	assert_int_equal(f.bulk_rcpts, -1);

	/* A permit whose agency could not be read: limits unknown. */
	request(&req, "192.0.2.12", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_string_equal(f.agency, "gone");
	assert_true(f.limits_unknown);

	request(&req, "198.51.100.1", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_false(f.blocked);
	assert_null(f.agency);

	/* IPv6, and a block without a reason. */
	request(&req, "2001:db8::7", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_true(f.blocked);
	assert_string_equal(f.block_reason, "");

	/* Inbound: no permit is looked up. */
	request(&req, "192.0.2.10", "RCPT");
	req.policy_context = (char *)"inbound";
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_null(f.agency);
	policy_copy_free(c);
}

/* A temporary block ends at its time, also in a copy loaded before. */
static void
test_expiry(void **state)
{
	struct policy_copy	*c = sample();
	struct policy_request	 req;
	struct policy_facts	 f;

	(void)state;
	memset(&f, 0, sizeof f);
	request(&req, "192.0.2.67", "RCPT");
	policy_copy_facts(c, &req, false, 1800000099LL, &f);
	assert_true(f.blocked);
	assert_int_equal(f.block_until, 1800000100LL);
	policy_copy_facts(c, &req, false, 1800000100LL, &f);
	assert_false(f.blocked);
	assert_string_equal(f.agency, "tax");
	policy_copy_free(c);

	/* Ended when read, or gone (both fields nil): not added. */
	c = policy_copy_new();
	assert_int_equal(add_block(c, "192.0.2.1", "old", "1700000000"), 0);
	assert_int_equal(add_block(c, "192.0.2.2", "now", "1800000000"), 0);
	assert_int_equal(add_block(c, "192.0.2.3", NULL, NULL), 0);
	assert_int_equal(c->nblocks, 0);
	assert_int_equal(c->skipped, 0);
	policy_copy_free(c);
}

/* Bad records are skipped and counted; the rest of the copy stays. */
static void
test_bad_records(void **state)
{
	struct policy_copy	*c = policy_copy_new();
	struct policy_request	 req;
	struct policy_facts	 f;
	redisReply		*r;

	(void)state;
	assert_int_equal(add_block(c, "192.0.2.66", "spam", "0"), 1);
	assert_int_equal(add_block(c, "192.0.2.5", "x", "soon"), -1);
	assert_int_equal(c->skipped, 1);
	assert_non_null(strstr(c->first_bad, "192.0.2.5"));
	assert_non_null(strstr(c->first_bad, "'soon' is not a time"));
	assert_int_equal(add_block(c, "192.0.2.6", "x", "-5"), -1);
	assert_int_equal(add_block(c, "10.0.0.0/8", "x", "0"), -1);
	assert_int_equal(add_block(c, "010.0.0.1", "x", "0"), -1);
	r = resp("-WRONGTYPE Operation against a key holding the wrong kind "
	    "of value\r\n");
	assert_int_equal(policy_copy_add_block(c, "192.0.2.7", r, NOW), -1);
	freeReplyObject(r);
	assert_int_equal(policy_copy_add_block(c, "192.0.2.8", NULL, NOW),
	    -1);
	r = resp("*1\r\n$1\r\n0\r\n");
	assert_int_equal(policy_copy_add_block(c, "192.0.2.9", r, NOW), -1);
	freeReplyObject(r);

	assert_int_equal(add_permit(c, "192.0.2.10", "tax"), 1);
	assert_int_equal(add_permit(c, "192.0.2.20", "a|b"), -1);
	assert_int_equal(add_permit(c, "192.0.2.21", ""), -1);
	assert_int_equal(policy_copy_add_permit(c, "192.0.2.22", "t\x01x",
	    3), -1);
	assert_int_equal(add_permit(c, "192.0.2.23", "an-agency-id-of-far-"
	    "more-than-sixty-four-bytes-which-the-script-refuses-too"), -1);
	assert_int_equal(add_permit(c, "2001:DB8::1", "tax"), -1);
	assert_int_equal(add_agency(c, "tax",
	    "*3\r\n$1\r\n5\r\n$4\r\nmany\r\n$-1\r\n"), -1);
	assert_int_equal(add_agency(c, "dmv", "$3\r\nfoo\r\n"), -1);
	assert_int_equal(c->skipped, 14);
	/* The first stays named. */
	assert_non_null(strstr(c->first_bad, "192.0.2.5"));
	policy_copy_seal(c);
	assert_int_equal(c->nblocks, 1);
	assert_int_equal(c->npermits, 1);
	assert_int_equal(c->nagencies, 0);

	memset(&f, 0, sizeof f);
	request(&req, "192.0.2.66", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_true(f.blocked);
	request(&req, "192.0.2.10", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_string_equal(f.agency, "tax");
	assert_true(f.limits_unknown);
	policy_copy_free(c);
}

/* Duplicates keep one record; the permits' agencies come once each. */
static void
test_seal(void **state)
{
	struct policy_copy	*c = policy_copy_new();
	struct policy_request	 req;
	struct policy_facts	 f;
	const char		**ids;
	size_t			 n;

	(void)state;
	assert_int_equal(add_permit(c, "192.0.2.30", "b"), 1);
	assert_int_equal(add_permit(c, "192.0.2.10", "a"), 1);
	assert_int_equal(add_permit(c, "192.0.2.20", "b"), 1);
	assert_int_equal(add_permit(c, "192.0.2.20", "b"), 1);
	assert_int_equal(add_block(c, "192.0.2.1", "one", "0"), 1);
	assert_int_equal(add_block(c, "192.0.2.1", "one", "0"), 1);
	n = policy_copy_permit_agencies(c, &ids);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "a");
	assert_string_equal(ids[1], "b");
	free(ids);
	policy_copy_seal(c);
	assert_int_equal(c->npermits, 3);
	assert_int_equal(c->nblocks, 1);
	memset(&f, 0, sizeof f);
	request(&req, "192.0.2.30", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_string_equal(f.agency, "b");
	policy_copy_free(c);

	/* An empty copy answers too. */
	c = policy_copy_new();
	policy_copy_seal(c);
	request(&req, "192.0.2.30", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	assert_false(f.blocked);
	assert_null(f.agency);
	policy_copy_free(NULL);
	policy_copy_free(c);
}

/* What the decision table makes of facts from the copy. */
static void
test_decisions(void **state)
{
	struct policy_copy	*c = sample();
	struct policy_request	 req;
	struct policy_facts	 f;
	struct policy_decision	 d;

	(void)state;
	memset(&f, 0, sizeof f);
	request(&req, "192.0.2.66", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BLOCKED);
	assert_string_equal(d.action, "REJECT 192.0.2.66 is blocked: spam "
	    "run, ticket 4711");

	request(&req, "198.51.100.1", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_NO_PERMIT);
	assert_string_equal(d.action, "REJECT 198.51.100.1 is not registered "
	    "for relay");

	/* tax has the default bulk limit, which needs live counts: the fail
	 * action DUNNO has no opinion, the request is accepted. */
	request(&req, "192.0.2.10", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	assert_string_equal(d.action, "DUNNO");
	/* A fail action that refuses answers for the unknown limit. */
	f.fail_action = "DEFER_IF_PERMIT no live counts";
	f.accept_action = "OK";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_LIMITS_UNKNOWN);
	assert_string_equal(d.action, "DEFER_IF_PERMIT no live counts");
	assert_string_equal(policy_rule_name(d.rule), "limits-unknown");
	assert_int_equal(d.count[VOLUME_DEFERRED], 0);

	/* dmv: no live-count limit, so it is accepted; its per-message limit
	 * needs no counts and still applies. */
	request(&req, "192.0.2.11", "RCPT");
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	assert_string_equal(d.action, "OK");
	request(&req, "192.0.2.11", "DATA");
	req.recipient_count = 6;
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_RCPTS_PER_MSG);
	assert_int_equal(d.count[VOLUME_DEFERRED], 1);

	/* The limits of an agency not read: all unknown. */
	request(&req, "192.0.2.12", "DATA");
	req.recipient_count = 1;
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_LIMITS_UNKNOWN);

	/* The end of a message is counted for the permit's agency. */
	request(&req, "192.0.2.10", "END-OF-MESSAGE");
	req.recipient_count = 3;
	req.size = 1234;
	policy_copy_facts(c, &req, false, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_COUNT);
	assert_int_equal(d.count[VOLUME_MSGS], 1);
	assert_int_equal(d.count[VOLUME_RCPTS], 3);
	assert_int_equal(d.count[VOLUME_BYTES], 1234);

	/* Draining as last read. */
	request(&req, "192.0.2.10", "RCPT");
	policy_copy_facts(c, &req, true, NOW, &f);
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_DRAINING);
	policy_copy_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_decisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
