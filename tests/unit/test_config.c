/* Unit tests of the configuration loader, its lookup and the CLI options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cli.h"
#include "core/config.h"

#define DIR "tests/unit/config/"

static void
test_good(void **state)
{
	char cause[CONFIG_CAUSE_MAX] = "";
	struct config *cfg;

	(void)state;
	cfg = config_load(DIR "good.json", cause, sizeof cause);
	assert_non_null(cfg);
	assert_string_equal(cause, "");
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
	assert_null(config_node_find(cfg, "mbx9"));
	assert_string_equal(cfg->ui.theme, "light");
	assert_int_equal(cfg->ui.refresh_ms, 2000);
	config_free(cfg);
}

static void
test_sentinel(void **state)
{
	char cause[CONFIG_CAUSE_MAX] = "";
	struct config *cfg;

	(void)state;
	cfg = config_load(DIR "sentinel.json", cause, sizeof cause);
	assert_non_null(cfg);
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
	    "key; accepted: redis, ssh, nodes, ui" },
	{ "bad-unknown-node-key.json", DIR "bad-unknown-node-key.json: "
	    "nodes[0].postfix_cofig: unknown key; accepted: name, role, "
	    "cluster, ssh_host, ssh_port, postfix_config, dovecot_config, "
	    "backup_root, role_file, role_command" },
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
	{ "bad-refresh-type.json", DIR "bad-refresh-type.json: ui.refresh_ms: "
	    "expected an integer from 100 to 60000, got a number with a "
	    "fraction" },
	{ "bad-ssh-host.json", DIR "bad-ssh-host.json: nodes[0].ssh_host: "
	    "'gw1;reboot' is not a host: use a host name or an IP address" },
};

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
	cfg = config_load(DIR "good.json", cause, sizeof cause);
	assert_non_null(cfg);
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

	cfg = config_load(DIR "sentinel.json", cause, sizeof cause);
	assert_non_null(cfg);
	assert_int_equal(config_redis_password(cfg, pw, sizeof pw, cause,
			     sizeof cause), -1);
	assert_string_equal(cause, "redis password: cannot open "
	    "'/etc/mailnoc/redis.pass': No such file or directory");
	config_free(cfg);
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
	assert_int_equal(parse(&cli, cause, sizeof cause, "-jy", NULL), -1);
	assert_string_equal(cause, "option '-j' takes no value; write flags "
	    "separately");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_sentinel),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
