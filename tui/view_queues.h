/* The queues view's hooks for the console loop. */
#ifndef MAILNOC_VIEW_QUEUES_H
#define MAILNOC_VIEW_QUEUES_H

#include "cmd/cmd.h"
#include "tui/view.h"
#include "tui/worker.h"

/* Starts listing every gateway (rows stream in), unless one is running. */
void view_queues_refresh(void *state, struct console *c);
/* Called every loop pass: relists in the background now and then. */
void view_queues_tick(void *state, struct console *c);
/* Takes a message of a queue job (batch, done, action, message). */
void view_queues_take(void *state, struct console *c, struct worker_msg *m);
/* Runs `queue SUB` in the console. Returns 0, or -1 with `cause`. */
int view_queues_cmd(void *state, struct console *c, const struct cmd *cmd,
    char *cause, size_t len);
/* The user confirmed the pending action. */
void view_queues_confirmed(void *state, struct console *c);
/* The user declined it (or another question replaced it): forget it. */
void view_queues_declined(void *state);
/* Esc: closes a shown message. Returns 1 when it did. */
int view_queues_escape(void *state);

#endif
