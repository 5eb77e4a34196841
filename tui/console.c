/* The console's event loop: poll keys and the worker, draw one frame a pass. */
#include "tui/console.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "backends/uithread.h"
#include "core/clock.h"
#include "core/cluster.h"
#include "core/exitcode.h"
#include "core/role_cache.h"
#include "core/xalloc.h"
#include "tui/theme.h"
#include "tui/view.h"

/* Smaller than this, only the "terminal too small" line is drawn. */
#define CONSOLE_MIN_COLS 40
#define CONSOLE_MIN_LINES 8

/* Why the session is read-only while its role is not confirmed. */
static char console_role_pending[320];

static volatile sig_atomic_t console_signalled;

static void
console_on_signal(int sig)
{
	console_signalled = sig;
}

bool
console_stale(const struct console *c)
{
	long age = console_data_age(c);

	return c->redis_down ||
	    (age >= 0 && age * 1000 > 3L * c->cfg->ui.refresh_ms + 2000);
}

long
console_data_age(const struct console *c)
{
	if (c->snap == NULL)
		return -1;
	return (long)((clock_mono_ms() - c->snap_mono_ms) / 1000);
}

static void
console_message(struct console *c, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
console_message(struct console *c, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
	c->message_error = error;
}

static int
console_find_view(const struct console *c, const char *name)
{
	int i;

	for (i = 0; i < CONSOLE_NVIEWS; i++) {
		if (strcmp(c->views[i]->name, name) == 0)
			return i;
	}
	return -1;
}

/* Shows view i: an overlay remembers the view it covers. */
static void
console_switch(struct console *c, int i)
{
	if (c->views[i]->overlay && c->current != i)
		c->previous = c->current;
	c->current = i;
	if (c->views[i]->enter != NULL)
		c->views[i]->enter(c->state[i], c);
}

/* The hooks commands use to act on the console (struct cmd_ui). */
static int
ui_view(void *ui, const char *name, char *cause, size_t len)
{
	struct console *c = ui;
	size_t off;
	int i;

	if ((i = console_find_view(c, name)) == -1 || c->views[i]->overlay) {
		off = (size_t)snprintf(cause, len, "view: no view '%s'; use",
		    name);
		for (i = 0; i < CONSOLE_NVIEWS && off < len; i++) {
			if (!c->views[i]->overlay)
				off += (size_t)snprintf(cause + off, len - off,
				    "%s %s", i > 0 ? "," : "", c->views[i]->name);
		}
		return -1;
	}
	c->filter[0] = '\0';
	console_switch(c, i);
	return 0;
}

/* Opens view `name` and hands it `cmd` (its command hook). */
static int
ui_show(void *ui, const char *name, const struct cmd *cmd, char *cause,
    size_t len)
{
	struct console *c = ui;
	const struct view *v;
	char filter[sizeof c->filter];
	bool shown;
	int i;

	if ((i = console_find_view(c, name)) == -1) {
		snprintf(cause, len, "no view '%s'", name);
		return -1;
	}
	v = c->views[i];
	shown = c->current == i;
	snprintf(filter, sizeof filter, "%s", c->filter);
	if (!shown)
		c->filter[0] = '\0';
	if (v->command != NULL && v->command(c->state[i], c, cmd, shown, cause,
	    len) == -1) {
		snprintf(c->filter, sizeof c->filter, "%s", filter);
		return -1;
	}
	if (!shown) {
		if (v->overlay && c->current != i)
			c->previous = c->current;
		c->current = i;
	}
	return 0;
}

static int
ui_filter(void *ui, const char *text)
{
	struct console *c = ui;

	snprintf(c->filter, sizeof c->filter, "%s", text);
	return EXIT_OK;
}

/* What the shown view selects (struct cmd_ui's selection). */
static int
ui_selection(void *ui, const char *what, char ***out)
{
	struct console *c = ui;
	const struct view *v = c->views[c->current];

	*out = NULL;
	if (v->selection == NULL)
		return -1;
	return v->selection(c->state[c->current], what, out);
}

/*
 * Writes `text` with #{ip} replaced by the IP under the cursor (as tmux
 * expands formats in command-prompt -I). Returns 0, or -1 with `cause`.
 */
static int
console_expand(struct console *c, const char *text, char *out, size_t len,
    char *cause, size_t causelen)
{
	const char *p;
	char **ip;
	size_t off = 0;
	int n;

	out[0] = '\0';
	for (p = text; *p != '\0' && off + 1 < len; ) {
		if (strncmp(p, "#{", 2) == 0 && strncmp(p, "#{ip}", 5) != 0 &&
		    (n = (int)strcspn(p + 2, "}")) > 0 && p[2 + n] == '}') {
			/* #{what}: the shown view's selection of `what`. */
			char what[32];

			snprintf(what, sizeof what, "%.*s", n, p + 2);
			if ((n = ui_selection(c, what, &ip)) <= 0) {
				cmd_selection_free(ip, n);
				snprintf(cause, causelen, "no %s selected here", what);
				return -1;
			}
			off += (size_t)snprintf(out + off, len - off, "%s", ip[0]);
			cmd_selection_free(ip, n);
			p += strcspn(p, "}") + 1;
			continue;
		}
		if (strncmp(p, "#{ip}", 5) == 0) {
			if ((n = ui_selection(c, "ip", &ip)) <= 0) {
				cmd_selection_free(ip, n);
				snprintf(cause, causelen, "no blocked IP selected; "
				    "open the blocklist (4) and move to one");
				return -1;
			}
			off += (size_t)snprintf(out + off, len - off, "%s", ip[0]);
			cmd_selection_free(ip, n);
			p += 5;
			continue;
		}
		out[off++] = *p++;
		out[off] = '\0';
	}
	if (off >= len)
		out[len - 1] = '\0';
	return 0;
}

/*
 * prompt NAME opens NAME's own prompt, whose whole line is its one argument
 * ("prompt filter"); a TEXT whose last word is an option opens a prompt
 * whose whole line is that option's value ("prompt 'ack #{alert} --note'");
 * any other TEXT holding a space opens the command line with TEXT already
 * typed ("prompt 'block '", "prompt \"block #{ip} --reason 'x'\""). #{ip}
 * and #{WHAT} (the shown view's selection) are expanded.
 */
static int
ui_prompt(void *ui, const char *prefix)
{
	struct console *c = ui;
	char cause[256];
	size_t n = strlen(prefix);
	const char *last = strrchr(prefix, ' ');

	/* "ack #{alert} --note": the text ends with an option, whose value
	 * is asked for (spaces and all); other text is put on the line. */
	if (last != NULL && prefix[n - 1] != ' ' && strncmp(last + 1, "--", 2)
	    == 0) {
		if (console_expand(c, prefix, c->prompt_cmd, sizeof c->prompt_cmd,
			cause, sizeof cause) == -1) {
			console_message(c, true, "%s", cause);
			c->prompt_cmd[0] = '\0';
			return EXIT_OK;
		}
		c->prompting = true;
		c->line[0] = '\0';
		c->linelen = 0;
		return EXIT_OK;
	}
	if (strchr(prefix, ' ') != NULL) {
		if (console_expand(c, prefix, c->line, sizeof c->line, cause,
			sizeof cause) == -1) {
			/* Shown as the command's error: the hook has no cause. */
			console_message(c, true, "%s", cause);
			return EXIT_OK;
		}
		c->prompting = true;
		c->prompt_cmd[0] = '\0';
		c->linelen = strlen(c->line);
		return EXIT_OK;
	}
	c->prompting = true;
	snprintf(c->prompt_cmd, sizeof c->prompt_cmd, "%s", prefix);
	c->line[0] = '\0';
	c->linelen = 0;
	if (strcmp(prefix, "filter") == 0) {
		snprintf(c->line, sizeof c->line, "%s", c->filter);
		c->linelen = strlen(c->line);
	}
	return EXIT_OK;
}

static int
ui_refresh(void *ui)
{
	struct console *c = ui;
	const struct view *v = c->views[c->current];

	worker_refresh(&c->worker);
	if (v->reread != NULL)
		v->reread(c->state[c->current], c);
	return EXIT_OK;
}

static int
ui_move(void *ui, const char *where, char *cause, size_t len)
{
	struct console *c = ui;
	const struct view *v = c->views[c->current];

	if (v->cursor(c->state[c->current], where) == -1) {
		snprintf(cause, len, "move: '%s' is not a direction here; use "
		    "up, down, page-up, page-down, top or bottom (in and out "
		    "in the agencies view)", where);
		return -1;
	}
	return 0;
}

static int
ui_quit(void *ui)
{
	struct console *c = ui;

	c->quit = true;
	return EXIT_OK;
}

/* Forgets the command a question would have run. */
static void
console_confirm_drop(struct console *c)
{
	if (c->confirm_run)
		cmd_free(&c->confirm_cmd);
	c->confirm_run = false;
}

/* Asks on the status line; only ui_ask, i.e. cmd_confirm, asks. */
static void
console_confirm(struct console *c, const char *question, const char *want)
{
	console_confirm_drop(c);
	c->confirm_owner = c->current;
	c->prompting = true;
	c->confirming = true;
	snprintf(c->prompt_cmd, sizeof c->prompt_cmd, "confirm");
	snprintf(c->message, sizeof c->message, "%s", question);
	snprintf(c->confirm_want, sizeof c->confirm_want, "%s", want);
	c->line[0] = '\0';
	c->linelen = 0;
}

/* Asks; answered `want`, runs `run` off the UI thread (cmd_confirm). */
static int
ui_ask(void *ui, const char *question, const char *want,
    const struct cmd *run)
{
	struct console *c = ui;

	console_confirm(c, question, want);
	cmd_copy(&c->confirm_cmd, run);
	c->confirm_run = true;
	return 0;
}

static const struct cmd_ui console_ui = {
	.view = ui_view,
	.filter = ui_filter,
	.prompt = ui_prompt,
	.refresh = ui_refresh,
	.cursor = ui_move,
	.quit = ui_quit,
	.ask = ui_ask,
	.show = ui_show,
	.selection = ui_selection,
};

int
console_exec(struct console *c, const struct cmd *cmd)
{
	struct cmd_ctx ctx = { 0 };
	int code;

	ctx.cfg = c->cfg;
	ctx.read_only = c->read_only;
	ctx.read_only_why = c->read_only_why;
	ctx.ui = &console_ui;
	ctx.ui_data = c;
	c->message[0] = '\0';
	if ((code = cmd_exec(cmd, &ctx)) != EXIT_OK)
		console_message(c, true, "%s", ctx.cause);
	return code;
}

static void
console_run_cmd(struct console *c, const struct cmd *cmd)
{
	console_exec(c, cmd);
}

/*
 * The answer was yes: the one executor, cmd_exec on a job thread (the view
 * that asked may follow the job). A console-only command changes only the
 * console: it runs here, with --yes, and goes to its view.
 */
static void
console_confirmed(struct console *c)
{
	const struct view *owner = c->views[c->confirm_owner];
	struct worker_cmd_hooks hooks;
	struct cmd run;

	cmd_copy(&run, &c->confirm_cmd);
	console_confirm_drop(c);
	run.yes = true;
	if (cmd_flags(&run) & CMD_UI_ONLY) {
		console_exec(c, &run);
		cmd_free(&run);
		return;
	}
	memset(&hooks, 0, sizeof hooks);
	cmd_print(&run, c->message, sizeof c->message);
	worker_command(&c->worker, c->cfg, &run, c->read_only,
	    owner->job != NULL && owner->job(c->state[c->confirm_owner], c,
		&run, &hooks) ? &hooks : NULL);
	snprintf(c->message + strlen(c->message), sizeof c->message -
	    strlen(c->message), ": started");
	c->message_error = false;
	cmd_free(&run);
}

static void
console_run_line(struct console *c)
{
	char cause[512];
	struct cmd cmd;

	if (strchr(c->prompt_cmd, ' ') != NULL) {
		/* The typed text is the last word, spaces and all. */
		char full[sizeof c->prompt_cmd + 2 * sizeof c->line + 4];
		size_t off;
		const char *p;

		off = (size_t)snprintf(full, sizeof full, "%s \"", c->prompt_cmd);
		for (p = c->line; *p != '\0' && off + 3 < sizeof full; p++) {
			if (*p == '"' || *p == '\\')
				full[off++] = '\\';
			full[off++] = *p;
		}
		snprintf(full + off, sizeof full - off, "\"");
		if (cmd_parse_string(full, &cmd, cause, sizeof cause) == -1) {
			console_message(c, true, "%s", cause);
			return;
		}
		console_run_cmd(c, &cmd);
		cmd_free(&cmd);
		return;
	}
	if (c->prompt_cmd[0] != '\0') {
		/* The typed text is one argument, spaces and all. */
		char *argv[2] = { c->prompt_cmd, c->line };

		if (cmd_parse_argv(c->linelen ? 2 : 1, argv, &cmd, cause,
			sizeof cause) == -1) {
			console_message(c, true, "%s", cause);
			return;
		}
		console_run_cmd(c, &cmd);
		cmd_free(&cmd);
		return;
	}
	if (c->linelen == 0)
		return;
	if (cmd_parse_string(c->line, &cmd, cause, sizeof cause) == -1) {
		console_message(c, true, "%s", cause);
		return;
	}
	console_run_cmd(c, &cmd);
	cmd_free(&cmd);
}

static void
console_confirm_key(struct console *c, int key)
{
	if (key == 27 || key == '\n' || key == '\r' || key == KEY_ENTER) {
		bool yes = key != 27 && (strcmp(c->line, c->confirm_want) == 0 ||
		    (strcmp(c->confirm_want, "y") == 0 &&
			strcasecmp(c->line, "yes") == 0));

		c->prompting = c->confirming = false;
		c->message[0] = '\0';
		if (yes && c->confirm_run) {
			console_confirmed(c);
			return;
		}
		snprintf(c->message, sizeof c->message, "not confirmed; nothing "
		    "was done");
		c->message_error = false;
		console_confirm_drop(c);
		return;
	}
	if ((key == KEY_BACKSPACE || key == 127 || key == 8) && c->linelen > 0)
		c->line[--c->linelen] = '\0';
	else if (key >= ' ' && key < 0x7f && c->linelen + 1 < 32) {
		c->line[c->linelen++] = (char)key;
		c->line[c->linelen] = '\0';
	}
}

static void
console_prompt_key(struct console *c, int key)
{
	if (c->confirming) {
		console_confirm_key(c, key);
		return;
	}
	if (key == 27) {
		c->prompting = false;
		return;
	}
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		c->prompting = false;
		console_run_line(c);
		return;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (c->linelen > 0)
			c->line[--c->linelen] = '\0';
	} else if (key == 21) { /* C-u */
		c->linelen = 0;
		c->line[0] = '\0';
	} else if (key >= ' ' && key < 0x7f &&
	    c->linelen + 1 < sizeof c->line) {
		c->line[c->linelen++] = (char)key;
		c->line[c->linelen] = '\0';
	}
	/* Filtering shows its result while it is typed. */
	if (strcmp(c->prompt_cmd, "filter") == 0)
		snprintf(c->filter, sizeof c->filter, "%s", c->line);
}

static void
console_key(struct console *c, int key)
{
	const struct view *v = c->views[c->current];
	const struct keymap_binding *b;

	if (key == KEY_RESIZE)
		return;
	if (key == '\r' || key == KEY_ENTER)
		key = '\n';
	if (c->prompting) {
		console_prompt_key(c, key);
		return;
	}
	if (key == 27 && v->escape != NULL && v->escape(c->state[c->current]))
		return;
	b = keymap_lookup_in(&c->keymap, v->name, key);
	/* Esc, or the key that opened it (?), closes an overlay (help). */
	if (v->overlay && (key == 27 || (b != NULL && cmd_view(&b->cmd) !=
	    NULL && strcmp(cmd_view(&b->cmd), v->name) == 0))) {
		c->current = c->previous;
		return;
	}
	if (b == NULL) {
		console_message(c, true, "%s is not bound to anything; ? shows "
		    "the keys", keyname(key) ? keyname(key) : "that key");
		return;
	}
	console_run_cmd(c, &b->cmd);
}

/* Hands a job's or the worker's message to the views that take it. */
static void
console_take_views(struct console *c, struct worker_msg *m)
{
	int i;

	for (i = 0; i < CONSOLE_NVIEWS; i++) {
		if (c->views[i]->take != NULL)
			c->views[i]->take(c->state[i], c, m);
	}
	worker_msg_free(m);
}

/* Tells the worker what the view on screen reads besides the snapshot. */
static void
console_fetch(struct console *c)
{
	const struct view *v = c->views[c->current];
	const char *agency = NULL;
	unsigned what = v->fetches;

	if (v->fetch != NULL)
		what = v->fetch(c->state[c->current], &agency);
	/* The header's ALERT line reads the alerts whatever is shown. */
	worker_fetch(&c->worker, what | FETCH_ALERTS, agency);
}

/* The Redis ACL's answer decides, unless --read-only or the config did. */
static void
console_role(struct console *c, enum redis_role role)
{
	static char why[160];
	bool ours = c->read_only_why == why ||
	    c->read_only_why == console_role_pending;

	if (role == REDIS_ROLE_UNKNOWN)
		return;
	role_cache_put(c->cfg->redis.user, role == REDIS_ROLE_WRITE,
	    clock_wall_ms() / 1000);
	if (role == REDIS_ROLE_READ_ONLY && (!c->read_only || ours)) {
		c->read_only = true;
		c->read_only_why = cmd_read_only_acl(c->cfg->redis.user, why,
		    sizeof why);
	} else if (role == REDIS_ROLE_WRITE && c->read_only && ours) {
		/* Confirmed; or another user, or a new master after a failover. */
		c->read_only = false;
		c->read_only_why = NULL;
	}
}

/*
 * Redis is away before the role was ever confirmed: what a probe confirmed
 * lately on this machine stands in; without it the session stays read-only
 * (roles fail closed), saying why.
 */
static void
console_role_unconfirmed(struct console *c, const char *err)
{
	static char acl[160];

	if (c->read_only_why != console_role_pending)
		return;
	switch (role_cache_get(c->cfg->redis.user, clock_wall_ms() / 1000)) {
	case 1:
		c->read_only = false;
		c->read_only_why = NULL;
		break;
	case 0:
		c->read_only_why = cmd_read_only_acl(c->cfg->redis.user, acl,
		    sizeof acl);
		break;
	default:
		snprintf(console_role_pending, sizeof console_role_pending,
		    "role not confirmed (%s)", err);
		break;
	}
}

static void
console_take(struct console *c, struct worker_msg *m)
{
	if (m->kind == WMSG_ACTION_DONE) {
		/* A command the console ran ended: its result, at once. */
		snprintf(c->message, sizeof c->message, "%s", m->text);
		c->message_error = m->failed;
		if (c->views[c->current]->fetch != NULL ||
		    c->views[c->current]->fetches != 0)
			worker_refresh(&c->worker);
	}
	if (m->kind == WMSG_ALERTS && m->alerts != NULL) {
		if (c->alerts != NULL) {
			alert_list_free(c->alerts);
			free(c->alerts);
		}
		c->alerts = m->alerts;
		m->alerts = NULL;
	}
	if (m->kind != WMSG_SNAPSHOT) {
		console_take_views(c, m);
		return;
	}
	if (m->snap != NULL) {
		snapshot_free(c->prev);
		c->prev = c->snap;
		c->snap = m->snap;
		m->snap = NULL;
		c->snap_mono_ms = clock_mono_ms();
		c->redis_down = false;
		console_role(c, m->role);
	} else {
		if (!c->redis_down)
			c->down_since_ms = clock_mono_ms();
		c->redis_down = true;
		c->redis_refused = m->err == RERR_DENIED || m->err == RERR_REPLY;
		snprintf(c->redis_err, sizeof c->redis_err, "%s", m->errstr);
		console_role_unconfirmed(c, m->errstr);
	}
	worker_msg_free(m);
}

/* The worst health of all clusters, for the header. */
static enum cluster_health
console_health(const struct console *c, char *summary, size_t len)
{
	struct cluster_status cl[32];
	enum cluster_health worst = HEALTH_OK;
	size_t i, n, off = 0, alive = 0;

	summary[0] = '\0';
	if (c->snap == NULL)
		return HEALTH_OK;
	n = cluster_collect(c->snap, c->now, cl, 32);
	for (i = 0; i < n; i++)
		worst = cluster_health_worst(worst, cl[i].health);
	for (i = 0; i < c->snap->nnodes; i++)
		alive += c->snap->nodes[i].alive;
	snprintf(summary, len, "nodes %zu/%zu", alive, c->snap->nnodes);
	off = strlen(summary);
	for (i = 0; i < n && off < len; i++) {
		if (cl[i].health != HEALTH_OK)
			off += (size_t)snprintf(summary + off, len - off, "  %s %s",
			    cl[i].name, cluster_health_name(cl[i].health));
	}
	return worst;
}

bool
view_take_failed(const struct worker_msg *m, char *err, size_t len)
{
	if (m->failed) {
		snprintf(err, len, "%s", m->text);
		return true;
	}
	err[0] = '\0';
	return false;
}

enum theme_role
console_health_role(enum cluster_health h)
{
	switch (h) {
	case HEALTH_OK:
		return ROLE_OK;
	case HEALTH_FAILED_OVER:
	case HEALTH_DEGRADED:
		return ROLE_WARN;
	case HEALTH_DOWN:
	case HEALTH_SPLIT_BRAIN:
		return ROLE_ALERT;
	}
	return ROLE_ALERT;
}

static void
console_draw_header(struct console *c)
{
	char summary[160], clock[32], title[64];
	enum cluster_health h;
	int cw;
	struct tm tm;
	time_t t = (time_t)c->now;

	h = console_health(c, summary, sizeof summary);
	localtime_r(&t, &tm);
	/* The zone's name: every time on screen is in it (ui.time_zone). */
	strftime(clock, sizeof clock, "%H:%M:%S %Z", &tm);
	cw = (int)strlen(clock);
	attrset(theme_attr(ROLE_HEADER));
	mvhline(0, 0, ' ', COLS);
	snprintf(title, sizeof title, " mailnoc | %s ",
	    c->views[c->current]->title);
	mvaddnstr(0, 0, title, COLS);
	if (c->snap != NULL) {
		attrset(theme_attr(c->redis_down ? ROLE_STALE : console_health_role(h)));
		addstr(" ");
		addstr(cluster_health_name(h));
		addstr(" ");
		attrset(theme_attr(ROLE_HEADER));
		addch(' ');
		addnstr(summary, COLS - getcurx(stdscr) - cw - 2 > 0 ?
		    COLS - getcurx(stdscr) - cw - 2 : 0);
	}
	if (c->read_only && COLS - getcurx(stdscr) > cw + 14) {
		attrset(theme_attr(ROLE_READONLY));
		mvaddstr(0, COLS - cw - 12, " READ-ONLY ");
	}
	attrset(theme_attr(ROLE_HEADER));
	mvaddstr(0, COLS - cw - 1, clock);
	attrset(A_NORMAL);
}

/*
 * The most severe alert that counts (active, not acknowledged, not
 * silenced; critical before warning, then the oldest), or NULL; *others:
 * how many more count.
 */
static const struct alert *
console_worst_alert(const struct console *c, size_t *others)
{
	const struct alert *worst = NULL, *a;
	size_t i, n = 0;

	*others = 0;
	if (c->alerts == NULL)
		return NULL;
	for (i = 0; i < c->alerts->n; i++) {
		a = &c->alerts->v[i];
		if (!alert_counts(a, c->now))
			continue;
		n++;
		if (worst == NULL || a->severity > worst->severity ||
		    (a->severity == worst->severity &&
			a->first_seen < worst->first_seen))
			worst = a;
	}
	*others = n > 0 ? n - 1 : 0;
	return worst;
}

/* Returns the number of lines the banner took. */
static int
console_draw_banner(struct console *c, int y)
{
	char line[512], age[32];
	long data_age = console_data_age(c);
	size_t others;

	if (!c->redis_down && c->snap != NULL) {
		const struct alert *worst = console_worst_alert(c, &others);

		/* The alert store first; before the agents record them, the
		 * console's own lines (throttling, a harvest suspect). */
		if (worst != NULL) {
			snprintf(line, sizeof line, "%s", worst->malformed[0] ?
			    worst->malformed : worst->text);
			if (others > 0)
				snprintf(age, sizeof age, "  +%zu more (!)", others);
			else
				age[0] = '\0';
		} else if (c->alert[0] == '\0' && c->harvest[0] == '\0')
			return 0;
		attrset(theme_attr(worst != NULL && worst->severity ==
		    ALERT_WARNING ? ROLE_WARN : ROLE_ALERT));
		mvhline(y, 0, ' ', COLS);
		mvaddnstr(y, 0, " ALERT ", COLS);
		if (worst == NULL) {
			addnstr(c->alert, COLS - getcurx(stdscr));
			if (c->alert[0] != '\0' && c->harvest[0] != '\0')
				addnstr("; ", COLS - getcurx(stdscr));
			addnstr(c->harvest, COLS - getcurx(stdscr));
		} else {
			/* The count stays in sight: the text gives way. */
			int room = COLS - getcurx(stdscr) - (int)strlen(age);

			addnstr(line, room > 0 ? room : 0);
			mvaddnstr(y, COLS - (int)strlen(age) > 0 ? COLS -
			    (int)strlen(age) : 0, age, COLS);
		}
		attrset(A_NORMAL);
		return 1;
	}
	if (c->snap == NULL && !c->redis_down) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y, 0, " connecting to redis...", COLS);
		attrset(A_NORMAL);
		return 1;
	}
	if (data_age >= 0)
		snprintf(age, sizeof age, "data from %lds ago", data_age);
	else
		snprintf(age, sizeof age, "no data yet");
	snprintf(line, sizeof line, " REDIS %s for %llds: %s; %s, "
	    "retrying", c->redis_refused ? "REFUSES THE REFRESH" :
	    "UNREACHABLE", (clock_mono_ms() - c->down_since_ms) / 1000,
	    c->redis_err, age);
	attrset(theme_attr(ROLE_BANNER));
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	return 1;
}

static void
console_draw_status(struct console *c)
{
	int y = LINES - 1;

	move(y, 0);
	clrtoeol();
	if (c->prompting && c->confirming) {
		attrset(theme_attr(ROLE_WARN));
		mvaddnstr(y, 0, c->message, COLS);
		addnstr(c->line, COLS - getcurx(stdscr) - 1);
		attrset(A_NORMAL);
		curs_set(1);
		return;
	}
	if (c->prompting) {
		attrset(theme_attr(ROLE_NORMAL));
		mvprintw(y, 0, "%s%s", c->prompt_cmd[0] ? c->prompt_cmd : "",
		    c->prompt_cmd[0] ? "> " : ":");
		addnstr(c->line, COLS - getcurx(stdscr) - 1);
		curs_set(1);
		return;
	}
	curs_set(0);
	if (c->message[0] != '\0') {
		attrset(theme_attr(c->message_error ? ROLE_ALERT : ROLE_STATUS));
		mvaddnstr(y, 0, c->message, COLS);
	} else {
		const struct view *v = c->views[c->current];
		char bar[512], f[160] = "";
		int width = COLS;

		/* The filter keeps its place at the right; the bar, generated
		 * from the key table, gives up whole labels to make room. */
		if (c->filter[0] != '\0' && COLS > 60) {
			snprintf(f, sizeof f, " filter: %s ", c->filter);
			width = COLS - (int)strlen(f) - 1;
		}
		keymap_bar(&c->keymap, v->name, v->escape != NULL, c->read_only,
		    width, bar, sizeof bar);
		attrset(theme_attr(ROLE_STATUS));
		mvhline(y, 0, ' ', COLS);
		mvaddnstr(y, 0, bar, COLS);
		if (f[0] != '\0') {
			attrset(theme_attr(ROLE_KEY));
			mvaddnstr(y, COLS - (int)strlen(f) > 0 ?
			    COLS - (int)strlen(f) : 0, f, COLS);
		}
	}
	attrset(A_NORMAL);
}

void
console_draw(struct console *c)
{
	int y, h;

	c->now = clock_wall_ms() / 1000;
	erase();
	if (COLS < CONSOLE_MIN_COLS || LINES < CONSOLE_MIN_LINES) {
		char line[128];

		snprintf(line, sizeof line, "too small: %dx%d, need %dx%d",
		    COLS, LINES,
		    CONSOLE_MIN_COLS, CONSOLE_MIN_LINES);
		attrset(theme_attr(ROLE_ALERT));
		mvaddnstr(0, 0, line, COLS);
		attrset(A_NORMAL);
		curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	console_draw_header(c);
	y = 1 + console_draw_banner(c, 1);
	h = LINES - 1 - y;
	c->views[c->current]->draw(c->state[c->current], c, y, h);
	console_draw_status(c);
	wnoutrefresh(stdscr);
	doupdate();
}

static int
console_setup(struct console *c, const struct config *cfg,
    const struct cli *cli, struct theme *theme)
{
	const char *name = cli->theme ? cli->theme : cfg->ui.theme;
	char cause[512];

	memset(c, 0, sizeof *c);
	c->cfg = cfg;
	c->read_only = cli->read_only || cfg->ui.read_only;
	c->read_only_why = cli->read_only ? CMD_RO_OPTION : cfg->ui.read_only ?
	    CMD_RO_CONFIG : NULL;
	/* Roles fail closed: nothing changes until Redis says who we are. */
	if (!c->read_only) {
		snprintf(console_role_pending, sizeof console_role_pending,
		    "the Redis user's role is not confirmed yet");
		c->read_only = true;
		c->read_only_why = console_role_pending;
	}
	if (theme_load(name, theme, cause, sizeof cause) == -1) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_USAGE;
	}
	if (keymap_init(&c->keymap, cause, sizeof cause) == -1) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_FAILED;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mailnoc: the console needs a terminal; give a "
		    "command for batch mode (see mailnoc help)\n");
		keymap_free(&c->keymap);
		return EXIT_USAGE;
	}
	console_views_init(c);
	return -1;
}

void
console_views_init(struct console *c)
{
	int i;

	for (i = 0; i < CONSOLE_NVIEWS; i++) {
		c->views[i] = view_all[i];
		c->state[i] = view_all[i]->init(c);
	}
}

static void
console_teardown(struct console *c)
{
	int i;

	worker_stop(&c->worker);
	console_confirm_drop(c);
	for (i = 0; i < CONSOLE_NVIEWS; i++)
		c->views[i]->free(c->state[i]);
	snapshot_free(c->snap);
	snapshot_free(c->prev);
	if (c->alerts != NULL) {
		alert_list_free(c->alerts);
		free(c->alerts);
	}
	keymap_free(&c->keymap);
}

/*
 * Quitting: every job reads the configuration, which goes when the console
 * returns. Listings and a restore stop at once (the worker's closing flag,
 * the views' ticks); an action under way is never cut short, so the
 * console waits for it, saying so; a hung node ends at its SSH timeouts.
 */
static void
console_wait_jobs(struct console *c)
{
	const struct config_ssh *ssh = &c->cfg->ssh;
	long long most = (long long)ssh->connect_timeout_ms +
	    ssh->command_timeout_ms;
	struct worker_msg *m;
	struct pollfd pfd;
	int jobs, i;

	c->worker.closing = 1;
	while ((jobs = worker_jobs(&c->worker)) > 0) {
		for (i = 0; i < CONSOLE_NVIEWS; i++) {
			if (c->views[i]->tick != NULL)
				c->views[i]->tick(c->state[i], c);
		}
		c->prompting = c->confirming = false;
		console_message(c, false, "quitting: waiting for %d action%s to "
		    "end (a hung node times out within %llds)", jobs,
		    jobs == 1 ? "" : "s", (most + 999) / 1000);
		console_draw(c);
		pfd.fd = worker_fd(&c->worker);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) == -1 && errno != EINTR)
			break;
		while ((m = worker_pop(&c->worker)) != NULL)
			console_take(c, m);
	}
}

int
console_run(const struct config *cfg, const struct cli *cli)
{
	/* Static, as the worker's jobs post to it until the very end. */
	static struct console c;
	struct theme theme;
	struct sigaction sa;
	char cause[512];
	const char *nc = getenv("NO_COLOR");
	int rc, i;

	if ((rc = console_setup(&c, cfg, cli, &theme)) != -1)
		return rc;
	/* From here on this thread draws and reads keys, nothing else:
	 * the test build aborts on a network call from it. */
	uithread_register();
	setlocale(LC_ALL, "");
	c.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = console_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	initscr();
	xalloc_on_fatal(endwin);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	theme_apply(&theme, nc != NULL && nc[0] != '\0');

	if (worker_start(&c.worker, cfg, cause, sizeof cause) == -1) {
		endwin();
		fprintf(stderr, "mailnoc: %s\n", cause);
		console_teardown(&c);
		return EXIT_FAILED;
	}
	console_draw(&c);
	while (!c.quit && !console_signalled) {
		struct pollfd pfd[2];
		struct worker_msg *m;
		int key, wait;

		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = worker_fd(&c.worker);
		pfd[1].events = POLLIN;
		/* Wake at the next second so ages and the clock tick. */
		wait = 1000 - (int)(clock_wall_ms() % 1000);
		if (poll(pfd, 2, wait) == -1 && errno != EINTR)
			break;
		while ((m = worker_pop(&c.worker)) != NULL)
			console_take(&c, m);
		while ((key = getch()) != ERR && !c.quit)
			console_key(&c, key);
		console_fetch(&c);
		c.now = clock_wall_ms() / 1000;
		for (i = 0; i < CONSOLE_NVIEWS; i++) {
			if (c.views[i]->tick != NULL)
				c.views[i]->tick(c.state[i], &c);
		}
		if (pfd[0].revents & (POLLHUP | POLLERR))
			break;
		console_draw(&c);
	}
	console_wait_jobs(&c);
	endwin();
	console_teardown(&c);
	return EXIT_OK;
}
