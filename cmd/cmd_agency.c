/* agency, agencies: the agencies that relay through the gateways, their
 * declared volume and limits, and what they actually send. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/bulk_store.h"
#include "backends/maillog_store.h"
#include "backends/policy_store.h"
#include "core/clock.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "cmd/policy_cmd.h"
#include "core/policy_input.h"
#include "core/validate.h"

static const struct cmd_option cmd_agency_options[] = {
	{ "name", 1, "add, set: the agency's name (at most 200 characters)" },
	{ "contact", 1, "add, set: who to call about its mail" },
	{ "daily", 1, "add, set: declared messages per day (0: not declared)" },
	{ "max-rcpts", 1, "add, set: recipients per message (0: no limit)" },
	{ "max-per-minute", 1, "add, set: messages per minute (0: no limit)" },
	{ "bulk-rcpts", 1, "add, set: recipients per 10 minutes (default "
	    "1000; none: no bulk limit)" },
	{ "domains", 1, "add, set: sending domains, comma-separated, for the "
	    "SPF check (none: no domain)" },
	{ NULL, 0, NULL },
};

/* The options in the order of enum agency_field's bits. */
static const char *const agency_option_names[] = {
	"name", "contact", "daily", "max-rcpts", "max-per-minute", "bulk-rcpts",
	"domains",
};
#define AGENCY_NOPTIONS 7

/* Reads the options into a; returns an exit code, *fields what was given. */
static int
agency_options(const struct cmd *c, struct cmd_ctx *ctx, const char *sub,
    struct agency *a, int *fields)
{
	const char *v, *why;
	long long n;
	int i;

	*fields = 0;
	for (i = 0; i < AGENCY_NOPTIONS; i++) {
		if ((v = cmd_option(c, agency_option_names[i])) == NULL)
			continue;
		*fields |= 1 << i;
		switch (1 << i) {
		case AGENCY_NAME:
		case AGENCY_CONTACT:
			if ((why = validate_text(v, POLICY_TEXT_MAX)) != NULL)
				return cmd_fail(ctx, EXIT_USAGE, "agency %s: --%s "
				    "is not accepted: %s", sub,
				    agency_option_names[i], why);
			snprintf(i == 0 ? a->name : a->contact, sizeof a->name,
			    "%s", v);
			break;
		case AGENCY_DAILY:
			if (policy_input_number(v, 0, 1000000000000LL, &n) == -1)
				return cmd_fail(ctx, EXIT_USAGE, "agency %s: "
				    "--daily '%s' is not accepted; use a whole "
				    "number of messages per day (0: not "
				    "declared)", sub, v);
			a->daily = n;
			break;
		case AGENCY_MAX_RCPTS:
		case AGENCY_MAX_PER_MINUTE:
			if (policy_input_number(v, 0, 1000000000LL, &n) == -1)
				return cmd_fail(ctx, EXIT_USAGE, "agency %s: --%s "
				    "'%s' is not accepted; use a whole number, "
				    "0 for no limit", sub,
				    agency_option_names[i], v);
			if (i == 3)
				a->max_rcpts = (long)n;
			else
				a->max_per_minute = (long)n;
			break;
		case AGENCY_BULK_RCPTS:
			if (strcmp(v, "none") == 0 || strcmp(v, "-1") == 0)
				n = -1;
			else if (policy_input_number(v, 1, 1000000000LL, &n) ==
			    -1)
				return cmd_fail(ctx, EXIT_USAGE, "agency %s: "
				    "--bulk-rcpts '%s' is not accepted; use 1 or "
				    "more recipients per 10 minutes, or none",
				    sub, v);
			a->bulk_rcpts = (long)n;
			break;
		case AGENCY_DOMAINS: {
			char bad[200];

			if (strcmp(v, "none") != 0 && policy_input_domains(v,
			    a->domains, sizeof a->domains, bad,
			    sizeof bad) != NULL)
				return cmd_fail(ctx, EXIT_USAGE, "agency %s: "
				    "--domains is not accepted: %s", sub, bad);
			break;
		}
		}
	}
	return EXIT_OK;
}

static int
agency_id(struct cmd_ctx *ctx, const char *sub, const char *id)
{
	const char *why;

	if ((why = validate_name(id)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "agency %s: '%s' is not an "
		    "agency id: %s", sub, id, why);
	return EXIT_OK;
}

/* "5000", "-" for 0 (none) */
static const char *
agency_limit(long long v, char *buf, size_t len)
{
	if (v <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
	return buf;
}

/* add and set: the ID and the options, checked into `a` and *fields. */
static int
agency_check(const struct cmd *c, struct cmd_ctx *ctx, bool create,
    struct agency *a, int *fields)
{
	const char *sub = create ? "add" : "set", *id = c->argv[1];
	int code;

	memset(a, 0, sizeof *a);
	a->bulk_rcpts = STORE_BULK_DEFAULT;
	if ((code = agency_id(ctx, sub, id)) != EXIT_OK ||
	    (code = agency_options(c, ctx, sub, a, fields)) != EXIT_OK)
		return code;
	snprintf(a->id, sizeof a->id, "%s", id);
	if (create && !(*fields & AGENCY_NAME))
		return cmd_fail(ctx, EXIT_USAGE, "agency add: give the agency's "
		    "name with --name TEXT");
	if (!create && *fields == 0)
		return cmd_fail(ctx, EXIT_USAGE, "agency set: nothing to change; "
		    "give --name, --contact, --daily, --max-rcpts, "
		    "--max-per-minute, --bulk-rcpts or --domains");
	return EXIT_OK;
}

/* add and set: one path, create says which. */
static int
agency_put(const struct cmd *c, struct cmd_ctx *ctx, bool create)
{
	const char *id = c->argv[1];
	char cause[512];
	struct agency a, now_a;
	struct redis *r;
	int code, fields, i;

	if ((code = agency_check(c, ctx, create, &a, &fields)) != EXIT_OK)
		return code;
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s}", "dry_run", 1,
			    "id", id));
		else
			fprintf(ctx->out, "dry run: would %s agency %s; nothing "
			    "was done\n", create ? "add" : "change", id);
		return EXIT_OK;
	}
	snprintf(cause, sizeof cause, "cannot %s agency '%s'", create ? "add" :
	    "change", id);
	if ((r = policy_cmd_redis(ctx, cause, &code)) == NULL)
		return code;
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if (store_agency_put(r, &a, fields, create, cause, sizeof cause) == -1 ||
	    store_agency_get(r, id, &now_a, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	cmd_said(ctx, "%s agency %s (%s)", create ? "added" : "changed", id,
	    now_a.name);
	if (ctx->json) {
		cmd_json_print(ctx, policy_cmd_agency_json(&now_a, false));
		return EXIT_OK;
	}
	if (create)
		fprintf(ctx->out, "added agency %s: %s\n", id, now_a.name);
	else {
		fprintf(ctx->out, "changed agency %s:", id);
		for (i = 0; i < AGENCY_NOPTIONS; i++) {
			if (fields & (1 << i))
				fprintf(ctx->out, "%s %s %s", i == 0 ||
				    !(fields & ((1 << i) - 1)) ? "" : ",",
				    agency_option_names[i],
				    cmd_option(c, agency_option_names[i]));
		}
		fputc('\n', ctx->out);
	}
	return EXIT_OK;
}

static int
agency_add(const struct cmd *c, struct cmd_ctx *ctx)
{
	return agency_put(c, ctx, true);
}

static int
agency_set(const struct cmd *c, struct cmd_ctx *ctx)
{
	return agency_put(c, ctx, false);
}

/* The mail log's figures of an agency's day (bounces, invalid addresses,
 * the providers that bounced most); zeros when it has none. */
static void
agency_maillog_json(json_t *o, const struct ml_agencies *ml,
    const struct ml_agency *g, const struct config *cfg)
{
	static const struct ml_agency none;
	json_t *top = json_array();
	size_t i;

	if (g == NULL)
		g = &none;
	json_object_set_new(o, "delivered_log_day", json_integer(g->delivered));
	json_object_set_new(o, "bounced_day", json_integer(g->bounced));
	json_object_set_new(o, "invalid_day", json_integer(g->invalid));
	json_object_set_new(o, "bounced_pct_day", json_real(
	    ml_agency_bounced_pct(g)));
	json_object_set_new(o, "invalid_pct_day", json_real(
	    ml_agency_invalid_pct(g)));
	json_object_set_new(o, "invalid_over", json_boolean(
	    ml_agency_invalid_pct(g) > cfg->maillog.invalid_warn_pct));
	for (i = 0; i < g->ntop; i++) {
		const char *why = ml_agencies_reason_of(ml, g->name,
		    g->top[i].domain);
		json_t *t = json_pack("{s:s,s:I,s:I}", "domain",
		    g->top[i].domain, "bounced", (json_int_t)g->top[i].bounced,
		    "invalid", (json_int_t)g->top[i].invalid);

		json_object_set_new(t, "sample_reason", why != NULL ?
		    json_string(why) : json_null());
		json_array_append_new(top, t);
	}
	json_object_set_new(o, "bounced_providers", top);
}

/*
 * What both lists start with: the console's view, the fetch, --json and the
 * empty list. Returns -1 when the caller prints l as a table (and frees
 * it), or the exit code when all was done here.
 */
static int
agency_fetch(struct cmd_ctx *ctx, bool volumes, struct agency_list *l)
{
	struct redis *r;
	char cause[512];
	size_t i;
	int code;

	if ((r = policy_cmd_redis(ctx, "cannot list the agencies", &code)) ==
	    NULL)
		return code;
	if (store_agencies_list(r, clock_wall_ms(), volumes, l, cause,
	    sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (volumes) {
		struct bulk_list bl;

		if (bulk_store_list(r, clock_wall_ms() / 1000, &bl, cause,
		    sizeof cause) == -1) {
			agency_list_free(l);
			return policy_cmd_store_fail(ctx, r, cause);
		}
		bulk_attach(l, &bl, clock_wall_ms() / 1000);
		bulk_list_free(&bl);
	}
	if (ctx->json) {
		json_t *arr = json_array();
		struct ml_agencies ml;

		if (volumes && maillog_store_agencies(r, clock_wall_ms() / 1000,
		    &ml, cause, sizeof cause) == -1) {
			agency_list_free(l);
			json_decref(arr);
			return policy_cmd_store_fail(ctx, r, cause);
		}
		for (i = 0; i < l->n; i++) {
			json_t *o = policy_cmd_agency_json(&l->v[i], volumes);

			if (volumes)
				agency_maillog_json(o, &ml, ml_agencies_find(
				    &ml, l->v[i].id), ctx->cfg);
			json_array_append_new(arr, o);
		}
		if (volumes)
			ml_agencies_free(&ml);
		cmd_json_print(ctx, arr);
		agency_list_free(l);
		return EXIT_OK;
	}
	if (l->n == 0) {
		fprintf(ctx->out, "no agencies; add one with 'agency add'\n");
		agency_list_free(l);
		return EXIT_OK;
	}
	return -1;
}

static int
agency_list(const struct cmd *c, struct cmd_ctx *ctx)
{
	static const char *const header[] = { "ID", "PERMITS", "DAILY",
		"MAX-RCPTS", "MAX/MIN", "BULK/10MIN", "NAME", "CONTACT" };
	struct agency_list l;
	struct policy_table t;
	size_t i;
	int code;

	(void)c;
	if ((code = agency_fetch(ctx, false, &l)) != -1)
		return code;
	policy_table_init(&t, 8, 0x3e, header);
	for (i = 0; i < l.n; i++) {
		const struct agency *a = &l.v[i];
		char np[24], daily[24], mr[24], mpm[24], bulk[24];
		const char *row[8];

		snprintf(np, sizeof np, "%zu", a->npermits);
		if (a->bulk_rcpts < 0)
			snprintf(bulk, sizeof bulk, "none");
		else
			snprintf(bulk, sizeof bulk, "%ld", a->bulk_rcpts);
		row[0] = a->id;
		row[1] = np;
		row[2] = agency_limit(a->daily, daily, sizeof daily);
		row[3] = agency_limit(a->max_rcpts, mr, sizeof mr);
		row[4] = agency_limit(a->max_per_minute, mpm, sizeof mpm);
		row[5] = bulk;
		row[6] = a->name[0] ? a->name : "-";
		row[7] = a->contact[0] ? a->contact : "-";
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	agency_list_free(&l);
	return EXIT_OK;
}

static int
agency_show(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *id = c->argv[1];
	struct permit_list pl;
	struct agency a;
	struct redis *r;
	char cause[512], b[24];
	size_t i;
	int code, rc;

	if ((code = agency_id(ctx, "show", id)) != EXIT_OK)
		return code;
	if ((r = policy_cmd_redis(ctx, "cannot show the agency", &code)) ==
	    NULL)
		return code;
	if ((rc = store_agency_get(r, id, &a, cause, sizeof cause)) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "agency show: no agency '%s'",
		    id);
	if (store_permits_list(r, id, &pl, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (ctx->json) {
		json_t *o = policy_cmd_agency_json(&a, false), *arr = json_array();

		for (i = 0; i < pl.n; i++)
			json_array_append_new(arr, policy_cmd_permit_json(&pl.v[i]));
		json_object_set_new(o, "relay_permits", arr);
		cmd_json_print(ctx, o);
		permit_list_free(&pl);
		return EXIT_OK;
	}
	fprintf(ctx->out, "agency:          %s\n", a.id);
	fprintf(ctx->out, "name:            %s\n", a.name[0] ? a.name : "-");
	fprintf(ctx->out, "contact:         %s\n", a.contact[0] ? a.contact :
	    "-");
	fprintf(ctx->out, "declared daily:  %s\n", agency_limit(a.daily, b,
	    sizeof b));
	fprintf(ctx->out, "max rcpts/msg:   %s\n", agency_limit(a.max_rcpts, b,
	    sizeof b));
	fprintf(ctx->out, "max msgs/minute: %s\n", agency_limit(
	    a.max_per_minute, b, sizeof b));
	if (a.bulk_rcpts < 0)
		fprintf(ctx->out, "bulk limit:      none\n");
	else
		fprintf(ctx->out, "bulk limit:      %ld recipients per 10 "
		    "minutes\n", a.bulk_rcpts);
	fprintf(ctx->out, "domains:         %s\n", a.domains[0] ? a.domains :
	    "-");
	fprintf(ctx->out, "relay permits:   %zu\n", pl.n);
	if (pl.n > 0) {
		fputc('\n', ctx->out);
		policy_cmd_permits_print(ctx->out, &pl);
	}
	permit_list_free(&pl);
	return EXIT_OK;
}

struct agency_sub {
	const char *name;
	const char *usage;
	int nargs;        /* after the subcommand */
	bool mutates;
	int (*exec)(const struct cmd *, struct cmd_ctx *);
};

static const struct agency_sub agency_subs[] = {
	{ "add", "agency add ID --name TEXT [--contact TEXT] [--daily N] "
	    "[--max-rcpts N] [--max-per-minute N] [--bulk-rcpts N|none] "
	    "[--domains D,D|none]", 1, true, agency_add },
	{ "set", "agency set ID [--name TEXT] [--contact TEXT] [--daily N] "
	    "[--max-rcpts N] [--max-per-minute N] [--bulk-rcpts N|none] "
	    "[--domains D,D|none]", 1, true, agency_set },
	{ "list", "agency list", 0, false, agency_list },
	{ "show", "agency show ID", 1, false, agency_show },
};

/* The subcommand of `c` with its arguments counted; NULL with ctx->cause
 * and *code set. */
static const struct agency_sub *
agency_sub_check(const struct cmd *c, struct cmd_ctx *ctx, int *code)
{
	const struct agency_sub *s = NULL;
	size_t i;
	int n = c->argc - 1;

	for (i = 0; i < sizeof agency_subs / sizeof agency_subs[0]; i++) {
		if (strcmp(c->argv[0], agency_subs[i].name) == 0)
			s = &agency_subs[i];
	}
	if (s == NULL)
		*code = cmd_fail(ctx, EXIT_USAGE, "agency: no subcommand '%s'; "
		    "use add, set, list or show", c->argv[0]);
	else if (n != s->nargs)
		*code = cmd_fail(ctx, EXIT_USAGE, "agency %s: %s; usage: %s",
		    s->name, n < s->nargs ? "missing argument" :
		    "too many arguments", s->usage);
	else if (!s->mutates && c->nopts > 0)
		*code = cmd_fail(ctx, EXIT_USAGE, "agency %s: --%s applies to "
		    "'agency add' and 'agency set' only", s->name,
		    c->opts[0].opt->name);
	else
		return s;
	return NULL;
}

static int
cmd_agency_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct agency_sub *s;
	int code;

	if ((s = agency_sub_check(c, ctx, &code)) == NULL)
		return code;
	return s->exec(c, ctx);
}

/* add and set checked where the user is, and the console's question. */
static int
cmd_agency_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	bool create = strcmp(c->argv[0], "add") == 0;
	const struct agency_sub *s;
	struct agency a;
	int fields, code;

	if ((s = agency_sub_check(c, ctx, &code)) == NULL)
		return code;
	if (s->exec == agency_show)
		return agency_id(ctx, "show", c->argv[1]);
	if (!s->mutates)
		return EXIT_OK;
	snprintf(ask->question, sizeof ask->question, "%s agency %s",
	    create ? "add" : "change", c->argv[1]);
	return agency_check(c, ctx, create, &a, &fields);
}

static int
cmd_agencies_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	static const char *const header[] = { "ID", "MIN", "HOUR", "DAY",
		"DECLARED", "%DECL", "RCPTS/10M", "BULK", "REJ/DAY", "DEF/DAY",
		"FLAGS", "NAME" };
	struct agency_list l;
	struct policy_table t;
	size_t i;
	int code;

	(void)c;
	if ((code = agency_fetch(ctx, true, &l)) != -1)
		return code;
	policy_table_init(&t, 12, 0x3fe, header);
	for (i = 0; i < l.n; i++) {
		const struct agency *a = &l.v[i];
		char mn[24], hr[24], dy[24], decl[24], pct[24], r10[24],
		    bulk[24], rej[24], def[24], flags[48];
		const char *row[12];
		bool over_daily = a->daily > 0 && a->day[VOLUME_MSGS] > a->daily;

		snprintf(mn, sizeof mn, "%lld", a->minute[VOLUME_MSGS]);
		snprintf(hr, sizeof hr, "%lld", a->hour[VOLUME_MSGS]);
		snprintf(dy, sizeof dy, "%lld", a->day[VOLUME_MSGS]);
		agency_limit(a->daily, decl, sizeof decl);
		if (a->daily > 0)
			snprintf(pct, sizeof pct, "%.0f%%", (double)a->day[
			    VOLUME_MSGS] * 100.0 / (double)a->daily);
		else
			snprintf(pct, sizeof pct, "-");
		snprintf(r10, sizeof r10, "%lld", a->rcpts_10min);
		if (a->bulk_rcpts < 0)
			snprintf(bulk, sizeof bulk, "none");
		else
			snprintf(bulk, sizeof bulk, "%ld", a->bulk_rcpts);
		snprintf(rej, sizeof rej, "%lld", a->day[VOLUME_REJECTED]);
		snprintf(def, sizeof def, "%lld", a->day[VOLUME_DEFERRED]);
		snprintf(flags, sizeof flags, "%s%s%s%s%s", a->over_bulk ?
		    "over-bulk" : "", a->over_bulk && over_daily ? "," : "",
		    over_daily ? "over-daily" : "", a->bulk_active &&
		    (a->over_bulk || over_daily) ? "," : "", a->bulk_active ?
		    "announced" : "");
		row[0] = a->id;
		row[1] = mn;
		row[2] = hr;
		row[3] = dy;
		row[4] = decl;
		row[5] = pct;
		row[6] = r10;
		row[7] = bulk;
		row[8] = rej;
		row[9] = def;
		row[10] = flags[0] ? flags : "-";
		row[11] = a->name[0] ? a->name : "-";
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	agency_list_free(&l);
	return EXIT_OK;
}

static const struct cmd_sub cmd_agency_subs[] = {
	{ "add", "ID", CMD_MUTATES, NULL },
	{ "set", "ID", CMD_MUTATES, NULL },
	{ "list", "", 0, "agencies" },
	{ "show", "ID", 0, "agencies" },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_entry cmd_agency_entry = {
	.name = "agency",
	.alias = NULL,
	.usage = "add|set ID|list|show ID",
	.help = "agencies: add, change, list, show with their relay permits",
	.options = cmd_agency_options,
	.subs = cmd_agency_subs,
	.min_args = 1,
	.max_args = 2,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_agency_prepare,
	.exec = cmd_agency_exec,
};

const struct cmd_entry cmd_agencies_entry = {
	.name = "agencies",
	.view = "agencies",
	.alias = NULL,
	.usage = "",
	.help = "each agency's volume: this minute, hour and day, declared, "
		"bulk window",
	.options = NULL,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_agencies_exec,
};
