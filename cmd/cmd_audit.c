/* The audit hook of cmd_exec, and 'audit': who changed what, from where,
 * with what result. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/audit_store.h"
#include "backends/redis.h"
#include "core/audit.h"
#include "core/clock.h"
#include "cmd/cmd.h"
#include "core/duration.h"
#include "core/exitcode.h"
#include "cmd/policy_cmd.h"
#include "core/xalloc.h"

#define AUDIT_DEFAULT_LIMIT 100
#define AUDIT_MAX_LIMIT 100000

static const struct cmd_option cmd_audit_options[] = {
	{ "since", 1, "only records since a duration ago (30m, 2h, 7d) or a "
	    "date (2026-01-02, 2026-01-02T15:04, UTC)" },
	{ "user", 1, "only what this local user did" },
	{ "limit", 1, "at most this many records (100)" },
	{ "records", 0, "every record as written: an action's started and "
	    "completed records apart" },
	{ NULL, 0, NULL },
};

/* A change run here (batch mode, a script line, a console job) whose
 * records this process writes; a prompt or a console key is not the
 * command it begins, and the console's UI thread leaves it to the job. */
static bool
cmd_audited(const struct cmd *c, const struct cmd_ctx *ctx)
{
	return ctx->audit && ctx->cfg != NULL && ctx->ui == NULL &&
	    (cmd_flags(c) & CMD_MUTATES) &&
	    !(c->entry->flags & (CMD_ARG_COMMAND | CMD_UI_ONLY));
}

/* The via and the command line of a record of `c`. */
static void
audit_fill(const struct cmd *c, const struct cmd_ctx *ctx,
    struct audit_record *rec)
{
	if (ctx->via != NULL)
		snprintf(rec->via, sizeof rec->via, "%s", ctx->via);
	if (ctx->line != NULL)
		validate_sanitize(rec->cmd, sizeof rec->cmd, ctx->line);
	else {
		cmd_print(c, rec->cmd, sizeof rec->cmd);
		validate_sanitize(rec->cmd, sizeof rec->cmd, rec->cmd);
	}
}

static struct redis *
audit_redis(struct cmd_ctx *ctx)
{
	if (ctx->redis == NULL) {
		ctx->redis = xmalloc(sizeof *ctx->redis);
		redis_init(ctx->redis, ctx->cfg);
	}
	return ctx->redis;
}

void
cmd_audit_before(const struct cmd *c, struct cmd_ctx *ctx)
{
	ctx->running = c;
	ctx->begun = false;
	ctx->audit_lost[0] = '\0';
	ctx->audit_lost_said = false;
	ctx->json_held = NULL;
	ctx->json_hold = cmd_audited(c, ctx);
}

int
cmd_begin(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->running;
	struct audit_record *rec = &ctx->started;
	char cause[512];
	int rc;

	if (c == NULL || ctx->begun || ctx->dry_run || c->dry_run)
		return EXIT_OK;
	/* Asked and answered: the session may have lost its rights since. */
	if ((cmd_flags(c) & CMD_MUTATES) && (ctx->read_only ||
	    ctx->role_pending)) {
		char what[160];

		cmd_what(c, what, sizeof what);
		return cmd_may_change(ctx, what);
	}
	if (!cmd_audited(c, ctx))
		return EXIT_OK;
	audit_record_init(rec, clock_wall_ms());
	audit_fill(c, ctx, rec);
	audit_record_start(rec);
	rc = audit_store_submit(audit_redis(ctx), rec, cause, sizeof cause);
	if (!audit_may_start(rc, ctx->cfg->audit.required)) {
		const struct cmd_sub *s = c->argc > 0 ?
		    cmd_sub_find(c->entry, c->argv[0]) : NULL;

		/* Not begun: there is no started record to complete. */
		return cmd_fail(ctx, EXIT_AUDIT_REFUSED, "%s%s%s: refused, nothing "
		    "was done: its audit record can be written nowhere (%s); "
		    "see audit.required", c->entry->name, s ? " " : "",
		    s ? s->name : "", cause);
	}
	ctx->begun = true;
	if (rc == AUDIT_LOST)
		snprintf(ctx->audit_lost, sizeof ctx->audit_lost, "%s", cause);
	return EXIT_OK;
}

/* Prints the JSON the command printed last, saying a lost record. */
static void
audit_json_release(struct cmd_ctx *ctx)
{
	json_t *o = ctx->json_held;

	ctx->json_hold = false;
	ctx->json_held = NULL;
	if (o == NULL)
		return;
	if (ctx->audit_lost[0] != '\0' && json_is_object(o)) {
		json_object_set_new(o, "audit_lost",
		    json_string(ctx->audit_lost));
		ctx->audit_lost_said = true;
	}
	cmd_json_print(ctx, o);
}

/* Says the loss of a record in the command's outcome. */
static int
audit_say_lost(struct cmd_ctx *ctx, int code)
{
	char was[sizeof ctx->cause];

	if (ctx->audit_lost[0] == '\0')
		return code;
	snprintf(was, sizeof was, "%s", code != EXIT_OK ? ctx->cause :
	    ctx->said);
	if (code == EXIT_OK)
		code = EXIT_AUDIT_LOST;
	/* One line, the loss first: a status line may show only that. */
	snprintf(ctx->cause, sizeof ctx->cause, "the audit record is lost; "
	    "%s%s%s", was, was[0] ? "; " : "",
	    ctx->audit_lost);
	return code;
}

int
cmd_audit_after(const struct cmd *c, struct cmd_ctx *ctx, int code)
{
	struct audit_record rec;
	struct audit_replay rep;
	char cause[512];
	bool refused = ctx->refused || code == EXIT_DENIED;
	int rc;

	if (!cmd_audited(c, ctx)) {
		if (ctx->cfg != NULL && ctx->ui == NULL && ctx->redis != NULL &&
		    ctx->redis->ctx != NULL)
			audit_store_replay(ctx->redis, &rep, cause, sizeof cause);
		return code;
	}
	/* Bad arguments: nothing was tried. Refused for its record: nothing
	 * was done, and no place would take a record of that either. */
	if (!ctx->begun && ((code == EXIT_USAGE && !refused) ||
	    code == EXIT_AUDIT_REFUSED)) {
		audit_json_release(ctx);
		return code;
	}
	if (ctx->begun)
		audit_record_finish(&rec, &ctx->started, clock_wall_ms());
	else {
		/* Nothing began: a refusal, a dry run, nothing to do. */
		audit_record_init(&rec, clock_wall_ms());
		audit_fill(c, ctx, &rec);
		snprintf(rec.action, sizeof rec.action, "%s", rec.id);
		snprintf(rec.phase, sizeof rec.phase, AUDIT_COMPLETED);
	}
	validate_sanitize(rec.nodes, sizeof rec.nodes, ctx->touched);
	rec.exit_code = code;
	snprintf(rec.result, sizeof rec.result, "%s", ctx->partial &&
	    !refused ? AUDIT_RESULT_PARTIAL : audit_result(code, ctx->dry_run ||
	    c->dry_run, refused));
	/* What was done before it failed, then why it failed. */
	if (code != EXIT_OK && ctx->cause[0] != '\0' && ctx->said[0] != '\0') {
		char both[sizeof rec.said];

		snprintf(both, sizeof both, "%s; %s", ctx->said, ctx->cause);
		validate_sanitize(rec.said, sizeof rec.said, both);
	} else if (code != EXIT_OK && ctx->cause[0] != '\0')
		validate_sanitize(rec.said, sizeof rec.said, ctx->cause);
	else if (ctx->said[0] != '\0')
		validate_sanitize(rec.said, sizeof rec.said, ctx->said);
	else if (ctx->dry_run || c->dry_run)
		snprintf(rec.said, sizeof rec.said, "dry run: nothing was done");
	rc = audit_store_submit(audit_redis(ctx), &rec, cause, sizeof cause);
	if (rc == AUDIT_LOST && ctx->audit_lost[0] == '\0')
		snprintf(ctx->audit_lost, sizeof ctx->audit_lost, "%s", cause);
	audit_json_release(ctx);
	return audit_say_lost(ctx, code);
}

/* --since: a duration back from now, or a UTC date. Returns epoch ms. */
static int
audit_since(const char *s, long long now_ms, long long *ms)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%SZ",
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	long long secs;
	struct tm tm;
	size_t i;

	if (duration_parse(s, &secs) == 0) {
		*ms = now_ms - secs * 1000;
		return 0;
	}
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		const char *end;

		memset(&tm, 0, sizeof tm);
		if ((end = strptime(s, formats[i], &tm)) != NULL && *end == '\0') {
			*ms = (long long)timegm(&tm) * 1000;
			return 0;
		}
	}
	return -1;
}

/* `folded`: one line per action, so a started line has no end (yet). */
static void
audit_print_table(FILE *f, const struct audit_list *l, bool folded)
{
	static const char *const header[] = { "TIME (UTC)", "WHO", "FROM",
		"RESULT", "NODES", "COMMAND", "SAID" };
	struct policy_table t;
	size_t i;

	policy_table_init(&t, 7, 0, header);
	for (i = 0; i < l->n; i++) {
		const struct audit_record *r = &l->v[i];
		char when[40], who[200], from[200], result[48];
		const char *row[7];

		audit_time_iso(r->at_ms, when, sizeof when);
		/* Seconds are enough on a screen; --json has the milliseconds. */
		if (strlen(when) == 24)
			snprintf(when + 19, sizeof when - 19, "Z");
		snprintf(who, sizeof who, "%s@%s", r->user, r->host);
		snprintf(from, sizeof from, "%s%s%s", r->ssh_client[0] ?
		    r->ssh_client : "", r->ssh_client[0] && r->tty[0] ? " " : "",
		    r->tty[0] ? r->tty : r->ssh_client[0] ? "" : r->via);
		if (r->exit_code >= 0)
			snprintf(result, sizeof result, "%s %d%s", r->result,
			    r->exit_code, r->spooled ? " (spooled)" : "");
		else
			snprintf(result, sizeof result, "%s%s", r->result,
			    r->spooled ? " (spooled)" : "");
		row[0] = when;
		row[1] = who;
		row[2] = from;
		row[3] = result;
		row[4] = r->nodes[0] ? r->nodes : "-";
		row[5] = r->cmd;
		row[6] = r->said[0] ? r->said : folded && strcmp(r->phase,
		    AUDIT_STARTED) == 0 ? AUDIT_NO_END : "-";
		policy_table_add(&t, row);
	}
	policy_table_print(&t, f);
}

int
cmd_audit_query(const struct cmd *c, struct audit_query *q, char *cause,
    size_t len)
{
	const char *since = cmd_option(c, "since"), *user = cmd_option(c, "user"),
	    *limit = cmd_option(c, "limit");
	char *end;
	long n;

	q->since_ms = 0;
	q->user = user;
	q->limit = AUDIT_DEFAULT_LIMIT;
	if (since != NULL && audit_since(since, clock_wall_ms(),
	    &q->since_ms) == -1) {
		snprintf(cause, len, "audit: --since '%s' is not accepted; give "
		    "a duration (30m, 2h, 7d) or a UTC date (2026-01-02 or "
		    "2026-01-02T15:04)", since);
		return -1;
	}
	/* A user name: what the records hold (no spaces, no controls). */
	if (user != NULL && (user[0] == '\0' || strlen(user) > 63 ||
	    strpbrk(user, " \t\r\n") != NULL)) {
		snprintf(cause, len, "audit: --user '%s' is not a user name",
		    user);
		return -1;
	}
	if (limit != NULL) {
		n = strtol(limit, &end, 10);
		if (*end != '\0' || n < 1 || n > AUDIT_MAX_LIMIT) {
			snprintf(cause, len, "audit: --limit '%s' is not "
			    "accepted; use 1 to %d", limit, AUDIT_MAX_LIMIT);
			return -1;
		}
		q->limit = (size_t)n;
	}
	return 0;
}

/* The options, checked into q. */
static int
audit_query_parse(const struct cmd *c, struct cmd_ctx *ctx,
    struct audit_query *q)
{
	if (cmd_audit_query(c, q, ctx->cause, sizeof ctx->cause) == -1)
		return EXIT_USAGE;
	return EXIT_OK;
}

static int
cmd_audit_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	struct audit_query q;

	(void)ask;
	return audit_query_parse(c, ctx, &q);
}

static int
cmd_audit_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct audit_query q;
	struct audit_list l;
	struct redis *r;
	char cause[512];
	bool records = cmd_option(c, "records") != NULL;
	size_t i, want;
	int code;

	if ((code = audit_query_parse(c, ctx, &q)) != EXIT_OK)
		return code;
	if ((r = policy_cmd_redis(ctx, "cannot read the audit trail", &code)) ==
	    NULL)
		return code;
	want = q.limit;
	/* Most actions have two records: read enough for `want` lines. */
	if (!records)
		q.limit *= 2;
	if (audit_store_list(r, &q, &l, cause, sizeof cause) == -1)
		return cmd_fail(ctx, redis_exit_code(r), "%s", cause);
	if (!records) {
		l.n = audit_fold(l.v, l.n);
		if (l.n > want)
			l.n = want;
	}
	if (ctx->json) {
		json_t *a = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(a, audit_record_json(&l.v[i]));
		cmd_json_print(ctx, a);
	} else if (l.n == 0)
		fprintf(ctx->out, "no audit record%s\n", q.since_ms != 0 ||
		    q.user != NULL ? " matches" : " yet");
	else
		audit_print_table(ctx->out, &l, !records);
	audit_list_free(&l);
	return EXIT_OK;
}

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.view = "audit",
	.alias = NULL,
	.usage = "",
	.help = "the audit trail: who changed what, from where, with what "
		"result (newest first)",
	.options = cmd_audit_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_audit_prepare,
	.exec = cmd_audit_exec,
};
