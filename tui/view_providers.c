/* Providers: each recipient domain and provider group over the last hour of
 * the gateways' mail logs, the most trouble first; Enter shows one's
 * deferrals by class. */
#include <stdlib.h>
#include <string.h>

#include "core/delay.h"
#include "core/format.h"
#include "core/maillog_report.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

enum { PV_NAME, PV_DELIV, PV_DEF, PV_BNC, PV_REPUT, PV_P95, PV_STATE,
	PV_QUEUED, PV_CLASSES, PROVIDERS_NCOLS };

/* 80 columns: 72 for the figures, the rest for the deferrals. REPUT: the
 * deferrals and bounces refusing for reputation, marked "!" so that the
 * mark shows without colours too. QUEUED: messages queued now. */
static const struct table_col providers_cols[PROVIDERS_NCOLS] = {
	{ "PROVIDER", 22, 0 },
	{ "DELIV/h", 7, 1 },
	{ "DEF%", 5, 1 },
	{ "BNC%", 5, 1 },
	{ "REPUT", 5, 1 },
	{ "P95", 5, 1 },
	{ "STATE", 9, 0 },
	{ "QUEUED", 6, 1 },
	{ "DEFERRALS", 0, 0 },
};

/* At 80 columns the provider's name gives way (to 14) before the
 * deferrals do: "throttle 12" stays whole. */
static const struct layout_col providers_fit[PROVIDERS_NCOLS] = {
	{ 22, 14, 6, LAYOUT_CUT_END }, { 7, 7, 5, LAYOUT_CUT_END },
	{ 5, 5, 4, LAYOUT_CUT_END }, { 5, 5, 4, LAYOUT_CUT_END },
	{ 5, 5, 3, LAYOUT_CUT_END }, { 5, 5, 2, LAYOUT_CUT_END },
	{ 9, 9, 7, LAYOUT_CUT_END }, { 6, 6, 8, LAYOUT_CUT_END },
	{ 0, 14, 9, LAYOUT_CUT_END },
};

struct providers_state {
	struct table list;
	struct ml_providers *p;   /* NULL before the first fetch */
	char error[256];
	char open[MAILLOG_DOMAIN_MAX + 2]; /* the provider shown, "" list */
};

static void *
providers_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct providers_state));
}

static void
providers_take(void *state, struct console *c, struct worker_msg *m)
{
	struct providers_state *st = state;
	struct delay_rule rule;

	(void)c;
	if (m->kind != WMSG_PROVIDERS)
		return;
	if (view_take_failed(m, st->error, sizeof st->error))
		return;
	if (st->p != NULL) {
		ml_providers_free(st->p);
		free(st->p);
	}
	st->p = m->providers;
	m->providers = NULL;
	delay_rule_init(&rule);
	ml_providers_finish(st->p, &rule);
}

static const struct ml_provider *
providers_find(const struct providers_state *st, const char *name)
{
	size_t i;

	if (st->p == NULL || name == NULL)
		return NULL;
	for (i = 0; i < st->p->n; i++)
		if (strcmp(st->p->v[i].name, name) == 0)
			return &st->p->v[i];
	return NULL;
}

static void
providers_pct(long long total, double pct, char *buf)
{
	if (total > 0)
		snprintf(buf, TABLE_CELL_MAX, "%.0f", pct);
	else
		snprintf(buf, TABLE_CELL_MAX, "-");
}

static void
providers_row(struct providers_state *st, const struct console *c,
    const struct ml_provider *v)
{
	enum theme_role role = console_stale(c) ? ROLE_STALE : v->throttled ||
	    v->reput > 0 ? ROLE_ALERT : strcmp(ml_provider_state(v), "ok") != 0 ? ROLE_WARN :
	    ROLE_NORMAL;
	struct table_row *r = table_add(&st->list, v->name, role);
	long long tot = v->delivered + v->deferred + v->bounced;
	size_t off = 0;
	int k;

	snprintf(r->cell[PV_NAME], TABLE_CELL_MAX, "%s%s", v->group ?
	    "group " : "", v->group ? v->name + 1 : v->name);
	format_count(v->delivered, r->cell[PV_DELIV], TABLE_CELL_MAX);
	providers_pct(tot, ml_provider_deferred_pct(v), r->cell[PV_DEF]);
	providers_pct(tot, ml_provider_bounced_pct(v), r->cell[PV_BNC]);
	if (v->reput > 0)
		snprintf(r->cell[PV_REPUT], TABLE_CELL_MAX, "!%lld", v->reput);
	else
		snprintf(r->cell[PV_REPUT], TABLE_CELL_MAX, "-");
	if (v->p95 >= 0)
		format_age((long)v->p95, r->cell[PV_P95], TABLE_CELL_MAX);
	else
		snprintf(r->cell[PV_P95], TABLE_CELL_MAX, "-");
	snprintf(r->cell[PV_STATE], TABLE_CELL_MAX, "%s", ml_provider_state(v));
	if (v->queued >= 0)
		format_count(v->queued, r->cell[PV_QUEUED], TABLE_CELL_MAX);
	else
		snprintf(r->cell[PV_QUEUED], TABLE_CELL_MAX, "-");
	r->cell[PV_CLASSES][0] = '\0';
	for (k = 0; k < DELAY_CLASSES && off < TABLE_CELL_MAX; k++)
		if (v->def[k] > 0)
			off += (size_t)snprintf(r->cell[PV_CLASSES] + off,
			    TABLE_CELL_MAX - off, "%s%s %lld", off ? " " : "",
			    delay_class_name(k), v->def[k]);
	if (off == 0)
		snprintf(r->cell[PV_CLASSES], TABLE_CELL_MAX, "-");
}

static void
providers_draw_list(struct providers_state *st, struct console *c, int y,
    int h)
{
	char line[256];
	size_t i, bad = 0, reput = 0;

	if (st->p == NULL) {
		attrset(theme_attr(st->error[0] ? ROLE_ALERT : ROLE_DIM));
		snprintf(line, sizeof line, " %s", st->error[0] ? st->error :
		    "reading the providers...");
		mvaddnstr(y, 0, line, COLS);
		attrset(A_NORMAL);
		return;
	}
	table_reset(&st->list, providers_cols, PROVIDERS_NCOLS);
	table_fit(&st->list, providers_fit);
	for (i = 0; i < st->p->n; i++) {
		providers_row(st, c, &st->p->v[i]);
		bad += st->p->v[i].throttled;
		reput += st->p->v[i].reput > 0;
	}
	if (st->error[0] != '\0') {
		attrset(theme_attr(ROLE_ALERT));
		snprintf(line, sizeof line, " %s", st->error);
	} else if (st->p->queued_warning[0] != '\0') {
		attrset(theme_attr(ROLE_WARN));
		snprintf(line, sizeof line, " %s", st->p->queued_warning);
	} else if (st->p->n == 0) {
		attrset(theme_attr(ROLE_DIM));
		snprintf(line, sizeof line, " no delivery in the gateways' mail "
		    "logs in the last hour (nodes[].maillog)");
	} else {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : bad ||
		    reput ? ROLE_ALERT : ROLE_TITLE));
		snprintf(line, sizeof line, " %zu provider%s, last hour, %zu "
		    "throttled, %zu refuse for reputation; Enter: details",
		    st->p->n, st->p->n == 1 ? "" : "s", bad, reput);
	}
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	if (st->p->n == 0)
		return;
	if (table_draw(&st->list, stdscr, y + 1, h - 1, c->filter) == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y + 2, 0, " no provider matches the filter", COLS);
		attrset(A_NORMAL);
	}
}

/* One provider: its figures and its deferrals by class, most first. */
static void
providers_draw_open(struct providers_state *st, struct console *c, int y,
    int h)
{
	const struct ml_provider *v = providers_find(st, st->open);
	enum theme_role role = console_stale(c) ? ROLE_STALE : ROLE_NORMAL;
	bool done[DELAY_CLASSES] = { false };
	char line[256], p95[16];
	int i, k, best, row = y + 3;

	if (v == NULL) {
		attrset(theme_attr(ROLE_DIM));
		snprintf(line, sizeof line, " %s: nothing counted in the last "
		    "hour  (Esc: back)", st->open);
		mvaddnstr(y, 0, line, COLS);
		attrset(A_NORMAL);
		return;
	}
	attrset(theme_attr((v->throttled || v->reput > 0) && role ==
	    ROLE_NORMAL ? ROLE_ALERT : ROLE_TITLE));
	if (v->queued >= 0)
		snprintf(p95, sizeof p95, ", %ld queued", v->queued);
	else
		p95[0] = '\0';
	snprintf(line, sizeof line, " %s%s: %s%s  (Esc: back)", v->group ?
	    "group " : "", v->group ? v->name + 1 : v->name,
	    ml_provider_state(v), p95);
	mvaddnstr(y, 0, line, COLS);
	attrset(theme_attr(role));
	if (v->p95 >= 0)
		format_age((long)v->p95, p95, sizeof p95);
	else
		snprintf(p95, sizeof p95, "-");
	snprintf(line, sizeof line, " last hour: %lld delivered, %lld "
	    "deferrals (%.0f%%), %lld bounced (%.0f%%), p95 delay %s",
	    v->delivered, v->deferred, ml_provider_deferred_pct(v), v->bounced,
	    ml_provider_bounced_pct(v), p95);
	mvaddnstr(y + 1, 0, line, COLS);
	if (v->reput > 0 && h > 4) {
		attrset(theme_attr(role == ROLE_NORMAL ? ROLE_ALERT : role));
		snprintf(line, sizeof line, " ! %lld refused for reputation, "
		    "latest: %s", v->reput, v->rep_reason[0] ?
		    delay_reply(v->rep_reason) : "-");
		mvaddnstr(y + 2, 0, line, COLS);
		y++;
		h--;
		row++;
	}
	attrset(theme_attr(ROLE_DIM));
	mvaddnstr(y + 2, 0, " DEFERRALS  CLASS", COLS);
	for (i = 0; i < DELAY_CLASSES && row < y + h; i++) {
		best = -1;
		for (k = 0; k < DELAY_CLASSES; k++)
			if (!done[k] && v->def[k] > 0 && (best < 0 ||
			    v->def[k] > v->def[best]))
				best = k;
		if (best < 0)
			break;
		done[best] = true;
		attrset(theme_attr(role == ROLE_NORMAL && best ==
		    DELAY_THROTTLE ? ROLE_ALERT : role));
		snprintf(line, sizeof line, " %9lld  %-10s %s", v->def[best],
		    delay_class_name(best), delay_class_label(best));
		mvaddnstr(row++, 0, line, COLS);
	}
	if (row == y + 3) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(row, 0, " no deferral in the last hour", COLS);
	}
	attrset(A_NORMAL);
}

static void
providers_draw(void *state, struct console *c, int y, int h)
{
	struct providers_state *st = state;

	if (h < 2)
		return;
	if (st->open[0] != '\0')
		providers_draw_open(st, c, y, h);
	else
		providers_draw_list(st, c, y, h);
}

static int
providers_move(void *state, const char *where)
{
	struct providers_state *st = state;
	const char *name;

	if (strcmp(where, "in") == 0) {
		if (st->open[0] == '\0' &&
		    (name = table_selected_key(&st->list)) != NULL)
			snprintf(st->open, sizeof st->open, "%s", name);
		return 0;
	}
	if (strcmp(where, "out") == 0) {
		st->open[0] = '\0';
		return 0;
	}
	return table_move(&st->list, where);
}

static int
providers_escape(void *state)
{
	struct providers_state *st = state;

	if (st->open[0] == '\0')
		return 0;
	st->open[0] = '\0';
	return 1;
}

static void
providers_free(void *state)
{
	struct providers_state *st = state;

	if (st->p != NULL) {
		ml_providers_free(st->p);
		free(st->p);
	}
	table_free(&st->list);
	free(st);
}

/* "id" (copy): the provider under the cursor's name. */
static int
providers_selection(void *state, const char *what, char ***out)
{
	struct providers_state *st = state;

	*out = NULL;
	if (strcmp(what, "id") != 0)
		return -1;
	return view_select_one(table_selected_key(&st->list), out);
}

const struct view view_providers = {
	.name = "providers",
	.title = "Providers",
	.init = providers_init,
	.draw = providers_draw,
	.cursor = providers_move,
	.selection = providers_selection,
	.free = providers_free,
	.fetches = FETCH_PROVIDERS,
	.take = providers_take,
	.escape = providers_escape,
};
