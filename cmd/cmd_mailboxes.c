/* mailboxes --role: the role mailboxes (abuse@, postmaster@) as the active
 * mailbox node's agent last read them: unread count, oldest unread. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/model.h"
#include "core/role_mailbox.h"

static const struct cmd_option cmd_mailboxes_options[] = {
	{ "role", 0, "the role mailboxes (mailbox.roles: abuse@, "
	    "postmaster@), unread and oldest unread" },
	{ NULL, 0, NULL },
};

static int
cmd_mailboxes_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct node_status *node;
	struct role_mbx v[ROLE_MBX_MAX];
	struct snapshot *s;
	long long now, limit = ctx->cfg->mailbox.role_unread_limit_s;
	char text[160];
	json_t *arr;
	int code, i, nv;

	if (cmd_option(c, "role") == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "mailboxes: which? give --role "
		    "(the role mailboxes)");
	if ((s = cmd_snapshot(ctx, &code)) == NULL)
		return code;
	now = s->taken_ms / 1000;
	node = role_mbx_node(s);
	nv = node != NULL ? role_mbx_parse(node->role_mbx, v, ROLE_MBX_MAX) :
	    0;
	if (nv < 0)
		nv = 0;
	if (ctx->json) {
		arr = json_array();
		for (i = 0; i < nv; i++)
			json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:b}",
			    "user", v[i].user, "unread", v[i].unread < 0 ?
			    json_null() : json_integer(v[i].unread),
			    "oldest_unread_age", v[i].unread > 0 &&
			    v[i].oldest > 0 ? json_integer(now > v[i].oldest ?
			    now - v[i].oldest : 0) : json_null(), "over_limit",
			    v[i].unread > 0 && v[i].oldest > 0 && now -
			    v[i].oldest > limit));
		cmd_json_print(ctx, json_pack("{s:o,s:I,s:o}", "node", node !=
		    NULL ? json_string(node->name) : json_null(), "limit_s",
		    (json_int_t)limit, "mailboxes", arr));
		return EXIT_OK;
	}
	if (node == NULL) {
		fprintf(ctx->out, "role mailboxes: not reported (no active "
		    "mailbox node's agent reads them)\n");
		return EXIT_OK;
	}
	fprintf(ctx->out, "role mailboxes on %s (limit %lld h %lld m):\n",
	    node->name, limit / 3600, limit % 3600 / 60);
	for (i = 0; i < nv; i++)
		fprintf(ctx->out, "  %s%s\n", role_mbx_text(&v[i], now, text,
		    sizeof text), v[i].unread > 0 && v[i].oldest > 0 &&
		    now - v[i].oldest > limit ? "  OVER THE LIMIT" : "");
	return EXIT_OK;
}

const struct cmd_entry cmd_mailboxes_entry = {
	.name = "mailboxes",
	.usage = "--role",
	.help = "the role mailboxes (abuse@, postmaster@): unread, oldest "
	    "unread",
	.options = cmd_mailboxes_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_mailboxes_exec,
};
