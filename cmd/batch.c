/* Batch mode: the same command table as the console, output to stdout. */
#include "cmd/batch.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "backends/redis.h"
#include "core/clock.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/model.h"
#include "core/role_cache.h"
#include "core/xalloc.h"

static void
batch_error(const struct cmd_ctx *ctx, int code)
{
	/* check's status line said it all (its exit codes are its own). */
	if (ctx->cause[0] == '\0')
		return;
	fprintf(stderr, "mailnoc: %s\n", ctx->cause);
	/* A lost audit record after a success: its JSON said so already. */
	if (ctx->json && !(code == EXIT_AUDIT_LOST && ctx->audit_lost_said)) {
		json_t *o = json_pack("{s:s,s:i}", "error", ctx->cause, "exit",
		    code);

		if (ctx->audit_lost[0] != '\0')
			json_object_set_new(o, "audit_lost",
			    json_string(ctx->audit_lost));
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	}
}

void
batch_read_only(struct cmd_ctx *ctx, const struct cli *cli, bool probe)
{
	ctx->read_only = true;
	if (cli->read_only)
		ctx->read_only_why = CMD_RO_OPTION;
	else if (ctx->cfg != NULL && ctx->cfg->ui.read_only)
		ctx->read_only_why = CMD_RO_CONFIG;
	else
		ctx->read_only = false;
	if (!ctx->read_only && probe)
		batch_probe(ctx);
}

void
batch_probe(struct cmd_ctx *ctx)
{
	static char why[160], pending[400];

	if (ctx->cfg == NULL)
		return;
	if (ctx->redis == NULL) {
		ctx->redis = xmalloc(sizeof *ctx->redis);
		redis_init(ctx->redis, ctx->cfg);
	}
	ctx->role_pending = false;
	switch (redis_probe_role(ctx->redis)) {
	case REDIS_ROLE_WRITE:
		role_cache_put(ctx->cfg->redis.user, true, clock_wall_ms() / 1000);
		return;
	case REDIS_ROLE_READ_ONLY:
		role_cache_put(ctx->cfg->redis.user, false,
		    clock_wall_ms() / 1000);
		break;
	case REDIS_ROLE_UNKNOWN:
		/* Redis away: what a probe confirmed lately, or nothing. */
		switch (role_cache_get(ctx->cfg->redis.user,
		    clock_wall_ms() / 1000)) {
		case 1:
			return;
		case 0:
			break;
		default:
			snprintf(pending, sizeof pending, "cannot confirm that "
			    "the Redis user '%s' may change the service (%s)",
			    ctx->cfg->redis.user ? ctx->cfg->redis.user :
			    "default", ctx->redis->errstr);
			ctx->role_pending = true;
			ctx->role_why = pending;
			return;
		}
		break;
	}
	ctx->read_only = true;
	ctx->read_only_why = cmd_read_only_acl(ctx->cfg->redis.user, why,
	    sizeof why);
}

int
batch_run(const struct config *cfg, const struct cli *cli)
{
	struct cmd_ctx ctx = { 0 };
	struct cmd c;
	int code;

	ctx.cfg = cfg;
	ctx.json = cli->json;
	ctx.yes = cli->yes;
	ctx.dry_run = cli->dry_run;
	ctx.out = stdout;
	ctx.audit = true;
	if (cmd_parse_argv(cli->argc, cli->argv, &c, ctx.cause,
		sizeof ctx.cause) == -1) {
		batch_error(&ctx, EXIT_USAGE);
		return EXIT_USAGE;
	}
	/* Only a command that would change something asks the ACL. */
	batch_read_only(&ctx, cli, (cmd_flags(&c) & CMD_MUTATES) != 0);
	if ((code = cmd_exec(&c, &ctx)) != EXIT_OK)
		batch_error(&ctx, code);
	cmd_free(&c);
	snapshot_free(ctx.snap);
	if (ctx.redis != NULL) {
		redis_close(ctx.redis);
		free(ctx.redis);
	}
	if (fflush(stdout) == EOF && code == EXIT_OK) {
		fprintf(stderr, "mailnoc: cannot write the output\n");
		code = EXIT_FAILED;
	}
	return code;
}
