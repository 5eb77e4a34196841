/* Unit tests of cluster health classification, one case per health. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/cluster.h"
#include "tests/unit/node_status.h"

#define NOW 1800000000LL

static struct node_status nodes[4];
static struct event events[4];

static struct node_status *
member(int i, const char *name, enum node_role role, enum node_state st,
    bool alive)
{
	struct node_status *n;

	n = node_status_set(&nodes[i], name, role == NODE_MAILBOX ? "mbx" :
	    "gw", role, st, alive);
	n->updated_at = NOW - 1;
	return n;
}

static void
role_change(int i, const char *node, const char *from, long long at)
{
	struct event *e = &events[i];

	memset(e, 0, sizeof *e);
	snprintf(e->type, sizeof e->type, "role_change");
	snprintf(e->node, sizeof e->node, "%s", node);
	snprintf(e->cluster, sizeof e->cluster, "mbx");
	snprintf(e->from, sizeof e->from, "%s", from);
	snprintf(e->to, sizeof e->to, "active");
	e->at = at;
}

static enum cluster_health
classify(enum node_role role, size_t n, size_t nev, char *reason)
{
	struct cluster_status c;
	size_t i;

	memset(&c, 0, sizeof c);
	snprintf(c.name, sizeof c.name, "%s", role == NODE_MAILBOX ? "mbx" : "gw");
	c.role = role;
	for (i = 0; i < n; i++)
		c.members[c.nmembers++] = &nodes[i];
	cluster_classify(&c, events, nev, NOW);
	snprintf(reason, 160, "%s", c.reason);
	return c.health;
}

static void
test_ok(void **state)
{
	char why[160];

	(void)state;
	member(0, "mbx1", NODE_MAILBOX, STATE_ACTIVE, true);
	member(1, "mbx2", NODE_MAILBOX, STATE_STANDBY, true);
	assert_int_equal(classify(NODE_MAILBOX, 2, 0, why), HEALTH_OK);
	assert_string_equal(why, "mbx1 active, 1 standby");
	/* An old failover is history, not news. */
	role_change(0, "mbx1", "standby", NOW - CLUSTER_FAILOVER_RECENT_S - 1);
	assert_int_equal(classify(NODE_MAILBOX, 2, 1, why), HEALTH_OK);
}

static void
test_degraded(void **state)
{
	char why[160];

	(void)state;
	member(0, "mbx1", NODE_MAILBOX, STATE_ACTIVE, true);
	member(1, "mbx2", NODE_MAILBOX, STATE_STANDBY, false);
	assert_int_equal(classify(NODE_MAILBOX, 2, 0, why), HEALTH_DEGRADED);
	assert_string_equal(why, "mbx2 is silent");
	member(1, "mbx2", NODE_MAILBOX, STATE_DRAINING, true);
	assert_int_equal(classify(NODE_MAILBOX, 2, 0, why), HEALTH_DEGRADED);
	assert_string_equal(why, "mbx2 is draining");
	/* A lone active node has nothing to fail over to. */
	assert_int_equal(classify(NODE_MAILBOX, 1, 0, why), HEALTH_DEGRADED);
	assert_string_equal(why, "no standby for mbx1");
	/* A reserve counts as a standby. */
	member(1, "mbx3", NODE_MAILBOX, STATE_RESERVE, true);
	assert_int_equal(classify(NODE_MAILBOX, 2, 0, why), HEALTH_OK);
}

static void
test_failed_over(void **state)
{
	char why[160];

	(void)state;
	member(0, "mbx1", NODE_MAILBOX, STATE_STANDBY, true);
	member(1, "mbx2", NODE_MAILBOX, STATE_ACTIVE, true);
	role_change(0, "mbx2", "standby", NOW - 30);
	assert_int_equal(classify(NODE_MAILBOX, 2, 1, why), HEALTH_FAILED_OVER);
	assert_string_equal(why, "mbx2 became active 30s ago, was standby");
	/* The event names another node than the one active now: not ours. */
	role_change(0, "mbx1", "standby", NOW - 30);
	assert_int_equal(classify(NODE_MAILBOX, 2, 1, why), HEALTH_OK);
}

static void
test_down(void **state)
{
	char why[160];

	(void)state;
	member(0, "mbx1", NODE_MAILBOX, STATE_ACTIVE, false);
	member(1, "mbx2", NODE_MAILBOX, STATE_STANDBY, true);
	assert_int_equal(classify(NODE_MAILBOX, 2, 0, why), HEALTH_DOWN);
	assert_string_equal(why, "no live node is active");
	member(1, "mbx2", NODE_MAILBOX, STATE_STANDBY, false);
	assert_int_equal(classify(NODE_MAILBOX, 2, 0, why), HEALTH_DOWN);
	assert_string_equal(why, "no node is alive");
}

static void
test_split_brain(void **state)
{
	char why[160];

	(void)state;
	member(0, "mbx1", NODE_MAILBOX, STATE_ACTIVE, true);
	member(1, "mbx2", NODE_MAILBOX, STATE_ACTIVE, true);
	role_change(0, "mbx2", "standby", NOW - 5);
	/* Split brain wins over a recent failover. */
	assert_int_equal(classify(NODE_MAILBOX, 2, 1, why), HEALTH_SPLIT_BRAIN);
	assert_string_equal(why, "mbx1 and mbx2 are both active");
}

static void
test_gateways(void **state)
{
	char why[160];

	(void)state;
	/* Gateways are all active: that is health, not split brain. */
	member(0, "gw1", NODE_GATEWAY, STATE_ACTIVE, true);
	member(1, "gw2", NODE_GATEWAY, STATE_ACTIVE, true);
	assert_int_equal(classify(NODE_GATEWAY, 2, 0, why), HEALTH_OK);
	assert_string_equal(why, "2 of 2 active");
	member(1, "gw2", NODE_GATEWAY, STATE_DRAINING, true);
	assert_int_equal(classify(NODE_GATEWAY, 2, 0, why), HEALTH_DEGRADED);
	member(0, "gw1", NODE_GATEWAY, STATE_ACTIVE, false);
	assert_int_equal(classify(NODE_GATEWAY, 2, 0, why), HEALTH_DOWN);
}

static void
test_collect(void **state)
{
	struct cluster_status out[4];
	struct snapshot s;

	(void)state;
	memset(&s, 0, sizeof s);
	member(0, "gw1", NODE_GATEWAY, STATE_ACTIVE, true);
	member(1, "mbx1", NODE_MAILBOX, STATE_ACTIVE, true);
	member(2, "gw2", NODE_GATEWAY, STATE_ACTIVE, false);
	member(3, "mbx2", NODE_MAILBOX, STATE_STANDBY, true);
	s.nodes = nodes;
	s.nnodes = 4;
	assert_int_equal(cluster_collect(&s, NOW, out, 4), 2);
	assert_string_equal(out[0].name, "gw");
	assert_int_equal(out[0].nmembers, 2);
	assert_int_equal(out[0].health, HEALTH_DEGRADED);
	assert_string_equal(out[1].name, "mbx");
	assert_int_equal(out[1].health, HEALTH_OK);
}

static void
test_worst(void **state)
{
	(void)state;
	/* The header and `status` agree on which health is worse. */
	assert_int_equal(cluster_health_worst(HEALTH_OK, HEALTH_FAILED_OVER),
	    HEALTH_FAILED_OVER);
	assert_int_equal(cluster_health_worst(HEALTH_FAILED_OVER,
	    HEALTH_DEGRADED), HEALTH_DEGRADED);
	assert_int_equal(cluster_health_worst(HEALTH_SPLIT_BRAIN,
	    HEALTH_DEGRADED), HEALTH_SPLIT_BRAIN);
	assert_int_equal(cluster_health_worst(HEALTH_SPLIT_BRAIN, HEALTH_DOWN),
	    HEALTH_DOWN);
	assert_int_equal(cluster_health_worst(HEALTH_DOWN, HEALTH_OK),
	    HEALTH_DOWN);
}

/* The phrase the console shows for a gateway's policy service. */
static void
test_policy_text(void **state)
{
	struct node_status n;
	char buf[64];

	(void)state;
	memset(&n, 0, sizeof n);
	n.policy_copy_age = -1;
	assert_string_equal(node_policy_text(&n, buf, sizeof buf), "");
	snprintf(n.policy, sizeof n.policy, "redis");
	n.policy_copy_age = 1;
	assert_string_equal(node_policy_text(&n, buf, sizeof buf), "");
	n.policy_copy_age = 7200;
	assert_string_equal(node_policy_text(&n, buf, sizeof buf),
	    "policy copy stale 2h");
	snprintf(n.policy, sizeof n.policy, "copy");
	n.policy_copy_age = 720;
	assert_string_equal(node_policy_text(&n, buf, sizeof buf),
	    "policy from copy 12m old");
	snprintf(n.policy, sizeof n.policy, "fail-action");
	assert_string_equal(node_policy_text(&n, buf, sizeof buf),
	    "policy FAIL ACTION");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_policy_text),
		cmocka_unit_test(test_degraded),
		cmocka_unit_test(test_failed_over),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_split_brain),
		cmocka_unit_test(test_gateways),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_worst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
