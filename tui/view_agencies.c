/* Agencies: each agency's mail volume against what it declared, its SPF
 * against the gateways' egress addresses, its last hour as a sparkline;
 * Enter opens its permitted IPs and the (domain, address) pairs whose SPF
 * does not pass. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bulk.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/maillog_report.h"
#include "core/xalloc.h"
#include "tui/sparkline.h"
#include "tui/table.h"
#include "tui/view.h"

/* Lines of the selected agency's detail under the list, when it fits. */
#define AGENCIES_DETAIL_H 12
/* The SPF check (the spf command, a job: DNS never on the UI thread) runs
 * when the view is shown and its last result is this old; a failed one, or
 * one an agency's changed domains made stale, is made again after a
 * minute; S checks now. */
#define AGENCIES_SPF_RECHECK_S 300
#define AGENCIES_SPF_RETRY_S 60
/* Lines the open agency gives its failing SPF pairs at most. */
#define AGENCIES_SPF_LINES 8
#define AGENCIES_IP_MIN 15
#define AGENCIES_IP_MAX 39

enum { AC_ID, AC_SPF, AC_MSG_H, AC_MSG_D, AC_RCPT_D, AC_BYTES_D, AC_REJ_D,
	AC_DEF_D, AC_BNC_D, AC_INV, AC_TODAY, AC_SPARK, AGENCIES_NCOLS };

/* 86 columns for the numbers, the rest for the last hour (none at 80). SPF:
 * "pass", or the worst result and how many (domain, address) pairs do not
 * pass, marked so that it shows without colours too: "!fail 1/2" ("?temp"
 * when the resolver did not answer). */
static const struct table_col agencies_cols[AGENCIES_NCOLS] = {
	{ "AGENCY", 10, 0 },
	{ "SPF", 9, 0 },
	{ "MSG/h", 6, 1 },
	{ "MSG/d", 6, 1 },
	{ "RCPT/d", 6, 1 },
	{ "BYTES/d", 7, 1 },
	{ "REJ/d", 5, 1 },
	{ "DEF/d", 5, 1 },
	{ "BNC/d", 5, 1 },
	{ "INV%", 4, 1 },
	{ "DAY/DECLARED", 12, 0 },
	{ "LAST HOUR", 0, 0 },
};

enum { PC_IP, PC_EXPECTED, PC_STATE, PC_SINCE, PC_APP, PERMITS_NCOLS };

static const struct table_col permits_cols[PERMITS_NCOLS] = {
	{ "IP", AGENCIES_IP_MIN, 0 },
	{ "EXPECT/d", 8, 1 },
	{ "STATE", 26, 0 },
	{ "SINCE", 5, 1 },
	{ "APPLICATION", 0, 0 },
};

struct agencies_state {
	struct table list;
	struct table permits;
	struct table_col pcols[PERMITS_NCOLS];
	struct agency_list *agencies;   /* NULL before the first fetch */
	struct ml_agencies *ml;         /* the mail log's day; NULL: none */
	char error[256];
	char open[STORE_ID_MAX];        /* the agency shown, "" for the list */
	struct permit_list *plist;      /* permits of plist_of */
	char plist_of[STORE_ID_MAX];
	char perror[256];
	char list_filter[128];          /* the filter the list was drawn with */
	json_t *spf;       /* agency id -> its object of spf --json; NULL: none */
	long long spf_at;  /* when the last check ended (wall s); 0: never */
	int spf_running;   /* spf jobs not ended yet */
	char spf_error[256];
};

extern const struct view view_agencies;

static void *
agencies_init(struct console *c)
{
	struct agencies_state *st = xcalloc(1, sizeof *st);

	(void)c;
	memcpy(st->pcols, permits_cols, sizeof st->pcols);
	return st;
}

static unsigned
agencies_fetch(void *state, const char **agency)
{
	struct agencies_state *st = state;

	if (st->open[0] == '\0') {
		*agency = NULL;
		return FETCH_AGENCIES | FETCH_ML_AGENCIES;
	}
	*agency = st->open;
	return FETCH_AGENCIES | FETCH_PERMITS;
}

static void
agencies_free_lists(struct agencies_state *st)
{
	if (st->agencies != NULL) {
		agency_list_free(st->agencies);
		free(st->agencies);
		st->agencies = NULL;
	}
	if (st->plist != NULL) {
		permit_list_free(st->plist);
		free(st->plist);
		st->plist = NULL;
	}
	if (st->ml != NULL) {
		ml_agencies_free(st->ml);
		free(st->ml);
		st->ml = NULL;
	}
	if (st->spf != NULL) {
		json_decref(st->spf);
		st->spf = NULL;
	}
}

/* Keeps each agency's result of an spf job (one agency or all). */
static void
agencies_take_spf(struct agencies_state *st, struct console *c,
    struct worker_msg *m)
{
	json_t *o;
	size_t i;
	const char *id;

	if (st->spf_running > 0)
		st->spf_running--;
	st->spf_at = c->now;
	snprintf(st->spf_error, sizeof st->spf_error, "%s", m->text);
	if (m->spf == NULL) {
		st->spf_at = c->now - AGENCIES_SPF_RECHECK_S +
		    AGENCIES_SPF_RETRY_S;
		return;
	}
	if (st->spf == NULL)
		st->spf = json_object();
	json_array_foreach(m->spf, i, o) {
		if ((id = json_string_value(json_object_get(o, "agency"))) !=
		    NULL)
			json_object_set(st->spf, id, o);
	}
}

static void
agencies_take(void *state, struct console *c, struct worker_msg *m)
{
	struct agencies_state *st = state;

	if (m->kind == WMSG_SPF) {
		agencies_take_spf(st, c, m);
		return;
	}
	if (m->kind == WMSG_ML_AGENCIES && !m->failed) {
		if (st->ml != NULL) {
			ml_agencies_free(st->ml);
			free(st->ml);
		}
		st->ml = m->ml_agencies;
		m->ml_agencies = NULL;
	} else if (m->kind == WMSG_AGENCIES) {
		if (view_take_failed(m, st->error, sizeof st->error))
			return;
		if (st->agencies != NULL) {
			agency_list_free(st->agencies);
			free(st->agencies);
		}
		st->agencies = m->agencies;
		m->agencies = NULL;
	} else if (m->kind == WMSG_PERMITS) {
		/* An answer about an agency left since is of no use. */
		if (strcmp(m->agency, st->open) != 0)
			return;
		if (view_take_failed(m, st->perror, sizeof st->perror))
			return;
		if (st->plist != NULL) {
			permit_list_free(st->plist);
			free(st->plist);
		}
		st->plist = m->permits;
		m->permits = NULL;
		snprintf(st->plist_of, sizeof st->plist_of, "%s", m->agency);
	}
}

static const struct agency *
agencies_find(const struct agencies_state *st, const char *id)
{
	size_t i;

	if (st->agencies == NULL || id == NULL)
		return NULL;
	for (i = 0; i < st->agencies->n; i++) {
		if (strcmp(st->agencies->v[i].id, id) == 0)
			return &st->agencies->v[i];
	}
	return NULL;
}

/* The agency's mail log day, or NULL. */
static const struct ml_agency *
agencies_ml(const struct agencies_state *st, const char *id)
{
	return st->ml != NULL ? ml_agencies_find(st->ml, id) : NULL;
}

/* Its invalid addresses are over the configured share. */
static bool
agencies_invalid_over(const struct console *c, const struct ml_agency *g)
{
	return g != NULL && g->invalid > 0 && ml_agency_invalid_pct(g) >
	    (double)c->cfg->maillog.invalid_warn_pct;
}

/* The agency's SPF as the last check found it, or NULL. */
static const json_t *
agencies_spf_of(const struct agencies_state *st, const char *id)
{
	return st->spf != NULL ? json_object_get(st->spf, id) : NULL;
}

/* Results that do not pass, least bad first: the worst one is shown. */
static const char *const agencies_spf_results[] = { "temperror", "neutral",
	"none", "softfail", "permerror", "fail" };
static const char *const agencies_spf_short[] = { "temp", "neut", "none",
	"soft", "perm", "fail" };

static int
agencies_spf_rank(const char *result)
{
	size_t i;

	for (i = 0; i < sizeof agencies_spf_results /
	    sizeof agencies_spf_results[0]; i++)
		if (result != NULL && strcmp(result, agencies_spf_results[i]) ==
		    0)
			return (int)i;
	return (int)i - 1;   /* unknown: as bad as fail */
}

enum agencies_spf_state { SPF_UNKNOWN, SPF_PASS, SPF_TEMP, SPF_BAD };

/* The SPF cell ("pass", "!fail 1/2", "?temp 2/2", "-") and its state. */
static enum agencies_spf_state
agencies_spf_cell(const json_t *o, char *buf, size_t len)
{
	const json_t *checks = json_object_get(o, "checks"), *ck;
	size_t i, n = json_array_size(checks), bad = 0;
	int worst = -1, r;

	if (o == NULL || n == 0) {
		snprintf(buf, len, "-");
		return SPF_UNKNOWN;
	}
	json_array_foreach(checks, i, ck) {
		if (json_is_true(json_object_get(ck, "pass")))
			continue;
		bad++;
		r = agencies_spf_rank(json_string_value(json_object_get(ck,
		    "result")));
		if (r > worst)
			worst = r;
	}
	if (bad == 0) {
		snprintf(buf, len, "pass");
		return SPF_PASS;
	}
	snprintf(buf, len, "%c%s %zu/%zu", worst == 0 ? '?' : '!',
	    agencies_spf_short[worst], bad, n);
	return worst == 0 ? SPF_TEMP : SPF_BAD;
}

static enum agencies_spf_state
agencies_spf_state(const struct agencies_state *st, const char *id)
{
	char cell[32];

	return agencies_spf_cell(agencies_spf_of(st, id), cell, sizeof cell);
}

static enum theme_role
agencies_role(const struct agencies_state *st, const struct console *c,
    const struct agency *a, const struct ml_agency *g)
{
	enum agencies_spf_state spf = agencies_spf_state(st, a->id);

	if (console_stale(c))
		return ROLE_STALE;
	if (a->over_bulk || agencies_invalid_over(c, g) || spf == SPF_BAD)
		return ROLE_ALERT;
	if (spf == SPF_TEMP)
		return ROLE_WARN;
	if (a->daily > 0 && a->day[VOLUME_MSGS] > a->daily)
		return ROLE_WARN;
	return ROLE_NORMAL;
}

static void
agencies_row(struct agencies_state *st, const struct console *c,
    const struct agency *a)
{
	const struct ml_agency *g = agencies_ml(st, a->id);
	struct table_row *r = table_add(&st->list, a->id, agencies_role(st, c,
	    a, g));

	snprintf(r->cell[AC_ID], TABLE_CELL_MAX, "%s", a->id);
	agencies_spf_cell(agencies_spf_of(st, a->id), r->cell[AC_SPF],
	    TABLE_CELL_MAX);
	format_count(a->hour[VOLUME_MSGS], r->cell[AC_MSG_H], TABLE_CELL_MAX);
	format_count(a->day[VOLUME_MSGS], r->cell[AC_MSG_D], TABLE_CELL_MAX);
	format_count(a->day[VOLUME_RCPTS], r->cell[AC_RCPT_D], TABLE_CELL_MAX);
	format_bytes(a->day[VOLUME_BYTES], r->cell[AC_BYTES_D], TABLE_CELL_MAX);
	format_count(a->day[VOLUME_REJECTED], r->cell[AC_REJ_D],
	    TABLE_CELL_MAX);
	format_count(a->day[VOLUME_DEFERRED], r->cell[AC_DEF_D],
	    TABLE_CELL_MAX);
	format_share(a->day[VOLUME_MSGS], a->daily, r->cell[AC_TODAY],
	    TABLE_CELL_MAX);
	format_count(g != NULL ? g->bounced : 0, r->cell[AC_BNC_D],
	    TABLE_CELL_MAX);
	if (g != NULL && g->delivered + g->bounced > 0)
		snprintf(r->cell[AC_INV], TABLE_CELL_MAX, "%.0f",
		    ml_agency_invalid_pct(g));
	else
		snprintf(r->cell[AC_INV], TABLE_CELL_MAX, "-");
	/* The sparkline is drawn over the row: a cell holds bytes, and
	 * block elements take three a column. */
}

/* Draws each shown row's last hour into the LAST HOUR column. */
static void
agencies_sparks(struct agencies_state *st, struct console *c, int y, int h)
{
	char buf[STORE_SPARK_MINUTES * SPARKLINE_COL_BYTES + 1];
	int i, x = 0, width;

	for (i = 0; i < AC_SPARK; i++)
		x += agencies_cols[i].width + 1;
	width = COLS - x;
	if (width <= 0)
		return;
	for (i = 0; i < h - 1 && st->list.top + i < st->list.nvisible; i++) {
		int row = st->list.visible[st->list.top + i];
		const struct agency *a = agencies_find(st,
		    st->list.rows[row].key);
		bool selected = st->list.top + i == st->list.cursor;

		if (a == NULL)
			continue;
		sparkline_render(a->spark_minutes, STORE_SPARK_MINUTES, width,
		    c->utf8, buf, sizeof buf);
		attrset(theme_attr(selected ? ROLE_SELECTED :
		    console_stale(c) ? ROLE_STALE : ROLE_BAR));
		mvaddstr(y + 1 + i, x, buf);
	}
	attrset(A_NORMAL);
}

/* One line of the volume matrix: a window's five metrics. */
static void
agencies_matrix_line(int y, const char *label, const long long *v)
{
	char n[5][16], line[128];

	format_count(v[VOLUME_MSGS], n[0], sizeof n[0]);
	format_count(v[VOLUME_RCPTS], n[1], sizeof n[1]);
	format_bytes(v[VOLUME_BYTES], n[2], sizeof n[2]);
	format_count(v[VOLUME_REJECTED], n[3], sizeof n[3]);
	format_count(v[VOLUME_DEFERRED], n[4], sizeof n[4]);
	snprintf(line, sizeof line, " %-11s %7s %8s %8s %8s %8s", label, n[0],
	    n[1], n[2], n[3], n[4]);
	mvaddnstr(y, 0, line, COLS);
}

/* The selected agency: its minute, hour and day, both sparklines, limits. */
/* Today's bounces from the mail log: the share of invalid addresses and
 * the providers that bounced most; below, the latest reason of the first
 * of them that has one. */
static void
agencies_bounces(const struct ml_agencies *ml, const struct ml_agency *g,
    struct console *c, int y)
{
	const char *why = NULL;
	char line[512];
	size_t i, off;

	if (g == NULL || g->bounced == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y, 0, " no bounce today in the gateways' mail logs",
		    COLS);
		return;
	}
	off = (size_t)snprintf(line, sizeof line, " bounced today %lld "
	    "(%.0f%%), invalid addresses %lld (%.0f%%):", g->bounced,
	    ml_agency_bounced_pct(g), g->invalid, ml_agency_invalid_pct(g));
	for (i = 0; i < g->ntop && off < sizeof line; i++)
		off += (size_t)snprintf(line + off, sizeof line - off,
		    "%s %s %lld", i ? "," : "", g->top[i].domain,
		    g->top[i].bounced);
	attrset(theme_attr(console_stale(c) ? ROLE_STALE :
	    agencies_invalid_over(c, g) ? ROLE_ALERT : ROLE_NORMAL));
	mvaddnstr(y, 0, line, COLS);
	for (i = 0; i < g->ntop && why == NULL; i++)
		why = ml_agencies_reason_of(ml, g->name, g->top[i].domain);
	if (why == NULL)
		return;
	snprintf(line, sizeof line, " sample reason (%s): %s",
	    g->top[i - 1].domain, why);
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_DIM));
	mvaddnstr(y + 1, 0, line, COLS);
}

/* The announced bulk job: active with its progress, or the next one. */
static void
agencies_bulk(const struct agency *a, struct console *c, int y)
{
	char line[256], t1[48], t2[48];

	if (a->bulk_id == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y, 0, " no bulk job announced", COLS);
		return;
	}
	if (a->bulk_active)
		snprintf(line, sizeof line, " announced bulk job %lld: %lld of "
		    "%lld rcpts sent, %ld of %ld jobs due, next job %s%s, "
		    "until %s", a->bulk_id, a->bulk_sent, a->bulk_announced,
		    a->bulk_due, a->bulk_jobs, a->bulk_next > 0 ? "from " :
		    "none", a->bulk_next > 0 ? bulk_shown(a->bulk_next, true,
		    t1, sizeof t1) : "", bulk_shown(a->bulk_end, true, t2,
		    sizeof t2));
	else
		snprintf(line, sizeof line, " next bulk job %lld: %lld rcpts "
		    "in %ld jobs from %s", a->bulk_id, a->bulk_announced,
		    a->bulk_jobs, bulk_shown(a->bulk_start, false, t1,
		    sizeof t1));
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : a->bulk_active ?
	    ROLE_TITLE : ROLE_NORMAL));
	mvaddnstr(y, 0, line, COLS);
}

/* "14:02", the time of the last SPF check. */
static void
agencies_spf_time(const struct agencies_state *st, char *buf, size_t len)
{
	time_t t = (time_t)st->spf_at;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M", &tm);
}

/* The agency's SPF in one line: passes, does not (Enter: which), not
 * checked. */
static void
agencies_spf_line(const struct agencies_state *st, const struct agency *a,
    struct console *c, int y)
{
	const json_t *o = agencies_spf_of(st, a->id);
	size_t n = json_array_size(json_object_get(o, "checks"));
	char line[512], cell[32], at[16];
	enum agencies_spf_state spf = agencies_spf_cell(o, cell, sizeof cell);
	enum theme_role role = spf == SPF_BAD ? ROLE_ALERT : spf == SPF_TEMP ?
	    ROLE_WARN : ROLE_NORMAL;

	agencies_spf_time(st, at, sizeof at);
	if (a->domains[0] == '\0') {
		role = ROLE_DIM;
		snprintf(line, sizeof line, " SPF: no sending domains (agency "
		    "set %s --domains ...)", a->id);
	} else if (o == NULL) {
		role = st->spf_error[0] && !st->spf_running ? ROLE_WARN :
		    ROLE_DIM;
		snprintf(line, sizeof line, " SPF: %s", st->spf_running ?
		    "checking..." : st->spf_error[0] ? st->spf_error :
		    "not checked yet (S: check now)");
	} else if (n == 0)
		snprintf(line, sizeof line, " SPF: no gateway has egress "
		    "addresses in the configuration");
	else if (spf == SPF_PASS)
		snprintf(line, sizeof line, " SPF: passes for every gateway "
		    "(%zu domain and address pair%s, checked %s; S: again)", n,
		    n == 1 ? "" : "s", at);
	else if (spf == SPF_TEMP)
		snprintf(line, sizeof line, " SPF: ? NOT CHECKED, the resolver "
		    "did not answer (%s, checked %s)", cell, at);
	else
		snprintf(line, sizeof line, " SPF: ! DOES NOT PASS for every "
		    "gateway (%s, checked %s): Enter lists the pairs", cell, at);
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : role));
	mvaddnstr(y, 0, line, COLS);
}

/* A string of a check, "" when absent. */
static const char *
agencies_js(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/*
 * The open agency's (domain, address) pairs whose SPF does not pass, with
 * the result, the reason and the domain's record, in at most `max` lines.
 * Returns the lines drawn.
 */
static int
agencies_spf_pairs(const struct agencies_state *st, struct console *c, int y,
    int max)
{
	const json_t *o = agencies_spf_of(st, st->open), *ck;
	enum theme_role role;
	char line[1024], cell[32], at[16];
	enum agencies_spf_state spf = agencies_spf_cell(o, cell, sizeof cell);
	const char *res, *rec;
	size_t i, n = json_array_size(json_object_get(o, "checks")), left;
	int used = 0;

	if (spf == SPF_UNKNOWN || max < 1)
		return 0;
	agencies_spf_time(st, at, sizeof at);
	role = console_stale(c) ? ROLE_STALE : spf == SPF_BAD ? ROLE_ALERT :
	    spf == SPF_TEMP ? ROLE_WARN : ROLE_NORMAL;
	attrset(theme_attr(role));
	if (spf == SPF_PASS)
		snprintf(line, sizeof line, " SPF passes for every gateway (%zu "
		    "pair%s, checked %s)", n, n == 1 ? "" : "s", at);
	else
		snprintf(line, sizeof line, " SPF %s (%s, checked %s):",
		    spf == SPF_TEMP ? "? not checked, the resolver did not "
		    "answer" : "! does not pass for every gateway", cell, at);
	mvaddnstr(y + used++, 0, line, COLS);
	left = 0;
	json_array_foreach(json_object_get(o, "checks"), i, ck) {
		if (json_is_true(json_object_get(ck, "pass")))
			continue;
		if (used + 2 > max) {
			left++;
			continue;
		}
		res = agencies_js(ck, "result");
		rec = agencies_js(ck, "record");
		attrset(theme_attr(role));
		snprintf(line, sizeof line, "   %-26s %-6s %-15s %-9s %s",
		    agencies_js(ck, "domain"), agencies_js(ck, "node"),
		    agencies_js(ck, "ip"), res, agencies_js(ck, "reason"));
		mvaddnstr(y + used++, 0, line, COLS);
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_DIM));
		snprintf(line, sizeof line, "     record: %s", rec[0] != '\0' ?
		    rec : "(none)");
		mvaddnstr(y + used++, 0, line, COLS);
	}
	if (left > 0 && used < max) {
		attrset(theme_attr(ROLE_DIM));
		snprintf(line, sizeof line, "   ... and %zu more (mailnoc spf "
		    "%s)", left, st->open);
		mvaddnstr(y + used++, 0, line, COLS);
	}
	attrset(A_NORMAL);
	return used;
}

static void
agencies_detail(const struct agencies_state *st, const struct agency *a,
    struct console *c, int y)
{
	char buf[STORE_SPARK_MINUTES * SPARKLINE_COL_BYTES + 1], line[256],
	    share[32], lim[3][16];
	enum theme_role role = console_stale(c) ? ROLE_STALE : ROLE_NORMAL;

	attrset(theme_attr(ROLE_TITLE));
	snprintf(line, sizeof line, " %s%s%s%s%s", a->id, a->name[0] ? "  " : "",
	    a->name, a->contact[0] ? "  " : "", a->contact);
	mvaddnstr(y, 0, line, COLS);
	attrset(theme_attr(ROLE_DIM));
	snprintf(line, sizeof line, " %-11s %7s %8s %8s %8s %8s", "", "MSGS",
	    "RCPTS", "BYTES", "REJECTS", "DEFERS");
	mvaddnstr(y + 1, 0, line, COLS);
	attrset(theme_attr(role));
	agencies_matrix_line(y + 2, "last minute", a->minute);
	agencies_matrix_line(y + 3, "last hour", a->hour);
	agencies_matrix_line(y + 4, "last day", a->day);

	attrset(theme_attr(ROLE_DIM));
	mvaddnstr(y + 5, 0, " hour, min ", COLS);
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_BAR));
	sparkline_render(a->spark_minutes, STORE_SPARK_MINUTES, COLS - 12,
	    c->utf8, buf, sizeof buf);
	mvaddstr(y + 5, 12, buf);
	attrset(theme_attr(ROLE_DIM));
	mvaddnstr(y + 6, 0, " day, hours", COLS);
	attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_BAR));
	sparkline_render(a->spark_hours, STORE_SPARK_HOURS, COLS - 12,
	    c->utf8, buf, sizeof buf);
	mvaddstr(y + 6, 12, buf);
	attrset(theme_attr(role));
	if (a->daily > 0)
		snprintf(line, sizeof line, "   today %s of the declared",
		    format_share(a->day[VOLUME_MSGS], a->daily, share,
		    sizeof share));
	else
		snprintf(line, sizeof line, "   no daily volume declared");
	if (COLS > 12 + STORE_SPARK_HOURS)
		mvaddnstr(y + 6, 12 + STORE_SPARK_HOURS, line,
		    COLS - 12 - STORE_SPARK_HOURS);

	if (a->bulk_rcpts >= 0)
		snprintf(lim[0], sizeof lim[0], "%ld", a->bulk_rcpts);
	else
		snprintf(lim[0], sizeof lim[0], "none");
	snprintf(lim[1], sizeof lim[1], a->max_rcpts ? "%ld" : "none",
	    a->max_rcpts);
	snprintf(lim[2], sizeof lim[2], a->max_per_minute ? "%ld" : "none",
	    a->max_per_minute);
	snprintf(line, sizeof line, " bulk %lld rcpts/10 min (limit %s)%s  "
	    "rcpts/msg %s  msgs/min %s  %zu permitted IP%s", a->rcpts_10min,
	    lim[0], a->over_bulk ? " OVER" : "", lim[1], lim[2], a->npermits,
	    a->npermits == 1 ? "" : "s");
	attrset(theme_attr(a->over_bulk && !console_stale(c) ? ROLE_ALERT :
	    role));
	mvaddnstr(y + 7, 0, line, COLS);
	agencies_bulk(a, c, y + 8);
	agencies_bounces(st->ml, agencies_ml(st, a->id), c, y + 9);
	agencies_spf_line(st, a, c, y + 11);
	attrset(A_NORMAL);
}

static void
agencies_draw_list(struct agencies_state *st, struct console *c, int y, int h)
{
	const struct agency *sel;
	char line[256], overs[64] = "", spfs[64] = "";
	size_t i, over = 0, spf_bad = 0;
	int list_h = h - 1, n;

	snprintf(st->list_filter, sizeof st->list_filter, "%s", c->filter);
	if (st->agencies == NULL) {
		attrset(theme_attr(st->error[0] ? ROLE_ALERT : ROLE_DIM));
		snprintf(line, sizeof line, " %s", st->error[0] ? st->error :
		    "reading the agencies...");
		mvaddnstr(y, 0, line, COLS);
		attrset(A_NORMAL);
		return;
	}
	table_reset(&st->list, agencies_cols, AGENCIES_NCOLS);
	for (i = 0; i < st->agencies->n; i++) {
		agencies_row(st, c, &st->agencies->v[i]);
		over += st->agencies->v[i].over_bulk;
		spf_bad += agencies_spf_state(st, st->agencies->v[i].id) ==
		    SPF_BAD;
	}
	if (st->error[0] != '\0') {
		attrset(theme_attr(ROLE_ALERT));
		snprintf(line, sizeof line, " %s", st->error);
	} else if (st->agencies->n == 0) {
		attrset(theme_attr(ROLE_DIM));
		snprintf(line, sizeof line, " no agency is registered");
	} else {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE :
		    over || spf_bad ? ROLE_ALERT : ROLE_TITLE));
		if (over > 0)
			snprintf(overs, sizeof overs, ", %zu over the bulk "
			    "guidance", over);
		if (spf_bad > 0)
			snprintf(spfs, sizeof spfs, ", %zu not passing SPF (!)",
			    spf_bad);
		snprintf(line, sizeof line, " %zu agenc%s%s%s%s; Enter shows "
		    "one's permitted IPs", st->agencies->n,
		    st->agencies->n == 1 ? "y" : "ies", overs, spfs,
		    st->spf_running ? ", checking SPF" : "");
	}
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	if (st->agencies->n == 0)
		return;
	if (list_h >= 2 + AGENCIES_DETAIL_H + 1)
		list_h -= AGENCIES_DETAIL_H + 1;
	n = table_draw(&st->list, stdscr, y + 1, list_h, c->filter);
	if (n == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y + 2, 0, " no agency matches the filter", COLS);
		attrset(A_NORMAL);
		return;
	}
	agencies_sparks(st, c, y + 1, list_h);
	sel = agencies_find(st, table_selected_key(&st->list));
	if (list_h < h - 1 && sel != NULL)
		agencies_detail(st, sel, c, y + 1 + list_h + 1);
}

static void
agencies_permit_row(struct agencies_state *st, const struct console *c,
    const struct permit_entry *p)
{
	enum theme_role role = console_stale(c) ? ROLE_STALE :
	    p->blocked ? ROLE_ALERT : ROLE_NORMAL;
	struct table_row *r = table_add(&st->permits, p->ip, role);
	char left[32], at[16];

	snprintf(r->cell[PC_IP], TABLE_CELL_MAX, "%s", p->ip);
	snprintf(r->cell[PC_APP], TABLE_CELL_MAX, "%s", p->app[0] ? p->app :
	    "-");
	if (p->expected >= 0)
		format_count(p->expected, r->cell[PC_EXPECTED], TABLE_CELL_MAX);
	else
		snprintf(r->cell[PC_EXPECTED], TABLE_CELL_MAX, "-");
	if (!p->blocked)
		snprintf(r->cell[PC_STATE], TABLE_CELL_MAX, "ok");
	else if (p->block_until == 0)
		snprintf(r->cell[PC_STATE], TABLE_CELL_MAX, "blocked permanently");
	else {
		time_t t = (time_t)p->block_until;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(at, sizeof at, "%H:%M", &tm);
		snprintf(r->cell[PC_STATE], TABLE_CELL_MAX, "blocked until %s "
		    "(%s)", at, format_left(p->block_until, c->now, left,
		    sizeof left));
	}
	format_age(p->since > 0 ? (long)(c->now - p->since) : -1,
	    r->cell[PC_SINCE], TABLE_CELL_MAX);
}

static void
agencies_draw_open(struct agencies_state *st, struct console *c, int y, int h)
{
	const struct agency *a = agencies_find(st, st->open);
	/* The list's filter was for agencies: not for these IPs. */
	const char *filter = strcmp(c->filter, st->list_filter) == 0 ? "" :
	    c->filter;
	char line[256];
	size_t i, blocked = 0;
	int ipw = AGENCIES_IP_MIN, spf_lines;
	bool ready = st->plist != NULL && strcmp(st->plist_of, st->open) == 0;

	if (ready) {
		for (i = 0; i < st->plist->n; i++) {
			int n = (int)strlen(st->plist->v[i].ip);

			blocked += st->plist->v[i].blocked;
			if (n > ipw)
				ipw = n > AGENCIES_IP_MAX ? AGENCIES_IP_MAX : n;
		}
	}
	if (st->perror[0] != '\0') {
		attrset(theme_attr(ROLE_ALERT));
		snprintf(line, sizeof line, " %s: %s", st->open, st->perror);
	} else if (!ready) {
		attrset(theme_attr(ROLE_DIM));
		snprintf(line, sizeof line, " %s: reading its permitted IPs...",
		    st->open);
	} else {
		attrset(theme_attr(console_stale(c) ? ROLE_STALE : ROLE_TITLE));
		snprintf(line, sizeof line, " %s%s%s: %zu permitted IP%s, %zu "
		    "blocked  (Esc or b: back)", st->open,
		    a != NULL && a->name[0] ? " " : "", a != NULL ? a->name : "",
		    st->plist->n, st->plist->n == 1 ? "" : "s", blocked);
	}
	mvaddnstr(y, 0, line, COLS);
	attrset(A_NORMAL);
	/* Its SPF first: the failing pairs, then the permits under them. */
	spf_lines = agencies_spf_pairs(st, c, y + 1, h - 3 <
	    AGENCIES_SPF_LINES + 2 ? h - 3 : AGENCIES_SPF_LINES + 2);
	y += spf_lines;
	h -= spf_lines;
	if (!ready)
		return;
	if (st->plist->n == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y + 1, 0, " no IP may relay for this agency", COLS);
		attrset(A_NORMAL);
		return;
	}
	st->pcols[PC_IP].width = ipw;
	table_reset(&st->permits, st->pcols, PERMITS_NCOLS);
	for (i = 0; i < st->plist->n; i++)
		agencies_permit_row(st, c, &st->plist->v[i]);
	if (table_draw(&st->permits, stdscr, y + 1, h - 1, filter) == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y + 2, 0, " no IP matches the filter", COLS);
		attrset(A_NORMAL);
	}
}

static void
agencies_draw(void *state, struct console *c, int y, int h)
{
	struct agencies_state *st = state;

	if (h < 2)
		return;
	if (st->open[0] != '\0')
		agencies_draw_open(st, c, y, h);
	else
		agencies_draw_list(st, c, y, h);
}

static void
agencies_close(struct agencies_state *st)
{
	st->open[0] = '\0';
	st->perror[0] = '\0';
}

/* up, down, ... move in the table shown; in opens the agency under the
 * cursor, out goes back to the list. */
static int
agencies_move(void *state, const char *where)
{
	struct agencies_state *st = state;
	const char *id;

	if (strcmp(where, "in") == 0) {
		if (st->open[0] == '\0' && st->agencies != NULL &&
		    st->agencies->n > 0 &&
		    (id = table_selected_key(&st->list)) != NULL) {
			snprintf(st->open, sizeof st->open, "%s", id);
			st->perror[0] = '\0';
			st->permits.cursor = 0;
			st->permits.top = 0;
			st->permits.cursor_key[0] = '\0';
		}
		return 0;
	}
	if (strcmp(where, "out") == 0) {
		agencies_close(st);
		return 0;
	}
	return table_move(st->open[0] != '\0' ? &st->permits : &st->list,
	    where);
}

static int
agencies_escape(void *state)
{
	struct agencies_state *st = state;

	if (st->open[0] == '\0')
		return 0;
	agencies_close(st);
	return 1;
}

/* On the job's thread: spf --json's array for the view (the first JSON
 * value of the output: an error may follow it). */
static struct worker_msg *
agencies_spf_done(void *arg, int code, const char *out,
    const struct cmd_ctx *ctx)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);
	json_error_t e;

	(void)arg;
	m->kind = WMSG_SPF;
	m->spf = json_loads(out, JSON_DISABLE_EOF_CHECK, &e);
	if (m->spf != NULL && !json_is_array(m->spf)) {
		json_decref(m->spf);
		m->spf = NULL;
	}
	if (m->spf == NULL) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "%s", ctx->cause[0] ?
		    ctx->cause : "spf: no answer");
	} else if (code != EXIT_OK)
		snprintf(m->text, sizeof m->text, "%s", ctx->cause);
	return m;
}

static void
agencies_spf_hooks(struct agencies_state *st, struct console *c,
    struct worker_cmd_hooks *hooks)
{
	memset(hooks, 0, sizeof *hooks);
	hooks->json = true;
	hooks->cancel = &c->worker.closing;
	hooks->done = agencies_spf_done;
	st->spf_running++;
}

/* An spf command confirmed while the view was shown (S): its result comes
 * here. */
static int
agencies_job(void *state, struct console *c, const struct cmd *cmd,
    struct worker_cmd_hooks *hooks)
{
	if (cmd->entry == NULL || strcmp(cmd->entry->name, "spf") != 0)
		return 0;
	agencies_spf_hooks(state, c, hooks);
	return 1;
}

/*
 * The last check does not answer for the agency's sending domains as they
 * are now: none was made for it (added since), or its domains changed
 * (the checks name them in the order of `domains`).
 */
static bool
agencies_spf_stale(const struct agencies_state *st, const struct agency *a)
{
	const json_t *o = agencies_spf_of(st, a->id), *ck;
	char had[sizeof a->domains];
	const char *d, *last = "";
	size_t i, off = 0;

	if (a->domains[0] == '\0')
		return false;
	if (o == NULL)
		return true;
	had[0] = '\0';
	json_array_foreach(json_object_get(o, "checks"), i, ck) {
		d = agencies_js(ck, "domain");
		if (strcmp(d, last) == 0)
			continue;
		off += (size_t)snprintf(had + off, sizeof had - off, "%s%s",
		    off ? "," : "", d);
		if (off >= sizeof had)
			return true;
		last = d;
	}
	return i > 0 && strcmp(had, a->domains) != 0;
}

/* While the view is shown, the SPF is checked when the last check is old,
 * or a minute old when an agency's domains are not what it checked: the
 * spf command as a job (its DNS off the UI thread), not every refresh. */
static void
agencies_tick(void *state, struct console *c)
{
	struct agencies_state *st = state;
	struct worker_cmd_hooks hooks;
	char cause[128];
	struct cmd cmd;
	size_t i;

	if (c->views[c->current] != &view_agencies || st->spf_running > 0 ||
	    st->agencies == NULL || (st->spf_at != 0 && c->now - st->spf_at <
	    AGENCIES_SPF_RETRY_S))
		return;
	for (i = 0; i < st->agencies->n; i++)
		if (st->agencies->v[i].domains[0] != '\0')
			break;
	if (i == st->agencies->n)
		return;
	if (st->spf_at != 0 && c->now - st->spf_at < AGENCIES_SPF_RECHECK_S) {
		for (i = 0; i < st->agencies->n; i++)
			if (agencies_spf_stale(st, &st->agencies->v[i]))
				break;
		if (i == st->agencies->n)
			return;
	}
	memset(&cmd, 0, sizeof cmd);
	if ((cmd.entry = cmd_find("spf", cause, sizeof cause)) == NULL)
		return;
	agencies_spf_hooks(st, c, &hooks);
	worker_command(&c->worker, c->cfg, &cmd, c->read_only, &hooks);
	cmd_free(&cmd);
}

/*
 * "notice": the agency under the cursor (or shown) for notify's question
 * (cmd/cmd_notify.c), as "name=value" strings.
 */
static int
agencies_notice(struct agencies_state *st, char ***out)
{
	const struct agency *a;

	*out = NULL;
	if (st->agencies == NULL || (a = agencies_find(st, st->open[0] ?
	    st->open : table_selected_key(&st->list))) == NULL)
		return 0;
	*out = xcalloc(3, sizeof **out);
	(*out)[0] = view_printf("agency=%s", a->id);
	(*out)[1] = view_printf("name=%s", a->name);
	(*out)[2] = view_printf("contact=%s", a->contact);
	return 3;
}

static void
agencies_free(void *state)
{
	struct agencies_state *st = state;

	agencies_free_lists(st);
	table_free(&st->list);
	table_free(&st->permits);
	free(st);
}

/*
 * "ip": the permitted IP under the cursor of the agency opened (block it
 * from here: +); "id": that IP, or in the list the agency's id (copy);
 * "notice": the agency's facts for notify's question.
 */
static int
agencies_selection(void *state, const char *what, char ***out)
{
	struct agencies_state *st = state;
	bool permits = st->open[0] != '\0' && st->plist != NULL &&
	    strcmp(st->plist_of, st->open) == 0 && st->plist->n > 0;

	*out = NULL;
	if (strcmp(what, "notice") == 0)
		return agencies_notice(st, out);
	if (strcmp(what, "ip") == 0)
		return permits ? view_select_one(table_selected_key(
		    &st->permits), out) : 0;
	if (strcmp(what, "id") != 0)
		return -1;
	if (st->open[0] != '\0')
		return permits ? view_select_one(table_selected_key(
		    &st->permits), out) : 0;
	if (st->agencies == NULL || st->agencies->n == 0)
		return 0;
	return view_select_one(table_selected_key(&st->list), out);
}

const struct view view_agencies = {
	.name = "agencies",
	.title = "Agencies",
	.init = agencies_init,
	.draw = agencies_draw,
	.cursor = agencies_move,
	.free = agencies_free,
	.fetch = agencies_fetch,
	.take = agencies_take,
	.escape = agencies_escape,
	.job = agencies_job,
	.tick = agencies_tick,
	.selection = agencies_selection,
};
