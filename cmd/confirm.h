/* Confirmation of destructive commands: preview, typed count, --yes. */
#ifndef MAILNOC_CONFIRM_H
#define MAILNOC_CONFIRM_H

#include <stdbool.h>

#include "cmd/cmd.h"

/* Thresholds: above this many messages, the count must be typed. */
#define CONFIRM_TYPED_OVER 100

enum {
	CONFIRM_GO = 0,
	CONFIRM_DRY_RUN = -1,
	CONFIRM_ASKED = -2,   /* the console asks; its answer runs the command */
};

/*
 * The one rule for the typed confirmation: an action that cannot be undone
 * (delete, replacing permits) on more than CONFIRM_TYPED_OVER items, or on
 * a whole queue (`whole`), wants the count typed; the rest wants y.
 */
bool confirm_typed(long count, bool irreversible, bool whole);

/*
 * The one confirmation of every command, in every front end: asks whether
 * to `what` ("delete 120 messages on gw1"), wanting y, or the `count`
 * typed out when `typed`.
 * In the console (ctx->ui), it asks on the status line about the command
 * cmd_exec prepared (ctx->prepared) and returns CONFIRM_ASKED: the answer
 * runs it, with --yes, off the UI thread ("dry run (nothing will change)"
 * leads the question of a --dry-run).
 * Elsewhere: --dry-run prints what would be done and returns
 * CONFIRM_DRY_RUN; --yes returns CONFIRM_GO; in a script (ctx->no_prompt)
 * or without a terminal on standard input it refuses; on a terminal it
 * asks. Before CONFIRM_GO it writes the started audit record (cmd_begin).
 * Returns CONFIRM_GO, CONFIRM_DRY_RUN, CONFIRM_ASKED, or an exit code with
 * ctx->cause set (EXIT_AUDIT_REFUSED when the audit record can be written
 * nowhere).
 */
int cmd_confirm(struct cmd_ctx *ctx, const char *what, long count,
    bool typed);

#endif
