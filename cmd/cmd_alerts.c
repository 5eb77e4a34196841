/* alerts, ack, silence: the alert records the agents keep in Redis, who
 * took them, and which are silenced (docs/alerts.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/alert_store.h"
#include "backends/redis.h"
#include "cmd/cmd.h"
#include "cmd/policy_cmd.h"
#include "core/alert.h"
#include "core/duration.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/validate.h"

static const struct cmd_option cmd_alerts_options[] = {
	{ "all", 0, "resolved alerts too (kept 60 days), newest first" },
	{ NULL, 0, NULL },
};

static const struct cmd_option cmd_ack_options[] = {
	{ "note", 1, "what you are doing about it, at most 200 characters" },
	{ NULL, 0, NULL },
};

static const struct cmd_option cmd_silence_options[] = {
	{ "for", 1, "how long: 30m, 2h, 7d or 1h30m (at most 365d)" },
	{ "until", 1, "or until a time: YYYY-MM-DDTHH:MM (local) or epoch "
	    "seconds" },
	{ "reason", 1, "why, at most 200 characters (required)" },
	{ NULL, 0, NULL },
};


static json_t *
alerts_time(long long t)
{
	return t > 0 ? json_integer(t) : json_null();
}

static json_t *
alerts_json(const struct alert *a, long long now)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "kind", json_string(a->kind));
	json_object_set_new(o, "subject", json_string(a->subject));
	json_object_set_new(o, "severity", json_string(alert_severity_name(
	    a->severity)));
	json_object_set_new(o, "text", json_string(a->text));
	json_object_set_new(o, "active", json_boolean(a->active));
	json_object_set_new(o, "first_seen", alerts_time(a->first_seen));
	json_object_set_new(o, "last_seen", alerts_time(a->last_seen));
	json_object_set_new(o, "resolved_at", alerts_time(a->resolved_at));
	json_object_set_new(o, "ack_by", policy_cmd_json_str(a->ack_by));
	json_object_set_new(o, "ack_at", alerts_time(a->ack_at));
	json_object_set_new(o, "ack_note", policy_cmd_json_str(a->ack_note));
	json_object_set_new(o, "silenced_until", a->silenced_until > now ?
	    json_integer(a->silenced_until) : json_null());
	json_object_set_new(o, "silence_reason", a->silenced_until > now ?
	    policy_cmd_json_str(a->silence_why) : json_null());
	json_object_set_new(o, "malformed", policy_cmd_json_str(a->malformed));
	return o;
}

static int
cmd_alerts_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct alert_list l;
	struct policy_table t;
	struct redis *r;
	char cause[512];
	long long now = (long long)time(NULL);
	bool all = cmd_option(c, "all") != NULL;
	size_t i;
	int code;
	static const char *const head[] = { "ID", "SEVERITY", "KIND",
		"SUBJECT", "AGE", "STATE", "TEXT" };

	if ((r = policy_cmd_redis(ctx, "cannot list the alerts", &code)) ==
	    NULL)
		return code;
	if (alert_store_list(r, all, now, &l, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(arr, alerts_json(&l.v[i], now));
		cmd_json_print(ctx, arr);
		alert_list_free(&l);
		return EXIT_OK;
	}
	if (l.n == 0) {
		fprintf(ctx->out, "no %salerts\n", all ? "" : "active ");
		alert_list_free(&l);
		return EXIT_OK;
	}
	policy_table_init(&t, 7, 1u, head);
	for (i = 0; i < l.n; i++) {
		const struct alert *a = &l.v[i];
		char id[24], age[16], st[160], text[ALERT_TEXT_MAX + 100];
		const char *row[7];

		snprintf(id, sizeof id, "%lld", a->id);
		format_age(a->first_seen > 0 ? (long)(now - a->first_seen) : -1,
		    age, sizeof age);
		alert_state_text(a, now, st, sizeof st);
		if (a->malformed[0] != '\0')
			snprintf(text, sizeof text, "malformed record: %s",
			    a->malformed);
		else if (a->ack_note[0] != '\0')
			snprintf(text, sizeof text, "%s (note: %s)", a->text,
			    a->ack_note);
		else
			snprintf(text, sizeof text, "%s", a->text);
		row[0] = id;
		row[1] = alert_severity_name(a->severity);
		row[2] = a->kind[0] ? a->kind : "?";
		row[3] = a->subject[0] ? a->subject : "?";
		row[4] = age;
		row[5] = st;
		row[6] = text;
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	alert_list_free(&l);
	return EXIT_OK;
}

/* The ID argument: a positive decimal. */
static int
ack_id(const struct cmd *c, struct cmd_ctx *ctx, long long *id)
{
	const char *s = c->argv[0];
	char *end;

	*id = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || *id <= 0)
		return cmd_fail(ctx, EXIT_USAGE, "ack: '%s' is not an alert ID; "
		    "IDs are the numbers 'mailnoc alerts' shows", s);
	return EXIT_OK;
}

/* The ID and the note, checked: what ack's preparation and exec share. */
static int
ack_args(const struct cmd *c, struct cmd_ctx *ctx, long long *id)
{
	const char *note = cmd_option(c, "note"), *why;
	int code;

	if ((code = ack_id(c, ctx, id)) != EXIT_OK)
		return code;
	if (note != NULL && (why = validate_text(note, ALERT_TEXT_MAX - 1)) !=
	    NULL)
		return cmd_fail(ctx, EXIT_USAGE, "ack: --note is not accepted: "
		    "%s", why);
	return EXIT_OK;
}

static int
cmd_ack_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	long long id;
	int code;

	if ((code = ack_args(c, ctx, &id)) == EXIT_OK)
		snprintf(ask->question, sizeof ask->question,
		    "acknowledge alert %lld", id);
	return code;
}

static int
cmd_ack_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *note = cmd_option(c, "note");
	char who[ALERT_WHO_MAX], cause[512];
	struct alert a;
	struct redis *r;
	long long id, now = (long long)time(NULL);
	int code;

	if ((code = ack_args(c, ctx, &id)) != EXIT_OK)
		return code;
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:I}", "dry_run", 1,
			    "id", (json_int_t)id));
		else
			fprintf(ctx->out, "dry run: would acknowledge alert "
			    "%lld; nothing was done\n", id);
		return EXIT_OK;
	}
	if ((r = policy_cmd_redis(ctx, "cannot acknowledge", &code)) == NULL)
		return code;
	policy_cmd_who(who, sizeof who);
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if (alert_store_ack(r, id, who, note != NULL ? note : "", now, &a,
	    cause, sizeof cause) == -1)
		return cmd_fail(ctx, r->err == RERR_NONE ? EXIT_FAILED :
		    redis_exit_code(r), "%s", cause);
	cmd_said(ctx, "acknowledged alert %lld (%s %s)", id, a.kind,
	    a.subject);
	if (ctx->json)
		cmd_json_print(ctx, alerts_json(&a, now));
	else
		fprintf(ctx->out, "acknowledged alert %lld: %s%s%s\n", id,
		    a.text, note != NULL ? "; note: " : "", note != NULL ?
		    note : "");
	return EXIT_OK;
}

/* --until: "YYYY-MM-DDTHH:MM[:SS]" local time, or epoch seconds. */
static int
silence_until(const char *s, long long *t)
{
	struct tm tm;
	const char *end;
	char *e;

	if (strchr(s, '-') == NULL) {
		*t = strtoll(s, &e, 10);
		return s[0] >= '0' && s[0] <= '9' && *e == '\0' ? 0 : -1;
	}
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL)
		return -1;
	if (*end == ':' && (end = strptime(end, ":%S", &tm)) == NULL)
		return -1;
	if (*end != '\0')
		return -1;
	tm.tm_isdst = -1;
	*t = (long long)mktime(&tm);
	return *t == -1 ? -1 : 0;
}

/* What silence's preparation and exec share: the arguments, checked. */
struct silence_args {
	char kind[ALERT_KIND_MAX];
	char subject[ALERT_SUBJECT_MAX];
	long long until;
};

static int
silence_args(const struct cmd *c, struct cmd_ctx *ctx, long long now,
    struct silence_args *sa)
{
	const char *arg = c->argv[0], *f = cmd_option(c, "for"),
	    *u = cmd_option(c, "until"), *reason = cmd_option(c, "reason"),
	    *colon, *why;
	char *kind = sa->kind, *subject = sa->subject;
	long long until, secs;
	int k;

	colon = strchr(arg, ':');
	snprintf(kind, sizeof sa->kind, "%.*s", colon != NULL ? (int)(colon - arg) :
	    (int)strlen(arg), arg);
	snprintf(subject, sizeof sa->subject, "%s", colon != NULL ? colon + 1 :
	    "*");
	if ((k = alert_kind_find(kind)) < 0) {
		char list[256] = "";
		size_t off = 0;
		int i;

		for (i = 0; i < ALERT_KIND_COUNT; i++)
			off += (size_t)snprintf(list + off, sizeof list - off,
			    "%s%s", i ? ", " : "", alert_kinds[i].name);
		return cmd_fail(ctx, EXIT_USAGE, "silence: unknown alert kind "
		    "'%s'; kinds: %s", kind, list);
	}
	if (colon != NULL && (subject[0] == '\0' || strlen(colon + 1) >=
	    sizeof sa->subject || (strcmp(subject, "*") != 0 &&
	    validate_text(subject, ALERT_SUBJECT_MAX - 1) != NULL)))
		return cmd_fail(ctx, EXIT_USAGE, "silence: the subject after "
		    "'%s:' must be a %s name or '*'", kind, alert_kinds[k].subject);
	if (f != NULL && u != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "silence: give --for or --until, "
		    "not both");
	if (f == NULL && u == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "silence: for how long? give "
		    "--for DURATION (such as 30m, 2h or 7d) or --until TIME");
	if (f != NULL) {
		if (duration_parse(f, &secs) == -1)
			return cmd_fail(ctx, EXIT_USAGE, "silence: --for '%s' is "
			    "not accepted; " DURATION_ACCEPTED, f);
		until = now + secs;
	} else if (silence_until(u, &until) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "silence: --until '%s' is not "
		    "a time; use YYYY-MM-DDTHH:MM (local time) or epoch "
		    "seconds", u);
	if (until <= now)
		return cmd_fail(ctx, EXIT_USAGE, "silence: --until %s has "
		    "passed already; a silence must end in the future", u);
	if (until > now + DURATION_MAX)
		return cmd_fail(ctx, EXIT_USAGE, "silence: --until %s is more "
		    "than 365 days away", u);
	if (reason == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "silence: say why with --reason "
		    "TEXT (the on-call team sees it in 'alerts')");
	if ((why = validate_text(reason, ALERT_TEXT_MAX - 1)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "silence: --reason is not "
		    "accepted: %s", why);
	sa->until = until;
	return EXIT_OK;
}

static int
cmd_silence_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	struct silence_args sa;
	char d[32];
	long long now = (long long)time(NULL);
	int code;

	if ((code = silence_args(c, ctx, now, &sa)) == EXIT_OK) {
		duration_format(sa.until - now, d, sizeof d);
		snprintf(ask->question, sizeof ask->question,
		    "silence %s:%s for %s", sa.kind, sa.subject, d);
	}
	return code;
}

static int
cmd_silence_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *reason = cmd_option(c, "reason");
	char who[ALERT_WHO_MAX], cause[512], t[32], d[32];
	struct silence_args sa;
	const char *kind = sa.kind, *subject = sa.subject;
	long long now = (long long)time(NULL), until;
	struct redis *r;
	int code;

	if ((code = silence_args(c, ctx, now, &sa)) != EXIT_OK)
		return code;
	until = sa.until;
	policy_cmd_time(until, t, sizeof t);
	duration_format(until - now, d, sizeof d);
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s,s:s,s:I}",
			    "dry_run", 1, "kind", kind, "subject", subject,
			    "until", (json_int_t)until));
		else
			fprintf(ctx->out, "dry run: would silence %s:%s for %s, "
			    "until %s; nothing was done\n", kind, subject, d, t);
		return EXIT_OK;
	}
	if ((r = policy_cmd_redis(ctx, "cannot silence", &code)) == NULL)
		return code;
	policy_cmd_who(who, sizeof who);
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if (alert_store_silence(r, kind, subject, until, who, reason, now,
	    cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	cmd_said(ctx, "silenced %s:%s until %s", kind, subject, t);
	if (ctx->json)
		cmd_json_print(ctx, json_pack("{s:s,s:s,s:I,s:s,s:s}", "kind",
		    kind, "subject", subject, "until", (json_int_t)until,
		    "reason", reason, "who", who));
	else
		fprintf(ctx->out, "silenced %s:%s for %s, until %s: %s\n", kind,
		    subject, d, t, reason);
	return EXIT_OK;
}

const struct cmd_entry cmd_alerts_entry = {
	.name = "alerts",
	.alias = NULL,
	.usage = "",
	.help = "list the active alerts: severity, age, who acknowledged them",
	.options = cmd_alerts_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_alerts_exec,
	.view = "alerts",
};

const struct cmd_entry cmd_ack_entry = {
	.name = "ack",
	.alias = NULL,
	.usage = "ID",
	.help = "acknowledge an alert: you are on it (audited)",
	.options = cmd_ack_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_ack_prepare,
	.exec = cmd_ack_exec,
};

const struct cmd_entry cmd_silence_entry = {
	.name = "silence",
	.alias = NULL,
	.usage = "KIND[:SUBJECT]",
	.help = "silence an alert kind, for one subject or all, for a while "
	    "(audited)",
	.options = cmd_silence_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_silence_prepare,
	.exec = cmd_silence_exec,
};
