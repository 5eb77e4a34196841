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
};

/*
 * The one rule for the typed confirmation: an action that cannot be undone
 * (delete, replacing permits) on more than CONFIRM_TYPED_OVER items, or on
 * a whole queue (`whole`), wants the count typed; the rest wants y.
 */
bool confirm_typed(long count, bool irreversible, bool whole);

/*
 * Asks, in batch mode, whether to `what` ("delete 120 messages on gw1"):
 * --dry-run prints what would be done and returns CONFIRM_DRY_RUN; --yes
 * returns CONFIRM_GO; in a script (ctx->no_prompt) or without a terminal on
 * standard input it refuses; on
 * a terminal it asks for y (or for the `count` typed out when `typed`).
 * Before CONFIRM_GO it writes the started audit record (cmd_begin).
 * Returns CONFIRM_GO, CONFIRM_DRY_RUN, or an exit code with ctx->cause set
 * (EXIT_AUDIT_REFUSED when the audit record can be written nowhere).
 */
int confirm_batch(struct cmd_ctx *ctx, const char *what, long count,
    bool typed);

#endif
