/* trace: where a message went, asked of every gateway's index at once. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/logexport.h"
#include "backends/trace_remote.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/trace.h"
#include "core/validate.h"
#include "core/xalloc.h"

static const struct cmd_option cmd_trace_options[] = {
	{ "id", 1, "the message with this queue ID" },
	{ "msgid", 1, "the message with this Message-ID" },
	{ "from", 1, "sender: an address, @domain or a prefix*" },
	{ "to", 1, "recipient: an address, @domain or a prefix*" },
	{ "client", 1, "the client IP address it came from" },
	{ "since", 1, "arrived since: a duration back (60d), a date in UTC "
	    "or epoch seconds" },
	{ "until", 1, "arrived before: as --since" },
	{ "status", 1, "final state: queued, deferred, held, delivered, "
	    "bounced, expired, deleted or rejected" },
	{ "limit", 1, "at most this many messages (100)" },
	{ "node", 1, "ask this gateway only" },
	{ "from-logs", 0, "search the rotated logs on the nodes instead of "
	    "the index (slow; needs --id, --msgid, --from, --to or --client)" },
	{ "log", 0, "with --id and --node: that message's raw mail log lines "
	    "since --since (default 1d), from the log and its rotated files" },
	{ NULL, 0, NULL },
};

static const char *const cmd_trace_qopts[] = { "id", "msgid", "from", "to",
	"client", "since", "until", "status", "limit", NULL };

/* The query of the command's options; -1 with ctx->cause set. */
static int
cmd_trace_query(const struct cmd *c, struct cmd_ctx *ctx,
    struct trace_query *q)
{
	char cause[400];
	long long now = (long long)time(NULL);
	const char *v;
	int i;

	trace_query_init(q);
	for (i = 0; cmd_trace_qopts[i] != NULL; i++) {
		if ((v = cmd_option(c, cmd_trace_qopts[i])) != NULL &&
		    trace_query_set(q, cmd_trace_qopts[i], v, now, cause,
		    sizeof cause) == -1)
			return cmd_fail(ctx, EXIT_USAGE, "trace: %s", cause);
	}
	if (cmd_option(c, "log") != NULL && (q->qid[0] == '\0' ||
	    cmd_option(c, "node") == NULL))
		return cmd_fail(ctx, EXIT_USAGE, "trace --log: give --id "
		    "QUEUEID and --node GATEWAY (a queue ID is a gateway's)");
	if (cmd_option(c, "from-logs") != NULL && !trace_query_selective(q))
		return cmd_fail(ctx, EXIT_USAGE, "trace --from-logs: give "
		    "--id, --msgid, --from, --to or --client (the logs are "
		    "searched for a fixed string)");
	return EXIT_OK;
}

static int
cmd_trace_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	struct trace_query q;
	int code;

	if ((code = cmd_trace_query(c, ctx, &q)) != EXIT_OK)
		return code;
	snprintf(ask->question, sizeof ask->question, "trace messages on %s%s",
	    cmd_option(c, "node") != NULL ? cmd_option(c, "node") :
	    "every gateway", cmd_option(c, "from-logs") != NULL ?
	    " (searching the logs: slow)" : "");
	return EXIT_OK;
}

/* A cell of a table: s cut to w columns (bytes; addresses are ASCII). */
static void
cmd_trace_cell(FILE *out, const char *s, int w, bool last)
{
	if (last)
		fprintf(out, "%s", s);
	else
		fprintf(out, "%-*.*s ", w, w, s);
}

static const char *
cmd_trace_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* One message as a line of the table: the last step says where it is. */
static void
cmd_trace_row(FILE *out, const char *line)
{
	json_t *o = json_loads(line, 0, NULL), *steps, *last = NULL, *s;
	char when[32], to[200] = "", what[600];
	time_t t;
	struct tm tm;
	size_t i;

	if (o == NULL)
		return;
	t = (time_t)json_integer_value(json_object_get(o, "time"));
	/* One clock (docs/ui.md): ui.time_zone, its name after the time. */
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
	steps = json_object_get(o, "steps");
	json_array_foreach(steps, i, s) {
		const char *r = cmd_trace_str(s, "to");

		if (r[0] != '\0' && strstr(to, r) == NULL)
			snprintf(to + strlen(to), sizeof to - strlen(to),
			    "%s%s", to[0] ? "," : "", r);
		last = s;
	}
	if (last != NULL)
		snprintf(what, sizeof what, "%s%s%s%s%s",
		    cmd_trace_str(last, "relay"),
		    cmd_trace_str(last, "relay")[0] ? " " : "",
		    cmd_trace_str(last, "dsn"), cmd_trace_str(last, "dsn")[0] ?
		    " " : "", cmd_trace_str(last, "reason"));
	else
		what[0] = '\0';
	cmd_trace_cell(out, when, 23, false);
	cmd_trace_cell(out, cmd_trace_str(o, "node"), 8, false);
	cmd_trace_cell(out, cmd_trace_str(o, "qid"), 12, false);
	cmd_trace_cell(out, cmd_trace_str(o, "state"), 9, false);
	cmd_trace_cell(out, cmd_trace_str(o, "from"), 24, false);
	cmd_trace_cell(out, to, 24, false);
	cmd_trace_cell(out, what, 0, true);
	fputc('\n', out);
	json_decref(o);
}

/*
 * --log: the message's raw lines, read from the gateway's log and its
 * rotated files by the log export's command (a fixed string, " QID: ":
 * only those lines travel), in log order.
 */
static int
cmd_trace_log(const struct cmd *c, struct cmd_ctx *ctx,
    const struct trace_query *q)
{
	const char *only = cmd_option(c, "node");
	long long now = (long long)time(NULL);
	struct logexport_query lq;
	struct logexport_run r;
	struct config one;
	size_t i, k;

	one = *ctx->cfg;
	one.nnodes = 0;
	for (i = 0; i < ctx->cfg->nnodes; i++)
		if (ctx->cfg->nodes[i].role == NODE_GATEWAY &&
		    strcmp(ctx->cfg->nodes[i].name, only) == 0) {
			one.nodes = &ctx->cfg->nodes[i];
			one.nnodes = 1;
		}
	if (one.nnodes == 0)
		return cmd_fail(ctx, EXIT_USAGE, "trace --log: '%s' is not a "
		    "gateway of the configuration", only);
	memset(&lq, 0, sizeof lq);
	lq.since = q->since >= 0 ? q->since : now - 86400;
	lq.until = q->until >= 0 ? q->until : now;
	lq.by = LOGEXPORT_ALL;
	/* The ID is validated (a queue ID): the string is safe as it is. */
	snprintf(lq.needle, sizeof lq.needle, " %s: ", q->qid);
	logexport_collect(&r, &one, &lq, now, ctx->cancel);
	for (i = 0; i < r.n; i++) {
		const struct logexport_node *n = &r.nodes[i];

		for (k = 0; k < n->n; k++) {
			char *t = validate_sanitize_mem(n->v[k].text,
			    n->v[k].len, true);

			if (ctx->json) {
				json_t *o = json_pack("{s:s, s:s}", "node",
				    n->node->name, "line", t);
				char *js = json_dumps(o, JSON_COMPACT);

				fprintf(ctx->out, "%s\n", js != NULL ? js : "");
				free(js);
				json_decref(o);
			} else
				fprintf(ctx->out, "%s\n", t);
			free(t);
		}
		if (n->failed) {
			int code = n->exit_code != EXIT_OK ? n->exit_code :
			    EXIT_FAILED;
			char cause[sizeof n->cause];

			snprintf(cause, sizeof cause, "%s", n->cause);
			logexport_run_free(&r);
			return cmd_fail(ctx, code, "trace --log: %s", cause);
		}
	}
	if (r.n > 0 && r.nodes[0].n == 0 && !ctx->json)
		fprintf(ctx->out, "no line of %s in %s's log since then\n",
		    q->qid, only);
	logexport_run_free(&r);
	return EXIT_OK;
}

static int
cmd_trace_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct trace_query q;
	struct trace_run run;
	const char ***lines;
	const char **merged;
	size_t *n, i, k, count, total;
	char cause[512], failed[1200] = "";
	bool from_logs = cmd_option(c, "from-logs") != NULL;
	long nfail;
	int code;

	if ((code = cmd_trace_query(c, ctx, &q)) != EXIT_OK)
		return code;
	if (cmd_option(c, "log") != NULL)
		return cmd_trace_log(c, ctx, &q);
	nfail = trace_remote_run(ctx->cfg, cmd_option(c, "node"), &q,
	    from_logs, ctx->cancel, ctx->trace_watch, &run, cause,
	    sizeof cause);
	if (nfail == -1)
		return cmd_fail(ctx, EXIT_USAGE, "trace: %s", cause);
	lines = xcalloc(run.n + 1, sizeof *lines);
	n = xcalloc(run.n + 1, sizeof *n);
	for (i = 0; i < run.n; i++) {
		lines[i] = (const char **)run.nodes[i].lines;
		n[i] = run.nodes[i].n;
	}
	merged = trace_merge((const char *const *const *)lines, n, run.n,
	    (size_t)q.limit, &count);
	if (!ctx->json && count > 0)
		fprintf(ctx->out, "%-23s %-8s %-12s %-9s %-24s %-24s %s\n",
		    "ARRIVED", "GATEWAY", "QUEUE ID", "STATE", "FROM",
		    "TO", "RELAY / LAST REASON");
	for (i = 0; i < run.n; i++) {
		for (k = 0; k < run.nodes[i].nnotices; k++) {
			if (ctx->json)
				fprintf(ctx->out, "%s\n",
				    run.nodes[i].notices[k]);
			else {
				json_t *o = json_loads(run.nodes[i].notices[k],
				    0, NULL);

				fprintf(ctx->out, "note: %s\n",
				    cmd_trace_str(o, "text"));
				json_decref(o);
			}
		}
	}
	for (k = 0; k < count; k++) {
		if (ctx->json)
			fprintf(ctx->out, "%s\n", merged[k]);
		else
			cmd_trace_row(ctx->out, merged[k]);
	}
	if (!ctx->json && count == 0)
		fprintf(ctx->out, "no message found on %zu gateway%s%s\n",
		    run.n - (size_t)nfail, run.n - (size_t)nfail == 1 ? "" :
		    "s", nfail > 0 ? " that answered" : "");
	code = EXIT_OK;
	for (i = 0; i < run.n; i++) {
		if (!run.nodes[i].failed)
			continue;
		if (ctx->json)
			fprintf(ctx->out, "{\"node\":\"%s\",\"error\":%s}\n",
			    run.nodes[i].node->name, "true");
		snprintf(failed + strlen(failed), sizeof failed -
		    strlen(failed), "%s%s", failed[0] ? "; " : "",
		    run.nodes[i].cause);
		if (code == EXIT_OK || run.nodes[i].exit_code ==
		    EXIT_UNREACHABLE)
			code = run.nodes[i].exit_code != EXIT_OK ?
			    run.nodes[i].exit_code : EXIT_FAILED;
	}
	total = run.n;
	free(merged);
	free(lines);
	free(n);
	trace_remote_free(&run);
	if (nfail > 0) {
		/* What the others answered is shown above. */
		ctx->partial = (size_t)nfail < total;
		return cmd_fail(ctx, code, "trace: %s answer: %s",
		    ctx->partial ? "partial" : "no", failed);
	}
	return EXIT_OK;
}

const struct cmd_entry cmd_trace_entry = {
	.name = "trace",
	.alias = NULL,
	.usage = "",
	.help = "find messages in the gateways' message indexes: where did "
	    "the mail go",
	.options = cmd_trace_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_SSH | CMD_DATA | CMD_JOB,
	.prepare = cmd_trace_prepare,
	.exec = cmd_trace_exec,
	.view = "trace",
};
