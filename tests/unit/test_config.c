/* Unit tests of the configuration loader, its lookup and the CLI options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cli.h"
#include "core/config.h"
#include "cmd/mailnoc.h"

#include "test_config_file.h"

#define DIR "tests/unit/config/"

/* Loads DIR/name, which must load without a word. */
static struct config *
load(const char *name)
{
	char path[256], cause[CONFIG_CAUSE_MAX] = "";
	struct config *cfg;

	snprintf(path, sizeof path, DIR "%s", name);
	if ((cfg = config_load(path, cause, sizeof cause)) == NULL)
		fail_msg("%s does not load: %s", name, cause);
	assert_string_equal(cause, "");
	return cfg;
}

static void
test_good(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load("good.json");
	assert_string_equal(cfg->redis.host, "127.0.0.1");
	assert_int_equal(cfg->redis.port, 16379);
	assert_string_equal(cfg->redis.user, "admin");
	assert_string_equal(cfg->redis.password_env, "MAILNOC_TEST_PASSWORD");
	assert_null(cfg->redis.password_file);
	assert_string_equal(cfg->redis.prefix, "noc:");
	assert_int_equal(cfg->redis.connect_timeout_ms, 500);
	assert_int_equal(cfg->redis.command_timeout_ms, 1500);
	assert_string_equal(cfg->ssh.user, "root");
	assert_string_equal(cfg->ssh.key_file, "/tmp/mailnoc-lab/ssh/id_ed25519");
	assert_false(cfg->ssh.agent);
	assert_true(cfg->ssh.sudo);
	assert_int_equal(cfg->nnodes, 3);
	assert_string_equal(cfg->nodes[0].name, "gw1");
	assert_int_equal(cfg->nodes[0].role, NODE_GATEWAY);
	assert_int_equal(cfg->nodes[0].ssh_port, 12222);
	assert_string_equal(cfg->nodes[0].postfix_config,
	    "/tmp/mailnoc-lab/gw1/etc");
	/* Defaults: port 22 and Debian's Postfix directory. */
	assert_int_equal(cfg->nodes[1].ssh_port, 22);
	assert_string_equal(cfg->nodes[1].postfix_config, "/etc/postfix");
	assert_string_equal(cfg->nodes[1].ssh_host, "gw2.mail.example.gov");
	assert_int_equal(cfg->nodes[2].role, NODE_MAILBOX);
	assert_string_equal(cfg->nodes[2].backup_root,
	    "/tmp/mailnoc-lab/mbx1/backup");
	assert_string_equal(cfg->nodes[2].role_file, "/tmp/mailnoc-lab/mbx1/role");
	assert_null(cfg->nodes[2].postfix_config);
	assert_ptr_equal(config_node_find(cfg, "mbx1"), &cfg->nodes[2]);
	/* Egress addresses canonical; zones lower case; the resolver split. */
	assert_int_equal(cfg->nodes[0].negress, 2);
	assert_string_equal(cfg->nodes[0].egress[1], "2001:db8::25");
	assert_int_equal(cfg->nodes[1].negress, 0);
	assert_string_equal(cfg->dns.host, "127.0.0.1");
	assert_int_equal(cfg->dns.port, 16353);
	assert_int_equal(cfg->dns.timeout_ms, 3000);
	assert_int_equal(cfg->dnsbl.nzones, 2);
	assert_string_equal(cfg->dnsbl.zones[1], "dnsbl.lab.test");
	assert_int_equal(cfg->dnsbl.interval_s, 300);
	assert_null(config_node_find(cfg, "mbx9"));
	assert_string_equal(cfg->ui.theme, "light");
	assert_int_equal(cfg->ui.refresh_ms, 2000);
	/* The audit is required unless the operator says otherwise. */
	assert_true(cfg->audit.required);
	config_free(cfg);
}

static void
test_sentinel(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load("sentinel.json");
	assert_null(cfg->redis.host);
	assert_int_equal(cfg->redis.nsentinels, 2);
	assert_string_equal(cfg->redis.sentinels[0].host, "10.1.0.5");
	assert_int_equal(cfg->redis.sentinels[0].port, 26379);
	assert_int_equal(cfg->redis.sentinels[1].port, 26380);
	assert_string_equal(cfg->redis.master_name, "mailnoc");
	assert_string_equal(cfg->redis.prefix, "mailnoc:");
	assert_true(cfg->ssh.agent);
	assert_null(cfg->ssh.key_file);
	/* A node without ssh_host is reached by its name. */
	assert_string_equal(cfg->nodes[0].ssh_host, "gw1");
	assert_string_equal(cfg->ui.theme, "default");
	assert_int_equal(cfg->ui.refresh_ms, 1000);
	config_free(cfg);
}

struct bad_case {
	const char *file;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{ "bad-role.json", DIR "bad-role.json: nodes[2].role: 'gatway' is not "
	    "one of gateway, mailbox" },
	{ "bad-port-type.json", DIR "bad-port-type.json: redis.port: expected "
	    "an integer from 1 to 65535, got a string" },
	{ "bad-port-range.json", DIR "bad-port-range.json: redis.port: 70000 is "
	    "out of range; accepted: 1 to 65535" },
	{ "bad-duplicate-node.json", DIR "bad-duplicate-node.json: "
	    "nodes[1].name: 'gw1' is already the name of nodes[0]; node names "
	    "must be unique" },
	{ "bad-missing-redis.json", DIR "bad-missing-redis.json: redis: "
	    "missing; expected an object with host and port, or sentinels and "
	    "master_name" },
	{ "bad-password.json", DIR "bad-password.json: redis.password: a "
	    "password is not accepted in the configuration; use password_env "
	    "or password_file" },
	{ "nonexistent.json", DIR "nonexistent.json: cannot open: No such file "
	    "or directory" },
	{ "", DIR ": not a regular file" },
	{ "bad-truncated.json", DIR "bad-truncated.json:5:0: string or '}' "
	    "expected near end of file" },
	{ "bad-missing-comma.json", DIR "bad-missing-comma.json:3:9: '}' "
	    "expected near '\"nodes\"'" },
	{ "bad-duplicate-key.json", DIR "bad-duplicate-key.json:5:6: duplicate "
	    "object key near '\"ui\"'" },
	{ "bad-unknown-key.json", DIR "bad-unknown-key.json: colour: unknown "
	    "key; accepted: redis, ssh, nodes, mailbox, ui, audit, maillog, dns, dnsbl, "
	    "backups, alerts, notify" },
	{ "bad-unknown-node-key.json", DIR "bad-unknown-node-key.json: "
	    "nodes[0].postfix_cofig: unknown key; accepted: name, role, "
	    "cluster, ssh_host, ssh_port, postfix_config, dovecot_config, "
	    "backup_root, role_file, role_command, policy, maillog, "
	    "metrics_listen, egress, filter" },
	{ "bad-no-nodes.json", DIR "bad-no-nodes.json: nodes: empty; at least "
	    "one node is needed" },
	{ "bad-node-name.json", DIR "bad-node-name.json: nodes[0].name: 'gw 1' "
	    "is not a node name: use 1-32 letters, digits, '.', '_' or '-', "
	    "starting with a letter or digit" },
	{ "bad-mailbox-no-backup.json", DIR "bad-mailbox-no-backup.json: "
	    "nodes[0].backup_root: missing; expected the directory holding the "
	    "dated backups" },
	{ "bad-top-array.json", DIR "bad-top-array.json: expected an object at "
	    "the top, got an array" },
	{ "bad-two-passwords.json", DIR "bad-two-passwords.json: redis: "
	    "password_env and password_file are both set; use one" },
	{ "bad-sentinel-no-master.json", DIR "bad-sentinel-no-master.json: "
	    "redis.master_name: missing; sentinels need the name of the master "
	    "they watch" },
	{ "bad-relative-key.json", DIR "bad-relative-key.json: ssh.key_file: "
	    "'id_ed25519' is not a file path: use an absolute path" },
	{ "bad-gateway-backup.json", DIR "bad-gateway-backup.json: "
	    "nodes[0].backup_root: only mailbox nodes have this; 'gw1' is a "
	    "gateway" },
	{ "bad-audit-required.json", DIR "bad-audit-required.json: "
	    "audit.required: expected true or false, got a string" },
	{ "bad-audit-key.json", DIR "bad-audit-key.json: audit.spool: "
	    "unknown key; accepted: required" },
	{ "bad-time-zone.json", DIR "bad-time-zone.json: ui.time_zone: "
	    "'Mars/Base' is not a time zone: no such zone in "
	    "/usr/share/zoneinfo" },
	{ "bad-time-zone-path.json", DIR "bad-time-zone-path.json: "
	    "ui.time_zone: '../etc/passwd' is not a time zone: use \"local\", "
	    "\"UTC\" or a zone such as America/New_York" },
	{ "bad-refresh-type.json", DIR "bad-refresh-type.json: ui.refresh_ms: "
	    "expected an integer from 100 to 60000, got a number with a "
	    "fraction" },
	{ "bad-ssh-host.json", DIR "bad-ssh-host.json: nodes[0].ssh_host: "
	    "'gw1;reboot' is not a host: use a host name or an IP address" },
	{ "bad-policy-no-port.json", DIR "bad-policy-no-port.json: "
	    "nodes[0].policy.listen[0]: '127.0.0.1' is not a listen address: "
	    "use IPv4:PORT, [IPv6]:PORT or an absolute path of a unix socket" },
	{ "bad-policy-ipv6.json", DIR "bad-policy-ipv6.json: "
	    "nodes[0].policy.listen[0]: '::1:12531' is not a listen address: "
	    "write an IPv6 address in brackets: [ADDRESS]:PORT" },
	{ "bad-policy-hostname.json", DIR "bad-policy-hostname.json: "
	    "nodes[0].policy.listen[0]: 'localhost:12531' is not a listen "
	    "address: the host is not an IPv4 address; use an IP literal to "
	    "bind" },
	{ "bad-policy-port.json", DIR "bad-policy-port.json: "
	    "nodes[0].policy.listen[0]: '127.0.0.1:0' is not a listen address: "
	    "the port is not a number from 1 to 65535" },
	{ "bad-policy-relative.json", DIR "bad-policy-relative.json: "
	    "nodes[0].policy.listen[0]: 'run/policy.sock' is not a listen "
	    "address: use IPv4:PORT, [IPv6]:PORT or an absolute path of a unix "
	    "socket" },
	{ "bad-policy-long-path.json", DIR "bad-policy-long-path.json: "
	    "nodes[0].policy.listen[0]: '/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaa…' is not a listen address: a unix socket "
	    "path has at most 107 bytes" },
	{ "bad-policy-empty.json", DIR "bad-policy-empty.json: "
	    "nodes[0].policy.listen: expected a non-empty array of IPv4:PORT, "
	    "[IPv6]:PORT or unix socket paths, got an empty array" },
	{ "bad-policy-twice.json", DIR "bad-policy-twice.json: "
	    "nodes[0].policy.listen[1]: '127.0.0.1:12531' is listed twice" },
	{ "bad-policy-action.json", DIR "bad-policy-action.json: "
	    "nodes[0].policy.fail_action: 'ACCEPT' is not a policy action: use "
	    "OK, DUNNO, REJECT, DEFER, DEFER_IF_PERMIT, DEFER_IF_REJECT, WARN, "
	    "INFO, HOLD, DISCARD or a 4NN/5NN code, optionally followed by a "
	    "space and text" },
	{ "bad-policy-control.json", DIR "bad-policy-control.json: "
	    "nodes[0].policy.fail_action: 'DEFER_IF_PERMIT a?b' is not a policy "
	    "action: control characters would break the policy protocol" },
	{ "bad-policy-key.json", DIR "bad-policy-key.json: "
	    "nodes[0].policy.max_connections: unknown key; accepted: listen, "
	    "fail_action, accept_action, max_clients, redis_timeout_ms, allow, "
	    "max_clients_per_peer, idle_timeout_s, request_timeout_s, "
	    "max_recipient_count, max_message_size, copy_max_age_s, "
	    "copy_reload_s" },
	{ "bad-metrics-host.json", DIR "bad-metrics-host.json: "
	    "nodes[0].metrics_listen: 'localhost:9187' is not a listen "
	    "address: the host is not an IPv4 address; use an IP literal to "
	    "bind" },
	{ "bad-metrics-path.json", DIR "bad-metrics-path.json: "
	    "nodes[0].metrics_listen: expected PORT (on 127.0.0.1), IPv4:PORT "
	    "or [IPv6]:PORT" },
	{ "bad-metrics-port.json", DIR "bad-metrics-port.json: "
	    "nodes[0].metrics_listen: '127.0.0.1:70000' is not a listen "
	    "address: the port is not a number from 1 to 65535" },
	{ "bad-policy-allow.json", DIR "bad-policy-allow.json: "
	    "nodes[0].policy.allow[1]: '10.0.0.1/8' is not an address or a "
	    "network: bits are set after the prefix; write the network's "
	    "first address" },
	{ "bad-dnsbl-space.json", DIR "bad-dnsbl-space.json: dnsbl.zones[1]: "
	    "'bl example.org' is not a DNS zone name: spaces and quotes are "
	    "not accepted; use a domain name such as bl.example.org" },
	{ "bad-dnsbl-quote.json", DIR "bad-dnsbl-quote.json: dnsbl.zones[0]: "
	    "'bl.example.org\"' is not a DNS zone name: spaces and quotes are "
	    "not accepted; use a domain name such as bl.example.org" },
	{ "bad-dnsbl-dot.json", DIR "bad-dnsbl-dot.json: dnsbl.zones[0]: "
	    "'bl.example.org.' is not a DNS zone name: write the name without "
	    "the trailing dot" },
	{ "bad-dnsbl-twice.json", DIR "bad-dnsbl-twice.json: dnsbl.zones[1]: "
	    "'bl.example.org' is listed twice" },
	{ "bad-egress.json", DIR "bad-egress.json: nodes[0].egress[0]: "
	    "'203.0.113.0/24' is not an IP address: only single addresses are "
	    "accepted, not ranges (CIDR prefixes); give each address" },
	{ "bad-egress-mailbox.json", DIR "bad-egress-mailbox.json: "
	    "nodes[0].egress: only gateways send mail out; 'mbx1' is a mailbox "
	    "node" },
	{ "bad-filter-controller.json", DIR "bad-filter-controller.json: "
	    "nodes[0].filter.controller: expected IPv4:PORT or [IPv6]:PORT of "
	    "the filter's controller" },
	{ "bad-filter-mailbox.json", DIR "bad-filter-mailbox.json: "
	    "nodes[0].filter: only gateways have a filter; 'mbx1' is a mailbox "
	    "node" },
	{ "bad-filter-timeout.json", DIR "bad-filter-timeout.json: "
	    "nodes[0].filter.timeout_ms: 0 is out of range; accepted: 50 to "
	    "30000" },
	{ "bad-resolver.json", DIR "bad-resolver.json: dns.resolver: "
	    "'localhost' is not a resolver address: use an IP address, "
	    "optionally with @PORT (127.0.0.1@5353), or \"system\" for "
	    "/etc/resolv.conf" },
	{ "bad-resolver-port.json", DIR "bad-resolver-port.json: dns.resolver: "
	    "'127.0.0.1@99999' is not a resolver address: the port after '@' "
	    "is not a number from 1 to 65535" },
	{ "bad-policy-allow-name.json", DIR "bad-policy-allow-name.json: "
	    "nodes[0].policy.allow[0]: 'gw1.example' is not an address or a "
	    "network: use an IPv4 or IPv6 address, or a network such as "
	    "10.0.0.0/24 or 2001:db8::/64" },
	{ "bad-policy-rcpts.json", DIR "bad-policy-rcpts.json: "
	    "nodes[0].policy.max_recipient_count: 0 is out of range; "
	    "accepted: 1 to 100000000" },
	{ "bad-policy-mailbox.json", DIR "bad-policy-mailbox.json: "
	    "nodes[0].policy: only gateways have a policy service; 'gw1' is a "
	    "mailbox node" },
	{ "bad-mailbox-placeholder.json", DIR "bad-mailbox-placeholder.json: "
	    "mailbox.templates.probe: template 'doveadm -c {config} user {user} "
	    "{folder}': unknown placeholder {folder}; known: {helper}, {config}, "
	    "{root}, {user}" },
	{ "bad-redis-tunnels.json", DIR "bad-redis-tunnels.json: "
	    "redis.tunnels: only used with sentinels; name the tunnel in "
	    "redis.host and redis.port" },
	{ "bad-redis-tunnel-port.json", DIR "bad-redis-tunnel-port.json: "
	    "redis.tunnels[0].local_port: missing; expected the port of the "
	    "local tunnel on 127.0.0.1" },
	{ "bad-mailbox-helper.json", DIR "bad-mailbox-helper.json: "
	    "mailbox.helper: '/usr/lib/mailnoc/restore mailbox' is not a script "
	    "path: use letters, digits and / . _ + - only" },
	{ "bad-mailbox-brace.json", DIR "bad-mailbox-brace.json: "
	    "mailbox.templates.status: template 'doveadm mailbox status -u "
	    "{user} messages {folde...': '{' at column 43 opens no placeholder "
	    "{name}; write '{{' for a literal '{'" },
	{ "bad-mailbox-key.json", DIR "bad-mailbox-key.json: "
	    "mailbox.templates.import: unknown key; accepted: probe, restore, "
	    "probe_restore, status" },
	{ "bad-mailbox-sync.json", DIR "bad-mailbox-sync.json: "
	    "mailbox.templates.restore: doveadm sync and doveadm backup write "
	    "into their source; a restore uses doveadm import" },
	{ "bad-mailbox-no-config.json", DIR "bad-mailbox-no-config.json: "
	    "mailbox.templates.status: uses {config}, but mailbox node 'mbx1' "
	    "has no dovecot_config" },
	{ "bad-mailbox-newline.json", DIR "bad-mailbox-newline.json: "
	    "mailbox.templates.status: control characters are not accepted; "
	    "write the command on one line" },
	{ "bad-mailbox-timeout.json", DIR "bad-mailbox-timeout.json: "
	    "mailbox.restore_timeout_s: 0 is out of range; accepted: 10 to "
	    "604800" },
	{ "bad-ssh-progress.json", DIR "bad-ssh-progress.json: "
	    "ssh.progress_timeout_s: -1 is out of range; accepted: 0 to "
	    "86400" },
	{ "bad-maillog-mailbox.json", DIR "bad-maillog-mailbox.json: "
	    "nodes[0].maillog: only gateways have a mail log to follow; 'mbx1' "
	    "is a mailbox node" },
	{ "bad-maillog-start.json", DIR "bad-maillog-start.json: "
	    "nodes[0].maillog.start: 'middle' is not where to start: use end or "
	    "beginning" },
	{ "bad-maillog-provider.json", DIR "bad-maillog-provider.json: "
	    "maillog.providers.Other[0]: 'yahoo.test' is already in group "
	    "'Yahoo'" },
	{ "bad-maillog-threshold.json", DIR "bad-maillog-threshold.json: "
	    "maillog.harvest.threshold: 0 is out of range; accepted: 1 to "
	    "1000" },
};

/* The mail log follower's keys and the provider groups. */
static void
test_maillog(void **state)
{
	const struct config_maillog_node *m;
	struct config *cfg;

	(void)state;
	cfg = load("good-maillog.json");
	m = &cfg->nodes[0].maillog;
	assert_true(m->enabled);
	assert_string_equal(m->file, "/var/log/postfix-gw1.log");
	assert_true(m->from_start);
	assert_int_equal(m->batch_ms, 500);
	assert_true(m->max_open == 100000);
	assert_true(m->max_age_s == 86400);
	assert_int_equal(m->warn_interval_s, 60);
	m = &cfg->nodes[1].maillog;
	assert_true(m->enabled);
	assert_null(m->file);
	assert_false(m->from_start);
	assert_string_equal(m->state_dir, "/var/lib/mailnocd");
	assert_int_equal(m->batch_ms, 1000);
	assert_false(cfg->nodes[2].maillog.enabled);
	assert_string_equal(config_provider_group(cfg, "yahoo.test"), "Yahoo");
	assert_string_equal(config_provider_group(cfg, "ymail.test"), "Yahoo");
	assert_string_equal(config_provider_group(cfg, "hotmail.test"),
	    "Hotmail");
	assert_null(config_provider_group(cfg, "gmail.test"));
	assert_int_equal(cfg->maillog.harvest_threshold, 30);
	assert_int_equal(cfg->maillog.harvest_window_s, 600);
	assert_true(cfg->maillog.auto_block);
	assert_true(cfg->maillog.block_s == 0);
	config_free(cfg);

	cfg = load("good.json");
	assert_int_equal(cfg->maillog.harvest_threshold, 20);
	assert_int_equal(cfg->maillog.harvest_window_s, 300);
	assert_false(cfg->maillog.auto_block);
	config_free(cfg);
}

static void
test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char path[256], cause[CONFIG_CAUSE_MAX] = "";
		struct config *cfg;

		snprintf(path, sizeof path, DIR "%s", bad_cases[i].file);
		cfg = config_load(path, cause, sizeof cause);
		if (cfg != NULL)
			fail_msg("%s was accepted", path);
		assert_string_equal(cause, bad_cases[i].message);
	}
}

/* Mailbox templates: the configured ones replace the defaults one by one. */
static void
test_mailbox(void **state)
{
	struct config *cfg;
	int i;

	(void)state;
	cfg = load("good-mailbox.json");
	assert_int_equal(cfg->mailbox.restore_timeout_s, 600);
	assert_string_equal(cfg->mailbox.helper, "/opt/mailnoc/restore-mailbox");
	assert_non_null(cfg->mailbox.templates[CONFIG_MBX_PROBE]);
	assert_null(cfg->mailbox.templates[CONFIG_MBX_RESTORE]);
	assert_null(cfg->mailbox.templates[CONFIG_MBX_PROBE_RESTORE]);
	assert_string_equal(cfg->mailbox.templates[CONFIG_MBX_STATUS],
	    "sudo -u vmail doveadm -c {config} mailbox status -u {user} "
	    "messages {folder}");
	config_free(cfg);

	/* Without the key: six hours and every Dovecot default. */
	cfg = load("good.json");
	assert_int_equal(cfg->mailbox.restore_timeout_s, 21600);
	assert_int_equal(cfg->ssh.progress_timeout_s, 60);
	assert_string_equal(cfg->mailbox.helper,
	    "/usr/lib/mailnoc/restore-mailbox");
	for (i = 0; i < CONFIG_MBX_NTEMPLATES; i++)
		assert_null(cfg->mailbox.templates[i]);
	config_free(cfg);

	assert_string_equal(config_mailbox_template_name(CONFIG_MBX_PROBE_RESTORE),
	    "probe_restore");
	assert_string_equal(config_mailbox_placeholders(CONFIG_MBX_STATUS)[0],
	    "helper");
	assert_string_equal(config_mailbox_placeholders(CONFIG_MBX_STATUS)[3],
	    "folder");
	assert_null(config_mailbox_placeholders(CONFIG_MBX_STATUS)[4]);
}

static void
test_find(void **state)
{
	char path[256], cause[CONFIG_CAUSE_MAX];
	char home[] = "/tmp/mailnoc-test-home-XXXXXX", dir[300], file[400];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(home));
	setenv("HOME", home, 1);
	setenv("MAILNOC_CONFIG", "/env/config.json", 1);

	/* --config wins over everything. */
	assert_int_equal(config_find("/opt/a.json", path, sizeof path, cause,
			     sizeof cause), 0);
	assert_string_equal(path, "/opt/a.json");
	/* Then $MAILNOC_CONFIG, even if the file does not exist. */
	assert_int_equal(config_find(NULL, path, sizeof path, cause,
			     sizeof cause), 0);
	assert_string_equal(path, "/env/config.json");

	/* Then ~/.config/mailnoc/config.json when it exists. */
	unsetenv("MAILNOC_CONFIG");
	snprintf(dir, sizeof dir, "%s/.config", home);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof dir, "%s/.config/mailnoc", home);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(file, sizeof file, "%s/config.json", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(config_find(NULL, path, sizeof path, cause,
			     sizeof cause), 0);
	assert_string_equal(path, file);
	unlink(file);
	rmdir(dir);
	snprintf(dir, sizeof dir, "%s/.config", home);
	rmdir(dir);

	/* Nothing anywhere: the error lists where it looked. */
	if (access("/etc/mailnoc/config.json", F_OK) == -1) {
		assert_int_equal(config_find(NULL, path, sizeof path, cause,
				     sizeof cause), -1);
		assert_string_equal(cause, "no configuration found; give "
		    "--config FILE, set MAILNOC_CONFIG, or create "
		    "~/.config/mailnoc/config.json or /etc/mailnoc/config.json");
	}
	rmdir(home);
}

static void
test_password(void **state)
{
	char cause[CONFIG_CAUSE_MAX], pw[64];
	struct config *cfg;

	(void)state;
	cfg = load("good.json");
	unsetenv("MAILNOC_TEST_PASSWORD");
	assert_int_equal(config_redis_password(cfg, pw, sizeof pw, cause,
			     sizeof cause), -1);
	assert_string_equal(cause, "redis password: environment variable "
	    "MAILNOC_TEST_PASSWORD is not set");
	setenv("MAILNOC_TEST_PASSWORD", "hunter2", 1);
	assert_int_equal(config_redis_password(cfg, pw, sizeof pw, cause,
			     sizeof cause), 1);
	assert_string_equal(pw, "hunter2");
	config_free(cfg);

	cfg = load("sentinel.json");
	assert_int_equal(config_redis_password(cfg, pw, sizeof pw, cause,
			     sizeof cause), -1);
	assert_string_equal(cause, "redis password: cannot open "
	    "'/etc/mailnoc/redis.pass': No such file or directory");
	config_free(cfg);
}

/* A config naming `pwfile` as the password file. */
static struct config *
password_config(const char *d, const char *pwfile)
{
	return test_config_file(d, "", "\"host\": \"127.0.0.1\", "
	    "\"password_file\": \"%s\"", pwfile);
}

static void
write_secret(const char *path, mode_t mode, const char *text)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* The password file: mode, owner and length are checked, never cut. */
static void
test_password_file(void **state)
{
	/* A password file, and the password read or what the refusal says.
	 * 15 bytes fill the buffer exactly: kept; 16 would be cut: refused. */
	static const struct {
		mode_t		 mode;
		const char	*text;
		const char	*want;
		const char	*said;
	} files[] = {
		{ 0600, "s3cret\n", "s3cret", NULL },
		{ 0644, "s3cret\n", NULL,
		  "may be read by others (mode 644); chmod 600 it" },
		{ 0400, "123456789012345\n", "123456789012345", NULL },
		{ 0600, "1234567890123456\n", NULL, "is longer than 15 bytes" },
	};
	char d[] = "/tmp/mailnoc-unit-pw-XXXXXX", pwfile[300], cause[256];
	char pw[16], cmd[64];
	struct config *cfg;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(d));
	snprintf(pwfile, sizeof pwfile, "%s/redis.pass", d);
	cfg = password_config(d, pwfile);

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		write_secret(pwfile, files[i].mode, files[i].text);
		if (files[i].said == NULL) {
			assert_int_equal(config_redis_password(cfg, pw,
			    sizeof pw, cause, sizeof cause), 1);
			assert_string_equal(pw, files[i].want);
		} else {
			assert_int_equal(config_redis_password(cfg, pw,
			    sizeof pw, cause, sizeof cause), -1);
			assert_non_null(strstr(cause, files[i].said));
		}
	}

	if (geteuid() == 0) {
		write_secret(pwfile, 0600, "s3cret\n");
		assert_int_equal(chown(pwfile, 65534, 65534), 0);
		assert_int_equal(config_redis_password(cfg, pw, sizeof pw,
		    cause, sizeof cause), -1);
		assert_non_null(strstr(cause, "belongs to uid 65534"));
	}
	config_free(cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

/* Secrets in memory: mailnoc makes itself undumpable before it loads any. */
static void
test_undumpable(void **state)
{
	char *argv[] = { "mailnoc", "--version", NULL };

	(void)state;
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1), 0);
	assert_int_equal(mailnoc_main(2, argv, NULL), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
}

static void
test_policy(void **state)
{
	const struct config_policy *p;
	struct config *cfg;

	(void)state;
	cfg = load("good-policy.json");
	/* metrics_listen: a bare port is loopback; absent, no listener. */
	assert_string_equal(cfg->nodes[0].metrics.text, "127.0.0.1:9187");
	assert_string_equal(cfg->nodes[0].metrics.host, "127.0.0.1");
	assert_int_equal(cfg->nodes[0].metrics.port, 9187);
	assert_string_equal(cfg->nodes[1].metrics.host, "::1");
	assert_int_equal(cfg->nodes[1].metrics.port, 9188);
	assert_null(cfg->nodes[2].metrics.host);
	assert_false(cfg->audit.required);
	p = &cfg->nodes[0].policy;
	assert_int_equal(p->nlisten, 3);
	assert_string_equal(p->listen[0].host, "127.0.0.1");
	assert_int_equal(p->listen[0].port, 12531);
	assert_null(p->listen[0].path);
	assert_string_equal(p->listen[1].host, "::1");
	assert_int_equal(p->listen[1].port, 12531);
	assert_string_equal(p->listen[1].text, "[::1]:12531");
	assert_null(p->listen[2].host);
	assert_string_equal(p->listen[2].path, "/run/mailnoc/gw1-policy.sock");
	assert_string_equal(p->fail_action,
	    "DEFER_IF_PERMIT policy service unavailable");
	assert_string_equal(p->accept_action, "OK");
	assert_int_equal(p->max_clients, 200);
	assert_int_equal(p->redis_timeout_ms, 80);
	assert_int_equal(p->max_clients_per_peer, 50);
	assert_int_equal(p->idle_timeout_s, 600);
	assert_int_equal(p->request_timeout_s, 5);
	assert_true(p->max_recipient_count == 2000);
	assert_true(p->max_message_size == 52428800);
	assert_int_equal(p->nallow, 3);
	assert_string_equal(p->allow[0].text, "127.0.0.1");
	assert_int_equal(p->allow[0].bits, 128);
	assert_string_equal(p->allow[1].text, "192.0.2.0/24");
	assert_int_equal(p->allow[1].bits, 96 + 24);
	assert_string_equal(p->allow[2].text, "2001:db8::/32");
	assert_int_equal(p->allow[2].bits, 32);
	/* Defaults. */
	p = &cfg->nodes[1].policy;
	assert_int_equal(p->nlisten, 1);
	assert_string_equal(p->listen[0].host, "0.0.0.0");
	assert_string_equal(p->fail_action, "DUNNO");
	assert_string_equal(p->accept_action, "DUNNO");
	assert_int_equal(p->max_clients, 1024);
	assert_int_equal(p->redis_timeout_ms, 50);
	assert_null(p->allow);
	assert_int_equal(p->max_clients_per_peer, 512);
	assert_int_equal(p->idle_timeout_s, 300);
	assert_int_equal(p->request_timeout_s, 10);
	assert_true(p->max_recipient_count == 10000);
	assert_true(p->max_message_size == 1073741824);
	/* No policy object: no policy service. */
	assert_int_equal(cfg->nodes[2].policy.nlisten, 0);
	config_free(cfg);
}

static void
test_policy_action(void **state)
{
	(void)state;
	assert_null(config_policy_action_check("DUNNO"));
	assert_null(config_policy_action_check("OK"));
	assert_null(config_policy_action_check("REJECT"));
	assert_null(config_policy_action_check("REJECT not today"));
	assert_null(config_policy_action_check("DEFER_IF_PERMIT try later"));
	assert_null(config_policy_action_check("451 4.3.0 try later"));
	assert_null(config_policy_action_check("554 5.7.1 no"));
	assert_non_null(config_policy_action_check(""));
	assert_non_null(config_policy_action_check("dunno"));
	assert_non_null(config_policy_action_check("DUNNO please"));
	assert_non_null(config_policy_action_check("250 fine"));
	assert_non_null(config_policy_action_check("451"));
	assert_non_null(config_policy_action_check("451 "));
	assert_non_null(config_policy_action_check("REJECTED"));
	assert_non_null(config_policy_action_check("REJECT a\tb"));
	assert_non_null(config_policy_action_check("REJECT\n\naction=OK"));
}

static void
test_listen_parse(void **state)
{
	static const struct {
		const char	*s;
		const char	*cause;	/* NULL: any */
	} refused[] = {
		{ "127.0.0.1:65536", NULL }, { "127.0.0.1:+25", NULL },
		{ "127.0.0.1:25x", NULL },
		{ "[127.0.0.1]:25", "'[127.0.0.1]:25' is not a listen address: "
		  "the address in [] is not an IPv6 address" },
		{ "[::1]25", NULL }, { "[::1", NULL }, { ":25", NULL },
		{ "10.0.0.0/8:25", NULL }, { "/run/../etc/sock", NULL },
		{ "/run/dir/", NULL }, { "", NULL },
	};
	char cause[CONFIG_CAUSE_MAX];
	struct config_listen l;
	size_t i;

	(void)state;
	assert_int_equal(config_listen_parse("127.0.0.1:12531", &l, cause,
	    sizeof cause), 0);
	assert_string_equal(l.host, "127.0.0.1");
	assert_int_equal(l.port, 12531);
	config_listen_free(&l);
	assert_int_equal(config_listen_parse("[2001:db8::1]:65535", &l, cause,
	    sizeof cause), 0);
	assert_string_equal(l.host, "2001:db8::1");
	assert_int_equal(l.port, 65535);
	config_listen_free(&l);
	assert_int_equal(config_listen_parse("/var/spool/postfix/private/"
	    "mailnoc", &l, cause, sizeof cause), 0);
	assert_string_equal(l.path, "/var/spool/postfix/private/mailnoc");
	config_listen_free(&l);

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		if (config_listen_parse(refused[i].s, &l, cause,
		    sizeof cause) != -1)
			fail_msg("'%s' was taken for a listen address",
			    refused[i].s);
		if (refused[i].cause != NULL)
			assert_string_equal(cause, refused[i].cause);
	}
}

/* Runs cli_parse on a NULL-terminated list; returns its result. */
static int
parse(struct cli *cli, char *cause, size_t len, ...)
{
	static char *argv[16];
	va_list ap;
	int argc = 0;

	va_start(ap, len);
	argv[argc++] = "mailnoc";
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return cli_parse(argc, argv, cli, cause, len);
}

static void
test_cli(void **state)
{
	char cause[CONFIG_CAUSE_MAX];
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, cause, sizeof cause, "-c", "/x.json",
			     "--json", "nodes", "--all", NULL), 0);
	assert_string_equal(cli.config, "/x.json");
	assert_true(cli.json);
	assert_int_equal(cli.argc, 2);
	assert_string_equal(cli.argv[0], "nodes");
	assert_string_equal(cli.argv[1], "--all");

	assert_int_equal(parse(&cli, cause, sizeof cause, "--config=/y.json",
			     "--check-config", NULL), 0);
	assert_string_equal(cli.config, "/y.json");
	assert_true(cli.check_config);
	assert_int_equal(cli.argc, 0);

	assert_int_equal(parse(&cli, cause, sizeof cause, "--password",
			     "s3cret", "status", NULL), -1);
	assert_string_equal(cause, "--password: a password is not accepted on "
	    "the command line; set redis.password_env or redis.password_file "
	    "in the configuration");
	assert_int_equal(parse(&cli, cause, sizeof cause,
			     "--redis-password=s3cret", NULL), -1);
	assert_string_equal(cause, "--redis-password: a password is not "
	    "accepted on the command line; set redis.password_env or "
	    "redis.password_file in the configuration");

	assert_int_equal(parse(&cli, cause, sizeof cause, "--colour", NULL), -1);
	assert_string_equal(cause, "unknown option '--colour'; see mailnoc "
	    "--help");
	assert_int_equal(parse(&cli, cause, sizeof cause, "-c", NULL), -1);
	assert_string_equal(cause, "option '--config' needs a value");
	assert_int_equal(parse(&cli, cause, sizeof cause, "--json=yes", NULL),
	    -1);
	assert_string_equal(cause, "option '--json' takes no value");
	/* Bundled flags, as getopt takes them; a value ends the bundle. */
	assert_int_equal(parse(&cli, cause, sizeof cause, "-jy", "block",
			     NULL), 0);
	assert_true(cli.json);
	assert_true(cli.yes);
	assert_false(cli.dry_run);
	assert_int_equal(cli.argc, 1);
	assert_int_equal(parse(&cli, cause, sizeof cause, "-rnc", "/z.json",
			     "nodes", NULL), 0);
	assert_true(cli.read_only);
	assert_true(cli.dry_run);
	assert_string_equal(cli.config, "/z.json");
	assert_string_equal(cli.argv[0], "nodes");
	assert_int_equal(parse(&cli, cause, sizeof cause, "-jc/w.json", NULL),
	    0);
	assert_true(cli.json);
	assert_string_equal(cli.config, "/w.json");
	assert_int_equal(parse(&cli, cause, sizeof cause, "-jq", NULL), -1);
	assert_string_equal(cause, "unknown option '-q'; see mailnoc --help");
	assert_int_equal(parse(&cli, cause, sizeof cause, "-jc", NULL), -1);
	assert_string_equal(cause, "option '--config' needs a value");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_sentinel),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_maillog),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_undumpable),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_action),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
