/* Reputation: each gateway's egress addresses on every configured DNS block
 * list as the agents' block-list watches published them (rep:{node}), read
 * by the Redis worker; the listed first. */
#include <stdlib.h>
#include <string.h>

#include "core/dnsbl.h"
#include "core/format.h"
#include "core/validate.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

enum { RC_NODE, RC_IP, RC_ZONE, RC_STATE, RC_SINCE, RC_CHECKED, RC_REASON,
	REPUTATION_NCOLS };

/* 80 columns: the reason takes what the rest leaves (about 14); the
 * selected pair's whole reason is the view's last line. */
static const struct table_col reputation_cols[REPUTATION_NCOLS] = {
	{ "NODE", 4, 0 },
	{ "ADDRESS", 15, 0 },
	{ "ZONE", 18, 0 },
	{ "STATE", 10, 0 },
	{ "SINCE", 6, 1 },
	{ "CHECKED", 7, 1 },
	{ "REASON", 0, 0 },
};

struct reputation_view {
	struct table table;
	struct reputation *rep; /* NULL before the first fetch */
	char error[256];
};

static void *
reputation_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct reputation_view));
}

static unsigned
reputation_fetch(void *state, const char **agency)
{
	(void)state;
	*agency = NULL;
	return FETCH_REPUTATION;
}

static void
reputation_drop(struct reputation_view *st)
{
	if (st->rep != NULL) {
		reputation_free(st->rep);
		free(st->rep);
	}
	st->rep = NULL;
}

static void
reputation_take(void *state, struct console *c, struct worker_msg *m)
{
	struct reputation_view *st = state;

	(void)c;
	if (m->kind != WMSG_REPUTATION)
		return;
	if (m->failed) {
		snprintf(st->error, sizeof st->error, "%s", m->text);
		return;
	}
	st->error[0] = '\0';
	reputation_drop(st);
	st->rep = m->reputation;
	m->reputation = NULL;
}

/* The table key of a pair. */
static void
reputation_key(const char *node, const struct dnsbl_entry *e, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s|%s|%s", node, e->ip, e->zone);
}

/* "3h12m", or "-" for never. */
static void
reputation_age(long long when, long long now, char *buf)
{
	if (when > 0)
		format_age(when <= now ? (long)(now - when) : 0, buf,
		    TABLE_CELL_MAX);
	else
		snprintf(buf, TABLE_CELL_MAX, "-");
}

/* What the reason column says: the listing's reason, or why the last
 * look-up failed; sanitized again for the terminal. */
static const char *
reputation_reason(const struct dnsbl_entry *e)
{
	if (e->error[0] != '\0')
		return e->error;
	if (e->state == DNSBL_LISTED)
		return e->reason[0] ? e->reason : e->code;
	return "";
}

static void
reputation_row(struct reputation_view *st, const struct console *c,
    const char *node, const struct dnsbl_entry *e)
{
	const char *shown = dnsbl_entry_shown(e);
	enum theme_role role = console_stale(c) ? ROLE_STALE :
	    strcmp(shown, "listed") == 0 ? ROLE_ALERT :
	    strcmp(shown, "unknown") == 0 ? ROLE_WARN : ROLE_NORMAL;
	struct table_row *r;
	char key[TABLE_CELL_MAX];

	reputation_key(node, e, key, sizeof key);
	r = table_add(&st->table, key, role);
	snprintf(r->cell[RC_NODE], TABLE_CELL_MAX, "%s", node);
	snprintf(r->cell[RC_IP], TABLE_CELL_MAX, "%s", e->ip);
	snprintf(r->cell[RC_ZONE], TABLE_CELL_MAX, "%.63s", e->zone);
	snprintf(r->cell[RC_STATE], TABLE_CELL_MAX, "%s", shown);
	reputation_age(e->since, c->now, r->cell[RC_SINCE]);
	reputation_age(e->checked, c->now, r->cell[RC_CHECKED]);
	validate_sanitize(r->cell[RC_REASON], TABLE_CELL_MAX,
	    reputation_reason(e));
}

/* Rows: the listed pairs first, then unknown, then clear; each in the
 * configuration's order. */
static void
reputation_rows(struct reputation_view *st, const struct console *c,
    size_t *listed, size_t *unknown, size_t *total)
{
	static const char *const order[] = { "listed", "unknown",
		"not listed" };
	const struct reputation *rep = st->rep;
	size_t i, j, k;

	table_reset(&st->table, reputation_cols, REPUTATION_NCOLS);
	*listed = *unknown = *total = 0;
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		for (i = 0; i < rep->n; i++) {
			for (j = 0; j < rep->nodes[i].n; j++) {
				const struct dnsbl_entry *e =
				    &rep->nodes[i].v[j];
				const char *shown = dnsbl_entry_shown(e);

				if (strcmp(shown, order[k]) != 0)
					continue;
				reputation_row(st, c, rep->nodes[i].name, e);
				(*total)++;
				*listed += k == 0;
				*unknown += k == 1;
			}
		}
	}
}

/* The pair under the cursor, or NULL. */
static const struct dnsbl_entry *
reputation_selected(const struct reputation_view *st, const char **node)
{
	const char *key = table_selected_key(&st->table);
	char k[TABLE_CELL_MAX];
	size_t i, j;

	if (key == NULL || st->rep == NULL)
		return NULL;
	for (i = 0; i < st->rep->n; i++) {
		for (j = 0; j < st->rep->nodes[i].n; j++) {
			reputation_key(st->rep->nodes[i].name,
			    &st->rep->nodes[i].v[j], k, sizeof k);
			if (strcmp(k, key) == 0) {
				*node = st->rep->nodes[i].name;
				return &st->rep->nodes[i].v[j];
			}
		}
	}
	return NULL;
}

static void
reputation_line(int y, enum theme_role role, const char *text)
{
	attrset(theme_attr(role));
	mvaddnstr(y, 0, text, COLS);
	attrset(A_NORMAL);
}

static void
reputation_draw(void *state, struct console *c, int y, int h)
{
	struct reputation_view *st = state;
	const struct dnsbl_entry *e;
	const char *node = NULL;
	char line[768], reason[DNSBL_REASON_MAX + DNSBL_ERROR_MAX];
	size_t listed, unknown, total;

	if (h < 3)
		return;
	if (st->rep == NULL) {
		snprintf(line, sizeof line, " %s", st->error[0] ? st->error :
		    "reading the gateways' block-list standing...");
		reputation_line(y, st->error[0] ? ROLE_ALERT : ROLE_DIM, line);
		return;
	}
	reputation_rows(st, c, &listed, &unknown, &total);
	if (st->error[0] != '\0')
		snprintf(line, sizeof line, " reputation: %s", st->error);
	else if (total == 0)
		snprintf(line, sizeof line, " no gateway egress address or no "
		    "dnsbl.zones in the configuration");
	else
		snprintf(line, sizeof line, " %zu address x zone pair%s: %zu "
		    "listed, %zu unknown  (:reputation --check asks now)",
		    total, total == 1 ? "" : "s", listed, unknown);
	reputation_line(y, st->error[0] ? ROLE_ALERT : console_stale(c) ?
	    ROLE_STALE : listed ? ROLE_ALERT : ROLE_TITLE, line);
	if (total == 0)
		return;
	if (table_draw(&st->table, stdscr, y + 1, h - 2, c->filter) == 0) {
		reputation_line(y + 2, ROLE_DIM, " no pair matches the filter");
		return;
	}
	if ((e = reputation_selected(st, &node)) == NULL)
		return;
	validate_sanitize(reason, sizeof reason, reputation_reason(e));
	snprintf(line, sizeof line, " %s %s on %s: %s%s%s", node, e->ip,
	    e->zone, dnsbl_entry_shown(e), reason[0] ? ": " : "", reason);
	reputation_line(y + h - 1, ROLE_DIM, line);
}

static int
reputation_move(void *state, const char *where)
{
	struct reputation_view *st = state;

	return table_move(&st->table, where);
}

static void
reputation_vfree(void *state)
{
	struct reputation_view *st = state;

	reputation_drop(st);
	table_free(&st->table);
	free(st);
}

/* "ip" and "id" (copy): the egress IP of the pair under the cursor. */
static int
reputation_selection(void *state, const char *what, char ***out)
{
	const struct dnsbl_entry *e;
	const char *node;

	*out = NULL;
	if (strcmp(what, "ip") != 0 && strcmp(what, "id") != 0)
		return -1;
	if ((e = reputation_selected(state, &node)) == NULL)
		return 0;
	return view_select_one(e->ip, out);
}

const struct view view_reputation = {
	.name = "reputation",
	.title = "Reputation",
	.init = reputation_init,
	.draw = reputation_draw,
	.cursor = reputation_move,
	.selection = reputation_selection,
	.free = reputation_vfree,
	.fetch = reputation_fetch,
	.take = reputation_take,
};
