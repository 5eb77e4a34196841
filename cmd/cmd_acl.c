/* acl: print the Redis ACL lines of the roles (core/acl.c); no Redis needed. */
#include <string.h>

#include "core/acl.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"

static const struct cmd_option cmd_acl_options[] = {
	{ "prefix", 1, "the key prefix (default mailnoc:)" },
	{ "node", 1, "an agent user for this node only (repeat for each)" },
	{ "auto-block", 0, "agents may block harvest suspects (implied by "
	    "maillog.harvest.auto_block)" },
	{ NULL, 0, NULL },
};

static int
cmd_acl_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *prefix = cmd_option(c, "prefix");
	const char *nodes[CMD_MAX_ARGS];
	size_t i, j, n = 0;

	if (prefix == NULL)
		prefix = ctx->cfg != NULL ? ctx->cfg->redis.prefix : "mailnoc:";
	for (i = 0; i < (size_t)c->nopts; i++) {
		if (strcmp(c->opts[i].opt->name, "node") != 0)
			continue;
		for (j = 0; j < n && strcmp(nodes[j], c->opts[i].value) != 0;
		    j++)
			;
		if (j == n)
			nodes[n++] = c->opts[i].value;
	}
	if (acl_check(prefix, nodes, n, ctx->cause, sizeof ctx->cause) == -1)
		return EXIT_USAGE;
	acl_print(ctx->out, prefix, nodes, n, cmd_option(c, "auto-block") !=
	    NULL || (ctx->cfg != NULL && ctx->cfg->maillog.auto_block));
	return EXIT_OK;
}

const struct cmd_entry cmd_acl_entry = {
	.name = "acl",
	.alias = NULL,
	.usage = "",
	.help = "print the Redis ACL lines of the roles (noc, admin, agents), "
		"passwords left as " ACL_PASSWORD_PLACEHOLDER,
	.options = cmd_acl_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NO_CONFIG,
	.exec = cmd_acl_exec,
};
