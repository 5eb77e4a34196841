/* Unit tests of the mail log figures the console and batch mode show:
 * providers, agencies' bounces, harvest suspects, retention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/maillog_report.h"

#define NOW 1800000000LL

static const struct ml_provider *
find(const struct ml_providers *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

/* Two minutes of fields as HGETALL returns them, summed. */
static void
test_providers_sum(void **state)
{
	struct ml_providers p;
	struct delay_rule rule;
	const struct ml_provider *v;

	(void)state;
	ml_providers_init(&p, 3600);
	ml_providers_add(&p, "accept.test|delivered", 8);
	ml_providers_add(&p, "accept.test|d0", 8);
	ml_providers_add(&p, "accept.test|delay_ms", 4000);
	ml_providers_add(&p, "accept.test|delivered", 2);
	ml_providers_add(&p, "accept.test|d3", 2);
	ml_providers_add(&p, "yahoo.test|deferred", 12);
	ml_providers_add(&p, "yahoo.test|def_throttle", 12);
	ml_providers_add(&p, "@Yahoo|deferred", 12);
	ml_providers_add(&p, "@Yahoo|def_throttle", 12);
	ml_providers_add(&p, "bouncy.test|bounced", 5);
	ml_providers_add(&p, "dead.test|deferred", 3);
	ml_providers_add(&p, "dead.test|def_connection", 3);
	/* Not fields of the scope: ignored, never a crash. */
	ml_providers_add(&p, "nobar", 7);
	ml_providers_add(&p, "|delivered", 7);
	ml_providers_add(&p, "x.test|def_nosuch", 7);
	ml_providers_add(&p, "x.test|d99", 7);
	ml_providers_add(&p, "x.test|d1x", 7);
	ml_providers_add(&p, "x.test|delivered", -3);
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);

	assert_int_equal(p.n, 5);
	assert_null(find(&p, "x.test"));
	v = find(&p, "accept.test");
	assert_non_null(v);
	assert_int_equal(v->delivered, 10);
	assert_int_equal(v->hist[0], 8);
	assert_int_equal(v->hist[3], 2);
	/* 95 % of 10 is reached in bucket 3: up to 10 s. */
	assert_int_equal(v->p95, 10);
	assert_false(v->throttled);
	assert_string_equal(ml_provider_state(v), "ok");

	v = find(&p, "@Yahoo");
	assert_non_null(v);
	assert_true(v->group);
	assert_true(v->throttled);
	assert_int_equal(v->p95, -1);
	assert_string_equal(ml_provider_state(v), "THROTTLED");

	/* Throttled first (the group, then its domain: same figures, by
	 * name), then the most trouble, then volume. */
	assert_string_equal(p.v[0].name, "@Yahoo");
	assert_string_equal(p.v[1].name, "yahoo.test");
	assert_true(p.v[1].throttled);
	assert_string_equal(p.v[4].name, "accept.test");
	v = find(&p, "bouncy.test");
	assert_true(ml_provider_bounced_pct(v) > 99.9);
	assert_string_equal(ml_provider_state(v), "bouncing");
	v = find(&p, "dead.test");
	assert_false(v->throttled);
	assert_string_equal(ml_provider_state(v), "deferring");
	assert_int_equal(v->def[DELAY_CONNECT], 3);
	assert_int_equal(v->reput, 0);
	ml_providers_free(&p);
}

/* Reputation refusals: counts summed over minutes, the newest minute's
 * reason kept (read first), sanitized; in the JSON. */
static void
test_providers_reputation(void **state)
{
	struct ml_providers p;
	struct delay_rule rule;
	const struct ml_provider *v;
	json_t *o;

	(void)state;
	ml_providers_init(&p, 3600);
	ml_providers_add(&p, "bouncy.test|bounced", 4);
	ml_providers_add(&p, "bouncy.test|rep", 2);
	ml_providers_reason(&p, "bouncy.test|rep_reason", "554 5.7.1 blocked "
	    "using bl.example \x1b[31m");
	ml_providers_add(&p, "bouncy.test|rep", 1);
	ml_providers_reason(&p, "bouncy.test|rep_reason", "older");
	ml_providers_reason(&p, "bouncy.test|reason", "not this field");
	ml_providers_reason(&p, "|rep_reason", "no name");
	ml_providers_reason(&p, "accept.test|rep_reason", "");
	ml_providers_add(&p, "accept.test|delivered", 3);
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);
	assert_int_equal(p.n, 2);
	v = find(&p, "bouncy.test");
	assert_int_equal(v->reput, 3);
	assert_string_equal(v->rep_reason,
	    "554 5.7.1 blocked using bl.example \\x1b[31m");
	o = ml_provider_json(v);
	assert_int_equal(json_integer_value(json_object_get(o, "reputation")),
	    3);
	assert_string_equal(json_string_value(json_object_get(o,
	    "reputation_reason")), v->rep_reason);
	json_decref(o);
	v = find(&p, "accept.test");
	assert_int_equal(v->reput, 0);
	o = ml_provider_json(v);
	assert_true(json_is_null(json_object_get(o, "reputation_reason")));
	json_decref(o);
	ml_providers_free(&p);
}

/* Five throttle deferrals are under the rule's sample of ten: a deferring
 * provider, not a throttled one (core/delay.c's rule, as for the queue). */
static void
test_providers_rule(void **state)
{
	struct ml_providers p;
	struct delay_rule rule;

	(void)state;
	ml_providers_init(&p, 3600);
	ml_providers_add(&p, "yahoo.test|deferred", 5);
	ml_providers_add(&p, "yahoo.test|def_throttle", 5);
	ml_providers_add(&p, "big.test|deferred", 1000);
	ml_providers_add(&p, "big.test|def_throttle", 100);
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);
	assert_false(find(&p, "yahoo.test")->throttled);
	/* A hundred are throttling on their own. */
	assert_true(find(&p, "big.test")->throttled);
	assert_string_equal(p.v[0].name, "big.test");
	ml_providers_free(&p);
}

/* Counts from Redis beyond any real one (found by fuzz_maillog_report):
 * saturated, never an overflow in the sums and shares. */
static void
test_providers_huge(void **state)
{
	struct ml_providers p;
	struct delay_rule rule;

	(void)state;
	ml_providers_init(&p, 3600);
	ml_providers_add(&p, "a.test|delivered", 9223372036854775807LL);
	ml_providers_add(&p, "a.test|delivered", 9223372036854775807LL);
	ml_providers_add(&p, "a.test|bounced", 9223372036854775807LL);
	ml_providers_add(&p, "b.test|deferred", 1);
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);
	assert_int_equal(find(&p, "a.test")->delivered, 1000000000000000LL);
	assert_true(ml_provider_bounced_pct(find(&p, "a.test")) > 49.9 &&
	    ml_provider_bounced_pct(find(&p, "a.test")) < 50.1);
	ml_providers_free(&p);
}

static void
test_provider_json(void **state)
{
	struct ml_providers p;
	struct delay_rule rule;
	json_t *o;

	(void)state;
	ml_providers_init(&p, 3600);
	ml_providers_add(&p, "@Yahoo|delivered", 3);
	ml_providers_add(&p, "@Yahoo|deferred", 1);
	ml_providers_add(&p, "@Yahoo|def_throttle", 1);
	ml_providers_add(&p, "@Yahoo|delay_ms", 3000);
	ml_providers_add(&p, "@Yahoo|d1", 3);
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);
	o = ml_provider_json(&p.v[0]);
	assert_string_equal(json_string_value(json_object_get(o, "name")),
	    "Yahoo");
	assert_true(json_is_true(json_object_get(o, "group")));
	assert_int_equal(json_integer_value(json_object_get(o, "delivered")),
	    3);
	assert_true(json_real_value(json_object_get(o, "deferred_pct")) > 24.9);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "p95_delay_s")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o,
	    "deferrals_by_class"), "throttle")), 1);
	assert_true(json_is_null(json_object_get(o, "queued")));
	json_decref(o);
	ml_providers_free(&p);
}

static void
test_agencies(void **state)
{
	struct ml_agencies a;
	const struct ml_agency *g;

	(void)state;
	ml_agencies_init(&a);
	ml_agencies_add(&a, "lab|accept.test|delivered", 15);
	ml_agencies_add(&a, "lab|bouncy.test|bounced", 3);
	ml_agencies_add(&a, "lab|bouncy.test|invalid", 3);
	ml_agencies_add(&a, "lab|yahoo.test|bounced", 1);
	ml_agencies_add(&a, "lab|big.test|bounced", 6);
	ml_agencies_add(&a, "lab|yahoo.test|deferred", 4);
	ml_agencies_add(&a, "dmv|accept.test|delivered", 2);
	/* Not fields of the scope. */
	ml_agencies_add(&a, "lab|delivered", 9);
	ml_agencies_add(&a, "nobar", 9);
	ml_agencies_add(&a, "|x.test|delivered", 9);
	assert_int_equal(a.n, 2);
	g = ml_agencies_find(&a, "lab");
	assert_non_null(g);
	assert_int_equal(g->delivered, 15);
	assert_int_equal(g->bounced, 10);
	assert_int_equal(g->invalid, 3);
	assert_int_equal(g->deferred, 4);
	/* 3 invalid of 25 with an outcome. */
	assert_true(ml_agency_invalid_pct(g) > 11.9 &&
	    ml_agency_invalid_pct(g) < 12.1);
	assert_true(ml_agency_bounced_pct(g) > 39.9);
	assert_int_equal(g->ntop, 3);
	assert_string_equal(g->top[0].domain, "big.test");
	assert_string_equal(g->top[1].domain, "bouncy.test");
	assert_int_equal(g->top[1].invalid, 3);
	assert_string_equal(g->top[2].domain, "yahoo.test");
	g = ml_agencies_find(&a, "dmv");
	assert_int_equal(ml_agency_invalid_pct(g) * 100, 0);
	assert_int_equal(g->ntop, 0);
	assert_null(ml_agencies_find(&a, "nosuch"));
	/* Reasons: text, not counts; sanitized again; odd fields ignored. */
	ml_agencies_add(&a, "new|bouncy.test|reason", 0);
	assert_null(ml_agencies_find(&a, "new"));
	ml_agencies_reason(&a, "lab|bouncy.test|reason", "550 5.1.1 no\x1b");
	ml_agencies_reason(&a, "lab|bouncy.test|bounced", "3");
	ml_agencies_reason(&a, "lab|reason", "x");
	ml_agencies_reason(&a, "|x.test|reason", "x");
	assert_int_equal(a.nreasons, 1);
	assert_string_equal(ml_agencies_reason_of(&a, "lab", "bouncy.test"),
	    "550 5.1.1 no\\x1b");
	assert_null(ml_agencies_reason_of(&a, "lab", "big.test"));
	assert_null(ml_agencies_reason_of(&a, "dmv", "bouncy.test"));
	ml_agencies_free(&a);
}

/* More bounced providers than kept: the most bounced stay. */
static void
test_agency_top(void **state)
{
	struct ml_agencies a;
	char f[64];
	int i;

	(void)state;
	ml_agencies_init(&a);
	for (i = 1; i <= ML_AGENCY_TOP + 3; i++) {
		snprintf(f, sizeof f, "lab|d%d.test|bounced", i);
		ml_agencies_add(&a, f, i);
	}
	assert_int_equal(a.v[0].ntop, ML_AGENCY_TOP);
	assert_string_equal(a.v[0].top[0].domain, "d8.test");
	assert_int_equal(a.v[0].top[ML_AGENCY_TOP - 1].bounced, 4);
	assert_int_equal(a.v[0].bounced, 36);
	ml_agencies_free(&a);
}

static void
suspect(struct ml_suspect *s, const char *ip, long long count,
    long long last, bool blocked)
{
	memset(s, 0, sizeof *s);
	snprintf(s->ip, sizeof s->ip, "%s", ip);
	s->count = count;
	s->first_seen = last - 60;
	s->last_seen = last;
	s->blocked = blocked;
}

static void
test_suspects(void **state)
{
	struct ml_suspect v[5];
	char buf[256];
	json_t *o;

	(void)state;
	memset(&v[0], 0, sizeof v[0]);
	ml_suspect_field(&v[0], "count", "25");
	ml_suspect_field(&v[0], "first_seen", "1799999000");
	ml_suspect_field(&v[0], "last_seen", "1799999900");
	ml_suspect_field(&v[0], "node", "gw1");
	ml_suspect_field(&v[0], "sample1", "admin@inbound.test");
	ml_suspect_field(&v[0], "sample2", "info@inbound.test");
	ml_suspect_field(&v[0], "sample9", "no@inbound.test");
	ml_suspect_field(&v[0], "samplex", "no@inbound.test");
	ml_suspect_field(&v[0], "other", "x");
	snprintf(v[0].ip, sizeof v[0].ip, "127.0.3.66");
	assert_int_equal(v[0].count, 25);
	assert_int_equal(v[0].first_seen, 1799999000LL);
	assert_string_equal(v[0].node, "gw1");
	assert_int_equal(v[0].nsamples, 2);
	assert_string_equal(v[0].samples[1], "info@inbound.test");

	assert_int_equal(ml_suspects_active(v, 1, NOW, 3600), 1);
	ml_suspects_alert(v, 1, NOW, 3600, buf, sizeof buf);
	assert_string_equal(buf, "harvest suspect 127.0.3.66 (25 unknown "
	    "recipients)");
	o = ml_suspect_json(&v[0]);
	assert_int_equal(json_array_size(json_object_get(o, "samples")), 2);
	assert_true(json_is_false(json_object_get(o, "blocked")));
	json_decref(o);

	/* Blocked, or seen too long ago: no alert. */
	suspect(&v[1], "127.0.3.67", 30, NOW - 10, true);
	suspect(&v[2], "127.0.3.68", 30, NOW - 7200, false);
	ml_suspects_alert(v + 1, 2, NOW, 3600, buf, sizeof buf);
	assert_string_equal(buf, "");
	assert_int_equal(ml_suspects_active(v, 3, NOW, 3600), 1);

	suspect(&v[3], "127.0.3.69", 21, NOW - 5, false);
	suspect(&v[4], "127.0.3.70", 22, NOW - 5, false);
	ml_suspects_alert(v, 5, NOW, 3600, buf, sizeof buf);
	assert_string_equal(buf, "3 harvest suspects: 127.0.3.66, 127.0.3.69, "
	    "127.0.3.70");
	/* A small buffer is cut, never overrun. */
	ml_suspects_alert(v, 5, NOW, 3600, buf, 12);
	assert_int_equal(strlen(buf), 11);
}

static void
test_retention(void **state)
{
	struct node_status n[3];
	struct snapshot s;
	char buf[256];

	(void)state;
	memset(&s, 0, sizeof s);
	memset(n, 0, sizeof n);
	snprintf(n[0].name, sizeof n[0].name, "gw1");
	n[0].log_age = 61L * 86400;
	snprintf(n[1].name, sizeof n[1].name, "gw2");
	n[1].log_age = 3L * 86400 + 5;
	snprintf(n[2].name, sizeof n[2].name, "mbx1");
	n[2].log_age = -1;
	s.nodes = n;
	s.nnodes = 3;
	assert_int_equal(ml_retention_line(&s, buf, sizeof buf), 1);
	assert_string_equal(buf, "mail log kept: gw1 61d, gw2 3d; fewer than "
	    "60 days on gw2");
	assert_false(ml_retention_short(60L * 86400, 60));
	assert_true(ml_retention_short(60L * 86400 - 1, 60));
	assert_false(ml_retention_short(-1, 60));
	n[1].log_age = 60L * 86400;
	assert_int_equal(ml_retention_line(&s, buf, sizeof buf), 0);
	assert_string_equal(buf, "mail log kept: gw1 61d, gw2 60d");
	n[0].log_age = n[1].log_age = -1;
	assert_int_equal(ml_retention_line(&s, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_providers_sum),
		cmocka_unit_test(test_providers_reputation),
		cmocka_unit_test(test_providers_rule),
		cmocka_unit_test(test_providers_huge),
		cmocka_unit_test(test_provider_json),
		cmocka_unit_test(test_agencies),
		cmocka_unit_test(test_agency_top),
		cmocka_unit_test(test_suspects),
		cmocka_unit_test(test_retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
