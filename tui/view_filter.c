/* Filter: each gateway's spam and virus filter as its agent published it
 * (filter:{node}), read by the Redis worker: up or down, the counts by
 * action this hour and day, mail passed unscanned, and the selected
 * gateway's rejects per hour as a sparkline. */
#include <stdlib.h>
#include <string.h>

#include "core/filter.h"
#include "core/format.h"
#include "core/xalloc.h"
#include "tui/sparkline.h"
#include "tui/table.h"
#include "tui/view.h"

enum { FC_NODE, FC_STATE, FC_SCANNED, FC_REJECT, FC_SOFT, FC_HEADER,
	FC_QUAR, FC_UNSCANNED, FC_INFO, FILTER_NCOLS };

/* 80 columns: the counts are this hour's, scanned and unscanned the
 * day's; INFO takes the rest (the version, or why it is down). */
static const struct table_col filter_cols[FILTER_NCOLS] = {
	{ "NODE", 6, 0 },
	{ "STATE", 7, 0 },
	{ "SCAN/D", 7, 1 },
	{ "REJ/H", 6, 1 },
	{ "SOFT/H", 6, 1 },
	{ "HDR/H", 6, 1 },
	{ "QUAR/H", 6, 1 },
	{ "UNSC/D", 6, 1 },
	{ "INFO", 0, 0 },
};

struct filter_view {
	struct table table;
	struct filter_node *v;   /* NULL before the first fetch */
	size_t n;
	bool have;
	char error[256];
};

static void *
filter_view_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct filter_view));
}

static void
filter_view_take(void *state, struct console *c, struct worker_msg *m)
{
	struct filter_view *st = state;

	(void)c;
	if (m->kind != WMSG_FILTER)
		return;
	if (m->failed) {
		snprintf(st->error, sizeof st->error, "%s", m->text);
		return;
	}
	st->error[0] = '\0';
	free(st->v);
	st->v = m->filters;
	st->n = m->nfilters;
	st->have = true;
	m->filters = NULL;
	m->nfilters = 0;
}

static void
filter_view_line(int y, enum theme_role role, const char *text)
{
	attrset(theme_attr(role));
	mvaddnstr(y, 0, text, COLS);
	attrset(A_NORMAL);
}

static void
filter_view_rows(struct filter_view *st, const struct console *c)
{
	size_t i;

	table_reset(&st->table, filter_cols, FILTER_NCOLS);
	for (i = 0; i < st->n; i++) {
		const struct filter_node *x = &st->v[i];
		enum theme_role role = console_stale(c) ? ROLE_STALE :
		    (x->published && !x->up) ? ROLE_ALERT :
		    x->unscanned_recent > 0 || !x->published ? ROLE_WARN :
		    ROLE_NORMAL;
		struct table_row *r = table_add(&st->table, x->name, role);

		snprintf(r->cell[FC_NODE], TABLE_CELL_MAX, "%s", x->name);
		snprintf(r->cell[FC_STATE], TABLE_CELL_MAX, "%s",
		    filter_node_state(x));
		format_count((long)x->day[FILTER_B_SCANNED],
		    r->cell[FC_SCANNED], TABLE_CELL_MAX);
		format_count((long)x->hour[FILTER_REJECT], r->cell[FC_REJECT],
		    TABLE_CELL_MAX);
		format_count((long)x->hour[FILTER_SOFT_REJECT],
		    r->cell[FC_SOFT], TABLE_CELL_MAX);
		format_count((long)x->hour[FILTER_ADD_HEADER],
		    r->cell[FC_HEADER], TABLE_CELL_MAX);
		format_count((long)x->hour[FILTER_QUARANTINE],
		    r->cell[FC_QUAR], TABLE_CELL_MAX);
		format_count((long)x->day[FILTER_B_UNSCANNED],
		    r->cell[FC_UNSCANNED], TABLE_CELL_MAX);
		if (x->published && !x->up)
			snprintf(r->cell[FC_INFO], TABLE_CELL_MAX, "%s",
			    x->error);
		else if (x->published && x->held > 0)
			snprintf(r->cell[FC_INFO], TABLE_CELL_MAX, "rspamd %s, "
			    "%lld held", x->version, x->held);
		else if (x->published)
			snprintf(r->cell[FC_INFO], TABLE_CELL_MAX, "rspamd %s",
			    x->version);
		else
			snprintf(r->cell[FC_INFO], TABLE_CELL_MAX, "nothing "
			    "published (is mailnocd running?)");
	}
}

static const struct filter_node *
filter_view_selected(const struct filter_view *st)
{
	const char *key = table_selected_key(&st->table);
	size_t i;

	for (i = 0; key != NULL && i < st->n; i++) {
		if (strcmp(st->v[i].name, key) == 0)
			return &st->v[i];
	}
	return NULL;
}

static void
filter_view_draw(void *state, struct console *c, int y, int h)
{
	struct filter_view *st = state;
	const struct filter_node *x;
	char line[512], spark[FILTER_HOURS * SPARKLINE_COL_BYTES + 1];
	size_t i, down = 0;
	long long unsc = 0, all = 0, max = 0;
	int rows;

	if (h < 5)
		return;
	if (!st->have) {
		snprintf(line, sizeof line, " %s", st->error[0] ? st->error :
		    "reading the gateways' filters...");
		filter_view_line(y, st->error[0] ? ROLE_ALERT : ROLE_DIM, line);
		return;
	}
	for (i = 0; i < st->n; i++) {
		down += st->v[i].published && !st->v[i].up;
		unsc += st->v[i].day[FILTER_B_UNSCANNED];
		all += st->v[i].day[FILTER_B_SCANNED] +
		    st->v[i].day[FILTER_B_UNSCANNED];
	}
	if (st->error[0] != '\0')
		snprintf(line, sizeof line, " filters: %s", st->error);
	else if (st->n == 0)
		snprintf(line, sizeof line, " no gateway has a filter in the "
		    "configuration (nodes[].filter)");
	else
		snprintf(line, sizeof line, " %zu filter%s, %zu down; today "
		    "%lld message%s passed unscanned (%.1f%%)",
		    st->n, st->n == 1 ? "" : "s", down,
		    unsc, unsc == 1 ? "" : "s", all > 0 ? 100.0 *
		    (double)unsc / (double)all : 0.0);
	filter_view_line(y, st->error[0] || down ? ROLE_ALERT :
	    console_stale(c) ? ROLE_STALE : unsc ? ROLE_WARN : ROLE_TITLE,
	    line);
	if (st->n == 0)
		return;
	filter_view_rows(st, c);
	rows = table_draw(&st->table, stdscr, y + 1, h - 3, c->filter);
	if (rows == 0) {
		filter_view_line(y + 2, ROLE_DIM, " no gateway matches the "
		    "filter");
		return;
	}
	if ((x = filter_view_selected(st)) == NULL)
		return;
	for (i = 0; i < FILTER_HOURS; i++)
		if (x->rejects_by_hour[i] > max)
			max = x->rejects_by_hour[i];
	snprintf(line, sizeof line, " %s rejects per hour, 24 h (max %lld):",
	    x->name, max);
	filter_view_line(y + h - 2, ROLE_DIM, line);
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_BAR));
	sparkline_render(x->rejects_by_hour, FILTER_HOURS, FILTER_HOURS,
	    c->utf8, spark, sizeof spark);
	mvaddstr(y + h - 2, (int)strlen(line) + 1 < COLS - FILTER_HOURS ?
	    (int)strlen(line) + 1 : 0, spark);
	attrset(A_NORMAL);
	snprintf(line, sizeof line, " %s: %lld scanned, %lld unscanned, %lld "
	    "quarantined (:quarantine release %s:ID)", x->name, x->scanned,
	    x->unscanned, x->held, x->name);
	filter_view_line(y + h - 1, ROLE_DIM, line);
}

static int
filter_view_move(void *state, const char *where)
{
	struct filter_view *st = state;

	return table_move(&st->table, where);
}

static void
filter_view_free(void *state)
{
	struct filter_view *st = state;

	free(st->v);
	table_free(&st->table);
	free(st);
}

const struct view view_filter = {
	.name = "filter",
	.title = "Filter",
	.init = filter_view_init,
	.draw = filter_view_draw,
	.cursor = filter_view_move,
	.free = filter_view_free,
	.fetches = FETCH_FILTER,
	.take = filter_view_take,
};
