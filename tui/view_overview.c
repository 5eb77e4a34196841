/* Overview: every node, its state, heartbeat age, queues with trend. */
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/role_mailbox.h"
#include "core/maillog_report.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

/* 80 columns: 66 for the fixed columns, the rest for INFO. */
static const struct table_col overview_cols[] = {
	{ "NODE", 8, 0 },
	{ "ROLE", 4, 0 },
	{ "CLUSTER", 7, 0 },
	{ "STATE", 8, 0 },
	{ "BEAT", 4, 1 },
	{ "IN", 5, 1 },
	{ "ACT", 4, 1 },
	{ "DEFER", 7, 1 },
	{ "HOLD", 4, 1 },
	{ "OLD", 4, 1 },
	{ "INFO", 0, 0 },
};

#define OVERVIEW_DRAINS 32

/* The state: the table, and how full each draining node was at first. */
struct overview_state {
	struct table table;
	struct {
		char name[33];
		long start;
	} drain[OVERVIEW_DRAINS];
	int ndrain;
	/* The gateways' filters (WMSG_FILTER): down, or mail unscanned. */
	struct filter_node *filters;
	size_t nfilters;
};

static void *
overview_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct overview_state));
}

/* "[####....] 12": the queue emptying since the drain began. */
static void
overview_drain(struct overview_state *st, const struct node_status *n,
    char *buf, size_t len)
{
	static const char bar[] = "########", dots[] = "........";
	long left = 0;
	int i, done;

	for (i = Q_INCOMING; i <= Q_DEFERRED; i++)
		left += n->queue[i] > 0 ? n->queue[i] : 0;
	for (i = 0; i < st->ndrain; i++) {
		if (strcmp(st->drain[i].name, n->name) == 0)
			break;
	}
	if (i == st->ndrain) {
		if (i == OVERVIEW_DRAINS)
			i = 0;
		else
			st->ndrain++;
		snprintf(st->drain[i].name, sizeof st->drain[i].name, "%s",
		    n->name);
		st->drain[i].start = left;
	}
	if (left > st->drain[i].start)
		st->drain[i].start = left;
	done = st->drain[i].start > 0 ?
	    (int)(8 * (st->drain[i].start - left) / st->drain[i].start) : 8;
	/* Fits the 14 columns INFO has at 80x24. */
	snprintf(buf, len, "[%.*s%.*s] %ld", done, bar, 8 - done, dots, left);
}

/* Forgets a node that is no longer draining. */
static void
overview_undrain(struct overview_state *st, const char *name)
{
	int i;

	for (i = 0; i < st->ndrain; i++) {
		if (strcmp(st->drain[i].name, name) == 0) {
			st->drain[i] = st->drain[--st->ndrain];
			return;
		}
	}
}

/* "123+" when growing since the last refresh, "123-" when shrinking. */
static void
overview_trend(char *buf, size_t len, const struct node_status *n,
    const struct node_status *was)
{
	char v[16];

	format_count(n->queue[Q_DEFERRED], v, sizeof v);
	if (was == NULL || was->queue[Q_DEFERRED] < 0 ||
	    n->queue[Q_DEFERRED] < 0 ||
	    was->queue[Q_DEFERRED] == n->queue[Q_DEFERRED])
		snprintf(buf, len, "%s ", v);
	else
		snprintf(buf, len, "%s%c", v,
		    n->queue[Q_DEFERRED] > was->queue[Q_DEFERRED] ? '+' : '-');
}

static enum theme_role
overview_role(const struct console *c, const struct node_status *n,
    const struct node_status *was)
{
	if (console_stale(c))
		return ROLE_STALE;
	if (!n->alive)
		return ROLE_ALERT;
	if (n->state == STATE_DRAINING || n->drain ||
	    n->state == STATE_UNKNOWN)
		return ROLE_WARN;
	if (n->role == NODE_GATEWAY && n->queue[Q_DEFERRED] >= 0 &&
	    (n->queue[Q_DEFERRED] >= ALERT_DEFERRED_WARNING ||
		(was != NULL && was->queue[Q_DEFERRED] >= 0 &&
		    n->queue[Q_DEFERRED] > 2 * was->queue[Q_DEFERRED] + 100)))
		return ROLE_WARN;
	return ROLE_NORMAL;
}

/* The same node in the previous snapshot: usually at the same index. */
static const struct node_status *
overview_was(const struct console *c, size_t i)
{
	const struct node_status *n = &c->snap->nodes[i];

	if (c->prev == NULL)
		return NULL;
	if (i < c->prev->nnodes && strcmp(c->prev->nodes[i].name, n->name) == 0)
		return &c->prev->nodes[i];
	return snapshot_node(c->prev, n->name);
}

/*
 * The role mailboxes on one line under the nodes, as the active mailbox
 * node reports them; warn-coloured when one waits past the limit.
 * Returns the lines used (0: nothing reported).
 */
static int
overview_role_mbx(struct console *c, int y)
{
	const struct node_status *node = role_mbx_node(c->snap);
	struct role_mbx v[ROLE_MBX_MAX];
	char line[512], one[160];
	size_t off;
	bool over = false;
	int i, nv;

	if (node == NULL || (nv = role_mbx_parse(node->role_mbx, v,
	    ROLE_MBX_MAX)) <= 0)
		return 0;
	off = (size_t)snprintf(line, sizeof line, " role mailboxes (%s):",
	    node->name);
	for (i = 0; i < nv && off < sizeof line; i++) {
		off += (size_t)snprintf(line + off, sizeof line - off, "%s %s",
		    i ? "  |" : "", role_mbx_text(&v[i], c->now, one,
		    sizeof one));
		if (v[i].unread > 0 && v[i].oldest > 0 && c->now - v[i].oldest >
		    c->cfg->mailbox.role_unread_limit_s)
			over = true;
	}
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : over ? ROLE_WARN :
	    ROLE_NORMAL));
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	return 1;
}

static void
overview_take(void *state, struct console *c, struct worker_msg *m)
{
	struct overview_state *st = state;

	(void)c;
	if (m->kind != WMSG_FILTER || m->failed)
		return;
	/* A copy: the Filter view takes the message's own. */
	free(st->filters);
	st->filters = NULL;
	st->nfilters = m->nfilters;
	if (m->nfilters > 0) {
		st->filters = xcalloc(m->nfilters, sizeof *st->filters);
		memcpy(st->filters, m->filters, m->nfilters *
		    sizeof *st->filters);
	}
}

/*
 * The gateway's filter when it needs saying in INFO: "filter DOWN" (an
 * alert), "N unscanned" (a warning). Returns the role, or ROLE_NORMAL
 * with nothing written.
 */
static enum theme_role
overview_filter(const struct overview_state *st, const char *node, char *buf,
    size_t len)
{
	size_t i;

	for (i = 0; i < st->nfilters; i++) {
		const struct filter_node *x = &st->filters[i];

		if (strcmp(x->name, node) != 0)
			continue;
		if (x->published && !x->up) {
			snprintf(buf, len, "filter DOWN");
			return ROLE_ALERT;
		}
		if (x->unscanned_recent > 0) {
			snprintf(buf, len, "%lld unscanned",
			    x->unscanned_recent);
			return ROLE_WARN;
		}
	}
	return ROLE_NORMAL;
}

static void
overview_draw(void *state, struct console *c, int y, int h)
{
	struct overview_state *st = state;
	struct table *t = &st->table;
	size_t i, q;

	table_reset(t, overview_cols,
	    (int)(sizeof overview_cols / sizeof overview_cols[0]));
	for (i = 0; c->snap != NULL && i < c->snap->nnodes; i++) {
		const struct node_status *n = &c->snap->nodes[i];
		const struct node_status *was = overview_was(c, i);
		struct table_row *r = table_add(t, n->name,
		    overview_role(c, n, was));
		long age = node_age(n, c->now);

		snprintf(r->cell[0], TABLE_CELL_MAX, "%s", n->name);
		snprintf(r->cell[1], TABLE_CELL_MAX, "%s",
		    n->role == NODE_GATEWAY ? "gw" : "mbx");
		snprintf(r->cell[2], TABLE_CELL_MAX, "%s", n->cluster);
		snprintf(r->cell[3], TABLE_CELL_MAX, "%s",
		    !n->alive ? "DOWN" :
		    n->drain && n->state != STATE_DRAINING ? "drain?" :
		    node_state_name(n->state));
		format_age(age, r->cell[4], TABLE_CELL_MAX);
		if (n->role == NODE_GATEWAY) {
			static const int col[] = { 5, 6, 7, 8 };
			static const enum queue_kind qk[] = { Q_INCOMING,
				Q_ACTIVE, Q_DEFERRED, Q_HOLD };

			for (q = 0; q < 4; q++)
				format_count(n->queue[qk[q]], r->cell[col[q]],
				    TABLE_CELL_MAX);
			overview_trend(r->cell[7], TABLE_CELL_MAX, n, was);
			format_age(n->oldest_age, r->cell[9], TABLE_CELL_MAX);
			if (n->queue[Q_CORRUPT] > 0)
				snprintf(r->cell[10], TABLE_CELL_MAX,
				    "%ld corrupt", n->queue[Q_CORRUPT]);
			else if (node_policy_text(n, r->cell[10],
			    TABLE_CELL_MAX)[0] != '\0')
				;	/* off Redis, or its copy stale */
			else if (ml_retention_short(n->log_age,
			    ML_RETENTION_DAYS)) {
				/* Fewer days of mail log than kept by rule. */
				snprintf(r->cell[10], TABLE_CELL_MAX,
				    "log %ldd<%dd", n->log_age / 86400,
				    ML_RETENTION_DAYS);
				if (r->role == ROLE_NORMAL)
					r->role = ROLE_WARN;
			} else if (n->load1 >= 0 && n->log_age >= 0)
				snprintf(r->cell[10], TABLE_CELL_MAX,
				    "load %.2f disk %d%% log %ldd", n->load1,
				    n->disk_pct, n->log_age / 86400);
			else if (n->load1 >= 0)
				snprintf(r->cell[10], TABLE_CELL_MAX,
				    "load %.2f disk %d%%", n->load1, n->disk_pct);
		} else {
			/* No queues: the backup date takes their place. */
			r->span = 5;
			snprintf(r->cell[5], TABLE_CELL_MAX, "last backup %s",
			    n->last_backup[0] ? n->last_backup : "none");
		}
		if (n->role == NODE_GATEWAY && n->alive) {
			enum theme_role fr = overview_filter(st, n->name,
			    r->cell[10], TABLE_CELL_MAX);

			if (fr != ROLE_NORMAL && !console_stale(c) &&
			    (r->role == ROLE_NORMAL || fr == ROLE_ALERT))
				r->role = fr;
		}
		if (n->role == NODE_GATEWAY && n->alive &&
		    (n->drain || n->state == STATE_DRAINING))
			overview_drain(st, n, r->cell[10], TABLE_CELL_MAX);
		else
			overview_undrain(st, n->name);
		if (n->malformed[0] != '\0') {
			r->span = 5;
			snprintf(r->cell[5], TABLE_CELL_MAX, "MALFORMED: %s",
			    n->malformed);
		} else if (!n->seen) {
			r->span = 5;
			snprintf(r->cell[5], TABLE_CELL_MAX, "no heartbeat ever "
			    "seen from this node");
		} else if (!n->alive)
			snprintf(r->cell[10], TABLE_CELL_MAX, "silent %s",
			    r->cell[4]);
	}
	if (c->snap != NULL && c->snap->nnodes == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddstr(y + 1, 1, "no nodes");
	}
	if (h > 3)
		h -= overview_role_mbx(c, y + h - 1);
	table_draw(t, stdscr, y, h, c->filter);
}

/* The node under the cursor: drain and undrain act on it. */
static int
overview_selection(void *state, const char *what, char ***out)
{
	struct overview_state *st = state;

	if (strcmp(what, "node") != 0 && strcmp(what, "id") != 0)
		return -1;
	return view_select_one(table_selected_key(&st->table), out);
}

static int
overview_move(void *state, const char *where)
{
	struct overview_state *st = state;

	return table_move(&st->table, where);
}

static void
overview_free(void *state)
{
	struct overview_state *st = state;

	table_free(&st->table);
	free(st->filters);
	free(st);
}

const struct view view_overview = {
	.name = "overview",
	.title = "Overview",
	.init = overview_init,
	.draw = overview_draw,
	.cursor = overview_move,
	.free = overview_free,
	.selection = overview_selection,
	.fetches = FETCH_FILTER,
	.take = overview_take,
};
