/* Unit tests of the restore rules: user names, dates and the 28-day window,
 * --latest, the restore folder, and the node a restore runs on; plus the
 * mailbox command templates (nothing runs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backends/mailbox.h"
#include "core/shell.h"
#include "core/restore.h"
#include "core/validate.h"
#include "tests/unit/node_status.h"

static long
day_of(const char *s)
{
	char cause[128];
	long d;

	assert_int_equal(restore_date_parse(s, &d, cause, sizeof cause), 0);
	return d;
}

static void
test_user(void **state)
{
	char long_name[RESTORE_USER_MAX + 2];

	(void)state;
	assert_null(validate_mail_user("alice"));
	assert_null(validate_mail_user("a.b-c_d"));
	assert_null(validate_mail_user("alice@agency.example.gov"));
	assert_null(validate_mail_user("Bob+tag"));
	assert_null(validate_mail_user("a"));
	memset(long_name, 'a', RESTORE_USER_MAX);
	long_name[RESTORE_USER_MAX] = '\0';
	assert_null(validate_mail_user(long_name));
	long_name[RESTORE_USER_MAX] = 'a';
	long_name[RESTORE_USER_MAX + 1] = '\0';
	assert_non_null(validate_mail_user(long_name));

	assert_non_null(validate_mail_user(""));
	assert_non_null(validate_mail_user("a/b"));
	assert_non_null(validate_mail_user("/etc"));
	assert_non_null(validate_mail_user(".."));
	assert_non_null(validate_mail_user("a..b"));
	assert_non_null(validate_mail_user(".alice"));
	assert_non_null(validate_mail_user("-alice"));
	assert_non_null(validate_mail_user("--help"));
	assert_non_null(validate_mail_user("al ice"));
	assert_non_null(validate_mail_user("alice'"));
	assert_non_null(validate_mail_user("ali\"ce"));
	assert_non_null(validate_mail_user("a`b`"));
	assert_non_null(validate_mail_user("a$b"));
	assert_non_null(validate_mail_user("a;b"));
	assert_non_null(validate_mail_user("a\nb"));
	assert_non_null(validate_mail_user("a\tb"));
	assert_non_null(validate_mail_user("a\x7f"));
	assert_non_null(validate_mail_user("a*"));
	/* One line saying what is accepted. */
	assert_null(strchr(validate_mail_user("a/b"), '\n'));
}

static void
test_date_parse(void **state)
{
	static const struct {
		const char	*s;
		const char	*cause;	/* NULL: any */
	} refused[] = {
		{ "2026-02-30", "'2026-02-30' is not a date: that day does not "
		  "exist in that month" },
		{ "2026-02-29", NULL }, { "2026-04-31", NULL },
		{ "2026-13-01", NULL }, { "2026-00-10", NULL },
		{ "2026-01-00", NULL },
		{ "2026-1-05", "'2026-1-05' is not a date: use a date written "
		  "YYYY-MM-DD" },
		{ "2026/01/05", NULL }, { "2026-01-05x", NULL },
		{ " 2026-01-05", NULL }, { "", NULL }, { "1969-12-31", NULL },
	};
	char cause[128], out[RESTORE_DATE_LEN];
	size_t i;
	long d;

	(void)state;
	assert_int_equal(day_of("1970-01-01"), 0);
	assert_int_equal(day_of("1970-01-02"), 1);
	assert_int_equal(day_of("2000-03-01") - day_of("2000-02-28"), 2);
	assert_int_equal(day_of("2100-03-01") - day_of("2100-02-28"), 1);
	assert_int_equal(day_of("2026-03-01") - day_of("2026-02-28"), 1);
	assert_int_equal(day_of("2028-03-01") - day_of("2028-02-28"), 2);
	assert_string_equal(restore_date_format(day_of("2024-02-29"), out,
	    sizeof out), "2024-02-29");
	assert_string_equal(restore_date_format(day_of("2026-12-31") + 1, out,
	    sizeof out), "2027-01-01");

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		if (restore_date_parse(refused[i].s, &d, cause,
		    sizeof cause) != -1)
			fail_msg("'%s' was taken for a date", refused[i].s);
		if (refused[i].cause != NULL)
			assert_string_equal(cause, refused[i].cause);
	}
	assert_null(restore_check_date("2026-01-05"));
	assert_non_null(restore_check_date("2026-02-30"));
	assert_non_null(restore_check_date("2026-01-05';rm"));
}

static void
test_window(void **state)
{
	long today = day_of("2026-03-10"), d, age;
	char cause[200];

	(void)state;
	/* The window is today-28 ... today, both ends included. */
	assert_null(restore_age_refused(0));
	assert_null(restore_age_refused(1));
	assert_null(restore_age_refused(28));
	assert_non_null(restore_age_refused(29));
	assert_non_null(restore_age_refused(-1));

	assert_int_equal(restore_date_check("2026-03-10", today, &d, &age,
	    cause, sizeof cause), 0);
	assert_int_equal(age, 0);
	/* 28 days before 2026-03-10 is 2026-02-10: accepted; 02-09 is not. */
	assert_int_equal(restore_date_check("2026-02-10", today, &d, &age,
	    cause, sizeof cause), 0);
	assert_int_equal(age, 28);
	assert_int_equal(restore_date_check("2026-02-09", today, &d, &age,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "2026-02-09 is 29 days old; only backups "
	    "of the last 28 days are restored");
	assert_int_equal(restore_date_check("2026-03-11", today, &d, &age,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "2026-03-11 is in the future; give a date "
	    "of the last 28 days");
	assert_int_equal(restore_date_check("2026-02-30", today, &d, &age,
	    cause, sizeof cause), -1);
	assert_string_equal(cause, "'2026-02-30' is not a date: that day does "
	    "not exist in that month");
	/* Across a leap day: 2028-03-20 minus 28 days is 2028-02-21. */
	today = day_of("2028-03-20");
	assert_int_equal(restore_date_check("2028-02-21", today, &d, &age,
	    cause, sizeof cause), 0);
	assert_int_equal(restore_date_check("2028-02-20", today, &d, &age,
	    cause, sizeof cause), -1);
}

static void
test_today(void **state)
{
	char out[RESTORE_DATE_LEN], want[RESTORE_DATE_LEN];
	time_t now = time(NULL);
	struct tm tm;

	(void)state;
	localtime_r(&now, &tm);
	strftime(want, sizeof want, "%Y-%m-%d", &tm);
	assert_string_equal(restore_date_format(restore_today(now), out,
	    sizeof out), want);
}

static void
add(struct restore_backup *b, size_t *n, const char *date, long msgs)
{
	snprintf(b[*n].date, sizeof b[*n].date, "%s", date);
	b[*n].day = day_of(date);
	b[*n].messages = msgs;
	(*n)++;
}

static void
test_latest(void **state)
{
	struct restore_backup b[8];
	long today = day_of("2026-03-10");
	size_t n = 0;

	(void)state;
	assert_int_equal(restore_pick_latest(b, 0, today), -1);
	add(b, &n, "2026-02-01", 1);     /* 37 days: too old */
	add(b, &n, "2026-02-09", 2);     /* 29 days: too old */
	assert_int_equal(restore_pick_latest(b, n, today), -1);
	add(b, &n, "2026-02-10", 3);     /* 28 days: the oldest allowed */
	assert_int_equal(restore_pick_latest(b, n, today), 2);
	add(b, &n, "2026-03-07", 4);
	add(b, &n, "2026-03-11", 5);     /* tomorrow: never */
	add(b, &n, "2026-03-09", 6);
	add(b, &n, "2026-03-01", 7);
	assert_int_equal(restore_pick_latest(b, n, today), 5);
	assert_int_equal(restore_find(b, n, day_of("2026-03-07")), 3);
	assert_int_equal(restore_find(b, n, day_of("2026-03-08")), -1);
}

static void
test_folder(void **state)
{
	const char *none[] = { "INBOX" };
	const char *one[] = { "INBOX", "Restored-2026-03-07",
		"Restored-2026-03-07/INBOX" };
	const char *child_only[] = { "Restored-2026-03-07/INBOX" };
	const char *dot[] = { "Restored-2026-03-07.INBOX" };
	const char *gap[] = { "Restored-2026-03-07/INBOX",
		"Restored-2026-03-07-2/INBOX", "Restored-2026-03-07-3",
		"Restored-2026-03-070" };
	const char *other_date[] = { "Restored-2026-03-08/INBOX" };
	/* The folders a user has, and the one a restore of 2026-03-07 gets. */
	const struct {
		const char	**have;
		size_t		  n;
		const char	 *want;
	} chosen[] = {
		{ none, 1, "Restored-2026-03-07" },
		{ one, 3, "Restored-2026-03-07-2" },
		{ child_only, 1, "Restored-2026-03-07-2" },
		{ dot, 1, "Restored-2026-03-07-2" },
		{ gap, 4, "Restored-2026-03-07-4" },
		{ other_date, 1, "Restored-2026-03-07" },
	};
	char out[RESTORE_FOLDER_MAX], cause[200];
	size_t i;

	(void)state;
	assert_true(restore_folder_owns("Restored-2026-03-07",
	    "Restored-2026-03-07"));
	assert_true(restore_folder_owns("Restored-2026-03-07",
	    "Restored-2026-03-07/INBOX"));
	assert_true(restore_folder_owns("Restored-2026-03-07",
	    "Restored-2026-03-07/Sent Items"));
	assert_false(restore_folder_owns("Restored-2026-03-07",
	    "Restored-2026-03-07-2"));
	assert_false(restore_folder_owns("Restored-2026-03-07",
	    "Restored-2026-03-07-2/INBOX"));
	assert_false(restore_folder_owns("Restored-2026-03-07-2",
	    "Restored-2026-03-07-22"));
	assert_false(restore_folder_owns("Restored-2026-03-07", "INBOX"));

	for (i = 0; i < sizeof chosen / sizeof chosen[0]; i++) {
		assert_int_equal(restore_folder_choose("2026-03-07",
		    chosen[i].have, chosen[i].n, out, sizeof out, cause,
		    sizeof cause), 0);
		assert_string_equal(out, chosen[i].want);
	}

	assert_null(restore_check_folder("Restored-2026-03-07"));
	assert_null(restore_check_folder("Restored-2026-03-07-2"));
	assert_null(restore_check_folder("Restored-2026-03-07-99"));
	assert_non_null(restore_check_folder("Restored-2026-03-07-1"));
	assert_non_null(restore_check_folder("Restored-2026-03-07-100"));
	assert_non_null(restore_check_folder("Restored-2026-03-07-02"));
	assert_non_null(restore_check_folder("Restored-2026-02-30"));
	assert_non_null(restore_check_folder("INBOX"));
	assert_non_null(restore_check_folder("Restored-2026-03-07/INBOX"));
	assert_non_null(restore_check_folder("Restored-2026-03-07*"));
	assert_null(restore_check_folder_pattern("Restored-2026-03-07*"));
	assert_non_null(restore_check_folder_pattern("Restored-2026-03-07"));
	assert_non_null(restore_check_folder_pattern("*"));
}

static void
test_folder_full(void **state)
{
	static char names[RESTORE_FOLDER_MAX_SUFFIX][RESTORE_FOLDER_MAX];
	const char *v[RESTORE_FOLDER_MAX_SUFFIX];
	char out[RESTORE_FOLDER_MAX], cause[200];
	int i;

	(void)state;
	for (i = 0; i < RESTORE_FOLDER_MAX_SUFFIX; i++) {
		if (i == 0)
			snprintf(names[i], sizeof names[i], "Restored-2026-03-07");
		else
			snprintf(names[i], sizeof names[i],
			    "Restored-2026-03-07-%d/INBOX", i + 1);
		v[i] = names[i];
	}
	assert_int_equal(restore_folder_choose("2026-03-07", v,
	    RESTORE_FOLDER_MAX_SUFFIX - 1, out, sizeof out, cause,
	    sizeof cause), 0);
	assert_string_equal(out, "Restored-2026-03-07-99");
	assert_int_equal(restore_folder_choose("2026-03-07", v,
	    RESTORE_FOLDER_MAX_SUFFIX, out, sizeof out, cause, sizeof cause),
	    -1);
	assert_null(strchr(cause, '\n'));
}

/* A configuration of two gateways and one or two mailbox clusters. */
static struct config_node cfg_nodes[5];
static struct config cfg;
static struct node_status st_nodes[5];
static struct snapshot snap;

static void
setup_node(int i, const char *name, enum node_role role, const char *cluster,
    enum node_state state, bool alive)
{
	struct config_node *n = &cfg_nodes[i];
	struct node_status *s = &st_nodes[i];

	memset(n, 0, sizeof *n);
	n->name = (char *)name;
	n->role = role;
	n->cluster = (char *)cluster;
	n->backup_root = role == NODE_MAILBOX ? (char *)"/srv/backup" : NULL;
	n->dovecot_config = role == NODE_MAILBOX ?
	    (char *)"/etc/dovecot/dovecot.conf" : NULL;
	node_status_set(s, name, cluster, role, state, alive);
	s->configured = true;
}

static void
setup_lab(enum node_state s1, bool a1, enum node_state s2, bool a2)
{
	memset(&cfg, 0, sizeof cfg);
	setup_node(0, "gw1", NODE_GATEWAY, "gw", STATE_ACTIVE, true);
	setup_node(1, "gw2", NODE_GATEWAY, "gw", STATE_ACTIVE, true);
	setup_node(2, "mbx1", NODE_MAILBOX, "mbx", s1, a1);
	setup_node(3, "mbx2", NODE_MAILBOX, "mbx", s2, a2);
	cfg.nodes = cfg_nodes;
	cfg.nnodes = 4;
	memset(&snap, 0, sizeof snap);
	snap.nodes = st_nodes;
	snap.nnodes = 4;
}

static const char *
pick(const char *node, bool need_active, char *cause, size_t len)
{
	const struct config_node *n;

	cause[0] = '\0';
	n = restore_pick_node(&cfg, &snap, node, need_active, cause, len);
	return n != NULL ? n->name : NULL;
}

static void
test_pick_node(void **state)
{
	char cause[300];

	(void)state;
	setup_lab(STATE_ACTIVE, true, STATE_STANDBY, true);
	assert_string_equal(pick(NULL, true, cause, sizeof cause), "mbx1");
	assert_string_equal(pick("mbx1", true, cause, sizeof cause), "mbx1");
	assert_null(pick("mbx2", true, cause, sizeof cause));
	assert_string_equal(cause, "'mbx2' is not the live active node of "
	    "cluster 'mbx'; restores run on mbx1 (leave out --node)");
	/* Listing backups may ask any mailbox node. */
	assert_string_equal(pick("mbx2", false, cause, sizeof cause), "mbx2");
	assert_null(pick("gw1", true, cause, sizeof cause));
	assert_string_equal(cause, "'gw1' is a gateway, not a mailbox node; "
	    "mailboxes are restored on mailbox nodes");
	assert_null(pick("gw1", false, cause, sizeof cause));
	assert_null(pick("nope", true, cause, sizeof cause));
	assert_string_equal(cause, "unknown node 'nope'");

	/* Failed over: mbx1 silent (still says active), mbx2 active. */
	setup_lab(STATE_ACTIVE, false, STATE_ACTIVE, true);
	assert_string_equal(pick(NULL, true, cause, sizeof cause), "mbx2");
	assert_null(pick("mbx1", true, cause, sizeof cause));

	/* No live active node. */
	setup_lab(STATE_ACTIVE, false, STATE_STANDBY, true);
	assert_null(pick(NULL, true, cause, sizeof cause));
	assert_string_equal(cause, "cluster 'mbx' has no live active node "
	    "(mbx1 says active but is silent); nothing can be restored until "
	    "one takes over");
	setup_lab(STATE_STANDBY, true, STATE_STANDBY, true);
	assert_null(pick(NULL, true, cause, sizeof cause));
	assert_string_equal(cause, "cluster 'mbx' has no live active node; "
	    "nothing can be restored until one takes over");
	setup_lab(STATE_DRAINING, true, STATE_UNKNOWN, false);
	assert_null(pick(NULL, false, cause, sizeof cause));

	/* Split brain: refuse to write anywhere. */
	setup_lab(STATE_ACTIVE, true, STATE_ACTIVE, true);
	assert_null(pick(NULL, true, cause, sizeof cause));
	assert_string_equal(cause, "cluster 'mbx' has two live active nodes, "
	    "mbx1 and mbx2 (split brain); refusing to write to either");

	/* A node missing from the snapshot is not live. */
	setup_lab(STATE_ACTIVE, true, STATE_STANDBY, true);
	snap.nnodes = 2;
	assert_null(pick(NULL, true, cause, sizeof cause));
	/* --node without the cluster state, for a listing. */
	assert_non_null(restore_pick_node(&cfg, NULL, "mbx1", false, cause,
	    sizeof cause));
}

static void
test_pick_clusters(void **state)
{
	char cause[300];

	(void)state;
	setup_lab(STATE_ACTIVE, true, STATE_STANDBY, true);
	setup_node(4, "mbx9", NODE_MAILBOX, "mbx-b", STATE_ACTIVE, true);
	cfg.nnodes = 5;
	snap.nnodes = 5;
	assert_null(pick(NULL, true, cause, sizeof cause));
	assert_string_equal(cause, "there are 2 mailbox clusters (mbx, mbx-b); "
	    "say which with --node NODE");
	assert_string_equal(pick("mbx9", true, cause, sizeof cause), "mbx9");
	assert_string_equal(pick("mbx1", true, cause, sizeof cause), "mbx1");

	/* No mailbox node at all. */
	cfg.nnodes = 2;
	assert_null(pick(NULL, true, cause, sizeof cause));
	assert_string_equal(cause, "no mailbox node is configured");
}

static void
test_templates(void **state)
{
	struct mailbox_args a = { .user = "alice", .date = "2026-03-07",
		.folder = "Restored-2026-03-07" };
	char out[SHELL_CMD_MAX], cause[300];

	(void)state;
	setup_lab(STATE_ACTIVE, true, STATE_STANDBY, true);
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_RESTORE,
	    &a, out, sizeof out, cause, sizeof cause), 0);
	/* The node's restore script, every value one quoted word. */
	assert_string_equal(out, "'/usr/lib/mailnoc/restore-mailbox' restore "
	    "'/etc/dovecot/dovecot.conf' '/srv/backup' 'alice' '2026-03-07' "
	    "'Restored-2026-03-07'");
	/* Never a command that writes into its source. */
	assert_null(strstr(out, "sync"));
	assert_null(strstr(out, "backup -"));
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), 0);
	assert_string_equal(out, "'/usr/lib/mailnoc/restore-mailbox' probe "
	    "'/etc/dovecot/dovecot.conf' '/srv/backup' 'alice'");
	/* mailbox.helper moves it. */
	cfg.mailbox.helper = (char *)"/opt/mailnoc/restore-mailbox";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), 0);
	assert_int_equal(strncmp(out, "'/opt/mailnoc/restore-mailbox' probe ",
	    37), 0);
	cfg.mailbox.helper = NULL;

	/* No dovecot_config: doveadm's default; sudo when configured. */
	cfg_nodes[2].dovecot_config = NULL;
	cfg.ssh.sudo = true;
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), 0);
	assert_string_equal(out, "sudo -n '/usr/lib/mailnoc/restore-mailbox' "
	    "probe - '/srv/backup' 'alice'");
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_RESTORE,
	    &a, out, sizeof out, cause, sizeof cause), 0);
	assert_non_null(strstr(out, "' restore - '/srv/backup' 'alice' "));
	cfg.ssh.sudo = false;

	/* Values that must never reach a shell. */
	a.user = "alice'; touch /tmp/x; '";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(out, "");
	a.user = "../bob";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_RESTORE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	a.user = "alice";
	a.date = "2026-02-30";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_RESTORE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	a.date = "2026-03-07";
	a.folder = "INBOX";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_RESTORE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	a.folder = "Restored-2026-03-07";
	cfg_nodes[2].backup_root = (char *)"/srv/back:up";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_RESTORE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	assert_non_null(strstr(cause, "':'"));
	cfg_nodes[2].backup_root = (char *)"/srv/backup/../etc";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	cfg_nodes[2].backup_root = NULL;
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(cause, "mbx1 has no backup_root in the "
	    "configuration");
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[0], MAILBOX_PROBE,
	    &a, out, sizeof out, cause, sizeof cause), -1);
	assert_string_equal(cause, "'gw1' is not a mailbox node");
}

/* The one-command restore, the status count, and configured templates. */
static void
test_templates_more(void **state)
{
	struct mailbox_args a = { .user = "alice", .from = "2026-02-07",
		.to = "2026-03-07" };
	struct mailbox_args st = { .user = "alice",
		.folder = "Restored-2026-03-07-2" };
	char out[SHELL_CMD_MAX], cause[300];
	int op;

	(void)state;
	setup_lab(STATE_ACTIVE, true, STATE_STANDBY, true);
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2],
	    MAILBOX_PROBE_RESTORE, &a, out, sizeof out, cause, sizeof cause), 0);
	assert_string_equal(out, "'/usr/lib/mailnoc/restore-mailbox' "
	    "probe-restore '/etc/dovecot/dovecot.conf' '/srv/backup' 'alice' "
	    "'2026-02-07' '2026-03-07'");
	a.to = "2026-03-07'; reboot; '";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2],
	    MAILBOX_PROBE_RESTORE, &a, out, sizeof out, cause, sizeof cause), -1);
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_STATUS,
	    &st, out, sizeof out, cause, sizeof cause), 0);
	assert_string_equal(out, "'/usr/lib/mailnoc/restore-mailbox' status "
	    "'/etc/dovecot/dovecot.conf' 'alice' 'Restored-2026-03-07-2'");
	st.folder = "INBOX";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_STATUS,
	    &st, out, sizeof out, cause, sizeof cause), -1);

	/* A configured template replaces the default of its operation only. */
	cfg.mailbox.templates[MAILBOX_STATUS] = (char *)"sudo -u vmail doveadm "
	    "-c {config} mailbox status -u {user} messages {folder}";
	st.folder = "Restored-2026-03-07";
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_STATUS,
	    &st, out, sizeof out, cause, sizeof cause), 0);
	assert_string_equal(out, "sudo -u vmail doveadm -c "
	    "'/etc/dovecot/dovecot.conf' mailbox status -u 'alice' messages "
	    "'Restored-2026-03-07'");
	assert_int_equal(mailbox_command(&cfg, &cfg_nodes[2], MAILBOX_PROBE,
	    &st, out, sizeof out, cause, sizeof cause), 0);
	assert_non_null(strstr(out, "restore-mailbox' probe "));
	cfg.mailbox.templates[MAILBOX_STATUS] = NULL;
	for (op = 0; op < MAILBOX_OP_COUNT; op++)
		assert_string_equal(mailbox_op_name((enum mailbox_op)op),
		    config_mailbox_template_name((enum config_mailbox_template)op));
}

static void
test_status_parse(void **state)
{
	const char *f = "Restored-2026-03-07";

	(void)state;
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07/INBOX messages=13"), 13);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07 messages=0"), 0);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07/Sent Items messages=4"), 4);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07/a messages=2 messages=7"), 7);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07-2/INBOX messages=13"), -1);
	assert_int_equal(mailbox_status_parse(f, "INBOX messages=5"), -1);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07/INBOX messages="), -1);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07/INBOX messages=1x"), -1);
	assert_int_equal(mailbox_status_parse(f,
	    "Restored-2026-03-07/INBOX messages=-1"), -1);
	assert_int_equal(mailbox_status_parse(f, "import-exit 0"), -1);
	assert_int_equal(mailbox_status_parse(f, ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_today),
		cmocka_unit_test(test_latest),
		cmocka_unit_test(test_folder),
		cmocka_unit_test(test_folder_full),
		cmocka_unit_test(test_pick_node),
		cmocka_unit_test(test_pick_clusters),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_templates_more),
		cmocka_unit_test(test_status_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
