/* block, unblock, extend, blocks: refuse a misbehaving relay client's mail
 * for a while or for good, and list who is refused. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends/policy_store.h"
#include "backends/queues.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "core/duration.h"
#include "core/exitcode.h"
#include "cmd/policy_cmd.h"
#include "core/policy_input.h"
#include "core/validate.h"

static const struct cmd_option cmd_block_options[] = {
	{ "for", 1, "how long: 30s, 15m, 2h, 7d, 1w or 1h30m (at most 365d)" },
	{ "permanent", 0, "until someone unblocks it" },
	{ "reason", 1, "why, at most 200 characters (required for block; "
	    "extend: replaces it)" },
	{ NULL, 0, NULL },
};

static const struct cmd_option cmd_block_new_options[] = {
	{ "for", 1, "how long: 30s, 15m, 2h, 7d, 1w or 1h30m (at most 365d)" },
	{ "permanent", 0, "until someone unblocks it" },
	{ "reason", 1, "why, at most 200 characters (required)" },
	{ "hold", 0, "also put the IP's queued mail on hold, on every gateway "
	    "(asks first; batch mode needs --yes)" },
	{ NULL, 0, NULL },
};

/* How long a block lasts, from --for or --permanent. */
struct block_span {
	const char *text;   /* --for's value, or NULL for permanent */
	long long secs;     /* 0: permanent */
};

/* The IP argument, or in the console the IP the shown view selects. */
static int
block_ip(const struct cmd *c, struct cmd_ctx *ctx, bool selected, char *ip,
    size_t len)
{
	const char *name = c->entry->name, *arg = NULL, *why;
	char **sel = NULL;
	int n = 0, code = EXIT_OK;

	if (c->argc > 0)
		arg = c->argv[0];
	else if (selected && (n = cmd_selection(ctx, "ip", &sel)) > 0)
		arg = sel[0];
	if (arg == NULL)
		code = cmd_fail(ctx, EXIT_USAGE, "%s: which IP? usage: %s IP",
		    name, name);
	else if ((why = validate_ip_canon(arg, ip, len)) != NULL)
		code = cmd_fail(ctx, EXIT_USAGE, "cannot %s '%s': %s", name, arg,
		    why);
	cmd_selection_free(sel, n);
	return code;
}

static int
block_span(const struct cmd *c, struct cmd_ctx *ctx, struct block_span *s)
{
	const char *name = c->entry->name, *f = cmd_option(c, "for");
	bool permanent = cmd_option(c, "permanent") != NULL;

	if (f != NULL && permanent)
		return cmd_fail(ctx, EXIT_USAGE, "%s: give --for or --permanent, "
		    "not both", name);
	if (f == NULL && !permanent)
		return cmd_fail(ctx, EXIT_USAGE, "%s: how long? give --for "
		    "DURATION (such as 30m, 2h or 7d) or --permanent", name);
	s->text = f;
	s->secs = 0;
	if (f != NULL && duration_parse(f, &s->secs) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "%s: --for '%s' is not "
		    "accepted; " DURATION_ACCEPTED, name, f);
	return EXIT_OK;
}

/* --reason: required for block, optional for extend. */
static int
block_reason(const struct cmd *c, struct cmd_ctx *ctx, bool required,
    const char **reason)
{
	const char *name = c->entry->name, *why;

	*reason = cmd_option(c, "reason");
	if (*reason == NULL) {
		if (required)
			return cmd_fail(ctx, EXIT_USAGE, "%s: say why with "
			    "--reason TEXT (operators see it in 'blocks' and "
			    "the events)", name);
		return EXIT_OK;
	}
	if ((why = validate_text(*reason, POLICY_TEXT_MAX)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "%s: --reason is not accepted: "
		    "%s", name, why);
	return EXIT_OK;
}

/* "for 2h, until 2026-11-23 17:44:00" or "permanently". */
static void
block_span_text(const struct block_span *s, long long now, char *buf,
    size_t len)
{
	char d[32], t[32];

	if (s->secs == 0) {
		snprintf(buf, len, "permanently");
		return;
	}
	snprintf(buf, len, "for %s, until %s", duration_format(s->secs, d,
	    sizeof d), policy_cmd_time(now + s->secs, t, sizeof t));
}

/* For the audit record: what the store now holds for the IP. */
static void
block_said(struct cmd_ctx *ctx, const char *what, const struct block_entry *b)
{
	char t[32];

	cmd_said(ctx, "%s %s %s%s%s%s", what, b->ip, b->until == 0 ?
	    "permanently" : "until ", b->until == 0 ? "" :
	    policy_cmd_time(b->until, t, sizeof t), b->agency[0] ?
	    ", relay permit of agency " : "", b->agency);
}

/*
 * The preparation of block, unblock and extend: the IP (the selected one
 * for unblock and extend), checked and canonical, and the console's
 * question.
 */
static int
block_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	const char *name = c->entry->name, *reason;
	bool block = strcmp(name, "block") == 0;
	bool unblock = strcmp(name, "unblock") == 0;
	bool hold = cmd_option(c, "hold") != NULL;
	char ip[STORE_IP_MAX], span[96];
	struct block_span s;
	int code;

	if ((code = block_ip(c, ctx, !block, ip, sizeof ip)) != EXIT_OK)
		return code;
	if (!unblock && ((code = block_span(c, ctx, &s)) != EXIT_OK ||
	    (code = block_reason(c, ctx, block, &reason)) != EXIT_OK))
		return code;
	cmd_set_arg(c, 0, ip);
	if (unblock) {
		snprintf(ask->question, sizeof ask->question, "unblock %s: "
		    "accept its mail again", ip);
		return EXIT_OK;
	}
	block_span_text(&s, (long long)time(NULL), span, sizeof span);
	if (block)
		snprintf(ask->question, sizeof ask->question, "block %s %s: "
		    "refuse its mail%s", ip, s.secs != 0 ? span : "permanently",
		    hold ? " and hold what it has queued" : "");
	else
		snprintf(ask->question, sizeof ask->question, "extend the block "
		    "of %s: %s from now", ip, s.secs != 0 ? span :
		    "make it permanent");
	return EXIT_OK;
}

/*
 * After the block is in force (so nothing new arrives), holds what the IP
 * has queued on every gateway. The block stays whatever happens here.
 */
static int
block_hold(struct cmd_ctx *ctx, const char *ip, const struct block_entry *b,
    const char *span, long long now)
{
	struct queues q;
	char cause[512];
	json_t *o = NULL, *held = NULL, *failed = NULL;
	size_t i, nfailed;
	long total = 0;

	if (queues_open(&q, ctx->cfg, NULL, NULL, cause, sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_FAILED, "blocked %s, but cannot hold "
		    "its mail: %s", ip, cause);
	nfailed = queues_hold_client(&q, ip);
	for (i = 0; i < q.n; i++) {
		const struct queues_node *qn = &q.nodes[i];
		size_t have = strlen(ctx->said);

		cmd_touch(ctx, qn->node->name);
		if (qn->failed)
			snprintf(ctx->said + have, sizeof ctx->said - have,
			    "; %s: not held: %s", qn->node->name, qn->cause);
		else
			snprintf(ctx->said + have, sizeof ctx->said - have,
			    "; %s: %ld put on hold", qn->node->name,
			    qn->done.count);
	}
	if (ctx->json) {
		o = policy_cmd_block_json(b, now);
		held = json_object();
		failed = json_object();
	} else
		fprintf(ctx->out, "blocked %s %s: %s\n", ip, span, b->reason);
	for (i = 0; i < q.n; i++) {
		const struct queues_node *qn = &q.nodes[i];

		if (qn->failed) {
			if (ctx->json)
				json_object_set_new(failed, qn->node->name,
				    json_string(qn->cause));
			else
				fprintf(ctx->out, "  %s: not held: %s\n",
				    qn->node->name, qn->cause);
			continue;
		}
		total += qn->done.count;
		if (ctx->json)
			json_object_set_new(held, qn->node->name,
			    json_integer(qn->done.count));
		else
			fprintf(ctx->out, "  %s: %zu queued from %s, %ld put on "
			    "hold\n", qn->node->name, qn->present, ip,
			    qn->done.count);
	}
	if (ctx->json) {
		json_object_set_new(o, "held", held);
		json_object_set_new(o, "held_total", json_integer(total));
		json_object_set_new(o, "hold_failed", failed);
		cmd_json_print(ctx, o);
	}
	queues_close(&q);
	if (nfailed > 0)
		return cmd_fail(ctx, EXIT_FAILED, "blocked %s, but its mail "
		    "could not be held on %zu gateway%s", ip, nfailed,
		    nfailed == 1 ? "" : "s");
	return EXIT_OK;
}

static int
cmd_block_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	char ip[STORE_IP_MAX], span[96], q[400], who[STORE_WHO_MAX],
	    cause[512], head[96];
	struct block_entry b;
	struct block_span s;
	const char *reason;
	struct redis *r;
	long long now = (long long)time(NULL);
	bool hold = cmd_option(c, "hold") != NULL;
	int code;

	if ((code = block_ip(c, ctx, false, ip, sizeof ip)) != EXIT_OK ||
	    (code = block_span(c, ctx, &s)) != EXIT_OK ||
	    (code = block_reason(c, ctx, true, &reason)) != EXIT_OK)
		return code;
	block_span_text(&s, now, span, sizeof span);
	policy_cmd_who(who, sizeof who);
	if (ctx->dry_run) {
		if (ctx->json) {
			json_t *o = json_pack("{s:b,s:s,s:I,s:s,s:b}", "dry_run",
			    1, "ip", ip, "until", (json_int_t)(s.secs ? now +
			    s.secs : 0), "reason", reason, "hold", hold);

			cmd_json_print(ctx, o);
		} else
			fprintf(ctx->out, "dry run: would block %s %s: %s%s; "
			    "nothing was done\n", ip, span, reason, hold ?
			    ", and hold its queued mail" : "");
		return EXIT_OK;
	}
	/* Holding mail on every gateway is the part that asks first. */
	if (hold) {
		snprintf(q, sizeof q, "block %s %s and put what it has queued on "
		    "hold on every gateway", ip, span);
		if ((code = cmd_confirm(ctx, q, 1, false)) != CONFIRM_GO)
			return code;
	}
	snprintf(head, sizeof head, "cannot block '%s'", ip);
	if ((r = policy_cmd_redis(ctx, head, &code)) == NULL)
		return code;
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if (store_block(r, ip, reason, who, now, s.secs ? now + s.secs : 0,
	    false, &b, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	block_said(ctx, "blocked", &b);
	if (!hold) {
		if (ctx->json)
			cmd_json_print(ctx, policy_cmd_block_json(&b, now));
		else
			fprintf(ctx->out, "blocked %s %s: %s%s%s%s\n", ip, span,
			    reason, b.agency[0] ? " (it holds a relay permit "
			    "of agency " : "", b.agency, b.agency[0] ? ")" : "");
		return EXIT_OK;
	}
	return block_hold(ctx, ip, &b, span, now);
}

static int
cmd_unblock_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	char ip[STORE_IP_MAX], who[STORE_WHO_MAX], cause[512], head[96],
	    t[32];
	struct block_entry was;
	struct redis *r;
	long long now = (long long)time(NULL);
	int code, rc;

	if ((code = block_ip(c, ctx, true, ip, sizeof ip)) != EXIT_OK)
		return code;
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s}", "dry_run", 1,
			    "ip", ip));
		else
			fprintf(ctx->out, "dry run: would unblock %s; nothing "
			    "was done\n", ip);
		return EXIT_OK;
	}
	snprintf(head, sizeof head, "cannot unblock '%s'", ip);
	if ((r = policy_cmd_redis(ctx, head, &code)) == NULL)
		return code;
	policy_cmd_who(who, sizeof who);
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if ((rc = store_unblock(r, ip, who, now, &was, cause,
	    sizeof cause)) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "%s: it is not blocked", head);
	cmd_said(ctx, "removed the block of %s (since %s by %s: %s)", ip,
	    policy_cmd_time(was.since, t, sizeof t), was.who, was.reason);
	if (ctx->json) {
		cmd_json_print(ctx, json_pack("{s:s,s:b,s:o}", "ip", ip,
		    "unblocked", 1, "was", policy_cmd_block_json(&was, now)));
		return EXIT_OK;
	}
	fprintf(ctx->out, "unblocked %s (blocked since %s by %s: %s)\n", ip,
	    policy_cmd_time(was.since, t, sizeof t), was.who, was.reason);
	return EXIT_OK;
}

static int
cmd_extend_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	char ip[STORE_IP_MAX], span[96], who[STORE_WHO_MAX], cause[512],
	    head[96];
	struct block_entry b;
	struct block_span s;
	const char *reason;
	struct redis *r;
	long long now = (long long)time(NULL);
	int code;

	if ((code = block_ip(c, ctx, true, ip, sizeof ip)) != EXIT_OK ||
	    (code = block_span(c, ctx, &s)) != EXIT_OK ||
	    (code = block_reason(c, ctx, false, &reason)) != EXIT_OK)
		return code;
	block_span_text(&s, now, span, sizeof span);
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s,s:I}", "dry_run",
			    1, "ip", ip, "until", (json_int_t)(s.secs ? now +
			    s.secs : 0)));
		else
			fprintf(ctx->out, "dry run: would make the block of %s "
			    "last %s; nothing was done\n", ip, span);
		return EXIT_OK;
	}
	snprintf(head, sizeof head, "cannot extend '%s'", ip);
	if ((r = policy_cmd_redis(ctx, head, &code)) == NULL)
		return code;
	policy_cmd_who(who, sizeof who);
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if (store_block(r, ip, reason, who, now, s.secs ? now + s.secs : 0,
	    true, &b, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	block_said(ctx, "extended the block of", &b);
	if (ctx->json) {
		cmd_json_print(ctx, policy_cmd_block_json(&b, now));
		return EXIT_OK;
	}
	if (s.secs == 0)
		fprintf(ctx->out, "the block of %s is now permanent: %s\n", ip,
		    b.reason);
	else
		fprintf(ctx->out, "the block of %s now lasts %s: %s\n", ip, span,
		    b.reason);
	return EXIT_OK;
}

static int
cmd_blocks_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	static const char *const header[] = { "IP", "ENDS", "LEFT", "HITS",
		"LAST HIT", "AGENCY", "BY", "REASON" };
	struct policy_table t;
	struct block_list l;
	struct redis *r;
	char cause[512];
	long long now = (long long)time(NULL);
	size_t i;
	int code;

	(void)c;
	if ((r = policy_cmd_redis(ctx, "cannot list the blocks", &code)) ==
	    NULL)
		return code;
	if (store_blocks_list(r, now, &l, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (ctx->json) {
		json_t *a = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(a, policy_cmd_block_json(&l.v[i],
			    now));
		cmd_json_print(ctx, a);
		block_list_free(&l);
		return EXIT_OK;
	}
	if (l.n == 0) {
		fprintf(ctx->out, "no IP is blocked\n");
		block_list_free(&l);
		return EXIT_OK;
	}
	policy_table_init(&t, 8, 1u << 3, header);
	for (i = 0; i < l.n; i++) {
		const struct block_entry *b = &l.v[i];
		char ends[32], left[32], hits[32], last[32];
		const char *row[8];

		if (b->until == 0) {
			snprintf(ends, sizeof ends, "permanent");
			snprintf(left, sizeof left, "-");
		} else {
			policy_cmd_time(b->until, ends, sizeof ends);
			duration_format(b->until - now, left, sizeof left);
		}
		snprintf(hits, sizeof hits, "%lld", b->hits);
		policy_cmd_time(b->last_hit, last, sizeof last);
		row[0] = b->ip;
		row[1] = ends;
		row[2] = left;
		row[3] = hits;
		row[4] = last;
		row[5] = b->agency[0] ? b->agency : "-";
		row[6] = b->who;
		row[7] = b->reason;
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	block_list_free(&l);
	return EXIT_OK;
}

const struct cmd_entry cmd_block_entry = {
	.name = "block",
	.alias = NULL,
	.usage = "IP",
	.help = "refuse a relay client's mail for a while (--for) or for good "
		"(--permanent), with --reason; --hold holds its queued mail",
	.options = cmd_block_new_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = block_prepare,
	.exec = cmd_block_exec,
};

const struct cmd_entry cmd_unblock_entry = {
	.name = "unblock",
	.alias = NULL,
	.usage = "IP",
	.help = "lift the block of an IP",
	.options = NULL,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = block_prepare,
	.exec = cmd_unblock_exec,
};

const struct cmd_entry cmd_extend_entry = {
	.name = "extend",
	.alias = NULL,
	.usage = "IP",
	.help = "change how long a block lasts, from now (--for) or for good "
		"(--permanent)",
	.options = cmd_block_options,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = block_prepare,
	.exec = cmd_extend_exec,
};

const struct cmd_entry cmd_blocks_entry = {
	.name = "blocks",
	.view = "blocklist",
	.alias = NULL,
	.usage = "",
	.help = "list the blocked IPs: until when, hits, their agency, why",
	.options = NULL,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_blocks_exec,
};
