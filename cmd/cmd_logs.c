/* logs export: the matching raw mail log lines of every gateway, sorted by
 * time and named by gateway, into one gzip file for security personnel. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "backends/logexport.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "core/exitcode.h"
#include "core/logexport.h"
#include "core/validate.h"
#include "core/xalloc.h"

static const struct cmd_option cmd_logs_options[] = {
	{ "since", 1, "the period's start: a duration back (2h, 7d), epoch "
	    "seconds or a local date YYYY-MM-DD[THH:MM[:SS]] (Z: UTC)" },
	{ "until", 1, "the period's end, the same way (default now)" },
	{ "client", 1, "only the lines naming this client IP ([IP])" },
	{ "from", 1, "only the lines with this sender (from=<ADDR>)" },
	{ "to", 1, "only the lines with this recipient (to=<ADDR>)" },
	{ "output", 1, "the gzip file to write (a new file, never replaced)" },
	{ NULL, 0, NULL },
};

/* A file name for --output: no control characters, not a directory. */
static const char *
logs_check_output(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 1024 || s[n - 1] == '/')
		return "give a file path of up to 1024 characters";
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "control characters are not accepted";
	}
	return NULL;
}

/* The options checked: the query and the output. */
static int
logs_args(const struct cmd *c, struct cmd_ctx *ctx, long long now,
    struct logexport_query *q, const char **output)
{
	const char *why;
	struct stat st;
	char cause[400];

	if (c->argc < 1 || strcmp(c->argv[0], "export") != 0)
		return cmd_fail(ctx, EXIT_USAGE, "logs: unknown subcommand '%s'; "
		    "accepted: export", c->argc > 0 ? c->argv[0] : "");
	if (logexport_query_make(cmd_option(c, "since"),
	    cmd_option(c, "until"), cmd_option(c, "client"),
	    cmd_option(c, "from"), cmd_option(c, "to"), now, q, cause,
	    sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "logs export: %s; nothing was "
		    "run", cause);
	if ((*output = cmd_option(c, "output")) == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "logs export: --output FILE is "
		    "required (the gzip file to write); nothing was run");
	if ((why = logs_check_output(*output)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "logs export: --output is not "
		    "accepted: %s; nothing was run", why);
	if (lstat(*output, &st) == 0)
		return cmd_fail(ctx, EXIT_USAGE, "logs export: '%s' exists; give "
		    "a new file (an export never replaces one); nothing was run",
		    *output);
	return EXIT_OK;
}

static size_t
logs_gateways(const struct config *cfg, char *names, size_t len)
{
	size_t i, n = 0, used = 0;

	names[0] = '\0';
	for (i = 0; i < cfg->nnodes; i++) {
		int k;

		if (cfg->nodes[i].role != NODE_GATEWAY)
			continue;
		k = snprintf(names + used, len - used, "%s%s", n ? ", " : "",
		    cfg->nodes[i].name);
		if (k > 0 && used + (size_t)k < len)
			used += (size_t)k;
		n++;
	}
	return n;
}

/* "export the mail log lines of client X from A to B on gw1, gw2 into F" */
static void
logs_question(const struct config *cfg, const struct logexport_query *q,
    const char *output, char *buf, size_t len)
{
	char what[300], a[32], b[32], gws[200];
	struct tm tm;
	time_t t;

	logexport_query_what(q, what, sizeof what);
	t = (time_t)q->since;
	localtime_r(&t, &tm);
	strftime(a, sizeof a, "%Y-%m-%d %H:%M:%S", &tm);
	t = (time_t)q->until;
	localtime_r(&t, &tm);
	strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
	logs_gateways(cfg, gws, sizeof gws);
	snprintf(buf, len, "export the mail log lines of %s from %s to %s "
	    "on %s into %s", what, a, b, gws[0] ? gws : "no gateway", output);
}

static int
cmd_logs_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	struct logexport_query q;
	const char *output;
	char since[32], until[32];
	int code;

	if ((code = logs_args(c, ctx, (long long)time(NULL), &q, &output)) !=
	    EXIT_OK)
		return code;
	/* The period asked, fixed now: a "2h" asked is the same 2 h run. */
	snprintf(since, sizeof since, "%lld", q.since);
	snprintf(until, sizeof until, "%lld", q.until);
	cmd_set_option(c, "since", since);
	cmd_set_option(c, "until", until);
	logs_question(ctx->cfg, &q, output, ask->question,
	    sizeof ask->question);
	return EXIT_OK;
}

/* Writes the lines, each "GATEWAY LINE", into a new gzip file. */
static int
logs_write(const char *path, const struct logexport_run *r,
    const struct logexport_line *v, size_t n, char *cause, size_t len)
{
	gzFile gz;
	size_t i;
	int fd, err = 0;

	/* Mail logs name people: readable by the owner only. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(cause, len, "cannot create '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if ((gz = gzdopen(fd, "wb6")) == NULL) {
		close(fd);
		unlink(path);
		snprintf(cause, len, "cannot start gzip on '%s'", path);
		return -1;
	}
	for (i = 0; i < n && err == 0; i++) {
		const char *node = r->nodes[v[i].node].node->name;

		if (gzputs(gz, node) < 0 || gzputc(gz, ' ') < 0 ||
		    (v[i].len > 0 && gzwrite(gz, v[i].text,
		    (unsigned)v[i].len) == 0) || gzputc(gz, '\n') < 0)
			err = 1;
	}
	if (gzclose(gz) != Z_OK || err) {
		unlink(path);
		snprintf(cause, len, "cannot write '%s' (disk full?); it was "
		    "removed", path);
		return -1;
	}
	return 0;
}

static json_t *
logs_json(const struct logexport_query *q, const char *output,
    const struct logexport_run *r, size_t total, bool written)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(o, "output", written ? json_string(output) :
	    json_null());
	json_object_set_new(o, "since", json_integer(q->since));
	json_object_set_new(o, "until", json_integer(q->until));
	json_object_set_new(o, "lines", json_integer((json_int_t)total));
	for (i = 0; i < r->n; i++) {
		const struct logexport_node *ln = &r->nodes[i];

		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I,s:b,s:o}",
		    "name", ln->node->name, "lines", (json_int_t)ln->n,
		    "outside", (json_int_t)ln->outside, "untimed",
		    (json_int_t)ln->untimed, "failed", ln->failed, "error",
		    ln->failed ? json_string(ln->cause) : json_null()));
	}
	json_object_set_new(o, "gateways", arr);
	return o;
}

static int
cmd_logs_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct logexport_query q;
	struct logexport_run r;
	struct logexport_line *v;
	const char *output;
	char what[600], counts[400], fails[1200], cause[600];
	size_t failed, total, i, used = 0, fused = 0;
	bool written = false;
	json_t *o;
	int code, k;

	if ((code = logs_args(c, ctx, (long long)time(NULL), &q, &output)) !=
	    EXIT_OK)
		return code;
	logs_question(ctx->cfg, &q, output, what, sizeof what);
	if ((code = cmd_confirm(ctx, what, 1, false)) != CONFIRM_GO)
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;
	failed = logexport_collect(&r, ctx->cfg, &q, (long long)time(NULL),
	    ctx->cancel);
	if (r.n == 0) {
		logexport_run_free(&r);
		return cmd_fail(ctx, EXIT_USAGE, "logs export: no gateway in "
		    "the configuration");
	}
	total = logexport_merge(&r, &v);
	counts[0] = fails[0] = '\0';
	for (i = 0; i < r.n; i++) {
		const struct logexport_node *ln = &r.nodes[i];

		cmd_touch(ctx, ln->node->name);
		k = snprintf(counts + used, sizeof counts - used, "%s%s %zu%s",
		    i ? ", " : "", ln->node->name, ln->n, ln->failed ?
		    " (failed)" : "");
		if (k > 0 && used + (size_t)k < sizeof counts)
			used += (size_t)k;
		if (!ln->failed)
			continue;
		k = snprintf(fails + fused, sizeof fails - fused, "%s%s",
		    fused ? "; " : "", ln->cause);
		if (k > 0 && fused + (size_t)k < sizeof fails)
			fused += (size_t)k;
	}
	/*
	 * A gateway that failed leaves a partial export: the file is written
	 * with every line that arrived (a failed gateway's up to its
	 * failure) and the failure is said; nothing at all arrived from a
	 * failed export: no file.
	 */
	if (failed < r.n || total > 0) {
		if (logs_write(output, &r, v, total, cause, sizeof cause) == -1) {
			free(v);
			logexport_run_free(&r);
			return cmd_fail(ctx, EXIT_FAILED, "logs export: %s", cause);
		}
		written = true;
	}
	/* The audit's record: what was asked and how many lines went out. */
	cmd_said(ctx, "%s%zu line%s written to %s (%s); asked: %s",
	    failed ? "partial: " : "", total, total == 1 ? "" : "s",
	    written ? output : "no file", counts, what + strlen("export "));
	if (ctx->json) {
		o = logs_json(&q, output, &r, total, written);
		json_object_set_new(o, "partial", json_boolean(failed > 0));
		cmd_json_print(ctx, o);
	} else if (!cmd_in_console(ctx))
		fprintf(ctx->out, "%zu line%s written to %s (%s)\n", total,
		    total == 1 ? "" : "s", written ? output : "no file", counts);
	if (failed > 0) {
		ctx->partial = written;
		code = cmd_fail(ctx, failed == r.n && !written ?
		    r.nodes[0].exit_code : EXIT_FAILED, "logs export: %s%s; %s",
		    written ? "partial: " : "every gateway failed: ",
		    fails, written ? "the file holds what arrived" :
		    "no file was written");
	} else
		code = EXIT_OK;
	free(v);
	logexport_run_free(&r);
	return code;
}

static const struct cmd_sub cmd_logs_subs[] = {
	{ "export", "--since T [--until T] [--client IP|--from ADDR|--to "
	    "ADDR] --output FILE", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.alias = NULL,
	.usage = "export --since T [--until T] [--client IP|--from ADDR|--to "
		"ADDR] --output FILE",
	.help = "export the gateways' raw mail log lines of a period (one "
		"client, sender or recipient) into a gzip file, for security "
		"personnel; audited",
	.options = cmd_logs_options,
	.subs = cmd_logs_subs,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_SSH | CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_logs_prepare,
	.exec = cmd_logs_exec,
};
