/* Helpers of the block, permit and agency commands. */
#include "cmd/policy_cmd.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/redis.h"
#include "core/exitcode.h"
#include "core/policy_input.h"
#include "core/xalloc.h"

struct redis *
policy_cmd_redis(struct cmd_ctx *ctx, const char *what, int *code)
{
	if (ctx->redis == NULL) {
		ctx->redis = xmalloc(sizeof *ctx->redis);
		redis_init(ctx->redis, ctx->cfg);
	}
	if (redis_ensure(ctx->redis) == -1) {
		*code = cmd_fail(ctx, redis_exit_code(ctx->redis), "%s: %s", what,
		    ctx->redis->errstr);
		return NULL;
	}
	return ctx->redis;
}

int
policy_cmd_store_fail(struct cmd_ctx *ctx, const struct redis *r,
    const char *cause)
{
	return cmd_fail(ctx, store_exit_code(r), "%s", cause);
}

void
policy_cmd_who(char *buf, size_t len)
{
	const struct passwd *pw = getpwuid(geteuid());
	const char *user = pw != NULL ? pw->pw_name : getenv("USER");
	char host[256], who[300];

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(who, sizeof who, "%s@%s", user != NULL && user[0] != '\0' ?
	    user : "unknown", host);
	validate_sanitize(buf, len, who);
}

char *
policy_cmd_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	localtime_r(&tt, &tm);
	/* Labelled: the zone is ui.time_zone's (docs/ui.md). */
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
	return buf;
}

json_t *
policy_cmd_json_str(const char *s)
{
	json_t *v;

	if (s == NULL || s[0] == '\0')
		return json_null();
	/* The store hands out sanitized UTF-8; never lose a field anyway. */
	if ((v = json_string(s)) == NULL)
		v = json_string("?");
	return v;
}

json_t *
policy_cmd_block_json(const struct block_entry *b, long long now)
{
	json_t *o = json_object();

	json_object_set_new(o, "ip", json_string(b->ip));
	json_object_set_new(o, "reason", policy_cmd_json_str(b->reason));
	json_object_set_new(o, "who", policy_cmd_json_str(b->who));
	json_object_set_new(o, "since", json_integer(b->since));
	json_object_set_new(o, "until", json_integer(b->until));
	json_object_set_new(o, "permanent", json_boolean(b->until == 0));
	json_object_set_new(o, "expires_in", b->until == 0 ? json_null() :
	    json_integer(b->until > now ? b->until - now : 0));
	json_object_set_new(o, "hits", json_integer(b->hits));
	json_object_set_new(o, "last_hit", b->last_hit == 0 ? json_null() :
	    json_integer(b->last_hit));
	json_object_set_new(o, "agency", policy_cmd_json_str(b->agency));
	if (b->malformed[0] != '\0')
		json_object_set_new(o, "malformed", json_string(b->malformed));
	return o;
}

json_t *
policy_cmd_permit_json(const struct permit_entry *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "ip", json_string(p->ip));
	json_object_set_new(o, "agency", json_string(p->agency));
	json_object_set_new(o, "app", policy_cmd_json_str(p->app));
	json_object_set_new(o, "expected", p->expected < 0 ? json_null() :
	    json_integer(p->expected));
	json_object_set_new(o, "who", policy_cmd_json_str(p->who));
	json_object_set_new(o, "since", p->since == 0 ? json_null() :
	    json_integer(p->since));
	json_object_set_new(o, "blocked", json_boolean(p->blocked));
	json_object_set_new(o, "block_until", !p->blocked ? json_null() :
	    json_integer(p->block_until));
	return o;
}

static json_t *
policy_cmd_metrics(const long long *v)
{
	json_t *o = json_object();
	int m;

	for (m = 0; m < VOLUME_NMETRICS; m++)
		json_object_set_new(o, volume_metric_name(m), json_integer(v[m]));
	return o;
}

static json_t *
policy_cmd_series(const long long *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

/* "a,b" as ["a", "b"]. */
static json_t *
policy_cmd_domains_json(const char *list)
{
	json_t *arr = json_array();
	const char *p = list;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, ",");
		json_array_append_new(arr, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return arr;
}

json_t *
policy_cmd_agency_json(const struct agency *a, bool volumes)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(a->id));
	json_object_set_new(o, "name", policy_cmd_json_str(a->name));
	json_object_set_new(o, "contact", policy_cmd_json_str(a->contact));
	json_object_set_new(o, "daily", json_integer(a->daily));
	json_object_set_new(o, "max_rcpts", json_integer(a->max_rcpts));
	json_object_set_new(o, "max_per_minute",
	    json_integer(a->max_per_minute));
	json_object_set_new(o, "bulk_rcpts", a->bulk_rcpts < 0 ? json_null() :
	    json_integer(a->bulk_rcpts));
	json_object_set_new(o, "domains", policy_cmd_domains_json(a->domains));
	json_object_set_new(o, "permits", json_integer((json_int_t)a->npermits));
	if (a->malformed[0] != '\0')
		json_object_set_new(o, "malformed", json_string(a->malformed));
	if (!volumes)
		return o;
	json_object_set_new(o, "minute", policy_cmd_metrics(a->minute));
	json_object_set_new(o, "hour", policy_cmd_metrics(a->hour));
	json_object_set_new(o, "day", policy_cmd_metrics(a->day));
	json_object_set_new(o, "daily_pct", a->daily <= 0 ? json_null() :
	    json_real((double)a->day[VOLUME_MSGS] * 100.0 / (double)a->daily));
	json_object_set_new(o, "rcpts_10min", json_integer(a->rcpts_10min));
	json_object_set_new(o, "over_bulk", json_boolean(a->over_bulk));
	/* Its announced bulk job active now, else its next one. */
	json_object_set_new(o, "bulk_job", a->bulk_id == 0 ? json_null() :
	    json_pack("{s:I,s:b,s:I,s:I,s:I,s:I,s:i,s:i,s:o}", "id",
	    (json_int_t)a->bulk_id, "active", a->bulk_active, "start",
	    (json_int_t)a->bulk_start, "end", (json_int_t)a->bulk_end,
	    "rcpts", (json_int_t)a->bulk_announced, "sent",
	    (json_int_t)a->bulk_sent, "jobs", (int)a->bulk_jobs, "jobs_due",
	    (int)a->bulk_due, "next_job", a->bulk_next > 0 ?
	    json_integer(a->bulk_next) : json_null()));
	json_object_set_new(o, "spark_minutes", policy_cmd_series(
	    a->spark_minutes, STORE_SPARK_MINUTES));
	json_object_set_new(o, "spark_hours", policy_cmd_series(a->spark_hours,
	    STORE_SPARK_HOURS));
	return o;
}

/* "ok", "blocked until ..." or "blocked for good". */
static void
policy_cmd_permit_state(const struct permit_entry *p, char *buf, size_t len)
{
	char t[32];

	if (!p->blocked)
		snprintf(buf, len, "ok");
	else if (p->block_until == 0)
		snprintf(buf, len, "blocked for good");
	else
		snprintf(buf, len, "blocked until %s", policy_cmd_time(
		    p->block_until, t, sizeof t));
}

void
policy_cmd_permits_print(FILE *f, const struct permit_list *l)
{
	static const char *const header[] = { "IP", "AGENCY", "APPLICATION",
		"EXPECTED/DAY", "STATE", "SINCE", "BY" };
	struct policy_table t;
	size_t i;

	policy_table_init(&t, 7, 1u << 3, header);
	for (i = 0; i < l->n; i++) {
		const struct permit_entry *p = &l->v[i];
		char exp[32], state[64], since[32];
		const char *row[7];

		if (p->expected < 0)
			snprintf(exp, sizeof exp, "-");
		else
			snprintf(exp, sizeof exp, "%lld", p->expected);
		policy_cmd_permit_state(p, state, sizeof state);
		row[0] = p->ip;
		row[1] = p->agency;
		row[2] = p->app[0] ? p->app : "-";
		row[3] = exp;
		row[4] = state;
		row[5] = policy_cmd_time(p->since, since, sizeof since);
		row[6] = p->who[0] ? p->who : "-";
		policy_table_add(&t, row);
	}
	policy_table_print(&t, f);
}


void
policy_table_init(struct policy_table *t, size_t ncols, unsigned right,
    const char *const *header)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->right = right;
	policy_table_add(t, header);
}

void
policy_table_add(struct policy_table *t, const char *const *cells)
{
	size_t i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] != NULL ?
		    cells[i] : "");
	t->nrows++;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t
policy_table_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	}
	return w;
}

void
policy_table_print(struct policy_table *t, FILE *f)
{
	size_t *width = xcalloc(t->ncols, sizeof *width), r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			size_t w = policy_table_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t pad = width[c] - policy_table_width(s);
			int last = c + 1 == t->ncols;

			if (t->right & (1u << c))
				fprintf(f, "%*s%s", (int)pad, "", s);
			else
				fprintf(f, "%s%*s", s, last ? 0 : (int)pad, "");
			fputs(last ? "\n" : "  ", f);
		}
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	free(width);
	memset(t, 0, sizeof *t);
}
