/* Blocklist: the IPs refused by the policy service, soonest to end first. */
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "core/maillog_report.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

/* The IP column grows for IPv6 addresses, up to their longest form. */
#define BLOCKLIST_IP_MIN 15
#define BLOCKLIST_IP_MAX 39

enum { COL_IP, COL_AGENCY, COL_WHO, COL_SINCE, COL_UNTIL, COL_HITS,
	COL_LAST, COL_REASON, BLOCKLIST_NCOLS };

/* 80 columns: 62 for the fixed ones, the rest for the reason. */
static const struct table_col blocklist_cols[BLOCKLIST_NCOLS] = {
	{ "IP", BLOCKLIST_IP_MIN, 0 },
	{ "AGENCY", 8, 0 },
	{ "WHO", 8, 0 },
	{ "SINCE", 5, 1 },
	{ "UNTIL", 9, 1 },
	{ "HITS", 5, 1 },
	{ "LAST", 5, 1 },
	{ "REASON", 0, 0 },
};

/* At 80 columns with an IPv6 address: the IP is never cut, the reason
 * keeps 16; HITS, LAST and WHO give way first (Right scrolls to them). */
static const struct layout_col blocklist_fit[BLOCKLIST_NCOLS] = {
	{ 0, 0, 10, LAYOUT_CUT_END }, { 8, 6, 4, LAYOUT_CUT_END },
	{ 8, 8, 2, LAYOUT_CUT_END }, { 5, 5, 3, LAYOUT_CUT_END },
	{ 9, 9, 8, LAYOUT_CUT_END }, { 5, 5, 1, LAYOUT_CUT_END },
	{ 5, 5, 2, LAYOUT_CUT_END }, { 0, 16, 9, LAYOUT_CUT_END },
};

enum { SC_IP, SC_COUNT, SC_FIRST, SC_LAST, SC_NODE, SC_STATE, SC_SAMPLES,
	SUSPECTS_NCOLS };

/* The suspects section: 56 for the fixed columns, the rest for samples. */
static const struct table_col suspects_cols[SUSPECTS_NCOLS] = {
	{ "SUSPECT", BLOCKLIST_IP_MIN, 0 },
	{ "UNKNOWN", 7, 1 },
	{ "FIRST", 5, 1 },
	{ "LAST", 5, 1 },
	{ "NODE", 8, 0 },
	{ "STATE", 8, 0 },
	{ "SAMPLE ADDRESSES", 0, 0 },
};

/* Suspects seen within this long are the header's alert. */
#define SUSPECT_RECENT_S 3600

struct blocklist_state {
	struct table table;
	struct table_col cols[BLOCKLIST_NCOLS];
	struct block_list *list;  /* NULL before the first fetch */
	char error[256];          /* the last fetch failed: why */
	struct table stable;      /* the harvest suspects */
	struct table_col scols[SUSPECTS_NCOLS];
	struct ml_suspect *suspects;
	size_t nsuspects;
	bool on_suspects;         /* the cursor is in the suspects section */
	/* The agencies, for the name and contact of a block's agency in
	 * notify's question (n); NULL before the first fetch. */
	struct agency_list *agencies;
};

static void *
blocklist_init(struct console *c)
{
	struct blocklist_state *st = xcalloc(1, sizeof *st);

	(void)c;
	memcpy(st->cols, blocklist_cols, sizeof st->cols);
	memcpy(st->scols, suspects_cols, sizeof st->scols);
	return st;
}

/* Soonest to end first; permanent blocks (until 0) last; then by IP. */
static int
blocklist_cmp(const void *a, const void *b)
{
	const struct block_entry *x = a, *y = b;

	if (x->until != y->until) {
		if (x->until == 0)
			return 1;
		if (y->until == 0)
			return -1;
		return x->until < y->until ? -1 : 1;
	}
	return strcmp(x->ip, y->ip);
}

static void
blocklist_take(void *state, struct console *c, struct worker_msg *m)
{
	struct blocklist_state *st = state;

	if (m->kind == WMSG_SUSPECTS) {
		/* Every refresh, shown or not: the header's alert. */
		if (m->failed)
			return;
		free(st->suspects);
		st->suspects = m->suspects;
		st->nsuspects = m->nsuspects;
		m->suspects = NULL;
		ml_suspects_alert(st->suspects, st->nsuspects, c->now,
		    SUSPECT_RECENT_S, c->harvest, sizeof c->harvest);
		if (st->nsuspects == 0)
			st->on_suspects = false;
		return;
	}
	/* A copy: the agencies view takes the list itself (it holds no
	 * pointers, one copy is enough). */
	if (m->kind == WMSG_AGENCIES && !m->failed && m->agencies != NULL) {
		if (st->agencies == NULL)
			st->agencies = xcalloc(1, sizeof *st->agencies);
		else
			agency_list_free(st->agencies);
		st->agencies->n = m->agencies->n;
		st->agencies->v = xreallocarray(NULL, m->agencies->n + 1,
		    sizeof *st->agencies->v);
		memcpy(st->agencies->v, m->agencies->v, m->agencies->n *
		    sizeof *st->agencies->v);
		return;
	}
	if (m->kind != WMSG_BLOCKS)
		return;
	if (view_take_failed(m, st->error, sizeof st->error))
		return;
	if (st->list != NULL) {
		block_list_free(st->list);
		free(st->list);
	}
	st->list = m->blocks;
	m->blocks = NULL;
	if (st->list->n > 1)
		qsort(st->list->v, st->list->n, sizeof *st->list->v,
		    blocklist_cmp);
}

/* "3 blocked: 2 for a time, 1 permanent; the next ends in 12m". */
static void
blocklist_summary(const struct blocklist_state *st, long long now, char *buf,
    size_t len)
{
	size_t i, perm = 0;
	char left[32];

	for (i = 0; i < st->list->n; i++)
		perm += st->list->v[i].until == 0;
	if (st->list->n == perm)
		snprintf(buf, len, " %zu blocked, all permanent", perm);
	else
		snprintf(buf, len, " %zu blocked: %zu for a time, %zu permanent; "
		    "the next ends in %s", st->list->n, st->list->n - perm, perm,
		    format_left(st->list->v[0].until, now, left, sizeof left));
}

static void
blocklist_row(struct blocklist_state *st, struct console *c,
    const struct block_entry *e)
{
	struct table_row *r;
	enum theme_role role = ROLE_NORMAL;

	if (console_stale(c))
		role = ROLE_STALE;
	/* A permanent block is a standing decision, not an alarm: its UNTIL
	 * says "permanent"; only one about to lift asks for a look. */
	else if (e->until != 0 && e->until - c->now < 300)
		/* About to lift: worth a look before it does. */
		role = ROLE_WARN;
	r = table_add(&st->table, e->ip, role);
	snprintf(r->cell[COL_IP], TABLE_CELL_MAX, "%s", e->ip);
	snprintf(r->cell[COL_AGENCY], TABLE_CELL_MAX, "%s",
	    e->agency[0] ? e->agency : "-");
	snprintf(r->cell[COL_REASON], TABLE_CELL_MAX, "%s", e->reason);
	snprintf(r->cell[COL_WHO], TABLE_CELL_MAX, "%s", e->who);
	format_age(e->since > 0 ? (long)(c->now - e->since) : -1,
	    r->cell[COL_SINCE], TABLE_CELL_MAX);
	format_left(e->until, c->now, r->cell[COL_UNTIL], TABLE_CELL_MAX);
	format_count(e->hits, r->cell[COL_HITS], TABLE_CELL_MAX);
	format_age(e->last_hit > 0 ? (long)(c->now - e->last_hit) : -1,
	    r->cell[COL_LAST], TABLE_CELL_MAX);
}

/* Lines of the suspects section: a title, the heading, a row each, at
 * most half the view; 0 without suspects. */
static int
blocklist_suspects_h(const struct blocklist_state *st, int h)
{
	int want;

	if (st->nsuspects == 0 || h < 8)
		return 0;
	want = 2 + (int)st->nsuspects;
	return want > h / 2 ? h / 2 : want;
}

static void
blocklist_suspect_row(struct blocklist_state *st, struct console *c,
    const struct ml_suspect *s)
{
	enum theme_role role = console_stale(c) ? ROLE_STALE : s->blocked ?
	    ROLE_DIM : c->now - s->last_seen <= SUSPECT_RECENT_S ? ROLE_ALERT :
	    ROLE_WARN;
	struct table_row *r = table_add(&st->stable, s->ip, role);
	size_t off = 0;
	int k;

	snprintf(r->cell[SC_IP], TABLE_CELL_MAX, "%s", s->ip);
	format_count(s->count, r->cell[SC_COUNT], TABLE_CELL_MAX);
	format_age(s->first_seen > 0 ? (long)(c->now - s->first_seen) : -1,
	    r->cell[SC_FIRST], TABLE_CELL_MAX);
	format_age(s->last_seen > 0 ? (long)(c->now - s->last_seen) : -1,
	    r->cell[SC_LAST], TABLE_CELL_MAX);
	snprintf(r->cell[SC_NODE], TABLE_CELL_MAX, "%s", s->node[0] ? s->node :
	    "-");
	snprintf(r->cell[SC_STATE], TABLE_CELL_MAX, "%s", s->blocked ?
	    "blocked" : "open");
	r->cell[SC_SAMPLES][0] = '\0';
	for (k = 0; k < s->nsamples && off < TABLE_CELL_MAX; k++)
		off += (size_t)snprintf(r->cell[SC_SAMPLES] + off,
		    TABLE_CELL_MAX - off, "%s%s", k ? " " : "", s->samples[k]);
}

/* The harvest suspects under the blocks: Tab moves the cursor there, h
 * blocks the one under it (the block command, which asks). */
static void
blocklist_draw_suspects(struct blocklist_state *st, struct console *c, int y,
    int h)
{
	size_t i, open = 0;
	char line[256];

	for (i = 0; i < st->nsuspects; i++)
		open += !st->suspects[i].blocked;
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : open ? ROLE_ALERT :
	    ROLE_TITLE));
	snprintf(line, sizeof line, " %zu directory harvest suspect%s, %zu not "
	    "blocked; %s", st->nsuspects, st->nsuspects == 1 ? "" : "s", open,
	    st->on_suspects ? "h blocks it, Tab: blocks" :
	    "Tab: to the suspects");
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	table_reset(&st->stable, st->scols, SUSPECTS_NCOLS);
	for (i = 0; i < st->nsuspects; i++)
		blocklist_suspect_row(st, c, &st->suspects[i]);
	st->stable.cursorless = !st->on_suspects;
	table_draw(&st->stable, stdscr, y + 1, h - 1, c->filter);
}

static void
blocklist_draw(void *state, struct console *c, int y, int h)
{
	struct blocklist_state *st = state;
	char line[256];
	size_t i;
	int ipw = BLOCKLIST_IP_MIN, sh;

	if (h < 2)
		return;
	if (st->list == NULL) {
		attrset(theme_attr(st->error[0] ? ROLE_ALERT : ROLE_DIM));
		snprintf(line, sizeof line, " %s", st->error[0] ? st->error :
		    "reading the blocklist...");
		mvaddnstr(y, 0, line, COLS);
		attrset(A_NORMAL);
		return;
	}
	for (i = 0; i < st->list->n; i++) {
		int n = (int)strlen(st->list->v[i].ip);

		if (n > ipw)
			ipw = n > BLOCKLIST_IP_MAX ? BLOCKLIST_IP_MAX : n;
	}
	st->cols[COL_IP].width = ipw;
	table_reset(&st->table, st->cols, BLOCKLIST_NCOLS);
	table_fit(&st->table, blocklist_fit);
	for (i = 0; i < st->list->n; i++)
		blocklist_row(st, c, &st->list->v[i]);

	if (st->error[0] != '\0') {
		attrset(theme_attr(ROLE_ALERT));
		snprintf(line, sizeof line, " %s", st->error);
	} else if (st->list->n == 0) {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_OK));
		snprintf(line, sizeof line, " no IP is blocked%s",
		    c->read_only ? "" : "; + blocks one");
	} else {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_TITLE));
		blocklist_summary(st, c->now, line, sizeof line);
	}
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	sh = blocklist_suspects_h(st, h);
	if (sh > 0)
		blocklist_draw_suspects(st, c, y + h - sh, sh);
	if (st->list->n == 0)
		return;
	st->table.cursorless = st->on_suspects;
	if (table_draw(&st->table, stdscr, y + 1, h - 1 - sh, c->filter) ==
	    0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y + 2, 0, " no block matches the filter", COLS);
		attrset(A_NORMAL);
	}
}

static int
blocklist_move(void *state, const char *where)
{
	struct blocklist_state *st = state;

	if (strcmp(where, "section") == 0) {
		st->on_suspects = !st->on_suspects && st->nsuspects > 0;
		return 0;
	}
	return table_move(st->on_suspects ? &st->stable : &st->table, where);
}

static const char *
blocklist_selected(void *state)
{
	struct blocklist_state *st = state;

	if (st->on_suspects)
		return st->nsuspects > 0 ? table_selected_key(&st->stable) :
		    NULL;
	if (st->list == NULL || st->list->n == 0)
		return NULL;
	return table_selected_key(&st->table);
}

/*
 * "notice": the facts of the block under the cursor for notify's question
 * (cmd/cmd_notify.c), as "name=value" strings.
 */
static int
blocklist_notice(struct blocklist_state *st, char ***out)
{
	const char *ip = blocklist_selected(st);
	const struct block_entry *b = NULL;
	size_t i;

	*out = NULL;
	if (st->on_suspects || ip == NULL)
		return 0;
	for (i = 0; i < st->list->n && b == NULL; i++)
		if (strcmp(st->list->v[i].ip, ip) == 0)
			b = &st->list->v[i];
	if (b == NULL)
		return 0;
	*out = xcalloc(7, sizeof **out);
	(*out)[0] = view_printf("ip=%s", b->ip);
	(*out)[1] = view_printf("agency=%s", b->agency);
	(*out)[2] = view_printf("since=%lld", b->since);
	(*out)[3] = view_printf("until=%lld", b->until);
	(*out)[4] = view_printf("reason=%s", b->reason);
	for (i = 0; st->agencies != NULL && i < st->agencies->n; i++) {
		const struct agency *a = &st->agencies->v[i];

		if (strcmp(a->id, b->agency) != 0)
			continue;
		(*out)[5] = view_printf("name=%s", a->name);
		(*out)[6] = view_printf("contact=%s", a->contact);
		return 7;
	}
	return 5;
}

static int
blocklist_selection(void *state, const char *what, char ***out)
{
	if (strcmp(what, "notice") == 0)
		return blocklist_notice(state, out);
	/* "id" (copy): the row's key is its IP too. */
	if (strcmp(what, "ip") != 0 && strcmp(what, "id") != 0)
		return -1;
	return view_select_one(blocklist_selected(state), out);
}

static void
blocklist_free(void *state)
{
	struct blocklist_state *st = state;

	if (st->list != NULL) {
		block_list_free(st->list);
		free(st->list);
	}
	table_free(&st->table);
	table_free(&st->stable);
	free(st->suspects);
	if (st->agencies != NULL) {
		agency_list_free(st->agencies);
		free(st->agencies);
	}
	free(st);
}

const struct view view_blocklist = {
	.name = "blocklist",
	.title = "Blocklist",
	.init = blocklist_init,
	.draw = blocklist_draw,
	.cursor = blocklist_move,
	.free = blocklist_free,
	.fetches = FETCH_BLOCKS | FETCH_AGENCIES,
	.take = blocklist_take,
	.selection = blocklist_selection,
};
