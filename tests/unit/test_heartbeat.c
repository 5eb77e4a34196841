/* Unit tests of the heartbeat: its fields, its state and its events. */
#include "core/keys.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The agent's objects are not in the unit-test link: build them in. */
#include "agent/heartbeat.h"

/* Returns the value set for `name`, or NULL. */
static const char *
set_value(const struct heartbeat_fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nset; i++) {
		if (strcmp(f->set_name[i], name) == 0)
			return f->set_value[i];
	}
	return NULL;
}

static bool
deleted(const struct heartbeat_fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ndel; i++) {
		if (strcmp(f->del[i], name) == 0)
			return true;
	}
	return false;
}

static void
gateway(struct heartbeat *hb)
{
	memset(hb, 0, sizeof *hb);
	hb->name = "gw1";
	hb->cluster = "gw";
	hb->role = NODE_GATEWAY;
	hb->state = STATE_ACTIVE;
	hb->have_queues = true;
	hb->queue[Q_INCOMING] = 1;
	hb->queue[Q_ACTIVE] = 2;
	hb->queue[Q_DEFERRED] = 1000000;
	hb->queue[Q_HOLD] = 4;
	hb->queue[Q_CORRUPT] = 0;
	hb->oldest_age = 86400;
	hb->have_log_age = true;
	hb->log_age = 5184000;
	snprintf(hb->load1, sizeof hb->load1, "0.52");
	hb->disk_pct = 37;
	hb->version = "0.1.0";
	snprintf(hb->mta_version, sizeof hb->mta_version, "3.7.11");
	hb->interval = 2;
	hb->updated_at = 1795441661;
	hb->backups.done_at = hb->backups.bytes = -1;
	hb->backups.mailboxes = hb->backups.gaps = -1;
}

static void
test_gateway_fields(void **state)
{
	struct heartbeat_fields f;
	struct heartbeat hb;

	(void)state;
	gateway(&hb);
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "role"), "gateway");
	assert_string_equal(set_value(&f, "cluster"), "gw");
	assert_string_equal(set_value(&f, "state"), "active");
	assert_string_equal(set_value(&f, "q_incoming"), "1");
	assert_string_equal(set_value(&f, "q_active"), "2");
	assert_string_equal(set_value(&f, "q_deferred"), "1000000");
	assert_string_equal(set_value(&f, "q_hold"), "4");
	assert_string_equal(set_value(&f, "q_corrupt"), "0");
	assert_string_equal(set_value(&f, "oldest_age"), "86400");
	assert_string_equal(set_value(&f, "load1"), "0.52");
	assert_string_equal(set_value(&f, "disk_pct"), "37");
	assert_string_equal(set_value(&f, "version"), "0.1.0");
	assert_string_equal(set_value(&f, "mta_version"), "3.7.11");
	assert_string_equal(set_value(&f, "interval"), "2");
	assert_string_equal(set_value(&f, "updated_at"), "1795441661");
	assert_string_equal(set_value(&f, "log_age"), "5184000");
	assert_int_equal(f.nset, 16);
	assert_null(set_value(&f, "last_backup"));
	/* The console's flag is never written by the agent. */
	assert_null(set_value(&f, "drain"));
	assert_false(deleted(&f, "drain"));
	/* No policy service: its fields go; a gateway has no backups, no
	 * role mailboxes; no q_domains text, no agency's mail delayed. */
	assert_int_equal(f.ndel, 13);
	assert_true(deleted(&f, "role_mbx"));
	assert_true(deleted(&f, "agency_delay"));
	assert_true(deleted(&f, "last_backup"));
	assert_true(deleted(&f, "backup_done_at"));
	assert_true(deleted(&f, "backup_gaps"));
	assert_true(deleted(&f, "policy"));
	assert_true(deleted(&f, "policy_copy_age"));
	assert_true(deleted(&f, "policy_copy_decisions"));
	assert_true(deleted(&f, "q_domains"));
	assert_null(f.q_domains);

	/* The q_domains text rides beside the short fields. */
	hb.queued_domains = "1 yahoo.test:3:3:0,3,0,0,0,0,0";
	heartbeat_fields(&hb, &f);
	assert_string_equal(f.q_domains, "1 yahoo.test:3:3:0,3,0,0,0,0,0");
	assert_false(deleted(&f, "q_domains"));
	assert_int_equal(f.ndel, 12);
	/* Counts not known: neither is the text. */
	hb.have_queues = false;
	heartbeat_fields(&hb, &f);
	assert_null(f.q_domains);
	assert_true(deleted(&f, "q_domains"));
}

/* The role mailboxes and the agencies' delayed mail, when reported. */
static void
test_report_fields(void **state)
{
	struct heartbeat_fields f;
	struct heartbeat hb;

	(void)state;
	gateway(&hb);
	hb.agency_delay = "dmv 150 1795440000,tax 3 1795441000";
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "agency_delay"),
	    "dmv 150 1795440000,tax 3 1795441000");
	assert_false(deleted(&f, "agency_delay"));
	hb.agency_delay = "";
	hb.role = NODE_MAILBOX;
	hb.role_mbx = "abuse 3 1795430000,postmaster 0 0";
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "role_mbx"),
	    "abuse 3 1795430000,postmaster 0 0");
	assert_true(deleted(&f, "agency_delay"));
}

static void
test_policy_fields(void **state)
{
	struct heartbeat_fields f;
	struct heartbeat hb;

	(void)state;
	gateway(&hb);
	hb.policy_source = "copy";
	hb.copy_age = 754;
	hb.copy_decisions = 120000;
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "policy"), "copy");
	assert_string_equal(set_value(&f, "policy_copy_age"), "754");
	assert_string_equal(set_value(&f, "policy_copy_decisions"), "120000");
	assert_int_equal(f.nset, 19);
	/* No copy yet: its age goes, the rest stays. */
	hb.policy_source = "fail-action";
	hb.copy_age = -1;
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "policy"), "fail-action");
	assert_null(set_value(&f, "policy_copy_age"));
	assert_true(deleted(&f, "policy_copy_age"));
}

static void
test_gateway_without_counts(void **state)
{
	struct heartbeat_fields f;
	struct heartbeat hb;

	(void)state;
	gateway(&hb);
	hb.have_queues = false;
	hb.load1[0] = '\0';
	hb.disk_pct = -1;
	hb.mta_version[0] = '\0';
	hb.state = STATE_UNKNOWN;
	hb.have_log_age = false;
	heartbeat_fields(&hb, &f);
	assert_true(deleted(&f, "log_age"));
	assert_string_equal(set_value(&f, "state"), "unknown");
	/* Old values must not pass for new ones: they are deleted. */
	assert_null(set_value(&f, "q_deferred"));
	assert_true(deleted(&f, "q_incoming"));
	assert_true(deleted(&f, "q_active"));
	assert_true(deleted(&f, "q_deferred"));
	assert_true(deleted(&f, "q_hold"));
	assert_true(deleted(&f, "q_corrupt"));
	assert_true(deleted(&f, "oldest_age"));
	assert_true(deleted(&f, "load1"));
	assert_true(deleted(&f, "disk_pct"));
	assert_true(deleted(&f, "mta_version"));
	assert_string_equal(set_value(&f, "version"), "0.1.0");
	assert_string_equal(set_value(&f, "updated_at"), "1795441661");

	/* Counts known while the arrivals are still being read. */
	hb.have_queues = true;
	hb.oldest_age = -1;
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "q_deferred"), "1000000");
	assert_true(deleted(&f, "oldest_age"));
}

static void
test_mailbox_fields(void **state)
{
	struct heartbeat_fields f;
	struct heartbeat hb;

	(void)state;
	gateway(&hb);
	hb.name = "mbx1";
	hb.cluster = "mbx";
	hb.role = NODE_MAILBOX;
	hb.state = STATE_STANDBY;
	hb.have_queues = false;
	snprintf(hb.last_backup, sizeof hb.last_backup, "2026-11-22");
	snprintf(hb.mta_version, sizeof hb.mta_version,
	    "2.3.19.1 (9b53102964)");
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "role"), "mailbox");
	assert_string_equal(set_value(&f, "state"), "standby");
	assert_string_equal(set_value(&f, "last_backup"), "2026-11-22");
	assert_string_equal(set_value(&f, "mta_version"),
	    "2.3.19.1 (9b53102964)");
	assert_null(set_value(&f, "q_deferred"));
	assert_null(set_value(&f, "oldest_age"));
	assert_true(deleted(&f, "q_deferred"));
	assert_true(deleted(&f, "oldest_age"));
	assert_false(deleted(&f, "last_backup"));
	/* Nothing known of the backups: their fields go. */
	assert_true(deleted(&f, "backup_done_at"));
	assert_true(deleted(&f, "backup_result"));
	assert_true(deleted(&f, "backup_gap"));

	hb.backups.done_at = 1795400000;
	hb.backups.bytes = 123456789;
	hb.backups.mailboxes = 3;
	snprintf(hb.backups.result, sizeof hb.backups.result, "ok");
	hb.backups.gaps = 2;
	snprintf(hb.backups.gap, sizeof hb.backups.gap, "2026-11-20");
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "backup_done_at"), "1795400000");
	assert_string_equal(set_value(&f, "backup_bytes"), "123456789");
	assert_string_equal(set_value(&f, "backup_mailboxes"), "3");
	assert_string_equal(set_value(&f, "backup_result"), "ok");
	assert_string_equal(set_value(&f, "backup_gaps"), "2");
	assert_string_equal(set_value(&f, "backup_gap"), "2026-11-20");
	hb.backups.gaps = 0;
	hb.backups.gap[0] = '\0';
	heartbeat_fields(&hb, &f);
	assert_string_equal(set_value(&f, "backup_gaps"), "0");
	assert_true(deleted(&f, "backup_gap"));

	hb.last_backup[0] = '\0';
	heartbeat_fields(&hb, &f);
	assert_null(set_value(&f, "last_backup"));
	assert_true(deleted(&f, "last_backup"));
}

static void
test_state(void **state)
{
	(void)state;
	assert_int_equal(heartbeat_state(NODE_GATEWAY, STATE_ACTIVE, false),
	    STATE_ACTIVE);
	assert_int_equal(heartbeat_state(NODE_GATEWAY, STATE_ACTIVE, true),
	    STATE_DRAINING);
	assert_int_equal(heartbeat_state(NODE_GATEWAY, STATE_STANDBY, true),
	    STATE_DRAINING);
	assert_int_equal(heartbeat_state(NODE_GATEWAY, STATE_UNKNOWN, true),
	    STATE_DRAINING);
	/* Mailbox nodes are moved by the cluster manager, not drained. */
	assert_int_equal(heartbeat_state(NODE_MAILBOX, STATE_ACTIVE, true),
	    STATE_ACTIVE);
	assert_int_equal(heartbeat_state(NODE_MAILBOX, STATE_UNKNOWN, false),
	    STATE_UNKNOWN);
}

static void
test_role_change_events(void **state)
{
	(void)state;
	/* A failover, both ways, and a reserve taking over. */
	assert_true(heartbeat_role_changed(STATE_ACTIVE, STATE_STANDBY));
	assert_true(heartbeat_role_changed(STATE_STANDBY, STATE_ACTIVE));
	assert_true(heartbeat_role_changed(STATE_RESERVE, STATE_ACTIVE));
	/* Drains are state changes too. */
	assert_true(heartbeat_role_changed(STATE_ACTIVE, STATE_DRAINING));
	assert_true(heartbeat_role_changed(STATE_DRAINING, STATE_ACTIVE));
	/* No change. */
	assert_false(heartbeat_role_changed(STATE_ACTIVE, STATE_ACTIVE));
	assert_false(heartbeat_role_changed(STATE_STANDBY, STATE_STANDBY));
	/* First heartbeat of a node Redis never saw: nothing to compare. */
	assert_false(heartbeat_role_changed(STATE_UNKNOWN, STATE_ACTIVE));
	/* A role file being rewritten: no event out of or into unknown. */
	assert_false(heartbeat_role_changed(STATE_ACTIVE, STATE_UNKNOWN));
	assert_false(heartbeat_role_changed(STATE_UNKNOWN, STATE_STANDBY));
	/* The agent never publishes down; a stale "down" is no baseline. */
	assert_false(heartbeat_role_changed(STATE_DOWN, STATE_ACTIVE));
}

/* The sequence an agent goes through: events only at real changes. */
static void
test_event_sequence(void **state)
{
	static const struct {
		enum node_state probed;
		bool event;
	} seq[] = {
		{ STATE_ACTIVE, true },   /* Redis said standby before restart */
		{ STATE_ACTIVE, false },
		{ STATE_UNKNOWN, false }, /* role file half written */
		{ STATE_ACTIVE, false },  /* back to what was published */
		{ STATE_UNKNOWN, false },
		{ STATE_STANDBY, true },  /* failed over while unreadable */
		{ STATE_STANDBY, false },
	};
	enum node_state last = STATE_STANDBY, now;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		now = heartbeat_state(NODE_MAILBOX, seq[i].probed, false);
		assert_int_equal(heartbeat_role_changed(last, now),
		    seq[i].event);
		/* As heartbeat_send does after a successful send. */
		if (heartbeat_known(now))
			last = now;
	}
}

static void
test_send_unreachable(void **state)
{
	struct heartbeat_state hs = { true, STATE_ACTIVE, false, false, false };
	struct config cfg;
	struct heartbeat hb;
	struct redis r;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.redis.host = "127.0.0.1";
	cfg.redis.port = 1; /* nothing listens on tcpmux */
	cfg.redis.prefix = "mailnoc:";
	cfg.redis.connect_timeout_ms = 200;
	cfg.redis.command_timeout_ms = 200;
	redis_init(&r, &cfg);
	gateway(&hb);
	hb.state = STATE_STANDBY;
	assert_int_equal(heartbeat_send(&r, &hb, &hs), -1);
	assert_int_equal(r.err, RERR_UNREACHABLE);
	assert_non_null(strstr(r.errstr, "127.0.0.1:1"));
	/* Nothing was published: the change is still to be reported. */
	assert_int_equal(hs.last, STATE_ACTIVE);
	assert_false(hs.evented);
	/* During the back-off it fails at once, without connecting. */
	assert_int_equal(heartbeat_send(&r, &hb, &hs), -1);
	assert_int_equal(r.connects, 0);
	redis_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_fields),
		cmocka_unit_test(test_report_fields),
		cmocka_unit_test(test_policy_fields),
		cmocka_unit_test(test_gateway_without_counts),
		cmocka_unit_test(test_mailbox_fields),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_role_change_events),
		cmocka_unit_test(test_event_sequence),
		cmocka_unit_test(test_send_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
