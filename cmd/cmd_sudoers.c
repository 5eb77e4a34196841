/* sudoers: print the nodes' sudoers drop-in (cmd/sudoers.c); no Redis needed. */
#include <string.h>

#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/validate.h"
#include "cmd/sudoers.h"

static const struct cmd_option cmd_sudoers_options[] = {
	{ "node", 1, "this node's commands only (repeat for each)" },
	{ "user", 1, "the SSH user (default ssh.user)" },
	{ NULL, 0, NULL },
};

static int
cmd_sudoers_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *user = cmd_option(c, "user");
	const char *nodes[CMD_MAX_ARGS];
	size_t i, n = 0;

	if (user == NULL)
		user = ctx->cfg->ssh.user;
	if (user == NULL || validate_user(user) != NULL) {
		snprintf(ctx->cause, sizeof ctx->cause, "sudoers: '%s' is not a "
		    "user name: %s", user != NULL ? user : "",
		    user != NULL ? validate_user(user) : "give --user");
		return EXIT_USAGE;
	}
	for (i = 0; i < (size_t)c->nopts; i++) {
		if (strcmp(c->opts[i].opt->name, "node") == 0)
			nodes[n++] = c->opts[i].value;
	}
	if (sudoers_print(ctx->out, ctx->cfg, user, nodes, n, ctx->cause,
		sizeof ctx->cause) == -1)
		return EXIT_USAGE;
	return EXIT_OK;
}

const struct cmd_entry cmd_sudoers_entry = {
	.name = "sudoers",
	.alias = NULL,
	.usage = "",
	.help = "print the sudoers drop-in that allows the nodes' commands "
		"run with ssh.sudo, and nothing else",
	.options = cmd_sudoers_options,
	.min_args = 0,
	.max_args = 0,
	.flags = 0,
	.exec = cmd_sudoers_exec,
};
