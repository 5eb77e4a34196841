/* Audit: who changed what, from where, with what result; newest first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/audit_store.h"
#include "cmd/cmd.h"
#include "core/format.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

enum { COL_WHEN, COL_WHO, COL_FROM, COL_RESULT, COL_NODES, COL_CMD,
	COL_SAID, AUDIT_NCOLS };

/* 80 columns: the command and what the backend said share the rest. */
static const struct table_col audit_cols[AUDIT_NCOLS] = {
	{ "WHEN", 5, 1 },
	{ "WHO", 12, 0 },
	{ "FROM", 12, 0 },
	{ "RESULT", 7, 0 },
	{ "NODES", 7, 0 },
	{ "COMMAND", 22, 0 },
	{ "SAID", 0, 0 },
};

/* Narrow: RESULT and WHEN stay whole, the command keeps 16 and what the
 * backend said 12; FROM, then NODES give way (Right scrolls to them). */
static const struct layout_col audit_fit[AUDIT_NCOLS] = {
	{ 5, 0, 8, LAYOUT_CUT_END }, { 12, 8, 5, LAYOUT_CUT_END },
	{ 12, 12, 2, LAYOUT_CUT_END }, { 7, 7, 9, LAYOUT_CUT_END },
	{ 7, 4, 3, LAYOUT_CUT_END }, { 22, 16, 7, LAYOUT_CUT_END },
	{ 0, 12, 6, LAYOUT_CUT_END },
};

struct audit_state {
	struct table table;
	struct table_col cols[AUDIT_NCOLS];
	struct audit_list *list; /* NULL before the first fetch */
	char error[256];
	/* ':audit --since T --user U', as batch mode takes them. */
	char query[STORE_ID_MAX];  /* for the worker: "SINCE_MS USER" */
	char asked[128];           /* for the title: " since 1d by nobody" */
	size_t limit;              /* --limit: lines shown */
};

static void *
audit_init(struct console *c)
{
	struct audit_state *st = xcalloc(1, sizeof *st);

	(void)c;
	memcpy(st->cols, audit_cols, sizeof st->cols);
	st->limit = SIZE_MAX;
	return st;
}

static unsigned
audit_fetch(void *state, const char **arg)
{
	struct audit_state *st = state;

	*arg = st->query[0] != '\0' ? st->query : NULL;
	return FETCH_AUDIT;
}

/* ':audit [--since T] [--user U] [--limit N]': the same query as batch
 * mode's; a plain ':audit' shows everything again. */
static int
audit_command(void *state, struct console *c, const struct cmd *cmd,
    bool shown, char *cause, size_t len)
{
	struct audit_state *st = state;
	const char *since = cmd_option(cmd, "since");
	struct audit_query q;
	size_t off = 0;

	(void)c;
	(void)shown;
	if (strcmp(cmd->entry->name, "audit") != 0)
		return 0;
	if (cmd_audit_query(cmd, &q, cause, len) == -1)
		return -1;
	st->query[0] = st->asked[0] = '\0';
	st->limit = cmd_option(cmd, "limit") != NULL ? q.limit : SIZE_MAX;
	if (q.since_ms != 0 || q.user != NULL)
		snprintf(st->query, sizeof st->query, "%lld %s", q.since_ms,
		    q.user != NULL ? q.user : "-");
	if (since != NULL)
		off += (size_t)snprintf(st->asked, sizeof st->asked, " since %s",
		    since);
	if (q.user != NULL && off < sizeof st->asked)
		snprintf(st->asked + off, sizeof st->asked - off, " by %s",
		    q.user);
	if (st->list != NULL) {
		audit_list_free(st->list);
		free(st->list);
		st->list = NULL;
	}
	return 0;
}

static void
audit_take(void *state, struct console *c, struct worker_msg *m)
{
	struct audit_state *st = state;

	(void)c;
	if (m->kind != WMSG_AUDIT)
		return;
	if (view_take_failed(m, st->error, sizeof st->error))
		return;
	if (st->list != NULL) {
		audit_list_free(st->list);
		free(st->list);
	}
	st->list = m->audit;
	m->audit = NULL;
	/* One line per action: its final result, or "started" without one. */
	st->list->n = audit_fold(st->list->v, st->list->n);
}

static enum theme_role
audit_role(const struct audit_record *r)
{
	if (strcmp(r->result, "failed") == 0 ||
	    strcmp(r->result, AUDIT_RESULT_PARTIAL) == 0)
		return ROLE_ALERT;
	if (strcmp(r->result, "refused") == 0 ||
	    strcmp(r->phase, AUDIT_STARTED) == 0)
		return ROLE_WARN;
	if (strcmp(r->result, "dry-run") == 0)
		return ROLE_DIM;
	return ROLE_NORMAL;
}

static void
audit_row(struct audit_state *st, struct console *c,
    const struct audit_record *r)
{
	struct table_row *row;

	row = table_add(&st->table, r->id, console_stale(c) ? ROLE_STALE :
	    audit_role(r));
	/* Wide enough: when it happened, to the second; else how long ago. */
	if (st->cols[COL_WHEN].width >= 19) {
		time_t t = (time_t)(r->at_ms / 1000);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(row->cell[COL_WHEN], TABLE_CELL_MAX,
		    "%Y-%m-%d %H:%M:%S", &tm);
	} else
		format_age((long)(c->now - r->at_ms / 1000),
		    row->cell[COL_WHEN], TABLE_CELL_MAX);
	snprintf(row->cell[COL_WHO], TABLE_CELL_MAX, "%s@%s", r->user,
	    r->host);
	/* Over SSH the client's address says most; else the terminal. */
	snprintf(row->cell[COL_FROM], TABLE_CELL_MAX, "%s", r->ssh_client[0] ?
	    r->ssh_client : r->tty[0] ? r->tty : r->via);
	snprintf(row->cell[COL_RESULT], TABLE_CELL_MAX, "%s%s", r->result,
	    r->spooled ? "*" : "");
	snprintf(row->cell[COL_NODES], TABLE_CELL_MAX, "%s", r->nodes[0] ?
	    r->nodes : "-");
	snprintf(row->cell[COL_CMD], TABLE_CELL_MAX, "%s", r->cmd);
	snprintf(row->cell[COL_SAID], TABLE_CELL_MAX, "%s", r->said[0] ?
	    r->said : strcmp(r->phase, AUDIT_STARTED) == 0 ? AUDIT_NO_END :
	    "-");
}

static void
audit_draw(void *state, struct console *c, int y, int h)
{
	struct audit_state *st = state;
	char line[256];
	size_t i, failed = 0, refused = 0;

	if (h < 2)
		return;
	if (st->list == NULL) {
		attrset(theme_attr(st->error[0] ? ROLE_ALERT : ROLE_DIM));
		snprintf(line, sizeof line, " %s", st->error[0] ? st->error :
		    "reading the audit trail...");
		mvaddnstr(y, 0, line, COLS);
		attrset(A_NORMAL);
		return;
	}
	/* A wide terminal: WHEN says the time itself; the command gets half
	 * of what is left over. */
	st->cols[COL_WHEN].width = audit_cols[COL_WHEN].width;
	st->cols[COL_CMD].width = audit_cols[COL_CMD].width;
	if (COLS >= 120) {
		st->cols[COL_WHEN].width = 19;
		st->cols[COL_CMD].width += (COLS - 94) / 2;
	} else if (COLS > 80)
		st->cols[COL_CMD].width += (COLS - 80) / 2;
	if (st->cols[COL_CMD].width > TABLE_CELL_MAX - 1)
		st->cols[COL_CMD].width = TABLE_CELL_MAX - 1;
	table_reset(&st->table, st->cols, AUDIT_NCOLS);
	table_fit(&st->table, audit_fit);
	for (i = 0; i < st->list->n && i < st->limit; i++) {
		const struct audit_record *r = &st->list->v[i];

		failed += strcmp(r->result, "failed") == 0;
		refused += strcmp(r->result, "refused") == 0;
		audit_row(st, c, r);
	}
	if (st->error[0] != '\0') {
		attrset(theme_attr(ROLE_ALERT));
		snprintf(line, sizeof line, " %s", st->error);
	} else if (st->list->n == 0) {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_OK));
		if (st->asked[0] != '\0')
			snprintf(line, sizeof line, " no change recorded%s "
			    "(:audit alone shows all)", st->asked);
		else
			snprintf(line, sizeof line, " no change recorded in the "
			    "last 60 days");
	} else {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_TITLE));
		snprintf(line, sizeof line, " the last %zu changes%s, newest "
		    "first: %zu failed, %zu refused (* came through a spool "
		    "file)", i, st->asked, failed, refused);
	}
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	if (st->list->n == 0)
		return;
	if (table_draw(&st->table, stdscr, y + 1, h - 1, c->filter) == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y + 2, 0, " no record matches the filter", COLS);
		attrset(A_NORMAL);
	}
}

static int
audit_move(void *state, const char *where)
{
	struct audit_state *st = state;

	return table_move(&st->table, where);
}

static void
audit_free(void *state)
{
	struct audit_state *st = state;

	if (st->list != NULL) {
		audit_list_free(st->list);
		free(st->list);
	}
	table_free(&st->table);
	free(st);
}

/* "id" (copy): the record under the cursor's id. */
static int
audit_selection(void *state, const char *what, char ***out)
{
	struct audit_state *st = state;

	*out = NULL;
	if (strcmp(what, "id") != 0)
		return -1;
	if (st->list == NULL || st->list->n == 0)
		return 0;
	return view_select_one(table_selected_key(&st->table), out);
}

const struct view view_audit = {
	.name = "audit",
	.title = "Audit",
	.init = audit_init,
	.draw = audit_draw,
	.cursor = audit_move,
	.selection = audit_selection,
	.free = audit_free,
	.fetch = audit_fetch,
	.take = audit_take,
	.command = audit_command,
};
