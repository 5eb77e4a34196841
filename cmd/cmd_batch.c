/* batch: run a script of commands, one a line (cmd/script.c). */
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "cmd/script.h"

static const struct cmd_option cmd_batch_options[] = {
	{ "keep-going", 0, "run every line; without it the first failure "
	    "stops the script" },
	{ NULL, 0, NULL },
};

static int
cmd_batch_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	/* The console's thread never blocks on a script's network work. */
	if (ctx->ui != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "batch: run scripts from the "
		    "shell: mailnoc batch FILE");
	return script_run(ctx, c->argv[0], cmd_option(c, "keep-going") != NULL);
}

const struct cmd_entry cmd_batch_entry = {
	.name = "batch",
	.alias = NULL,
	.usage = "FILE|-",
	.help = "run a script: one command a line, '#' comments; --yes, "
		"--dry-run and --json apply to every line",
	.options = cmd_batch_options,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_DATA,
	.exec = cmd_batch_exec,
};
