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
#include "cmd/complete.h"
#include "core/clock.h"
#include "core/cluster.h"
#include "core/exitcode.h"
#include "core/lineedit.h"
#include "core/msglog.h"
#include "core/osc52.h"
#include "core/role_cache.h"
#include "core/validate.h"
#include "core/wrap.h"
#include "core/xalloc.h"
#include "tui/layout.h"
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

/*
 * Puts what the status line says now in the message history, once: the
 * console and the views write c->message. A new command or a job's result
 * clears `logged`, so what they say is logged even when it repeats the
 * message before.
 */
static void
console_log(struct console *c)
{
	if (c->message[0] == '\0') {
		c->logged[0] = '\0';
		return;
	}
	if (c->confirming || strcmp(c->message, c->logged) == 0)
		return;
	msglog_add(&c->messages, clock_wall_ms() / 1000, c->message_error ?
	    MSGLOG_ERROR : MSGLOG_INFO, c->message);
	snprintf(c->logged, sizeof c->logged, "%s", c->message);
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
	/* An overlay over another (help over messages) goes back to the
	 * view under both. */
	if (c->views[i]->overlay && c->current != i &&
	    !c->views[c->current]->overlay)
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
		if (v->overlay && c->current != i &&
		    !c->views[c->current]->overlay)
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
				if (strcmp(c->views[c->current]->name,
				    "agencies") == 0)
					snprintf(cause, causelen, "no permitted "
					    "IP selected; open an agency (Enter) "
					    "and move to one of its IPs");
				else
					snprintf(cause, causelen, "no blocked IP "
					    "selected; open the blocklist (4) and "
					    "move to one");
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
		lineedit_reset(&c->edit, NULL);
		return EXIT_OK;
	}
	if (strchr(prefix, ' ') != NULL) {
		char line[LINEEDIT_MAX];

		if (console_expand(c, prefix, line, sizeof line, cause,
			sizeof cause) == -1) {
			/* Shown as the command's error: the hook has no cause. */
			console_message(c, true, "%s", cause);
			return EXIT_OK;
		}
		c->prompting = true;
		c->prompt_cmd[0] = '\0';
		lineedit_reset(&c->edit, &c->history);
		lineedit_set(&c->edit, line);
		return EXIT_OK;
	}
	c->prompting = true;
	snprintf(c->prompt_cmd, sizeof c->prompt_cmd, "%s", prefix);
	/* Only the command line walks the history of command lines. */
	lineedit_reset(&c->edit, prefix[0] == '\0' ? &c->history : NULL);
	if (strcmp(prefix, "filter") == 0)
		lineedit_set(&c->edit, c->filter);
	c->completions[0] = '\0';
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
		    "up, down, page-up, page-down, top, bottom, left, right, "
		    "in, out, sort or sort-reverse", where);
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
	lineedit_reset(&c->edit, NULL);
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

/*
 * copy: writes OSC 52 to the terminal, which puts `text` (NULL: the ID of
 * the row under the cursor, the view's "id" selection) into its
 * clipboard. Inside tmux it needs `set -g set-clipboard on` (docs/ui.md).
 * The terminal says nothing back: the status line says what was sent.
 */
static int
ui_copy(void *ui, const char *text, char *cause, size_t len)
{
	struct console *c = ui;
	char **sel = NULL, *seq;
	const char *what = text;
	size_t size, off;
	ssize_t w;
	int n = 0;

	if (what == NULL) {
		if ((n = ui_selection(c, "id", &sel)) <= 0) {
			cmd_selection_free(sel, n);
			snprintf(cause, len, "copy: no row under the cursor here "
			    "has an ID to copy");
			return -1;
		}
		what = sel[0];
	}
	size = osc52_size(strlen(what));
	seq = xmalloc(size);
	if (osc52_encode(what, seq, size) == -1) {
		snprintf(cause, len, "copy: too long for the clipboard");
		free(seq);
		cmd_selection_free(sel, n);
		return -1;
	}
	/* Past curses, which has written the screen out by now; the
	 * sequence moves no cursor and draws nothing. */
	for (off = 0; seq[off] != '\0'; off += (size_t)w) {
		if ((w = write(STDOUT_FILENO, seq + off, strlen(seq + off))) ==
		    -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			snprintf(cause, len, "copy: writing to the terminal: %s",
			    strerror(errno));
			free(seq);
			cmd_selection_free(sel, n);
			return -1;
		}
	}
	console_message(c, false, "copied %s to the clipboard", what);
	free(seq);
	cmd_selection_free(sel, n);
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
	.copy = ui_copy,
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
	c->logged[0] = '\0';
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
	c->logged[0] = '\0';
	cmd_free(&run);
}

static void
console_run_line(struct console *c)
{
	char cause[512];
	struct cmd cmd;

	if (strchr(c->prompt_cmd, ' ') != NULL) {
		/* The typed text is the last word, spaces and all. */
		char full[sizeof c->prompt_cmd + 2 * LINEEDIT_MAX + 4];
		size_t off;
		const char *p;

		off = (size_t)snprintf(full, sizeof full, "%s \"", c->prompt_cmd);
		for (p = c->edit.buf; *p != '\0' && off + 3 < sizeof full;
		    p++) {
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
		char *argv[2] = { c->prompt_cmd, c->edit.buf };

		if (cmd_parse_argv(c->edit.len ? 2 : 1, argv, &cmd, cause,
			sizeof cause) == -1) {
			console_message(c, true, "%s", cause);
			return;
		}
		console_run_cmd(c, &cmd);
		cmd_free(&cmd);
		return;
	}
	if (c->edit.len == 0)
		return;
	msglog_add(&c->messages, clock_wall_ms() / 1000, MSGLOG_COMMAND,
	    c->edit.buf);
	if (cmd_parse_string(c->edit.buf, &cmd, cause, sizeof cause) == -1) {
		console_message(c, true, "%s", cause);
		return;
	}
	console_run_cmd(c, &cmd);
	cmd_free(&cmd);
}

/* The question and its answer go into the message history. */
static void
console_log_answer(struct console *c, const char *answer)
{
	char line[MSGLOG_TEXT];

	snprintf(line, sizeof line, "%s%s", c->message, answer);
	msglog_add(&c->messages, clock_wall_ms() / 1000, MSGLOG_QUESTION, line);
	/* What follows the answer is logged, even the same words again. */
	c->logged[0] = '\0';
}

/*
 * y/N is answered by one key, as mutt does: y runs the command, any other
 * key declines; an Enter right after it (typed out of habit) is ignored.
 * A count to type is typed, and Enter ends it.
 */
static void
console_confirm_key(struct console *c, int key)
{
	bool typed = strcmp(c->confirm_want, "y") != 0, yes;
	const char *name = key == '\n' ? "Enter" : key == 27 ? "Escape" :
	    keyname(key);

	if (!typed) {
		yes = key == 'y' || key == 'Y';
		console_log_answer(c, yes ? "y" : name != NULL ? name : "?");
		if (key != '\n')
			c->swallow_enter_ms = clock_mono_ms() + 1000;
	} else if (key == 27 || key == '\n') {
		yes = key != 27 && strcmp(c->edit.buf, c->confirm_want) == 0;
		console_log_answer(c, key == 27 ? "Escape" : c->edit.buf);
	} else {
		/* Only the count's digits are typed. */
		if (!(key >= ' ' && key < 0x7f) || c->edit.len < 31)
			lineedit_key(&c->edit, key);
		return;
	}
	c->prompting = c->confirming = false;
	c->message[0] = '\0';
	if (yes && c->confirm_run) {
		console_confirmed(c);
		return;
	}
	console_message(c, false, "not confirmed; nothing was done");
	console_confirm_drop(c);
}

/* curses' keys as the line editor names them. */
static int
console_edit_key(int key)
{
	switch (key) {
	case KEY_LEFT:
		return LINEEDIT_LEFT;
	case KEY_RIGHT:
		return LINEEDIT_RIGHT;
	case KEY_HOME:
		return LINEEDIT_HOME;
	case KEY_END:
		return LINEEDIT_END;
	case KEY_UP:
		return LINEEDIT_UP;
	case KEY_DOWN:
		return LINEEDIT_DOWN;
	case KEY_DC:
		return LINEEDIT_DELETE;
	case KEY_BACKSPACE:
		return LINEEDIT_BACKSPACE;
	}
	return key;
}

#define CONSOLE_SCREEN_IPS 64

/*
 * The addresses the screen shows (read back from it, whatever the view):
 * the view's selected IP first, then each address on the lines above the
 * status line, once. Returns their number; free each.
 */
static size_t
console_screen_ips(struct console *c, char **ips, size_t max)
{
	char **sel = NULL, line[1024], *p, *tok, *save = NULL;
	int nsel = ui_selection(c, "ip", &sel), y, x, cy, cx, k;
	size_t n = 0, i;

	for (k = 0; k < nsel && n < max; k++)
		ips[n++] = xstrdup(sel[k]);
	cmd_selection_free(sel, nsel);
	getyx(stdscr, cy, cx);
	for (y = 1; y < LINES - 1 && n < max; y++) {
		x = mvinnstr(y, 0, line, (int)sizeof line - 1 < COLS ?
		    (int)sizeof line - 1 : COLS);
		if (x == ERR)
			continue;
		line[x] = '\0';
		for (p = line; n < max; p = NULL) {
			if ((tok = strtok_r(p, " \t[](),;=<>'\"", &save)) ==
			    NULL)
				break;
			tok[strcspn(tok, "/")] = '\0';
			/* An address ends a sentence: "blocked 192.0.2.1." */
			while (tok[0] != '\0' && strchr(".:", tok[strlen(tok) - 1]))
				tok[strlen(tok) - 1] = '\0';
			if (strpbrk(tok, ".:") == NULL || validate_ip(tok) != NULL)
				continue;
			for (i = 0; i < n && strcmp(ips[i], tok) != 0; i++)
				;
			if (i == n)
				ips[n++] = xstrdup(tok);
		}
	}
	move(cy, cx);
	return n;
}

/* Tab: completes the word before the cursor; several choices are shown. */
static void
console_complete(struct console *c)
{
	char *ips[CONSOLE_SCREEN_IPS], **cand;
	size_t n, i, off = 0, nips;
	bool listed;

	c->completions[0] = '\0';
	nips = console_screen_ips(c, ips, CONSOLE_SCREEN_IPS);
	n = complete_words(c->edit.buf, c->edit.pos, c->cfg,
	    (const char *const *)ips, nips, &cand);
	for (i = 0; i < nips; i++)
		free(ips[i]);
	if (lineedit_complete(&c->edit, (const char *const *)cand, n,
	    &listed) > 1 && listed) {
		size_t start = lineedit_word_start(&c->edit);
		size_t wlen = c->edit.pos - start;

		for (i = 0; i < n && off + 1 < sizeof c->completions; i++) {
			if (strncmp(cand[i], c->edit.buf + start, wlen) == 0)
				off += (size_t)snprintf(c->completions + off,
				    sizeof c->completions - off, "%s%s",
				    off ? "  " : "", cand[i]);
		}
	}
	complete_free(cand, n);
}

/* The command line goes into the history, on disk at once. */
static void
console_remember(struct console *c)
{
	char cause[600];

	if (c->prompt_cmd[0] != '\0' || c->edit.len == 0)
		return;
	history_add(&c->history, c->edit.buf);
	if (c->history_file[0] != '\0' && history_save(&c->history,
	    c->history_file, cause, sizeof cause) == -1) {
		/* Said once: the session goes on without a saved history. */
		console_message(c, true, "%s", cause);
		c->history_file[0] = '\0';
	}
}

static void
console_prompt_key(struct console *c, int key)
{
	if (c->confirming) {
		console_confirm_key(c, console_edit_key(key));
		return;
	}
	if (key == 27) {
		c->prompting = false;
		c->completions[0] = '\0';
		return;
	}
	if (key == '\n') {
		c->prompting = false;
		c->completions[0] = '\0';
		console_remember(c);
		console_run_line(c);
		return;
	}
	if (key == '\t') {
		if (c->prompt_cmd[0] == '\0')
			console_complete(c);
		return;
	}
	c->completions[0] = '\0';
	lineedit_key(&c->edit, console_edit_key(key));
	/* Filtering shows its result while it is typed. */
	if (strcmp(c->prompt_cmd, "filter") == 0)
		snprintf(c->filter, sizeof c->filter, "%s", c->edit.buf);
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
	if (c->swallow_enter_ms != 0) {
		bool swallow = key == '\n' && clock_mono_ms() <
		    c->swallow_enter_ms;

		c->swallow_enter_ms = 0;
		if (swallow)
			return;
	}
	if (c->prompting) {
		console_prompt_key(c, key);
		return;
	}
	if (key == 27 && v->escape != NULL && v->escape(c->state[c->current]))
		return;
	/* Esc closes a table's detail first (views without their own Esc). */
	if (key == 27 && v->escape == NULL && !v->overlay &&
	    v->cursor(c->state[c->current], "out") == 0)
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
		console_message(c, m->failed, "%s", m->text);
		c->logged[0] = '\0';
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

/* The most lines the status line grows to: a question or a result that
 * does not fit wraps to the next. */
#define CONSOLE_STATUS_MAX 3

/* The text of the status line's wrapped part: a question (with what is
 * typed), Tab's choices, a message; "" for one line of its own. */
static const char *
console_status_text(const struct console *c, char *buf, size_t len)
{
	if (c->prompting && c->confirming)
		snprintf(buf, len, "%s%s", c->message, c->edit.buf);
	else if (c->prompting)
		snprintf(buf, len, "%s", c->completions);
	else
		snprintf(buf, len, "%s", c->message);
	return buf;
}

/* How many lines the status line takes now. */
static int
console_status_lines(const struct console *c)
{
	struct wrap_line wl[CONSOLE_STATUS_MAX];
	char text[1024];
	size_t n;
	int most = LINES / 4 < CONSOLE_STATUS_MAX ? LINES / 4 :
	    CONSOLE_STATUS_MAX;

	console_status_text(c, text, sizeof text);
	if (text[0] == '\0')
		return 1;
	n = wrap_text(text, COLS, wl, CONSOLE_STATUS_MAX);
	/* Tab's choices sit above the prompt's own line. */
	if (c->prompting && !c->confirming)
		n++;
	if (most < 1)
		most = 1;
	return n > (size_t)most ? most : (int)n;
}

/*
 * Draws `text` wrapped into lines y..y+h-1; what does not fit is marked
 * with a cut mark at the end of the last line. Leaves the cursor after it.
 */
static void
console_draw_wrapped(const struct console *c, const char *text, int y, int h)
{
	struct wrap_line wl[CONSOLE_STATUS_MAX];
	size_t n = wrap_text(text, COLS, wl, CONSOLE_STATUS_MAX), i;
	const char *mark = c->utf8 ? "\xe2\x80\xa6" : "~";

	for (i = 0; i < n && (int)i < h && i < CONSOLE_STATUS_MAX; i++) {
		move(y + (int)i, 0);
		clrtoeol();
		mvaddnstr(y + (int)i, 0, text + wl[i].start, (int)wl[i].len);
	}
	if (n > (size_t)h && h > 0) {
		mvaddstr(y + h - 1, COLS - 1, mark);
		move(y + h - 1, COLS - 1);
	}
}

/* The prompt: its line scrolls sideways to keep the cursor in sight. */
static void
console_draw_prompt(struct console *c, int y)
{
	int plen, room;
	size_t off = 0;

	move(y, 0);
	clrtoeol();
	attrset(theme_attr(ROLE_NORMAL));
	mvprintw(y, 0, "%s%s", c->prompt_cmd[0] ? c->prompt_cmd : "",
	    c->prompt_cmd[0] ? "> " : ":");
	plen = getcurx(stdscr);
	room = COLS - plen - 1;
	if (room < 1)
		room = 1;
	if (c->edit.pos > (size_t)room)
		off = c->edit.pos - (size_t)room;
	addnstr(c->edit.buf + off, room);
	move(y, plen + (int)(c->edit.pos - off));
	curs_set(1);
}

static void
console_draw_status(struct console *c, int lines)
{
	int y = LINES - lines;
	char text[1024];

	console_status_text(c, text, sizeof text);
	if (c->prompting && c->confirming) {
		attrset(theme_attr(ROLE_WARN));
		console_draw_wrapped(c, text, y, lines);
		attrset(A_NORMAL);
		curs_set(1);
		return;
	}
	if (c->prompting) {
		if (lines > 1) {
			attrset(theme_attr(ROLE_DIM));
			console_draw_wrapped(c, text, y, lines - 1);
		}
		console_draw_prompt(c, LINES - 1);
		return;
	}
	curs_set(0);
	if (c->message[0] != '\0') {
		attrset(theme_attr(c->message_error ? ROLE_ALERT : ROLE_STATUS));
		console_draw_wrapped(c, text, y, lines);
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
	int y, h, status;

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
	console_log(c);
	console_draw_header(c);
	y = 1 + console_draw_banner(c, 1);
	status = console_status_lines(c);
	h = LINES - status - y;
	c->views[c->current]->draw(c->state[c->current], c, y, h);
	console_draw_status(c, status);
	wnoutrefresh(stdscr);
	doupdate();
}

/* The ':' lines of earlier sessions; without a place for them, none. */
static void
console_history_open(struct console *c)
{
	char cause[600];

	history_init(&c->history, 1000);
	if (history_path(c->history_file, sizeof c->history_file) == -1) {
		c->history_file[0] = '\0';
		return;
	}
	if (history_load(&c->history, c->history_file, cause,
	    sizeof cause) == -1)
		console_message(c, true, "%s", cause);
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
	console_history_open(c);
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
	history_free(&c->history);
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
	layout_set_utf8(c.utf8);
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
