/* filters and quarantine: the gateways' spam and virus filter as their
 * agents published it, and the messages it quarantined (Postfix's hold
 * queue), released or deleted through the queue actions. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/filter_store.h"
#include "backends/queues.h"
#include "backends/redis.h"
#include "cmd/cmd.h"
#include "cmd/policy_cmd.h"
#include "core/exitcode.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/queue.h"
#include "core/validate.h"
#include "core/xalloc.h"

extern const struct cmd_entry cmd_queue_entry;

static json_t *
filters_counts(const long long *v)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < FILTER_ACTIONS + 2; i++)
		json_object_set_new(o, filter_bucket_field[i],
		    json_integer(v[i]));
	return o;
}

static json_t *
filters_json(const struct filter_node *v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		json_t *o = json_object(), *acts = json_object(),
		    *hours = json_array();
		long long all = v[i].day[FILTER_B_SCANNED] +
		    v[i].day[FILTER_B_UNSCANNED];

		for (k = 0; k < FILTER_ACTIONS; k++)
			json_object_set_new(acts, filter_action_field[k],
			    json_integer(v[i].action[k]));
		for (k = 0; k < FILTER_HOURS; k++)
			json_array_append_new(hours,
			    json_integer(v[i].rejects_by_hour[k]));
		json_object_set_new(o, "node", json_string(v[i].name));
		json_object_set_new(o, "state",
		    json_string(filter_node_state(&v[i])));
		json_object_set_new(o, "up", json_boolean(v[i].up));
		json_object_set_new(o, "checked_at", json_integer(v[i].at));
		json_object_set_new(o, "since", json_integer(v[i].since));
		json_object_set_new(o, "error", json_string(v[i].error));
		json_object_set_new(o, "version", json_string(v[i].version));
		json_object_set_new(o, "scanned", json_integer(v[i].scanned));
		json_object_set_new(o, "actions", acts);
		json_object_set_new(o, "unscanned",
		    json_integer(v[i].unscanned));
		json_object_set_new(o, "quarantined", json_integer(v[i].held));
		json_object_set_new(o, "unscanned_share_day", all > 0 ?
		    json_real((double)v[i].day[FILTER_B_UNSCANNED] /
		    (double)all) : json_real(0));
		json_object_set_new(o, "minute", filters_counts(v[i].minute));
		json_object_set_new(o, "hour", filters_counts(v[i].hour));
		json_object_set_new(o, "day", filters_counts(v[i].day));
		json_object_set_new(o, "rejects_by_hour", hours);
		json_object_set_new(o, "poll_cpu_us",
		    json_integer(v[i].poll_us));
		if (v[i].malformed[0] != '\0')
			json_object_set_new(o, "malformed",
			    json_string(v[i].malformed));
		json_array_append_new(a, o);
	}
	return json_pack("{s:o}", "filters", a);
}

static void
filters_print(FILE *f, const struct filter_node *v, size_t n)
{
	const char *const per[] = { "minute", "hour", "day" };
	size_t i;
	int k, p;

	if (n == 0) {
		fprintf(f, "no gateway has a filter in the configuration "
		    "(nodes[].filter)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct filter_node *x = &v[i];
		long long all = x->day[FILTER_B_SCANNED] +
		    x->day[FILTER_B_UNSCANNED];

		fprintf(f, "%s: filter %s%s%s%s%s, %lld scanned, %lld passed "
		    "unscanned (%.1f%% of the day's), %lld quarantined\n",
		    x->name, filter_node_state(x), x->version[0] ?
		    ", rspamd " : "", x->version, x->error[0] ? ": " : "",
		    x->error, x->scanned, x->unscanned, all > 0 ? 100.0 *
		    (double)x->day[FILTER_B_UNSCANNED] / (double)all : 0.0,
		    x->held);
		fprintf(f, "  %-7s %8s", "", "scanned");
		for (k = 0; k < FILTER_ACTIONS; k++)
			fprintf(f, " %11s", filter_action_text[k]);
		fprintf(f, " %9s\n", "unscanned");
		for (p = 0; p < 3; p++) {
			const long long *b = p == 0 ? x->minute : p == 1 ?
			    x->hour : x->day;

			fprintf(f, "  %-7s %8lld", per[p], b[FILTER_B_SCANNED]);
			for (k = 0; k < FILTER_ACTIONS; k++)
				fprintf(f, " %11lld", b[k]);
			fprintf(f, " %9lld\n", b[FILTER_B_UNSCANNED]);
		}
		if (x->malformed[0] != '\0')
			fprintf(f, "  published value unreadable: %s\n",
			    x->malformed);
	}
}

static int
cmd_filters_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct filter_node *v;
	struct redis *r;
	char cause[512];
	size_t n;
	int code = EXIT_OK;

	(void)c;
	if ((r = policy_cmd_redis(ctx, "filters", &code)) == NULL)
		return code;
	if (filter_store_read(r, ctx->cfg, time(NULL), &v, &n, cause,
	    sizeof cause) == -1) {
		free(v);
		return cmd_fail(ctx, redis_exit_code(r), "filters: %s", cause);
	}
	if (ctx->json)
		cmd_json_print(ctx, filters_json(v, n));
	else
		filters_print(ctx->out, v, n);
	free(v);
	return EXIT_OK;
}

const struct cmd_entry cmd_filters_entry = {
	.name = "filters",
	.alias = NULL,
	.usage = "",
	.help = "show each gateway's spam and virus filter: up or down, "
		"counts by action, mail passed unscanned",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_filters_exec,
	.view = "filter",
};

/* ------------------------------------------------------------ quarantine */

static const struct cmd_option cmd_quarantine_options[] = {
	{ "node", 1, "list: only this gateway" },
	{ "body", 0, "show: the body too, not only the headers" },
	{ NULL, 0, NULL },
};

/* The held records; NULL with ctx->cause set on failure. */
static int
quarantine_read(struct cmd_ctx *ctx, const char *node,
    struct filter_quarantined **v, size_t *n)
{
	struct redis *r;
	char cause[512];
	int code = EXIT_OK;

	if ((r = policy_cmd_redis(ctx, "quarantine", &code)) == NULL)
		return code;
	if (filter_store_held(r, ctx->cfg, node, v, n, cause,
	    sizeof cause) == -1) {
		free(*v);
		*v = NULL;
		return cmd_fail(ctx, redis_exit_code(r), "quarantine: %s",
		    cause);
	}
	return EXIT_OK;
}

static const struct filter_quarantined *
quarantine_find(const struct filter_quarantined *v, size_t n,
    const char *node, const char *qid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].node, node) == 0 && strcmp(v[i].qid, qid) == 0)
			return &v[i];
	}
	return NULL;
}

static int
quarantine_list(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct filter_quarantined *v = NULL;
	struct queue_set *all;
	struct queues q;
	char cause[256], age[16], size[16];
	json_t *rows = NULL;
	long long now = time(NULL);
	size_t i, shown = 0;
	int code;

	if ((code = quarantine_read(ctx, cmd_option(c, "node"), &v, &i)) !=
	    EXIT_OK)
		return code;
	if (queues_open(&q, ctx->cfg, cmd_option(c, "node"), NULL, cause,
	    sizeof cause) == -1) {
		free(v);
		return cmd_fail(ctx, EXIT_USAGE, "quarantine: %s", cause);
	}
	queues_list(&q);
	all = queues_merge(&q);
	if (ctx->json)
		rows = json_array();
	else
		fprintf(ctx->out, "%-6s %-12s %5s %6s %-26s %-24s %6s %s\n",
		    "NODE", "ID", "AGE", "SIZE", "SENDER", "RECIPIENT", "SCORE",
		    "SYMBOLS");
	/* Only messages in the hold queue now that the filter held. */
	for (size_t k = 0; k < all->nmsgs; k++) {
		const struct queue_msg *m = &all->msgs[k];
		const struct queue_rcpt *rc = queue_msg_rcpts(all, m);
		const char *node = queue_set_node_name(all, m->node);
		const struct filter_quarantined *h;

		if (m->queue != Q_HOLD || (h = quarantine_find(v, i, node,
		    queue_str(all, m->id))) == NULL)
			continue;
		shown++;
		if (ctx->json) {
			json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:I,"
			    "s:s}", "node", node, "queue_id", h->qid,
			    "arrival_time", (json_int_t)m->arrival,
			    "message_size", (json_int_t)m->size, "sender",
			    queue_str(all, m->sender), "recipient", m->nrcpt ?
			    queue_str(all, rc[0].addr) : "", "held_at",
			    (json_int_t)h->h.at, "message_id", h->h.mid);

			if (h->h.have_verdict) {
				json_object_set_new(o, "score",
				    json_real(h->h.score));
				json_object_set_new(o, "symbols",
				    json_string(h->h.symbols));
			}
			json_array_append_new(rows, o);
			continue;
		}
		fprintf(ctx->out, "%-6s %-12s %5s %6s %-26.26s %-24.24s ", node,
		    h->qid, format_age((long)(now - m->arrival), age,
		    sizeof age), format_count((long)m->size, size, sizeof size),
		    queue_str(all, m->sender)[0] ? queue_str(all, m->sender) :
		    "<>", m->nrcpt ? queue_str(all, rc[0].addr) : "-");
		if (h->h.have_verdict)
			fprintf(ctx->out, "%6.2f %s\n", h->h.score,
			    h->h.symbols);
		else
			fprintf(ctx->out, "%6s %s\n", "-", "(not in the "
			    "filter's history)");
	}
	if (ctx->json)
		cmd_json_print(ctx, json_pack("{s:o}", "quarantine", rows));
	else if (shown == 0)
		fprintf(ctx->out, "the quarantine is empty\n");
	code = EXIT_OK;
	for (i = 0; i < q.n; i++) {
		if (q.nodes[i].failed) {
			code = cmd_fail(ctx, q.nodes[i].exit_code, "quarantine: "
			    "%s", q.nodes[i].cause);
			break;
		}
	}
	queue_set_free(all);
	queues_close(&q);
	free(v);
	return code;
}

/*
 * show, release and delete: every NODE:ID must be one the filter
 * quarantined (a held record), then the queue command does it, with its
 * own confirmation and audit: the one flow.
 */
static int
quarantine_queue(const struct cmd *c, struct cmd_ctx *ctx, const char *verb)
{
	struct filter_quarantined *v = NULL;
	struct cmd qc;
	char node[64];
	const char *colon;
	size_t n = 0;
	int i, code;

	if (c->argc < 2)
		return cmd_fail(ctx, EXIT_USAGE, "quarantine %s: give NODE:ID",
		    verb);
	if (strcmp(verb, "show") == 0 && c->argc != 2)
		return cmd_fail(ctx, EXIT_USAGE, "quarantine show: give one "
		    "NODE:ID");
	if ((code = quarantine_read(ctx, NULL, &v, &n)) != EXIT_OK)
		return code;
	for (i = 1; i < c->argc; i++) {
		colon = strchr(c->argv[i], ':');
		if (colon == NULL || (size_t)(colon - c->argv[i]) >=
		    sizeof node) {
			free(v);
			return cmd_fail(ctx, EXIT_USAGE, "quarantine: '%s' is "
			    "not NODE:ID (for example gw1:3F2A1B2C3D)",
			    c->argv[i]);
		}
		snprintf(node, sizeof node, "%.*s", (int)(colon - c->argv[i]),
		    c->argv[i]);
		if (quarantine_find(v, n, node, colon + 1) == NULL) {
			char shown[128];

			validate_sanitize(shown, sizeof shown, c->argv[i]);
			free(v);
			return cmd_fail(ctx, EXIT_USAGE, "quarantine %s: '%s' is "
			    "not a message the filter quarantined (see "
			    "quarantine list)", verb, shown);
		}
	}
	free(v);
	memset(&qc, 0, sizeof qc);
	qc.entry = &cmd_queue_entry;
	cmd_set_arg(&qc, 0, verb);
	for (i = 1; i < c->argc; i++)
		cmd_set_arg(&qc, i, c->argv[i]);
	if (cmd_option(c, "body") != NULL)
		cmd_set_option(&qc, "body", "");
	qc.json = c->json;
	qc.yes = c->yes;
	qc.dry_run = c->dry_run;
	code = cmd_queue_entry.exec(&qc, ctx);
	cmd_free(&qc);
	return code;
}

static int
cmd_quarantine_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *sub = c->argv[0];

	if (strcmp(sub, "list") == 0)
		return quarantine_list(c, ctx);
	if (strcmp(sub, "show") == 0 || strcmp(sub, "release") == 0 ||
	    strcmp(sub, "delete") == 0)
		return quarantine_queue(c, ctx, sub);
	return cmd_fail(ctx, EXIT_USAGE, "quarantine: no subcommand '%s'; use "
	    "list, show, release or delete", sub);
}

/* The question: what will be released or deleted, as typed. */
static int
cmd_quarantine_prepare(struct cmd *c, struct cmd_ctx *ctx,
    struct cmd_ask *ask)
{
	const char *sub = c->argv[0];
	int n = c->argc - 1;

	(void)ctx;
	if (strcmp(sub, "list") == 0) {
		snprintf(ask->question, sizeof ask->question, "list the "
		    "filter's quarantine (the gateways' hold queues, over SSH)");
		return EXIT_OK;
	}
	if (strcmp(sub, "show") == 0) {
		snprintf(ask->question, sizeof ask->question, "show %s",
		    n > 0 ? c->argv[1] : "a quarantined message");
		return EXIT_OK;
	}
	if (strcmp(sub, "release") != 0 && strcmp(sub, "delete") != 0)
		return EXIT_OK;
	if (n < 1)
		return cmd_fail(ctx, EXIT_USAGE, "quarantine %s: give NODE:ID",
		    sub);
	ask->count = n;
	snprintf(ask->question, sizeof ask->question, "%s %d quarantined "
	    "message%s (e.g. %s)", sub, n, n == 1 ? "" : "s", c->argv[1]);
	return EXIT_OK;
}

static const struct cmd_sub cmd_quarantine_subs[] = {
	/* Over SSH: in the console a job, asked first, off the UI thread. */
	{ "list", "", CMD_JOB, NULL },
	{ "show", "NODE:ID", CMD_JOB, NULL },
	{ "release", "NODE:ID...", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "delete", "NODE:ID...", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_entry cmd_quarantine_entry = {
	.name = "quarantine",
	.alias = NULL,
	.usage = "list|show|release|delete [NODE:ID...]",
	.help = "list and act on the messages the filter quarantined (the "
		"gateways' hold queue)",
	.options = cmd_quarantine_options,
	.subs = cmd_quarantine_subs,
	.min_args = 1,
	.max_args = -1,
	.flags = CMD_NEEDS_SSH | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_quarantine_prepare,
	.exec = cmd_quarantine_exec,
};
