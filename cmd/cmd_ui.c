/* Console-only commands: switching views, filtering, prompting, quitting. */
#include "cmd/cmd.h"
#include "core/exitcode.h"

static int
cmd_view_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	return ctx->ui->view(ctx->ui_data, c->argv[0], ctx->cause,
		   sizeof ctx->cause) == 0 ? EXIT_OK : EXIT_USAGE;
}

static int
cmd_filter_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	return ctx->ui->filter(ctx->ui_data, c->argc ? c->argv[0] : "");
}

static int
cmd_prompt_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	return ctx->ui->prompt(ctx->ui_data, c->argc ? c->argv[0] : "");
}

static int
cmd_refresh_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	(void)c;
	return ctx->ui->refresh(ctx->ui_data);
}

static int
cmd_move_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	return ctx->ui->cursor(ctx->ui_data, c->argv[0], ctx->cause,
		   sizeof ctx->cause) == 0 ? EXIT_OK : EXIT_USAGE;
}

static int
cmd_quit_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	(void)c;
	return ctx->ui->quit(ctx->ui_data);
}

const struct cmd_entry cmd_view_entry = {
	.name = "view",
	.alias = NULL,
	.usage = "overview|clusters|queues|blocklist|agencies|audit|restore|"
	    "alerts|providers|reputation|filter|trace",
	.help = "show a view",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_UI_ONLY,
	.exec = cmd_view_exec,
};

const struct cmd_entry cmd_filter_entry = {
	.name = "filter",
	.alias = NULL,
	.usage = "[TEXT]",
	.help = "show only the rows containing TEXT; no TEXT clears the filter",
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_UI_ONLY,
	.exec = cmd_filter_exec,
};

const struct cmd_entry cmd_prompt_entry = {
	.name = "prompt",
	.alias = NULL,
	.usage = "[TEXT]",
	.help = "open the command prompt, starting with TEXT",
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_UI_ONLY | CMD_ARG_COMMAND,
	.exec = cmd_prompt_exec,
};

const struct cmd_entry cmd_refresh_entry = {
	.name = "refresh",
	.alias = NULL,
	.usage = "",
	.help = "fetch the state from Redis now",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_UI_ONLY,
	.exec = cmd_refresh_exec,
};

const struct cmd_entry cmd_move_entry = {
	.name = "move",
	.alias = NULL,
	.usage = "up|down|page-up|page-down|top|bottom|left|right|in|out|"
	    "sort|sort-reverse",
	.help = "move the cursor, scroll the columns, sort, open a row's "
	    "detail in the current table",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_UI_ONLY,
	.exec = cmd_move_exec,
};

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.alias = "q",
	.usage = "",
	.help = "leave the console",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_UI_ONLY,
	.exec = cmd_quit_exec,
};

static int
cmd_messages_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	(void)c;
	(void)ctx;
	return EXIT_OK;
}

/* The console's messages view takes it (tui/view_messages.c). */
const struct cmd_entry cmd_messages_entry = {
	.name = "messages",
	.view = "messages",
	.alias = NULL,
	.usage = "",
	.help = "list the questions, answers, results and errors shown so far",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_UI_ONLY,
	.exec = cmd_messages_exec,
};

static int
cmd_copy_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	return ctx->ui->copy(ctx->ui_data, c->argc ? c->argv[0] : NULL,
		   ctx->cause, sizeof ctx->cause) == 0 ? EXIT_OK : EXIT_USAGE;
}

/* The terminal's clipboard (OSC 52): the console's `y` (tui/console.c). */
const struct cmd_entry cmd_copy_entry = {
	.name = "copy",
	.alias = NULL,
	.usage = "[TEXT]",
	.help = "copy the ID of the row under the cursor (or TEXT) to the "
	    "terminal's clipboard (OSC 52)",
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_UI_ONLY,
	.exec = cmd_copy_exec,
};
