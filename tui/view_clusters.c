/* Clusters: each cluster's active/standby/reserve nodes, health, failovers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cluster.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

#define CLUSTERS_MAX 64

static const struct table_col cluster_cols[] = {
	{ "CLUSTER", 10, 0 },
	{ "ROLE", 4, 0 },
	{ "HEALTH", 11, 0 },
	{ "ACTIVE", 10, 0 },
	{ "STANDBY/RESERVE", 16, 0 },
	{ "WHY", 0, 0 },
};

static const struct table_col event_cols[] = {
	{ "WHEN", 8, 0 },
	{ "TYPE", 11, 0 },
	{ "CLUSTER", 8, 0 },
	{ "NODE", 8, 0 },
	{ "CHANGE", 0, 0 },
};

struct clusters_state {
	struct table clusters;
	struct table events;
};

static void *
clusters_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct clusters_state));
}

static enum theme_role
clusters_role(const struct console *c, enum cluster_health h)
{
	return console_stale(c) ? ROLE_STALE : console_health_role(h);
}

static void
clusters_members(const struct cluster_status *cl, char *active, char *others)
{
	size_t i, a = 0, o = 0;

	active[0] = others[0] = '\0';
	for (i = 0; i < cl->nmembers; i++) {
		const struct node_status *n = cl->members[i];
		char *dst = n->alive && n->state == STATE_ACTIVE ? active : others;
		size_t *off = dst == active ? &a : &o;

		if (*off < TABLE_CELL_MAX)
			*off += (size_t)snprintf(dst + *off, TABLE_CELL_MAX - *off,
			    "%s%s%s", *off ? "," : "", n->name,
			    n->alive ? "" : "(down)");
	}
}

static void
clusters_draw(void *state, struct console *c, int y, int h)
{
	struct clusters_state *st = state;
	struct cluster_status cl[CLUSTERS_MAX];
	size_t i, n = 0;
	int top_h;

	table_reset(&st->clusters, cluster_cols,
	    (int)(sizeof cluster_cols / sizeof cluster_cols[0]));
	table_reset(&st->events, event_cols,
	    (int)(sizeof event_cols / sizeof event_cols[0]));
	if (c->snap != NULL)
		n = cluster_collect(c->snap, c->now, cl, CLUSTERS_MAX);
	for (i = 0; i < n; i++) {
		struct table_row *r = table_add(&st->clusters, cl[i].name,
		    clusters_role(c, cl[i].health));

		snprintf(r->cell[0], TABLE_CELL_MAX, "%s", cl[i].name);
		snprintf(r->cell[1], TABLE_CELL_MAX, "%s",
		    cl[i].role == NODE_GATEWAY ? "gw" : "mbx");
		snprintf(r->cell[2], TABLE_CELL_MAX, "%s",
		    cluster_health_name(cl[i].health));
		clusters_members(&cl[i], r->cell[3], r->cell[4]);
		snprintf(r->cell[5], TABLE_CELL_MAX, "%s", cl[i].reason);
	}
	for (i = 0; c->snap != NULL && i < c->snap->nevents; i++) {
		const struct event *e = &c->snap->events[i];
		struct table_row *r = table_add(&st->events, e->id,
		    console_stale(c) ? ROLE_STALE : ROLE_NORMAL);
		time_t t = (time_t)e->at;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(r->cell[0], TABLE_CELL_MAX, "%H:%M:%S", &tm);
		snprintf(r->cell[1], TABLE_CELL_MAX, "%s", e->type);
		snprintf(r->cell[2], TABLE_CELL_MAX, "%s", e->cluster);
		snprintf(r->cell[3], TABLE_CELL_MAX, "%s", e->node);
		snprintf(r->cell[4], TABLE_CELL_MAX, "%s%s%s%s%s", e->from,
		    e->from[0] ? " -> " : "", e->to, e->detail[0] ? "  " : "",
		    e->detail);
	}
	top_h = (int)n + 2;
	if (top_h > h / 2)
		top_h = h / 2;
	table_draw(&st->clusters, stdscr, y, top_h, c->filter);
	attrset(theme_attr(ROLE_TITLE));
	mvaddstr(y + top_h, 0, "Recent events");
	attrset(A_NORMAL);
	/* Only the clusters table has a cursor. */
	st->events.cursorless = 1;
	table_draw(&st->events, stdscr, y + top_h + 1, h - top_h - 1, c->filter);
}

static int
clusters_move(void *state, const char *where)
{
	struct clusters_state *st = state;

	return table_move(&st->clusters, where);
}

static void
clusters_free(void *state)
{
	struct clusters_state *st = state;

	table_free(&st->clusters);
	table_free(&st->events);
	free(st);
}

/* "id" (copy): the cluster under the cursor's name. */
static int
clusters_selection(void *state, const char *what, char ***out)
{
	struct clusters_state *st = state;

	*out = NULL;
	if (strcmp(what, "id") != 0)
		return -1;
	return view_select_one(table_selected_key(&st->clusters), out);
}

const struct view view_clusters = {
	.name = "clusters",
	.title = "Clusters",
	.init = clusters_init,
	.draw = clusters_draw,
	.cursor = clusters_move,
	.selection = clusters_selection,
	.free = clusters_free,
};
