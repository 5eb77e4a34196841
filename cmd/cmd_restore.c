/* restore: bring a user's mailbox back from a dated backup into a new
 * folder on the active node of the user's cluster; never into live mail. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/mailbox.h"
#include "core/clock.h"
#include "cmd/cmd.h"
#include "cmd/cmd_restore.h"
#include "cmd/confirm.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/restore.h"
#include "core/validate.h"
#include "core/shell.h"

static const struct cmd_option cmd_restore_options[] = {
	{ "date", 1, "the backup of this day (YYYY-MM-DD, the last 28 days)" },
	{ "latest", 0, "the newest backup of the last 28 days" },
	{ "node", 1, "the mailbox node (must be the active node of its "
	    "cluster)" },
	{ NULL, 0, NULL },
};

static volatile sig_atomic_t restore_cancel;

static void
restore_on_signal(int sig)
{
	(void)sig;
	restore_cancel = 1;
}

int
cmd_restore_user(struct cmd_ctx *ctx, const char *name, const char *user)
{
	const char *why = validate_mail_user(user);
	char shown[80];
	size_t i;

	if (why == NULL)
		return EXIT_OK;
	/* The refused name may hold control characters: show them safely. */
	for (i = 0; user[i] != '\0' && i + 1 < sizeof shown && i < 64; i++)
		shown[i] = (unsigned char)user[i] < 0x20 ||
		    user[i] == 0x7f ? '?' : user[i];
	shown[i] = '\0';
	return cmd_fail(ctx, EXIT_USAGE, "%s: user '%s%s' is not accepted: %s; "
	    "nothing was run", name, shown, user[i] != '\0' ? "..." : "", why);
}

const struct config_node *
cmd_restore_node(struct cmd_ctx *ctx, const char *name, const char *node,
    bool need_active, int *code)
{
	const struct config_node *n;
	const struct snapshot *snap = NULL;
	char cause[400];

	*code = EXIT_OK;
	/* Refused from the configuration alone: no Redis, no node. */
	if (node != NULL) {
		if ((n = config_node_find(ctx->cfg, node)) == NULL) {
			*code = cmd_fail(ctx, EXIT_USAGE, "%s: unknown node '%.64s'; "
			    "nothing was run", name, node);
			return NULL;
		}
		if (n->role != NODE_MAILBOX) {
			*code = cmd_fail(ctx, EXIT_USAGE, "%s: '%s' is a gateway, "
			    "not a mailbox node; nothing was run", name, node);
			return NULL;
		}
	}
	if ((node == NULL || need_active) &&
	    (snap = cmd_snapshot(ctx, code)) == NULL)
		return NULL;
	if ((n = restore_pick_node(ctx->cfg, snap, node, need_active, cause,
		 sizeof cause)) == NULL) {
		*code = cmd_fail(ctx, EXIT_FAILED, "%s: %s; nothing was run", name,
		    cause);
		return NULL;
	}
	return n;
}

int
cmd_restore_ssh_code(const struct ssh_conn *c)
{
	return c->err != SSH_E_NONE ? ssh_exit_code(c) : EXIT_FAILED;
}

/* What the user asked for, checked before anything runs. */
struct restore_req {
	const char *user;
	const char *node_opt;
	bool latest;
	char date[RESTORE_DATE_LEN]; /* "" with --latest until listed */
	long day;
	long age;
	long today;
};

static int
restore_req_parse(const struct cmd *c, struct cmd_ctx *ctx,
    struct restore_req *r)
{
	const char *date = cmd_option(c, "date");
	char cause[256];
	int code;

	memset(r, 0, sizeof *r);
	r->user = c->argv[0];
	r->node_opt = cmd_option(c, "node");
	r->latest = cmd_option(c, "latest") != NULL;
	r->today = restore_today(time(NULL));
	if ((code = cmd_restore_user(ctx, "restore", r->user)) != EXIT_OK)
		return code;
	if (date == NULL && !r->latest)
		return cmd_fail(ctx, EXIT_USAGE, "restore: which backup? give "
		    "--date YYYY-MM-DD or --latest; nothing was run");
	if (date != NULL && r->latest)
		return cmd_fail(ctx, EXIT_USAGE, "restore: give --date or "
		    "--latest, not both; nothing was run");
	if (r->node_opt != NULL) {
		const struct config_node *n = config_node_find(ctx->cfg,
		    r->node_opt);

		/* From the configuration alone, so the console can refuse too. */
		if (n == NULL)
			return cmd_fail(ctx, EXIT_USAGE, "restore: unknown node "
			    "'%.64s'; nothing was run", r->node_opt);
		if (n->role != NODE_MAILBOX)
			return cmd_fail(ctx, EXIT_USAGE, "restore: '%s' is a "
			    "gateway, not a mailbox node; nothing was run",
			    r->node_opt);
	}
	if (date != NULL) {
		if (restore_date_check(date, r->today, &r->day, &r->age, cause,
			sizeof cause) == -1)
			return cmd_fail(ctx, EXIT_USAGE, "restore: %s; nothing was "
			    "run", cause);
		snprintf(r->date, sizeof r->date, "%s", date);
	}
	return EXIT_OK;
}

/*
 * True when the console's restore view has `r`'s backup chosen (its
 * "backup" selection: user, node, date, new folder): then the restore is
 * asked about as any change is, its question naming the folder.
 */
static bool
restore_chosen(struct cmd_ctx *ctx, const struct restore_req *r,
    char *folder, size_t len)
{
	char **sel;
	int n = cmd_selection(ctx, "backup", &sel);
	bool chosen = n == 4 && strcmp(sel[0], r->user) == 0 &&
	    r->node_opt != NULL && strcmp(sel[1], r->node_opt) == 0 &&
	    strcmp(sel[2], r->date) == 0;

	if (chosen)
		snprintf(folder, len, "%s", sel[3]);
	cmd_selection_free(sel, n);
	return chosen;
}

/*
 * Checked where the user is. In the console the restore view lists the
 * backups and shows the import's progress: a restore goes to it, unless
 * the view has that very backup chosen, when it is asked about here and
 * its answer runs it as a job (the view follows it). A dry run is asked
 * about and run as a job (it only says what it would run).
 */
static int
cmd_restore_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	char folder[RESTORE_FOLDER_MAX];
	struct restore_req r;
	int code;

	if ((code = restore_req_parse(c, ctx, &r)) != EXIT_OK)
		return code;
	if (!c->dry_run && !ctx->dry_run && restore_chosen(ctx, &r, folder,
	    sizeof folder)) {
		snprintf(ask->question, sizeof ask->question, "restore %s from "
		    "%s into %s", r.user, r.date, folder);
		return EXIT_OK;
	}
	if (!c->dry_run && !ctx->dry_run)
		ask->view = "restore";
	snprintf(ask->question, sizeof ask->question, "restore %s from the "
	    "%s%s into a new folder Restored-DATE on the active node (live "
	    "mail is not touched)", r.user, r.latest ? "newest backup" :
	    "backup of ", r.date);
	return EXIT_OK;
}

/* The dates a restore takes: the --date, or the window for --latest. */
static void
restore_window(const struct restore_req *r, char *from, char *to)
{
	if (r->latest) {
		restore_date_format(r->today - RESTORE_WINDOW_DAYS, from,
		    RESTORE_DATE_LEN);
		restore_date_format(r->today, to, RESTORE_DATE_LEN);
	} else {
		snprintf(from, RESTORE_DATE_LEN, "%s", r->date);
		snprintf(to, RESTORE_DATE_LEN, "%s", r->date);
	}
}

/* --dry-run: the exact commands; nothing connects, nothing runs. */
static int
restore_dry_run(struct cmd_ctx *ctx, const struct restore_req *r,
    const struct config_node *n)
{
	struct mailbox_args a = { .user = r->user };
	char folder[RESTORE_FOLDER_MAX], cmd[SHELL_CMD_MAX], cause[512],
	    summary[400] = "";
	json_t *o = NULL, *cmds = NULL;
	int op;

	snprintf(folder, sizeof folder, RESTORE_FOLDER_PREFIX "%s", r->date);
	if (ctx->json) {
		o = json_object();
		cmds = json_array();
		json_object_set_new(o, "dry_run", json_true());
		json_object_set_new(o, "user", json_string(r->user));
		json_object_set_new(o, "node", json_string(n->name));
		json_object_set_new(o, "date", r->latest ? json_null() :
		    json_string(r->date));
		json_object_set_new(o, "age_days", r->latest ? json_null() :
		    json_integer(r->age));
		json_object_set_new(o, "folder", r->latest ? json_null() :
		    json_string(folder));
	} else if (r->latest)
		snprintf(summary, sizeof summary, "dry run: would restore %s on %s "
		    "from the newest backup of the last %d days (the %s above "
		    "finds it) into a new folder Restored-DATE; nothing was run",
		    r->user, n->name, RESTORE_WINDOW_DAYS, ctx->yes ? "command" :
		    "probe");
	else
		snprintf(summary, sizeof summary, "dry run: would restore %s on %s "
		    "from the backup of %s (%ld day%s old) into the new folder %s "
		    "(%s-2, -3, ... if it exists); nothing was run", r->user,
		    n->name, r->date, r->age, r->age == 1 ? "" : "s", folder,
		    folder);
	for (op = 0; op <= MAILBOX_PROBE_RESTORE; op++) {
		char from[RESTORE_DATE_LEN], to[RESTORE_DATE_LEN];

		/* --yes: one command; else the probe, a question, the import. */
		if (ctx->yes != (op == MAILBOX_PROBE_RESTORE))
			continue;
		/* The restore needs the date, which --latest finds on the node. */
		if (op == MAILBOX_RESTORE && r->latest)
			break;
		if (op == MAILBOX_RESTORE) {
			a.date = r->date;
			a.folder = folder;
		}
		if (op == MAILBOX_PROBE_RESTORE) {
			restore_window(r, from, to);
			a.from = from;
			a.to = to;
		}
		if (mailbox_command(ctx->cfg, n, (enum mailbox_op)op, &a, cmd,
			sizeof cmd, cause, sizeof cause) == -1) {
			json_decref(o);
			json_decref(cmds);
			return cmd_fail(ctx, EXIT_USAGE, "restore: %s", cause);
		}
		if (ctx->json)
			json_array_append_new(cmds, json_string(cmd));
		else
			fprintf(ctx->out, "  %s: %s\n", mailbox_op_name(
			    (enum mailbox_op)op), cmd);
	}
	if (ctx->json) {
		json_object_set_new(o, "commands", cmds);
		cmd_json_print(ctx, o);
	} else
		/* Last: the console shows a job's last line. */
		fprintf(ctx->out, "%s\n", summary);
	return EXIT_OK;
}

/* Refuses a restore for want of a backup, listing the restorable ones. */
static int
restore_no_backup(struct cmd_ctx *ctx, const struct config_node *n,
    const struct restore_req *r, const struct restore_backup *b, size_t nb)
{
	char list[160] = "";
	size_t i, off = 0;

	for (i = 0; i < nb && off < sizeof list; i++) {
		if (restore_age_refused(r->today - b[i].day) == NULL)
			off += (size_t)snprintf(list + off, sizeof list - off,
			    "%s%s", off ? ", " : "", b[i].date);
	}
	if (r->latest)
		return cmd_fail(ctx, EXIT_USAGE, "restore: %s has no backup of the "
		    "last %d days on %s; nothing was restored", r->user,
		    RESTORE_WINDOW_DAYS, n->name);
	return cmd_fail(ctx, EXIT_USAGE, "restore: %s has no backup of %s on %s "
	    "(%s%s); nothing was restored", r->user, r->date, n->name,
	    off ? "restorable: " : "none restorable", list);
}

/* Finds the backup in the probe: the --date one, or the newest allowed. */
static int
restore_find_backup(struct cmd_ctx *ctx, const struct config_node *n,
    const struct mailbox_probe *p, struct restore_req *r, long *messages)
{
	const struct restore_backup *b = p->backups;
	long k;

	k = r->latest ? restore_pick_latest(b, p->nbackups, r->today) :
			restore_find(b, p->nbackups, r->day);
	if (k == -1)
		return restore_no_backup(ctx, n, r, b, p->nbackups);
	snprintf(r->date, sizeof r->date, "%s", b[k].date);
	r->day = b[k].day;
	r->age = r->today - b[k].day;
	*messages = b[k].messages;
	return EXIT_OK;
}

static void
restore_result(struct cmd_ctx *ctx, const struct restore_req *r,
    const struct config_node *n, const char *folder, long backup_messages,
    long messages, long long ms)
{
	cmd_said(ctx, "restored %ld message%s of %s from the backup of %s into "
	    "%s", messages, messages == 1 ? "" : "s", r->user, r->date, folder);
	if (ctx->json) {
		json_t *o = json_object();

		json_object_set_new(o, "user", json_string(r->user));
		json_object_set_new(o, "node", json_string(n->name));
		json_object_set_new(o, "date", json_string(r->date));
		json_object_set_new(o, "age_days", json_integer(r->age));
		json_object_set_new(o, "folder", json_string(folder));
		json_object_set_new(o, "backup_messages", backup_messages < 0 ?
		    json_null() : json_integer(backup_messages));
		json_object_set_new(o, "messages", json_integer(messages));
		json_object_set_new(o, "seconds", json_real((double)ms / 1000));
		json_object_set_new(o, "elapsed_ms", json_integer(ms));
		cmd_json_print(ctx, o);
		return;
	}
	fprintf(ctx->out, "%s: restored %ld message%s from the backup of %s "
	    "into %s on %s in %.1f s\n", r->user, messages, messages == 1 ?
	    "" : "s", r->date, folder, n->name, (double)ms / 1000);
}

/* Runs the restore with Ctrl-C as cancel (batch mode's own process only). */
static int
restore_run(struct cmd_ctx *ctx, struct ssh_conn *ssh,
    const struct restore_req *r, const char *folder, long *messages,
    char *cause, size_t len)
{
	struct sigaction sa, old_int, old_term;
	/* A console job shares the process with curses: no handlers there. */
	bool own = !cmd_in_console(ctx);
	int rc;

	restore_cancel = 0;
	if (own) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = restore_on_signal;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	cmd_touch(ctx, ssh->node->name);
	rc = mailbox_restore(ssh, r->user, r->date, folder,
	    (volatile int *)&restore_cancel, messages, cause, len);
	if (own) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	return rc;
}

/*
 * A restore that failed after its import began (the node stopped answering,
 * the progress watchdog, a cancel): says why, and what the new folder holds
 * now, counted on a new connection.
 */
static int
restore_cut(struct cmd_ctx *ctx, const struct ssh_conn *ssh,
    const struct config_node *n, const char *user, const char *folder,
    long backup_messages, const char *cause)
{
	const char *pre = ssh->err == SSH_E_CANCELLED ? "cancelled: " : "";
	char why[300], got[32], of[64] = "";
	int code = cmd_restore_ssh_code(ssh);
	long k;

	k = mailbox_recount(ctx->cfg, n, user, folder, why, sizeof why);
	if (k < 0)
		return cmd_fail(ctx, code, "restore: %s%s; the folder %s on %s "
		    "may hold part of the backup (it could not be counted: %s)",
		    pre, cause, folder, n->name, why);
	if (backup_messages >= 0) {
		snprintf(of, sizeof of, " of the ");
		format_grouped(backup_messages, of + strlen(of),
		    sizeof of - strlen(of));
	}
	cmd_said(ctx, "imported %ld message%s into %s before it stopped", k,
	    k == 1 ? "" : "s", folder);
	return cmd_fail(ctx, code, "restore: %s%s; so far %s%s message%s of "
	    "the backup had arrived in the folder %s on %s", pre, cause,
	    format_grouped(k, got, sizeof got), of, (backup_messages >= 0 ?
	    backup_messages : k) == 1 ? "" : "s", folder, n->name);
}

/* What the one-command restore shows when its import starts. */
struct restore_once_arg {
	struct cmd_ctx *ctx;
	const struct restore_req *r;
	const struct config_node *n;
};

static void
restore_once_started(void *arg, const char *date, const char *folder,
    long backup_messages)
{
	struct restore_once_arg *a = arg;
	const struct mailbox_watch *w = a->ctx->watch;
	long day = 0;
	char cause[128];

	if (w != NULL && w->started != NULL)
		w->started(w->arg, date, folder, backup_messages);
	if (a->ctx->json)
		return;
	restore_date_parse(date, &day, cause, sizeof cause);
	fprintf(a->ctx->out, "restore %s on %s from the backup of %s (%ld day%s "
	    "old, %ld message%s) into the new folder %s\n", a->r->user,
	    a->n->name, date, a->r->today - day, a->r->today - day == 1 ? "" :
	    "s", backup_messages, backup_messages == 1 ? "" : "s", folder);
	fflush(a->ctx->out);
}

/*
 * --yes: nobody is shown a preview, so the node does the probe's checks
 * and the import in one SSH command (MAILBOX_PROBE_RESTORE).
 */
static int
restore_once(struct cmd_ctx *ctx, struct restore_req *r,
    const struct config_node *n)
{
	struct restore_once_arg a = { ctx, r, n };
	struct mailbox_watch w = { restore_once_started, &a };
	struct sigaction sa, old_int, old_term;
	char from[RESTORE_DATE_LEN], to[RESTORE_DATE_LEN], cause[512];
	volatile int *cancel = ctx->cancel;
	struct mailbox_outcome o;
	struct ssh_conn ssh;
	long long t0 = clock_mono_ms();
	long day;
	int rc, code = EXIT_OK;

	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	restore_window(r, from, to);
	restore_cancel = 0;
	if (cancel == NULL) {
		cancel = (volatile int *)&restore_cancel;
		if (!cmd_in_console(ctx)) {
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = restore_on_signal;
			sigaction(SIGINT, &sa, &old_int);
			sigaction(SIGTERM, &sa, &old_term);
		}
	}
	ssh_init(&ssh, ctx->cfg, n);
	cmd_touch(ctx, n->name);
	rc = mailbox_probe_restore(&ssh, r->user, from, to, &w, cancel, &o,
	    cause, sizeof cause);
	if (cancel == (volatile int *)&restore_cancel &&
	    !cmd_in_console(ctx)) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (rc == -1) {
		if (o.refused == MAILBOX_REFUSED_USER)
			code = cmd_fail(ctx, EXIT_USAGE, "restore: %s; nothing was "
			    "restored", cause);
		else if (o.refused == MAILBOX_REFUSED_BACKUP)
			code = restore_no_backup(ctx, n, r, o.backups, o.nbackups);
		else if (o.folder[0] == '\0' && o.refused == MAILBOX_REFUSED_NONE &&
		    ssh.connects > 0 && (ssh.err == SSH_E_CONNECT ||
		    ssh.err == SSH_E_TIMEOUT || ssh.err == SSH_E_CANCELLED))
			/* Cut short before the node said which folder. */
			code = cmd_fail(ctx, cmd_restore_ssh_code(&ssh), "restore: "
			    "%s%s; the node may have begun the import before it "
			    "said so: look for a new Restored- folder of %s on %s",
			    ssh.err == SSH_E_CANCELLED ? "cancelled: " : "", cause,
			    r->user, n->name);
		else if (o.folder[0] == '\0')
			code = cmd_fail(ctx, o.refused == MAILBOX_REFUSED_FULL ?
			    EXIT_FAILED : cmd_restore_ssh_code(&ssh), "restore: "
			    "%s%s; nothing was restored", ssh.err ==
			    SSH_E_CANCELLED ? "cancelled: " : "", cause);
		else
			code = restore_cut(ctx, &ssh, n, r->user, o.folder,
			    o.backup_messages, cause);
		goto out;
	}
	snprintf(r->date, sizeof r->date, "%s", o.date);
	if (restore_date_parse(o.date, &day, cause, sizeof cause) == 0) {
		r->day = day;
		r->age = r->today - day;
	}
	restore_result(ctx, r, n, o.folder, o.backup_messages, o.messages,
	    clock_mono_ms() - t0);
	if (o.backup_messages >= 0 && o.messages != o.backup_messages)
		code = cmd_fail(ctx, EXIT_FAILED, "restore: %s holds %ld of the "
		    "%ld messages of the backup of %s", o.folder, o.messages,
		    o.backup_messages, o.date);
out:
	mailbox_outcome_free(&o);
	ssh_close(&ssh);
	return code;
}

static int
cmd_restore_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct config_node *n;
	struct mailbox_probe p;
	struct restore_req r;
	struct ssh_conn ssh;
	char folder[RESTORE_FOLDER_MAX], cause[512], what[400], age[64];
	long backup_messages = -1, messages;
	long long t0;
	int code;

	if ((code = restore_req_parse(c, ctx, &r)) != EXIT_OK)
		return code;
	if ((n = cmd_restore_node(ctx, "restore", r.node_opt, true, &code)) ==
	    NULL)
		return code;
	if (ctx->dry_run)
		return restore_dry_run(ctx, &r, n);
	if (ctx->yes)
		return restore_once(ctx, &r, n);

	/* One read-only round trip: the user, the backups, the folders. */
	t0 = clock_mono_ms();
	ssh_init(&ssh, ctx->cfg, n);
	if (mailbox_probe(&ssh, r.user, &p, cause, sizeof cause) == -1) {
		code = cmd_fail(ctx, cmd_restore_ssh_code(&ssh), "restore: %s; "
		    "nothing was restored", cause);
		ssh_close(&ssh);
		return code;
	}
	if (!p.known)
		code = cmd_fail(ctx, EXIT_USAGE, "restore: unknown user '%s' on "
		    "%s; nothing was restored", r.user, n->name);
	else if ((code = restore_find_backup(ctx, n, &p, &r,
		      &backup_messages)) == EXIT_OK &&
	    restore_folder_choose(r.date, (const char *const *)p.folders,
		p.nfolders, folder, sizeof folder, cause, sizeof cause) == -1)
		code = cmd_fail(ctx, EXIT_FAILED, "restore: %s; nothing was "
		    "restored", cause);
	mailbox_probe_free(&p);
	if (code != EXIT_OK)
		goto out;

	if (backup_messages >= 0)
		snprintf(age, sizeof age, "%ld day%s old, %ld message%s", r.age,
		    r.age == 1 ? "" : "s", backup_messages,
		    backup_messages == 1 ? "" : "s");
	else
		snprintf(age, sizeof age, "%ld day%s old", r.age,
		    r.age == 1 ? "" : "s");
	snprintf(what, sizeof what, "restore %s on %s from the backup of %s "
	    "(%s) into the new folder %s", r.user, n->name, r.date, age, folder);
	if (!ctx->json)
		fprintf(ctx->out, "%s\n", what);
	/* Nobody waits at a prompt with the clock running. */
	if ((code = cmd_confirm(ctx, what, 0, false)) != CONFIRM_GO)
		goto out;
	t0 = clock_mono_ms();

	if (restore_run(ctx, &ssh, &r, folder, &messages, cause,
		sizeof cause) == -1) {
		code = restore_cut(ctx, &ssh, n, r.user, folder, backup_messages,
		    cause);
		goto out;
	}
	restore_result(ctx, &r, n, folder, backup_messages, messages,
	    clock_mono_ms() - t0);
	if (backup_messages >= 0 && messages != backup_messages)
		code = cmd_fail(ctx, EXIT_FAILED, "restore: %s holds %ld of the "
		    "%ld messages of the backup of %s", folder, messages,
		    backup_messages, r.date);
out:
	ssh_close(&ssh);
	return code;
}

const struct cmd_entry cmd_restore_entry = {
	.name = "restore",
	.alias = NULL,
	.usage = "USER",
	.help = "restore a mailbox from a backup of the last 28 days into a "
		"new folder Restored-DATE",
	.options = cmd_restore_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_CONFIRM | CMD_NEEDS_SSH | CMD_NEEDS_REDIS |
		 CMD_DATA,
	.prepare = cmd_restore_prepare,
	.exec = cmd_restore_exec,
};

/*
 * cancel: the console's running restore (the restore view's "restore"
 * selection: user, folder). Asked about as any change; the answer, given
 * --yes, goes to the view, which stops the import: nothing runs on a node.
 */
static int
cmd_cancel_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	char **sel;
	int n = cmd_selection(ctx, "restore", &sel);

	if (n != 2) {
		cmd_selection_free(sel, n);
		return cmd_fail(ctx, EXIT_USAGE, "cancel: no restore is running "
		    "here; the restore view (R) shows the one that runs");
	}
	snprintf(ask->question, sizeof ask->question, "cancel the restore of "
	    "%s (what arrived stays in %s)", sel[0], sel[1]);
	cmd_selection_free(sel, n);
	if (c->yes)
		ask->view = "restore";
	return EXIT_OK;
}

/* Never reached: the console's view takes it (CMD_UI_ONLY). */
static int
cmd_cancel_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	(void)c;
	return cmd_fail(ctx, EXIT_USAGE, "cancel: only available in the "
	    "console");
}

const struct cmd_entry cmd_cancel_entry = {
	.name = "cancel",
	.alias = NULL,
	.usage = "",
	.help = "cancel the console's running restore (asked y/N); its new "
		"folder keeps what arrived",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_MUTATES | CMD_CONFIRM | CMD_UI_ONLY,
	.prepare = cmd_cancel_prepare,
	.exec = cmd_cancel_exec,
};
