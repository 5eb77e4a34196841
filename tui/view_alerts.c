/* Alerts: the active alerts by severity and age, who took them, which are
 * silenced; acknowledge, silence, or jump to what an alert is about. */
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"
#include "core/format.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

enum { AC_ID, AC_SEV, AC_KIND, AC_SUBJECT, AC_AGE, AC_STATE, AC_TEXT,
	ALERTS_NCOLS };

/* 80 columns: the text takes what the rest leaves (about 22). */
static const struct table_col alerts_cols[ALERTS_NCOLS] = {
	{ "ID", 4, 1 },
	{ "SEV", 4, 0 },
	{ "KIND", 14, 0 },
	{ "SUBJECT", 8, 0 },
	{ "AGE", 5, 1 },
	{ "STATE", 16, 0 },
	{ "TEXT", 0, 0 },
};

struct alerts_view {
	struct console *c;
	struct table table;
	char error[256];
	/* The alerts in the order drawn; valid only while drawing (the
	 * console's list may be replaced before the next draw). */
	const struct alert **shown;
	size_t nshown;
};

static void *
alerts_init(struct console *c)
{
	struct alerts_view *st = xcalloc(1, sizeof *st);

	st->c = c;
	return st;
}

/* The console keeps the list (the header reads it too); only an error
 * is the view's. */
static void
alerts_take(void *state, struct console *c, struct worker_msg *m)
{
	struct alerts_view *st = state;

	(void)c;
	if (m->kind != WMSG_ALERTS)
		return;
	if (m->failed)
		snprintf(st->error, sizeof st->error, "%s", m->text);
	else
		st->error[0] = '\0';
}

/* Critical first, then the oldest. */
static int
alerts_order(const void *pa, const void *pb)
{
	const struct alert *a = *(const struct alert *const *)pa;
	const struct alert *b = *(const struct alert *const *)pb;

	if (a->severity != b->severity)
		return a->severity == ALERT_CRITICAL ? -1 : 1;
	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}


static void
alerts_rows(struct alerts_view *st, const struct console *c)
{
	const struct alert_list *l = c->alerts;
	char age[32];
	size_t i;

	table_reset(&st->table, alerts_cols, ALERTS_NCOLS);
	free(st->shown);
	st->shown = NULL;
	st->nshown = 0;
	if (l == NULL || l->n == 0)
		return;
	st->shown = xcalloc(l->n, sizeof *st->shown);
	for (i = 0; i < l->n; i++)
		st->shown[st->nshown++] = &l->v[i];
	qsort(st->shown, st->nshown, sizeof *st->shown, alerts_order);
	for (i = 0; i < st->nshown; i++) {
		const struct alert *a = st->shown[i];
		char key[32];
		struct table_row *r;
		enum theme_role role = a->malformed[0] != '\0' ? ROLE_ALERT :
		    !alert_counts(a, c->now) ? ROLE_DIM :
		    a->severity == ALERT_CRITICAL ? ROLE_ALERT : ROLE_WARN;

		snprintf(key, sizeof key, "%lld", a->id);
		r = table_add(&st->table, key, role);
		snprintf(r->cell[AC_ID], TABLE_CELL_MAX, "%lld", a->id);
		snprintf(r->cell[AC_SEV], TABLE_CELL_MAX, "%s",
		    a->severity == ALERT_CRITICAL ? "CRIT" : "warn");
		snprintf(r->cell[AC_KIND], TABLE_CELL_MAX, "%s", a->kind);
		snprintf(r->cell[AC_SUBJECT], TABLE_CELL_MAX, "%s", a->subject);
		snprintf(r->cell[AC_AGE], TABLE_CELL_MAX, "%s", a->first_seen > 0 ?
		    format_age(c->now - a->first_seen, age, sizeof age) : "?");
		alert_state_text(a, c->now, r->cell[AC_STATE], TABLE_CELL_MAX);
		snprintf(r->cell[AC_TEXT], TABLE_CELL_MAX, "%s",
		    a->malformed[0] ? a->malformed : a->ack_note[0] ?
		    a->ack_note : a->text);
	}
}

static void
alerts_line(int y, enum theme_role role, const char *text)
{
	attrset(theme_attr(role));
	mvaddnstr(y, 0, text, COLS);
	attrset(A_NORMAL);
}

static void
alerts_draw(void *state, struct console *c, int y, int h)
{
	struct alerts_view *st = state;
	char line[320];
	size_t i, counting = 0;

	if (h < 2)
		return;
	alerts_rows(st, c);
	for (i = 0; i < st->nshown; i++)
		counting += alert_counts(st->shown[i], c->now);
	if (st->error[0] != '\0')
		snprintf(line, sizeof line, " alerts: %s", st->error);
	else if (c->alerts == NULL)
		snprintf(line, sizeof line, " reading the alerts...");
	else
		snprintf(line, sizeof line, " %zu active alert%s, %zu not "
		    "taken (neither acknowledged nor silenced)", st->nshown,
		    st->nshown == 1 ? "" : "s", counting);
	alerts_line(y, st->error[0] ? ROLE_ALERT : ROLE_TITLE, line);
	if (st->nshown == 0) {
		if (c->alerts != NULL)
			alerts_line(y + 1, ROLE_DIM, " no active alert");
		return;
	}
	if (table_draw(&st->table, stdscr, y + 1, h - 1, c->filter) == 0)
		alerts_line(y + 2, ROLE_DIM, " no alert matches the filter");
}

/* The alert under the cursor, in the console's newest list (the one
 * drawn may be gone since), or NULL. */
static const struct alert *
alerts_selected(const struct alerts_view *st)
{
	const struct alert_list *l = st->c->alerts;
	const char *key = table_selected_key(&st->table);
	char id[32];
	size_t i;

	if (key == NULL || l == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		snprintf(id, sizeof id, "%lld", l->v[i].id);
		if (strcmp(id, key) == 0)
			return &l->v[i];
	}
	return NULL;
}

/* Runs a console command of our making; it was checked by hand. */
static void
alerts_run(struct console *c, const char *line)
{
	char cause[256];
	struct cmd cmd;

	if (cmd_parse_string(line, &cmd, cause, sizeof cause) == -1)
		return;
	console_exec(c, &cmd);
	cmd_free(&cmd);
}

/* in: the view that shows the alert's subject, filtered to it. */
static void
alerts_jump(struct alerts_view *st)
{
	const struct alert *a = alerts_selected(st);
	const char *view = "overview";
	char line[160];
	int k;

	if (a == NULL)
		return;
	if ((k = alert_kind_find(a->kind)) >= 0 &&
	    strcmp(alert_kinds[k].subject, "cluster") == 0)
		view = "clusters";
	else if (k >= 0 && strcmp(alert_kinds[k].subject, "provider") == 0)
		view = "providers";
	snprintf(line, sizeof line, "view %s", view);
	alerts_run(st->c, line);
	/* A subject is validated text: quoted, it is one word. */
	if (strchr(a->subject, '"') == NULL && strchr(a->subject, '\\') == NULL) {
		snprintf(line, sizeof line, "filter \"%s\"", a->subject);
		alerts_run(st->c, line);
	}
}

static int
alerts_move(void *state, const char *where)
{
	struct alerts_view *st = state;

	if (strcmp(where, "in") == 0) {
		alerts_jump(st);
		return 0;
	}
	return table_move(&st->table, where);
}

/* "alert" (and "id", copy): the cursor's id; "alert-subject": its
 * KIND:SUBJECT. */
static int
alerts_selection(void *state, const char *what, char ***out)
{
	struct alerts_view *st = state;
	const struct alert *a;
	char buf[ALERT_KIND_MAX + ALERT_SUBJECT_MAX + 2];

	*out = NULL;
	if (strcmp(what, "alert") != 0 && strcmp(what, "alert-subject") != 0 &&
	    strcmp(what, "id") != 0)
		return -1;
	if ((a = alerts_selected(st)) == NULL)
		return 0;
	if (strcmp(what, "alert-subject") != 0)
		snprintf(buf, sizeof buf, "%lld", a->id);
	else
		snprintf(buf, sizeof buf, "%s:%s", a->kind, a->subject);
	return view_select_one(buf, out);
}

static void
alerts_free(void *state)
{
	struct alerts_view *st = state;

	free(st->shown);
	table_free(&st->table);
	free(st);
}

const struct view view_alerts = {
	.name = "alerts",
	.title = "Alerts",
	.init = alerts_init,
	.draw = alerts_draw,
	.cursor = alerts_move,
	.free = alerts_free,
	.fetches = FETCH_ALERTS,
	.take = alerts_take,
	.selection = alerts_selection,
};
