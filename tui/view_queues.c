/* Queues: every gateway's messages, streamed in, sorted, filtered, tagged,
 * acted on; Enter shows one message. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/delay.h"
#include "core/format.h"
#include "core/qshape.h"
#include "core/queue.h"
#include "core/shell.h"
#include "core/xalloc.h"
#include "tui/jobs.h"
#include "tui/layout.h"
#include "tui/theme.h"
#include "tui/view.h"

/* A listing for the overview's throttling alert, this often. */
#define QUEUES_BACKGROUND_S 60

struct queues_state {
	struct queue_set *set;   /* the newest complete listing */
	struct queue_set *next;  /* the listing streaming in */
	unsigned long generation;
	int pending;             /* nodes still listing */
	long long listed_at;     /* wall clock of the last complete listing */
	char errors[512];
	enum queue_col sort;
	bool desc;
	char **tags;             /* "node:id", sorted */
	size_t ntags;
	uint32_t *rows;          /* the rows shown, filtered and sorted */
	size_t nrows;
	const struct queue_set *rows_of;
	char rows_filter[128];
	enum queue_col rows_sort;
	bool rows_desc;
	struct queue_filter filter;
	bool filter_expr;        /* the filter parsed as an expression */
	int cursor;
	int top;
	char **lines;            /* a message being shown */
	size_t nlines;
	int line_top;
	int hscroll;             /* columns after NODE scrolled off */
	char shown[96];
	int anchor;              /* first row of a range to tag, or -1 */
};

static void *
queues_init(struct console *c)
{
	struct queues_state *st = xcalloc(1, sizeof *st);

	(void)c;
	st->sort = QCOL_AGE;
	st->desc = true; /* oldest first */
	st->anchor = -1;
	queue_filter_init(&st->filter);
	return st;
}

static int
tag_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
row_key(const struct queue_set *qs, const struct queue_msg *m, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s:%s", queue_set_node_name(qs, m->node),
	    queue_str(qs, m->id));
}

static bool
is_tagged(const struct queues_state *st, const char *key)
{
	return st->ntags > 0 && bsearch(&key, st->tags, st->ntags,
	    sizeof *st->tags, tag_cmp) != NULL;
}

static void
tag_set(struct queues_state *st, const char *key, bool on)
{
	char **hit = st->ntags ? bsearch(&key, st->tags, st->ntags,
	    sizeof *st->tags, tag_cmp) : NULL;
	size_t i;

	if (on && hit == NULL) {
		st->tags = xreallocarray(st->tags, st->ntags + 1,
		    sizeof *st->tags);
		st->tags[st->ntags++] = xstrdup(key);
		qsort(st->tags, st->ntags, sizeof *st->tags, tag_cmp);
	} else if (!on && hit != NULL) {
		i = (size_t)(hit - st->tags);
		free(*hit);
		memmove(st->tags + i, st->tags + i + 1,
		    (st->ntags - i - 1) * sizeof *st->tags);
		st->ntags--;
	}
}

static void
tags_clear(struct queues_state *st)
{
	size_t i;

	for (i = 0; i < st->ntags; i++)
		free(st->tags[i]);
	free(st->tags);
	st->tags = NULL;
	st->ntags = 0;
}

/* What is shown: the complete listing, or the first one streaming in. */
static const struct queue_set *
queues_shown(const struct queues_state *st)
{
	return st->set != NULL ? st->set : st->next;
}

/* Plain text matches node, ID, sender, recipients and reasons. */
static bool
queues_text_match(const struct queue_set *qs, const struct queue_msg *m,
    const char *text)
{
	const struct queue_rcpt *r = queue_msg_rcpts(qs, m);
	uint32_t i;

	if (strcasestr(queue_set_node_name(qs, m->node), text) ||
	    strcasestr(queue_str(qs, m->id), text) ||
	    strcasestr(queue_str(qs, m->sender), text) ||
	    strcasestr(queue_kind_name(m->queue), text))
		return true;
	for (i = 0; i < m->nrcpt; i++) {
		if (strcasestr(queue_str(qs, r[i].addr), text) ||
		    strcasestr(queue_str(qs, r[i].reason), text))
			return true;
	}
	return false;
}

/* Recomputes the rows shown when the data, filter or order changed. */
static void
queues_rows(struct queues_state *st, struct console *c)
{
	const struct queue_set *qs = queues_shown(st);
	char cause[256];
	size_t i, n = 0;
	long long now = c->now;

	if (qs == st->rows_of && qs != st->next &&
	    strcmp(st->rows_filter, c->filter) == 0 &&
	    st->rows_sort == st->sort && st->rows_desc == st->desc)
		return;
	free(st->rows);
	st->rows = NULL;
	st->nrows = 0;
	st->rows_of = qs;
	snprintf(st->rows_filter, sizeof st->rows_filter, "%s", c->filter);
	st->rows_sort = st->sort;
	st->rows_desc = st->desc;
	queue_filter_free(&st->filter);
	queue_filter_init(&st->filter);
	st->filter_expr = false;
	if (qs == NULL)
		return;
	if (strpbrk(c->filter, ":<>") != NULL &&
	    queue_filter_parse(&st->filter, c->filter, cause,
		sizeof cause) == 0)
		st->filter_expr = true;
	st->rows = xcalloc(qs->nmsgs + 1, sizeof *st->rows);
	for (i = 0; i < qs->nmsgs; i++) {
		const struct queue_msg *m = &qs->msgs[i];

		if (st->filter_expr ? !queue_filter_match(qs, &st->filter, m,
					  now) :
		    (c->filter[0] != '\0' && !queues_text_match(qs, m,
						 c->filter)))
			continue;
		st->rows[n++] = (uint32_t)i;
	}
	st->nrows = n;
	queue_sort(qs, st->rows, n, st->sort, st->desc);
}

static void
queues_free_lines(struct queues_state *st)
{
	size_t i;

	for (i = 0; i < st->nlines; i++)
		free(st->lines[i]);
	free(st->lines);
	st->lines = NULL;
	st->nlines = 0;
}

/* Starts a listing of every gateway unless one is running. */
static void
queues_refresh(void *state, struct console *c)
{
	struct queues_state *st = state;

	if (st->pending > 0)
		return;
	queue_set_free(st->next);
	st->next = queue_set_new();
	st->generation++;
	st->errors[0] = '\0';
	st->pending = jobs_list_queues(&c->worker, c->cfg, st->generation);
}

/* A listing now and then, shown or not: the overview's alert needs it. */
static void
queues_tick(void *state, struct console *c)
{
	struct queues_state *st = state;

	if (st->pending == 0 && c->now - st->listed_at >= QUEUES_BACKGROUND_S)
		queues_refresh(state, c);
}

/* Recomputes the overview's alert from a complete listing. */
static void
queues_alert(struct queues_state *st, struct console *c)
{
	struct delay_opts o;
	struct delay_report rep;
	char cause[128];

	c->alert[0] = '\0';
	delay_opts_init(&o, c->now);
	if (delay_report_build(st->set, &o, &rep, cause, sizeof cause) == -1)
		return;
	delay_report_alert(&rep, st->set, c->alert, sizeof c->alert);
	delay_report_free(&rep);
}

static void
queues_take(void *state, struct console *c, struct worker_msg *m)
{
	struct queues_state *st = state;
	size_t off;

	switch (m->kind) {
	case WMSG_QUEUE_BATCH:
		if (m->generation == st->generation && st->next != NULL)
			queue_set_merge(st->next, m->qs);
		break;
	case WMSG_QUEUE_DONE:
		if (m->generation != st->generation)
			break;
		if (m->text[0] != '\0') {
			off = strlen(st->errors);
			snprintf(st->errors + off, sizeof st->errors - off, "%s%s",
			    off ? "; " : "", m->text);
		}
		if (--st->pending > 0)
			break;
		queue_set_free(st->set);
		st->set = st->next;
		st->next = NULL;
		st->rows_of = NULL; /* the rows were of a partial listing */
		st->listed_at = c->now;
		queues_alert(st, c);
		break;
	case WMSG_ACTION_DONE:
		/* The console shows the result; the rows may have changed. */
		tags_clear(st);
		queues_refresh(st, c);
		break;
	case WMSG_MESSAGE:
		queues_free_lines(st);
		if (m->failed) {
			snprintf(c->message, sizeof c->message, "%s", m->text);
			c->message_error = true;
			break;
		}
		st->lines = m->lines;
		st->nlines = m->nlines;
		m->lines = NULL;
		m->nlines = 0;
		st->line_top = 0;
		break;
	default:
		break;
	}
}

/*
 * The columns and how they give way at 80 columns (tui/layout.h): the ID
 * and the queue are never cut; the reason keeps 14 and starts with its
 * class (core/delay.c: "throttle: host mx…", "connection: connect…");
 * sender and recipient are cut in their local part so their domains
 * stay; SIZE goes first.
 */
static const bool queues_right[8] = { 0, 0, 0, 1, 1, 0, 0, 0 };
static const struct layout_col queues_fit[8] = {
	{ 5, 4, 9, LAYOUT_CUT_END }, { 8, 8, 5, LAYOUT_CUT_END },
	{ 11, 11, 8, LAYOUT_CUT_END }, { 4, 4, 7, LAYOUT_CUT_END },
	{ 5, 4, 1, LAYOUT_CUT_END }, { 16, 12, 3, LAYOUT_CUT_ADDR },
	{ 19, 14, 6, LAYOUT_CUT_ADDR }, { 0, 14, 10, LAYOUT_CUT_END },
};

/* The delay reason led by its class, which 14 columns always show. */
static const char *
queues_reason(const char *reason, char *buf, size_t len)
{
	enum delay_class k = delay_classify(reason);

	if (k == DELAY_NONE || k == DELAY_OTHER)
		return reason;
	snprintf(buf, len, "%s: %s", delay_class_name(k), reason);
	return buf;
}

static void
queues_line(int y, const char *const cells[8], const int *width,
    attr_t attr)
{
	int i, x = 0, shown = 0;

	attrset(attr);
	mvhline(y, 0, ' ', COLS);
	for (i = 0; i < 8 && x < COLS; i++) {
		char cell[512];
		int w = width[i];

		if (w == 0)
			continue;
		if (shown++ > 0)
			x++;
		if (w > COLS - x)
			w = COLS - x;
		layout_cell(cells[i], w, queues_right[i], queues_fit[i].cut,
		    layout_utf8(), cell, sizeof cell);
		mvaddstr(y, x, cell);
		x += w;
	}
	attrset(A_NORMAL);
}

static void
queues_draw_message(struct queues_state *st, int y, int h)
{
	int i;

	attrset(theme_attr(ROLE_TITLE));
	mvhline(y, 0, ' ', COLS);
	mvprintw(y, 0, "%s  (Esc back, arrows scroll)", st->shown);
	attrset(A_NORMAL);
	if (st->line_top > (int)st->nlines - 1)
		st->line_top = st->nlines ? (int)st->nlines - 1 : 0;
	for (i = 0; i < h - 1 && st->line_top + i < (int)st->nlines; i++)
		mvaddnstr(y + 1 + i, 0, st->lines[st->line_top + i], COLS);
}

static void
queues_draw(void *state, struct console *c, int y, int h)
{
	static const char *const heads[8] = { "NODE", "QUEUE", "ID", "AGE",
		"SIZE", "SENDER", "RECIPIENT", "REASON" };
	struct queues_state *st = state;
	const struct queue_set *qs;
	char info[256];
	int i, shown, width[LAYOUT_MAX_COLS];

	if (st->lines != NULL) {
		queues_draw_message(st, y, h);
		return;
	}
	queues_rows(st, c);
	qs = queues_shown(st);
	/* The first line says what is shown and how fresh it is. */
	if (st->pending > 0)
		snprintf(info, sizeof info, "listing %d gateway%s... %ld "
		    "messages so far", st->pending, st->pending == 1 ? "" : "s",
		    st->next ? (long)st->next->nmsgs : 0L);
	else if (qs != NULL)
		snprintf(info, sizeof info, "%zu of %zu messages, sorted by %s%s, "
		    "%zu tagged, listed %llds ago", st->nrows, qs->nmsgs,
		    queue_col_name(st->sort), st->desc ? " (desc)" : "",
		    st->ntags, c->now - st->listed_at);
	else
		snprintf(info, sizeof info, "no listing yet");
	attrset(theme_attr(st->errors[0] ? ROLE_ALERT : ROLE_DIM));
	mvaddnstr(y, 0, st->errors[0] ? st->errors : info, COLS);
	attrset(A_NORMAL);
	layout_widths(queues_fit, 8, COLS, st->hscroll, width);
	queues_line(y + 1, heads, width, theme_attr(ROLE_TITLE));
	if (st->hscroll > 0) {
		attrset(theme_attr(ROLE_KEY));
		mvaddch(y + 1, width[0], '<');
		attrset(A_NORMAL);
	}
	shown = h - 2;
	if (st->cursor >= (int)st->nrows)
		st->cursor = (int)st->nrows - 1;
	if (st->cursor < 0)
		st->cursor = 0;
	if (st->cursor < st->top)
		st->top = st->cursor;
	if (shown > 0 && st->cursor >= st->top + shown)
		st->top = st->cursor - shown + 1;
	for (i = 0; qs != NULL && i < shown && st->top + i < (int)st->nrows;
	     i++) {
		const struct queue_msg *m = &qs->msgs[st->rows[st->top + i]];
		const struct queue_rcpt *r = queue_msg_rcpts(qs, m);
		uint32_t reason = queue_msg_reason(qs, m);
		char age[16], size[16], rcpt[64], key[64], why[320];
		const char *cells[8];
		attr_t attr = theme_attr(ROLE_NORMAL);

		row_key(qs, m, key, sizeof key);
		snprintf(rcpt, sizeof rcpt, "%s%s%.0u",
		    m->nrcpt ? queue_str(qs, r[0].addr) : "-",
		    m->nrcpt > 1 ? " +" : "", m->nrcpt > 1 ? m->nrcpt - 1 : 0);
		cells[0] = queue_set_node_name(qs, m->node);
		cells[1] = queue_kind_name(m->queue);
		cells[2] = queue_str(qs, m->id);
		cells[3] = format_age((long)(c->now - m->arrival), age,
		    sizeof age);
		cells[4] = format_count((long)m->size, size, sizeof size);
		cells[5] = queue_str(qs, m->sender)[0] ?
		    queue_str(qs, m->sender) : "<>";
		cells[6] = rcpt;
		cells[7] = queues_reason(reason ? queue_str(qs, reason) : "",
		    why, sizeof why);
		if (st->top + i == st->cursor)
			attr = theme_attr(ROLE_SELECTED);
		else if (is_tagged(st, key))
			attr = theme_attr(ROLE_TAGGED);
		else if (m->queue == Q_HOLD)
			attr = theme_attr(ROLE_DIM);
		queues_line(y + 2 + i, cells, width, attr);
		if (is_tagged(st, key))
			mvaddch(y + 2 + i, 4, '*');
	}
}

static int
queues_cursor(void *state, const char *where)
{
	struct queues_state *st = state;
	int page = LINES > 6 ? LINES - 5 : 1;

	if (st->lines != NULL) {
		if (strcmp(where, "up") == 0)
			st->line_top--;
		else if (strcmp(where, "down") == 0)
			st->line_top++;
		else if (strcmp(where, "page-up") == 0)
			st->line_top -= page;
		else if (strcmp(where, "page-down") == 0)
			st->line_top += page;
		else if (strcmp(where, "top") == 0)
			st->line_top = 0;
		else if (strcmp(where, "bottom") == 0)
			st->line_top = (int)st->nlines;
		else
			return -1;
		if (st->line_top < 0)
			st->line_top = 0;
		return 0;
	}
	if (strcmp(where, "left") == 0) {
		st->hscroll -= st->hscroll > 0;
		return 0;
	}
	if (strcmp(where, "right") == 0) {
		st->hscroll += st->hscroll < 6;
		return 0;
	}
	if (strcmp(where, "up") == 0)
		st->cursor--;
	else if (strcmp(where, "down") == 0)
		st->cursor++;
	else if (strcmp(where, "page-up") == 0)
		st->cursor -= page;
	else if (strcmp(where, "page-down") == 0)
		st->cursor += page;
	else if (strcmp(where, "top") == 0)
		st->cursor = 0;
	else if (strcmp(where, "bottom") == 0)
		st->cursor = INT_MAX / 2;
	else
		return -1;
	if (st->cursor < 0)
		st->cursor = 0;
	return 0;
}

static int
queues_escape(void *state)
{
	struct queues_state *st = state;

	if (st->lines == NULL)
		return 0;
	queues_free_lines(st);
	return 1;
}

/*
 * The messages an action applies to (struct cmd_ui's selection "message"):
 * the tagged ones, else the cursor's, as NODE:ID, sorted.
 * "id" (copy): the cursor's NODE:ID.
 */
static int
queues_selection(void *state, const char *what, char ***out)
{
	struct queues_state *st = state;
	const struct queue_set *qs = queues_shown(st);
	char key[64], **refs;
	size_t i;

	*out = NULL;
	if (strcmp(what, "message") != 0 && strcmp(what, "id") != 0)
		return -1;
	/* "id" (copy): the cursor's message, tagged ones or not. */
	if (strcmp(what, "message") == 0 && st->ntags > 0) {
		refs = xcalloc(st->ntags, sizeof *refs);
		for (i = 0; i < st->ntags; i++)
			refs[i] = xstrdup(st->tags[i]);
		*out = refs;
		return (int)st->ntags;
	}
	if (qs == NULL || st->nrows == 0)
		return 0;
	row_key(qs, &qs->msgs[st->rows[st->cursor]], key, sizeof key);
	return view_select_one(key, out);
}

/* The matrix and the delay reasons of the listing, shown like a message. */
static int
queues_summary(struct queues_state *st, struct console *c,
    const struct cmd *cmd, char *cause, size_t len)
{
	const struct queue_set *qs = queues_shown(st);
	const char *qname = cmd_option(cmd, "queue");
	struct delay_report rep;
	struct qshape_opts o;
	struct delay_opts d;
	struct qshape qsh;
	unsigned kind = Q_DEFERRED;
	char *text, *line, *save = NULL, buf[512];
	size_t i, j;

	if (qs == NULL) {
		snprintf(cause, len, "queue summary: nothing listed yet");
		return -1;
	}
	if (qname != NULL && queue_kind_parse(qname, strlen(qname), &kind) == -1) {
		snprintf(cause, len, "queue summary: no queue '%s'; %s", qname,
		    QUEUE_KINDS_ACCEPTED);
		return -1;
	}
	qshape_opts_init(&o, c->now);
	o.queues = QUEUE_BIT(kind);
	if (qshape_build(qs, &o, &qsh, cause, len) == -1)
		return -1;
	queues_free_lines(st);
	text = qshape_text(&qsh, COLS > 40 ? COLS - 1 : 40, 0);
	qshape_free(&qsh);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		st->lines = xreallocarray(st->lines, st->nlines + 1,
		    sizeof *st->lines);
		st->lines[st->nlines++] = xstrdup(line);
	}
	free(text);
	delay_opts_init(&d, c->now);
	d.queues = QUEUE_BIT(kind);
	if (delay_report_build(qs, &d, &rep, buf, sizeof buf) == 0) {
		for (i = 0; i < rep.ndomains; i++) {
			const struct delay_domain *dd = &rep.domains[i];

			snprintf(buf, sizeof buf, "%s: %ld recipients%s",
			    dd->domain[0] ? dd->domain : "(no domain)", dd->rcpts,
			    dd->throttled ? "  THROTTLED" : "");
			st->lines = xreallocarray(st->lines, st->nlines + 1 +
			    dd->ntop, sizeof *st->lines);
			st->lines[st->nlines++] = xstrdup(buf);
			for (j = 0; j < dd->ntop; j++) {
				snprintf(buf, sizeof buf, "  %6ld %-10s %s",
				    dd->top[j].count,
				    delay_class_name(dd->top[j].cls),
				    dd->top[j].reason);
				st->lines[st->nlines++] = xstrdup(buf);
			}
		}
		delay_report_free(&rep);
	}
	snprintf(st->shown, sizeof st->shown, "summary of the %s queue",
	    queue_kind_name(kind));
	st->line_top = 0;
	return 0;
}

/*
 * The queue subcommands the view takes (list, summary, sort, tag, show):
 * the actions are commands of their own (cmd/cmd_queue.c) that take the
 * view's selection. Only list opens the view from another one.
 */
static int
queues_command(void *state, struct console *c, const struct cmd *cmd,
    bool shown, char *cause, size_t len)
{
	struct queues_state *st = state;
	const struct queue_set *qs = queues_shown(st);
	const char *sub = cmd->argv[0], *opt;
	char key[64];
	size_t i;

	if (strcmp(sub, "list") == 0) {
		queues_refresh(st, c);
		return 0;
	}
	if (!shown) {
		snprintf(cause, len, "queue %s: open the queues view first (3)",
		    sub);
		return -1;
	}
	if (strcmp(sub, "summary") == 0)
		return queues_summary(st, c, cmd, cause, len);
	if (strcmp(sub, "sort") == 0) {
		opt = cmd->argc > 1 ? cmd->argv[1] : NULL;
		if (opt != NULL) {
			if (queue_col_parse(opt, &st->sort, cause, len) == -1)
				return -1;
		} else if (cmd_option(cmd, "reverse") == NULL)
			st->sort = (st->sort + 1) % QCOL_COUNT;
		if (cmd_option(cmd, "reverse") != NULL)
			st->desc = !st->desc;
		return 0;
	}
	if (strcmp(sub, "tag") == 0) {
		if (cmd_option(cmd, "none") != NULL) {
			tags_clear(st);
			return 0;
		}
		if (qs == NULL || st->nrows == 0)
			return 0;
		if (cmd_option(cmd, "range") != NULL) {
			int from, to;

			if (st->anchor < 0) {
				st->anchor = st->cursor;
				snprintf(c->message, sizeof c->message, "range starts "
				    "here; move and press V again to tag it");
				c->message_error = false;
				return 0;
			}
			from = st->anchor < st->cursor ? st->anchor : st->cursor;
			to = st->anchor < st->cursor ? st->cursor : st->anchor;
			for (; from <= to && from < (int)st->nrows; from++) {
				row_key(qs, &qs->msgs[st->rows[from]], key,
				    sizeof key);
				tag_set(st, key, true);
			}
			st->anchor = -1;
			return 0;
		}
		if (cmd_option(cmd, "all") != NULL) {
			for (i = 0; i < st->nrows; i++) {
				row_key(qs, &qs->msgs[st->rows[i]], key,
				    sizeof key);
				tag_set(st, key, true);
			}
			return 0;
		}
		row_key(qs, &qs->msgs[st->rows[st->cursor]], key, sizeof key);
		tag_set(st, key, !is_tagged(st, key));
		st->cursor++;
		return 0;
	}
	if (strcmp(sub, "show") == 0) {
		const struct queue_msg *m;

		if (qs == NULL || st->nrows == 0) {
			snprintf(cause, len, "queue show: no message here");
			return -1;
		}
		m = &qs->msgs[st->rows[st->cursor]];
		row_key(qs, m, key, sizeof key);
		snprintf(st->shown, sizeof st->shown, "message %s%s", key,
		    cmd_option(cmd, "body") ? "" : " (headers; b: with body)");
		jobs_show(&c->worker, c->cfg, queue_set_node_name(qs, m->node),
		    queue_str(qs, m->id), cmd_option(cmd, "body") != NULL);
		return 0;
	}
	snprintf(cause, len, "queue: no subcommand '%s'", sub);
	return -1;
}

static void
queues_free(void *state)
{
	struct queues_state *st = state;

	queue_set_free(st->set);
	queue_set_free(st->next);
	tags_clear(st);
	free(st->rows);
	queue_filter_free(&st->filter);
	queues_free_lines(st);
	free(st);
}

const struct view view_queues = {
	.name = "queues",
	.title = "Queues",
	.init = queues_init,
	.draw = queues_draw,
	.cursor = queues_cursor,
	.free = queues_free,
	.take = queues_take,
	.escape = queues_escape,
	.command = queues_command,
	.selection = queues_selection,
	.enter = queues_refresh,
	.reread = queues_refresh,
	.tick = queues_tick,
};
