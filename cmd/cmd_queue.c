/* queue: list, summarize, show and act on the mail queues of the gateways. */
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/postfix.h"
#include "backends/queues.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "core/delay.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/qshape.h"
#include "core/queue.h"
#include "core/shell.h"
#include "core/validate.h"
#include "core/xalloc.h"

static const struct cmd_option cmd_queue_options[] = {
	{ "node", 1, "only this gateway" },
	{ "queue", 1, "only this queue (deferred, hold, active, incoming, ...)" },
	{ "filter", 1, "only messages matching the expression (docs/queues.md)" },
	{ "sort", 1, "list: sort by node, queue, id, age, size, sender, rcpt, "
	    "nrcpt or reason" },
	{ "limit", 1, "list: at most this many rows" },
	{ "reasons", 0, "summary: add the delay reasons by domain and class" },
	{ "body", 0, "show: the body too, not only the headers" },
	{ "raw", 0, "show: the message's bytes as they are, escapes unshown "
	    "(refused when the output is a terminal)" },
	{ "site", 1, "flush: only the mail for this destination" },
	{ "all", 0, "tag (console): every row the filter shows" },
	{ "range", 0, "tag (console): first press marks, second tags the rows "
	    "between" },
	{ "none", 0, "tag (console): no row" },
	{ "reverse", 0, "sort (console): the other way round" },
	{ NULL, 0, NULL },
};

/* A NODE:ID argument, checked before anything runs. */
struct queue_ref {
	const char *node;
	char id[QUEUE_ID_MAX + 1];
};

static int
queue_ref_parse(struct cmd_ctx *ctx, const char *arg, struct queue_ref *r)
{
	const struct config_node *n;
	const char *colon = strchr(arg, ':'), *why;
	char node[64];

	if (colon == NULL || colon == arg || (size_t)(colon - arg) >= sizeof node)
		return cmd_fail(ctx, EXIT_USAGE, "queue: '%s' is not NODE:ID "
		    "(for example gw1:3F2A1B2C3D)", arg);
	snprintf(node, sizeof node, "%.*s", (int)(colon - arg), arg);
	if ((n = config_node_find(ctx->cfg, node)) == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "queue: unknown node '%s' in "
		    "'%s'", node, arg);
	if (n->role != NODE_GATEWAY)
		return cmd_fail(ctx, EXIT_USAGE, "queue: '%s' is not a gateway",
		    node);
	if ((why = validate_queue_id(colon + 1)) != NULL ||
	    strlen(colon + 1) > QUEUE_ID_MAX)
		return cmd_fail(ctx, EXIT_USAGE, "queue: '%s' is not a queue ID: "
		    "%s", colon + 1, why ? why : "too long");
	r->node = n->name;
	snprintf(r->id, sizeof r->id, "%s", colon + 1);
	return EXIT_OK;
}

/* Builds the filter from --filter and --queue. */
static int
queue_filter_build(struct cmd_ctx *ctx, const struct cmd *c,
    struct queue_filter *f)
{
	const char *expr = cmd_option(c, "filter"), *q = cmd_option(c, "queue");
	char cause[256];
	unsigned kind;

	queue_filter_init(f);
	if (expr != NULL && queue_filter_parse(f, expr, cause,
				sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "queue: --filter: %s", cause);
	if (q != NULL) {
		if (queue_kind_parse(q, strlen(q), &kind) == -1) {
			queue_filter_free(f);
			return cmd_fail(ctx, EXIT_USAGE, "queue: no queue '%s'; %s",
			    q, QUEUE_KINDS_ACCEPTED);
		}
		f->queues = f->queues ? (f->queues & QUEUE_BIT(kind)) :
					QUEUE_BIT(kind);
	}
	return EXIT_OK;
}

/*
 * Reports nodes that failed on stderr, but for actions cut short (their
 * text goes into the command's one-line cause); returns the worst exit
 * code.
 */
static int
queue_report_failures(const struct cmd_ctx *ctx, const struct queues *q)
{
	int code = EXIT_OK;
	size_t i;

	for (i = 0; i < q->n; i++) {
		const struct queues_node *qn = &q->nodes[i];

		/* stderr belongs to curses in the console: the cause says it. */
		if (qn->listing.bad > 0 && !cmd_in_console(ctx))
			fprintf(stderr, "mailnoc: %s: %lu bad line%s of postqueue "
			    "output skipped (first: %s)\n", qn->node->name,
			    qn->listing.bad, qn->listing.bad == 1 ? "" : "s",
			    qn->listing.first_bad);
		if (!qn->failed)
			continue;
		/* A cut's counts go into the cause; here what cut it. */
		if (!cmd_in_console(ctx))
			fprintf(stderr, "mailnoc: %s\n", qn->cut ?
			    qn->after.lost : qn->cause);
		if (code == EXIT_OK || qn->exit_code == EXIT_UNREACHABLE)
			code = qn->exit_code;
	}
	return code;
}

static json_t *
queue_msg_json(const struct queue_set *qs, const struct queue_msg *m)
{
	const struct queue_rcpt *r = queue_msg_rcpts(qs, m);
	json_t *o = json_object(), *rs = json_array();
	uint32_t i;

	json_object_set_new(o, "node", json_string(queue_set_node_name(qs,
	    m->node)));
	json_object_set_new(o, "queue_name", json_string(queue_kind_name(
	    m->queue)));
	json_object_set_new(o, "queue_id", json_string(queue_str(qs, m->id)));
	json_object_set_new(o, "arrival_time", json_integer(m->arrival));
	json_object_set_new(o, "message_size", json_integer(m->size));
	json_object_set_new(o, "forced_expire",
	    json_boolean(m->flags & QUEUE_FORCED_EXPIRE));
	json_object_set_new(o, "sender", json_string(queue_str(qs, m->sender)));
	for (i = 0; i < m->nrcpt; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "address", json_string(queue_str(qs,
		    r[i].addr)));
		if (r[i].reason != 0 && queue_str(qs, r[i].reason)[0] != '\0')
			json_object_set_new(x, "delay_reason", json_string(
			    queue_str(qs, r[i].reason)));
		json_array_append_new(rs, x);
	}
	json_object_set_new(o, "recipients", rs);
	return o;
}

static void
queue_msg_text(FILE *f, const struct queue_set *qs, const struct queue_msg *m,
    long long now)
{
	const struct queue_rcpt *r = queue_msg_rcpts(qs, m);
	char age[16], size[16], more[16] = "";
	uint32_t reason = queue_msg_reason(qs, m);

	if (m->nrcpt > 1)
		snprintf(more, sizeof more, " +%u", m->nrcpt - 1);
	fprintf(f, "%-6s %-8s %-12s %5s %6s %-28s %s%s  %s\n",
	    queue_set_node_name(qs, m->node), queue_kind_name(m->queue),
	    queue_str(qs, m->id), format_age((long)(now - m->arrival), age,
		sizeof age), format_count((long)m->size, size, sizeof size),
	    queue_str(qs, m->sender)[0] ? queue_str(qs, m->sender) : "<>",
	    m->nrcpt ? queue_str(qs, r[0].addr) : "-", more,
	    reason ? queue_str(qs, reason) : "");
}

/* Lists the selected gateways; *all gets the merged set. */
static int
queue_fetch(struct cmd_ctx *ctx, const struct cmd *c, struct queues *q,
    struct queue_set **all)
{
	char cause[256];

	if (queues_open(q, ctx->cfg, cmd_option(c, "node"), NULL, cause,
		sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "queue: %s", cause);
	queues_list(q);
	*all = queues_merge(q);
	return EXIT_OK;
}

static int
queue_list(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *sort = cmd_option(c, "sort"), *limit = cmd_option(c, "limit");
	struct queue_filter f;
	struct queue_set *all;
	enum queue_col col = QCOL_AGE;
	long long now = time(NULL);
	struct queues q;
	char cause[256], *end;
	long max = LONG_MAX;
	uint32_t *rows;
	size_t i, n;
	int code;

	if (sort != NULL && queue_col_parse(sort, &col, cause,
				sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "queue list: --sort: %s", cause);
	if (limit != NULL && ((max = strtol(limit, &end, 10)) < 1 ||
				 *end != '\0'))
		return cmd_fail(ctx, EXIT_USAGE, "queue list: --limit '%s' is "
		    "not accepted; use a positive number", limit);
	if ((code = queue_filter_build(ctx, c, &f)) != EXIT_OK)
		return code;
	if ((code = queue_fetch(ctx, c, &q, &all)) != EXIT_OK) {
		queue_filter_free(&f);
		return code;
	}
	n = queue_select(all, &f, now, &rows);
	/* Oldest first by default: that is what an operator looks for. */
	queue_sort(all, rows, n, col, sort == NULL);
	/* The header names the columns queue_msg_text writes. */
	if (!ctx->json)
		fprintf(ctx->out, "%-6s %-8s %-12s %5s %6s %-28s %s  %s\n",
		    "NODE", "QUEUE", "ID", "AGE", "SIZE", "SENDER", "RECIPIENT",
		    "REASON");
	for (i = 0; i < n && (long)i < max; i++) {
		const struct queue_msg *m = &all->msgs[rows[i]];

		if (ctx->json) {
			json_t *o = queue_msg_json(all, m);

			cmd_json_print(ctx, o);
		} else
			queue_msg_text(ctx->out, all, m, now);
	}
	if (!ctx->json)
		fprintf(stderr, "%zu message%s\n", n, n == 1 ? "" : "s");
	code = queue_report_failures(ctx, &q);
	if (code != EXIT_OK)
		snprintf(ctx->cause, sizeof ctx->cause, "queue list: some "
		    "gateways could not be listed; the list is incomplete");
	free(rows);
	queue_set_free(all);
	queues_close(&q);
	queue_filter_free(&f);
	return code;
}

static int
queue_summary(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *qname = cmd_option(c, "queue");
	struct qshape_opts o;
	struct delay_opts dopts;
	struct delay_report rep;
	struct queue_set *all;
	struct qshape qsh;
	struct queues q;
	char cause[256], alert[512];
	unsigned kind = Q_DEFERRED;
	int code;

	if (cmd_option(c, "filter") != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "queue summary: use --queue and "
		    "--node; --filter is for list and the actions");
	if (qname != NULL && queue_kind_parse(qname, strlen(qname), &kind) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "queue summary: no queue '%s'; "
		    "%s", qname, QUEUE_KINDS_ACCEPTED);
	if ((code = queue_fetch(ctx, c, &q, &all)) != EXIT_OK)
		return code;
	qshape_opts_init(&o, time(NULL));
	o.queues = QUEUE_BIT(kind);
	if (qshape_build(all, &o, &qsh, cause, sizeof cause) == -1) {
		queue_set_free(all);
		queues_close(&q);
		return cmd_fail(ctx, EXIT_FAILED, "queue summary: %s", cause);
	}
	delay_opts_init(&dopts, time(NULL));
	dopts.queues = QUEUE_BIT(kind);
	if (delay_report_build(all, &dopts, &rep, cause, sizeof cause) == -1)
		memset(&rep, 0, sizeof rep);
	delay_report_alert(&rep, all, alert, sizeof alert);
	if (ctx->json) {
		json_t *out = json_object();

		json_object_set_new(out, "queue", json_string(queue_kind_name(
		    kind)));
		json_object_set_new(out, "qshape", qshape_json(&qsh, 0));
		if (cmd_option(c, "reasons") != NULL)
			json_object_set_new(out, "reasons",
			    delay_report_json(&rep, all));
		json_object_set_new(out, "alert", json_string(alert));
		cmd_json_print(ctx, out);
	} else {
		qshape_print(&qsh, ctx->out, 80, 0);
		if (cmd_option(c, "reasons") != NULL) {
			size_t i, j;

			for (i = 0; i < rep.ndomains; i++) {
				const struct delay_domain *d = &rep.domains[i];

				fprintf(ctx->out, "%s: %ld recipients%s\n",
				    d->domain[0] ? d->domain : "(no domain)",
				    d->rcpts, d->throttled ? " THROTTLED" : "");
				for (j = 0; j < d->ntop; j++)
					fprintf(ctx->out, "  %6ld  %-10s %s\n",
					    d->top[j].count,
					    delay_class_name(d->top[j].cls),
					    d->top[j].reason);
			}
		}
		if (alert[0] != '\0')
			fprintf(ctx->out, "ALERT %s\n", alert);
	}
	delay_report_free(&rep);
	qshape_free(&qsh);
	code = queue_report_failures(ctx, &q);
	if (code != EXIT_OK)
		snprintf(ctx->cause, sizeof ctx->cause, "queue summary: some "
		    "gateways could not be listed; the summary is incomplete");
	queue_set_free(all);
	queues_close(&q);
	return code;
}

static int
queue_print_raw(void *arg, const char *line, size_t len)
{
	FILE *f = arg;

	fwrite(line, 1, len, f);
	fputc('\n', f);
	return 0;
}

/*
 * A message's headers and body come from whoever sent it: escape
 * sequences, C1 and bidi controls are printed as visible escapes (an
 * embedded NUL as \x00), so a Subject cannot retitle or clear the
 * operator's terminal or write to its clipboard.
 */
static int
queue_print_line(void *arg, const char *line, size_t len)
{
	char *safe = validate_sanitize_mem(line, len, true);

	/*
	 * A message's headers and body come from whoever sent it: escape
	 * sequences, C1 and bidi controls show as visible escapes, so a
	 * Subject cannot retitle or clear the operator's terminal.
	 */
	fputs(safe, arg);
	fputc('\n', arg);
	free(safe);
	return 0;
}

static int
queue_show(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct queue_ref ref;
	struct ssh_conn ssh;
	char cause[512];
	bool raw;
	int code;

	if (c->argc != 2)
		return cmd_fail(ctx, EXIT_USAGE, "queue show: give one NODE:ID");
	if ((code = queue_ref_parse(ctx, c->argv[1], &ref)) != EXIT_OK)
		return code;
	raw = cmd_option(c, "raw") != NULL;
	if (raw && isatty(fileno(ctx->out)))
		return cmd_fail(ctx, EXIT_USAGE, "queue show --raw: refused on a "
		    "terminal: the message's bytes may hold escape sequences; "
		    "send it to a file or a pipe");
	ssh_init(&ssh, ctx->cfg, config_node_find(ctx->cfg, ref.node));
	if (postfix_show(&ssh, ref.id, cmd_option(c, "body") != NULL,
		raw ? queue_print_raw : queue_print_line, ctx->out, cause,
		sizeof cause) == -1) {
		code = ssh.err != SSH_E_NONE ? ssh_exit_code(&ssh) : EXIT_FAILED;
		ssh_close(&ssh);
		return cmd_fail(ctx, code, "%s", cause);
	}
	ssh_close(&ssh);
	return EXIT_OK;
}

/* Adds one ID to its node's work list. */
static void
queue_add_work(struct queues *q, const char *node, const char *id)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		struct queues_node *qn = &q->nodes[i];

		if (strcmp(qn->node->name, node) != 0)
			continue;
		qn->ids = xreallocarray(qn->ids, qn->nids + 1, sizeof *qn->ids);
		qn->ids[qn->nids++] = id;
	}
}

/* For the audit record: the gateways acted on and what each said. */
static void
queue_audit(struct cmd_ctx *ctx, const struct queues *q, bool all)
{
	char said[512];
	size_t i, off = 0;

	said[0] = '\0';
	for (i = 0; i < q->n; i++) {
		const struct queues_node *qn = &q->nodes[i];

		if (!all && qn->nids == 0)
			continue;
		cmd_touch(ctx, qn->node->name);
		if (off < sizeof said)
			off += (size_t)snprintf(said + off, sizeof said - off,
			    "%s%s: %s", off ? "; " : "", qn->node->name,
			    qn->failed ? qn->cause : qn->done.said[0] ?
			    qn->done.said : all ? "flushed" : "nothing to do");
	}
	cmd_said(ctx, "%s", said);
}

/* A node's result for --json; "after" when the action was cut short. */
static json_t *
queue_node_json(const struct queues_node *qn)
{
	const struct queues_after *af = &qn->after;
	json_t *o, *after, *still;
	size_t k;

	o = json_pack("{s:s,s:I,s:I,s:I,s:s,s:s?}", "node", qn->node->name,
	    "requested", (json_int_t)qn->nids, "present",
	    (json_int_t)qn->present, "done", (json_int_t)qn->done.count, "said",
	    qn->done.said, "error", qn->failed ? qn->cause : NULL);
	if (!qn->cut)
		return o;
	json_object_set_new(o, "partial", json_boolean(qn->partial));
	after = json_object();
	json_object_set_new(after, "why", json_string(af->why));
	json_object_set_new(after, "lost", json_string(af->lost));
	json_object_set_new(after, "checked", json_boolean(af->checked));
	json_object_set_new(after, "asked", json_integer(af->asked));
	if (af->checked) {
		still = json_object();
		for (k = 0; k < QUEUE_KINDS; k++) {
			if (af->still[k] > 0)
				json_object_set_new(still, queue_kind_name(
				    (unsigned)k), json_integer(af->still[k]));
		}
		json_object_set_new(after, "done", json_integer(af->done));
		json_object_set_new(after, "still", still);
		json_object_set_new(after, "gone", json_integer(af->gone));
	} else
		json_object_set_new(after, "error", json_string(af->cause));
	json_object_set_new(o, "after", after);
	return o;
}

/*
 * Writes that nodes failed other than by a cut: in batch mode stderr said
 * each one (queue_report_failures); in the console, which has no stderr to
 * show, each one's cause.
 */
static void
queue_others_cause(const struct cmd_ctx *ctx, const struct queues *q,
    char *buf, size_t len)
{
	size_t i, off = 0;

	if (!cmd_in_console(ctx)) {
		snprintf(buf, len, "failed on some gateways (see above)");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < q->n && off < len; i++) {
		const struct queues_node *qn = &q->nodes[i];

		if (qn->failed && !qn->cut)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    off ? "; " : "", qn->cause);
	}
}

/*
 * The command's cause when nodes failed: what each node cut short did, in
 * full (it is the answer the operator needs), then whether others failed.
 */
static void
queue_cut_cause(struct cmd_ctx *ctx, const struct queues *q, const char *verb)
{
	size_t i, off;
	bool other = false, cut = false;

	off = (size_t)snprintf(ctx->cause, sizeof ctx->cause, "queue %s: ",
	    verb);
	for (i = 0; i < q->n; i++) {
		const struct queues_node *qn = &q->nodes[i];

		if (!qn->failed)
			continue;
		if (!qn->cut) {
			other = true;
			continue;
		}
		ctx->partial |= qn->partial;
		if (off < sizeof ctx->cause)
			off += (size_t)snprintf(ctx->cause + off,
			    sizeof ctx->cause - off, "%s%s", cut ? "; " : "",
			    qn->cause);
		cut = true;
	}
	if (other && off + 2 < sizeof ctx->cause) {
		if (cut)
			off += (size_t)snprintf(ctx->cause + off,
			    sizeof ctx->cause - off, "; ");
		queue_others_cause(ctx, q, ctx->cause + off,
		    sizeof ctx->cause - off);
	}
}

static int
queue_act(const struct cmd *c, struct cmd_ctx *ctx, enum postfix_action a)
{
	const char *verb = postfix_action_name(a);
	struct queue_ref *refs = NULL;
	struct queue_set *all = NULL;
	struct queue_filter f;
	struct queues q;
	char what[512], cause[256], sample[160] = "";
	size_t i, n = 0, off;
	uint32_t *rows = NULL;
	int code, whole, nrefs = c->argc - 1;

	if (nrefs > 0 && (cmd_option(c, "filter") || cmd_option(c, "queue")))
		return cmd_fail(ctx, EXIT_USAGE, "queue %s: give NODE:ID "
		    "arguments or --filter/--queue, not both", verb);
	if (nrefs == 0 && !cmd_option(c, "filter") && !cmd_option(c, "queue"))
		return cmd_fail(ctx, EXIT_USAGE, "queue %s: nothing selected; "
		    "give NODE:ID arguments, --filter EXPR or --queue NAME", verb);
	refs = xcalloc((size_t)nrefs + 1, sizeof *refs);
	for (i = 0; i < (size_t)nrefs; i++) {
		if ((code = queue_ref_parse(ctx, c->argv[i + 1], &refs[i])) !=
		    EXIT_OK) {
			free(refs);
			return code;
		}
	}
	if ((code = queue_filter_build(ctx, c, &f)) != EXIT_OK) {
		free(refs);
		return code;
	}
	/* A filter that says nothing would select every message. */
	whole = nrefs == 0 && f.nterms == 0 && f.nnodes == 0 &&
	    f.min_age == LLONG_MIN && f.max_age == LLONG_MAX &&
	    f.min_size == LLONG_MIN && f.max_size == LLONG_MAX;
	if (whole && f.queues == 0) {
		queue_filter_free(&f);
		free(refs);
		return cmd_fail(ctx, EXIT_USAGE, "queue %s: the filter is empty "
		    "and would select every message; say which, or use --queue "
		    "NAME for a whole queue", verb);
	}
	if (queues_open(&q, ctx->cfg, cmd_option(c, "node"), NULL, cause,
		sizeof cause) == -1) {
		queue_filter_free(&f);
		free(refs);
		return cmd_fail(ctx, EXIT_USAGE, "queue %s: %s", verb, cause);
	}
	if (nrefs > 0) {
		for (i = 0; i < (size_t)nrefs; i++)
			queue_add_work(&q, refs[i].node, refs[i].id);
		n = (size_t)nrefs;
		snprintf(sample, sizeof sample, "%s:%s", refs[0].node,
		    refs[0].id);
	} else {
		queues_list(&q);
		all = queues_merge(&q);
		n = queue_select(all, &f, time(NULL), &rows);
		for (i = 0; i < n; i++) {
			const struct queue_msg *m = &all->msgs[rows[i]];

			queue_add_work(&q, queue_set_node_name(all, m->node),
			    queue_str(all, m->id));
		}
		if (n > 0) {
			const struct queue_msg *m = &all->msgs[rows[0]];

			snprintf(sample, sizeof sample, "%s:%s from %s",
			    queue_set_node_name(all, m->node),
			    queue_str(all, m->id), queue_str(all, m->sender));
		}
	}
	if ((code = queue_report_failures(ctx, &q)) != EXIT_OK) {
		cmd_fail(ctx, code, "queue %s: some gateways could not be "
		    "listed; nothing was done", verb);
		goto out;
	}
	if (n == 0) {
		fprintf(ctx->out, "no message matches; nothing to %s\n", verb);
		goto out;
	}
	off = (size_t)snprintf(what, sizeof what, "%s %zu message%s (", verb, n,
	    n == 1 ? "" : "s");
	for (i = 0; i < q.n && off < sizeof what; i++) {
		if (q.nodes[i].nids > 0)
			off += (size_t)snprintf(what + off, sizeof what - off,
			    "%s: %zu, ", q.nodes[i].node->name, q.nodes[i].nids);
	}
	if (off < sizeof what)
		snprintf(what + off, sizeof what - off, "e.g. %s)", sample);
	code = cmd_confirm(ctx, what, (long)n, confirm_typed((long)n,
	    a == PF_DELETE, whole));
	if (code == CONFIRM_DRY_RUN) {
		code = EXIT_OK;
		goto out;
	}
	if (code != CONFIRM_GO)
		goto out;
	/* With --yes nobody was asked: the listing above is the re-check. */
	q.fresh = nrefs == 0 && ctx->yes;
	queues_act(&q, a);
	queue_audit(ctx, &q, false);
	if (ctx->json) {
		json_t *o = json_object(), *nodes = json_array();

		json_object_set_new(o, "action", json_string(verb));
		for (i = 0; i < q.n; i++) {
			const struct queues_node *qn = &q.nodes[i];

			if (qn->nids == 0)
				continue;
			json_array_append_new(nodes, queue_node_json(qn));
		}
		json_object_set_new(o, "nodes", nodes);
		cmd_json_print(ctx, o);
	} else {
		for (i = 0; i < q.n; i++) {
			const struct queues_node *qn = &q.nodes[i];

			if (qn->nids == 0 || (qn->failed && !qn->cut))
				continue;
			if (qn->cut && qn->failed)
				fprintf(ctx->out, "%s\n", qn->cause);
			else if (qn->cut)
				fprintf(ctx->out, "%s: %s\n", qn->node->name,
				    qn->done.said);
			else
				fprintf(ctx->out, "%s: %zu of %zu still queued; "
				    "postfix says: %s\n", qn->node->name,
				    qn->present, qn->nids, qn->done.said[0] ?
				    qn->done.said : "nothing");
		}
	}
	if ((code = queue_report_failures(ctx, &q)) != EXIT_OK)
		queue_cut_cause(ctx, &q, verb);
out:
	free(rows);
	queue_set_free(all);
	queues_close(&q);
	queue_filter_free(&f);
	free(refs);
	return code;
}

static int
queue_flush(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *site = cmd_option(c, "site"), *why;
	struct queue_ref ref;
	struct ssh_conn ssh;
	struct queues q;
	char cause[512], what[512];
	size_t i, off;
	int code;

	if (site != NULL && (why = validate_host(site)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "queue flush: --site '%s' is not "
		    "a destination: %s", site, why);
	if (c->argc == 2) {
		if ((code = queue_ref_parse(ctx, c->argv[1], &ref)) != EXIT_OK)
			return code;
		snprintf(cause, sizeof cause, "flush %s:%s now (postqueue -i)",
		    ref.node, ref.id);
		if ((code = cmd_confirm(ctx, cause, 1, false)) != CONFIRM_GO)
			return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
		ssh_init(&ssh, ctx->cfg, config_node_find(ctx->cfg, ref.node));
		cmd_touch(ctx, ref.node);
		code = EXIT_OK;
		if (postfix_flush(&ssh, ref.id, NULL, cause, sizeof cause) ==
		    -1)
			code = cmd_fail(ctx, ssh.err != SSH_E_NONE ?
			    ssh_exit_code(&ssh) : EXIT_FAILED, "%s", cause);
		else {
			fprintf(ctx->out, "%s: flushed %s\n", ref.node, ref.id);
			cmd_said(ctx, "%s: flushed %s", ref.node, ref.id);
		}
		ssh_close(&ssh);
		return code;
	}
	if (c->argc > 2)
		return cmd_fail(ctx, EXIT_USAGE, "queue flush: give at most one "
		    "NODE:ID");
	if (queues_open(&q, ctx->cfg, cmd_option(c, "node"), NULL, cause,
		sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "queue flush: %s", cause);
	off = (size_t)snprintf(what, sizeof what, "retry %s on ", site != NULL ?
	    "the deferred mail for this destination" : "every deferred message");
	for (i = 0; i < q.n && off < sizeof what; i++)
		off += (size_t)snprintf(what + off, sizeof what - off, "%s%s",
		    i > 0 ? ", " : "", q.nodes[i].node->name);
	if (site != NULL && off < sizeof what)
		snprintf(what + off, sizeof what - off, " (%s, postqueue -s)",
		    site);
	else if (off < sizeof what)
		snprintf(what + off, sizeof what - off, " now (postqueue -f)");
	if ((code = cmd_confirm(ctx, what, (long)q.n, false)) != CONFIRM_GO) {
		queues_close(&q);
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
	}
	queues_flush(&q, site);
	queue_audit(ctx, &q, true);
	for (i = 0; i < q.n; i++) {
		if (!q.nodes[i].failed)
			fprintf(ctx->out, "%s: flushed%s%s\n",
			    q.nodes[i].node->name, site ? " mail for " : "",
			    site ? site : "");
	}
	if ((code = queue_report_failures(ctx, &q)) != EXIT_OK) {
		off = (size_t)snprintf(ctx->cause, sizeof ctx->cause, "queue "
		    "flush: ");
		queue_others_cause(ctx, &q, ctx->cause + off,
		    sizeof ctx->cause - off);
	}
	queues_close(&q);
	return code;
}

static int
cmd_queue_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *sub = c->argv[0];
	enum postfix_action a;

	if (strcmp(sub, "list") == 0)
		return queue_list(c, ctx);
	if (strcmp(sub, "summary") == 0)
		return queue_summary(c, ctx);
	if (strcmp(sub, "show") == 0)
		return queue_show(c, ctx);
	if (strcmp(sub, "flush") == 0)
		return queue_flush(c, ctx);
	if (postfix_action_parse(sub, &a) == 0)
		return queue_act(c, ctx, a);
	return cmd_fail(ctx, EXIT_USAGE, "queue: no subcommand '%s'; use list, "
	    "summary, show, flush, hold, release, requeue, delete, tag or sort",
	    sub);
}

/* The question about the selected messages: how many on each node. */
static void
queue_ask_selection(const struct cmd *c, enum postfix_action a,
    struct cmd_ask *ask)
{
	char nodes[128] = "";
	size_t off = 0;
	int i, k, n = c->argc - 1;

	/* The selection is sorted: a node's messages come together. */
	for (i = 1; i <= n && off < sizeof nodes; i++) {
		const char *r = c->argv[i];
		int nl = (int)strcspn(r, ":"), same = 0;

		if (i > 1 && strncmp(c->argv[i - 1], r, (size_t)nl + 1) == 0)
			continue;
		for (k = i; k <= n && strncmp(c->argv[k], r, (size_t)nl + 1) == 0;
		     k++)
			same++;
		off += (size_t)snprintf(nodes + off, sizeof nodes - off,
		    "%s%.*s %d", off ? ", " : "", nl, r, same);
	}
	ask->count = n;
	ask->typed = confirm_typed(n, a == PF_DELETE, false);
	if (ask->typed)
		snprintf(ask->question, sizeof ask->question, "%s %d messages "
		    "(%s)", postfix_action_name(a), n, nodes);
	else
		snprintf(ask->question, sizeof ask->question, "%s %d message%s "
		    "(%s, e.g. %s)", postfix_action_name(a), n, n == 1 ? "" : "s",
		    nodes, c->argv[1]);
}

/*
 * The actions and flush: NODE:ID arguments checked; in the console an
 * action given no selection of its own takes the queues view's (the tagged
 * rows, else the cursor's) as its NODE:ID arguments. Then the question.
 */
static int
cmd_queue_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	const char *sub = c->argv[0];
	bool flush = strcmp(sub, "flush") == 0;
	enum postfix_action a = PF_HOLD;
	struct queue_ref ref;
	char **sel = NULL, line[400];
	int i, n, code;

	if (!flush && postfix_action_parse(sub, &a) == -1)
		return EXIT_OK;
	/* Typed with a selection of its own: asked as typed. */
	if (c->argc > 1 || c->nopts > 0 || c->dry_run || ctx->ui == NULL) {
		for (i = 1; i < c->argc && (!flush || c->argc == 2); i++) {
			if ((code = queue_ref_parse(ctx, c->argv[i], &ref)) !=
			    EXIT_OK)
				return code;
		}
		cmd_print(c, line, sizeof line);
		snprintf(ask->question, sizeof ask->question, "%s (the gateways "
		    "are listed again first)", line);
		return EXIT_OK;
	}
	if ((n = cmd_selection(ctx, "message", &sel)) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "queue %s: open the queues view "
		    "first (3)", sub);
	if (n == 0)
		return cmd_fail(ctx, EXIT_USAGE, "queue %s: no message selected",
		    sub);
	if (flush && n == 1)
		snprintf(ask->question, sizeof ask->question, "flush %s "
		    "(postqueue -i)", sel[0]);
	else if (flush)
		snprintf(ask->question, sizeof ask->question, "%d tagged: flush "
		    "every gateway's whole queue (postqueue -f)", n);
	for (i = 0; i < n && (!flush || n == 1); i++)
		cmd_set_arg(c, c->argc, sel[i]);
	cmd_selection_free(sel, n);
	if (!flush)
		queue_ask_selection(c, a, ask);
	return EXIT_OK;
}

/* What read-only mode hides and refuses, and what asks first. */
static const struct cmd_sub cmd_queue_subs[] = {
	{ "list", "", 0, "queues" },
	{ "summary", "", 0, "queues" },
	{ "show", "NODE:ID", 0, "queues" },
	{ "flush", "[NODE:ID]", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "hold", "NODE:ID...", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "release", "NODE:ID...", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "requeue", "NODE:ID...", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "delete", "NODE:ID...", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "tag", "", CMD_UI_ONLY, "queues" },
	{ "sort", "", CMD_UI_ONLY, "queues" },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_entry cmd_queue_entry = {
	.name = "queue",
	.alias = NULL,
	.usage = "list|summary|show|flush|hold|release|requeue|delete|tag|sort "
		 "[NODE:ID...]",
	.help = "list, summarize and act on the gateways' mail queues",
	.options = cmd_queue_options,
	.subs = cmd_queue_subs,
	.min_args = 1,
	.max_args = -1,
	.flags = CMD_NEEDS_SSH | CMD_DATA,
	.prepare = cmd_queue_prepare,
	.exec = cmd_queue_exec,
};
