/* Unit tests of the messages queued per provider: the heartbeat's q_domains
 * text both ways, the top a node publishes, the sum the console shows and
 * the provider-throttled alert rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/alert.h"
#include "core/maillog_report.h"
#include "core/queued.h"

static struct queued_entry
entry(const char *name, long queued, long deferred, long throttle)
{
	struct queued_entry e;

	memset(&e, 0, sizeof e);
	snprintf(e.name, sizeof e.name, "%s", name);
	e.queued = queued;
	e.deferred = deferred;
	e.by_class[DELAY_THROTTLE] = throttle;
	e.by_class[DELAY_CONNECT] = deferred - throttle;
	return e;
}

static void
test_round_trip(void **state)
{
	struct queued_list l, back;
	struct queued_entry e = entry("yahoo.test", 12, 10, 7);
	const struct queued_entry *b;
	char cause[256] = "";
	char *s;

	(void)state;
	queued_list_init(&l);
	queued_list_append(&l, &e);
	e = entry("@Yahoo", 12, 10, 7);
	queued_list_append(&l, &e);
	s = queued_encode(&l);
	assert_string_equal(s, "1 yahoo.test:12:10:0,7,3,0,0,0,0 "
	    "@Yahoo:12:10:0,7,3,0,0,0,0");
	assert_int_equal(queued_decode(s, &back, cause, sizeof cause), 0);
	assert_int_equal(back.n, 2);
	assert_non_null(b = queued_list_find(&back, "@Yahoo"));
	assert_int_equal(b->queued, 12);
	assert_int_equal(b->deferred, 10);
	assert_int_equal(b->by_class[DELAY_THROTTLE], 7);
	assert_int_equal(b->by_class[DELAY_CONNECT], 3);
	free(s);
	queued_list_free(&back);
	queued_list_free(&l);

	/* Nothing queued: the version alone. */
	queued_list_init(&l);
	s = queued_encode(&l);
	assert_string_equal(s, "1");
	assert_int_equal(queued_decode(s, &back, cause, sizeof cause), 0);
	assert_int_equal(back.n, 0);
	free(s);
}

static void
test_decode_refuses(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "not version 1" },
		{ "2 a.test:1:0:0,0,0,0,0,0,0", "not version 1" },
		{ "1a.test:1:0:0,0,0,0,0,0,0", "not version 1" },
		{ "1 a.test", "has no counts" },
		{ "1 A.test:1:0:0,0,0,0,0,0,0", "not a domain" },
		{ "1 a;b:1:0:0,0,0,0,0,0,0", "not a domain" },
		{ "1 @bad group:1:0:0,0,0,0,0,0,0", "has no counts" },
		{ "1 @:1:0:0,0,0,0,0,0,0", "not a domain or @group" },
		{ "1 a.test:x:0:0,0,0,0,0,0,0", "not a number" },
		{ "1 a.test:-1:0:0,0,0,0,0,0,0", "not a number" },
		{ "1 a.test:01:0:0,0,0,0,0,0,0", "not a number" },
		{ "1 a.test:99999999999:0:0,0,0,0,0,0,0", "not a number" },
		{ "1 a.test:1:0:0,0,0,0,0,0", "7 class counts" },
		{ "1 a.test:1:0:0,0,0,0,0,0,0,0", "7 class counts" },
		{ "1 a.test:1:2:0,2,0,0,0,0,0", "more deferred than queued" },
		{ "1 a.test:3:2:0,1,0,0,0,0,0", "do not sum" },
		{ "1 a.test:1:0:0,0,0,0,0,0,0 a.test:1:0:0,0,0,0,0,0,0",
		    "comes twice" },
	};
	struct queued_list l;
	char cause[256], *big;
	size_t i, off;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause[0] = '\0';
		assert_int_equal(queued_decode(bad[i].in, &l, cause,
		    sizeof cause), -1);
		if (strstr(cause, bad[i].why) == NULL)
			fail_msg("'%s': cause '%s' lacks '%s'", bad[i].in, cause,
			    bad[i].why);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
	}
	/* 51 domains: more than a node publishes. */
	big = malloc(4096);
	off = (size_t)snprintf(big, 4096, "1");
	for (i = 0; i < QUEUED_TOP + 1; i++)
		off += (size_t)snprintf(big + off, 4096 - off,
		    " d%zu.test:1:0:0,0,0,0,0,0,0", i);
	assert_int_equal(queued_decode(big, &l, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "more domains"));
	free(big);
	/* Longer than the limit. */
	big = malloc(QUEUED_VALUE_MAX + 10);
	memset(big, ' ', QUEUED_VALUE_MAX + 9);
	big[0] = '1';
	big[QUEUED_VALUE_MAX + 9] = '\0';
	assert_int_equal(queued_decode(big, &l, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "longer"));
	free(big);
}

static const char *
lab_group(void *arg, const char *domain)
{
	(void)arg;
	if (strcmp(domain, "yahoo.test") == 0 ||
	    strcmp(domain, "ymail.test") == 0)
		return "Yahoo";
	return NULL;
}

static void
test_top(void **state)
{
	struct queued_list all, top;
	struct queued_entry e;
	const struct queued_entry *g;
	char name[32];
	size_t i;

	(void)state;
	queued_list_init(&all);
	/* 60 domains with 100..41 messages; ymail.test is the smallest, out
	 * of the top, yet its group counts it. */
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof name, "d%02zu.test", i);
		e = entry(name, (long)(100 - i), 0, 0);
		queued_list_append(&all, &e);
	}
	e = entry("yahoo.test", 70, 70, 70);
	queued_list_append(&all, &e);
	e = entry("ymail.test", 1, 1, 1);
	queued_list_append(&all, &e);
	/* Unreadable recipients are not published. */
	e = entry("", 500, 0, 0);
	queued_list_append(&all, &e);
	queued_list_top(&all, lab_group, NULL, &top);
	assert_int_equal(top.n, QUEUED_TOP + 1);
	assert_string_equal(top.v[0].name, "d00.test");
	assert_null(queued_list_find(&top, ""));
	assert_non_null(queued_list_find(&top, "yahoo.test"));
	assert_null(queued_list_find(&top, "ymail.test"));
	assert_null(queued_list_find(&top, "d59.test"));
	assert_non_null(g = queued_list_find(&top, "@Yahoo"));
	assert_string_equal(top.v[top.n - 1].name, "@Yahoo");
	assert_int_equal(g->queued, 71);
	assert_int_equal(g->by_class[DELAY_THROTTLE], 71);
	queued_list_free(&top);
	queued_list_free(&all);
}

static void
test_domain_of(void **state)
{
	char d[QUEUED_NAME_MAX];

	(void)state;
	assert_int_equal(queued_domain_of("u1@Yahoo.TEST", d, sizeof d), 0);
	assert_string_equal(d, "yahoo.test");
	assert_int_equal(queued_domain_of("\"a@b\"@x.test.", d, sizeof d), 0);
	assert_string_equal(d, "x.test");
	assert_int_equal(queued_domain_of("postmaster", d, sizeof d), 0);
	assert_string_equal(d, "");
	assert_int_equal(queued_domain_of("u@[127.0.0.1]", d, sizeof d), 0);
	assert_string_equal(d, "[127.0.0.1]");
	assert_int_equal(queued_domain_of("u@bad domain", d, sizeof d), -1);
	assert_string_equal(d, "");
	assert_int_equal(queued_domain_of("u@", d, sizeof d), -1);
	assert_int_equal(queued_domain_of("u@x.test", d, 4), -1);
}

/* The console's sum: two gateways' values into the providers. */
static void
test_providers_sum(void **state)
{
	const char *gw1 = "1 yahoo.test:6:6:0,6,0,0,0,0,0 "
	    "dead.test:2:2:0,0,2,0,0,0,0 @Yahoo:6:6:0,6,0,0,0,0,0";
	const char *gw2 = "1 yahoo.test:5:4:0,4,0,0,0,0,0 "
	    "@Yahoo:5:4:0,4,0,0,0,0,0";
	struct queued_list sum, one;
	struct ml_providers p;
	char cause[128];
	size_t i, k;

	(void)state;
	queued_list_init(&sum);
	for (k = 0; k < 2; k++) {
		assert_int_equal(queued_decode(k ? gw2 : gw1, &one, cause,
		    sizeof cause), 0);
		for (i = 0; i < one.n; i++)
			queued_list_add(&sum, &one.v[i]);
		queued_list_free(&one);
	}
	ml_providers_init(&p, 3600);
	ml_providers_add(&p, "accept.test|delivered", 40);
	ml_providers_add(&p, "yahoo.test|deferred", 11);
	/* Not known: queued stays unknown. */
	ml_providers_queued(&p, &sum, false);
	assert_int_equal(p.v[0].queued, -1);
	ml_providers_queued(&p, &sum, true);
	for (i = 0; i < p.n; i++) {
		const struct ml_provider *v = &p.v[i];

		if (strcmp(v->name, "accept.test") == 0)
			assert_int_equal(v->queued, 0);
		else if (strcmp(v->name, "yahoo.test") == 0) {
			assert_int_equal(v->queued, 11);
			assert_int_equal(v->queued_deferred, 10);
			assert_int_equal(v->queued_class[DELAY_THROTTLE], 10);
		} else if (strcmp(v->name, "@Yahoo") == 0) {
			assert_true(v->group);
			assert_int_equal(v->queued, 11);
		} else if (strcmp(v->name, "dead.test") == 0) {
			/* Queued, no log counters: listed all the same. */
			assert_int_equal(v->queued, 2);
			assert_int_equal(v->delivered, 0);
		} else
			fail_msg("unexpected provider '%s'", v->name);
	}
	assert_int_equal(p.n, 4);
	ml_providers_free(&p);

	/* The alert rule on the same sum: the group, not its domain. */
	struct alert_raise a[8];
	size_t n;

	n = alert_rules_throttled(&sum, 10, lab_group, NULL, a, 8, 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, ALERT_PROVIDER_THROTTLED);
	assert_string_equal(a[0].subject, "Yahoo");
	assert_int_equal(a[0].severity, ALERT_WARNING);
	assert_string_equal(a[0].text, "throttling: group Yahoo: 10 messages "
	    "deferred for throttling (11 queued)");
	assert_string_equal(alert_kinds[a[0].kind].name, "provider-throttled");
	/* Below the threshold: nothing. */
	assert_int_equal(alert_rules_throttled(&sum, 11, lab_group, NULL, a,
	    8, 0), 0);
	/* Without groups, the domain itself; connection trouble never. */
	n = alert_rules_throttled(&sum, 2, NULL, NULL, a, 8, 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].subject, "yahoo.test");
	assert_string_equal(a[0].text, "throttling: yahoo.test: 10 messages "
	    "deferred for throttling (11 queued)");
	assert_string_equal(a[1].subject, "Yahoo");
	queued_list_free(&sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_domain_of),
		cmocka_unit_test(test_providers_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
