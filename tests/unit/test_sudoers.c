/* Unit tests of the sudoers drop-in: each line matches what the console sends. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/mailbox.h"
#include "core/shell.h"
#include "cmd/sudoers.h"

static struct config_node nodes[2];
static struct config cfg;

static void
setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	memset(nodes, 0, sizeof nodes);
	nodes[0] = (struct config_node){ .name = (char *)"gw1",
	    .role = NODE_GATEWAY, .postfix_config = (char *)"/etc/postfix" };
	nodes[1] = (struct config_node){ .name = (char *)"mbx1",
	    .role = NODE_MAILBOX,
	    .dovecot_config = (char *)"/etc/dovecot/dovecot.conf",
	    .backup_root = (char *)"/srv/backup" };
	cfg.nodes = nodes;
	cfg.nnodes = 2;
}

/* The drop-in as a string; NULL with cause when refused. */
static char *
dropin(const char *const *only, size_t n, char *cause, size_t len)
{
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = open_memstream(&text, &textlen);
	int rc;

	assert_non_null(f);
	rc = sudoers_print(f, &cfg, "mailnoc", only, n, cause, len);
	fclose(f);
	if (rc == -1) {
		assert_int_equal(textlen, 0);
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Whether the line for `path` with a regular expression matches `args` as
 * sudo joins them. sudoers' lexer keeps every escape but '\#'.
 */
static int
line_matches(const char *text, const char *path, const char *args)
{
	char prefix[128], re[4096];
	const char *p = text, *e;
	size_t n;
	regex_t rx;
	int found = 0;

	snprintf(prefix, sizeof prefix, "mailnoc ALL=(root) NOPASSWD: %s ^",
	    path);
	while ((p = strstr(p, prefix)) != NULL) {
		p += strlen(prefix) - 1;
		e = strchr(p, '\n');
		for (n = 0; p < e && n + 1 < sizeof re; p++) {
			if (p[0] == '\\' && p[1] == '#')
				continue;
			re[n++] = *p;
		}
		re[n] = '\0';
		assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
		found |= regexec(&rx, args, 0, NULL, 0) == 0;
		regfree(&rx);
	}
	return found;
}

/* The arguments of a command mailbox_command made, as sudo joins them:
 * every quote is a single-quoted part without quotes inside. */
static void
joined_args(const char *cmd, char *out, size_t len)
{
	size_t n = 0;

	cmd = strchr(cmd, ' ') + 1;
	for (; *cmd != '\0' && n + 1 < len; cmd++) {
		if (*cmd != '\'')
			out[n++] = *cmd;
	}
	out[n] = '\0';
}

static void
test_postfix_lines(void **state)
{
	char cause[256], *text;

	(void)state;
	setup();
	text = dropin(NULL, 0, cause, sizeof cause);
	assert_non_null(text);
	assert_non_null(strstr(text, "Defaults:mailnoc runcwd=/\n"));
	assert_non_null(strstr(text, "mailnoc ALL=(root) NOPASSWD: "
	    "/usr/sbin/postsuper ^-c /etc/postfix -d -$\n"));
	assert_true(line_matches(text, "/usr/sbin/postsuper",
	    "-c /etc/postfix -H -"));
	assert_false(line_matches(text, "/usr/sbin/postsuper",
	    "-c /etc/postfix -d ALL"));
	assert_false(line_matches(text, "/usr/sbin/postsuper",
	    "-c /etc/postfix/ -d -"));
	assert_true(line_matches(text, "/usr/sbin/postcat",
	    "-c /etc/postfix -h -b -q 4F1A52C3D9"));
	assert_false(line_matches(text, "/usr/sbin/postcat",
	    "-c /etc/postfix -h -q 4F1A52C3D9 /etc/shadow"));
	assert_true(line_matches(text, "/usr/bin/env", "LC_ALL=C grep -rlaP "
	    "-e \\x41\\x1dclient_address=127\\.0\\.1\\.1 "
	    "/var/spool/postfix/incoming /var/spool/postfix/active "
	    "/var/spool/postfix/deferred"));
	free(text);
}

/* Where the package installs the restore script (mailbox.helper). */
#define H "/usr/lib/mailnoc/restore-mailbox"

static void
test_mailbox_lines(void **state)
{
	struct mailbox_args a = { .user = "alice", .date = "2026-03-07",
		.folder = "Restored-2026-03-07-2" };
	char cause[256], cmd[SHELL_CMD_MAX], args[SHELL_CMD_MAX], *text;
	struct mailbox_args b = { .user = "alice", .from = "2026-02-07",
		.to = "2026-03-07" };
	const char *only[] = { "mbx1" };

	(void)state;
	setup();
	text = dropin(only, 1, cause, sizeof cause);
	assert_non_null(text);
	assert_null(strstr(text, "postsuper"));
	assert_int_equal(mailbox_command(&cfg, &nodes[1], MAILBOX_RESTORE, &a,
	    cmd, sizeof cmd, cause, sizeof cause), 0);
	joined_args(cmd, args, sizeof args);
	assert_true(line_matches(text, H, args));
	/* Another backup root, or one more command: not allowed. */
	nodes[1].backup_root = (char *)"/srv/other";
	assert_int_equal(mailbox_command(&cfg, &nodes[1], MAILBOX_RESTORE, &a,
	    cmd, sizeof cmd, cause, sizeof cause), 0);
	joined_args(cmd, args, sizeof args);
	assert_false(line_matches(text, H, args));
	nodes[1].backup_root = (char *)"/srv/backup";
	assert_int_equal(mailbox_command(&cfg, &nodes[1], MAILBOX_STATUS, &a,
	    cmd, sizeof cmd, cause, sizeof cause), 0);
	joined_args(cmd, args, sizeof args);
	assert_true(line_matches(text, H, args));
	strncat(args, "; id", sizeof args - strlen(args) - 1);
	assert_false(line_matches(text, H, args));
	/* The restore nobody confirms: the script and its argument shape. */
	assert_int_equal(mailbox_command(&cfg, &nodes[1], MAILBOX_PROBE_RESTORE,
	    &b, cmd, sizeof cmd, cause, sizeof cause), 0);
	joined_args(cmd, args, sizeof args);
	assert_true(line_matches(text, H, args));
	assert_false(line_matches(text, H, "probe-restore "
	    "/etc/dovecot/dovecot.conf /srv/backup alice /etc/shadow "
	    "2026-02-07 2026-03-07"));
	assert_false(line_matches(text, H, "probe-restore "
	    "/etc/dovecot/dovecot.conf /srv/backup -x 2026-02-07 2026-03-07"));
	/* No sudoers wildcard and no shell: every line a regular expression. */
	assert_null(strstr(text, "/bin/sh"));
	assert_null(strstr(text, "NOPASSWD: " H " -"));
	assert_null(strstr(text, "NOPASSWD: " H " p"));
	free(text);
}

static void
test_refused(void **state)
{
	char cause[256];
	const char *only[] = { "gw9" };

	(void)state;
	setup();
	assert_null(dropin(only, 1, cause, sizeof cause));
	assert_string_equal(cause, "no node 'gw9' in the configuration");
	cfg.mailbox.templates[MAILBOX_STATUS] = (char *)"doveadm -c {config} "
	    "mailbox status -u {user} messages {folder} | head";
	assert_null(dropin(NULL, 0, cause, sizeof cause));
	assert_non_null(strstr(cause, "cannot be allowed in sudoers: it has a "
	    "shell operator or glob outside quotes"));
	cfg.mailbox.templates[MAILBOX_STATUS] = (char *)"doveadm -c {config} "
	    "mailbox status -u {user} messages $HOME {folder}";
	assert_null(dropin(NULL, 0, cause, sizeof cause));
	assert_non_null(strstr(cause, "a shell expansion outside single quotes"));
	cfg.mailbox.templates[MAILBOX_STATUS] = (char *)"doveadm -c {config} "
	    "mailbox status -u {user} '' {folder}";
	assert_null(dropin(NULL, 0, cause, sizeof cause));
	assert_non_null(strstr(cause, "an empty argument"));
	cfg.mailbox.templates[MAILBOX_STATUS] = (char *)"/usr/local/bin/doveadm "
	    "-c {config} mailbox status -u {user} messages {folder}";
	{
		char *text = dropin(NULL, 0, cause, sizeof cause);

		assert_non_null(text);
		assert_non_null(strstr(text, "NOPASSWD: /usr/local/bin/doveadm "
		    "^-c /etc/dovecot/dovecot\\.conf mailbox status -u "));
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_lines),
		cmocka_unit_test(test_mailbox_lines),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
