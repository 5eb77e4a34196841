/* backups: a user's dated backups on a mailbox node, and which can be
 * restored (the last 28 days). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/mailbox.h"
#include "cmd/cmd.h"
#include "cmd/cmd_restore.h"
#include "core/backup.h"
#include "core/exitcode.h"
#include "core/restore.h"

static const struct cmd_option cmd_backups_options[] = {
	{ "node", 1, "this mailbox node (default: the active node of the "
	    "user's cluster)" },
	{ NULL, 0, NULL },
};

static void
backups_text(FILE *f, const char *user, const char *node,
    const struct restore_backup *b, long n, long today)
{
	char day[RESTORE_DATE_LEN], line[512];
	long i, miss[RESTORE_WINDOW_DAYS];
	size_t nmiss;

	fprintf(f, "backups of %s on %s (today %s; the last %d days can be "
	    "restored)\n", user, node, restore_date_format(today, day,
	    sizeof day), RESTORE_WINDOW_DAYS);
	if (n == 0) {
		fprintf(f, "none\n");
		return;
	}
	fprintf(f, "%-10s  %5s  %8s  %s\n", "DATE", "AGE", "MESSAGES",
	    "RESTORABLE");
	for (i = 0; i < n; i++) {
		const char *why = restore_age_refused(today - b[i].day);
		char msgs[24];

		if (b[i].messages < 0)
			snprintf(msgs, sizeof msgs, "?");
		else
			snprintf(msgs, sizeof msgs, "%ld", b[i].messages);
		fprintf(f, "%-10s  %4ldd  %8s  %s%s\n", b[i].date,
		    today - b[i].day, msgs, why ? "no: " : "yes", why ? why : "");
	}
	nmiss = backup_restore_gaps(b, (size_t)n, today, miss,
	    RESTORE_WINDOW_DAYS);
	if (nmiss > 0)
		fprintf(f, "%s\n", backup_gaps_format(miss, nmiss,
		    RESTORE_WINDOW_DAYS, line, sizeof line));
}

static json_t *
backups_json(const char *user, const char *node,
    const struct restore_backup *b, long n, long today)
{
	json_t *o = json_object(), *arr = json_array();
	char day[RESTORE_DATE_LEN];
	long i, miss[RESTORE_WINDOW_DAYS];
	size_t j, nmiss;

	json_object_set_new(o, "user", json_string(user));
	json_object_set_new(o, "node", json_string(node));
	json_object_set_new(o, "today", json_string(restore_date_format(today,
	    day, sizeof day)));
	json_object_set_new(o, "window_days", json_integer(RESTORE_WINDOW_DAYS));
	for (i = 0; i < n; i++) {
		const char *why = restore_age_refused(today - b[i].day);
		json_t *x = json_object();

		json_object_set_new(x, "date", json_string(b[i].date));
		json_object_set_new(x, "age_days", json_integer(today - b[i].day));
		json_object_set_new(x, "messages", b[i].messages < 0 ?
		    json_null() : json_integer(b[i].messages));
		json_object_set_new(x, "restorable", json_boolean(why == NULL));
		if (why != NULL)
			json_object_set_new(x, "reason", json_string(why));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "backups", arr);
	nmiss = backup_restore_gaps(b, (size_t)n, today, miss,
	    RESTORE_WINDOW_DAYS);
	arr = json_array();
	for (j = 0; j < nmiss; j++)
		json_array_append_new(arr, json_string(restore_date_format(
		    miss[j], day, sizeof day)));
	json_object_set_new(o, "missing", arr);
	return o;
}

/* Checks USER and --node; in the console the restore view lists them,
 * on a job thread: the console never waits for a node. */
static int
cmd_backups_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	const char *opt = cmd_option(c, "node");
	const struct config_node *n;
	int code;

	if ((code = cmd_restore_user(ctx, "backups", c->argv[0])) != EXIT_OK)
		return code;
	if (opt != NULL && (n = config_node_find(ctx->cfg, opt)) == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "backups: unknown node "
		    "'%.64s'; nothing was run", opt);
	if (opt != NULL && n->role != NODE_MAILBOX)
		return cmd_fail(ctx, EXIT_USAGE, "backups: '%s' is a "
		    "gateway, not a mailbox node; nothing was run", opt);
	ask->view = "restore";
	return EXIT_OK;
}

static int
cmd_backups_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct config_node *node;
	const char *user = c->argv[0];
	long today = restore_today(time(NULL));
	struct mailbox_probe p;
	struct ssh_conn ssh;
	char cause[512];
	int code = EXIT_OK, rc;

	if ((code = cmd_restore_user(ctx, "backups", user)) != EXIT_OK)
		return code;
	if ((node = cmd_restore_node(ctx, "backups", cmd_option(c, "node"),
		 false, &code)) == NULL)
		return code;
	ssh_init(&ssh, ctx->cfg, node);
	rc = mailbox_probe(&ssh, user, &p, cause, sizeof cause);
	if (rc == -1)
		code = cmd_fail(ctx, cmd_restore_ssh_code(&ssh), "backups: %s",
		    cause);
	ssh_close(&ssh);
	if (rc == -1)
		return code;
	if (!p.known)
		return cmd_fail(ctx, EXIT_USAGE, "backups: unknown user '%s' on %s",
		    user, node->name);
	if (ctx->json)
		cmd_json_print(ctx, backups_json(user, node->name, p.backups,
		    (long)p.nbackups, today));
	else
		backups_text(ctx->out, user, node->name, p.backups,
		    (long)p.nbackups, today);
	mailbox_probe_free(&p);
	return EXIT_OK;
}

const struct cmd_entry cmd_backups_entry = {
	.name = "backups",
	.alias = NULL,
	.usage = "USER",
	.help = "list a user's mailbox backups, their age and whether they "
		"can be restored",
	.options = cmd_backups_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_SSH | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_backups_prepare,
	.exec = cmd_backups_exec,
};
