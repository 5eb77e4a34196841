/* Unit tests of the policy service's Redis side without Redis: the script's
 * reply read into facts, the counts waiting for the next pass, the script
 * against keys.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/policy.h"
#include "agent/policy_redis.h"
#include "agent/policy_rules.h"
#include "core/config.h"
#include "core/keys.h"
#include "core/volume.h"

/* A reply built by hand, as hiredis would give it. */
struct fake {
	redisReply	 top;
	redisReply	 el[POLICY_REPLY_FIELDS + 2];
	redisReply	*ptr[POLICY_REPLY_FIELDS + 2];
};

static void
set_int(redisReply *r, long long v)
{
	memset(r, 0, sizeof *r);
	r->type = REDIS_REPLY_INTEGER;
	r->integer = v;
}

static void
set_str(redisReply *r, const char *s)
{
	memset(r, 0, sizeof *r);
	r->type = REDIS_REPLY_STRING;
	r->str = (char *)s;
	r->len = strlen(s);
}

/* The reply for a permitted address of agency `agency`. */
static void
fake_init(struct fake *f, const char *agency)
{
	size_t	i;

	memset(f, 0, sizeof *f);
	f->top.type = REDIS_REPLY_ARRAY;
	f->top.elements = POLICY_REPLY_FIELDS;
	f->top.element = f->ptr;
	for (i = 0; i < POLICY_REPLY_FIELDS + 2; i++)
		f->ptr[i] = &f->el[i];
	set_int(&f->el[0], 0);
	set_str(&f->el[1], "");
	set_str(&f->el[2], "");
	set_int(&f->el[3], 0);
	set_str(&f->el[4], agency);
	set_str(&f->el[5], "5");
	set_str(&f->el[6], "30");
	set_str(&f->el[7], "");
	set_int(&f->el[8], 7);
	set_int(&f->el[9], 120);
	set_int(&f->el[10], -1);
}

static int
parse(struct fake *f, struct policy_facts *facts, char *cause, size_t len)
{
	memset(facts, 0, sizeof *facts);
	cause[0] = '\0';
	return policy_redis_parse(&f->top, facts, cause, len);
}

static void
test_parse_permitted(void **state)
{
	struct fake		f;
	struct policy_facts	facts;
	char			cause[160];

	(void)state;
	fake_init(&f, "dmv");
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_true(facts.redis_ok);
	assert_false(facts.blocked);
	assert_false(facts.draining);
	assert_string_equal(facts.agency, "dmv");
	assert_int_equal(facts.max_rcpts_per_msg, 5);
	assert_int_equal(facts.max_msgs_per_minute, 30);
	assert_int_equal(facts.bulk_rcpts, 0);
	assert_int_equal(facts.msgs_minute, 7);
	assert_int_equal(facts.rcpts_10min, 120);
	/* No announced bulk job; the plan itself comes from the copy. */
	assert_int_equal(facts.plan_sent, -1);
	assert_false(facts.plan);
	set_int(&f.el[10], 1500);
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_int_equal(facts.plan_sent, 1500);
	set_int(&f.el[10], -2);
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), -1);
	set_str(&f.el[10], "7");
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), -1);

	/* No permit: an empty agency. */
	fake_init(&f, "");
	set_str(&f.el[5], "");
	set_str(&f.el[6], "");
	set_int(&f.el[8], 0);
	set_int(&f.el[9], 0);
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_null(facts.agency);
	assert_int_equal(facts.max_rcpts_per_msg, 0);

	/* Limits as integers, and no bulk limit. */
	fake_init(&f, "tax");
	set_int(&f.el[5], 50);
	set_str(&f.el[7], "-1");
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_int_equal(facts.max_rcpts_per_msg, 50);
	assert_int_equal(facts.bulk_rcpts, -1);
}

static void
test_parse_blocked(void **state)
{
	struct fake		f;
	struct policy_facts	facts;
	char			cause[160];

	(void)state;
	fake_init(&f, "dmv");
	set_int(&f.el[0], 1);
	set_str(&f.el[1], "spam run, ticket 4711");
	set_str(&f.el[2], "1800000000");
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_true(facts.blocked);
	assert_string_equal(facts.block_reason, "spam run, ticket 4711");
	assert_int_equal(facts.block_until, 1800000000LL);
	/* An unreadable until still blocks, as permanent. */
	set_str(&f.el[2], "soon");
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_true(facts.blocked);
	assert_int_equal(facts.block_until, 0);
	/* Draining. */
	fake_init(&f, "");
	set_int(&f.el[3], 1);
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), 0);
	assert_true(facts.draining);
}

/* A reply of agency `agency` with one field made wrong, and the cause
 * (NULL: any) it must be refused with. */
enum spoil { SPOIL_NONE, SPOIL_INT, SPOIL_STR, SPOIL_NIL };
static const struct {
	const char	*agency;
	enum spoil	 how;
	int		 field;
	long long	 n;
	const char	*s;
	const char	*cause;
} spoiled[] = {
	{ "dmv", SPOIL_INT, 0, 2, NULL,
	  "the policy script gave a flag that is not 0 or 1" },
	{ "dmv", SPOIL_STR, 3, 0, "1", NULL },
	{ "dmv", SPOIL_INT, 4, 7, NULL, NULL },
	{ "dmv", SPOIL_NIL, 1, 0, NULL, NULL },
	{ "dmv|rcpts", SPOIL_NONE, 0, 0, NULL, "the permit's agency id "
	  "'dmv|rcpts' is not usable: holds '|' or a control character" },
	{ "d\nmv", SPOIL_NONE, 0, 0, NULL, NULL },
	{ "a-very-long-agency-id-that-goes-on-and-on-and-on-and-on-and-on-"
	  "and-on", SPOIL_NONE, 0, 0, NULL, NULL },
	{ "dmv", SPOIL_STR, 5, 0, "five",
	  "agency 'dmv' has a limit that is not a count" },
	{ "dmv", SPOIL_STR, 5, 0, "-5", NULL },
	/* Only bulk_rcpts may say "none". */
	{ "dmv", SPOIL_STR, 5, 0, "-1", NULL },
	{ "dmv", SPOIL_STR, 5, 0, "5 ", NULL },
	{ "dmv", SPOIL_STR, 5, 0, "99999999999999999999999", NULL },
	{ "dmv", SPOIL_STR, 7, 0, "-2", NULL },
	{ "dmv", SPOIL_INT, 9, -1, NULL,
	  "the policy script gave a volume that is not a count" },
	{ "dmv", SPOIL_STR, 8, 0, "7", NULL },
};

/* Every garbage reply is refused with a cause, never trusted. */
static void
test_parse_garbage(void **state)
{
	struct fake		f;
	struct policy_facts	facts;
	redisReply		r;
	char			cause[160];
	size_t			i;

	(void)state;
	memset(&facts, 0, sizeof facts);
	assert_int_equal(policy_redis_parse(NULL, &facts, cause,
	    sizeof cause), -1);
	assert_false(facts.redis_ok);

	set_str(&r, "NOPERM this user has no permissions to run the "
	    "'evalsha' command");
	r.type = REDIS_REPLY_ERROR;
	assert_int_equal(policy_redis_parse(&r, &facts, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "redis: NOPERM this user has no "
	    "permissions to run the 'evalsha' command");
	set_str(&r, "OK");
	assert_int_equal(policy_redis_parse(&r, &facts, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "the policy script gave a reply of the "
	    "wrong shape");
	r.type = REDIS_REPLY_NIL;
	assert_int_equal(policy_redis_parse(&r, &facts, cause, sizeof cause),
	    -1);

	fake_init(&f, "dmv");
	f.top.elements = POLICY_REPLY_FIELDS - 1;
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), -1);
	f.top.elements = POLICY_REPLY_FIELDS + 1;
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), -1);

	for (i = 0; i < sizeof spoiled / sizeof spoiled[0]; i++) {
		fake_init(&f, spoiled[i].agency);
		if (spoiled[i].how == SPOIL_INT)
			set_int(&f.el[spoiled[i].field], spoiled[i].n);
		else if (spoiled[i].how == SPOIL_STR)
			set_str(&f.el[spoiled[i].field], spoiled[i].s);
		else if (spoiled[i].how == SPOIL_NIL)
			f.el[spoiled[i].field].type = REDIS_REPLY_NIL;
		if (parse(&f, &facts, cause, sizeof cause) != -1)
			fail_msg("spoiled reply %zu was trusted", i);
		if (spoiled[i].cause != NULL)
			assert_string_equal(cause, spoiled[i].cause);
	}
}

/* A garbage reply gets the fail action, as an outage does. */
static void
test_garbage_fails_open(void **state)
{
	struct policy_request	req;
	struct policy_facts	facts;
	struct policy_decision	d;
	struct fake		f;
	char			cause[160];

	(void)state;
	policy_request_init(&req);
	req.request = (char *)"smtpd_access_policy";
	req.protocol_state = (char *)"RCPT";
	req.client_address = (char *)"127.0.1.30";
	fake_init(&f, "dmv");
	set_str(&f.el[6], "lots");
	assert_int_equal(parse(&f, &facts, cause, sizeof cause), -1);
	facts.fail_action = "DEFER_IF_PERMIT policy lookup failed";
	policy_decide(&req, &facts, &d);
	assert_int_equal(d.rule, POLICY_RULE_FAIL_OPEN);
	assert_string_equal(d.action, "DEFER_IF_PERMIT policy lookup failed");
	assert_int_equal(d.count[VOLUME_DEFERRED], 0);
}

static struct config *
config_fake(void)
{
	static struct config		cfg;
	static struct config_node	node;

	memset(&cfg, 0, sizeof cfg);
	memset(&node, 0, sizeof node);
	cfg.redis.host = (char *)"127.0.0.1";
	cfg.redis.port = 1;
	cfg.redis.prefix = (char *)"noc:";
	cfg.redis.connect_timeout_ms = 100;
	cfg.redis.command_timeout_ms = 100;
	node.name = (char *)"gw1";
	cfg.nodes = &node;
	cfg.nnodes = 1;
	return &cfg;
}

static void
test_counts(void **state)
{
	struct config		*cfg = config_fake();
	struct policy_redis	 pr;
	long long		 c[VOLUME_NMETRICS] = { 1, 3, 2048, 0, 0 };
	long long		 zero[VOLUME_NMETRICS] = { 0 };
	long long		 t = 1800000000000LL;	/* a minute's start */

	(void)state;
	policy_redis_init(&pr, cfg, &cfg->nodes[0]);
	assert_string_equal(pr.permit_key, "noc:permit");
	assert_string_equal(pr.node_key, "noc:node:gw1");
	assert_false(policy_redis_pending(&pr));
	policy_redis_count(&pr, "dmv", zero, t);
	assert_false(policy_redis_pending(&pr));
	policy_redis_count(&pr, NULL, c, t);
	policy_redis_count(&pr, "", c, t);
	policy_redis_count(&pr, "bad|id", c, t);
	assert_false(policy_redis_pending(&pr));

	/* Same agency, same minute: one entry that adds up. */
	policy_redis_count(&pr, "dmv", c, t);
	policy_redis_count(&pr, "dmv", c, t + 59999);
	assert_int_equal(pr.ncounts, 1);
	assert_int_equal(pr.counts[0].n[VOLUME_MSGS], 2);
	assert_int_equal(pr.counts[0].n[VOLUME_RCPTS], 6);
	assert_int_equal(pr.counts[0].n[VOLUME_BYTES], 4096);
	assert_int_equal(pr.counts[0].minute, volume_minute(t));
	/* The next minute and another agency: entries of their own. */
	policy_redis_count(&pr, "dmv", c, t + 60000);
	policy_redis_count(&pr, "tax", c, t);
	assert_int_equal(pr.ncounts, 3);
	assert_true(policy_redis_pending(&pr));

	/* Redis cannot be reached: the counts stay for later. */
	{
		char cause[256];

		assert_int_equal(policy_redis_flush(&pr, cause, sizeof cause),
		    -1);
		assert_true(policy_redis_pending(&pr));
		assert_int_equal(pr.ncounts, 3);
	}
	policy_redis_free(&pr);
}

/* Lookups with Redis away: every one fails with the cause, none crash. */
static void
test_lookup_unreachable(void **state)
{
	struct config		*cfg = config_fake();
	struct policy_redis	 pr;
	struct policy_request	 req;
	struct policy_lookup	 l[3];
	char			 cause[256];
	size_t			 i;

	(void)state;
	policy_redis_init(&pr, cfg, &cfg->nodes[0]);
	policy_request_init(&req);
	req.request = (char *)"smtpd_access_policy";
	req.client_address = (char *)"127.0.1.30";
	memset(l, 0, sizeof l);
	for (i = 0; i < 3; i++)
		l[i].req = &req;
	assert_int_equal(policy_redis_lookup(&pr, l, 3, 1800000000000LL,
	    cause, sizeof cause), -1);
	for (i = 0; i < 3; i++) {
		assert_false(l[i].facts.redis_ok);
		assert_null(l[i].reply);
		assert_string_equal(l[i].cause, cause);
	}
	policy_redis_release(l, 3);
	policy_redis_free(&pr);
}

/* The script names the keys and fields keys.h defines. */
static void
test_script_keys(void **state)
{
	char	buf[64];

	(void)state;
	snprintf(buf, sizeof buf, KEY_AGENCY, "");
	assert_string_equal(buf, "agency:");
	snprintf(buf, sizeof buf, KEY_VOL_MINUTE, 0LL);
	assert_string_equal(buf, "vol:m:0");
	assert_non_null(strstr(policy_redis_script, "'agency:'"));
	assert_non_null(strstr(policy_redis_script, "'vol:m:'"));
	assert_non_null(strstr(policy_redis_script, "'|msgs'"));
	assert_non_null(strstr(policy_redis_script, "'|rcpts'"));
	assert_string_equal(volume_metric_name(VOLUME_MSGS), "msgs");
	assert_string_equal(volume_metric_name(VOLUME_RCPTS), "rcpts");
	assert_non_null(strstr(policy_redis_script, "'" BF_HITS "'"));
	assert_non_null(strstr(policy_redis_script, "'" AF_BULK_RCPTS "'"));
	assert_non_null(strstr(policy_redis_script, "'" NF_DRAIN "'"));
	/* 10 minutes of recipients: the bulk window. */
	assert_int_equal(VOLUME_BULK_MINUTES, 10);
	assert_non_null(strstr(policy_redis_script, "m - 9, m - 1"));
	snprintf(buf, sizeof buf, KEY_VOL_BULK, 0LL);
	assert_string_equal(buf, "vol:b:0");
	assert_non_null(strstr(policy_redis_script, "'vol:b:'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_permitted),
		cmocka_unit_test(test_parse_blocked),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_garbage_fails_open),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_lookup_unreachable),
		cmocka_unit_test(test_script_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
