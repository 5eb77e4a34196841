/* Unit tests of the alert model: rules, records, silences, check states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alert.h"
#include "core/bulk.h"
#include "tests/unit/node_status.h"

#define NOW 1800000000LL

static struct node_status nodes[4];

static void
node(int i, const char *name, const char *cluster, enum node_role role,
    enum node_state st, bool alive)
{
	struct node_status *n;
	int q;

	n = node_status_set(&nodes[i], name, cluster, role, st, alive);
	n->configured = true;
	n->updated_at = alive ? NOW - 1 : NOW - 90;
	for (q = 0; q < Q_COUNT; q++)
		n->queue[q] = role == NODE_GATEWAY ? 0 : -1;
	n->oldest_age = -1;
}

static struct snapshot
snap(size_t n)
{
	struct snapshot s;

	memset(&s, 0, sizeof s);
	s.nodes = nodes;
	s.nnodes = n;
	return s;
}

static const struct alert_raise *
find(const struct alert_raise *a, size_t n, enum alert_kind k,
    const char *subject)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].kind == k && strcmp(a[i].subject, subject) == 0)
			return &a[i];
	}
	return NULL;
}

static void
test_all_well(void **state)
{
	struct alert_raise a[8];
	struct snapshot s;

	(void)state;
	node(0, "mbx1", "mbx", NODE_MAILBOX, STATE_ACTIVE, true);
	node(1, "mbx2", "mbx", NODE_MAILBOX, STATE_STANDBY, true);
	node(2, "gw1", "gw", NODE_GATEWAY, STATE_ACTIVE, true);
	s = snap(3);
	assert_int_equal(alert_rules_eval(&s, NOW, a, 8), 0);
}

/* The harvest rule: recent and not blocked suspects, each once. */
static void
test_harvest(void **state)
{
	struct alert_raise a[8];
	struct ml_suspect v[4];
	size_t n;

	(void)state;
	memset(v, 0, sizeof v);
	snprintf(v[0].ip, sizeof v[0].ip, "127.0.3.66");
	v[0].count = 25;
	v[0].last_seen = NOW - 60;
	snprintf(v[0].node, sizeof v[0].node, "gw1");
	snprintf(v[0].samples[0], sizeof v[0].samples[0], "admin@inbound.test");
	v[0].nsamples = 1;
	v[1] = v[0];
	v[1].blocked = true;                    /* blocked: no alert */
	snprintf(v[1].ip, sizeof v[1].ip, "127.0.3.67");
	v[2] = v[0];
	v[2].last_seen = NOW - ALERT_HARVEST_RECENT_S - 1; /* too old */
	snprintf(v[2].ip, sizeof v[2].ip, "127.0.3.68");
	v[3] = v[0];
	snprintf(v[3].ip, sizeof v[3].ip, "not-an-ip"); /* never a subject */

	/* Added after what the snapshot's rules found. */
	n = alert_rules_harvest(v, 4, NOW, a, 8, 2);
	assert_int_equal(n, 3);
	assert_int_equal(a[2].kind, ALERT_HARVEST);
	assert_string_equal(a[2].subject, "127.0.3.66");
	assert_int_equal(a[2].severity, ALERT_WARNING);
	assert_string_equal(a[2].text, "127.0.3.66: 25 unknown recipients on "
	    "gw1 (directory harvest suspect), e.g. admin@inbound.test");
	assert_string_equal(alert_kinds[ALERT_HARVEST].name, "harvest");
	/* The same suspect twice is one alert. */
	v[1] = v[0];
	assert_int_equal(alert_rules_harvest(v, 2, NOW, a, 8, 0), 1);
	assert_int_equal(alert_rules_harvest(v, 0, NOW, a, 8, 0), 0);
}

/* The listing rule: listed pairs only, one alert per (IP, zone). */
static void
test_listed(void **state)
{
	struct alert_raise a[8];
	struct dnsbl_entry v[3];
	char want[ALERT_TEXT_MAX];
	size_t n;

	(void)state;
	memset(v, 0, sizeof v);
	snprintf(v[0].ip, sizeof v[0].ip, "203.0.113.25");
	snprintf(v[0].zone, sizeof v[0].zone, "bl.example");
	v[0].state = DNSBL_LISTED;
	v[0].since = NOW - 600;
	v[0].checked = NOW - 30;
	snprintf(v[0].reason, sizeof v[0].reason, "spam trap hits");
	v[1] = v[0];
	snprintf(v[1].zone, sizeof v[1].zone, "dnsbl.test");
	v[2] = v[0];
	v[2].state = DNSBL_CLEAR;               /* not listed: no alert */
	snprintf(v[2].zone, sizeof v[2].zone, "clear.test");

	n = alert_rules_listed("gw1", v, 3, NOW, a, 8, 1);
	assert_int_equal(n, 3);
	assert_int_equal(a[1].kind, ALERT_LISTED);
	assert_string_equal(a[1].subject, "203.0.113.25|bl.example");
	assert_string_equal(a[2].subject, "203.0.113.25|dnsbl.test");
	assert_int_equal(a[1].severity, ALERT_CRITICAL);
	assert_int_equal(dnsbl_alert_format("gw1", &v[0], NOW, want,
	    sizeof want), 0);
	assert_string_equal(a[1].text, want);
	assert_non_null(strstr(a[1].text, "gw1 203.0.113.25 listed on "
	    "bl.example: spam trap hits since "));
	assert_string_equal(alert_kinds[ALERT_LISTED].name, "listed");
	/* A zone too long for the subject: the IP alone. */
	memset(v[1].zone, 'z', 100);
	v[1].zone[100] = '\0';
	n = alert_rules_listed("gw1", v, 2, NOW, a, 8, 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[1].subject, "203.0.113.25");
	/* Nothing listed, nothing raised. */
	v[0].state = DNSBL_UNKNOWN;
	assert_int_equal(alert_rules_listed("gw1", v, 1, NOW, a, 8, 0), 0);
}

static void
test_silent_mailbox(void **state)
{
	struct alert_raise a[8];
	const struct alert_raise *r;
	struct snapshot s;
	size_t n;

	(void)state;
	node(0, "mbx1", "mbx", NODE_MAILBOX, STATE_ACTIVE, true);
	node(1, "mbx2", "mbx", NODE_MAILBOX, STATE_STANDBY, false);
	s = snap(2);
	n = alert_rules_eval(&s, NOW, a, 8);
	assert_int_equal(n, 2);
	r = find(a, n, ALERT_NODE_SILENT, "mbx2");
	assert_non_null(r);
	assert_int_equal(r->severity, ALERT_CRITICAL);
	assert_string_equal(r->text, "mbx2 is silent: last heartbeat 90s ago");
	r = find(a, n, ALERT_CLUSTER, "mbx");
	assert_non_null(r);
	assert_int_equal(r->severity, ALERT_WARNING);
	assert_string_equal(r->text, "cluster mbx DEGRADED: mbx2 is silent");
	/* Both silent: the cluster is down, critical. */
	nodes[0].alive = false;
	n = alert_rules_eval(&s, NOW, a, 8);
	assert_int_equal(n, 3);
	assert_int_equal(find(a, n, ALERT_CLUSTER, "mbx")->severity,
	    ALERT_CRITICAL);
	/* Too small an array: the count still says how many there are. */
	assert_int_equal(alert_rules_eval(&s, NOW, a, 1), 3);
}

static void
test_deferred(void **state)
{
	struct alert_raise a[8];
	struct snapshot s;
	size_t n;

	(void)state;
	node(0, "gw1", "gw", NODE_GATEWAY, STATE_ACTIVE, true);
	nodes[0].queue[Q_DEFERRED] = ALERT_DEFERRED_WARNING - 1;
	s = snap(1);
	assert_int_equal(alert_rules_eval(&s, NOW, a, 8), 0);
	nodes[0].queue[Q_DEFERRED] = ALERT_DEFERRED_WARNING;
	n = alert_rules_eval(&s, NOW, a, 8);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, ALERT_QUEUE_DEFERRED);
	assert_int_equal(a[0].severity, ALERT_WARNING);
	nodes[0].queue[Q_DEFERRED] = ALERT_DEFERRED_CRITICAL;
	n = alert_rules_eval(&s, NOW, a, 8);
	assert_int_equal(a[0].severity, ALERT_CRITICAL);
	/* A silent gateway's counts are old: only its silence is news. */
	nodes[0].alive = false;
	n = alert_rules_eval(&s, NOW, a, 8);
	assert_null(find(a, n, ALERT_QUEUE_DEFERRED, "gw1"));
	assert_non_null(find(a, n, ALERT_NODE_SILENT, "gw1"));
}

static void
test_malformed_node(void **state)
{
	struct alert_raise a[8];
	struct snapshot s;
	size_t n;

	(void)state;
	node(0, "gw1", "gw", NODE_GATEWAY, STATE_ACTIVE, true);
	snprintf(nodes[0].malformed, sizeof nodes[0].malformed, "wrong type");
	s = snap(1);
	n = alert_rules_eval(&s, NOW, a, 8);
	assert_non_null(find(a, n, ALERT_NODE_MALFORMED, "gw1"));
}

/* The backup rule: a watched node's age and gaps, each said once. */
static void
test_backup(void **state)
{
	const struct alert_raise *r;
	struct alert_raise a[8];
	struct snapshot s;
	size_t n;

	(void)state;
	node(0, "mbx1", "mbx", NODE_MAILBOX, STATE_ACTIVE, true);
	node(1, "mbx2", "mbx", NODE_MAILBOX, STATE_STANDBY, true);
	node(2, "gw1", "gw", NODE_GATEWAY, STATE_ACTIVE, true);
	node(3, "mbx3", "mbx", NODE_MAILBOX, STATE_RESERVE, true);
	nodes[0].backup_done_at = NOW - 3600;   /* fine */
	nodes[0].backup_gaps = 0;
	nodes[1].backup_done_at = NOW - 27 * 3600;  /* too old, one gap */
	nodes[1].backup_gaps = 1;
	snprintf(nodes[1].backup_gap, sizeof nodes[1].backup_gap,
	    "2027-01-14");
	nodes[2].backup_done_at = -1;          /* a gateway: never */
	nodes[2].backup_gaps = -1;
	nodes[3].backup_done_at = -1;          /* not watched */
	nodes[3].backup_gaps = -1;
	s = snap(4);
	n = alert_rules_backup(&s, 26 * 3600, NOW, a, 8, 0);
	assert_int_equal(n, 1);
	r = find(a, n, ALERT_BACKUP, "mbx2");
	assert_non_null(r);
	assert_int_equal(r->severity, ALERT_CRITICAL);
	assert_string_equal(r->text, "mbx2: backups: last good backup 1d 3h "
	    "ago (more than 1d 2h); 1 night missing, the newest 2027-01-14");

	/* Only a gap: a warning. Exactly the age: not yet. */
	nodes[1].backup_done_at = NOW - 26 * 3600;
	n = alert_rules_backup(&s, 26 * 3600, NOW, a, 8, 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].severity, ALERT_WARNING);
	assert_string_equal(a[0].text,
	    "mbx2: backups: 1 night missing, the newest 2027-01-14");

	/* Watched, but no good backup at all; a silent node: its silence. */
	nodes[1].backup_gaps = 0;
	nodes[3].backup_gaps = 0;
	snprintf(nodes[3].backup_result, sizeof nodes[3].backup_result,
	    "failed");
	nodes[0].alive = false;
	nodes[0].backup_done_at = NOW - 40 * 86400;
	n = alert_rules_backup(&s, 26 * 3600, NOW, a, 8, 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].subject, "mbx3");
	assert_string_equal(a[0].text,
	    "mbx3: backups: no good backup found (the last run failed)");
	/* Added after others, never twice. */
	n = alert_rules_backup(&s, 26 * 3600, NOW, a, 8, 1);
	assert_int_equal(n, 1);
}

static void
test_kinds(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < ALERT_KIND_COUNT; i++) {
		assert_non_null(alert_kinds[i].name);
		assert_int_equal(alert_kind_find(alert_kinds[i].name), i);
	}
	assert_int_equal(alert_kind_find("nope"), -1);
}

static void
values(const char **v, const char *kind, const char *subject,
    const char *sev, const char *state)
{
	memset(v, 0, sizeof(char *) * AF_COUNT);
	v[AF_KIND] = kind;
	v[AF_SUBJECT] = subject;
	v[AF_SEVERITY] = sev;
	v[AF_TEXT] = "mbx2 is silent";
	v[AF_FIRST_SEEN] = "1799999000";
	v[AF_LAST_SEEN] = "1799999990";
	v[AF_STATE] = state;
}

static void
test_parse(void **state)
{
	const char *v[AF_COUNT];
	struct alert a;

	(void)state;
	values(v, "node-silent", "mbx2", "critical", "active");
	alert_parse(&a, 7, v);
	assert_string_equal(a.malformed, "");
	assert_int_equal(a.id, 7);
	assert_true(a.active);
	assert_int_equal(a.severity, ALERT_CRITICAL);
	assert_int_equal(a.first_seen, 1799999000LL);
	assert_true(alert_counts(&a, NOW));
	/* Acknowledged: it no longer counts. */
	v[AF_ACK_BY] = "ann@noc";
	v[AF_ACK_AT] = "1799999995";
	alert_parse(&a, 7, v);
	assert_string_equal(a.ack_by, "ann@noc");
	assert_false(alert_counts(&a, NOW));
	/* Resolved. */
	values(v, "node-silent", "mbx2", "critical", "resolved");
	v[AF_RESOLVED_AT] = "1800000000";
	alert_parse(&a, 7, v);
	assert_false(a.active);
	assert_int_equal(a.resolved_at, NOW);
	assert_false(alert_counts(&a, NOW));
}

static void
test_parse_malformed(void **state)
{
	const char *v[AF_COUNT];
	struct alert a;

	(void)state;
	values(v, "node-silent", "mbx2", "dire", "active");
	alert_parse(&a, 3, v);
	assert_string_equal(a.malformed, "severity is not warning or critical");
	/* Unreadable severity counts as critical: never hides a problem. */
	assert_int_equal(a.severity, ALERT_CRITICAL);
	assert_true(alert_counts(&a, NOW));
	values(v, "node silent\x1b[2J", "mbx2", "warning", "active");
	alert_parse(&a, 3, v);
	assert_string_equal(a.malformed, "kind is not a name");
	assert_null(strchr(a.kind, '\x1b'));
	values(v, "node-silent", "mbx2", "warning", "maybe");
	v[AF_FIRST_SEEN] = "yesterday";
	alert_parse(&a, 3, v);
	assert_string_equal(a.malformed, "first_seen is not a time");
	memset(v, 0, sizeof v);
	alert_parse(&a, 4, v);
	assert_string_equal(a.malformed, "record is missing");
}

static void
test_silence(void **state)
{
	const char *v[AF_COUNT];
	struct alert a;

	(void)state;
	values(v, "cluster", "mbx", "warning", "active");
	alert_parse(&a, 1, v);
	assert_true(alert_silence_covers("cluster", "mbx", NOW + 1, &a, NOW));
	assert_true(alert_silence_covers("cluster", "*", NOW + 1, &a, NOW));
	assert_false(alert_silence_covers("cluster", "gw", NOW + 1, &a, NOW));
	assert_false(alert_silence_covers("node-silent", "*", NOW + 1, &a,
	    NOW));
	/* An expired silence covers nothing. */
	assert_false(alert_silence_covers("cluster", "mbx", NOW, &a, NOW));
	a.silenced_until = NOW + 60;
	assert_false(alert_counts(&a, NOW));
	assert_true(alert_counts(&a, NOW + 60));
}

static void
test_check(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(check_threshold(5, 10, 20), CHECK_OK);
	assert_int_equal(check_threshold(10, 10, 20), CHECK_WARNING);
	assert_int_equal(check_threshold(20, 10, 20), CHECK_CRITICAL);
	assert_int_equal(check_threshold(99, -1, -1), CHECK_OK);
	assert_int_equal(check_state_worst(CHECK_OK, CHECK_UNKNOWN),
	    CHECK_UNKNOWN);
	assert_int_equal(check_state_worst(CHECK_UNKNOWN, CHECK_WARNING),
	    CHECK_WARNING);
	assert_int_equal(check_state_worst(CHECK_CRITICAL, CHECK_WARNING),
	    CHECK_CRITICAL);
	assert_string_equal(check_state_name(CHECK_CRITICAL), "CRITICAL");
	assert_string_equal(check_label("gw1_deferred", buf, sizeof buf),
	    "gw1_deferred");
	assert_string_equal(check_label("a b='c'", buf, sizeof buf),
	    "'a b=''c'''");
}

/* An unannounced burst over the guidance names the agency and suggests
 * announcing; an announcement active now or within the trail keeps it
 * quiet. */
static void
test_bulk_rule(void **state)
{
	struct bulk_recent v[3];
	struct bulk_plan ann[1];
	struct alert_raise a[8];
	size_t n;

	(void)state;
	memset(v, 0, sizeof v);
	memset(ann, 0, sizeof ann);
	snprintf(v[0].agency, sizeof v[0].agency, "dmv");
	v[0].rcpts_10min = 1500;
	snprintf(v[1].agency, sizeof v[1].agency, "tax");
	v[1].rcpts_10min = 1000;
	snprintf(v[2].agency, sizeof v[2].agency, "edu");
	v[2].rcpts_10min = 5000;
	snprintf(ann[0].agency, sizeof ann[0].agency, "edu");
	ann[0].start = NOW - 3600;
	ann[0].end = NOW - BULK_TRAIL_S + 1;
	n = alert_rules_bulk(v, 3, ann, 1, NOW, a, 8, 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, ALERT_BULK);
	assert_string_equal(a[0].subject, "dmv");
	assert_int_equal(a[0].severity, ALERT_WARNING);
	assert_string_equal(a[0].text, "agency dmv sent 1500 recipients in 10 "
	    "minutes, over the guidance's 1000, unannounced: announce it with "
	    "'mailnoc bulk announce dmv'");
	assert_string_equal(alert_kinds[ALERT_BULK].name, "bulk");
	/* edu's announcement ended longer ago than the trail: it alerts. */
	ann[0].end = NOW - BULK_TRAIL_S;
	assert_int_equal(alert_rules_bulk(v, 3, ann, 1, NOW, a, 8, 0), 2);
	assert_string_equal(a[1].subject, "edu");
	/* One that has not begun does not cover the burst either. */
	ann[0].start = NOW + 60;
	ann[0].end = NOW + 3600;
	assert_int_equal(alert_rules_bulk(v, 3, ann, 1, NOW, a, 8, 0), 2);
	ann[0].start = NOW;
	assert_int_equal(alert_rules_bulk(v, 3, ann, 1, NOW, a, 8, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_well),
		cmocka_unit_test(test_harvest),
		cmocka_unit_test(test_bulk_rule),
		cmocka_unit_test(test_listed),
		cmocka_unit_test(test_silent_mailbox),
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_malformed_node),
		cmocka_unit_test(test_backup),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
