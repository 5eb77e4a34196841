/* drain / undrain: take a gateway out of service gently, and back. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/postfix.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/keys.h"
#include "core/xalloc.h"

static const struct cmd_option cmd_drain_options[] = {
	{ "timeout", 1, "drain: stop waiting after this many seconds (300; 0: "
	    "do not wait)" },
	{ NULL, 0, NULL },
};

static volatile sig_atomic_t drain_interrupted;

static void
drain_on_signal(int sig)
{
	(void)sig;
	drain_interrupted = 1;
}

static const struct config_node *
drain_node(const struct cmd *c, struct cmd_ctx *ctx, int *code)
{
	const char *name = c->argc > 0 ? c->argv[0] : NULL;
	const struct config_node *n = NULL;
	char **sel = NULL;
	int nsel = 0;

	/* In the console, the node under the overview's cursor. */
	if (name == NULL && (nsel = cmd_selection(ctx, "node", &sel)) > 0)
		name = sel[0];
	if (name == NULL)
		*code = cmd_fail(ctx, EXIT_USAGE, "%s: which node? usage: %s "
		    "NODE", c->entry->name, c->entry->name);
	else if ((n = config_node_find(ctx->cfg, name)) == NULL)
		*code = cmd_fail(ctx, EXIT_USAGE, "%s: unknown node '%s'",
		    c->entry->name, name);
	else if (n->role != NODE_GATEWAY)
		*code = cmd_fail(ctx, EXIT_USAGE, "%s: '%s' is not a gateway; "
		    "only gateways drain", c->entry->name, name);
	cmd_selection_free(sel, nsel);
	return n;
}

/*
 * The node (in the console the overview's selected one) and the console's
 * question. The console's drain does not wait: the overview shows the
 * queue emptying.
 */
static int
drain_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	const struct config_node *n;
	int code = EXIT_OK;

	if ((n = drain_node(c, ctx, &code)) == NULL || code != EXIT_OK)
		return code;
	cmd_set_arg(c, 0, n->name);
	if (strcmp(c->entry->name, "undrain") == 0) {
		snprintf(ask->question, sizeof ask->question, "undrain %s: "
		    "accept new mail there again", n->name);
		return EXIT_OK;
	}
	if (ctx->ui != NULL)
		cmd_set_option(c, "timeout", "0");
	snprintf(ask->question, sizeof ask->question, "drain %s: defer new "
	    "mail there and flush its queue", n->name);
	return EXIT_OK;
}

static struct redis *
drain_redis(struct cmd_ctx *ctx)
{
	if (ctx->redis == NULL) {
		ctx->redis = xmalloc(sizeof *ctx->redis);
		redis_init(ctx->redis, ctx->cfg);
	}
	return ctx->redis;
}

/* Marks or unmarks the node and records the event, in one transaction. */
static int
drain_mark(struct cmd_ctx *ctx, const struct config_node *n, int on)
{
	struct redis *r = drain_redis(ctx);
	char key[300], events[300], at[32], who[64];
	const struct passwd *pw = getpwuid(geteuid());
	const char *user = pw != NULL ? pw->pw_name : getenv("USER");
	redisReply *reply[4];
	size_t i;
	int bad = 0;

	if (redis_ensure(r) == -1)
		return cmd_fail(ctx, redis_exit_code(r), "%s", r->errstr);
	redis_key(ctx->cfg, key, sizeof key, KEY_NODE, n->name);
	redis_key(ctx->cfg, events, sizeof events, KEY_EVENTS);
	snprintf(at, sizeof at, "%lld", (long long)time(NULL));
	snprintf(who, sizeof who, "by %s", user != NULL ? user : "unknown");
	redisAppendCommand(r->ctx, "MULTI");
	if (on)
		redisAppendCommand(r->ctx, "HSET %s " NF_DRAIN " 1", key);
	else
		redisAppendCommand(r->ctx, "HDEL %s " NF_DRAIN, key);
	redisAppendCommand(r->ctx, "XADD %s MAXLEN ~ %d * " EV_TYPE " %s "
	    EV_NODE " %s " EV_CLUSTER " %s " EV_AT " %s " EV_DETAIL " %s",
	    events, EVENTS_MAXLEN, on ? "drain" : "undrain", n->name,
	    n->cluster, at, who);
	redisAppendCommand(r->ctx, "EXEC");
	if (redis_read_replies(r, 4, reply) == -1)
		return cmd_fail(ctx, redis_exit_code(r), "%s", r->errstr);
	for (i = 0; i < 4; i++) {
		if (!bad && reply[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, reply[i]);
			bad = 1;
		}
		freeReplyObject(reply[i]);
	}
	if (bad)
		return cmd_fail(ctx, redis_exit_code(r), "%s: %s",
		    on ? "drain" : "undrain", r->errstr);
	return EXIT_OK;
}

/* Messages still to leave the node, from its heartbeat; -1 if unknown. */
static long
drain_remaining(struct redis *r, const struct config_node *n)
{
	char key[300];
	redisReply *reply;
	long total = 0;
	size_t i;

	reply = redis_command(r, "HMGET %s " NF_Q_INCOMING " " NF_Q_ACTIVE " "
	    NF_Q_DEFERRED, redis_key(r->cfg, key, sizeof key, KEY_NODE,
	    n->name));
	if (reply == NULL)
		return -1;
	for (i = 0; i < reply->elements; i++) {
		if (reply->element[i]->type != REDIS_REPLY_STRING) {
			total = -1;
			break;
		}
		total += atol(reply->element[i]->str);
	}
	freeReplyObject(reply);
	return total;
}

static void
drain_progress(FILE *f, const char *node, long start, long left, long secs)
{
	int width = 30, done;

	if (start <= 0)
		start = left > 0 ? left : 1;
	done = (int)((start - (left < 0 ? start : left)) * width / start);
	if (done < 0)
		done = 0;
	fprintf(f, "\r%s: [%.*s%*s] %ld left, %lds ", node, done,
	    "##############################", width - done, "", left, secs);
	fflush(f);
}

/*
 * The progress watchdog: the queue has not shrunk for ssh.progress_timeout_s
 * (a destination that refuses everything, an agent whose heartbeat
 * stopped). Says how much left the node so far.
 */
static int
drain_stalled(struct cmd_ctx *ctx, const struct config_node *n, long start,
    long left, long long secs)
{
	char a[32], b[32];

	if (left < 0)
		return cmd_fail(ctx, EXIT_FAILED, "drain: no progress for %llds "
		    "(ssh.progress_timeout_s): %s's queue cannot be read from its "
		    "heartbeat (is its agent running?); it stays draining",
		    secs, n->name);
	if (start < 0)
		return cmd_fail(ctx, EXIT_FAILED, "drain: no progress for %llds "
		    "(ssh.progress_timeout_s): %s still holds %s message%s; it "
		    "stays draining", secs, n->name, format_grouped(left, b,
		    sizeof b), left == 1 ? "" : "s");
	return cmd_fail(ctx, EXIT_FAILED, "drain: no progress for %llds "
	    "(ssh.progress_timeout_s): %s message%s left %s so far, %s still "
	    "there; it stays draining", secs, format_grouped(start > left ?
	    start - left : 0, a, sizeof a), start - left == 1 ? "" : "s",
	    n->name, format_grouped(left, b, sizeof b));
}

static int
cmd_drain_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *t = cmd_option(c, "timeout");
	const struct config_node *n;
	struct sigaction sa, old_int, old_term;
	struct ssh_conn ssh;
	long timeout = 300, start, left, least;
	long long t0, moved, stall;
	char cause[512], *end;
	int code = EXIT_OK;

	if ((n = drain_node(c, ctx, &code)) == NULL || code != EXIT_OK)
		return code;
	if (t != NULL && ((timeout = strtol(t, &end, 10)) < 0 || *end != '\0' ||
			     timeout > 86400))
		return cmd_fail(ctx, EXIT_USAGE, "drain: --timeout '%s' is not "
		    "accepted; use 0 to 86400 seconds", t);
	snprintf(cause, sizeof cause, "mark %s draining (its policy service "
	    "then defers new mail), flush its queue and wait until it is empty",
	    n->name);
	if ((code = cmd_confirm(ctx, cause, 1, false)) != CONFIRM_GO)
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
	cmd_touch(ctx, n->name);
	if ((code = drain_mark(ctx, n, 1)) != EXIT_OK)
		return code;
	fprintf(ctx->out, "%s: marked draining\n", n->name);
	cmd_said(ctx, "%s: marked draining", n->name);
	ssh_init(&ssh, ctx->cfg, n);
	if (postfix_flush(&ssh, NULL, NULL, cause, sizeof cause) == -1) {
		code = cmd_fail(ctx, ssh.err != SSH_E_NONE ? ssh_exit_code(&ssh) :
		    EXIT_FAILED, "drain: %s is marked draining but the flush "
		    "failed: %s", n->name, cause);
		ssh_close(&ssh);
		return code;
	}
	ssh_close(&ssh);
	fprintf(ctx->out, "%s: queue flushed\n", n->name);
	cmd_said(ctx, "%s: marked draining, queue flushed", n->name);
	if (timeout == 0)
		return EXIT_OK;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = drain_on_signal;
	drain_interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	t0 = moved = clock_mono_ms();
	start = least = drain_remaining(ctx->redis, n);
	stall = (long long)ctx->cfg->ssh.progress_timeout_s * 1000;
	for (;;) {
		long long now = clock_mono_ms();
		long secs = (long)((now - t0) / 1000);

		left = drain_remaining(ctx->redis, n);
		if (isatty(STDERR_FILENO))
			drain_progress(stderr, n->name, start, left, secs);
		if (left == 0)
			break;
		/* Progress: the queue is smaller than it ever was. */
		if (left >= 0 && (least < 0 || left < least)) {
			least = left;
			moved = now;
		}
		if (stall > 0 && now - moved >= stall && !drain_interrupted &&
		    secs < timeout) {
			if (isatty(STDERR_FILENO))
				fputc('\n', stderr);
			code = drain_stalled(ctx, n, start, left, stall / 1000);
			break;
		}
		if (drain_interrupted || secs >= timeout) {
			if (isatty(STDERR_FILENO))
				fputc('\n', stderr);
			code = cmd_fail(ctx, EXIT_FAILED, "drain: %s still holds "
			    "%ld message%s after %lds (%s); it stays draining",
			    n->name, left, left == 1 ? "" : "s", secs,
			    drain_interrupted ? "cancelled" : "timeout");
			break;
		}
		usleep(500000);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (code == EXIT_OK) {
		if (isatty(STDERR_FILENO))
			fputc('\n', stderr);
		fprintf(ctx->out, "%s: drained, the queue is empty\n", n->name);
		cmd_said(ctx, "%s: drained, the queue is empty", n->name);
	}
	return code;
}

static int
cmd_undrain_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct config_node *n;
	char what[256];
	int code = EXIT_OK;

	if ((n = drain_node(c, ctx, &code)) == NULL || code != EXIT_OK)
		return code;
	snprintf(what, sizeof what, "return %s to service (it accepts new "
	    "mail again)", n->name);
	if ((code = cmd_confirm(ctx, what, 1, false)) != CONFIRM_GO)
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
	cmd_touch(ctx, n->name);
	if ((code = drain_mark(ctx, n, 0)) != EXIT_OK)
		return code;
	fprintf(ctx->out, "%s: back in service\n", n->name);
	cmd_said(ctx, "%s: back in service", n->name);
	return EXIT_OK;
}

const struct cmd_entry cmd_drain_entry = {
	.name = "drain",
	.alias = NULL,
	.usage = "NODE",
	.help = "take a gateway out of service: defer new mail, flush, wait "
		"until empty",
	.options = cmd_drain_options,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_CONFIRM | CMD_NEEDS_SSH | CMD_NEEDS_REDIS,
	.prepare = drain_prepare,
	.exec = cmd_drain_exec,
};

const struct cmd_entry cmd_undrain_entry = {
	.name = "undrain",
	.alias = NULL,
	.usage = "NODE",
	.help = "return a drained gateway to service",
	.options = NULL,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_CONFIRM | CMD_NEEDS_REDIS,
	.prepare = drain_prepare,
	.exec = cmd_undrain_exec,
};
