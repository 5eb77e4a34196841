/* Restore: a user's backups on the active mailbox node, the last 28 days
 * restorable; pick one, confirm with the preview, watch the import fill
 * the new folder, cancel it. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/mailbox.h"
#include "core/backup.h"
#include "core/clock.h"
#include "core/restore.h"
#include "core/xalloc.h"
#include "tui/restore_job.h"
#include "tui/table.h"
#include "tui/theme.h"
#include "tui/view.h"

enum { RC_DATE, RC_AGE, RC_MSGS, RC_WHY, RESTORE_NCOLS };

static const struct table_col restore_cols[RESTORE_NCOLS] = {
	{ "BACKUP", 10, 0 },
	{ "AGE", 5, 1 },
	{ "MESSAGES", 8, 1 },
	{ "RESTORABLE", 0, 0 },
};

/* Lines above the table: the preview, the progress or the result. */
#define RESTORE_BLOCK_H 4
#define RESTORE_BAR_W 30

/*
 * The running restore's cancel flag. A job may outlive the view (the
 * console quits while it runs), so it lives as long as the process; one
 * restore runs at a time.
 */
static volatile int restore_view_cancel;

struct restore_view {
	struct console *c;
	struct table table;
	char user[RESTORE_USER_MAX + 1];   /* "" before one is typed */
	char node[33];                     /* where it is listed */
	char node_opt[33];                 /* --node given, else "" */
	unsigned long generation;          /* of the listing */
	bool listing;
	struct mailbox_probe *probe;       /* NULL until listed */
	char error[512];                   /* the listing failed */
	char want[RESTORE_DATE_LEN];       /* restore --date: ask once listed */
	bool want_latest;
	bool want_any;
	bool asking;                       /* its restore goes to cmd_exec */
	struct restore_backup ask;         /* the backup asked about */
	char ask_folder[RESTORE_FOLDER_MAX];
	/* The restore: running, then done until Esc or the next one. */
	bool running;
	bool done;
	bool failed;
	bool cancelled;
	unsigned long run;                 /* its generation */
	struct worker_restore_step step;
	long long started_ms;
	char result[1024];
};

static void
restore_status(struct console *c, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The status line, as the console says things there. */
static void
restore_status(struct console *c, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
	c->message_error = error;
}

static void *
restore_init(struct console *c)
{
	struct restore_view *st = xcalloc(1, sizeof *st);

	st->c = c;
	return st;
}

static void
restore_drop_probe(struct restore_view *st)
{
	if (st->probe != NULL) {
		mailbox_probe_free(st->probe);
		free(st->probe);
		st->probe = NULL;
	}
}

static long
restore_today_now(void)
{
	return restore_today(time(NULL));
}

/* Asks to restore backup `b`: the preview above, y/N on the status line. */
static void
restore_ask(struct restore_view *st, const struct restore_backup *b)
{
	struct console *c = st->c;
	const struct config_node *n;
	const char *why;
	char cause[400];
	struct cmd cmd;
	long age = restore_today_now() - b->day;

	if (st->running) {
		restore_status(c, true, "a restore of %s is running; x cancels "
		    "it", st->user);
		return;
	}
	if ((why = restore_age_refused(age)) != NULL) {
		restore_status(c, true, "restore: the backup of %s is %ld day%s "
		    "old: %s", b->date, age, age == 1 ? "" : "s", why);
		return;
	}
	if (c->read_only) {
		restore_status(c, true, "restore: refused, the console is "
		    "read-only (%s)", c->read_only_why ? c->read_only_why :
		    "read-only");
		return;
	}
	/* Restores run on the live active node: it may have changed. */
	if ((n = restore_pick_node(c->cfg, c->snap, st->node_opt[0] ?
		 st->node_opt : NULL, true, cause, sizeof cause)) == NULL) {
		restore_status(c, true, "restore: %s; nothing was run", cause);
		return;
	}
	if (strcmp(n->name, st->node) != 0) {
		restore_status(c, true, "restore: the active node is now %s, not "
		    "%s; u lists %s's backups there", n->name, st->node,
		    st->user);
		return;
	}
	if (restore_folder_choose(b->date,
		(const char *const *)st->probe->folders, st->probe->nfolders,
		st->ask_folder, sizeof st->ask_folder, cause, sizeof cause) == -1) {
		restore_status(c, true, "restore: %s; nothing was run", cause);
		return;
	}
	st->ask = *b;
	/* The one flow: its preparation asks, naming the folder chosen
	 * ("backup" selection), and a yes runs it as a job we follow. */
	memset(&cmd, 0, sizeof cmd);
	cmd.entry = cmd_find("restore", cause, sizeof cause);
	cmd_set_arg(&cmd, 0, st->user);
	cmd_set_option(&cmd, "date", b->date);
	cmd_set_option(&cmd, "node", st->node);
	st->asking = true;
	console_exec(c, &cmd);
	st->asking = false;
	cmd_free(&cmd);
}

/* The command the console asks about: is it this view's restore? */
static bool
restore_is_ours(const struct restore_view *st, const struct cmd *cmd)
{
	const char *date = cmd_option(cmd, "date");
	const char *node = cmd_option(cmd, "node");

	return strcmp(cmd->entry->name, "restore") == 0 && cmd->argc == 1 &&
	    !cmd->dry_run && date != NULL && node != NULL &&
	    strcmp(cmd->argv[0], st->user) == 0 &&
	    strcmp(date, st->ask.date) == 0 && strcmp(node, st->node) == 0;
}

/* The restore asked about was confirmed: follow its job. */
static int
restore_job(void *state, struct console *c, const struct cmd *cmd,
    struct worker_cmd_hooks *hooks)
{
	struct restore_view *st = state;
	const struct config_node *n = config_node_find(c->cfg, st->node);

	if (n == NULL || st->running || !restore_is_ours(st, cmd))
		return 0;
	restore_view_cancel = 0;
	st->running = true;
	st->done = st->failed = st->cancelled = false;
	st->result[0] = '\0';
	memset(&st->step, 0, sizeof st->step);
	snprintf(st->step.date, sizeof st->step.date, "%s", st->ask.date);
	st->step.total = st->ask.messages;
	st->step.count = -1;
	st->started_ms = clock_mono_ms();
	st->run++;
	restore_job_hooks(&c->worker, c->cfg, n, st->user, st->run,
	    &restore_view_cancel, hooks);
	return 1;
}

/* Asks, through the one flow, to cancel the running restore. */
static void
restore_ask_cancel(struct restore_view *st)
{
	char cause[128];
	struct cmd cmd;

	memset(&cmd, 0, sizeof cmd);
	cmd.entry = cmd_find("cancel", cause, sizeof cause);
	console_exec(st->c, &cmd);
	cmd_free(&cmd);
}

/* cancel, confirmed: the import stops, what arrived stays. */
static void
restore_cancel(struct restore_view *st)
{
	restore_view_cancel = 1;
	st->cancelled = true;
	restore_status(st->c, false, "cancelling the restore of %s...",
	    st->user);
}

/* The console asks about `entry` now. */
static bool
restore_asked(const struct console *c, const char *entry)
{
	return c->confirming && c->confirm_run &&
	    strcmp(c->confirm_cmd.entry->name, entry) == 0;
}

static int restore_command(void *, struct console *, const struct cmd *,
    bool, char *, size_t);

/* The backup a restore --date or --latest asked for, once listed. */
static void
restore_want(struct restore_view *st)
{
	const struct mailbox_probe *p = st->probe;
	long today = restore_today_now(), k, day;
	char cause[128];

	st->want_any = false;
	if (st->want_latest)
		k = restore_pick_latest(p->backups, p->nbackups, today);
	else if (restore_date_parse(st->want, &day, cause, sizeof cause) == 0)
		k = restore_find(p->backups, p->nbackups, day);
	else
		k = -1;
	if (k == -1) {
		restore_status(st->c, true, "restore: %s has no %s on %s; nothing "
		    "was restored", st->user, st->want_latest ? "backup of the "
		    "last 28 days" : "backup of that date", st->node);
		return;
	}
	snprintf(st->table.cursor_key, sizeof st->table.cursor_key, "%s",
	    p->backups[k].date);
	/*
	 * The listing may arrive while another view is shown or another
	 * question waits: never ask over them; the cursor is on the backup.
	 */
	if (st->c->confirming || st->c->prompting ||
	    st->c->views[st->c->current]->command != restore_command) {
		restore_status(st->c, false, "the backups of %s are listed in the "
		    "restore view (R); Enter there restores the one of %s",
		    st->user, p->backups[k].date);
		return;
	}
	restore_ask(st, &p->backups[k]);
}

static void
restore_take(void *state, struct console *c, struct worker_msg *m)
{
	struct restore_view *st = state;

	if (m->kind == WMSG_RESTORE_LIST && m->generation == st->generation) {
		st->listing = false;
		if (m->failed) {
			snprintf(st->error, sizeof st->error, "%s", m->text);
			return;
		}
		restore_drop_probe(st);
		st->probe = m->probe;
		m->probe = NULL;
		if (st->want_any)
			restore_want(st);
	} else if (m->kind == WMSG_RESTORE_STEP && m->generation == st->run &&
	    st->running) {
		/* A late count never goes backwards; files renamed from tmp/
		 * while counted may be counted twice. */
		if (m->step.count < st->step.count)
			m->step.count = st->step.count;
		if (m->step.total >= 0 && m->step.count > m->step.total)
			m->step.count = m->step.total;
		st->step = m->step;
	} else if (m->kind == WMSG_RESTORE_DONE && m->generation == st->run) {
		st->running = false;
		st->done = true;
		st->failed = m->failed != 0;
		if (m->step.folder[0] != '\0' || m->step.count >= 0)
			st->step = m->step;
		snprintf(st->result, sizeof st->result, "%s", m->text);
		if (restore_asked(c, "cancel")) {
			/* Nothing left to cancel: the question goes. */
			c->prompting = c->confirming = false;
		}
		c->message[0] = '\0';
	}
}

/*
 * Lists `user`'s backups on `node` (NULL: the live active node of the
 * user's cluster) on a job thread; with `date` (or `latest`) then asks to
 * restore that backup. Refused while a restore runs. Returns 0, or -1 with
 * `cause` set to one line.
 */
static int
restore_open(void *state, struct console *c, const char *user,
    const char *node, const char *date, bool latest, char *cause,
    size_t len)
{
	struct restore_view *st = state;
	const struct config_node *n;
	char why[400];

	if (st->running) {
		snprintf(cause, len, "a restore of %s is running; wait for it, or "
		    "cancel it with x in the restore view", st->user);
		return -1;
	}
	if (c->snap == NULL && node == NULL) {
		snprintf(cause, len, "the cluster state has not come from Redis "
		    "yet; try again in a moment");
		return -1;
	}
	if ((n = restore_pick_node(c->cfg, c->snap, node, false, why,
		 sizeof why)) == NULL) {
		snprintf(cause, len, "%s: %s; nothing was run", date || latest ?
		    "restore" : "backups", why);
		return -1;
	}
	snprintf(st->user, sizeof st->user, "%s", user);
	snprintf(st->node, sizeof st->node, "%s", n->name);
	snprintf(st->node_opt, sizeof st->node_opt, "%s", node ? node : "");
	restore_drop_probe(st);
	st->error[0] = '\0';
	st->done = false;
	st->listing = true;
	st->want_any = date != NULL || latest;
	st->want_latest = latest;
	snprintf(st->want, sizeof st->want, "%s", date ? date : "");
	st->table.cursor = st->table.top = 0;
	st->table.cursor_key[0] = '\0';
	restore_job_list(&c->worker, c->cfg, n, user, ++st->generation);
	return 0;
}

/* backups USER and restore USER --date|--latest typed in the console;
 * cancel, confirmed. */
static int
restore_command(void *state, struct console *c, const struct cmd *cmd,
    bool shown, char *cause, size_t len)
{
	struct restore_view *st = state;

	(void)shown;
	if (strcmp(cmd->entry->name, "cancel") == 0) {
		if (!st->running) {
			snprintf(cause, len, "cancel: the restore ended already");
			return -1;
		}
		restore_cancel(st);
		return 0;
	}
	return restore_open(state, c, cmd->argv[0], cmd_option(cmd, "node"),
	    cmd_option(cmd, "date"), cmd_option(cmd, "latest") != NULL, cause,
	    len);
}

static void
restore_line(int y, enum theme_role role, const char *text)
{
	attrset(theme_attr(role));
	mvaddnstr(y, 0, text, COLS);
	attrset(A_NORMAL);
}

/* "[#####.....]" for count of total. */
static void
restore_bar(long count, long total, char *buf, size_t len)
{
	int i, fill = 0;

	if (total > 0 && count > 0)
		fill = (int)(count >= total ? RESTORE_BAR_W :
		    count * RESTORE_BAR_W / total);
	if (len < RESTORE_BAR_W + 3) {
		buf[0] = '\0';
		return;
	}
	buf[0] = '[';
	for (i = 0; i < RESTORE_BAR_W; i++)
		buf[1 + i] = i < fill ? '#' : '.';
	buf[RESTORE_BAR_W + 1] = ']';
	buf[RESTORE_BAR_W + 2] = '\0';
}

/* The preview, the progress or the result. Returns the lines drawn. */
static int
restore_draw_block(struct restore_view *st, struct console *c, int y)
{
	const char *folder = st->step.folder[0] ? st->step.folder :
	    st->ask_folder;
	char line[512], bar[64], count[64];
	long age;

	if (restore_asked(c, "restore") && restore_is_ours(st,
	    &c->confirm_cmd)) {
		age = restore_today_now() - st->ask.day;
		snprintf(line, sizeof line, " restore  user %s   node %s   backup "
		    "%s (%ld day%s old, %ld message%s)", st->user, st->node,
		    st->ask.date, age, age == 1 ? "" : "s", st->ask.messages,
		    st->ask.messages == 1 ? "" : "s");
		restore_line(y, ROLE_WARN, line);
		snprintf(line, sizeof line, "          into the new folder %s; "
		    "live mail is not touched", st->ask_folder);
		restore_line(y + 1, ROLE_WARN, line);
		restore_line(y + 2, ROLE_DIM, "          y restores; anything "
		    "else does nothing");
		return 3;
	}
	if (st->running) {
		snprintf(line, sizeof line, " restoring %s from %s into %s on %s, "
		    "%llds", st->user, st->step.date, folder, st->node,
		    (clock_mono_ms() - st->started_ms) / 1000);
		restore_line(y, ROLE_TITLE, line);
		restore_bar(st->step.count, st->step.total, bar, sizeof bar);
		if (st->step.count >= 0 && st->step.total >= 0)
			snprintf(count, sizeof count, "%ld of %ld messages",
			    st->step.count, st->step.total);
		else if (st->step.count >= 0)
			snprintf(count, sizeof count, "%ld messages",
			    st->step.count);
		else
			snprintf(count, sizeof count, "starting");
		snprintf(line, sizeof line, " %s %s", bar, count);
		restore_line(y + 1, ROLE_BAR, line);
		snprintf(line, sizeof line, " x cancels; %s keeps what arrived; "
		    "live mail is never touched", folder);
		restore_line(y + 2, ROLE_DIM, line);
		return 3;
	}
	if (!st->done)
		return 0;
	if (!st->failed) {
		snprintf(line, sizeof line, " restored %ld message%s into %s on "
		    "%s in %.1f s", st->step.count, st->step.count == 1 ? "" :
		    "s", folder, st->node, (double)st->step.ms / 1000);
		restore_line(y, ROLE_OK, line);
		snprintf(line, sizeof line, " from the backup of %s; mail clients "
		    "show the new folder. Esc clears", st->step.date);
		restore_line(y + 1, ROLE_DIM, line);
		return 2;
	}
	snprintf(line, sizeof line, " %s", st->result);
	restore_line(y, ROLE_ALERT, line);
	if (folder[0] != '\0' && st->step.count != 0) {
		snprintf(line, sizeof line, " %s may hold part of the backup; "
		    "live mail was not touched", folder);
		restore_line(y + 1, ROLE_WARN, line);
		return 2;
	}
	return 1;
}

static void
restore_rows(struct restore_view *st)
{
	long today = restore_today_now();
	size_t i;

	table_reset(&st->table, restore_cols, RESTORE_NCOLS);
	for (i = 0; i < st->probe->nbackups; i++) {
		const struct restore_backup *b = &st->probe->backups[i];
		const char *why = restore_age_refused(today - b->day);
		struct table_row *r = table_add(&st->table, b->date, why ?
		    ROLE_DIM : ROLE_NORMAL);

		snprintf(r->cell[RC_DATE], TABLE_CELL_MAX, "%s", b->date);
		snprintf(r->cell[RC_AGE], TABLE_CELL_MAX, "%ldd", today - b->day);
		if (b->messages >= 0)
			snprintf(r->cell[RC_MSGS], TABLE_CELL_MAX, "%ld",
			    b->messages);
		else
			snprintf(r->cell[RC_MSGS], TABLE_CELL_MAX, "?");
		/* The cell is short: the reason's first clause. */
		snprintf(r->cell[RC_WHY], TABLE_CELL_MAX, "%s%.*s",
		    why ? "no: " : "yes", why ? (int)strcspn(why, ";") : 0,
		    why ? why : "");
	}
}

/* The nights missing from the window, when some are. Returns the lines. */
static int
restore_draw_gaps(struct restore_view *st, int y)
{
	long miss[RESTORE_WINDOW_DAYS];
	char line[512];
	size_t n;

	n = backup_restore_gaps(st->probe->backups, st->probe->nbackups,
	    restore_today_now(), miss, RESTORE_WINDOW_DAYS);
	if (n == 0)
		return 0;
	line[0] = ' ';
	backup_gaps_format(miss, n, RESTORE_WINDOW_DAYS, line + 1,
	    (size_t)COLS < sizeof line - 1 ? (size_t)COLS : sizeof line - 1);
	restore_line(y, ROLE_WARN, line);
	return 1;
}

static void
restore_draw(void *state, struct console *c, int y, int h)
{
	struct restore_view *st = state;
	char line[512], today[RESTORE_DATE_LEN];
	int used;

	if (h < 2)
		return;
	if (st->user[0] == '\0') {
		restore_line(y, ROLE_DIM, " u types the user whose mailbox to "
		    "restore (or :backups USER)");
		return;
	}
	if (st->error[0] != '\0') {
		snprintf(line, sizeof line, " %s", st->error);
		restore_line(y, ROLE_ALERT, line);
	} else if (st->listing) {
		snprintf(line, sizeof line, " listing the backups of %s on %s...",
		    st->user, st->node);
		restore_line(y, ROLE_DIM, line);
	} else {
		snprintf(line, sizeof line, " backups of %s on %s (today %s; the "
		    "last %d days can be restored)", st->user, st->node,
		    restore_date_format(restore_today_now(), today, sizeof today),
		    RESTORE_WINDOW_DAYS);
		restore_line(y, ROLE_TITLE, line);
	}
	used = 1 + restore_draw_block(st, c, y + 1);
	if (st->probe == NULL || st->listing || h - used < 2)
		return;
	used += restore_draw_gaps(st, y + used);
	if (st->probe->nbackups == 0) {
		restore_line(y + used, ROLE_DIM, " no backup of this user");
		return;
	}
	restore_rows(st);
	if (table_draw(&st->table, stdscr, y + used, h - used, c->filter) == 0)
		restore_line(y + used + 1, ROLE_DIM, " no backup matches the "
		    "filter");
}

/* in: restore the backup under the cursor; out: cancel the running one. */
static int
restore_move(void *state, const char *where)
{
	struct restore_view *st = state;
	const char *key;
	size_t i;

	if (strcmp(where, "in") == 0) {
		if (st->probe == NULL || st->listing) {
			restore_status(st->c, true, "no backups listed; u types a "
			    "user");
			return 0;
		}
		if ((key = table_selected_key(&st->table)) == NULL)
			return 0;
		for (i = 0; i < st->probe->nbackups; i++) {
			if (strcmp(st->probe->backups[i].date, key) == 0) {
				restore_ask(st, &st->probe->backups[i]);
				break;
			}
		}
		return 0;
	}
	if (strcmp(where, "out") == 0) {
		if (st->running)
			restore_ask_cancel(st);
		else
			restore_status(st->c, false, "no restore is running");
		return 0;
	}
	return table_move(&st->table, where);
}

/* Esc asks to cancel a running restore, or clears a result. */
static int
restore_escape(void *state)
{
	struct restore_view *st = state;

	if (st->running) {
		restore_ask_cancel(st);
		return 1;
	}
	if (st->done) {
		st->done = false;
		return 1;
	}
	return 0;
}

/* The console quits: a running import stops, its folder stays. */
static void
restore_tick(void *state, struct console *c)
{
	struct restore_view *st = state;

	if (st->running && c->worker.closing)
		restore_view_cancel = 1;
}

/*
 * "backup": the backup being asked about (user, node, date, new folder),
 * which lets the restore's preparation ask here; "restore": the running
 * one (user, folder), for cancel.
 */
static int
restore_selection(void *state, const char *what, char ***out)
{
	struct restore_view *st = state;
	const char *v[4];
	int i, n;

	/* "id" (copy): the date of the backup under the cursor. */
	if (strcmp(what, "id") == 0)
		return view_select_one(table_selected_key(&st->table), out);
	if (strcmp(what, "backup") == 0 && st->asking) {
		v[0] = st->user;
		v[1] = st->node;
		v[2] = st->ask.date;
		v[3] = st->ask_folder;
		n = 4;
	} else if (strcmp(what, "restore") == 0 && st->running) {
		v[0] = st->user;
		v[1] = st->step.folder[0] ? st->step.folder : st->ask_folder;
		n = 2;
	} else
		return strcmp(what, "backup") == 0 ||
		    strcmp(what, "restore") == 0 ? 0 : -1;
	*out = xcalloc((size_t)n, sizeof **out);
	for (i = 0; i < n; i++)
		(*out)[i] = xstrdup(v[i]);
	return n;
}

static void
restore_free(void *state)
{
	struct restore_view *st = state;

	/* The console quits: a running import stops, its folder stays. */
	if (st->running)
		restore_view_cancel = 1;
	restore_drop_probe(st);
	table_free(&st->table);
	free(st);
}

const struct view view_restore = {
	.name = "restore",
	.title = "Restore",
	.init = restore_init,
	.draw = restore_draw,
	.cursor = restore_move,
	.free = restore_free,
	.take = restore_take,
	.escape = restore_escape,
	.job = restore_job,
	.command = restore_command,
	.selection = restore_selection,
	.tick = restore_tick,
};
