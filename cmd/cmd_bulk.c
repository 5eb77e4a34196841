/* bulk: announced bulk jobs of an agency — announce, list, cancel (issue
 * 19). The policy service lets an announced job through at its plan's pace
 * instead of deferring it as a burst (docs/policy.md, "Announced bulk
 * jobs"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/bulk_store.h"
#include "backends/policy_store.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "cmd/policy_cmd.h"
#include "core/bulk.h"
#include "core/duration.h"
#include "core/exitcode.h"
#include "core/policy_input.h"
#include "core/validate.h"

static const struct cmd_option cmd_bulk_options[] = {
	{ "start", 1, "announce: when the window opens (now, +30m or a UTC "
	    "time YYYY-MM-DDTHH:MM)" },
	{ "end", 1, "announce: when it closes (as --start)" },
	{ "rcpts", 1, "announce: the recipients of the whole mailing" },
	{ "jobs", 1, "announce: how many jobs it is split into (default: "
	    "1 per 1000 recipients)" },
	{ "spacing", 1, "announce: time between two jobs' starts (default "
	    "10m)" },
	{ "note", 1, "announce: what the mailing is (at most 200 characters)" },
	{ NULL, 0, NULL },
};

/* Reads announce's arguments and options into a checked plan. */
static int
bulk_plan_of(const struct cmd *c, struct cmd_ctx *ctx, long long now,
    struct bulk_plan *p)
{
	const char *v, *why;
	char buf[300];
	long long n;

	memset(p, 0, sizeof *p);
	if (c->argc != 2)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: %s; usage: "
		    "bulk announce AGENCY --start T --end T --rcpts N [--jobs J] "
		    "[--spacing DUR] [--note TEXT]", c->argc < 2 ?
		    "missing the agency" : "too many arguments");
	if ((why = validate_name(c->argv[1])) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: '%s' is not an "
		    "agency id: %s", c->argv[1], why);
	snprintf(p->agency, sizeof p->agency, "%s", c->argv[1]);
	if ((v = cmd_option(c, "start")) == NULL ||
	    cmd_option(c, "end") == NULL || cmd_option(c, "rcpts") == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: give the "
		    "window and the size with --start T --end T --rcpts N");
	if (bulk_time_parse(v, now, &p->start) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: --start '%s' "
		    "is not accepted; %s", v, BULK_TIME_ACCEPTED);
	v = cmd_option(c, "end");
	if (bulk_time_parse(v, now, &p->end) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: --end '%s' is "
		    "not accepted; %s", v, BULK_TIME_ACCEPTED);
	v = cmd_option(c, "rcpts");
	if (policy_input_number(v, 1, BULK_RCPTS_MAX, &n) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: --rcpts '%s' "
		    "is not accepted; use a whole number of recipients, 1 to "
		    "%lld", v, BULK_RCPTS_MAX);
	p->rcpts = n;
	p->jobs = (long)((p->rcpts + 999) / 1000);
	if (p->jobs > BULK_JOBS_MAX)
		p->jobs = BULK_JOBS_MAX;
	if ((v = cmd_option(c, "jobs")) != NULL) {
		if (policy_input_number(v, 1, BULK_JOBS_MAX, &n) == -1)
			return cmd_fail(ctx, EXIT_USAGE, "bulk announce: --jobs "
			    "'%s' is not accepted; use a whole number, 1 to %d",
			    v, BULK_JOBS_MAX);
		p->jobs = (long)n;
	}
	p->spacing = BULK_SPACING_DEFAULT;
	if ((v = cmd_option(c, "spacing")) != NULL &&
	    duration_parse(v, &p->spacing) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: --spacing '%s' "
		    "is not accepted; %s", v, DURATION_ACCEPTED);
	if ((v = cmd_option(c, "note")) != NULL) {
		if ((why = validate_text(v, POLICY_TEXT_MAX)) != NULL)
			return cmd_fail(ctx, EXIT_USAGE, "bulk announce: --note "
			    "is not accepted: %s", why);
		snprintf(p->note, sizeof p->note, "%s", v);
	}
	if (bulk_check(p, now, buf, sizeof buf) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "bulk announce: %s", buf);
	return EXIT_OK;
}

/* "dmv: 3000 recipients in 3 jobs 10m apart, 2026-12-05 10:00:00 UTC to
 * 2026-12-05 11:00:00 UTC" (the zone of every time shown) */
static char *
bulk_describe(const struct bulk_plan *p, char *buf, size_t len)
{
	char a[48], b[48], d[32];

	snprintf(buf, len, "%s: %lld recipients in %ld job%s%s%s%s, %s to %s",
	    p->agency, p->rcpts, p->jobs, p->jobs == 1 ? "" : "s",
	    p->jobs > 1 ? " " : "", p->jobs > 1 ? duration_format(p->spacing,
	    d, sizeof d) : "", p->jobs > 1 ? " apart" : "", bulk_shown(p->start,
	    false, a, sizeof a), bulk_shown(p->end, false, b, sizeof b));
	return buf;
}

static json_t *
bulk_json(const struct bulk_plan *p, long long now)
{
	json_t *o;

	if (p->malformed[0] != '\0')
		return json_pack("{s:I,s:s}", "id", (json_int_t)p->id,
		    "malformed", p->malformed);
	o = json_pack("{s:I,s:s,s:I,s:I,s:I,s:i,s:I,s:I,s:b,s:I,s:I}",
	    "id", (json_int_t)p->id, "agency", p->agency,
	    "start", (json_int_t)p->start, "end", (json_int_t)p->end,
	    "rcpts", (json_int_t)p->rcpts, "jobs", (int)p->jobs,
	    "spacing", (json_int_t)p->spacing, "sent", (json_int_t)p->sent,
	    "active", bulk_active(p, now),
	    "jobs_due", (json_int_t)bulk_jobs_due(p, now),
	    "allowed", (json_int_t)bulk_allowance(p, now));
	json_object_set_new(o, "next_job", bulk_next_job(p, now) > 0 ?
	    json_integer(bulk_next_job(p, now)) : json_null());
	json_object_set_new(o, "note", policy_cmd_json_str(p->note));
	json_object_set_new(o, "who", policy_cmd_json_str(p->who));
	json_object_set_new(o, "created", json_integer(p->created));
	return o;
}

static int
bulk_announce(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct bulk_plan p;
	struct agency a;
	struct redis *r;
	char cause[512], q[600], desc[300], over[200] = "";
	long long now = (long long)time(NULL);
	int code, rc;

	if ((code = bulk_plan_of(c, ctx, now, &p)) != EXIT_OK)
		return code;
	if ((r = policy_cmd_redis(ctx, "cannot announce the bulk job",
	    &code)) == NULL)
		return code;
	if ((rc = store_agency_get(r, p.agency, &a, cause, sizeof cause)) ==
	    -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "bulk announce: no agency "
		    "'%s'; see 'agency list'", p.agency);
	/* Above the declared volume is worth a question, not a refusal. */
	if (a.daily > 0 && p.rcpts > a.daily)
		snprintf(over, sizeof over, " (%lld recipients is above the "
		    "%lld messages a day %s declared)", p.rcpts, a.daily,
		    p.agency);
	bulk_describe(&p, desc, sizeof desc);
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s,s:I,s:b}",
			    "dry_run", 1, "agency", p.agency, "rcpts",
			    (json_int_t)p.rcpts, "over_daily", over[0] != '\0'));
		else
			fprintf(ctx->out, "dry run: would announce a bulk job "
			    "for %s%s; nothing was done\n", desc, over);
		return EXIT_OK;
	}
	snprintf(q, sizeof q, "announce a bulk job for %s%s", desc, over);
	if ((code = cmd_confirm(ctx, q, 1, false)) != CONFIRM_GO)
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	policy_cmd_who(p.who, sizeof p.who);
	p.created = now;
	if (bulk_store_announce(r, &p, now, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	cmd_said(ctx, "announced bulk job %lld for %s%s", p.id, desc, over);
	if (ctx->json)
		cmd_json_print(ctx, bulk_json(&p, now));
	else
		fprintf(ctx->out, "announced bulk job %lld for %s%s\n", p.id,
		    desc, over);
	return EXIT_OK;
}

static int
bulk_list(const struct cmd *c, struct cmd_ctx *ctx)
{
	static const char *const header[] = { "ID", "AGENCY", "START",
		"END", "RCPTS", "JOBS", "SPACING", "SENT", "NEXT JOB",
		"WHO", "NOTE" };
	struct bulk_list l;
	struct policy_table t;
	struct redis *r;
	char cause[512];
	long long now = (long long)time(NULL);
	size_t i;
	int code;

	(void)c;
	if ((r = policy_cmd_redis(ctx, "cannot list the bulk announcements",
	    &code)) == NULL)
		return code;
	if (bulk_store_list(r, now, &l, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(arr, bulk_json(&l.v[i], now));
		cmd_json_print(ctx, arr);
		bulk_list_free(&l);
		return EXIT_OK;
	}
	if (l.n == 0) {
		fprintf(ctx->out, "no bulk jobs announced; announce one with "
		    "'bulk announce'\n");
		bulk_list_free(&l);
		return EXIT_OK;
	}
	policy_table_init(&t, 11, 0xf1, header);
	for (i = 0; i < l.n; i++) {
		const struct bulk_plan *p = &l.v[i];
		char id[24], st[48], en[48], rc[24], jb[24], sp[32], se[48],
		    nx[48];
		const char *row[11];
		long long next = bulk_next_job(p, now);

		snprintf(id, sizeof id, "%lld", p->id);
		row[0] = id;
		if (p->malformed[0] != '\0') {
			row[1] = "MALFORMED";
			for (size_t k = 2; k < 10; k++)
				row[k] = "-";
			row[10] = p->malformed;
			policy_table_add(&t, row);
			continue;
		}
		snprintf(rc, sizeof rc, "%lld", p->rcpts);
		snprintf(jb, sizeof jb, "%ld", p->jobs);
		snprintf(se, sizeof se, "%lld%s", p->sent, bulk_active(p, now) ?
		    " (active)" : "");
		row[1] = p->agency;
		row[2] = bulk_shown(p->start, false, st, sizeof st);
		row[3] = bulk_shown(p->end, false, en, sizeof en);
		row[4] = rc;
		row[5] = jb;
		row[6] = duration_format(p->spacing, sp, sizeof sp);
		row[7] = se;
		row[8] = next > 0 ? bulk_shown(next, false, nx, sizeof nx) : "-";
		row[9] = p->who[0] ? p->who : "-";
		row[10] = p->note[0] ? p->note : "-";
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	bulk_list_free(&l);
	return EXIT_OK;
}

/* cancel's ID: a whole number. */
static int
bulk_id(struct cmd_ctx *ctx, const char *s, long long *id)
{
	if (policy_input_number(s, 1, 1000000000000LL, id) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "bulk cancel: '%s' is not an "
		    "announcement id; see 'bulk list'", s);
	return EXIT_OK;
}

static int
bulk_cancel(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct bulk_plan was;
	struct redis *r;
	char cause[512], q[200], desc[300];
	long long id;
	int code, rc;

	if (c->argc != 2)
		return cmd_fail(ctx, EXIT_USAGE, "bulk cancel: %s; usage: bulk "
		    "cancel ID", c->argc < 2 ? "missing the id" :
		    "too many arguments");
	if ((code = bulk_id(ctx, c->argv[1], &id)) != EXIT_OK)
		return code;
	if (ctx->dry_run) {
		fprintf(ctx->out, "dry run: would cancel bulk announcement "
		    "%lld; nothing was done\n", id);
		return EXIT_OK;
	}
	snprintf(q, sizeof q, "cancel bulk announcement %lld", id);
	if ((code = cmd_confirm(ctx, q, 1, false)) != CONFIRM_GO)
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
	if ((r = policy_cmd_redis(ctx, "cannot cancel the bulk announcement",
	    &code)) == NULL)
		return code;
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if ((rc = bulk_store_cancel(r, id, &was, cause, sizeof cause)) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "bulk cancel: no announcement "
		    "%lld; see 'bulk list'", id);
	bulk_describe(&was, desc, sizeof desc);
	cmd_said(ctx, "cancelled bulk job %lld for %s", id, desc);
	if (ctx->json)
		cmd_json_print(ctx, json_pack("{s:I,s:s,s:b}", "id",
		    (json_int_t)id, "agency", was.agency, "cancelled", 1));
	else
		fprintf(ctx->out, "cancelled bulk job %lld for %s\n", id, desc);
	return EXIT_OK;
}

static int
cmd_bulk_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	if (strcmp(c->argv[0], "announce") == 0)
		return bulk_announce(c, ctx);
	if (strcmp(c->argv[0], "cancel") == 0)
		return bulk_cancel(c, ctx);
	if (strcmp(c->argv[0], "list") == 0) {
		if (c->argc != 1 || c->nopts > 0)
			return cmd_fail(ctx, EXIT_USAGE, "bulk list: takes no "
			    "arguments or options but --json");
		return bulk_list(c, ctx);
	}
	return cmd_fail(ctx, EXIT_USAGE, "bulk: no subcommand '%s'; use "
	    "announce, list or cancel", c->argv[0]);
}

/* Checked where the user is, and the console's question. */
static int
cmd_bulk_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	struct bulk_plan p;
	char desc[300];
	long long id;
	int code;

	if (strcmp(c->argv[0], "announce") == 0) {
		if ((code = bulk_plan_of(c, ctx, (long long)time(NULL),
		    &p)) != EXIT_OK)
			return code;
		snprintf(ask->question, sizeof ask->question, "announce a bulk "
		    "job for %s", bulk_describe(&p, desc, sizeof desc));
		return EXIT_OK;
	}
	if (strcmp(c->argv[0], "cancel") == 0) {
		if (c->argc != 2)
			return cmd_fail(ctx, EXIT_USAGE, "bulk cancel: usage: "
			    "bulk cancel ID");
		if ((code = bulk_id(ctx, c->argv[1], &id)) != EXIT_OK)
			return code;
		snprintf(ask->question, sizeof ask->question, "cancel bulk "
		    "announcement %lld", id);
		return EXIT_OK;
	}
	if (strcmp(c->argv[0], "list") == 0)
		return EXIT_OK;
	return cmd_fail(ctx, EXIT_USAGE, "bulk: no subcommand '%s'; use "
	    "announce, list or cancel", c->argv[0]);
}

static const struct cmd_sub cmd_bulk_subs[] = {
	{ "announce", "AGENCY", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "list", "", 0, NULL },
	{ "cancel", "ID", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_entry cmd_bulk_entry = {
	.name = "bulk",
	.alias = NULL,
	.usage = "announce AGENCY --start T --end T --rcpts N|list|cancel ID",
	.help = "announced bulk jobs: the policy service lets them through at "
		"their plan's pace",
	.options = cmd_bulk_options,
	.subs = cmd_bulk_subs,
	.min_args = 1,
	.max_args = 2,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_bulk_prepare,
	.exec = cmd_bulk_exec,
};
