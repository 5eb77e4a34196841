/* Confirmation of destructive commands, the same for every one of them. */
#include "cmd/confirm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/exitcode.h"

bool
confirm_typed(long count, bool irreversible, bool whole)
{
	return irreversible && (count > CONFIRM_TYPED_OVER || whole);
}

/* The console's question: the answer runs the prepared command. */
static int
confirm_console(struct cmd_ctx *ctx, const char *what, const char *want,
    bool typed)
{
	char q[700];

	snprintf(q, sizeof q, "%s%s? %s%s: ", ctx->prepared->dry_run ? "dry run "
	    "(nothing will change): " : "", what, typed ? "type " : "y/N",
	    typed ? want : "");
	if (ctx->ui->ask(ctx->ui_data, q, want, ctx->prepared) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "%s: cannot ask in the console",
		    ctx->prepared->entry->name);
	return CONFIRM_ASKED;
}

int
cmd_confirm(struct cmd_ctx *ctx, const char *what, long count, bool typed)
{
	char line[64], want[32];

	if (typed)
		snprintf(want, sizeof want, "%ld", count);
	else
		snprintf(want, sizeof want, "y");
	if (ctx->ui != NULL && ctx->prepared != NULL)
		return confirm_console(ctx, what, want, typed);

	if (ctx->dry_run) {
		fprintf(ctx->out, "dry run: would %s; nothing was done\n", what);
		return CONFIRM_DRY_RUN;
	}
	/* Going ahead: the audit's started record first (cmd_begin). */
	if (ctx->yes)
		return cmd_begin(ctx);
	/* Each refusal below did nothing, by rule: the audit says so. */
	ctx->refused = ctx->no_prompt || !isatty(STDIN_FILENO);
	if (ctx->no_prompt)
		return cmd_fail(ctx, EXIT_USAGE, "refusing to %s without --yes: "
		    "a script does not ask; give --yes on the line or to batch",
		    what);
	if (!isatty(STDIN_FILENO))
		return cmd_fail(ctx, EXIT_USAGE, "refusing to %s without --yes: "
		    "standard input is not a terminal", what);
	if (typed)
		fprintf(stderr, "About to %s.\nType %s to confirm: ", what, want);
	else
		fprintf(stderr, "About to %s.\nProceed? [y/N] ", what);
	if (fgets(line, sizeof line, stdin) == NULL)
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, want) == 0 || (!typed && strcmp(line, "yes") == 0))
		return cmd_begin(ctx);
	ctx->refused = true;
	return cmd_fail(ctx, EXIT_FAILED, "not confirmed; nothing was done");
}
