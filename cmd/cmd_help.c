/* help: the command list, generated from the command table. */
#include "cmd/cmd.h"
#include "core/exitcode.h"

/* The topic must be a command; in the console the help view shows it. */
static int
cmd_help_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	(void)ask;
	if (c->argc == 1 && cmd_find(c->argv[0], ctx->cause,
	    sizeof ctx->cause) == NULL)
		return EXIT_USAGE;
	return EXIT_OK;
}

static int
cmd_help_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct cmd_entry *e = NULL;

	if (c->argc == 1)
		e = cmd_find(c->argv[0], ctx->cause, sizeof ctx->cause);
	if (e != NULL)
		cmd_print_usage(ctx->out, e);
	else
		cmd_print_help(ctx->out, ctx->read_only);
	return EXIT_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.view = "help",
	.alias = "?",
	.usage = "[COMMAND]",
	.help = "list the commands, or explain one",
	.options = NULL,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_NO_CONFIG,
	.prepare = cmd_help_prepare,
	.exec = cmd_help_exec,
};
