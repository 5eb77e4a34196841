/* Unit tests of the role mailboxes: doveadm's output, the heartbeat field,
 * the node that reports them and the role-mailbox alert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alert.h"
#include "core/role_mailbox.h"
#include "node_status.h"

static void
test_fetch(void **state)
{
	struct role_mbx m;

	(void)state;
	assert_int_equal(role_mbx_parse_fetch("date.received.unixtime\n"
	    "1700003600\n1700000000\n1700007200\n", &m), 0);
	assert_int_equal(m.unread, 3);
	assert_int_equal(m.oldest, 1700000000);
	/* Nothing unread: the header only. */
	assert_int_equal(role_mbx_parse_fetch("date.received.unixtime\n", &m),
	    0);
	assert_int_equal(m.unread, 0);
	assert_int_equal(m.oldest, 0);
	/* Not doveadm's tab output, or a value cut short: refused. */
	assert_int_equal(role_mbx_parse_fetch("", &m), -1);
	assert_int_equal(role_mbx_parse_fetch("date.received\n2023-11-14\n",
	    &m), -1);
	assert_int_equal(role_mbx_parse_fetch("date.received.unixtime\n17x\n",
	    &m), -1);
}

static void
test_field(void **state)
{
	struct role_mbx v[2] = {
		{ "abuse", 3, 1700000000 }, { "postmaster", -1, 0 },
	}, back[ROLE_MBX_MAX];
	char out[ROLE_MBX_FIELD_MAX];

	(void)state;
	assert_int_equal(role_mbx_format(v, 2, out, sizeof out),
	    (int)strlen("abuse 3 1700000000,postmaster -1 0"));
	assert_string_equal(out, "abuse 3 1700000000,postmaster -1 0");
	assert_int_equal(role_mbx_parse(out, back, ROLE_MBX_MAX), 2);
	assert_string_equal(back[0].user, "abuse");
	assert_int_equal(back[0].unread, 3);
	assert_int_equal(back[0].oldest, 1700000000);
	assert_int_equal(back[1].unread, -1);
	assert_int_equal(role_mbx_format(v, 2, out, 10), -1);
	assert_int_equal(role_mbx_parse("", back, ROLE_MBX_MAX), 0);
	/* What Redis holds is checked where it enters. */
	assert_int_equal(role_mbx_parse("abuse 3", back, ROLE_MBX_MAX), -1);
	assert_int_equal(role_mbx_parse("ab/use 3 0", back, ROLE_MBX_MAX), -1);
	assert_int_equal(role_mbx_parse("abuse x 0", back, ROLE_MBX_MAX), -1);
	assert_int_equal(role_mbx_parse("abuse 3 0,", back, ROLE_MBX_MAX), -1);
	assert_int_equal(role_mbx_parse("abuse\x1b 3 0", back, ROLE_MBX_MAX),
	    -1);
}

static void
test_text(void **state)
{
	struct role_mbx m = { "abuse", 3, 1000 };
	char buf[128];

	(void)state;
	assert_string_equal(role_mbx_text(&m, 1000 + 7800, buf, sizeof buf),
	    "abuse@ 3 unread, oldest 2h 10m");
	m.unread = 0;
	assert_string_equal(role_mbx_text(&m, 5000, buf, sizeof buf),
	    "abuse@ 0 unread");
	m.unread = -1;
	assert_string_equal(role_mbx_text(&m, 5000, buf, sizeof buf),
	    "abuse@ not readable");
}

/* The active mailbox node's report; the alert past the limit only. */
static void
test_alert(void **state)
{
	struct node_status nodes[3];
	struct snapshot s;
	struct alert_raise a[8];
	long long now = 1700000000;
	size_t n;

	(void)state;
	memset(&s, 0, sizeof s);
	node_status_set(&nodes[0], "gw1", "gw", NODE_GATEWAY, STATE_ACTIVE,
	    true);
	node_status_set(&nodes[1], "mbx2", "mbx", NODE_MAILBOX, STATE_STANDBY,
	    true);
	node_status_set(&nodes[2], "mbx1", "mbx", NODE_MAILBOX, STATE_ACTIVE,
	    true);
	s.nodes = nodes;
	s.nnodes = 3;
	assert_null(role_mbx_node(&s));
	assert_int_equal(alert_rules_role_mailbox(&s, now, 14400, a, 8, 0),
	    0);
	/* A standby's stale report loses to the active's. */
	snprintf(nodes[1].role_mbx, sizeof nodes[1].role_mbx,
	    "abuse 9 %lld", now - 99999);
	snprintf(nodes[2].role_mbx, sizeof nodes[2].role_mbx,
	    "abuse 2 %lld,postmaster 1 %lld,hostmaster 0 0", now - 14401,
	    now - 14400);
	assert_ptr_equal(role_mbx_node(&s), &nodes[2]);
	n = alert_rules_role_mailbox(&s, now, 14400, a, 8, 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, ALERT_ROLE_MAILBOX);
	assert_string_equal(a[0].subject, "abuse");
	assert_int_equal(a[0].severity, ALERT_WARNING);
	assert_non_null(strstr(a[0].text, "abuse@ 2 unread, oldest 4h"));
	assert_non_null(strstr(a[0].text, "on mbx1"));
	assert_int_equal(alert_kind_find("role-mailbox"), ALERT_ROLE_MAILBOX);
	/* A silent active node: the standby's report is what there is. */
	nodes[2].alive = false;
	assert_ptr_equal(role_mbx_node(&s), &nodes[1]);
}

/* A substantial delay: the gateways' counts add up; more than the limit. */
static void
test_agency_delay(void **state)
{
	struct node_status nodes[3];
	struct snapshot s;
	struct alert_raise a[8];
	long long now = 1700000000;
	size_t n;

	(void)state;
	memset(&s, 0, sizeof s);
	node_status_set(&nodes[0], "gw1", "gw", NODE_GATEWAY, STATE_ACTIVE,
	    true);
	node_status_set(&nodes[1], "gw2", "gw", NODE_GATEWAY, STATE_ACTIVE,
	    true);
	node_status_set(&nodes[2], "gw3", "gw", NODE_GATEWAY, STATE_ACTIVE,
	    false);
	s.nodes = nodes;
	s.nnodes = 3;
	snprintf(nodes[0].agency_delay, sizeof nodes[0].agency_delay,
	    "dmv 60 %lld,tax 100 %lld", now - 3600, now - 2000);
	snprintf(nodes[1].agency_delay, sizeof nodes[1].agency_delay,
	    "dmv 41 %lld", now - 7200);
	/* A silent gateway's figures are old: left out. */
	snprintf(nodes[2].agency_delay, sizeof nodes[2].agency_delay,
	    "tax 500 %lld", now - 9000);
	n = alert_rules_agency_delay(&s, now, 100, 30, a, 8, 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, ALERT_AGENCY_DELAY);
	assert_string_equal(a[0].subject, "dmv");
	assert_string_equal(a[0].text, "agency dmv: 101 messages deferred for "
	    "more than 30 min, the oldest 2h: notify dmv --about delay");
	/* Exactly the limit is not more than it. */
	n = alert_rules_agency_delay(&s, now, 101, 30, a, 8, 0);
	assert_int_equal(n, 0);
	assert_int_equal(alert_kind_find("agency-delay"), ALERT_AGENCY_DELAY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_alert),
		cmocka_unit_test(test_agency_delay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
