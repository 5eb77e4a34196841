/* Trace: "where is my mail?" asked of every gateway's message index at
 * once (the trace command as a job); each gateway's messages come in as it
 * answers, one line each, newest first; Enter opens a message's timeline,
 * J shows it in the queues view while it is still queued. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/trace_remote.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/trace_msg.h"
#include "core/validate.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

enum { TV_TIME, TV_GW, TV_FROM, TV_TO, TV_STATE, TV_LAST, TRACE_NCOLS };

static const struct table_col trace_cols[TRACE_NCOLS] = {
	{ "ARRIVED", 14, 0 },
	{ "GW", 5, 0 },
	{ "FROM", 24, 0 },
	{ "TO", 26, 0 },
	{ "STATE", 9, 0 },
	{ "LAST REASON", 0, 0 },
};

/* Narrow: the time and the state stay whole, the addresses keep their
 * domains (cut from the left) and give way before the reason's first 12
 * columns; Right scrolls to what was cut. */
static const struct layout_col trace_fit[TRACE_NCOLS] = {
	{ 14, 0, 9, LAYOUT_CUT_END }, { 5, 3, 8, LAYOUT_CUT_END },
	{ 24, 14, 5, LAYOUT_CUT_ADDR }, { 26, 16, 7, LAYOUT_CUT_ADDR },
	{ 9, 0, 10, LAYOUT_CUT_END }, { 0, 12, 6, LAYOUT_CUT_END },
};

enum trace_gw_state { GW_ASKING, GW_ANSWERED, GW_FAILED };

struct trace_gw {
	char name[33];
	enum trace_gw_state state;
	size_t count;          /* its messages */
	long long ms;          /* how long it took */
	char said[600];        /* its cause, or its notice */
};

struct trace_row {
	struct trace_msg m;
	char *line;            /* the JSON line, for the timeline */
	size_t gw;             /* index into gws: the node it came from */
	size_t seq;            /* its place in that node's answer */
	char key[TABLE_CELL_MAX];
};

/* What a job's threads need to post to the view; freed by its done. */
struct trace_job {
	struct trace_watch watch;
	struct worker *w;
	unsigned long gen;
};

struct trace_view {
	struct console *c;
	struct table list;
	unsigned long gen;     /* the query shown; older answers are dropped */
	char query[256];       /* the command as typed */
	bool asked;            /* a query ran */
	bool running;
	long long started_ms;  /* monotonic */
	struct trace_gw *gws;
	size_t ngws;
	struct trace_row *rows;  /* newest first, at most `limit` */
	size_t nrows, cap;
	size_t limit;
	char done[600];        /* the job's end: "" or its error */
	bool done_failed;
	/* The timeline of the message `open` (a row key); "" the list. */
	char open[TABLE_CELL_MAX];
	struct trace_tl *tl;
	size_t ntl;
	int tl_top;            /* its first line shown: timeline, then log */
	/* The open message's raw log lines (trace --log, a job). */
	enum { LOG_NONE, LOG_READING, LOG_READ, LOG_FAILED } log_state;
	unsigned long log_gen;
	char **log;
	size_t nlog;
	char log_err[512];
};

static void *
trace_init(struct console *c)
{
	struct trace_view *st = xcalloc(1, sizeof *st);

	st->c = c;
	return st;
}

static void
trace_close(struct trace_view *st)
{
	size_t i;

	free(st->tl);
	st->tl = NULL;
	st->ntl = 0;
	st->tl_top = 0;
	st->open[0] = '\0';
	for (i = 0; i < st->nlog; i++)
		free(st->log[i]);
	free(st->log);
	st->log = NULL;
	st->nlog = 0;
	st->log_state = LOG_NONE;
	/* What a job still reads for it is dropped when it comes. */
	st->log_gen++;
}

static void
trace_clear(struct trace_view *st)
{
	size_t i;

	trace_close(st);
	for (i = 0; i < st->nrows; i++)
		free(st->rows[i].line);
	st->nrows = 0;
	free(st->gws);
	st->gws = NULL;
	st->ngws = 0;
	st->done[0] = '\0';
	st->done_failed = false;
}

/* On a gateway's thread: its answer, copied, to the view. */
static void
trace_answered(void *arg, const struct trace_node *tn)
{
	struct trace_job *j = arg;
	struct worker_msg *m = xcalloc(1, sizeof *m);
	size_t i, k = 0;

	m->kind = WMSG_TRACE_NODE;
	m->generation = j->gen;
	snprintf(m->node, sizeof m->node, "%s", tn->node->name);
	m->failed = tn->failed;
	snprintf(m->text, sizeof m->text, "%s", tn->cause);
	m->fetch_us = tn->elapsed_ms * 1000;
	m->nlines = tn->nnotices + tn->n;
	m->lines = xcalloc(m->nlines + 1, sizeof *m->lines);
	for (i = 0; i < tn->nnotices; i++)
		m->lines[k++] = xstrdup(tn->notices[i]);
	for (i = 0; i < tn->n; i++)
		m->lines[k++] = xstrdup(tn->lines[i]);
	worker_post(j->w, m);
}

/* On the job's thread, every gateway done: the end, and its error. */
static struct worker_msg *
trace_done(void *arg, int code, const char *out, const struct cmd_ctx *ctx)
{
	struct trace_job *j = arg;
	struct worker_msg *m = xcalloc(1, sizeof *m);

	(void)out;
	m->kind = WMSG_TRACE_DONE;
	m->generation = j->gen;
	m->failed = code != EXIT_OK;
	if (code != EXIT_OK)
		snprintf(m->text, sizeof m->text, "%s", ctx->cause);
	free(j);
	return m;
}

/* On the job's thread: trace --log --json's lines, their text. */
static struct worker_msg *
trace_log_done(void *arg, int code, const char *out,
    const struct cmd_ctx *ctx)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);
	const char *p = out, *e;
	size_t cap = 0;

	m->kind = WMSG_TRACE_LOG;
	m->generation = (unsigned long)(uintptr_t)arg;
	m->failed = code != EXIT_OK;
	if (code != EXIT_OK)
		snprintf(m->text, sizeof m->text, "%s", ctx->cause);
	for (; *p != '\0'; p = *e ? e + 1 : e) {
		json_t *o;
		const char *t;

		e = p + strcspn(p, "\n");
		if ((o = json_loadb(p, (size_t)(e - p), 0, NULL)) == NULL)
			continue;
		if ((t = json_string_value(json_object_get(o, "line"))) !=
		    NULL) {
			if (m->nlines == cap) {
				cap = cap ? cap * 2 : 16;
				m->lines = xreallocarray(m->lines, cap,
				    sizeof *m->lines);
			}
			m->lines[m->nlines++] = xstrdup(t);
		}
		json_decref(o);
	}
	return m;
}

/* Newest first; a node's order kept; nodes in the configuration's order. */
static int
trace_order(const void *pa, const void *pb)
{
	const struct trace_row *a = pa, *b = pb;

	if (a->m.time != b->m.time)
		return a->m.time > b->m.time ? -1 : 1;
	if (a->gw != b->gw)
		return a->gw < b->gw ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static struct trace_gw *
trace_gw_find(struct trace_view *st, const char *name, size_t *at)
{
	size_t i;

	for (i = 0; i < st->ngws; i++)
		if (strcmp(st->gws[i].name, name) == 0) {
			*at = i;
			return &st->gws[i];
		}
	return NULL;
}

/* A gateway's answer: its notices and its messages, merged by time. */
static void
trace_take_node(struct trace_view *st, struct worker_msg *m)
{
	struct trace_gw *g;
	struct trace_row *r;
	char cause[128];
	size_t gi, i, seq = 0;

	if ((g = trace_gw_find(st, m->node, &gi)) == NULL)
		return;
	g->ms = m->fetch_us / 1000;
	if (m->failed) {
		size_t n = strlen(g->name);

		g->state = GW_FAILED;
		/* "gw2: cannot open ...": the line names the gateway already. */
		validate_sanitize(g->said, sizeof g->said,
		    strncmp(m->text, g->name, n) == 0 && strncmp(m->text + n,
		    ": ", 2) == 0 ? m->text + n + 2 : m->text);
		return;
	}
	g->state = GW_ANSWERED;
	for (i = 0; i < m->nlines; i++) {
		if (st->nrows == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 64;
			st->rows = xreallocarray(st->rows, st->cap,
			    sizeof *st->rows);
		}
		r = &st->rows[st->nrows];
		/* A message has a time; a notice ("index_start") has none, but
		 * a "notice" member of its own (not one inside a reason). */
		if (trace_msg_parse(m->lines[i], &r->m, cause, sizeof cause) ==
		    -1) {
			json_t *o = json_loads(m->lines[i], 0, NULL);
			const char *t = json_string_value(json_object_get(o,
			    "text"));

			if (json_is_string(json_object_get(o, "notice")))
				validate_sanitize(g->said, sizeof g->said, t);
			json_decref(o);
			continue;
		}
		/* The node is the one asked, whatever the line says. */
		snprintf(r->m.node, sizeof r->m.node, "%s", g->name);
		r->gw = gi;
		r->seq = seq++;
		r->line = m->lines[i];
		m->lines[i] = NULL;
		snprintf(r->key, sizeof r->key, "%s:%s:%lld:%zu", g->name,
		    r->m.qid, r->m.time, r->seq);
		st->nrows++;
		g->count++;
	}
	qsort(st->rows, st->nrows, sizeof *st->rows, trace_order);
	/* The newest `limit` of all, as mailnoc trace merges them. */
	while (st->nrows > st->limit)
		free(st->rows[--st->nrows].line);
}

static void
trace_take(void *state, struct console *c, struct worker_msg *m)
{
	struct trace_view *st = state;
	size_t i;

	(void)c;
	if (m->kind == WMSG_TRACE_LOG && m->generation == st->log_gen) {
		st->log_state = m->failed ? LOG_FAILED : LOG_READ;
		validate_sanitize(st->log_err, sizeof st->log_err, m->text);
		st->log = m->lines;
		st->nlog = m->nlines;
		m->lines = NULL;
		m->nlines = 0;
		return;
	}
	if ((m->kind != WMSG_TRACE_NODE && m->kind != WMSG_TRACE_DONE) ||
	    m->generation != st->gen)
		return;
	if (m->kind == WMSG_TRACE_NODE) {
		trace_take_node(st, m);
		return;
	}
	st->running = false;
	st->done_failed = m->failed;
	validate_sanitize(st->done, sizeof st->done, m->text);
	/* Not asked at all (the command failed before): not "still asking". */
	for (i = 0; i < st->ngws; i++)
		if (st->gws[i].state == GW_ASKING) {
			st->gws[i].state = GW_FAILED;
			snprintf(st->gws[i].said, sizeof st->gws[i].said,
			    "not asked");
		}
}

/*
 * trace [options], typed or from a key: the view shows it and runs it as
 * a job (SSH never on the UI thread); it changes nothing, so it is not
 * asked about.
 */
static int
trace_command(void *state, struct console *c, const struct cmd *cmd,
    bool shown, char *cause, size_t len)
{
	struct trace_view *st = state;
	struct worker_cmd_hooks hooks;
	struct trace_job *j;
	const char *only = cmd_option(cmd, "node"), *lim;
	size_t i;

	(void)shown;
	(void)cause;
	(void)len;
	trace_clear(st);
	st->gen++;
	st->asked = true;
	st->running = true;
	st->started_ms = clock_mono_ms();
	cmd_print(cmd, st->query, sizeof st->query);
	lim = cmd_option(cmd, "limit");
	/* The preparation checked it. */
	st->limit = lim != NULL ? (size_t)strtol(lim, NULL, 10) :
	    TRACE_LIMIT_DEFAULT;
	st->gws = xcalloc(c->cfg->nnodes + 1, sizeof *st->gws);
	for (i = 0; i < c->cfg->nnodes; i++) {
		const struct config_node *n = &c->cfg->nodes[i];

		if (n->role != NODE_GATEWAY || (only != NULL &&
		    strcmp(only, n->name) != 0))
			continue;
		snprintf(st->gws[st->ngws++].name, sizeof st->gws->name, "%s",
		    n->name);
	}
	j = xcalloc(1, sizeof *j);
	j->w = &c->worker;
	j->gen = st->gen;
	j->watch.answered = trace_answered;
	j->watch.arg = j;
	memset(&hooks, 0, sizeof hooks);
	hooks.json = true;
	hooks.cancel = &c->worker.closing;
	hooks.trace_watch = &j->watch;
	hooks.done = trace_done;
	hooks.arg = j;
	worker_command(&c->worker, c->cfg, cmd, c->read_only, &hooks);
	return 0;
}

static const struct trace_row *
trace_find(const struct trace_view *st, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < st->nrows; i++)
		if (strcmp(st->rows[i].key, key) == 0)
			return &st->rows[i];
	return NULL;
}

/* The message the keys act on: the open one, else the cursor's. */
static const struct trace_row *
trace_selected(const struct trace_view *st)
{
	return trace_find(st, st->open[0] ? st->open :
	    table_selected_key(&st->list));
}

static enum theme_role
trace_state_role(int state)
{
	switch (state) {
	case TRACE_DELIVERED:
		return ROLE_OK;
	case TRACE_QUEUED:
	case TRACE_DEFERRED:
	case TRACE_HELD:
		return ROLE_WARN;
	case TRACE_BOUNCED:
	case TRACE_EXPIRED:
	case TRACE_REJECTED:
		return ROLE_ALERT;
	default:
		return ROLE_NORMAL;
	}
}

static enum theme_role
trace_step_role(int step)
{
	switch (step) {
	case TRACE_STEP_SENT:
		return ROLE_OK;
	case TRACE_STEP_DEFERRED:
	case TRACE_STEP_HELD:
		return ROLE_WARN;
	case TRACE_STEP_BOUNCED:
	case TRACE_STEP_EXPIRED:
	case TRACE_STEP_REJECTED:
		return ROLE_ALERT;
	default:
		return ROLE_NORMAL;
	}
}

static void
trace_line(int y, enum theme_role role, const char *text)
{
	attrset(theme_attr(role));
	mvaddnstr(y, 0, text, COLS);
	attrset(A_NORMAL);
}

/*
 * Draws text from column `indent` on, wrapped at the screen's width (at a
 * blank when there is one, never inside a character), the lines after the
 * first indented two more, in at most `max` lines. Returns the lines used.
 */
static int
trace_wrap(int y, int max, int indent, enum theme_role role, const char *text)
{
	const char *p = text;
	int used = 0, at = indent, w;
	size_t n, len;

	attrset(theme_attr(role));
	while (*p != '\0' && used < max) {
		w = COLS - at;
		if (w < 10)
			break;
		len = strlen(p);
		n = len <= (size_t)w ? len : (size_t)w;
		if (n < len) {
			size_t b = n;

			while (b > (size_t)w / 2 && p[b] != ' ')
				b--;
			if (p[b] == ' ')
				n = b;
			while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
				n--;
		}
		mvaddnstr(y + used++, at, p, (int)n);
		p += n;
		while (*p == ' ')
			p++;
		at = indent + 2;
	}
	attrset(A_NORMAL);
	return used;
}

/* The gateways: who answered, who is still asked, who failed and why.
 * Returns the lines used. */
static int
trace_draw_gws(struct trace_view *st, int y, int h)
{
	char line[1024];
	long long secs = (clock_mono_ms() - st->started_ms) / 1000;
	size_t i, off = 0, failed = 0;
	int used = 1;

	line[0] = '\0';
	for (i = 0; i < st->ngws && off < sizeof line; i++) {
		const struct trace_gw *g = &st->gws[i];

		if (g->state == GW_ASKING)
			off += (size_t)snprintf(line + off, sizeof line - off,
			    " %s: still asking (%llds)", g->name, secs);
		else if (g->state == GW_ANSWERED)
			off += (size_t)snprintf(line + off, sizeof line - off,
			    " %s: %zu (%.2f s)", g->name, g->count,
			    (double)g->ms / 1000.0);
		else {
			off += (size_t)snprintf(line + off, sizeof line - off,
			    " %s: failed", g->name);
			failed++;
		}
	}
	trace_line(y, failed ? ROLE_ALERT : ROLE_DIM, line);
	/* A failure's cause, and a gateway's note, each on its line. */
	for (i = 0; i < st->ngws && used < h; i++) {
		const struct trace_gw *g = &st->gws[i];

		if (g->said[0] == '\0')
			continue;
		if (g->state == GW_FAILED)
			snprintf(line, sizeof line, "%s failed: %s", g->name,
			    g->said);
		else
			snprintf(line, sizeof line, "%s: note: %s", g->name,
			    g->said);
		used += trace_wrap(y + used, h - used < 2 ? h - used : 2, 1,
		    g->state == GW_FAILED ? ROLE_ALERT : ROLE_WARN, line);
	}
	return used;
}

static void
trace_draw_list(struct trace_view *st, struct console *c, int y, int h)
{
	char line[512], when[32];
	struct table_row *r;
	size_t i;
	int used;

	if (!st->asked) {
		trace_line(y, ROLE_DIM, " no trace asked yet: n asks (trace "
		    "--to ADDR, --from ADDR, --id QUEUEID, --since 7d ...)");
		return;
	}
	snprintf(line, sizeof line, " %s: %zu message%s%s%s", st->query,
	    st->nrows, st->nrows == 1 ? "" : "s", st->running ? ", asking..." :
	    "", st->nrows > 0 ? "; Enter: its timeline" : "");
	trace_line(y, ROLE_TITLE, line);
	used = 1 + trace_draw_gws(st, y + 1, h - 1);
	/* The command's own error, when no gateway's says it already. */
	for (i = 0; i < st->ngws; i++)
		if (st->gws[i].state == GW_FAILED &&
		    strcmp(st->gws[i].said, "not asked") != 0)
			break;
	if (st->done_failed && st->done[0] != '\0' && i == st->ngws &&
	    used < h) {
		snprintf(line, sizeof line, " %s", st->done);
		trace_line(y + used++, ROLE_ALERT, line);
	}
	if (st->nrows == 0) {
		if (!st->running && used < h)
			trace_line(y + used, ROLE_DIM, " no message found");
		return;
	}
	table_reset(&st->list, trace_cols, TRACE_NCOLS);
	table_fit(&st->list, trace_fit);
	for (i = 0; i < st->nrows; i++) {
		const struct trace_row *t = &st->rows[i];
		time_t tt = (time_t)t->m.time;
		struct tm tm;

		r = table_add(&st->list, t->key, console_stale(c) ? ROLE_STALE :
		    trace_state_role(t->m.state));
		localtime_r(&tt, &tm);
		strftime(when, sizeof when, "%m-%d %H:%M:%S", &tm);
		snprintf(r->cell[TV_TIME], TABLE_CELL_MAX, "%s", when);
		snprintf(r->cell[TV_GW], TABLE_CELL_MAX, "%s", t->m.node);
		snprintf(r->cell[TV_FROM], TABLE_CELL_MAX, "%s", t->m.from[0] ?
		    t->m.from : "<>");
		snprintf(r->cell[TV_TO], TABLE_CELL_MAX, "%s", t->m.to[0] ?
		    t->m.to : "-");
		snprintf(r->cell[TV_STATE], TABLE_CELL_MAX, "%s", t->m.state >=
		    0 ? trace_state_name(t->m.state) : "?");
		snprintf(r->cell[TV_LAST], TABLE_CELL_MAX, "%s", t->m.last[0] ?
		    t->m.last : "-");
	}
	if (used < h && table_draw(&st->list, stdscr, y + used, h - used,
	    c->filter) == 0 && used + 1 < h)
		trace_line(y + used + 1, ROLE_DIM, " no message matches the "
		    "filter");
}

/* The open message: received, each step with its reason, where it is. */
static void
trace_draw_open(struct trace_view *st, struct console *c, int y, int h)
{
	const struct trace_row *t = trace_find(st, st->open);
	char line[800];
	enum theme_role role;
	int row = y + 1, i;

	if (t == NULL || st->tl == NULL) {
		trace_close(st);
		return;
	}
	snprintf(line, sizeof line, " %s %s: %s%s  (Esc: back%s)", t->m.node,
	    t->m.qid[0] ? t->m.qid : "(not queued)", t->m.state >= 0 ?
	    trace_state_name(t->m.state) : "?", trace_state_queued(t->m.state) ?
	    ", still queued" : "", trace_state_queued(t->m.state) &&
	    t->m.qid[0] ? "; J: in the queues view" : "");
	trace_line(y, ROLE_TITLE, line);
	if (st->tl_top > (int)(st->ntl + st->nlog))
		st->tl_top = (int)(st->ntl + st->nlog);
	/* The timeline's lines, then the log's: one list that scrolls. */
	for (i = st->tl_top; i < (int)st->ntl && row < y + h; i++) {
		const struct trace_tl *l = &st->tl[i];
		int indent;

		switch (l->kind) {
		case TRACE_TL_STEP:
			role = trace_step_role(l->code);
			indent = 3;
			break;
		case TRACE_TL_DETAIL:
			role = ROLE_DIM;
			indent = 13;
			break;
		case TRACE_TL_FINAL:
			role = trace_state_role(l->code);
			indent = 1;
			break;
		default:
			role = ROLE_NORMAL;
			indent = 1;
			break;
		}
		row += trace_wrap(row, y + h - row, indent, console_stale(c) ?
		    ROLE_STALE : role, l->text);
	}
	if (row >= y + h || t->m.qid[0] == '\0')
		return;
	if (i == (int)st->ntl) {
		if (st->log_state == LOG_READING)
			snprintf(line, sizeof line, "reading %s's mail log for "
			    "%s...", t->m.node, t->m.qid);
		else if (st->log_state == LOG_FAILED)
			snprintf(line, sizeof line, "its log lines: %s",
			    st->log_err);
		else
			snprintf(line, sizeof line, "its lines in %s's mail log "
			    "(%zu):", t->m.node, st->nlog);
		row += trace_wrap(row, y + h - row, 1, st->log_state ==
		    LOG_FAILED ? ROLE_WARN : ROLE_TITLE, line);
	}
	for (i = i > (int)st->ntl ? i - (int)st->ntl - 1 : 0;
	    i < (int)st->nlog && row < y + h; i++)
		row += trace_wrap(row, y + h - row, 3, console_stale(c) ?
		    ROLE_STALE : ROLE_DIM, st->log[i]);
}

static void
trace_draw(void *state, struct console *c, int y, int h)
{
	struct trace_view *st = state;

	if (h < 3)
		return;
	if (st->open[0] != '\0')
		trace_draw_open(st, c, y, h);
	if (st->open[0] == '\0')
		trace_draw_list(st, c, y, h);
}

/*
 * The raw log lines behind the timeline: trace --log as a job (SSH never
 * on the UI thread), from a minute before the message arrived.
 */
static void
trace_log_start(struct trace_view *st, const struct trace_row *t)
{
	struct worker_cmd_hooks hooks;
	char line[200], cause[256];
	struct cmd cmd;

	/* The node is one of ours, the ID a queue ID: both one word. */
	if (t->m.qid[0] == '\0' || validate_queue_id(t->m.qid) != NULL)
		return;
	snprintf(line, sizeof line, "trace --node %s --id %s --since %lld "
	    "--log", t->m.node, t->m.qid, t->m.time - 60);
	if (cmd_parse_string(line, &cmd, cause, sizeof cause) == -1)
		return;
	memset(&hooks, 0, sizeof hooks);
	hooks.json = true;
	hooks.cancel = &st->c->worker.closing;
	hooks.done = trace_log_done;
	hooks.arg = (void *)(uintptr_t)st->log_gen;
	st->log_state = LOG_READING;
	worker_command(&st->c->worker, st->c->cfg, &cmd, st->c->read_only,
	    &hooks);
	cmd_free(&cmd);
}

static void
trace_open(struct trace_view *st)
{
	const struct trace_row *t = trace_find(st, table_selected_key(&st->list));
	char cause[128];

	if (t == NULL)
		return;
	trace_close(st);
	if ((st->tl = trace_timeline(t->line, &st->ntl, cause,
	    sizeof cause)) == NULL)
		return;
	snprintf(st->open, sizeof st->open, "%s", t->key);
	trace_log_start(st, t);
}

/* Runs a command line of our making (console_exec: as a key would). */
static void
trace_run(struct console *c, const char *line)
{
	char cause[256];
	struct cmd cmd;

	if (cmd_parse_string(line, &cmd, cause, sizeof cause) == -1)
		return;
	console_exec(c, &cmd);
	cmd_free(&cmd);
}

/* J: the queues view, filtered to the message, while it is queued. */
static void
trace_jump(struct trace_view *st)
{
	const struct trace_row *t = trace_selected(st);
	struct console *c = st->c;
	char line[160];

	if (t == NULL)
		return;
	if (t->m.qid[0] == '\0' || validate_queue_id(t->m.qid) != NULL) {
		snprintf(c->message, sizeof c->message, "this message has no "
		    "queue ID: it was refused before it was queued");
		c->message_error = true;
		return;
	}
	if (!trace_state_queued(t->m.state)) {
		snprintf(c->message, sizeof c->message, "%s:%s is %s: no "
		    "longer in a queue", t->m.node, t->m.qid, t->m.state >= 0 ?
		    trace_state_name(t->m.state) : "gone");
		c->message_error = true;
		return;
	}
	trace_run(c, "view queues");
	/* The node is a gateway of the configuration, the ID validated:
	 * both are one word, quoted. */
	snprintf(line, sizeof line, "filter \"node:%s id:%s\"", t->m.node,
	    t->m.qid);
	trace_run(c, line);
}

static int
trace_move(void *state, const char *where)
{
	struct trace_view *st = state;

	if (strcmp(where, "queue") == 0) {
		trace_jump(st);
		return 0;
	}
	if (strcmp(where, "in") == 0) {
		if (st->open[0] == '\0')
			trace_open(st);
		return 0;
	}
	if (strcmp(where, "out") == 0) {
		trace_close(st);
		return 0;
	}
	if (st->open[0] == '\0')
		return table_move(&st->list, where);
	/* The timeline scrolls. */
	if (strcmp(where, "up") == 0 && st->tl_top > 0)
		st->tl_top--;
	else if (strcmp(where, "down") == 0)
		st->tl_top++;
	else if (strcmp(where, "top") == 0 || strcmp(where, "page-up") == 0)
		st->tl_top = 0;
	else if (strcmp(where, "bottom") == 0 ||
	    strcmp(where, "page-down") == 0)
		st->tl_top = (int)(st->ntl + st->nlog);
	return 0;
}

static int
trace_escape(void *state)
{
	struct trace_view *st = state;

	if (st->open[0] == '\0')
		return 0;
	trace_close(st);
	return 1;
}

/* Shown before anything was asked: the prompt, with "trace " typed. */
static void
trace_enter(void *state, struct console *c)
{
	struct trace_view *st = state;

	if (!st->asked && !c->prompting)
		trace_run(c, "prompt \"trace \"");
}

static int
trace_selection(void *state, const char *what, char ***out)
{
	struct trace_view *st = state;
	const struct trace_row *t = trace_selected(st);
	char buf[80];

	*out = NULL;
	if (strcmp(what, "node") == 0)
		return view_select_one(t != NULL ? t->m.node : NULL, out);
	/* "id" (copy, y) too: NODE:ID, as the queues view's rows. */
	if (strcmp(what, "message") == 0 || strcmp(what, "id") == 0) {
		if (t == NULL || t->m.qid[0] == '\0')
			return 0;
		snprintf(buf, sizeof buf, "%s:%s", t->m.node, t->m.qid);
		return view_select_one(buf, out);
	}
	return -1;
}

static void
trace_free(void *state)
{
	struct trace_view *st = state;

	trace_clear(st);
	free(st->rows);
	table_free(&st->list);
	free(st);
}

const struct view view_trace = {
	.name = "trace",
	.title = "Trace",
	.init = trace_init,
	.draw = trace_draw,
	.cursor = trace_move,
	.free = trace_free,
	.take = trace_take,
	.escape = trace_escape,
	.command = trace_command,
	.selection = trace_selection,
	.enter = trace_enter,
};
