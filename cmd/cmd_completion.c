/* completion: print the shell completion script (cmd/completion.c). */
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/completion.h"
#include "core/exitcode.h"

static int
cmd_completion_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	if (strcmp(c->argv[0], "bash") != 0)
		return cmd_fail(ctx, EXIT_USAGE, "completion: no completion for "
		    "'%s'; only bash", c->argv[0]);
	completion_bash(ctx->out);
	return EXIT_OK;
}

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.alias = NULL,
	.usage = "SHELL",
	.help = "print the shell completion script (bash), generated from the "
		"command table",
	.options = NULL,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NO_CONFIG,
	.exec = cmd_completion_exec,
};
